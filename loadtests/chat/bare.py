"""The floor: a bare python-socketio server that only joins rooms and broadcasts, nothing else.

Same server stack as Oncommun (aiohttp, uvloop, python-socketio AsyncServer), same events and payload
shapes as far as the load generator can tell, but no authentication, no database, no rules.
`python -m loadtests.chat.bare --port 8099`
"""

from __future__ import annotations

import argparse
import itertools
import time
from collections import defaultdict
from typing import Any

import socketio
import uvloop
from aiohttp import web


def make_app() -> web.Application:
    # The same Socket.IO settings as Oncommun's defaults (server/sio/server.py, server/config.py).
    sio = socketio.AsyncServer(
        async_mode="aiohttp",
        logger=False,
        engineio_logger=False,
        ping_interval=20,
        ping_timeout=20,
        max_http_buffer_size=1024 * 1024,
    )
    app = web.Application()
    sio.attach(app)
    seqs: defaultdict[int, int] = defaultdict(int)
    ids = itertools.count(1)

    async def join(sid: str, data: dict[str, Any]) -> dict[str, Any]:
        await sio.enter_room(sid, f"room:{data['room']}")
        return {"room": {"id": data["room"], "last_seq": seqs[data["room"]]}, "role": "member"}

    async def send(sid: str, data: dict[str, Any]) -> dict[str, Any]:
        room = data["room"]
        seqs[room] += 1
        message = {
            "id": next(ids),
            "room": room,
            "seq": seqs[room],
            "change_seq": seqs[room],
            "client_id": data["client_id"],
            "text": data["text"],
            "ts": time.time(),
        }
        await sio.emit("message", message, room=f"room:{room}")
        return {"id": message["id"], "seq": message["seq"], "ts": message["ts"]}

    async def ping(request: web.Request) -> web.Response:
        return web.Response(text="ok")

    sio.on("join", join)
    sio.on("send", send)
    app.router.add_get("/readyz", ping)
    return app


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, required=True)
    args = parser.parse_args()
    web.run_app(make_app(), host="127.0.0.1", port=args.port, access_log=None, print=None, loop=uvloop.new_event_loop())


if __name__ == "__main__":
    main()
