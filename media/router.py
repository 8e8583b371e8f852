"""A Router: one live session's media. It holds the participants' Transports, knows every Producer,
subscribes participants to each other, and raises active-speaker events."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from typing import TYPE_CHECKING

import structlog

from care.errors import N_, DomainError
from media.config import MediaConfig
from media.events import Signal
from media.producer import Producer
from media.timing import DelayHistogram
from media.transport import Transport
from media.types import CloseReason, MediaErrorCode, ProducerId, RouterId, TransportId

if TYPE_CHECKING:
    from media.worker import MediaWorker

log = structlog.get_logger(__name__)


@dataclass(frozen=True)
class ActiveSpeaker:
    producer_id: ProducerId
    transport_id: TransportId
    level_dbov: int  # RFC 6464 level, 0 loudest, 127 silence


class Router:
    """Events: ``producer_added`` / ``producer_closed`` (Producer), ``transport_closed`` (Transport),
    ``active_speaker_changed`` (ActiveSpeaker), ``closed`` (CloseReason)."""

    def __init__(self, router_id: RouterId, worker: MediaWorker, config: MediaConfig) -> None:
        self.id = router_id
        self._worker = worker
        self._config = config
        self._transports: dict[TransportId, Transport] = {}
        self._producers: dict[ProducerId, Producer] = {}
        self._closed = False
        self._speaker: ProducerId | None = None
        self._closing: list[Transport] = []
        self.producer_added: Signal[Producer] = Signal("router.producer_added")
        self.producer_closed: Signal[Producer] = Signal("router.producer_closed")
        self.transport_closed: Signal[Transport] = Signal("router.transport_closed")
        self.active_speaker_changed: Signal[ActiveSpeaker] = Signal("router.active_speaker_changed")
        self.closed: Signal[CloseReason] = Signal("router.closed")
        self._speaker_task = asyncio.ensure_future(self._watch_speakers())

    @property
    def is_closed(self) -> bool:
        return self._closed

    @property
    def forwarding_delays(self) -> DelayHistogram:
        return self._worker.forwarding_delays

    @property
    def transports(self) -> list[Transport]:
        return list(self._transports.values())

    @property
    def producers(self) -> list[Producer]:
        return list(self._producers.values())

    @property
    def active_speaker(self) -> ProducerId | None:
        return self._speaker

    def get_transport(self, transport_id: TransportId) -> Transport | None:
        return self._transports.get(transport_id)

    def create_transport(self, transport_id: TransportId, *, consume_all: bool = True) -> Transport:
        """One participant's connection. With ``consume_all`` it subscribes to every other participant's
        producers, present and future; otherwise the caller subscribes it with ``transport.consume``."""
        if self._closed:
            raise DomainError(MediaErrorCode.CLOSED, N_("This media session is closed."), status=410)
        if transport_id in self._transports:
            raise DomainError(MediaErrorCode.TRANSPORT_EXISTS, N_("This participant is already connected."),
                              status=409)
        if len(self._transports) >= self._config.max_transports_per_router:
            raise _capacity(self._config.max_transports_per_router, "session")
        self._worker._check_transport_capacity()
        transport = Transport(transport_id, self, self._config, consume_all)
        self._transports[transport_id] = transport
        if consume_all:
            for producer in self._producers.values():
                if producer.transport_id != transport_id:
                    transport.consume(producer)
        return transport

    def close(self, reason: CloseReason = CloseReason.CLOSED) -> None:
        """Close every transport (and so every producer and consumer). Idempotent."""
        if self._closed:
            return
        self._closed = True
        self._speaker_task.cancel()
        for transport in list(self._transports.values()):
            transport.close(CloseReason.ROUTER_CLOSED)
        log.info("media_router_closed", router_id=self.id, reason=str(reason))
        self._worker._router_closed(self)
        self.closed.emit(reason)
        for signal in (self.producer_added, self.producer_closed, self.transport_closed,
                       self.active_speaker_changed, self.closed):
            signal.clear()

    async def wait_closed(self) -> None:
        for transport in list(self._transports.values()) + self._closing:
            await transport.wait_closed()
        self._closing.clear()

    # Called by Transport ---------------------------------------------------------------------------

    def _producer_added(self, producer: Producer) -> None:
        self._producers[producer.id] = producer
        self.producer_added.emit(producer)
        for transport in list(self._transports.values()):
            if transport.consume_all and transport.id != producer.transport_id and not transport.is_closed:
                transport.consume(producer)

    def _producer_closed(self, producer: Producer) -> None:
        if self._producers.pop(producer.id, None) is not None:
            if self._speaker == producer.id:
                self._speaker = None
            self.producer_closed.emit(producer)

    def _transport_closed(self, transport: Transport) -> None:
        if self._transports.pop(transport.id, None) is not None:
            self._closing.append(transport)
            teardown = transport._teardown
            if teardown is not None:
                teardown.add_done_callback(lambda _t: self._forget(transport))
            self._worker._transport_released()
            self.transport_closed.emit(transport)

    def _forget(self, transport: Transport) -> None:
        if transport in self._closing:
            self._closing.remove(transport)

    # Active speaker --------------------------------------------------------------------------------

    async def _watch_speakers(self) -> None:
        while True:
            await asyncio.sleep(self._config.active_speaker_interval_s)
            loudest: tuple[int, Producer] | None = None
            for producer in self._producers.values():
                if producer.kind != "audio":
                    continue
                level = producer.take_audio_level()
                if level is None or producer.paused:
                    continue
                if loudest is None or level < loudest[0]:
                    loudest = (level, producer)
            if loudest is None or loudest[0] > self._config.active_speaker_threshold_dbov:
                continue  # silence: the last speaker stays the active one
            level, producer = loudest
            if producer.id != self._speaker:
                self._speaker = producer.id
                self.active_speaker_changed.emit(ActiveSpeaker(producer.id, producer.transport_id, level))


def _capacity(limit: int, scope: str) -> DomainError:
    return DomainError(MediaErrorCode.CAPACITY_REACHED,
                       N_("The media server is full ({scope}: at most {limit})."),
                       status=503, params={"scope": scope, "limit": limit})
