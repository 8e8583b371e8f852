"""Active mutes, slow modes and who is banned, held in memory by every process.

Every send asks "is this person muted here?" and "is this room slowed?", and every room access re-check
asks "is this person banned?"; a round trip to Postgres for each would cost more CPU than the whole
content pipeline. Bans are only known as "this person may have a ban": the exact answer (which room,
until when) is still read from the table, for those few people. The tables stay the truth: each process loads
the active rows at start, applies its own changes at once, hears the other processes' changes on a Redis
channel, and reloads the whole (small) sets every ``refresh_seconds`` in case a notice was lost while
Redis was down.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import time
import uuid
from collections.abc import Awaitable, Callable

import structlog
from redis.asyncio import Redis

from moderation.store import ModerationStore
from rooms.pubsub import listen_forever

log = structlog.get_logger(__name__)


class Restrictions:
    def __init__(self, store: ModerationStore, redis: Redis | None, prefix: str, refresh_seconds: float = 30.0) -> None:
        self._store = store
        self._redis = redis
        self.channel = f"{prefix}:moderation:restrictions"
        self._refresh = refresh_seconds
        self._until: dict[tuple[int, int], float] = {}  # (room, user) -> epoch seconds
        self._slow: dict[int, int] = {}  # room -> seconds
        self._banned: set[int] = set()  # people with a ban or removal that may be in force
        self.on_ban: Callable[[int], Awaitable[None]] | None = None  # re-check that person's sockets here
        self._origin = uuid.uuid4().hex
        self._tasks: list[asyncio.Task[None]] = []

    async def start(self) -> None:
        await self.reload()
        loop = asyncio.get_running_loop()
        self._tasks.append(loop.create_task(self._reload_forever()))
        if self._redis is not None:
            self._tasks.append(
                loop.create_task(listen_forever(self._redis, self.channel, self._handle, on_subscribed=self.reload))
            )

    async def close(self) -> None:
        for task in self._tasks:
            task.cancel()
        for task in self._tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task
        self._tasks.clear()

    def muted_for(self, room_id: int, user_id: int) -> float | None:
        until = self._until.get((room_id, user_id))
        if until is None:
            return None
        remaining = until - time.time()
        if remaining <= 0:
            self._until.pop((room_id, user_id), None)
            return None
        return remaining

    def slow_mode_seconds(self, room_id: int) -> int:
        return self._slow.get(room_id, 0)

    def may_be_banned(self, user_id: int) -> bool:
        return user_id in self._banned

    async def ban_changed(self, user_id: int) -> None:
        """Someone was banned or removed here: known at once here, then announced before rooms re-checks.

        Rooms' own access notice and this one travel on different channels, so another process may
        re-check the person before it hears of the ban; hearing of it, it re-checks them again.
        """
        self._banned.add(user_id)
        await self._publish({"kind": "ban", "user": user_id})

    async def mute_changed(self, room_id: int, user_id: int, until: float | None) -> None:
        """This process muted or unmuted someone: apply it here, then tell the others."""
        self._apply(room_id, user_id, until)
        await self._publish({"kind": "mute", "room": room_id, "user": user_id, "until": until})

    async def slow_mode_changed(self, room_id: int, seconds: int) -> None:
        self._apply_slow(room_id, seconds)
        await self._publish({"kind": "slow", "room": room_id, "seconds": seconds})

    async def _publish(self, notice: dict[str, object]) -> None:
        if self._redis is None:
            return
        try:
            await self._redis.publish(self.channel, json.dumps({**notice, "origin": self._origin}))
        except Exception as exc:  # the others catch up at their next reload
            log.warning("restriction_publish_failed", room_id=notice.get("room"), error=type(exc).__name__)

    def _apply_slow(self, room_id: int, seconds: int) -> None:
        if seconds > 0:
            self._slow[room_id] = seconds
        else:
            self._slow.pop(room_id, None)

    def _apply(self, room_id: int, user_id: int, until: float | None) -> None:
        if until is None or until <= time.time():
            self._until.pop((room_id, user_id), None)
        else:
            self._until[(room_id, user_id)] = until

    async def reload(self) -> None:
        rows = await self._store.active_mutes()
        self._until = {(r["room_id"], r["user_id"]): r["until"].timestamp() for r in rows}
        self._slow = {r["room_id"]: r["seconds"] for r in await self._store.slow_rooms()}
        self._banned = set(await self._store.banned_users())

    async def _reload_forever(self) -> None:
        while True:
            await asyncio.sleep(self._refresh)
            try:
                await self.reload()
            except Exception as exc:
                log.warning("restrictions_reload_failed", error=type(exc).__name__)

    async def _handle(self, data: bytes | str) -> None:
        try:
            notice = json.loads(data)
            if notice.get("origin") == self._origin:
                return
            if notice.get("kind") == "ban":
                user_id = int(notice["user"])
                self._banned.add(user_id)
                if self.on_ban is not None:
                    await self.on_ban(user_id)
            elif notice.get("kind") == "slow":
                self._apply_slow(int(notice["room"]), int(notice["seconds"]))
            else:
                until = notice.get("until")
                self._apply(int(notice["room"]), int(notice["user"]), float(until) if until is not None else None)
        except (ValueError, KeyError, TypeError):
            log.warning("restriction_notice_invalid")
