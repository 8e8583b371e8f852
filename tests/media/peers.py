"""Real aiortc client peers for the SFU tests: they publish synthetic VP8 video and Opus audio, decode
what they receive, and answer the server's renegotiation offers (the signaling layer's job, done
in-process here)."""

from __future__ import annotations

import asyncio
from collections import Counter
from typing import Any

from aiortc import (
    MediaStreamTrack,
    RTCBundlePolicy,
    RTCConfiguration,
    RTCPeerConnection,
)

from loadtests.synthetic_media import SdpPeer, SyntheticAudio, SyntheticVideo
from media import Transport


class Client(SdpPeer):
    """One participant's browser stand-in."""

    def __init__(self, name: str, *, publish: bool = True, tone: bool = False) -> None:
        self.name = name
        self.pc = RTCPeerConnection(RTCConfiguration(iceServers=[], bundlePolicy=RTCBundlePolicy.MAX_BUNDLE))
        self.lock = asyncio.Lock()
        self.decoded: Counter[str] = Counter()  # frames decoded per mid
        self.first_frame_at: dict[str, float] = {}
        self._readers: list[asyncio.Task[None]] = []
        self.video_sender: Any = None
        self.audio_sender: Any = None
        if publish:
            self.video_sender = self.pc.addTransceiver(SyntheticVideo(), direction="sendonly").sender
            self.audio_sender = self.pc.addTransceiver(
                SyntheticAudio(amplitude=12000 if tone else 0), direction="sendonly").sender
        self.pc.on("track", self._on_track)

    def _on_track(self, track: MediaStreamTrack) -> None:
        transceiver = next(t for t in self.pc.getTransceivers() if t.receiver.track is track)
        self._readers.append(asyncio.ensure_future(self._read(str(transceiver.mid), track)))

    async def _read(self, mid: str, track: MediaStreamTrack) -> None:
        loop = asyncio.get_running_loop()
        try:
            while True:
                await track.recv()
                self.decoded[mid] += 1
                self.first_frame_at.setdefault(mid, loop.time())
        except Exception:
            return

    def receiver_for(self, mid: str | None) -> Any:
        return next(t.receiver for t in self.pc.getTransceivers() if t.mid == mid)

    async def close(self) -> None:
        for task in self._readers:
            task.cancel()
        await self.pc.close()


class Signaling:
    """What signaling/ will do: relay offers and answers between a Transport and its client."""

    def __init__(self) -> None:
        self.tasks: set[asyncio.Task[None]] = set()
        self.offers = 0

    async def join(self, transport: Transport, client: Client) -> None:
        transport.negotiation_needed.connect(lambda _: self._schedule(transport, client))
        if client.video_sender is None and client.audio_sender is None:
            # Nothing to publish: the server's first offer (its subscriptions) starts the connection.
            self._schedule(transport, client)
            return
        async with client.lock:
            answer = await transport.apply_offer(await client.offer())
            await client.accept_answer(answer)
        self._schedule(transport, client)

    def _schedule(self, transport: Transport, client: Client) -> None:
        task = asyncio.ensure_future(self.renegotiate(transport, client))
        self.tasks.add(task)
        task.add_done_callback(self.tasks.discard)

    async def renegotiate(self, transport: Transport, client: Client) -> None:
        async with client.lock:
            if transport.is_closed:
                return
            offer = await transport.create_offer()
            if offer is None:
                return
            self.offers += 1
            answer = await client.answer(offer)
            await transport.apply_answer(answer)

    async def settle(self) -> None:
        while self.tasks:
            await asyncio.gather(*list(self.tasks), return_exceptions=True)


async def eventually(predicate: Any, within: float = 5.0, interval: float = 0.05) -> bool:
    """Poll until ``predicate()`` is true (behaviour over real RTP takes real time)."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + within
    while loop.time() < deadline:
        if predicate():
            return True
        await asyncio.sleep(interval)
    return bool(predicate())
