"""A camera and a microphone for Python clients (tests, the video demo, load generators), and the three
offer/answer steps of an aiortc peer connection as SDP strings, the way signaling carries them.

Real frames, cheap to encode: small moving video at 15 fps (VP8 on the wire) and 20 ms of 8 kHz audio
(Opus on the wire), silent or a tone loud enough to win active-speaker detection.
"""

from __future__ import annotations

import asyncio
import fractions
import math
import struct

from aiortc import MediaStreamTrack, RTCPeerConnection, RTCSessionDescription
from av import AudioFrame, VideoFrame

VIDEO_RATE = 90000
FPS = 15


class SyntheticVideo(MediaStreamTrack):  # type: ignore[misc,unused-ignore]
    """Small moving frames at 15 fps."""

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
        await asyncio.sleep(max(0.0, self._start + self._count / FPS - loop.time()))
        frame = VideoFrame(width=self._width, height=self._height, format="yuv420p")
        frame.planes[0].update(bytes([(self._count * 7) % 256]) * frame.planes[0].buffer_size)
        frame.pts = self._count * (VIDEO_RATE // FPS)
        frame.time_base = fractions.Fraction(1, VIDEO_RATE)
        self._count += 1
        return frame


class SyntheticAudio(MediaStreamTrack):  # type: ignore[misc,unused-ignore]
    """20 ms mono frames at 8 kHz of a 440 Hz tone at ``amplitude`` (0: silence; 12,000 is loud)."""

    kind = "audio"

    def __init__(self, amplitude: int = 0) -> None:
        super().__init__()
        self._count = 0
        self._start: float | None = None
        samples = [int(amplitude * math.sin(2 * math.pi * 440 * i / 8000)) for i in range(160)]
        self._pcm = struct.pack("<160h", *samples)

    async def recv(self) -> AudioFrame:
        loop = asyncio.get_running_loop()
        if self._start is None:
            self._start = loop.time()
        await asyncio.sleep(max(0.0, self._start + self._count * 0.02 - loop.time()))
        frame = AudioFrame(format="s16", layout="mono", samples=160)
        frame.planes[0].update(self._pcm)
        frame.sample_rate = 8000
        frame.pts = self._count * 160
        frame.time_base = fractions.Fraction(1, 8000)
        self._count += 1
        return frame


class SdpPeer:
    """Offer, accept an answer, answer an offer: each a string in, a string out."""

    pc: RTCPeerConnection

    async def offer(self) -> str:
        await self.pc.setLocalDescription(await self.pc.createOffer())
        return str(self.pc.localDescription.sdp)

    async def accept_answer(self, sdp: str) -> None:
        await self.pc.setRemoteDescription(RTCSessionDescription(sdp=sdp, type="answer"))

    async def answer(self, offer_sdp: str) -> str:
        await self.pc.setRemoteDescription(RTCSessionDescription(sdp=offer_sdp, type="offer"))
        await self.pc.setLocalDescription(await self.pc.createAnswer())
        return str(self.pc.localDescription.sdp)
