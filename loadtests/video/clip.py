"""A clip encoded once in advance, so the load generator only sends bytes.

Video: 640x360 VP8 at 30 fps, about 480 kbit/s, packetised into RTP payloads by aiortc's encoder. The
first frame is a keyframe; a publisher restarts the clip when asked for a keyframe. Audio: 20 ms Opus
packets of a tone.
"""

from __future__ import annotations

import fractions
import math
import struct
from dataclasses import dataclass

from aiortc.codecs.opus import OpusEncoder
from aiortc.codecs.vpx import Vp8Encoder
from av import AudioFrame, VideoFrame

WIDTH, HEIGHT, FPS = 640, 360, 30
VIDEO_TICKS = 90000 // FPS  # RTP timestamp step per video frame
AUDIO_TICKS = 960  # 20 ms at 48 kHz


@dataclass(frozen=True)
class Clip:
    video: list[list[bytes]]  # per frame, its RTP payloads
    audio: list[bytes]  # per 20 ms packet, its RTP payload

    @property
    def video_bitrate(self) -> float:
        total = sum(len(p) for frame in self.video for p in frame)
        return total * 8 * FPS / len(self.video)


def make_clip(seconds: float = 4.0, bitrate: int = 480_000) -> Clip:
    encoder = Vp8Encoder()
    encoder.target_bitrate = bitrate
    frames: list[list[bytes]] = []
    row = bytes((x * 3) % 256 for x in range(WIDTH * 2))
    for i in range(int(seconds * FPS)):
        frame = VideoFrame(width=WIDTH, height=HEIGHT, format="yuv420p")
        shift = (i * 4) % WIDTH
        luma = b"".join(row[(shift + y) % WIDTH:(shift + y) % WIDTH + WIDTH] for y in range(HEIGHT))
        frame.planes[0].update(luma)
        for plane in (frame.planes[1], frame.planes[2]):
            plane.update(bytes([(i * 2) % 256]) * plane.buffer_size)
        frame.pts = i * VIDEO_TICKS
        frame.time_base = fractions.Fraction(1, 90000)
        payloads, _ = encoder.encode(frame, force_keyframe=i == 0)
        frames.append(payloads)

    opus = OpusEncoder()
    pcm = struct.pack("<960h", *(int(8000 * math.sin(2 * math.pi * 330 * n / 48000)) for n in range(960)))
    audio: list[bytes] = []
    for i in range(50):
        chunk = AudioFrame(format="s16", layout="mono", samples=960)
        chunk.planes[0].update(pcm)
        chunk.sample_rate = 48000
        chunk.pts = i * 960
        chunk.time_base = fractions.Fraction(1, 48000)
        payloads, _ = opus.encode(chunk)
        audio.extend(payloads)
    return Clip(video=frames, audio=audio)


if __name__ == "__main__":
    clip = make_clip()
    sizes = [sum(len(p) for p in f) for f in clip.video]
    print(f"{len(clip.video)} frames, {clip.video_bitrate / 1000:.0f} kbit/s, keyframe {sizes[0]} bytes, "
          f"packets/frame {sum(len(f) for f in clip.video) / len(clip.video):.2f}, audio {len(clip.audio)}")
