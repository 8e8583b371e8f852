"""Capacity limits, negotiation errors and ICE configuration."""

from __future__ import annotations

import pytest

from care.errors import DomainError
from media import IceServer, MediaConfig, MediaErrorCode, MediaWorker, RouterId, TransportId
from media.transport import rtc_configuration
from tests.media.peers import Client, Signaling, eventually


async def test_the_worker_refuses_a_session_beyond_its_capacity() -> None:
    worker = MediaWorker(MediaConfig(max_routers=1))
    worker.create_router(RouterId("one"))
    with pytest.raises(DomainError) as refused:
        worker.create_router(RouterId("two"))
    assert refused.value.code == MediaErrorCode.CAPACITY_REACHED
    assert refused.value.code == "media_capacity_reached"
    assert refused.value.status == 503
    assert refused.value.payload()["error"]["message"] == "The media server is full (sessions: at most 1)."
    await worker.close()
    worker.create_router(RouterId("two"))  # a closed session frees its place
    await worker.close()


async def test_a_session_refuses_a_participant_beyond_its_capacity() -> None:
    worker = MediaWorker(MediaConfig(max_transports_per_router=2))
    router = worker.create_router(RouterId("s"))
    router.create_transport(TransportId("a"))
    second = router.create_transport(TransportId("b"))
    with pytest.raises(DomainError) as refused:
        router.create_transport(TransportId("c"))
    assert refused.value.code == "media_capacity_reached"
    assert refused.value.params == {"scope": "session", "limit": 2}
    second.close()
    router.create_transport(TransportId("c"))
    await worker.close()


async def test_the_process_refuses_participants_beyond_its_capacity_across_sessions() -> None:
    worker = MediaWorker(MediaConfig(max_transports=2))
    worker.create_router(RouterId("s1")).create_transport(TransportId("a"))
    s2 = worker.create_router(RouterId("s2"))
    s2.create_transport(TransportId("b"))
    with pytest.raises(DomainError) as refused:
        s2.create_transport(TransportId("c"))
    assert refused.value.params == {"scope": "participants", "limit": 2}
    assert worker.transport_count == 2
    await worker.close()
    assert worker.transport_count == 0


async def test_a_participant_cannot_connect_twice_to_one_session(worker: MediaWorker) -> None:
    router = worker.create_router(RouterId("s"))
    router.create_transport(TransportId("a"))
    with pytest.raises(DomainError) as refused:
        router.create_transport(TransportId("a"))
    assert refused.value.code == MediaErrorCode.TRANSPORT_EXISTS


async def test_a_client_offer_during_a_server_offer_is_refused_as_glare(worker: MediaWorker) -> None:
    router = worker.create_router(RouterId("glare"))
    ana, ben = Client("ana"), Client("ben")
    ta = router.create_transport(TransportId("ana"))
    answer = await ta.apply_offer(await ana.offer())
    await ana.accept_answer(answer)
    tb = router.create_transport(TransportId("ben"))
    await tb.apply_offer(await ben.offer())  # Ben's producers make Ana's transport renegotiate
    server_offer = await ta.create_offer()
    assert server_offer is not None
    assert await ta.create_offer() is None  # one offer at a time
    with pytest.raises(DomainError) as glare:
        await ta.apply_offer(await Client("ana-again").offer())
    assert glare.value.code == MediaErrorCode.NEGOTIATION_GLARE
    # The polite client answers the server's offer; negotiation goes on.
    await ta.apply_answer(await ana.answer(server_offer))
    with pytest.raises(DomainError) as nothing:
        await ta.apply_answer(await ana.answer(server_offer))
    assert nothing.value.code in (MediaErrorCode.NO_PENDING_OFFER, MediaErrorCode.INVALID_SDP)
    await ana.close()
    await ben.close()


async def test_garbage_sdp_and_candidates_get_stable_error_codes(worker: MediaWorker) -> None:
    transport = worker.create_router(RouterId("bad")).create_transport(TransportId("a"))
    with pytest.raises(DomainError) as bad_sdp:
        await transport.apply_offer("v=0\r\nthis is not sdp\r\n")
    assert bad_sdp.value.code == MediaErrorCode.INVALID_SDP
    with pytest.raises(DomainError) as no_offer:
        await transport.apply_answer("v=0\r\n")
    assert no_offer.value.code == MediaErrorCode.NO_PENDING_OFFER
    with pytest.raises(DomainError) as bad_candidate:
        await transport.add_ice_candidate("candidate:nonsense")
    assert bad_candidate.value.code == MediaErrorCode.INVALID_CANDIDATE
    transport.close()
    with pytest.raises(DomainError) as closed:
        await transport.apply_offer("v=0\r\n")
    assert closed.value.code == MediaErrorCode.CLOSED


async def test_trickled_client_candidates_are_accepted(worker: MediaWorker) -> None:
    router = worker.create_router(RouterId("trickle"))
    client = Client("ana")
    transport = router.create_transport(TransportId("ana"))
    offer = await client.offer()
    # Strip the candidates from the offer and trickle them instead, as browsers do.
    lines = offer.splitlines()
    candidates = [line[2:] for line in lines if line.startswith("a=candidate:")]
    bare = "\r\n".join(line for line in lines if not line.startswith("a=candidate:")
                       and line != "a=end-of-candidates") + "\r\n"
    answer = await transport.apply_offer(bare)
    for candidate in candidates:
        await transport.add_ice_candidate(candidate, sdp_mid="0", sdp_mline_index=0)
    await transport.add_ice_candidate(None)
    await client.accept_answer(answer)
    assert await eventually(lambda: transport.connection_state == "connected", within=5)
    assert "a=end-of-candidates" in answer  # the server's own candidates are all in its SDP
    await client.close()


def test_no_public_stun_server_is_used_unless_configured() -> None:
    assert rtc_configuration(MediaConfig()).iceServers == []
    turn = IceServer(urls=("turn:turn.hospital.example:3478",), username="u", credential="c")
    configured = rtc_configuration(MediaConfig(ice_servers=(turn,)))
    assert configured.iceServers is not None
    assert configured.iceServers[0].urls == ["turn:turn.hospital.example:3478"]
    assert configured.iceServers[0].username == "u"
    assert turn.for_client() == {"urls": ["turn:turn.hospital.example:3478"], "username": "u", "credential": "c"}


async def test_signaling_helper_settles(worker: MediaWorker) -> None:
    # A lone participant publishes and has nothing to consume: no server offer is needed.
    signaling = Signaling()
    client = Client("solo")
    transport = worker.create_router(RouterId("solo")).create_transport(TransportId("solo"))
    await signaling.join(transport, client)
    await signaling.settle()
    assert signaling.offers == 0 and len(transport.producers) == 2
    await client.close()
