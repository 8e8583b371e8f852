"""Nobody outside the group or still waiting receives media; a vanished participant leaves nothing behind;
the host's remove, lock and end work; capacity and bad input get structured errors."""

from __future__ import annotations

import asyncio
from typing import Any

import aiohttp
import pytest

from care.people import UserId
from loadtests.live_client import LiveClient, RemotePeer
from media import RouterId, TransportId
from rooms.live_model import LiveSessionId
from server.config import Config, ConfigError
from server.sio.live import public_url
from tests.conftest import RunningServer, ServerFactory, UserFactory, free_port
from tests.signaling.group import FAST_ICE, ICE_TIMEOUT, ClientFactory, Group, eventually, make_group
from tests.signaling.test_live_video import hears_and_sees, poll, start_call

pytest_plugins = ["tests.signaling.fixtures"]


def router_of(server: RunningServer, session_id: int):  # type: ignore[no-untyped-def]
    return server.services.live_video.worker.get_router(RouterId(f"live-{session_id}"))


async def attendance(server: RunningServer, session_id: int) -> list[dict[str, object]]:
    rows = await server.services.pool.fetch(
        "SELECT user_id, role, left_at, leave_reason FROM live_attendance WHERE session_id = $1 ORDER BY id",
        session_id)
    return [dict(r) for r in rows]


async def test_a_non_member_and_a_patient_in_the_waiting_room_receive_no_media(
    group: Group, live_client: ClientFactory, live_server: RunningServer
) -> None:
    host = await live_client(group.psychologist)
    await host.call("open", {"session": group.session_id})
    await host.join(group.session_id)
    outsider = await live_client(group.outsider)
    refused = await outsider.join(group.session_id)
    assert refused["error"]["code"] == "live_not_member"
    offer = await outsider.call("offer", {"session": group.session_id, "sdp": "v=0\r\n"})
    assert offer["error"]["code"] == "live_not_joined"

    waiting = await live_client(group.patients[0])
    assert (await waiting.join(group.session_id))["status"] == "waiting"
    await waiting.start_media()  # tries to offer anyway
    assert waiting.events[-1][0] == "offer_refused"
    assert waiting.events[-1][1]["error"]["code"] == "live_not_admitted"
    assert waiting.participants == []  # a waiting patient does not even see who is inside
    await asyncio.sleep(1.0)
    assert await waiting.received() == {} and await outsider.received() == {}
    router = router_of(live_server, group.session_id)
    assert [t.id for t in router.transports] == [TransportId(str(group.psychologist.id))]


async def test_a_killed_client_is_cleaned_up_within_the_ice_timeout(
    group: Group, live_client: ClientFactory, live_server: RunningServer, fast_ice: None
) -> None:
    host = await live_client(group.psychologist)
    await host.call("open", {"session": group.session_id})
    await host.join(group.session_id)
    ana = await live_client(group.patients[0])
    await ana.join(group.session_id)
    ben_peer = await RemotePeer.start()  # his media runs in a child process
    ben = await live_client(group.patients[1], peer=ben_peer)
    await ben.join(group.session_id)
    await host.call("admit", {"session": group.session_id, "all": True})
    assert await poll(lambda: hears_and_sees(ben, [group.psychologist.id, group.patients[0].id]), within=15)
    router = router_of(live_server, group.session_id)
    ben_transport = router.get_transport(TransportId(str(group.patients[1].id)))
    assert ben_transport is not None

    ben_peer.kill()  # no DTLS close, no RTCP BYE: the media just stops; the socket stays up
    loop = asyncio.get_running_loop()
    killed_at = loop.time()
    assert await eventually(lambda: ben.left == "connection_failed", timeout=ICE_TIMEOUT + 10)
    elapsed = loop.time() - killed_at
    print(f"killed client cleaned up after {elapsed:.2f} s (ICE consent timeout {ICE_TIMEOUT} s)")
    assert elapsed < ICE_TIMEOUT + 5  # consent checks run every interval; failure after `failures` misses
    assert ben_transport.is_closed and ben_transport.peer_connection.connectionState == "closed"
    await ben_transport.wait_closed()
    assert group.patients[1].id not in [int(t.id) for t in router.transports]
    assert all(int(c.producer.transport_id) != group.patients[1].id for t in router.transports for c in t.consumers)
    assert await eventually(lambda: group.patients[1].id not in [p["user_id"] for p in host.participants])
    assert live_server.services.live_video.signaling.peer(
        LiveSessionId(group.session_id), UserId(group.patients[1].id)) is None
    assert await eventually(lambda: live_server.services.live_video.signaling.task_count == 0)
    rows = await attendance(live_server, group.session_id)
    bens = [r for r in rows if r["user_id"] == group.patients[1].id]
    assert [r["leave_reason"] for r in bens] == ["connection_failed"]
    assert all(r["left_at"] is not None for r in bens)
    assert ana.left is None


