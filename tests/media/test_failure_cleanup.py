"""A participant whose client dies without goodbye is cleaned up, leaking nothing."""

from __future__ import annotations

import asyncio
import gc
import json
import sys
import weakref
from pathlib import Path
from typing import Any

from media import CloseReason, MediaWorker, RouterId, TransportId
from tests.media.conftest import FAST
from tests.media.peers import Client, Signaling, eventually

ROOT = Path(__file__).resolve().parents[2]


class RemotePeer:
    def __init__(self, process: asyncio.subprocess.Process) -> None:
        self.process = process

    async def call(self, **request: Any) -> dict[str, Any]:
        assert self.process.stdin is not None and self.process.stdout is not None
        self.process.stdin.write((json.dumps(request) + "\n").encode())
        await self.process.stdin.drain()
        reply: dict[str, Any] = json.loads(await self.process.stdout.readline())
        return reply


async def test_a_killed_client_is_cleaned_up_within_the_consent_timeout(worker: MediaWorker) -> None:
    router = worker.create_router(RouterId("crash"))
    signaling = Signaling()
    ben = Client("ben")
    await signaling.join(router.create_transport(TransportId("ben")), ben)

    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "tests.media.remote_peer", cwd=ROOT,
        stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE,
    )
    remote = RemotePeer(process)
    victim = router.create_transport(TransportId("victim"))
    reasons: list[CloseReason] = []
    victim.closed.connect(reasons.append)
    answer = await victim.apply_offer((await remote.call(op="offer"))["sdp"])
    await remote.call(op="accept", sdp=answer)
    # Answer the server's offers for the victim too (it subscribes to Ben).
    for _ in range(3):
        offer = await victim.create_offer()
        if offer is not None:
            await victim.apply_answer((await remote.call(op="answer", sdp=offer))["sdp"])
    await signaling.settle()
    ben_transport = router.get_transport(TransportId("ben"))
    assert ben_transport is not None
    copies = [c for c in ben_transport.consumers if c.producer.transport_id == "victim"]
    assert len(copies) == 2
    mids = [str(c.mid) for c in copies]
    assert await eventually(lambda: all(ben.decoded[m] > 3 for m in mids), within=10)

    loop = asyncio.get_running_loop()
    killed_at = loop.time()
    process.kill()
    await process.wait()
    limit = FAST.consent_interval_s * FAST.consent_failures * 1.2 + 2.0
    assert await eventually(lambda: bool(reasons), within=limit + 5)
    took = loop.time() - killed_at
    assert took < limit, took
    assert reasons == [CloseReason.CONNECTION_FAILED]
    assert router.get_transport(TransportId("victim")) is None
    assert all(c.is_closed for c in copies)
    assert {p.transport_id for p in router.producers} == {"ben"}

    # Nothing leaks: once the teardown is done, the transport and its peer connection are garbage.
    await victim.wait_closed()
    await signaling.settle()
    gone: list[weakref.ref[Any]] = [weakref.ref(victim), weakref.ref(victim.peer_connection)]
    receivers = [weakref.ref(t.receiver) for t in victim.peer_connection.getTransceivers()]
    del victim, copies

    def all_collected() -> bool:
        gc.collect()
        return all(ref() is None for ref in gone + receivers)

    # aioice's last STUN retransmission timers may hold the connection for a moment after close.
    assert await eventually(all_collected, within=5, interval=0.25), [
        type(ref()).__name__ for ref in gone + receivers if ref() is not None]
    assert not any("victim" in repr(task.get_coro()) for task in asyncio.all_tasks())
    await ben.close()
