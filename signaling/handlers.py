"""The "/live" events: validate the payload, let rooms decide, drive media through `LiveSignaling`, reply.

Each handler takes the caller (socket id and person, already authenticated by the server's guard) and
the raw payload, and returns the ack. Errors are `DomainError`s, which the guard turns into
``{"error": {code, message}}`` acks; the connection stays up.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from care.errors import N_, DomainError, ErrorCode
from care.people import Person, UserId
from rooms.live import LiveSessions, OpenSession
from rooms.live_model import LeaveReason, LiveErrorCode, LiveSessionId, ParticipantStatus
from signaling import protocol as wire
from signaling.peers import LiveSignaling, Peer
from signaling.protocol import Caller, ServerEvent

Ack = dict[str, Any]
Handler = Callable[[Caller, Any], Awaitable[Ack]]


class LiveHandlers:
    def __init__(self, signaling: LiveSignaling) -> None:
        self._signaling = signaling
        self._live: LiveSessions = signaling.live

    def events(self) -> dict[str, Handler]:
        return {
            "open": self.open,
            "join": self.join,
            "offer": self.offer,
            "answer": self.answer,
            "ice_candidate": self.ice_candidate,
            "leave": self.leave,
            "set_media": self.set_media,
            "raise_hand": self.raise_hand,
            "participants": self.participants,
            "admit": self.admit,
            "mute": self.mute,
            "ask_unmute": self.ask_unmute,
            "remove": self.remove,
            "lock": self.lock,
            "end": self.end,
        }

    async def socket_closed(self, sid: str) -> None:
        """The socket dropped (or the client was killed): the participant is out, nothing is left behind."""
        peer = self._signaling.peer_of_sid(sid)
        if peer is not None:
            await self._signaling.drop(peer, LeaveReason.DISCONNECTED)

    async def access_changed(self, user_id: int, reason: str = "") -> None:
        """Someone's access to rooms changed (rooms' AccessBus): out of every session they may no longer be in."""
        user = UserId(user_id)
        for session_id in await self._live.recheck_access(user):
            peer = self._signaling.peer(session_id, user)
            if peer is not None:
                await self._signaling.drop(peer, LeaveReason.ACCESS_LOST)
            else:
                await self._live.leave(user, session_id, LeaveReason.ACCESS_LOST)

    # --- everyone ---
    async def open(self, caller: Caller, data: Any) -> Ack:
        opened = await self._live.open(caller.person, wire.session_id(wire.payload(data)))
        return {"session": opened.session.wire()}

    async def join(self, caller: Caller, data: Any) -> Ack:
        session_id = wire.session_id(wire.payload(data))
        person = caller.person
        older = self._signaling.peer(session_id, person.id)
        if older is not None and older.sid != caller.sid:
            await self._signaling.notify(older, ServerEvent.LEFT, {"reason": "joined_elsewhere"})
            await self._signaling.drop(older, LeaveReason.DISCONNECTED)
        opened_now = self._live.open_session(session_id)
        is_host = opened_now is not None and person.id in opened_now.room.hosts
        peer = self._signaling.bind(session_id, person.id, caller.sid, is_host)
        try:
            opened, participant = await self._live.join(person, session_id)
        except BaseException:
            await self._signaling.unbind(peer)
            raise
        if participant.status is ParticipantStatus.ADMITTED:
            await self._signaling.enter_rooms(peer)
        await self._signaling.broadcast(session_id)
        return {
            "session": opened.session.wire(),
            "status": participant.status.value,
            "you": participant.wire(),
            "ice_servers": self._signaling.ice_servers,
            "participants": self._visible(person, opened),
        }

    async def offer(self, caller: Caller, data: Any) -> Ack:
        body = wire.payload(data)
        peer = self._peer(caller, body)
        answer = await self._signaling.client_offer(peer, wire.sdp(body))
        return {"type": "answer", "sdp": answer}

    async def answer(self, caller: Caller, data: Any) -> Ack:
        body = wire.payload(data)
        await self._signaling.client_answer(self._peer(caller, body), wire.sdp(body))
        return {"ok": True}

    async def ice_candidate(self, caller: Caller, data: Any) -> Ack:
        body = wire.payload(data)
        peer = self._peer(caller, body)
        candidate = body.get("candidate")
        mid = body.get("sdp_mid")
        index = body.get("sdp_mline_index")
        if candidate is not None and (not isinstance(candidate, str) or len(candidate) > wire.MAX_CANDIDATE_CHARS):
            raise DomainError(ErrorCode.BAD_REQUEST, N_("The field '{field}' is missing or has the wrong type."),
                              params={"field": "candidate"}, details={"field": "candidate"})
        if (mid is not None and not isinstance(mid, str)) or (index is not None and not isinstance(index, int)):
            raise DomainError(ErrorCode.BAD_REQUEST, N_("The field '{field}' is missing or has the wrong type."),
                              params={"field": "sdp_mid"}, details={"field": "sdp_mid"})
        await self._signaling.client_candidate(peer, candidate or None, mid if mid is not None else "0",
                                               index if index is not None else 0)
        return {"ok": True}

    async def leave(self, caller: Caller, data: Any) -> Ack:
        peer = self._peer(caller, wire.payload(data))
        await self._signaling.drop(peer, LeaveReason.LEFT)
        return {"ok": True}

    async def set_media(self, caller: Caller, data: Any) -> Ack:
        body = wire.payload(data)
        peer = self._peer(caller, body)
        participant = await self._live.set_media(caller.person, peer.session_id, wire.media_kind(body),
                                                 wire.read(body, "on", bool))
        await self._signaling.broadcast(peer.session_id)
        return {"you": participant.wire()}

    async def raise_hand(self, caller: Caller, data: Any) -> Ack:
        body = wire.payload(data)
        peer = self._peer(caller, body)
        participant = await self._live.raise_hand(caller.person, peer.session_id, wire.read(body, "raised", bool))
        await self._signaling.broadcast(peer.session_id)
        return {"you": participant.wire()}

    async def participants(self, caller: Caller, data: Any) -> Ack:
        peer = self._peer(caller, wire.payload(data))
        opened = self._live.open_session(peer.session_id)
        return {"participants": self._visible(caller.person, opened) if opened else []}

    # --- hosts ---
    async def admit(self, caller: Caller, data: Any) -> Ack:
        body = wire.payload(data)
        session_id = wire.session_id(body)
        everyone = body.get("all") is True
        admission = await self._live.admit(caller.person, session_id, None if everyone else wire.user_id(body))
        for participant in admission.admitted:
            peer = self._signaling.peer(session_id, participant.user_id)
            if peer is not None:
                await self._signaling.enter_rooms(peer)
                await self._signaling.notify(peer, ServerEvent.ADMITTED, {"ice_servers": self._signaling.ice_servers})
        await self._signaling.broadcast(session_id)
        ack: Ack = {"admitted": [p.user_id for p in admission.admitted], "refused": admission.refused}
        if admission.error is not None:
            ack["refused_because"] = admission.error.code
        return ack

    async def mute(self, caller: Caller, data: Any) -> Ack:
        return await self._media_control(caller, data, "muted")

    async def ask_unmute(self, caller: Caller, data: Any) -> Ack:
        return await self._media_control(caller, data, "unmute_requested")

    async def remove(self, caller: Caller, data: Any) -> Ack:
        body = wire.payload(data)
        session_id, target = wire.session_id(body), wire.user_id(body)
        peer = self._signaling.peer(session_id, target)
        await self._live.remove(caller.person, session_id, target)
        if peer is not None:
            await self._signaling.notify(peer, ServerEvent.LEFT, {"reason": LeaveReason.REMOVED.value})
            await self._signaling.unbind(peer)
        await self._signaling.broadcast(session_id)
        return {"ok": True}

    async def lock(self, caller: Caller, data: Any) -> Ack:
        body = wire.payload(data)
        opened = await self._live.lock(caller.person, wire.session_id(body), wire.read(body, "locked", bool))
        await self._signaling.broadcast(opened.id)
        return {"session": opened.session.wire()}

    async def end(self, caller: Caller, data: Any) -> Ack:
        session_id = wire.session_id(wire.payload(data))
        peers = [p for p in self._signaling.peers if p.session_id == session_id]
        await self._live.end(caller.person, session_id)
        for peer in peers:
            await self._signaling.notify(peer, ServerEvent.LEFT, {"reason": LeaveReason.ENDED.value})
            await self._signaling.unbind(peer)
        return {"ok": True}

    # --- inside ---
    async def _media_control(self, caller: Caller, data: Any, action: str) -> Ack:
        body = wire.payload(data)
        session_id, target, kind = wire.session_id(body), wire.user_id(body), wire.media_kind(body)
        if action == "muted":
            participant = await self._live.mute(caller.person, session_id, target, kind)
        else:
            participant = await self._live.ask_unmute(caller.person, session_id, target, kind)
        peer = self._signaling.peer(session_id, target)
        if peer is not None:
            await self._signaling.notify(peer, ServerEvent.MEDIA_CONTROL,
                                         {"action": action, "kind": kind, "by": caller.person.id})
        await self._signaling.broadcast(session_id)
        return {"participant": participant.wire()}

    def _peer(self, caller: Caller, body: dict[str, Any]) -> Peer:
        session_id: LiveSessionId = wire.session_id(body)
        peer = self._signaling.peer_of_sid(caller.sid)
        if peer is None or peer.session_id != session_id:
            raise DomainError(LiveErrorCode.NOT_JOINED, N_("Join the session first."), status=409)
        return peer

    def _visible(self, person: Person, opened: OpenSession) -> list[dict[str, Any]]:
        return [p.wire() for p in self._live.visible_participants(person, opened)]
