"""The Socket.IO server and its client manager: in-process alone, or Redis pub/sub across processes."""

from __future__ import annotations

from typing import Any

import msgpack
import socketio

from server.config import Config


class MsgpackCodec:
    """Encodes python-socketio's pub/sub messages with msgpack instead of JSON: smaller, binary-safe."""

    @staticmethod
    def dumps(data: Any) -> bytes:
        return msgpack.packb(data, use_bin_type=True)  # type: ignore[no-any-return]

    @staticmethod
    def loads(data: bytes) -> Any:
        return msgpack.unpackb(data, raw=False)


def create_socketio(config: Config) -> socketio.AsyncServer:
    manager: socketio.AsyncManager | None = None
    if config.redis_url:
        manager = socketio.AsyncRedisManager(config.redis_url, channel=config.socketio_channel, json=MsgpackCodec)
    return socketio.AsyncServer(
        async_mode="aiohttp",
        client_manager=manager,
        cors_allowed_origins=list(config.cors_origins) or None,
        max_http_buffer_size=config.max_body_bytes,
        ping_interval=config.socket_ping_interval_seconds,
        ping_timeout=config.socket_ping_timeout_seconds,
        logger=False,
        engineio_logger=False,
    )
