"""Moderation's effects on connected clients, on every process, and the pieces rooms plug in.

Every emit goes through the Socket.IO server, whose Redis manager carries it to the sockets on other
processes: a hidden message disappears everywhere, a moderator's queue fills live wherever they are
connected. This module also holds the adapters rooms and the pipeline call: the bans-and-mutes policy
(`rooms.access.MembershipPolicy`), the queue the pipeline fills, and the notifier that hands a person in
crisis their supportive reply.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import socketio

from care.people import Person
from moderation.crisis_response import SupportiveReply
from moderation.restrictions import Restrictions
from moderation.store import ModerationStore, Row
from rooms.filters import FilterRequest, MessageId, RoomRef, Verdict
from rooms.membership import chat_room, moderators_room
from rooms.model import Message, Room

RoomName = Callable[[int], str]


def queue_item_json(row: Row, message: Message | None = None) -> dict[str, Any]:
    return {
        "id": row["id"],
        "room": row["room_id"],
        "message": message.public() | {"text": message.text} if message is not None else None,
        "message_id": row["message_id"],
        "author": row["author_id"],
        "kind": row["kind"],
        "reason": row["reason"],
        "hook": row["hook"],
        "reporter": row["reporter_id"],
        "note": row["note"],
        "status": row["status"],
        "resolution": row["resolution"],
        "resolved_by": row["resolved_by"],
        "created_at": row["created_at"].isoformat(),
    }


class Emitter:
    def __init__(self, sio: socketio.AsyncServer, user_room: RoomName, staff_room: RoomName) -> None:
        self.sio = sio
        self.user_room = user_room
        self.staff_room = staff_room

    async def message_changed(self, message: Message) -> None:
        """The same event and rules as rooms: private changes (held, rejected) reach only the author and
        the moderators."""
        payload = message.public()
        if message.visibility.private:
            await self.sio.emit("message_changed", payload, room=moderators_room(message.room_id))
            await self.sio.emit("message_changed", payload, room=self.user_room(message.author_id))
        else:
            await self.sio.emit("message_changed", payload, room=chat_room(message.room_id))

    async def queue(self, event: str, site_id: int, room_id: int, item: dict[str, Any]) -> None:
        await self.sio.emit(event, item, room=moderators_room(room_id))
        await self.sio.emit(event, item, room=self.staff_room(site_id))

    async def to_room(self, event: str, room_id: int, payload: dict[str, Any]) -> None:
        await self.sio.emit(event, payload, room=chat_room(room_id))

    async def to_user(self, event: str, user_id: int, payload: dict[str, Any]) -> None:
        await self.sio.emit(event, payload, room=self.user_room(user_id))


class SocketNotifier:
    """`AuthorNotifier`: the supportive reply goes to every socket of the author, and to nobody else."""

    def __init__(self, emitter: Emitter) -> None:
        self._emitter = emitter

    async def send_crisis_reply(
        self, person: Person, room: RoomRef, message_id: MessageId, reply: SupportiveReply
    ) -> None:
        await self._emitter.to_user(
            "crisis_reply", person.id, {"room": room.id, "message": message_id, **reply.to_json()}
        )


class StorePolicy:
    """`rooms.access.MembershipPolicy` from memory (`moderation.restrictions`): mutes at every send, bans at
    every join and re-check (the table is read only for people who may have one)."""

    def __init__(self, store: ModerationStore, restrictions: Restrictions) -> None:
        self._store = store
        self._restrictions = restrictions

    async def banned(self, person: Person, room: Room) -> bool:
        if not self._restrictions.may_be_banned(person.id):
            return False
        return bool(await self._store.active_bans(person.id, room.site_id, room.id))

    async def muted_for(self, person: Person, room: Room) -> float | None:
        remaining = self._restrictions.muted_for(room.id, person.id)
        return max(1.0, remaining) if remaining is not None else None


class StoreQueue:
    """`pipeline.ModerationQueue`: held and flagged messages enter the queue and reach moderators live."""

    def __init__(self, store: ModerationStore, emitter: Emitter, message: Callable[[int], Any]) -> None:
        self._store = store
        self._emitter = emitter
        self._message = message

    async def enqueue_automatic(self, request: FilterRequest, verdict: Verdict, message_id: MessageId) -> None:
        kind = "held" if verdict.decision == "hold" else "flagged"
        row = await self._store.enqueue(
            site_id=request.room.site_id, room_id=request.room.id, message_id=message_id,
            author_id=request.person.id, kind=kind, reason=verdict.reason or "", hook=verdict.hook,
        )  # fmt: skip
        if row is not None:
            item = queue_item_json(row, await self._message(message_id))
            await self._emitter.queue("mod_queue_item", request.room.site_id, request.room.id, item)


class SlowModeClock:
    """When each person last spoke in each slow room, in this process (see docs: per-process precision)."""

    def __init__(self) -> None:
        self._last: dict[tuple[int, int], float] = {}

    def wait(self, room_id: int, user_id: int, seconds: int) -> float:
        """Seconds still to wait; 0 records now as the person's last message."""
        now = time.monotonic()
        last = self._last.get((room_id, user_id))
        if last is not None and now - last < seconds:
            return seconds - (now - last)
        self._last[(room_id, user_id)] = now
        if len(self._last) > 100_000:
            self._last.clear()
        return 0.0
