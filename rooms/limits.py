"""Per-user token buckets for what people do in rooms, shared by every process through Redis.

With Redis, one Lua script refills and takes a token atomically using Redis's own clock, so processes
with skewed clocks agree. Without Redis (one process), or while Redis is unreachable, buckets live in
memory: a Redis outage must not stop people from talking, and messages stay durable in Postgres anyway.
"""

from __future__ import annotations

import math
import time
from collections import OrderedDict

import structlog
from redis.asyncio import Redis
from redis.exceptions import RedisError

log = structlog.get_logger(__name__)

_TAKE = """
local rate = tonumber(ARGV[1])
local burst = tonumber(ARGV[2])
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local data = redis.call('HMGET', KEYS[1], 'tokens', 'ts')
local tokens = tonumber(data[1]) or burst
local ts = tonumber(data[2]) or now
tokens = math.min(burst, tokens + math.max(0, now - ts) * rate / 1000)
local wait_ms = 0
if tokens >= 1 then tokens = tokens - 1 else wait_ms = math.ceil((1 - tokens) * 1000 / rate) end
redis.call('HSET', KEYS[1], 'tokens', tostring(tokens), 'ts', now)
redis.call('PEXPIRE', KEYS[1], math.ceil(burst * 1000 / rate) + 1000)
return wait_ms
"""


class LocalBuckets:
    def __init__(self, rate: float, burst: int, max_keys: int = 100_000) -> None:
        self._rate = rate
        self._burst = float(burst)
        self._buckets: OrderedDict[str, tuple[float, float]] = OrderedDict()
        self._max_keys = max_keys

    def take(self, key: str) -> float:
        """Take one token; 0 when allowed, else the seconds until one is available."""
        now = time.monotonic()
        tokens, at = self._buckets.pop(key, (self._burst, now))
        tokens = min(self._burst, tokens + (now - at) * self._rate)
        wait = 0.0
        if tokens >= 1:
            tokens -= 1
        else:
            wait = (1 - tokens) / self._rate
        self._buckets[key] = (tokens, now)
        if len(self._buckets) > self._max_keys:
            self._buckets.popitem(last=False)
        return wait


class RateLimiter:
    def __init__(self, rate: float, burst: int, redis: Redis | None, prefix: str) -> None:
        self._rate = rate
        self._burst = burst
        self._redis = redis
        self._prefix = prefix
        self._local = LocalBuckets(rate, burst)
        self._script = redis.register_script(_TAKE) if redis is not None else None

    async def take(self, user_id: int) -> float:
        """0 when the user may act now, else how many seconds to wait (rounded up to 0.001)."""
        key = f"{self._prefix}:rooms:rate:{user_id}"
        if self._script is not None:
            try:
                wait_ms = await self._script(keys=[key], args=[self._rate, self._burst])
                return int(wait_ms) / 1000
            except RedisError as exc:
                log.warning("rate_limit_redis_unavailable", error=type(exc).__name__)
        return math.ceil(self._local.take(key) * 1000) / 1000
