"""Sockets in rooms: joining, leaving, access that is re-checked, and presence.

A socket joins a room once (`join`), and every later event in that room trusts the join until
``recheck_seconds`` pass; a step change, a removal or a ban re-checks at once (through `AccessBus`) and
takes the socket out with a `room_left` event and the reason, in the person's language.
"""

from __future__ import annotations

import time
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import socketio
import structlog

from care.errors import N_, DomainError
from care.people import Person, UserId
from rooms.access import MembershipPolicy, StepAccess, no_such_room, role_in_room
from rooms.bus import AccessBus
from rooms.filters import Action, ContentFilter, Decision, FilterRequest
from rooms.model import LeaveReason, MemberRole, Room, RoomError, RoomId, room_error
from rooms.presence import Presence, PresenceState
from rooms.store import RoomStore

log = structlog.get_logger(__name__)

Translate = Callable[[str], str]

_LEAVE_REASONS = {
    RoomError.STEP_TOO_LOW: LeaveReason.STEP_CHANGED,
    RoomError.NOT_A_MEMBER: LeaveReason.REMOVED,
    RoomError.BANNED: LeaveReason.BANNED,
    RoomError.NO_SUCH_ROOM: LeaveReason.ROOM_ARCHIVED,
}


def chat_room(room_id: int) -> str:
    """The Socket.IO room of a chat room's joined sockets, on every process."""
    return f"room:{room_id}"


def moderators_room(room_id: int) -> str:
    """Joined sockets of a room's owners and moderators: they also see held messages."""
    return f"room:{room_id}:moderators"


@dataclass(slots=True)
class Joined:
    room: Room
    role: MemberRole
    checked_at: float

    @property
    def moderates(self) -> bool:
        return self.role in (MemberRole.OWNER, MemberRole.MODERATOR)


@dataclass(slots=True, eq=False)
class ChatSocket:
    """One socket's view of the rooms it is in."""

    sid: str
    person: Person
    translate: Translate
    joined: dict[RoomId, Joined] = field(default_factory=dict)
    typing_at: dict[RoomId, float] = field(default_factory=dict)
    present: bool = False  # counted in presence (from its first join or presence event)


