"""A Transport: one participant's single RTCPeerConnection, carrying what they publish and what they
subscribe to, renegotiated as producers come and go.

Negotiation roles (see docs/media.md):
- The client offers its own tracks: ``apply_offer(sdp) -> answer``. Every m-line the client sends on
  becomes a Producer; an m-line it stops sending on closes that Producer.
- The server offers subscriptions: when consumers are added or closed the transport emits
  ``negotiation_needed``; the signaling layer calls ``create_offer()`` and later ``apply_answer(sdp)``.
- Glare: the server is the impolite peer. A client offer that arrives while a server offer is
  outstanding is refused with ``media_negotiation_glare``; the client rolls back, answers the server's
  offer, then offers again. aiortc cannot roll back, browsers can.
"""

from __future__ import annotations

import asyncio
import itertools
from typing import TYPE_CHECKING, Any

import structlog
from aiortc import (
    RTCBundlePolicy,
    RTCConfiguration,
    RTCIceServer,
    RTCPeerConnection,
    RTCRtpSender,
    RTCSessionDescription,
)
from aiortc.rtcrtpparameters import RTCRtpCodecCapability, RTCRtpCodecParameters
from aiortc.sdp import candidate_from_sdp

from care.errors import N_, DomainError
from media import aiortc_internals as internals
from media.config import MediaConfig
from media.consumer import Consumer
from media.events import Signal
from media.producer import Producer
from media.types import CloseReason, ConsumerId, MediaErrorCode, MediaKind, ProducerId, TransportId

if TYPE_CHECKING:
    from media.router import Router

log = structlog.get_logger(__name__)

_RECEIVING = ("recvonly", "sendrecv")


def rtc_configuration(config: MediaConfig) -> RTCConfiguration:
    servers = [RTCIceServer(urls=list(s.urls), username=s.username, credential=s.credential)
               for s in config.ice_servers]
    # An explicit (possibly empty) list: None would make aiortc use a public STUN host.
    return RTCConfiguration(iceServers=servers, bundlePolicy=RTCBundlePolicy.MAX_BUNDLE)


def _capabilities_for(codec: RTCRtpCodecParameters, kind: MediaKind) -> list[RTCRtpCodecCapability]:
    """The consumer offers exactly the producer's codec (plus RTX for video): no transcoding possible."""
    chosen: list[RTCRtpCodecCapability] = []
    for cap in RTCRtpSender.getCapabilities(kind).codecs:
        if cap.mimeType.lower() == codec.mimeType.lower() and cap.clockRate == codec.clockRate:
            if cap.mimeType.lower() == "video/h264":
                wanted = str(codec.parameters.get("profile-level-id", ""))[:2]
                if str(cap.parameters.get("profile-level-id", ""))[:2] != wanted:
                    continue
            chosen.append(cap)
            break
    if kind == "video":
        chosen += [c for c in RTCRtpSender.getCapabilities(kind).codecs if c.mimeType.lower() == "video/rtx"]
    return chosen


