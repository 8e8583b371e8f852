"""Real aiortc client peers for the SFU tests: they publish synthetic VP8 video and Opus audio, decode
what they receive, and answer the server's renegotiation offers (the signaling layer's job, done
in-process here)."""

from __future__ import annotations

import asyncio
import fractions
import math
import struct
from collections import Counter
from typing import Any

from aiortc import (
    MediaStreamTrack,
    RTCBundlePolicy,
    RTCConfiguration,
    RTCPeerConnection,
    RTCSessionDescription,
)
from av import AudioFrame, VideoFrame

from media import Transport

VIDEO_RATE = 90000
FPS = 15


class SyntheticVideo(MediaStreamTrack):  # type: ignore[misc,unused-ignore]
    """Small moving frames at 15 fps: cheap to encode, real VP8 on the wire."""

    kind = "video"

    def __init__(self, width: int = 160, height: int = 120) -> None:
        super().__init__()
        self._width = width
        self._height = height
        self._count = 0
        self._start: float | None = None

    async def recv(self) -> VideoFrame:
        loop = asyncio.get_running_loop()
        if self._start is None:
            self._start = loop.time()
        target = self._start + self._count / FPS
        delay = target - loop.time()
        if delay > 0:
            await asyncio.sleep(delay)
        frame = VideoFrame(width=self._width, height=self._height, format="yuv420p")
        shade = (self._count * 7) % 256
        frame.planes[0].update(bytes([shade]) * (frame.planes[0].buffer_size))
        frame.pts = self._count * (VIDEO_RATE // FPS)
        frame.time_base = fractions.Fraction(1, VIDEO_RATE)
        self._count += 1
        return frame


class SyntheticAudio(MediaStreamTrack):  # type: ignore[misc,unused-ignore]
    """20 ms mono frames at 8 kHz: silence, or a loud tone for active-speaker tests."""

    kind = "audio"

    def __init__(self, tone: bool = False) -> None:
        super().__init__()
        self._tone = tone
        self._count = 0
        self._start: float | None = None
        samples = [int(12000 * math.sin(2 * math.pi * 440 * i / 8000)) if tone else 0 for i in range(160)]
        self._pcm = struct.pack("<160h", *samples)

    async def recv(self) -> AudioFrame:
        loop = asyncio.get_running_loop()
        if self._start is None:
            self._start = loop.time()
        target = self._start + self._count * 0.02
        delay = target - loop.time()
        if delay > 0:
            await asyncio.sleep(delay)
        frame = AudioFrame(format="s16", layout="mono", samples=160)
        frame.planes[0].update(self._pcm)
        frame.sample_rate = 8000
        frame.pts = self._count * 160
        frame.time_base = fractions.Fraction(1, 8000)
        self._count += 1
        return frame


class Client:
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
            self.audio_sender = self.pc.addTransceiver(SyntheticAudio(tone), direction="sendonly").sender
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

    async def offer(self) -> str:
        await self.pc.setLocalDescription(await self.pc.createOffer())
        return str(self.pc.localDescription.sdp)

    async def accept_answer(self, sdp: str) -> None:
        await self.pc.setRemoteDescription(RTCSessionDescription(sdp=sdp, type="answer"))

    async def answer(self, offer_sdp: str) -> str:
        await self.pc.setRemoteDescription(RTCSessionDescription(sdp=offer_sdp, type="offer"))
        await self.pc.setLocalDescription(await self.pc.createAnswer())
        return str(self.pc.localDescription.sdp)

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