class Membership:
    def __init__(
        self,
        store: RoomStore,
        steps: StepAccess,
        policy: MembershipPolicy,
        content: ContentFilter,
        sio: socketio.AsyncServer,
        presence: Presence,
        bus: AccessBus,
        *,
        max_rooms: int,
        recheck_seconds: float,
    ) -> None:
        self.store = store
        self.steps = steps
        self.policy = policy
        self.content = content
        self.sio = sio
        self.presence = presence
        self.bus = bus
        self.max_rooms = max_rooms
        self.recheck_seconds = recheck_seconds
        self._sockets: dict[str, ChatSocket] = {}
        self._by_user: dict[int, set[str]] = defaultdict(set)

    # --- sockets ---
    def socket(self, sid: str, person: Person, translate: Translate) -> ChatSocket:
        sock = self._sockets.get(sid)
        if sock is None:
            sock = self._sockets[sid] = ChatSocket(sid, person, translate)
            self._by_user[person.id].add(sid)
        return sock

    def local_sockets(self) -> list[ChatSocket]:
        return list(self._sockets.values())

    async def disconnected(self, sid: str) -> None:
        sock = self._sockets.pop(sid, None)
        if sock is None:
            return
        users = self._by_user[sock.person.id]
        users.discard(sid)
        if not users:
            del self._by_user[sock.person.id]
        await self._set_presence(sock, PresenceState.OFFLINE)

    # --- access ---
    async def check(self, person: Person, room_id: RoomId) -> Joined:
        """Full access check against the database, care and moderation."""
        room = await self.store.room(room_id)
        if room is None:
            raise no_such_room()
        explicit = await self.store.member_role(room_id, person.id)
        role = await role_in_room(person, room, explicit, self.steps, self.policy)
        return Joined(room, role, time.monotonic())

    async def joined(self, sock: ChatSocket, room_id: RoomId) -> Joined:
        """The socket's membership of a room it joined, re-checked when stale."""
        entry = sock.joined.get(room_id)
        if entry is None:
            raise room_error(RoomError.NOT_JOINED, N_("Join the room first."), room=room_id)
        if time.monotonic() - entry.checked_at > self.recheck_seconds:
            try:
                entry = sock.joined[room_id] = await self.check(sock.person, room_id)
            except DomainError as err:
                await self._remove(sock, room_id, err)
                raise
        return entry

    async def readable(self, sock: ChatSocket, room_id: RoomId) -> Joined:
        """Joined, or allowed to read without joining (history of a room one may enter)."""
        if room_id in sock.joined:
            return await self.joined(sock, room_id)
        return await self.check(sock.person, room_id)

    # --- join and leave ---
    async def join(self, sock: ChatSocket, room_id: RoomId) -> Joined:
        if room_id in sock.joined:
            return await self.joined(sock, room_id)
        if len(sock.joined) >= self.max_rooms:
            raise room_error(
                RoomError.TOO_MANY_ROOMS,
                N_("You are in too many rooms at once (at most {max_rooms})."),
                max_rooms=self.max_rooms,
            )
        entry = await self.check(sock.person, room_id)
        verdict = await self.content.check(FilterRequest(Action.JOIN, sock.person, entry.room.ref))
        if verdict.decision is Decision.REJECT:
            raise room_error(RoomError.REJECTED, N_("You cannot join this room now."), reason=verdict.reason)
        sock.joined[room_id] = entry
        await self.sio.enter_room(sock.sid, chat_room(room_id))
        if entry.moderates:
            await self.sio.enter_room(sock.sid, moderators_room(room_id))
        if not sock.present:
            await self._set_presence(sock, PresenceState.ONLINE)
        log.info("room_joined", room_id=room_id, user_id=sock.person.id, role=entry.role.value)
        return entry

    async def leave(self, sock: ChatSocket, room_id: RoomId) -> bool:
        if sock.joined.pop(room_id, None) is None:
            return False
        sock.typing_at.pop(room_id, None)
        await self.sio.leave_room(sock.sid, chat_room(room_id))
        await self.sio.leave_room(sock.sid, moderators_room(room_id))
        return True

    async def _remove(self, sock: ChatSocket, room_id: RoomId, err: DomainError) -> None:
        """Take a socket out of a room it may no longer be in, and tell it why."""
        if not await self.leave(sock, room_id):
            return
        reason = _LEAVE_REASONS.get(RoomError(err.code), LeaveReason.REMOVED)
        await self.sio.emit(
            "room_left",
            {"room": room_id, "reason": reason.value, "error": err.payload(sock.translate)["error"]},
            to=sock.sid,
        )
        log.info("room_access_lost", room_id=room_id, user_id=sock.person.id, reason=reason.value)

    async def recheck_user(self, user_id: int, reason: str) -> None:
        """Re-check every room this process's sockets of the user joined (a step change, a removal, a ban)."""
        for sid in list(self._by_user.get(user_id, ())):
            sock = self._sockets.get(sid)
            if sock is None:
                continue
            for room_id in list(sock.joined):
                try:
                    sock.joined[room_id] = await self.check(sock.person, room_id)
                except DomainError as err:
                    await self._remove(sock, room_id, err)
        log.info("room_access_rechecked", user_id=user_id, reason=reason)

    async def step_changed(self, user_id: UserId, old: int, new: int) -> None:
        """care's listener: a step down must take the patient out of rooms above their step, everywhere."""
        if new < old:
            await self.bus.access_changed(user_id, LeaveReason.STEP_CHANGED.value)

    # --- presence ---
    async def set_presence(self, sock: ChatSocket, state: PresenceState) -> PresenceState:
        return await self._set_presence(sock, state)

    async def _set_presence(self, sock: ChatSocket, state: PresenceState) -> PresenceState:
        sock.present = state is not PresenceState.OFFLINE
        before, after = await self.presence.set(sock.person.id, sock.sid, state)
        if before is not after:
            payload: dict[str, Any] = {"user": sock.person.id, "state": after.value}
            for room_id in self._rooms_of_user(sock.person.id) | set(sock.joined):
                await self.sio.emit("presence", {**payload, "room": room_id}, room=chat_room(room_id))
        return after

    def _rooms_of_user(self, user_id: int) -> set[RoomId]:
        rooms: set[RoomId] = set()
        for sid in self._by_user.get(user_id, ()):
            sock = self._sockets.get(sid)
            if sock is not None:
                rooms.update(sock.joined)
        return rooms
