"""Video frame gating on the RTP marker bit, with gap detection. No depayloading.

Why: aiortc's jitter buffer releases a frame only when the next frame's first packet arrives (one frame
of delay per hop), and after a lost retransmission it stalls until its 512-packet buffer overflows. Here
a frame is released as soon as the packet carrying the marker bit arrives and every packet since the
previous frame is present. When a hole is not filled within ``gap_timeout`` the frame is given up: the
assembler waits for the next keyframe and asks for one, so subscribers never see a hole.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from aiortc.rtp import RtpPacket

from media.keyframes import KeyframeProbe

MAX_PENDING = 512

Frame = list[RtpPacket]


def _older(a: int, b: int) -> bool:
    """True when sequence number a comes before b (RFC 3550 wrap-around arithmetic)."""
    diff = (b - a) & 0xFFFF
    return 0 < diff < 0x8000


class FrameAssembler:
    __slots__ = ("_asked_at", "_clock", "_gap_timeout", "_next", "_pending", "_probe", "_reask_interval",
                 "_stalled_since", "gaps")

    def __init__(
        self,
        probe: KeyframeProbe,
        gap_timeout: float,
        clock: Callable[[], float] = time.monotonic,
        reask_interval: float = 1.0,
    ) -> None:
        self._probe = probe
        self._gap_timeout = gap_timeout
        self._clock = clock
        # While waiting for a keyframe, ask again this often: the first request (or the keyframe
        # itself) may have been lost.
        self._reask_interval = reask_interval
        self._pending: dict[int, RtpPacket] = {}
        self._next: int | None = None  # first sequence number of the next frame; None: await a keyframe
        self._stalled_since: float | None = None
        self._asked_at = -1e9
        self.gaps = 0

    def is_keyframe(self, frame: Frame) -> bool:
        return self._probe(frame[0].payload)

    @property
    def waiting_for_keyframe(self) -> bool:
        return self._next is None

    def push(self, packet: RtpPacket) -> tuple[list[Frame], bool]:
        """Add a packet; return the frames it completed and whether to ask the publisher for a keyframe."""
        nxt = self._next
        if nxt is None:
            return self._push_awaiting_keyframe(packet)
        if _older(packet.sequence_number, nxt):
            return [], False  # a late duplicate or a retransmission of a frame already given up
        self._pending[packet.sequence_number] = packet
        return self._progress()

    def _push_awaiting_keyframe(self, packet: RtpPacket) -> tuple[list[Frame], bool]:
        """Keep packets while no keyframe has started: its first packet may arrive last, retransmitted."""
        seq = packet.sequence_number
        self._pending[seq] = packet
        if self._probe(packet.payload):
            self._next = seq
            self._drop_older_than(seq)
            self._stalled_since = None
            return self._progress()
        if len(self._pending) > MAX_PENDING:
            self._drop_older_than((seq - MAX_PENDING // 2) & 0xFFFF)
        now = self._clock()
        if now - self._asked_at < self._reask_interval:
            return [], False
        self._asked_at = now
        return [], True

    def _progress(self) -> tuple[list[Frame], bool]:
        frames = self._release()
        if not self._pending:
            self._stalled_since = None
            return frames, False
        now = self._clock()
        if frames or self._stalled_since is None:
            self._stalled_since = now
            return frames, False
        if now - self._stalled_since <= self._gap_timeout and len(self._pending) < MAX_PENDING:
            return frames, False
        # The hole was not filled in time: give the frame up and resume at the next keyframe that
        # started after it (never the stuck one again), or wait for one.
        self.gaps += 1
        stuck = self._next
        assert stuck is not None
        self._next = None
        self._stalled_since = None
        self._asked_at = now
        starts = [s for s, p in self._pending.items() if s != stuck and self._probe(p.payload)]
        if starts:
            first = min(starts, key=lambda s: (s - stuck) & 0xFFFF)
            self._next = first
            self._drop_older_than(first)
            frames.extend(self._release())
        else:
            self._pending.pop(stuck, None)
        return frames, True

    def _release(self) -> list[Frame]:
        frames: list[Frame] = []
        pending = self._pending
        while self._next is not None:
            seq = self._next
            packets: Frame = []
            while True:
                packet = pending.get(seq)
                if packet is None:
                    return frames
                packets.append(packet)
                if packet.marker:
                    break
                seq = (seq + 1) & 0xFFFF
                if len(packets) > MAX_PENDING:
                    return frames
            for p in packets:
                del pending[p.sequence_number]
            frames.append(packets)
            self._next = (seq + 1) & 0xFFFF
        return frames

    def _drop_older_than(self, seq: int) -> None:
        for s in [s for s in self._pending if _older(s, seq)]:
            del self._pending[s]
