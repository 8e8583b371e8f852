"""Registers every Socket.IO event of every area on the server. Each area adds one line here."""

from __future__ import annotations

from typing import Any

from server.services import Services
from server.sio.chat import register_chat_events
from server.sio.connections import Ack, Connection
from server.sio.live import register_live_events
from server.sio.moderation import register_moderation_events


def register_socket_events(services: Services) -> None:
    sio = services.sio
    live = services.live_connections

    async def connect(sid: str, environ: dict[str, Any], auth: Any = None) -> None:
        await live.connect(sid, "/", auth)

    async def disconnect(sid: str, *_: Any) -> None:
        await live.disconnect(sid)

    async def ping_session(connection: Connection, data: Any) -> Ack:
        """Lets a client check that its session is still live (and the server reachable)."""
        return {"ok": True, "expires_at": connection.session.expires_at.isoformat()}

    sio.on("connect", connect)
    sio.on("disconnect", disconnect)
    sio.on("ping_session", live.guarded("ping_session", ping_session))
    moderation = services.moderation
    register_chat_events(services.rooms, live, moderation.tools.room_state if moderation else None)
    register_live_events(services)
    register_moderation_events(services)
