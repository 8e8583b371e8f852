"""Live video sessions wired together: the SFU worker, the rooms' live-session service, signaling, and the
"/live" Socket.IO namespace behind the same authentication guard as every other event."""

from __future__ import annotations

import urllib.parse
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import asyncpg
import structlog

from media import IceServer, MediaConfig, MediaWorker
from rooms.live import LiveSessions, RoomAccess
from rooms.live_model import LeaveReason
from rooms.live_store import LiveStore
from server.config import Config, ConfigError
from signaling.handlers import LiveHandlers
from signaling.peers import LiveSignaling
from signaling.protocol import NAMESPACE, ice_servers_for_clients

if TYPE_CHECKING:
    from server.services import Services

log = structlog.get_logger(__name__)


@dataclass(slots=True)
class LiveVideo:
    worker: MediaWorker
    sessions: LiveSessions
    signaling: LiveSignaling
    handlers: LiveHandlers

    async def shutdown(self) -> None:
        """Before the sockets close: end every attendance as ``server_shutdown`` and close the media."""
        await self.sessions.close_all(LeaveReason.SERVER_SHUTDOWN)

    async def close(self) -> None:
        """Last: every router, peer connection and task is gone."""
        await self.sessions.close_all(LeaveReason.SERVER_SHUTDOWN)
        await self.signaling.close()


def media_config(config: Config) -> MediaConfig:
    """The server's own peer connections use the STUN servers (to learn their public address behind NAT);
    TURN servers are for clients only."""
    stun = tuple(IceServer(urls=(url,)) for url in config.ice_servers if url.startswith(("stun:", "stuns:")))
    ports = config.media_udp_port_range
    if ports and (len(ports) != 2 or not 0 < ports[0] <= ports[1] < 65536):
        raise ConfigError(f"ONCOMMUN_MEDIA_UDP_PORT_RANGE={','.join(map(str, ports))} is not 'first,last'")
    return MediaConfig(
        ice_servers=stun,
        bind_addresses=config.media_bind_addresses,
        udp_port_range=(ports[0], ports[1]) if ports else None,
        consent_interval_s=config.media_ice_consent_interval_seconds,
        consent_failures=config.media_ice_consent_failures,
        max_routers=config.media_max_sessions,
        max_transports=config.media_max_participants,
        max_transports_per_router=config.media_max_participants_per_session,
    )


def public_url(config: Config) -> str | None:
    url = config.public_url
    if url is None:
        return None
    parsed = urllib.parse.urlsplit(url)
    if parsed.scheme not in ("http", "https") or not parsed.netloc or parsed.query or parsed.fragment:
        raise ConfigError(f"ONCOMMUN_PUBLIC_URL={url} is not an http(s) base URL such as https://video-2.example")
    return url.rstrip("/")


def build_live_video(config: Config, pool: asyncpg.Pool, sio: Any, room_access: RoomAccess | None) -> LiveVideo:
    """``room_access`` is the chat's check of a room (care step, bans), asked again at every join."""
    worker = MediaWorker(media_config(config))
    sessions = LiveSessions(LiveStore(pool), room_access, public_url=public_url(config))
    signaling = LiveSignaling(worker, sessions, sio, ice_servers_for_clients(config.ice_servers))
    return LiveVideo(worker, sessions, signaling, LiveHandlers(signaling))


def register_live_events(services: Services) -> None:
    sio = services.sio
    connections = services.live_connections
    video = services.live_video

    async def connect(sid: str, environ: dict[str, Any], auth: Any = None) -> None:
        await connections.connect(sid, NAMESPACE, auth)

    async def disconnect(sid: str, *_: Any) -> None:
        try:
            await video.handlers.socket_closed(sid)
        except Exception:
            log.exception("live_disconnect_cleanup_failed", sid=sid)
        await connections.disconnect(sid)

    sio.on("connect", connect, namespace=NAMESPACE)
    sio.on("disconnect", disconnect, namespace=NAMESPACE)
    for event, handler in video.handlers.events().items():
        sio.on(event, connections.guarded(event, handler), namespace=NAMESPACE)
