"""A Producer: one audio or video track a participant publishes, forwarded to its Consumers."""

from __future__ import annotations

import time
from typing import TYPE_CHECKING

import structlog
from aiortc import RTCRtpReceiver
from aiortc.rtcrtpparameters import RTCRtpCodecParameters
from aiortc.rtp import RtpPacket

from media import aiortc_internals as internals
from media.events import Signal
from media.framing import FrameAssembler
from media.keyframes import probe_for
from media.timing import DelayHistogram
from media.types import CloseReason, MediaKind, ProducerId, TransportId

if TYPE_CHECKING:
    from media.consumer import Consumer

log = structlog.get_logger(__name__)

REMB_FRESH_S = 5.0  # a subscriber's estimate counts this long (browsers send one at least every second)
REMB_FLOOR_BPS = 50_000  # never ask a publisher for less: below this VP8 at 360p is a slide show


class Producer:
    """Receives one published track without decoding it and hands its packets to the consumers.

    Video is forwarded frame by frame (released on the marker bit, see media/framing.py); audio packet
    by packet. Events: ``closed`` (CloseReason), ``paused`` (bool: True paused, False resumed),
    ``keyframe_requested`` (None: a PLI was sent to the publisher).
    """

    def __init__(
        self,
        producer_id: ProducerId,
        transport_id: TransportId,
        kind: MediaKind,
        mid: str,
        codec: RTCRtpCodecParameters,
        receiver: RTCRtpReceiver,
        *,
        keyframe_interval: float,
        gap_timeout: float,
        delays: DelayHistogram | None = None,
    ) -> None:
        self.id = producer_id
        self.transport_id = transport_id
        self.kind: MediaKind = kind
        self.mid = mid
        self.codec = codec
        self._receiver = receiver
        self._consumers: dict[str, Consumer] = {}
        self._paused = False
        self._closed = False
        self._keyframe_interval = keyframe_interval
        self._last_keyframe_request = -1e9
        probe = probe_for(codec.mimeType) if kind == "video" else None
        self._assembler = FrameAssembler(probe, gap_timeout) if probe is not None else None
        self._delays = delays if delays is not None else DelayHistogram()
        self._level_sum = 0
        self._level_count = 0
        self.packets_received = 0
        self.frames_forwarded = 0
        self.keyframe_requests = 0
        # REMB: each consumer's latest estimate (bits/s, when), and what was last sent to the publisher.
        self._estimates: dict[str, tuple[int, float]] = {}
        self._remb_sent: tuple[int, float] | None = None
        self.closed: Signal[CloseReason] = Signal("producer.closed")
        self.paused_changed: Signal[bool] = Signal("producer.paused")
        self.keyframe_requested: Signal[None] = Signal("producer.keyframe_requested")
        internals.make_forwarding(receiver, self._on_packet)

    @property
    def is_closed(self) -> bool:
        return self._closed

    @property
    def paused(self) -> bool:
        return self._paused

    @property
    def consumers(self) -> list[Consumer]:
        return list(self._consumers.values())

    def pause(self) -> None:
        """Server-side mute: stop forwarding to every consumer (the publisher keeps sending)."""
        if self._paused or self._closed:
            return
        self._paused = True
        self.paused_changed.emit(True)

    def resume(self) -> None:
        if not self._paused or self._closed:
            return
        self._paused = False
        for consumer in self._consumers.values():
            consumer._await_keyframe()
        self.request_keyframe()
        self.paused_changed.emit(False)

    def request_keyframe(self) -> None:
        """Ask the publisher for a keyframe (PLI), at most once per ``keyframe_interval``."""
        if self.kind != "video" or self._closed:
            return
        now = time.monotonic()
        if now - self._last_keyframe_request < self._keyframe_interval:
            return
        if internals.request_keyframe(self._receiver):
            self._last_keyframe_request = now
            self.keyframe_requests += 1
            self.keyframe_requested.emit(None)

    @property
    def target_bitrate(self) -> int | None:
        """The bitrate (bits/s) last asked of the publisher through REMB; None before any."""
        return self._remb_sent[0] if self._remb_sent else None

    def _subscriber_estimate(self, consumer_id: str, bits_per_second: int) -> None:
        """Relay the lowest fresh estimate of the subscribers to the publisher (no simulcast: everyone
        gets the same stream, so it must fit the weakest link). Sent when it moves by more than 5 %, or
        at least every second while estimates come in."""
        if self.kind != "video" or self._closed:
            return
        now = time.monotonic()
        self._estimates[consumer_id] = (bits_per_second, now)
        fresh = [bps for bps, at in self._estimates.values() if now - at <= REMB_FRESH_S]
        target = max(REMB_FLOOR_BPS, min(fresh))
        last = self._remb_sent
        if last is not None and abs(target - last[0]) <= last[0] * 0.05 and now - last[1] < 1.0:
            return
        if internals.send_remb(self._receiver, target):
            self._remb_sent = (target, now)

    def take_audio_level(self) -> int | None:
        """Mean RFC 6464 level (-dBov, 0 loudest) since the last call; None if no level arrived."""
        if self._level_count == 0:
            return None
        mean = self._level_sum // self._level_count
        self._level_sum = self._level_count = 0
        return mean

    def close(self, reason: CloseReason = CloseReason.CLOSED) -> None:
        """Stop forwarding and close every consumer of this producer. Idempotent."""
        if self._closed:
            return
        self._closed = True
        internals.detach_forwarding(self._receiver)
        for consumer in list(self._consumers.values()):
            consumer.close(CloseReason.PRODUCER_CLOSED)
        log.info("media_producer_closed", producer_id=self.id, reason=str(reason))
        self.closed.emit(reason)
        self.closed.clear()
        self.paused_changed.clear()
        self.keyframe_requested.clear()

    def _add_consumer(self, consumer: Consumer) -> None:
        self._consumers[consumer.id] = consumer

    def _remove_consumer(self, consumer: Consumer) -> None:
        self._consumers.pop(consumer.id, None)
        self._estimates.pop(consumer.id, None)

    def _on_packet(self, packet: RtpPacket, codec: RTCRtpCodecParameters) -> None:
        # Synchronous, in the datagram callback: one packet in fans out to every consumer at once.
        if codec.payloadType != self.codec.payloadType:
            return
        started = time.perf_counter()
        self.packets_received += 1
        assembler = self._assembler
        if assembler is None:
            level = packet.extensions.audio_level
            if level is not None:
                self._level_sum += level[1]
                self._level_count += 1
            if self._paused:
                return
            self.frames_forwarded += 1
            now = time.time()
            for consumer in list(self._consumers.values()):
                consumer._send_packet(packet, now)
        else:
            frames, ask = assembler.push(packet)
            if ask:
                self.request_keyframe()
            if self._paused or not frames:
                return
            now = time.time()
            for frame in frames:
                keyframe = assembler.is_keyframe(frame)
                self.frames_forwarded += 1
                for consumer in list(self._consumers.values()):
                    consumer._send_frame(frame, keyframe, now)
        self._delays.record(time.perf_counter() - started)
