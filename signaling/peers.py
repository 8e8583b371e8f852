"""Each participant's link between their socket and their media Transport, and the rooms' `LiveMedia`.

A `Peer` exists from `join` until the participant is out; it gets a Transport when admitted. The server
offers subscriptions only after the client's first offer was answered, so the first negotiation never
collides. Every task started here is tracked and cancelled on close: nothing outlives its participant.

Close cascade (docs/signaling.md): session ended -> Router closes -> every Transport closes -> their
Producers and Consumers close; a Producer closing (a track stopped, its publisher gone) closes its
Consumers at every subscriber, whose Transports then renegotiate the m-line away.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Coroutine
from dataclasses import dataclass, field
from typing import Any, Protocol

import structlog

from care.errors import N_, DomainError, ErrorCode
from care.people import UserId
from media import CloseReason, MediaWorker, Producer, Router, RouterId, Transport, TransportId
from media.router import ActiveSpeaker
from rooms.live import LiveSessions
from rooms.live_model import LeaveReason, LiveErrorCode, LiveSessionId, MediaKind
from signaling.protocol import NAMESPACE, ServerEvent, candidates_of, hosts_room, session_room

log = structlog.get_logger(__name__)

MAX_EARLY_CANDIDATES = 64


class Emitter(Protocol):
    """The part of python-socketio's AsyncServer signaling uses."""

    async def emit(self, event: str, data: Any = None, *, to: str | None = None, room: str | None = None,
                   skip_sid: str | None = None, namespace: str | None = None) -> None: ...

    async def enter_room(self, sid: str, room: str, namespace: str | None = None) -> None: ...

    async def leave_room(self, sid: str, room: str, namespace: str | None = None) -> None: ...


@dataclass(eq=False)
class Peer:
    session_id: LiveSessionId
    user_id: UserId
    sid: str
    host: bool
    transport: Transport | None = None
    client_offered: bool = False  # the server offers only after the client's first offer
    early_candidates: list[tuple[str | None, str | None, int | None]] = field(default_factory=list)
    negotiating: asyncio.Lock = field(default_factory=asyncio.Lock)
    unsubscribe: list[Callable[[], None]] = field(default_factory=list)


def router_id(session_id: LiveSessionId) -> RouterId:
    return RouterId(f"live-{session_id}")