async def test_a_dropped_socket_closes_the_participants_media_at_once(
    group: Group, live_client: ClientFactory, live_server: RunningServer
) -> None:
    _host, ana, ben = await start_call(group, live_client)
    router = router_of(live_server, group.session_id)
    ana_transport = router.get_transport(TransportId(str(group.patients[0].id)))
    assert ana_transport is not None
    assert await poll(lambda: hears_and_sees(ben, [group.patients[0].id]))
    offers_before = sum(1 for event, _ in ben.events if event == "offer")
    await ana.sio.eio.disconnect(abort=True)  # the socket vanishes, as when a laptop lid closes
    assert await eventually(lambda: ana_transport.is_closed, timeout=10)
    await ana_transport.wait_closed()
    # The others renegotiate her tracks away (a Producer closing closes its Consumers).
    assert await eventually(lambda: all(int(c.producer.transport_id) != group.patients[0].id
                                        for t in router.transports for c in t.consumers), timeout=10)
    assert await eventually(lambda: group.patients[0].id not in [p["user_id"] for p in ben.participants],
                            timeout=10)
    # Ben's client was offered a renegotiation that stops her two m-lines, and answered it.
    def offers() -> list[dict[str, Any]]:
        return [data for event, data in ben.events if event == "offer"]

    assert await eventually(lambda: len(offers()) > offers_before and group.patients[0].id not in
                            [t["user_id"] for t in offers()[-1]["tracks"]], timeout=10)
    assert not [e for e in ben.events if e[0] in ("answer_refused", "client_error")]
    rows = await attendance(live_server, group.session_id)
    assert [r["leave_reason"] for r in rows if r["user_id"] == group.patients[0].id] == ["disconnected"]


async def test_a_removed_participant_loses_media_and_cannot_come_back(
    group: Group, live_client: ClientFactory, live_server: RunningServer
) -> None:
    host, ana, ben = await start_call(group, live_client)
    ben_id = group.patients[1].id
    assert (await host.call("remove", {"session": group.session_id, "user_id": group.psychologist.id}))[
        "error"]["code"] == "forbidden"
    assert (await ana.call("remove", {"session": group.session_id, "user_id": ben_id}))["error"]["code"] == \
        "live_not_host"
    assert (await host.call("remove", {"session": group.session_id, "user_id": ben_id})) == {"ok": True}
    assert await eventually(lambda: ben.left == "removed")
    assert router_of(live_server, group.session_id).get_transport(TransportId(str(ben_id))) is None
    again = await ben.call("join", {"session": group.session_id})
    assert again["error"]["code"] == "live_removed"
    assert await eventually(lambda: ben_id not in [p["user_id"] for p in ana.participants])


