"""Tells every process that someone's access to rooms changed, so their live sockets leave at once.

A step change or a removal happens on one process, while the person's sockets may sit on others. With
Redis, the notice goes out on a pub/sub channel of the deployment's prefix; every process (this one too)
re-checks that user's joined rooms. Pub/sub can drop a notice while Redis is down, so sockets also
re-check their rooms' access on their next event after ``recheck_seconds`` (see `rooms.chat`).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import uuid
from collections.abc import Awaitable, Callable

import structlog
from redis.asyncio import Redis

from rooms.pubsub import listen_forever

log = structlog.get_logger(__name__)

AccessListener = Callable[[int, str], Awaitable[None]]


class AccessBus:
    def __init__(self, redis: Redis | None, prefix: str) -> None:
        self._redis = redis
        self.channel = f"{prefix}:rooms:access"
        self._listeners: list[AccessListener] = []
        self._task: asyncio.Task[None] | None = None
        self._origin = uuid.uuid4().hex  # this process: it handled its own notices already

    def add_listener(self, listener: AccessListener) -> None:
        """Chat membership listens, and so do live sessions: both must drop someone who lost access."""
        self._listeners.append(listener)

    def start(self) -> None:
        if self._redis is not None:
            self._task = asyncio.get_running_loop().create_task(listen_forever(self._redis, self.channel, self._handle))

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task

    async def access_changed(self, user_id: int, reason: str) -> None:
        """Announce a change; handled here directly, and by the other processes through Redis."""
        await self._notify(user_id, reason)
        if self._redis is not None:
            try:
                notice = {"user": user_id, "reason": reason, "origin": self._origin}
                await self._redis.publish(self.channel, json.dumps(notice))
            except Exception as exc:  # the local sockets are handled; others re-check on their next event
                log.warning("access_bus_publish_failed", user_id=user_id, error=type(exc).__name__)

    async def _handle(self, data: bytes | str) -> None:
        if not self._listeners:
            return
        try:
            notice = json.loads(data)
            if notice.get("origin") == self._origin:
                return
            await self._notify(int(notice["user"]), str(notice["reason"]))
        except Exception:
            log.exception("access_bus_notice_failed")

    async def _notify(self, user_id: int, reason: str) -> None:
        for listener in self._listeners:
            try:
                await listener(user_id, reason)
            except Exception:  # one listener's failure must not keep the others from dropping access
                log.exception("access_listener_failed", user_id=user_id)
