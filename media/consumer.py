"""A Consumer: one subscriber's copy of a Producer, sent on its own transceiver of the subscriber's
Transport. It rewrites SSRC, payload type and sequence number, never the payload."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import structlog
from aiortc.rtp import RtpPacket

from media import aiortc_internals as internals
from media.events import Signal
from media.framing import Frame
from media.types import CloseReason, ConsumerId, MediaKind, ProducerId, TransportId

if TYPE_CHECKING:
    from media.producer import Producer

log = structlog.get_logger(__name__)


class Consumer:
    """Forwards a producer's packets to one subscriber.

    Until the transport has negotiated a transceiver for it, ``mid`` is None and nothing is sent. A video
    consumer starts by waiting for a keyframe (asking the producer for one), and waits again after it
    was paused. Events: ``closed`` (CloseReason).
    """

    def __init__(self, consumer_id: ConsumerId, transport_id: TransportId, producer: Producer) -> None:
        self.id = consumer_id
        self.transport_id = transport_id
        self.producer = producer
        self.producer_id: ProducerId = producer.id
        self.kind: MediaKind = producer.kind
        self.mid: str | None = None
        self._transceiver: Any = None
        self._port: internals.SenderPort | None = None
        self._payload_type = -1
        self._needs_keyframe = producer.kind == "video"
        self._paused = False
        self._closed = False
        self.frames_sent = 0
        self.frames_skipped = 0
        self.closed: Signal[CloseReason] = Signal("consumer.closed")
        producer._add_consumer(self)

    @property
    def is_closed(self) -> bool:
        return self._closed

    @property
    def paused(self) -> bool:
        return self._paused

    @property
    def packets_sent(self) -> int:
        return self._port.sent if self._port is not None else 0

    def pause(self) -> None:
        """Stop sending to this subscriber only (for example a hidden video tile)."""
        self._paused = True

    def resume(self) -> None:
        if self._paused:
            self._paused = False
            self._await_keyframe()
            self.producer.request_keyframe()

    def close(self, reason: CloseReason = CloseReason.CLOSED) -> None:
        """Stop forwarding; the owning transport frees the transceiver at its next negotiation."""
        if self._closed:
            return
        self._closed = True
        self.producer._remove_consumer(self)
        if self._port is not None:
            self._port.detach()
        log.info("media_consumer_closed", consumer_id=self.id, reason=str(reason))
        self.closed.emit(reason)
        self.closed.clear()

    # Called by the Transport -------------------------------------------------------------------

    def _attach(self, transceiver: Any, port: internals.SenderPort) -> None:
        self._transceiver = transceiver
        self._port = port
        port.bind(self._keyframe_wanted, self._bitrate_estimated)
        self._refresh_payload_type()

    def _refresh_payload_type(self) -> None:
        if self._transceiver is None:
            return
        self.mid = self._transceiver.mid
        if self._transceiver.mid is None:
            return
        codecs = internals.negotiated_codecs(self._transceiver)
        if codecs and codecs[0].payloadType is not None:
            self._payload_type = codecs[0].payloadType

    def _keyframe_wanted(self) -> None:
        """The subscriber sent PLI or FIR: aiortc would ignore it here, so route it to the publisher."""
        self.producer.request_keyframe()

    def _bitrate_estimated(self, bits_per_second: int) -> None:
        """The subscriber's REMB: the producer relays the lowest of its subscribers' to the publisher."""
        self.producer._subscriber_estimate(self.id, bits_per_second)

    def _await_keyframe(self) -> None:
        if self.kind == "video":
            self._needs_keyframe = True

    # Called by the Producer --------------------------------------------------------------------

    def _send_frame(self, frame: Frame, keyframe: bool, now: float) -> None:
        port = self._port
        if port is None or self._paused or not port.ready:
            return
        if self._needs_keyframe:
            if not keyframe:
                self.frames_skipped += 1
                self.producer.request_keyframe()
                return
            self._needs_keyframe = False
        pt = self._payload_type
        send = port.send
        for packet in frame:
            send(packet, pt, now)
        self.frames_sent += 1

    def _send_packet(self, packet: RtpPacket, now: float) -> None:
        port = self._port
        if port is None or self._paused:
            return
        port.send(packet, self._payload_type, now)
