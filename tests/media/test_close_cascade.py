"""Every path of the close cascade: Router > Transport > Producer > Consumer (docs/media.md)."""

from __future__ import annotations

import asyncio
from collections import Counter

from media import CloseReason, Consumer, MediaWorker, Producer, Router, RouterId, Transport, TransportId
from tests.media.peers import Client, Signaling, eventually


class Recorder:
    """Counts every closed event per object, to prove each fires once with the right reason."""

    def __init__(self) -> None:
        self.reasons: dict[str, list[CloseReason]] = {}

    def watch(self, name: str, obj: Producer | Consumer | Transport | Router) -> None:
        self.reasons[name] = []
        obj.closed.connect(self.reasons[name].append)

    def watch_session(self, router: Router) -> None:
        self.watch("router", router)
        for transport in router.transports:
            self.watch(transport.id, transport)
            for producer in transport.producers:
                self.watch(producer.id, producer)
            for consumer in transport.consumers:
                self.watch(consumer.id, consumer)


async def session(worker: MediaWorker, name: str, people: tuple[str, ...] = ("ana", "ben", "cai")
                  ) -> tuple[Router, Signaling, dict[str, tuple[Transport, Client]]]:
    router = worker.create_router(RouterId(name))
    signaling = Signaling()
    joined: dict[str, tuple[Transport, Client]] = {}
    for person in people:
        client = Client(person)
        transport = router.create_transport(TransportId(person))
        await signaling.join(transport, client)
        joined[person] = (transport, client)
    await signaling.settle()
    assert await eventually(lambda: all(
        c.mid is not None and cl.decoded[c.mid] > 3 for t, cl in joined.values() for c in t.consumers
    ), within=10)
    return router, signaling, joined


async def close_clients(joined: dict[str, tuple[Transport, Client]]) -> None:
    for _, client in joined.values():
        await client.close()


def inactive_mids(client: Client) -> set[str]:
    return {str(t.mid) for t in client.pc.getTransceivers() if t.currentDirection == "inactive"}


async def test_closing_a_transport_closes_its_producers_its_consumers_and_everyone_elses_copies(
    worker: MediaWorker,
) -> None:
    router, signaling, joined = await session(worker, "t-close")
    events = Recorder()
    events.watch_session(router)
    ana, _ = joined["ana"]
    ana_producers = [p.id for p in ana.producers]
    copies = [c for t, _ in joined.values() for c in t.consumers if c.producer_id in ana_producers]
    own = [c.id for c in ana.consumers]
    assert len(copies) == 4 and len(own) == 4

    ana.close()
    ana.close()  # idempotent
    await ana.wait_closed()

    assert events.reasons["ana"] == [CloseReason.CLOSED]
    assert all(events.reasons[p] == [CloseReason.TRANSPORT_CLOSED] for p in ana_producers)
    assert all(events.reasons[c] == [CloseReason.TRANSPORT_CLOSED] for c in own)
    assert all(events.reasons[c.id] == [CloseReason.PRODUCER_CLOSED] for c in copies)
    assert router.get_transport(TransportId("ana")) is None
    assert {p.transport_id for p in router.producers} == {"ben", "cai"}
    assert ana.peer_connection.connectionState == "closed"
    assert events.reasons["router"] == []
    # The others renegotiate: the copies' transceivers go inactive on their side.
    await signaling.settle()
    for person in ("ben", "cai"):
        transport, client = joined[person]
        assert {str(c.mid) for c in copies if c.transport_id == person} <= inactive_mids(client)
        assert len(transport.consumers) == 2
    await close_clients(joined)


async def test_closing_a_producer_closes_its_consumers_only(worker: MediaWorker) -> None:
    router, signaling, joined = await session(worker, "p-close")
    events = Recorder()
    events.watch_session(router)
    ana, _ = joined["ana"]
    camera = next(p for p in ana.producers if p.kind == "video")
    copies = list(camera.consumers)

    camera.close()
    camera.close()

    assert events.reasons[camera.id] == [CloseReason.CLOSED]
    assert all(events.reasons[c.id] == [CloseReason.PRODUCER_CLOSED] for c in copies)
    assert not ana.is_closed and len(ana.producers) == 1 and len(ana.consumers) == 4
    assert camera.id not in {p.id for p in router.producers}
    await signaling.settle()
    # Ana's camera m-line goes inactive too; her microphone still reaches the others.
    _, ana_client = joined["ana"]
    assert camera.mid in inactive_mids(ana_client)
    ben, ben_client = joined["ben"]
    mic = next(c for c in ben.consumers if c.producer_id == f"ana/{ana.producers[0].mid}")
    heard = ben_client.decoded[str(mic.mid)]
    assert await eventually(lambda: ben_client.decoded[str(mic.mid)] > heard + 5)
    await close_clients(joined)