class Transport:
    """Events: ``producer_added`` (Producer), ``consumer_added`` (Consumer), ``negotiation_needed``
    (None), ``closed`` (CloseReason; CONNECTION_FAILED when the peer vanished or ICE/DTLS failed)."""

    def __init__(
        self, transport_id: TransportId, router: Router, config: MediaConfig, consume_all: bool
    ) -> None:
        self.id = transport_id
        self.router = router
        self.consume_all = consume_all
        self._config = config
        self._pc = RTCPeerConnection(rtc_configuration(config))
        self._lock = asyncio.Lock()
        self._producers: dict[str, Producer] = {}
        self._consumers: dict[ConsumerId, Consumer] = {}
        self._pending: list[Consumer] = []
        self._ports: dict[Any, internals.SenderPort] = {}
        self._retiring: list[Any] = []
        self._free: dict[str, list[Any]] = {"audio": [], "video": []}
        self._finished_mids: set[str] = set()
        self._dirty = False
        self._closed = False
        self._teardown: asyncio.Task[None] | None = None
        self._consumer_ids = itertools.count(1)
        self.producer_added: Signal[Producer] = Signal("transport.producer_added")
        self.consumer_added: Signal[Consumer] = Signal("transport.consumer_added")
        self.negotiation_needed: Signal[None] = Signal("transport.negotiation_needed")
        self.closed: Signal[CloseReason] = Signal("transport.closed")
        self._pc.on("connectionstatechange", self._on_connection_state)

    # Introspection ---------------------------------------------------------------------------------

    @property
    def is_closed(self) -> bool:
        return self._closed

    @property
    def connection_state(self) -> str:
        return str(self._pc.connectionState)

    @property
    def producers(self) -> list[Producer]:
        return list(self._producers.values())

    @property
    def consumers(self) -> list[Consumer]:
        return list(self._consumers.values())

    @property
    def peer_connection(self) -> RTCPeerConnection:
        """For tests and diagnostics only; the SFU owns it."""
        return self._pc

    # Negotiation -----------------------------------------------------------------------------------

    async def apply_offer(self, sdp: str) -> str:
        """Apply the client's offer and return the server's answer (with all ICE candidates in it)."""
        async with self._lock:
            self._ensure_open()
            if self._pc.signalingState != "stable":
                raise DomainError(MediaErrorCode.NEGOTIATION_GLARE,
                                  N_("A media negotiation is already in progress; answer it first."),
                                  status=409)
            _require_media(sdp)
            try:
                await self._pc.setRemoteDescription(RTCSessionDescription(sdp=sdp, type="offer"))
            except Exception as exc:  # aiortc raises ValueError and its own errors for bad offers
                raise _invalid_sdp() from exc
            # Before aiortc's connect task runs: the receivers must never start decoding.
            self._adopt_receivers()
            await self._pc.setLocalDescription(await self._pc.createAnswer())
            self._sync_producers()
            answer = self._pc.localDescription.sdp
        self._announce_if_dirty()
        return str(answer)

    async def create_offer(self) -> str | None:
        """Offer the subscriptions that changed; None when nothing changed or an offer is outstanding."""
        async with self._lock:
            self._ensure_open()
            if self._pc.signalingState != "stable" or not self._dirty:
                return None
            self._dirty = False
            for consumer in self._pending:
                if not consumer.is_closed:
                    self._give_transceiver(consumer)
            self._pending.clear()
            self._adopt_receivers()
            await self._pc.setLocalDescription(await self._pc.createOffer())
            for consumer in self._consumers.values():
                consumer._refresh_payload_type()
            return str(self._pc.localDescription.sdp)

    async def apply_answer(self, sdp: str) -> None:
        """Apply the client's answer to the last ``create_offer()``."""
        async with self._lock:
            self._ensure_open()
            if self._pc.signalingState != "have-local-offer":
                raise DomainError(MediaErrorCode.NO_PENDING_OFFER, N_("There is no media offer to answer."),
                                  status=409)
            _require_media(sdp)
            try:
                await self._pc.setRemoteDescription(RTCSessionDescription(sdp=sdp, type="answer"))
            except Exception as exc:
                raise _invalid_sdp() from exc
            for consumer in self._consumers.values():
                consumer._refresh_payload_type()
            # Transceivers that went inactive in this negotiation may now carry new consumers.
            for transceiver in self._retiring:
                self._free[transceiver.kind].append(transceiver)
            self._retiring.clear()
            self._sync_producers()
        self._announce_if_dirty()

    async def add_ice_candidate(self, candidate: str | None, sdp_mid: str | None = "0",
                                sdp_mline_index: int | None = 0) -> None:
        """Add a trickled client candidate (``candidate:...`` line); None or "" ends the candidates.

        Server candidates are never trickled: aiortc gathers them all before it produces an answer or
        an offer, so they are in the SDP.
        """
        self._ensure_open()
        if not candidate:
            await self._pc.addIceCandidate(None)
            return
        try:
            parsed = candidate_from_sdp(candidate.removeprefix("a=").removeprefix("candidate:"))
        except (AssertionError, ValueError, IndexError) as exc:  # aiortc asserts on short lines
            raise DomainError(MediaErrorCode.INVALID_CANDIDATE, N_("The ICE candidate is invalid."),
                              status=400) from exc
        parsed.sdpMid = sdp_mid
        parsed.sdpMLineIndex = sdp_mline_index
        await self._pc.addIceCandidate(parsed)

    # Subscriptions ---------------------------------------------------------------------------------

    def consume(self, producer: Producer) -> Consumer:
        """Subscribe this participant to ``producer``; takes effect at the next server offer."""
        self._ensure_open()
        for existing in self._consumers.values():
            if existing.producer is producer:
                return existing
        consumer = Consumer(ConsumerId(f"{self.id}/c{next(self._consumer_ids)}"), self.id, producer)
        self._consumers[consumer.id] = consumer
        self._pending.append(consumer)
        consumer.closed.connect(lambda _reason: self._on_consumer_closed(consumer))
        self._dirty = True
        self.consumer_added.emit(consumer)
        self._announce_if_dirty()
        return consumer

    def get_producer(self, producer_id: ProducerId) -> Producer | None:
        return next((p for p in self._producers.values() if p.id == producer_id), None)

    # Closing ---------------------------------------------------------------------------------------

    def close(self, reason: CloseReason = CloseReason.CLOSED) -> None:
        """Close the peer connection, every producer (and so their consumers) and every consumer."""
        if self._closed:
            return
        self._closed = True
        for consumer in list(self._consumers.values()):
            consumer.close(CloseReason.TRANSPORT_CLOSED)
        for producer in list(self._producers.values()):
            producer.close(CloseReason.TRANSPORT_CLOSED)
        self._teardown = asyncio.ensure_future(self._close_peer_connection())
        log.info("media_transport_closed", transport_id=self.id, reason=str(reason))
        self.router._transport_closed(self)
        self.closed.emit(reason)
        for signal in (self.producer_added, self.consumer_added, self.negotiation_needed, self.closed):
            signal.clear()

    async def wait_closed(self) -> None:
        """Wait until the peer connection and its tasks are gone."""
        if self._teardown is not None:
            await asyncio.shield(self._teardown)

    async def _close_peer_connection(self) -> None:
        for port in self._ports.values():
            port.detach()
        self._ports.clear()
        async with self._lock:
            await self._pc.close()

    # Internals -------------------------------------------------------------------------------------

    def _ensure_open(self) -> None:
        if self._closed:
            raise DomainError(MediaErrorCode.CLOSED, N_("This media connection is closed."), status=410)

    def _announce_if_dirty(self) -> None:
        if self._dirty and not self._closed:
            self.negotiation_needed.emit(None)

    def _on_connection_state(self) -> None:
        if self._pc.connectionState in ("failed", "closed") and not self._closed:
            self.close(CloseReason.CONNECTION_FAILED)

    def _adopt_receivers(self) -> None:
        for transceiver in self._pc.getTransceivers():
            if not isinstance(transceiver.receiver, internals.ForwardingReceiver):
                internals.make_forwarding(transceiver.receiver, _drop)

    def _give_transceiver(self, consumer: Consumer) -> None:
        free = self._free[consumer.kind]
        if free:
            transceiver = free.pop(0)
            transceiver.direction = "sendonly"
        else:
            transceiver = self._pc.addTransceiver(internals.IdleTrack(consumer.kind), direction="sendonly")
            self._ports[transceiver] = internals.SenderPort(transceiver.sender, lambda: None)
        transceiver.setCodecPreferences(_capabilities_for(consumer.producer.codec, consumer.kind))
        consumer._attach(transceiver, self._ports[transceiver])

    def _on_consumer_closed(self, consumer: Consumer) -> None:
        self._consumers.pop(consumer.id, None)
        if consumer in self._pending:
            self._pending.remove(consumer)
            return
        transceiver = consumer._transceiver
        if transceiver is None or self._closed:
            return
        transceiver.direction = "inactive"
        self._retiring.append(transceiver)
        self._dirty = True
        self._announce_if_dirty()

    def _sync_producers(self) -> None:
        for transceiver in self._pc.getTransceivers():
            mid = transceiver.mid
            if mid is None or transceiver in self._ports:
                continue
            receiving = transceiver.currentDirection in _RECEIVING
            producer = self._producers.get(mid)
            if producer is not None and not receiving:
                producer.close(CloseReason.REMOTE_STOPPED)
            elif producer is None and receiving and mid not in self._finished_mids:
                self._add_producer(transceiver)

    def _add_producer(self, transceiver: Any) -> None:
        rtx = f"{transceiver.kind}/rtx"
        codecs = [c for c in internals.negotiated_codecs(transceiver) if c.mimeType.lower() != rtx]
        if not codecs:
            return
        mid = str(transceiver.mid)
        producer = Producer(
            ProducerId(f"{self.id}/{mid}"), self.id, transceiver.kind, mid, codecs[0], transceiver.receiver,
            keyframe_interval=self._config.keyframe_request_interval_s,
            gap_timeout=self._config.frame_gap_timeout_s,
            delays=self.router.forwarding_delays,
        )
        self._producers[mid] = producer
        producer.closed.connect(lambda _reason: self._on_producer_closed(producer, transceiver))
        self.producer_added.emit(producer)
        self.router._producer_added(producer)

    def _on_producer_closed(self, producer: Producer, transceiver: Any) -> None:
        self._producers.pop(producer.mid, None)
        self._finished_mids.add(producer.mid)
        self.router._producer_closed(producer)
        if self._closed or transceiver.currentDirection not in _RECEIVING:
            return
        # Closed by the server (for example the host turned a camera off): stop receiving it too.
        transceiver.direction = "inactive"
        self._dirty = True
        self._announce_if_dirty()


def _invalid_sdp() -> DomainError:
    return DomainError(MediaErrorCode.INVALID_SDP, N_("The session description is invalid."), status=400)


def _require_media(sdp: str) -> None:
    """aiortc accepts almost any text; a description without media lines is useless here."""
    if not sdp.startswith("v=0") or "\nm=" not in sdp:
        raise _invalid_sdp()


def _drop(_packet: Any, _codec: Any) -> None:
    return None
