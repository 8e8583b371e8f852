"""Who is online, away or offline, seen the same from every process.

Each socket records its state under its user (a Redis hash of sid -> "state:expires"); a user is online
if any socket is online, away if all their sockets are away, offline if none is left. Entries carry an
expiry that live processes refresh, so a crashed process's sockets fade out instead of lingering. Without
Redis the same bookkeeping lives in memory.
"""

from __future__ import annotations

import time
from collections import defaultdict
from collections.abc import Iterable
from enum import StrEnum

import structlog
from redis.asyncio import Redis
from redis.exceptions import RedisError

log = structlog.get_logger(__name__)


class PresenceState(StrEnum):
    ONLINE = "online"
    AWAY = "away"
    OFFLINE = "offline"


def _aggregate(states: Iterable[PresenceState]) -> PresenceState:
    seen = set(states)
    if PresenceState.ONLINE in seen:
        return PresenceState.ONLINE
    if PresenceState.AWAY in seen:
        return PresenceState.AWAY
    return PresenceState.OFFLINE


def _parse(raw: dict[bytes, bytes], now: float) -> PresenceState:
    states: list[PresenceState] = []
    for value in raw.values():
        state, _, expires = value.decode().partition(":")
        if expires and float(expires) >= now:
            states.append(PresenceState(state))
    return _aggregate(states)


class Presence:
    def __init__(self, redis: Redis | None, prefix: str, ttl_seconds: float = 90.0) -> None:
        self._redis = redis
        self._prefix = prefix
        self.ttl = ttl_seconds
        self._local: dict[int, dict[str, PresenceState]] = defaultdict(dict)

    def _key(self, user_id: int) -> str:
        return f"{self._prefix}:rooms:presence:{user_id}"

    async def set(self, user_id: int, sid: str, state: PresenceState) -> tuple[PresenceState, PresenceState]:
        """Record one socket's state; (the user's state before, after)."""
        before = await self.state(user_id)
        if state is PresenceState.OFFLINE:
            self._local[user_id].pop(sid, None)
            if not self._local[user_id]:
                del self._local[user_id]
        else:
            self._local[user_id][sid] = state
        if self._redis is not None:
            try:
                if state is PresenceState.OFFLINE:
                    await self._redis.hdel(self._key(user_id), sid)
                else:
                    await self._write(user_id, {sid: state})
            except RedisError as exc:
                log.warning("presence_redis_unavailable", error=type(exc).__name__)
        return before, await self.state(user_id)

    async def _write(self, user_id: int, states: dict[str, PresenceState]) -> None:
        assert self._redis is not None
        expires = time.time() + self.ttl
        key = self._key(user_id)
        async with self._redis.pipeline(transaction=False) as pipe:
            pipe.hset(key, mapping={sid: f"{state.value}:{expires:.0f}" for sid, state in states.items()})
            pipe.expire(key, int(self.ttl) + 5)
            await pipe.execute()

    async def state(self, user_id: int) -> PresenceState:
        return (await self.states([user_id]))[user_id]

    async def states(self, user_ids: Iterable[int]) -> dict[int, PresenceState]:
        ids = list(dict.fromkeys(user_ids))
        if self._redis is not None and ids:
            try:
                async with self._redis.pipeline(transaction=False) as pipe:
                    for user_id in ids:
                        pipe.hgetall(self._key(user_id))
                    raws = await pipe.execute()
                now = time.time()
                return {user_id: _parse(raw, now) for user_id, raw in zip(ids, raws, strict=True)}
            except RedisError as exc:
                log.warning("presence_redis_unavailable", error=type(exc).__name__)
        return {user_id: _aggregate(self._local.get(user_id, {}).values()) for user_id in ids}

    async def refresh(self) -> None:
        """Extend this process's entries; run more often than the TTL."""
        if self._redis is None:
            return
        try:
            for user_id, states in list(self._local.items()):
                if states:
                    await self._write(user_id, dict(states))
        except RedisError as exc:
            log.warning("presence_redis_unavailable", error=type(exc).__name__)
