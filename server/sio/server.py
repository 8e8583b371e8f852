"""The Socket.IO server and its client manager: in-process alone, or Redis pub/sub across processes."""

from __future__ import annotations

from collections.abc import Callable
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


def same_origin_or(extra: tuple[str, ...]) -> Callable[[str, dict[str, Any]], bool]:
    """python-socketio's origin check with ``extra`` origins allowed *besides* the page's own.

    Given a list, python-socketio allows only that list: the app's own origin would be refused as soon
    as one other origin (another process of the deployment, ONCOMMUN_PUBLIC_URL) was configured.
    """
    listed = frozenset(origin.rstrip("/") for origin in extra)

    def allowed(origin: str, environ: dict[str, Any]) -> bool:
        if origin in listed:
            return True
        scheme, host = environ.get("wsgi.url_scheme"), environ.get("HTTP_HOST")
        if not (scheme and host):
            return False
        # The same origins python-socketio accepts by default, a reverse proxy's forwarded one included.
        forwarded_scheme = environ.get("HTTP_X_FORWARDED_PROTO", scheme).split(",")[0].strip()
        forwarded_host = environ.get("HTTP_X_FORWARDED_HOST", host).split(",")[0].strip()
        return origin in (f"{scheme}://{host}", f"{forwarded_scheme}://{forwarded_host}")

    return allowed


def create_socketio(config: Config) -> socketio.AsyncServer:
    manager: socketio.AsyncManager | None = None
    if config.redis_url:
        manager = socketio.AsyncRedisManager(config.redis_url, channel=config.socketio_channel, json=MsgpackCodec)
    return socketio.AsyncServer(
        async_mode="aiohttp",
        client_manager=manager,
        cors_allowed_origins=same_origin_or(config.cors_origins) if config.cors_origins else None,
        max_http_buffer_size=config.max_body_bytes,
        ping_interval=config.socket_ping_interval_seconds,
        ping_timeout=config.socket_ping_timeout_seconds,
        logger=False,
        engineio_logger=False,
    )