async def test_a_locked_session_refuses_newcomers_and_ending_it_closes_everything(
    live_server: RunningServer, http: aiohttp.ClientSession, make_user: UserFactory, live_client: ClientFactory
) -> None:
    group = await make_group(live_server, http, make_user, patients=3)
    host = await live_client(group.psychologist)
    await host.call("open", {"session": group.session_id})
    await host.join(group.session_id)
    early = await live_client(group.patients[0])
    await early.join(group.session_id)
    await host.call("admit", {"session": group.session_id, "all": True})
    assert await eventually(lambda: early.status == "admitted")
    locked = await host.call("lock", {"session": group.session_id, "locked": True})
    assert locked["session"]["locked"] is True
    late = await live_client(group.patients[1])
    assert (await late.join(group.session_id))["error"]["code"] == "live_session_locked"
    await host.call("lock", {"session": group.session_id, "locked": False})
    waiting = await live_client(group.patients[2])
    assert (await waiting.join(group.session_id))["status"] == "waiting"
    assert await poll(lambda: hears_and_sees(early, [group.psychologist.id]))

    router = router_of(live_server, group.session_id)
    transports = router.transports
    assert (await host.call("end", {"session": group.session_id})) == {"ok": True}
    assert await eventually(lambda: early.left == "ended" and waiting.left == "ended" and host.left == "ended")
    assert router.is_closed and all(t.is_closed for t in transports)
    for transport in transports:
        await transport.wait_closed()
        assert transport.peer_connection.connectionState == "closed"
        assert not transport.producers and not transport.consumers
    assert router_of(live_server, group.session_id) is None
    rows = await attendance(live_server, group.session_id)
    assert {(r["user_id"], r["leave_reason"]) for r in rows} == {
        (group.psychologist.id, "ended"), (group.patients[0].id, "ended")}
    assert (await early.call("join", {"session": group.session_id}))["error"]["code"] == "live_session_ended"
    assert live_server.services.live_video.signaling.peers == [] or all(
        p.session_id != group.session_id for p in live_server.services.live_video.signaling.peers)


async def test_capacity_refusal_surfaces_as_a_structured_error(
    server_factory: ServerFactory, http: aiohttp.ClientSession, make_user: UserFactory, live_client: ClientFactory
) -> None:
    small = await server_factory(media_max_participants_per_session=2, **FAST_ICE)
    group = await make_group(small, http, make_user)
    host = await live_client(group.psychologist, server=small)
    await host.call("open", {"session": group.session_id})
    await host.join(group.session_id)
    patients = [await live_client(p, server=small) for p in group.patients]
    for patient in patients:
        await patient.join(group.session_id)
    partial = await host.call("admit", {"session": group.session_id, "all": True})
    assert partial == {"admitted": [group.patients[0].id], "refused": [group.patients[1].id],
                       "refused_because": "media_capacity_reached"}
    full = await host.call("admit", {"session": group.session_id, "user_id": group.patients[1].id})
    assert full["error"]["code"] == "media_capacity_reached"
    assert "2" in full["error"]["message"]  # "The media server is full (session: at most 2)."
    assert patients[1].status == "waiting"


async def test_trickled_client_candidates_connect_and_the_server_trickles_its_own(
    group: Group, live_client: ClientFactory
) -> None:
    host = await live_client(group.psychologist, trickle=True)
    await host.call("open", {"session": group.session_id})
    await host.join(group.session_id)
    ana = await live_client(group.patients[0], trickle="early")  # candidates sent before the offer
    await ana.join(group.session_id)
    await host.call("admit", {"session": group.session_id, "all": True})
    assert await poll(lambda: hears_and_sees(ana, [group.psychologist.id]), within=15)
    assert await poll(lambda: hears_and_sees(host, [group.patients[0].id]), within=15)
    assert ana.server_candidates >= 2  # at least one candidate and the end-of-candidates marker


async def test_bad_payloads_get_structured_errors_and_the_socket_survives(
    group: Group, live_client: ClientFactory
) -> None:
    client: LiveClient = await live_client(group.patients[0])
    for event, data in [("join", None), ("join", {"session": "one"}), ("join", {"session": True}),
                        ("join", {"session": 10**12}), ("set_media", {"session": group.session_id, "kind": "x"}),
                        ("mute", {"session": group.session_id}), ("offer", {"session": group.session_id})]:
        ack = await client.sio.call(event, data, namespace="/live", timeout=5)
        assert "error" in ack and ack["error"]["code"] in (
            "bad_request", "live_session_not_found", "live_not_joined", "live_session_not_open"), (event, ack)
    assert client.sio.connected