class LiveSignaling:
    """Implements rooms' `LiveMedia` over the SFU, and holds the peers of this process."""

    def __init__(self, worker: MediaWorker, live: LiveSessions, emitter: Emitter,
                 ice_servers: list[dict[str, Any]]) -> None:
        self.worker = worker
        self.live = live
        self.ice_servers = ice_servers
        self._emitter = emitter
        self._peers: dict[tuple[LiveSessionId, UserId], Peer] = {}
        self._by_sid: dict[str, Peer] = {}
        self._tasks: set[asyncio.Task[Any]] = set()
        live.attach_media(self)

    # --- peers ---
    def peer_of_sid(self, sid: str) -> Peer | None:
        return self._by_sid.get(sid)

    def peer(self, session_id: LiveSessionId, user_id: UserId) -> Peer | None:
        return self._peers.get((session_id, user_id))

    @property
    def peers(self) -> list[Peer]:
        return list(self._peers.values())

    def bind(self, session_id: LiveSessionId, user_id: UserId, sid: str, host: bool) -> Peer:
        """A socket joins a session (one session per socket); the caller dropped any older peer first."""
        existing = self._by_sid.get(sid)
        if existing is not None:
            if (existing.session_id, existing.user_id) == (session_id, user_id):
                return existing
            raise DomainError(ErrorCode.CONFLICT, N_("Leave your current session first."), status=409)
        peer = Peer(session_id, user_id, sid, host)
        self._peers[(session_id, user_id)] = peer
        self._by_sid[sid] = peer
        return peer

    async def unbind(self, peer: Peer) -> None:
        """Forget a peer and take its socket out of the session's rooms (idempotent)."""
        if self._peers.get((peer.session_id, peer.user_id)) is peer:
            del self._peers[(peer.session_id, peer.user_id)]
        if self._by_sid.get(peer.sid) is peer:
            del self._by_sid[peer.sid]
        self._close_transport(peer)
        for room in (session_room(peer.session_id), hosts_room(peer.session_id)):
            await self._emitter.leave_room(peer.sid, room, namespace=NAMESPACE)

    async def enter_rooms(self, peer: Peer) -> None:
        room = hosts_room(peer.session_id) if peer.host else session_room(peer.session_id)
        await self._emitter.enter_room(peer.sid, room, namespace=NAMESPACE)

    # --- LiveMedia, called by rooms under the session's lock ---
    async def session_opened(self, session_id: LiveSessionId) -> None:
        router = self.worker.get_router(router_id(session_id))
        if router is None:
            router = self.worker.create_router(router_id(session_id))  # may refuse: capacity
            router.active_speaker_changed.connect(lambda s: self._spawn(self._speaker(session_id, s)))

    async def participant_admitted(self, session_id: LiveSessionId, user_id: UserId) -> None:
        router = self._router(session_id)
        peer = self._peers.get((session_id, user_id))
        if peer is None:
            raise DomainError(ErrorCode.CONFLICT, N_("This person is no longer connected."), status=409)
        self._close_transport(peer)
        stale = router.get_transport(TransportId(str(user_id)))
        if stale is not None:
            stale.close()
        transport = router.create_transport(TransportId(str(user_id)))  # may refuse: capacity
        peer.transport, peer.client_offered = transport, False
        peer.unsubscribe = [
            transport.negotiation_needed.connect(lambda _: self._spawn(self.negotiate(peer))),
            transport.producer_added.connect(lambda producer: self._producer_added(peer, producer)),
            transport.closed.connect(lambda reason: self._transport_closed(peer, reason)),
        ]

    def set_forwarding(self, session_id: LiveSessionId, user_id: UserId, kind: MediaKind, forwarding: bool) -> None:
        peer = self._peers.get((session_id, user_id))
        if peer is None or peer.transport is None:
            return
        for producer in peer.transport.producers:
            if producer.kind == kind:
                producer.resume() if forwarding else producer.pause()

    def participant_gone(self, session_id: LiveSessionId, user_id: UserId) -> None:
        peer = self._peers.get((session_id, user_id))
        if peer is not None:
            self._close_transport(peer)
        router = self.worker.get_router(router_id(session_id))
        transport = router.get_transport(TransportId(str(user_id))) if router else None
        if transport is not None:
            transport.close()

    def session_ended(self, session_id: LiveSessionId) -> None:
        router = self.worker.get_router(router_id(session_id))
        if router is not None:
            router.close()

    # --- negotiation ---
    async def client_offer(self, peer: Peer, offer_sdp: str) -> str:
        transport = self._transport(peer)
        async with peer.negotiating:
            answer = await transport.apply_offer(offer_sdp)
            peer.client_offered = True
            early, peer.early_candidates = peer.early_candidates, []
            for candidate in early:
                try:
                    await transport.add_ice_candidate(*candidate)
                except DomainError as err:
                    log.info("live_candidate_refused", code=err.code, user_id=peer.user_id)
        self._spawn(self.negotiate(peer))  # subscriptions waiting for this first offer
        self._spawn(self._trickle(peer, answer))
        return answer

    async def client_answer(self, peer: Peer, answer_sdp: str) -> None:
        await self._transport(peer).apply_answer(answer_sdp)

    async def client_candidate(self, peer: Peer, candidate: str | None, sdp_mid: str | None,
                               sdp_mline_index: int | None) -> None:
        """Events run concurrently: a candidate may overtake the offer it belongs to. Until the first offer
        is applied, candidates wait (aiortc would silently drop them)."""
        transport = self._transport(peer)
        if not peer.client_offered:
            if len(peer.early_candidates) >= MAX_EARLY_CANDIDATES:
                raise DomainError(ErrorCode.RATE_LIMITED, N_("Too many ICE candidates before the offer."),
                                  status=429)
            peer.early_candidates.append((candidate, sdp_mid, sdp_mline_index))
            return
        await transport.add_ice_candidate(candidate, sdp_mid, sdp_mline_index)

    async def negotiate(self, peer: Peer) -> None:
        """Offer the client what changed in its subscriptions; it answers with the `answer` event."""
        async with peer.negotiating:
            transport = peer.transport
            if transport is None or transport.is_closed or not peer.client_offered:
                return
            offer = await transport.create_offer()
            if offer is None:
                return
            tracks = [
                {"mid": c.mid, "kind": c.kind, "user_id": int(c.producer.transport_id),
                 "producer_id": c.producer_id}
                for c in transport.consumers if c.mid is not None and not c.is_closed
            ]
            await self._emitter.emit(ServerEvent.OFFER, {"session": peer.session_id, "sdp": offer, "tracks": tracks},
                                     to=peer.sid, namespace=NAMESPACE)
        await self._trickle(peer, offer)

    async def _trickle(self, peer: Peer, description: str) -> None:
        """Server candidates are already in the SDP; they are trickled too, for clients that expect it."""
        for candidate in [*candidates_of(description), {"candidate": None, "sdp_mid": None, "sdp_mline_index": None}]:
            await self._emitter.emit(ServerEvent.ICE_CANDIDATE, {"session": peer.session_id, **candidate},
                                     to=peer.sid, namespace=NAMESPACE)

    # --- what media tells us ---
    def _producer_added(self, peer: Peer, producer: Producer) -> None:
        if not self.live.media_published(peer.session_id, peer.user_id, producer.kind, True):
            producer.pause()  # muted by the host (or by themselves) before this track appeared
        producer.closed.connect(lambda _reason: self._producer_closed(peer, producer))
        self._spawn(self.broadcast(peer.session_id))

    def _producer_closed(self, peer: Peer, producer: Producer) -> None:
        transport = peer.transport
        if transport is not None and any(p.kind == producer.kind for p in transport.producers if p is not producer):
            return
        self.live.media_published(peer.session_id, peer.user_id, producer.kind, False)
        self._spawn(self.broadcast(peer.session_id))

    def _transport_closed(self, peer: Peer, reason: CloseReason) -> None:
        if reason is CloseReason.CONNECTION_FAILED:
            log.info("live_connection_failed", session_id=peer.session_id, user_id=peer.user_id)
            self._spawn(self.drop(peer, LeaveReason.CONNECTION_FAILED))

    async def drop(self, peer: Peer, reason: LeaveReason) -> None:
        """The participant is out (failed, left, dropped): attendance, media, socket rooms, the others."""
        await self.live.leave(peer.user_id, peer.session_id, reason)
        await self.unbind(peer)
        if reason not in (LeaveReason.DISCONNECTED, LeaveReason.LEFT):
            await self._emitter.emit(ServerEvent.LEFT, {"session": peer.session_id, "reason": reason.value},
                                     to=peer.sid, namespace=NAMESPACE)
        await self.broadcast(peer.session_id)

    async def _speaker(self, session_id: LiveSessionId, speaker: ActiveSpeaker) -> None:
        data = {"session": session_id, "user_id": int(speaker.transport_id)}
        for room in (session_room(session_id), hosts_room(session_id)):
            await self._emitter.emit(ServerEvent.ACTIVE_SPEAKER, data, room=room, namespace=NAMESPACE)

    async def broadcast(self, session_id: LiveSessionId) -> None:
        """The participant list to everyone admitted; hosts also get the waiting room."""
        opened = self.live.open_session(session_id)
        if opened is None:
            return
        data = {"session": session_id, "locked": opened.session.locked,
                "participants": [p.wire() for p in opened.admitted()]}
        await self._emitter.emit(ServerEvent.PARTICIPANTS, data, room=session_room(session_id), namespace=NAMESPACE)
        await self._emitter.emit(ServerEvent.PARTICIPANTS, {**data, "waiting": [p.wire() for p in opened.waiting()]},
                                 room=hosts_room(session_id), namespace=NAMESPACE)

    async def notify(self, peer: Peer, event: ServerEvent, data: dict[str, Any]) -> None:
        await self._emitter.emit(event, {"session": peer.session_id, **data}, to=peer.sid, namespace=NAMESPACE)

    # --- lifecycle ---
    async def close(self) -> None:
        """Shutdown: close every session's media and wait for every task and peer connection to finish."""
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        await self.worker.close()

    @property
    def task_count(self) -> int:
        return len(self._tasks)

    # --- inside ---
    def _spawn(self, work: Coroutine[Any, Any, Any] | Awaitable[Any]) -> None:
        task = asyncio.ensure_future(work)
        self._tasks.add(task)
        task.add_done_callback(self._finished)

    def _finished(self, task: asyncio.Task[Any]) -> None:
        self._tasks.discard(task)
        if not task.cancelled() and (exc := task.exception()) is not None and not isinstance(exc, DomainError):
            log.error("live_task_failed", error=type(exc).__name__)

    def _close_transport(self, peer: Peer) -> None:
        for unsubscribe in peer.unsubscribe:
            unsubscribe()
        peer.unsubscribe = []
        transport, peer.transport = peer.transport, None
        if transport is not None:
            transport.close()

    def _router(self, session_id: LiveSessionId) -> Router:
        router = self.worker.get_router(router_id(session_id))
        if router is None:
            raise DomainError(ErrorCode.UNAVAILABLE, N_("The session's media is not running."), status=503)
        return router

    @staticmethod
    def _transport(peer: Peer) -> Transport:
        if peer.transport is None:
            raise DomainError(LiveErrorCode.NOT_ADMITTED, N_("Wait until the host lets you in."), status=403)
        return peer.transport
