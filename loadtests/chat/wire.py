"""A lean Socket.IO client: the Engine.IO 4 / Socket.IO 5 text protocol over one aiohttp WebSocket.

python-socketio's AsyncClient costs too much CPU per connection to run 2,000 of them on a 2-core machine
next to the server under test; this speaks just what the benchmark needs: connect with auth, answer
pings, emit with an ack, receive events.
"""

from __future__ import annotations

import asyncio
import itertools
import json
from collections.abc import Callable
from typing import Any

import aiohttp

EventHandler = Callable[["Wire", str, Any], None]


class WireError(Exception):
    pass


class Wire:
    def __init__(self, http: aiohttp.ClientSession, url: str, token: str, on_event: EventHandler, index: int) -> None:
        self.http = http
        self.url = url.replace("http://", "ws://", 1) + "/socket.io/?EIO=4&transport=websocket"
        self.token = token
        self.on_event = on_event
        self.index = index
        self._ids = itertools.count(1)
        self._acks: dict[int, asyncio.Future[Any]] = {}
        self._ws: aiohttp.ClientWebSocketResponse | None = None
        self._reader: asyncio.Task[None] | None = None
        self._connected: asyncio.Future[None] | None = None
        self.dropped = False  # the server closed the connection (or it broke) before we did
        self._closing = False

    async def connect(self) -> None:
        self._ws = await self.http.ws_connect(self.url, autoping=False, max_msg_size=0, compress=0)
        opening = await self._ws.receive(timeout=10)
        if not isinstance(opening.data, str) or not opening.data.startswith("0"):
            raise WireError(f"unexpected opening: {opening.data!r}")
        self._connected = asyncio.get_running_loop().create_future()
        self._reader = asyncio.get_running_loop().create_task(self._read())
        await self._ws.send_str("40" + json.dumps({"token": self.token}))
        await asyncio.wait_for(self._connected, 15)

    async def close(self) -> None:
        self._closing = True
        if self._ws is not None:
            await self._ws.close()
        if self._reader is not None:
            self._reader.cancel()

    async def call(self, event: str, payload: Any, timeout: float = 10.0) -> Any:  # noqa: ASYNC109
        assert self._ws is not None
        ack_id = next(self._ids)
        future: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
        self._acks[ack_id] = future
        await self._ws.send_str(f"42{ack_id}" + json.dumps([event, payload], separators=(",", ":")))
        try:
            return await asyncio.wait_for(future, timeout)
        finally:
            self._acks.pop(ack_id, None)

    async def _read(self) -> None:
        assert self._ws is not None
        async for message in self._ws:
            data = message.data
            if not isinstance(data, str):
                continue
            if data == "2":
                await self._ws.send_str("3")
            elif data.startswith("42"):
                event, *args = json.loads(data[2:])
                self.on_event(self, event, args[0] if args else None)
            elif data.startswith("43"):
                split = data.index("[")
                future = self._acks.get(int(data[2:split]))
                if future is not None and not future.done():
                    args = json.loads(data[split:])
                    future.set_result(args[0] if args else None)
            elif data.startswith("40") and self._connected is not None and not self._connected.done():
                self._connected.set_result(None)
            elif data.startswith("44") and self._connected is not None and not self._connected.done():
                self._connected.set_exception(WireError(data))
            elif data.startswith("41"):
                break
        self.dropped = not self._closing
        for future in self._acks.values():
            if not future.done():
                future.set_exception(WireError("disconnected"))