async def test_a_server_shutdown_ends_every_attendance_and_closes_all_media(
    server_factory: ServerFactory, http: aiohttp.ClientSession, make_user: UserFactory, live_client: ClientFactory,
    live_server: RunningServer,
) -> None:
    doomed = await server_factory(**FAST_ICE)
    group = await make_group(doomed, http, make_user)
    host = await live_client(group.psychologist, server=doomed)
    await host.call("open", {"session": group.session_id})
    await host.join(group.session_id)
    ana = await live_client(group.patients[0], server=doomed)
    await ana.join(group.session_id)
    await host.call("admit", {"session": group.session_id, "all": True})
    assert await poll(lambda: hears_and_sees(ana, [group.psychologist.id]), within=15)
    transports = router_of(doomed, group.session_id).transports
    assert [r["leave_reason"] for r in await attendance(doomed, group.session_id)] == [None, None]

    await doomed.stop()
    assert all(t.is_closed and t.peer_connection.connectionState == "closed" for t in transports)
    assert doomed.services.live_video.signaling.task_count == 0
    assert doomed.services.live_video.signaling.peers == []
    rows = await attendance(live_server, group.session_id)  # the same database, through a live pool
    assert [r["leave_reason"] for r in rows] == ["server_shutdown", "server_shutdown"]
    assert await eventually(lambda: ana.left is None and not ana.sio.connected)


async def test_a_session_open_on_one_server_is_refused_on_another_until_it_ends(
    server_factory: ServerFactory, http: aiohttp.ClientSession, make_user: UserFactory, live_client: ClientFactory,
    live_server: RunningServer,
) -> None:
    """A session's media cannot span processes: the second process says where the problem is."""
    other = await server_factory(**FAST_ICE)
    group = await make_group(live_server, http, make_user)
    host = await live_client(group.psychologist)
    await host.call("open", {"session": group.session_id})
    host_elsewhere = await live_client(group.psychologist, server=other)
    assert (await host_elsewhere.call("open", {"session": group.session_id}))["error"]["code"] == \
        "live_session_elsewhere"
    patient_elsewhere = await live_client(group.patients[0], server=other)
    assert (await patient_elsewhere.join(group.session_id))["error"]["code"] == "live_session_elsewhere"
    assert router_of(other, group.session_id) is None

    await host.join(group.session_id)
    await host.call("end", {"session": group.session_id})
    assert (await host_elsewhere.call("open", {"session": group.session_id}))["error"]["code"] == \
        "live_session_ended"


async def test_a_client_on_the_wrong_process_is_told_where_the_session_runs_and_gets_in_there(
    server_factory: ServerFactory, http: aiohttp.ClientSession, make_user: UserFactory, live_client: ClientFactory,
    live_server: RunningServer,
) -> None:
    """With ONCOMMUN_PUBLIC_URL the refusal says where to go; the patient goes there and is seen and heard."""
    port = free_port()
    holder = await server_factory(**FAST_ICE, port=port, public_url=f"http://127.0.0.1:{port}/")
    group = await make_group(holder, http, make_user)
    host = await live_client(group.psychologist, server=holder)
    await host.call("open", {"session": group.session_id})
    await host.join(group.session_id)

    refused = await (await live_client(group.patients[0], server=live_server)).join(group.session_id)
    assert refused["error"]["code"] == "live_session_elsewhere"
    assert refused["error"]["details"] == {"url": holder.url}

    ana = await live_client(group.patients[0], server=holder)
    assert (await ana.join(group.session_id))["status"] == "waiting"
    await host.call("admit", {"session": group.session_id, "all": True})
    assert await poll(lambda: hears_and_sees(ana, [group.psychologist.id]), within=15)
    assert await poll(lambda: hears_and_sees(host, [group.patients[0].id]), within=15)

    await host.call("end", {"session": group.session_id})
    elsewhere_host = await live_client(group.psychologist, server=live_server)
    assert (await elsewhere_host.call("open", {"session": group.session_id}))["error"]["code"] == \
        "live_session_ended"


async def test_a_public_url_that_is_not_an_http_base_url_stops_the_server_at_start() -> None:
    for url in ("video-2.example", "ftp://video-2.example", "https://video-2.example/?x=1"):
        with pytest.raises(ConfigError, match="ONCOMMUN_PUBLIC_URL"):
            public_url(Config(public_url=url))
    assert public_url(Config(public_url="https://video-2.example/")) == "https://video-2.example"
