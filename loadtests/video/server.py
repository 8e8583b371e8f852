"""The server side of the video benchmark, in its own process so its CPU can be measured alone.

``--mode sfu`` runs media/ (forwarding). ``--mode relay`` is the baseline: aiortc's MediaRelay, which
decodes each published track once and encodes it again for every subscriber.

Control protocol: JSON lines over TCP. Generator -> server: ``join`` (id, sdp offer), ``answer`` (id,
sdp answering a server offer). Server -> generator: ``joined`` (id, sdp answer), ``offer`` (id, sdp).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import signal
import time
from collections.abc import Awaitable, Callable
from typing import Any

from aiortc import RTCPeerConnection, RTCSessionDescription
from aiortc.contrib.media import MediaRelay
from aiortc.mediastreams import MediaStreamTrack

from media import MediaConfig, MediaWorker, RouterId, Transport, TransportId
from media import aiortc_internals as internals
from media.timing import DelayHistogram
from media.transport import rtc_configuration
from server.config import Config
from server.runtime import tune_garbage_collector

Send = Callable[[dict[str, Any]], Awaitable[None]]


class Negotiator:
    """One server-offer at a time per participant; offers again while something is left to offer."""

    def __init__(self, send: Send) -> None:
        self._send = send
        self._answers: dict[str, asyncio.Future[str]] = {}
        self._locks: dict[str, asyncio.Lock] = {}
        self._tasks: set[asyncio.Task[None]] = set()

    def schedule(self, pid: str, make_offer: Callable[[], Awaitable[str | None]],
                 apply_answer: Callable[[str], Awaitable[None]]) -> None:
        async def run() -> None:
            async with self._locks.setdefault(pid, asyncio.Lock()):
                offer = await make_offer()
                if offer is None:
                    return
                future = self._answers[pid] = asyncio.get_running_loop().create_future()
                await self._send({"op": "offer", "id": pid, "sdp": offer})
                await apply_answer(await future)

        task = asyncio.ensure_future(run())
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    def answered(self, pid: str, sdp: str) -> None:
        self._answers.pop(pid).set_result(sdp)


class SfuSession:
    def __init__(self, send: Send, loss_transport: str | None, loss_rate: float) -> None:
        self.worker = MediaWorker(MediaConfig(max_transports_per_router=64))
        self.router = self.worker.create_router(RouterId("bench"))
        self.negotiator = Negotiator(send)
        self._send = send
        self._loss = (loss_transport, loss_rate)

    async def join(self, pid: str, offer: str) -> str:
        transport = self.router.create_transport(TransportId(pid))
        transport.negotiation_needed.connect(lambda _: self._renegotiate(transport))
        answer = await transport.apply_offer(offer)
        if self._loss[0] == pid:
            internals.drop_outgoing_rtp(transport.peer_connection, self._loss[1])
        self._renegotiate(transport)
        return answer

    def _renegotiate(self, transport: Transport) -> None:
        self.negotiator.schedule(transport.id, transport.create_offer, transport.apply_answer)

    def stats(self) -> dict[str, Any]:
        producers = self.router.producers
        delays = self.worker.forwarding_delays
        return {
            "fanout_ms_p50": round(delays.percentile(0.5) * 1000, 3),
            "fanout_ms_p99": round(delays.percentile(0.99) * 1000, 3),
            "fanout_ms_max": round(delays.max_s * 1000, 3),
            "producers": len(producers),
            "consumers": sum(len(p.consumers) for p in producers),
            "frames_forwarded": sum(p.frames_forwarded for p in producers if p.kind == "video"),
            "keyframe_requests": sum(p.keyframe_requests for p in producers),
            "packets_sent": sum(c.packets_sent for p in producers for c in p.consumers),
            "packets_received_inline": sum(
                internals.inline_packets(t.peer_connection.getTransceivers()[0].receiver.transport)
                for t in self.router.transports if t.peer_connection.getTransceivers()),
        }


    def reset(self) -> None:
        self.worker.forwarding_delays.reset()


class LoopLag:
    """How late the event loop runs a timer: about how long a datagram may wait before it is read.

    Every 100 ms: at N=4 the SFU's cost is mostly waking up for each packet, and a 5 ms probe (200 more
    wake-ups a second) added about 5 % to it.
    """

    def __init__(self, interval: float = 0.1) -> None:
        self.histogram = DelayHistogram()
        self._interval = interval
        self._task = asyncio.ensure_future(self._watch())

    async def _watch(self) -> None:
        while True:
            due = time.perf_counter() + self._interval
            await asyncio.sleep(self._interval)
            self.histogram.record(max(0.0, time.perf_counter() - due))


class RelaySession:
    """The baseline: decode once per published track, encode once per subscriber."""

    def __init__(self, send: Send) -> None:
        self.relay = MediaRelay()
        self.peers: dict[str, RTCPeerConnection] = {}
        self.tracks: dict[str, list[MediaStreamTrack]] = {}
        self.joined: set[str] = set()
        self.waiting: dict[str, list[MediaStreamTrack]] = {}
        self.negotiator = Negotiator(send)

    async def join(self, pid: str, offer: str) -> str:
        pc = RTCPeerConnection(rtc_configuration(MediaConfig()))
        self.peers[pid] = pc
        self.tracks[pid] = []

        def on_track(track: MediaStreamTrack) -> None:
            self.tracks[pid].append(track)
            for other, other_pc in self.peers.items():
                if other == pid:
                    continue
                if other not in self.joined:  # still answering its own offer: add after that
                    self.waiting.setdefault(other, []).append(track)
                    continue
                other_pc.addTransceiver(self.relay.subscribe(track), direction="sendonly")
                self._renegotiate(other)

        pc.on("track", on_track)
        await pc.setRemoteDescription(RTCSessionDescription(sdp=offer, type="offer"))
        await pc.setLocalDescription(await pc.createAnswer())
        # Only after the answer: aiortc cannot answer with transceivers the offer did not have.
        self.joined.add(pid)
        already = {id(t) for t in self.waiting.get(pid, [])}
        for other, tracks in self.tracks.items():
            if other != pid:
                for track in tracks:
                    if id(track) not in already:
                        pc.addTransceiver(self.relay.subscribe(track), direction="sendonly")
        for track in self.waiting.pop(pid, []):
            pc.addTransceiver(self.relay.subscribe(track), direction="sendonly")
        self._renegotiate(pid)
        return str(pc.localDescription.sdp)

    def _renegotiate(self, pid: str) -> None:
        pc = self.peers[pid]

        async def make_offer() -> str | None:
            senders = [t for t in pc.getTransceivers() if t.mid is None]
            if not senders or pc.signalingState != "stable":
                return None
            await pc.setLocalDescription(await pc.createOffer())
            return str(pc.localDescription.sdp)

        async def apply_answer(sdp: str) -> None:
            await pc.setRemoteDescription(RTCSessionDescription(sdp=sdp, type="answer"))
            if any(t.mid is None for t in pc.getTransceivers()):
                self._renegotiate(pid)

        self.negotiator.schedule(pid, make_offer, apply_answer)

    def stats(self) -> dict[str, Any]:
        return {"peers": len(self.peers)}

    def reset(self) -> None:
        pass


async def serve(mode: str, port: int, loss_transport: str | None, loss_rate: float) -> None:
    writers: list[asyncio.StreamWriter] = []
    routes: dict[str, asyncio.StreamWriter] = {}

    async def send(message: dict[str, Any]) -> None:
        writer = routes[message["id"]]
        writer.write((json.dumps(message) + "\n").encode())
        await writer.drain()

    session: SfuSession | RelaySession
    session = SfuSession(send, loss_transport, loss_rate) if mode == "sfu" else RelaySession(send)
    lag = LoopLag()

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        writers.append(writer)
        while line := await reader.readline():
            message = json.loads(line)
            if message["op"] == "join":
                routes[message["id"]] = writer
                answer = await session.join(message["id"], message["sdp"])
                await send({"op": "joined", "id": message["id"], "sdp": answer})
            elif message["op"] == "answer":
                session.negotiator.answered(message["id"], message["sdp"])
            elif message["op"] == "stats":
                if message.get("reset"):
                    session.reset()
                    lag.histogram.reset()
                loop_lag = {"loop_lag_ms_p99": round(lag.histogram.percentile(0.99) * 1000, 3),
                            "loop_lag_ms_max": round(lag.histogram.max_s * 1000, 3)}
                writer.write((json.dumps({"op": "stats", **session.stats(), **loop_lag}) + "\n").encode())
                await writer.drain()

    server = await asyncio.start_server(handle, "127.0.0.1", port)
    bound = server.sockets[0].getsockname()[1]
    print(f"ready {bound}", flush=True)
    async with server:
        await server.serve_forever()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--mode", choices=("sfu", "relay"), default="sfu")
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--loss-transport", default=None)
    parser.add_argument("--loss-rate", type=float, default=0.0)
    args = parser.parse_args()
    try:
        import uvloop

        uvloop.install()
    except ImportError:  # pragma: no cover
        pass
    profile_to = os.environ.get("ONCOMMUN_BENCH_PROFILE")
    if profile_to:
        # Where does the server's CPU go? ``python -m pstats`` on the file afterwards.
        import cProfile

        profiler = cProfile.Profile()

        def dump(*_: object) -> None:
            profiler.disable()
            profiler.dump_stats(profile_to)
            os._exit(0)

        signal.signal(signal.SIGTERM, dump)
        profiler.enable()
    # The same collector tuning `create_app` applies (server/runtime.py), so the figures are the product's.
    tune_garbage_collector(Config().gc_thresholds)
    asyncio.run(serve(args.mode, args.port, args.loss_transport, args.loss_rate))


if __name__ == "__main__":
    main()
