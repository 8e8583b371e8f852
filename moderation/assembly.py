"""Builds moderation for one process. The server calls `assemble` from `create_app` and plugs the
pipeline and the policy into rooms; nothing else here is wired by hand.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import asyncpg
import socketio
from redis.asyncio import Redis

from moderation.crisis_response import CrisisAlerts, CrisisResponder
from moderation.desk import ModerationDesk
from moderation.live import Emitter, SlowModeClock, SocketNotifier, StorePolicy, StoreQueue
from moderation.pipeline import ModerationPipeline
from moderation.registry import HookRegistry
from moderation.restrictions import Restrictions
from moderation.service import ModerationService
from moderation.settings import StaticSettings
from moderation.site_settings import DatabaseSettings
from moderation.store import ModerationStore
from rooms.service import RoomsService


@dataclass(slots=True)
class Moderation:
    store: ModerationStore
    pipeline: ModerationPipeline
    policy: StorePolicy
    tools: ModerationService
    desk: ModerationDesk
    settings: DatabaseSettings
    responder: CrisisResponder
    emitter: Emitter
    restrictions: Restrictions

    async def start(self) -> None:
        await self.restrictions.start()

    async def close(self) -> None:
        await self.restrictions.close()
        await self.responder.aclose()


def assemble(
    pool: asyncpg.Pool,
    sio: socketio.AsyncServer,
    rooms: RoomsService,
    alerts: CrisisAlerts,
    *,
    user_room: Callable[[int], str],
    staff_room: Callable[[int], str],
    redis: Redis | None = None,
    redis_prefix: str = "oncommun",
    settings_file: str = "",
) -> Moderation:
    store = ModerationStore(pool)
    restrictions = Restrictions(store, redis, redis_prefix)

    async def recheck(user_id: int) -> None:
        await rooms.membership.recheck_user(user_id, "banned")

    restrictions.on_ban = recheck
    emitter = Emitter(sio, user_room, staff_room)
    fallback = StaticSettings.from_file(Path(settings_file)) if settings_file else StaticSettings()
    settings = DatabaseSettings(store, fallback)
    tools = ModerationService(store, rooms, store, emitter, alerts, restrictions)
    responder = CrisisResponder(store, alerts=alerts, notifier=SocketNotifier(emitter))
    pipeline = ModerationPipeline(
        settings,
        HookRegistry.discover(),
        store,
        queue=StoreQueue(store, emitter, rooms.store.message),
        services={"crisis_responder": responder, "slow_mode": tools, "slow_mode_clock": SlowModeClock()},
    )
    return Moderation(
        store=store, pipeline=pipeline, policy=StorePolicy(store, restrictions), tools=tools,
        desk=ModerationDesk(tools), settings=settings, responder=responder, emitter=emitter,
        restrictions=restrictions,
    )  # fmt: skip