async def test_closing_a_consumer_frees_its_transceiver_for_the_next_subscription(worker: MediaWorker) -> None:
    router, signaling, joined = await session(worker, "c-close", ("ana", "ben"))
    events = Recorder()
    events.watch_session(router)
    ben, ben_client = joined["ben"]
    ana_video = next(c for c in ben.consumers if c.kind == "video")
    freed_mid = ana_video.mid

    ana_video.close()
    ana_video.close()
    assert events.reasons[ana_video.id] == [CloseReason.CLOSED]
    producer = ana_video.producer
    assert not producer.is_closed
    assert all(not c.is_closed for c in producer.consumers)
    await signaling.settle()
    assert str(freed_mid) in inactive_mids(ben_client)

    # A newcomer's camera reuses the freed transceiver instead of growing Ben's SDP.
    cai = Client("cai")
    await signaling.join(router.create_transport(TransportId("cai")), cai)
    await signaling.settle()
    cai_video = next(c for c in ben.consumers if c.kind == "video" and c.producer.transport_id == "cai")
    assert cai_video.mid == freed_mid
    assert await eventually(lambda: ben_client.decoded[str(freed_mid)] > 3, within=5)
    joined["cai"] = (router.get_transport(TransportId("cai")), cai)  # type: ignore[assignment]
    await close_clients(joined)


async def test_a_client_that_stops_sending_a_track_closes_its_producer(worker: MediaWorker) -> None:
    router, signaling, joined = await session(worker, "remote-stop", ("ana", "ben"))
    events = Recorder()
    events.watch_session(router)
    ana, ana_client = joined["ana"]
    camera = next(p for p in ana.producers if p.kind == "video")
    copies = [c.id for c in camera.consumers]
    next(t for t in ana_client.pc.getTransceivers() if t.mid == camera.mid).direction = "inactive"
    async with ana_client.lock:
        answer = await ana.apply_offer(await ana_client.offer())
        await ana_client.accept_answer(answer)
    assert events.reasons[camera.id] == [CloseReason.REMOTE_STOPPED]
    assert all(events.reasons[c] == [CloseReason.PRODUCER_CLOSED] for c in copies)
    await signaling.settle()
    await close_clients(joined)


async def test_closing_a_router_closes_every_transport_and_the_worker_forgets_it(worker: MediaWorker) -> None:
    router, _, joined = await session(worker, "r-close", ("ana", "ben"))
    events = Recorder()
    events.watch_session(router)
    router.close()
    router.close()
    await router.wait_closed()
    assert events.reasons["router"] == [CloseReason.CLOSED]
    assert events.reasons["ana"] == events.reasons["ben"] == [CloseReason.ROUTER_CLOSED]
    everything = Counter(len(r) for r in events.reasons.values())
    assert everything == Counter({1: len(events.reasons)})  # every object closed exactly once
    assert worker.get_router(RouterId("r-close")) is None and worker.transport_count == 0
    for transport, _ in joined.values():
        assert transport.peer_connection.connectionState == "closed"
    await close_clients(joined)


async def test_closing_the_worker_closes_every_router(worker: MediaWorker) -> None:
    first = worker.create_router(RouterId("one"))
    second = worker.create_router(RouterId("two"))
    reasons: list[CloseReason] = []
    first.closed.connect(reasons.append)
    second.closed.connect(reasons.append)
    client = Client("ana")
    await Signaling().join(first.create_transport(TransportId("ana")), client)
    await worker.close()
    assert reasons == [CloseReason.WORKER_CLOSED, CloseReason.WORKER_CLOSED]
    assert worker.routers == [] and worker.transport_count == 0
    await client.close()
    await asyncio.sleep(0)
