"""A chat client for the tests, written the way docs/protocol.md tells clients to be written.

It keeps a cursor per room (the highest change_seq up to which it has everything), applies events in seq
order, holds back an event that arrives after a gap, and repairs the gap with `history {after: cursor}`
(the server's history-after). So it shows every committed message exactly once, in seq order, even when
Redis pub/sub drops a broadcast.
"""

from __future__ import annotations

import asyncio
import uuid
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

import socketio

GAP_GRACE_SECONDS = 0.2


@dataclass
class RoomView:
    cursor: int = 0
    buffer: dict[int, dict[str, Any]] = field(default_factory=dict)
    messages: dict[int, dict[str, Any]] = field(default_factory=dict)  # id -> latest state
    delivered: list[int] = field(default_factory=list)  # ids in the order first shown
    repairs: int = 0
    repairing: asyncio.Task[None] | None = None


class ChatClient:
    def __init__(self, url: str, token: str) -> None:
        self.url = url
        self.token = token
        self.sio = socketio.AsyncClient(reconnection=False)
        self.rooms: dict[int, RoomView] = defaultdict(RoomView)
        self.events: dict[str, list[Any]] = defaultdict(list)
        for event in ("message", "message_changed"):
            self.sio.on(event, self._on_message)
        for event in ("typing", "read", "presence", "room_left", "disconnect_reason"):
            self.sio.on(event, self._recorder(event))

    def _recorder(self, event: str) -> Any:
        async def record(data: Any) -> None:
            self.events[event].append(data)

        return record

    async def connect(self) -> ChatClient:
        await self.sio.connect(self.url, auth={"token": self.token}, transports=["websocket"], wait_timeout=5)
        return self

    async def close(self) -> None:
        if self.sio.connected:
            await self.sio.disconnect()

    async def call(self, event: str, data: Any = None) -> Any:
        return await self.sio.call(event, data, timeout=10)

    async def join(self, room: int) -> Any:
        ack = await self.call("join", {"room": room})
        if "error" not in ack:
            view = self.rooms[room]
            view.cursor = max(view.cursor, ack["room"]["last_seq"])
        return ack

    async def send(self, room: int, text: str, client_id: str | None = None, **extra: Any) -> Any:
        return await self.call(
            "send", {"room": room, "text": text, "client_id": client_id or uuid.uuid4().hex, **extra}
        )

    async def catch_up(self) -> Any:
        ack = await self.call("catch_up", {"rooms": {str(r): v.cursor for r, v in self.rooms.items()}})
        for room, result in ack["rooms"].items():
            if "error" not in result:
                self._apply_page(int(room), result["messages"], result["upto"])
        return ack

    # --- the gap algorithm ---
    async def _on_message(self, payload: dict[str, Any]) -> None:
        view = self.rooms[payload["room"]]
        position = payload["change_seq"]
        if position <= view.cursor:
            return  # already have it (a duplicate, or covered by a repair)
        view.buffer[position] = payload
        self._drain(view)
        if view.buffer and view.repairing is None:
            view.repairing = asyncio.get_running_loop().create_task(self._repair(payload["room"]))

    def _drain(self, view: RoomView) -> None:
        while view.cursor + 1 in view.buffer:
            view.cursor += 1
            self._apply(view, view.buffer.pop(view.cursor))
        for position in [p for p in view.buffer if p <= view.cursor]:
            del view.buffer[position]

    async def _repair(self, room: int) -> None:
        view = self.rooms[room]
        try:
            await asyncio.sleep(GAP_GRACE_SECONDS)  # an out-of-order event may still arrive
            while view.buffer:
                view.repairs += 1
                page = await self.call("history", {"room": room, "after": view.cursor, "limit": 100})
                if "error" in page:
                    return
                self._apply_page(room, page["messages"], page["upto"])
                if not page["more"]:
                    break
        finally:
            view.repairing = None

    def _apply_page(self, room: int, messages: list[dict[str, Any]], upto: int) -> None:
        view = self.rooms[room]
        for message in messages:
            if message["change_seq"] > view.cursor:
                self._apply(view, message)
        view.cursor = max(view.cursor, upto)
        self._drain(view)

    @staticmethod
    def _apply(view: RoomView, message: dict[str, Any]) -> None:
        known = view.messages.get(message["id"])
        if known is None:
            view.delivered.append(message["id"])
        if known is None or known["change_seq"] < message["change_seq"]:
            view.messages[message["id"]] = message

    # --- for assertions ---
    def texts(self, room: int) -> list[str | None]:
        """What the person sees: the room's messages in seq order, in their latest state."""
        view = self.rooms[room]
        return [m["text"] for m in sorted(view.messages.values(), key=lambda m: m["seq"])]

    def seqs(self, room: int) -> list[int]:
        """Seqs in the order the client first received each message."""
        view = self.rooms[room]
        return [view.messages[i]["seq"] for i in view.delivered]

    async def wait_until(self, predicate: Any, seconds: float = 10.0) -> None:
        deadline = asyncio.get_running_loop().time() + seconds
        while not predicate():
            if asyncio.get_running_loop().time() > deadline:
                raise AssertionError("timed out waiting")
            await asyncio.sleep(0.02)
