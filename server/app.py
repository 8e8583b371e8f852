"""`create_app(config)`: the one place every service is built and wired together.

Resources open and close with the application through aiohttp cleanup contexts, in order: the database
(embedded or external), Redis, then the services that use them. There is no module-level state: two apps
in one process (as the tests run them) share nothing.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import asyncpg
import structlog
from aiohttp import web
from redis.asyncio import Redis

from care.service import CareService
from rooms.filters import AllowEverything, ContentFilter
from rooms.service import RoomsService
from server import care_wiring
from server.accounts import AccountService
from server.config import Config
from server.database import create_pool, migrate
from server.embedded import start_embedded_postgres
from server.http import accounts as account_routes
from server.http import care as care_routes
from server.http import live as live_routes
from server.http import moderation as moderation_routes
from server.http import operations as operation_routes
from server.http import rooms as room_routes
from server.http.middleware import error_middleware
from server.i18n import Catalogs
from server.passwords import Passwords
from server.runtime import tune_garbage_collector
from server.services import SERVICES, Services
from server.sio.connections import DisconnectReason, LiveConnections, user_room
from server.sio.events import register_socket_events
from server.sio.live import build_live_video
from server.sio.moderation import build_moderation
from server.sio.server import create_socketio
from server.store import AccountStore

log = structlog.get_logger(__name__)

STATIC_DIR = Path(__file__).parent / "static"


def create_app(config: Config) -> web.Application:
    app = web.Application(client_max_size=config.max_body_bytes, middlewares=[error_middleware])
    sio = create_socketio(config)
    sio.attach(app)

    async def services_context(app: web.Application) -> AsyncIterator[None]:
        services = await _open_services(config, sio)
        app[SERVICES] = services
        register_socket_events(services)
        care_background = care_wiring.start_background(services)
        # Losing access to a room (step down, removal, ban) also takes the person out of its live session.
        services.rooms.bus.add_listener(services.live_video.handlers.access_changed)
        await services.rooms.start()
        await services.live_connections.start()
        if services.moderation is not None:
            await services.moderation.start()
        tune_garbage_collector(config.gc_thresholds)
        log.info("oncommun_started", redis=bool(config.redis_url))
        try:
            yield
        finally:
            await care_wiring.stop_background(care_background)
            await services.live_connections.stop()
            await services.rooms.stop()
            await _close_services(services)

    app.cleanup_ctx.append(services_context)
    app.on_shutdown.append(_close_sockets)
    app.router.add_routes(operation_routes.routes)
    app.router.add_routes(account_routes.routes)
    app.router.add_routes(care_routes.routes)
    app.router.add_routes(room_routes.routes)
    app.router.add_routes(live_routes.routes)
    app.router.add_routes(moderation_routes.routes)
    if STATIC_DIR.is_dir():
        app.router.add_get("/", _index)
        app.router.add_static("/static/", STATIC_DIR)
    return app


async def _open_services(config: Config, sio: object) -> Services:
    dsn = config.database_url or start_embedded_postgres(config.embedded_pg_dir)
    pool = await create_pool(dsn, min_size=config.db_pool_min, max_size=config.db_pool_max)
    if config.migrate_on_start:
        async with pool.acquire() as connection:
            await migrate(connection)
    redis = Redis.from_url(config.redis_url) if config.redis_url else None
    i18n = Catalogs()
    account_store = AccountStore(pool)
    accounts = AccountService(
        account_store,
        Passwords(
            time_cost=config.argon2_time_cost,
            memory_kib=config.argon2_memory_kib,
            parallelism=config.argon2_parallelism,
        ),
        config,
    )
    live_connections = LiveConnections(
        sio, accounts, i18n, config.session_check_seconds, redis=redis, redis_prefix=config.redis_prefix
    )
    care = care_wiring.build_care_service(config, pool, sio)
    return Services(
        config=config,
        pool=pool,
        redis=redis,
        i18n=i18n,
        sio=sio,
        account_store=account_store,
        accounts=accounts,
        live_connections=live_connections,
        care=care,
        rooms=(rooms := _rooms_service(config, pool, sio, redis, care)),
        live_video=build_live_video(config, pool, sio, rooms.membership.check),
        moderation=build_moderation(config, pool, sio, redis, rooms, care),
    )


def _rooms_service(
    config: Config, pool: asyncpg.Pool, sio: Any, redis: Redis | None, care: CareService
) -> RoomsService:
    """Chat rooms ask care for step access. They start with AllowEverything and no bans or mutes;
    with ONCOMMUN_MODERATION=on, `build_moderation` plugs moderation's pipeline and policy in."""
    content: ContentFilter = AllowEverything()
    return RoomsService(
        pool,
        sio,
        redis,
        steps=care,
        content=content,
        user_room=user_room,
        redis_prefix=config.redis_prefix,
        max_text_chars=config.chat_max_text_chars,
        edit_window_seconds=config.chat_edit_window_seconds,
        typing_interval_seconds=config.chat_typing_interval_seconds,
        rate_per_second=config.chat_rate_per_second,
        rate_burst=config.chat_rate_burst,
        max_rooms_per_connection=config.chat_max_rooms_per_connection,
        recheck_seconds=config.chat_access_recheck_seconds,
    )


async def _close_services(services: Services) -> None:
    # The pool closes last and waits for in-flight queries, so pending writes finish before exit.
    await services.live_video.close()
    if services.moderation is not None:
        await services.moderation.close()
    if services.redis is not None:
        await services.redis.aclose()
    await services.pool.close()
    log.info("oncommun_stopped")


async def _close_sockets(app: web.Application) -> None:
    """On SIGTERM: tell every client why, then close its socket, before the database goes away."""
    services = app.get(SERVICES)
    if services is not None:
        await services.live_video.shutdown()  # attendance ends as server_shutdown, not as a dropped socket
        await services.live_connections.close_all(DisconnectReason.SERVER_SHUTDOWN)


async def _index(request: web.Request) -> web.FileResponse:
    return web.FileResponse(STATIC_DIR / "index.html")
