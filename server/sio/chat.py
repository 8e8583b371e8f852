"""Socket.IO events of chat rooms on namespace "/": validate the payload, find the socket, call rooms.

Every event runs through `LiveConnections.guarded`, so a bad payload or a refusal is an error ack with a
stable code (docs/protocol.md) and the connection stays up.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from care.errors import N_
from rooms.membership import ChatSocket
from rooms.model import MessageId, RoomError, RoomId, room_error
from rooms.presence import PresenceState
from rooms.service import RoomsService
from server.sio.connections import Ack, Connection, LiveConnections

_MAX_CLIENT_ID = 64
_MAX_SEQ = 2**62


def _payload(data: Any) -> dict[str, Any]:
    if not isinstance(data, dict):
        raise room_error(RoomError.BAD_PAYLOAD, N_("The event needs an object as its payload."))
    return data


def _bad_field(name: str) -> Exception:
    return room_error(RoomError.BAD_PAYLOAD, N_("The field '{field}' is missing or invalid."), field=name)


def _int(data: dict[str, Any], name: str, *, required: bool = True, lo: int = 0) -> int | None:
    value = data.get(name)
    if value is None and not required:
        return None
    if not isinstance(value, int) or isinstance(value, bool) or not lo <= value <= _MAX_SEQ:
        raise _bad_field(name)
    return value


def _room(data: dict[str, Any]) -> RoomId:
    return RoomId(_int(data, "room", lo=1) or 0)


def _message(data: dict[str, Any]) -> MessageId:
    return MessageId(_int(data, "message", lo=1) or 0)


def _client_id(data: dict[str, Any]) -> str:
    value = data.get("client_id")
    if not isinstance(value, str) or not 1 <= len(value) <= _MAX_CLIENT_ID or not value.isprintable():
        raise _bad_field("client_id")
    return value


def _cursors(data: dict[str, Any], limit: int) -> dict[RoomId, int]:
    rooms = data.get("rooms")
    if not isinstance(rooms, dict) or len(rooms) > limit:
        raise _bad_field("rooms")
    cursors: dict[RoomId, int] = {}
    for key, seq in rooms.items():
        try:
            room_id = int(key)
        except (TypeError, ValueError):
            raise _bad_field("rooms") from None
        if room_id < 1 or not isinstance(seq, int) or isinstance(seq, bool) or not 0 <= seq <= _MAX_SEQ:
            raise _bad_field("rooms")
        cursors[RoomId(room_id)] = seq
    return cursors


RoomState = Callable[[int], Awaitable[dict[str, Any]]]
"""Extra state a joining member gets in the join answer (moderation's pins and slow mode)."""


async def _no_room_state(_room_id: int) -> dict[str, Any]:
    return {"pins": [], "slow_mode_seconds": 0}


def register_chat_events(rooms: RoomsService, live: LiveConnections, room_state: RoomState | None = None) -> None:
    sio = rooms.membership.sio
    membership = rooms.membership
    chat = rooms.chat
    state = room_state or _no_room_state

    def sock(connection: Connection) -> ChatSocket:
        return membership.socket(connection.sid, connection.person, live.translate(connection))

    async def join(connection: Connection, data: Any) -> Ack:
        entry = await membership.join(sock(connection), _room(_payload(data)))
        return {"room": entry.room.public(), "role": entry.role.value, **await state(entry.room.id)}

    async def leave(connection: Connection, data: Any) -> Ack:
        return {"ok": True, "left": await membership.leave(sock(connection), _room(_payload(data)))}

    async def send(connection: Connection, data: Any) -> Ack:
        body = _payload(data)
        reply_to = _int(body, "reply_to", required=False, lo=1)
        return await chat.send(
            sock(connection),
            _room(body),
            body.get("text"),
            _client_id(body),
            MessageId(reply_to) if reply_to else None,
        )

    async def edit(connection: Connection, data: Any) -> Ack:
        body = _payload(data)
        return await chat.edit(sock(connection), _message(body), body.get("text"))

    async def delete(connection: Connection, data: Any) -> Ack:
        return await chat.delete(sock(connection), _message(_payload(data)))

    async def react(connection: Connection, data: Any) -> Ack:
        body = _payload(data)
        on = body.get("on", True)
        if not isinstance(on, bool):
            raise _bad_field("on")
        return await chat.react(sock(connection), _message(body), body.get("emoji"), on)

    async def typing(connection: Connection, data: Any) -> Ack:
        return await chat.typing(sock(connection), _room(_payload(data)))

    async def read(connection: Connection, data: Any) -> Ack:
        body = _payload(data)
        return await chat.read(sock(connection), _room(body), _int(body, "seq") or 0)

    async def history(connection: Connection, data: Any) -> Ack:
        body = _payload(data)
        before = _int(body, "before", required=False)
        after = _int(body, "after", required=False)
        if before is not None and after is not None:
            raise _bad_field("before")
        limit = _int(body, "limit", required=False, lo=1) or 50
        return await chat.history(sock(connection), _room(body), before=before, after=after, limit=limit)

    async def catch_up(connection: Connection, data: Any) -> Ack:
        return await chat.catch_up(sock(connection), _cursors(_payload(data), membership.max_rooms))

    async def presence(connection: Connection, data: Any) -> Ack:
        state = _payload(data).get("state")
        if state not in (PresenceState.ONLINE.value, PresenceState.AWAY.value):
            raise _bad_field("state")
        return {"state": (await membership.set_presence(sock(connection), PresenceState(state))).value}

    async def members(connection: Connection, data: Any) -> Ack:
        return {"members": await rooms.members(connection.person, _room(_payload(data)))}

    async def disconnected(connection: Connection) -> None:
        await membership.disconnected(connection.sid)

    handlers = {
        "join": join,
        "leave": leave,
        "send": send,
        "edit": edit,
        "delete": delete,
        "react": react,
        "typing": typing,
        "read": read,
        "history": history,
        "catch_up": catch_up,
        "presence": presence,
        "members": members,
    }
    for event, handler in handlers.items():
        sio.on(event, live.guarded(event, handler))
    live.on_disconnect.append(disconnected)
