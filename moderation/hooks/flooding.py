"""Flooding and repeated text, per person per room.

State lives in this process's memory: with several processes behind a load balancer, each sees only
the messages that reached it, so a flooder spread over N processes gets up to N times the limit. The
rooms' own per-user rate limit (a token bucket shared through Redis) is the hard cap; this hook adds the
room-level shape (bursts, copy-paste loops). docs/moderation.md describes the Redis variant.
"""

from __future__ import annotations

import hashlib
import time
from collections import deque
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from care.people import UserId
from moderation.hook import TEXT_ACTIONS, HookContext, HookResult, Reason
from moderation.hooks._options import option
from moderation.textfold import clauses
from rooms.filters import Decision, FilterRequest, RoomId

Clock = Callable[[], float]


@dataclass
class _Trail:
    times: deque[float] = field(default_factory=deque)
    texts: deque[tuple[float, bytes]] = field(default_factory=deque)
    last_seen: float = 0.0


class FloodingHook:
    name = "flooding"
    actions = TEXT_ACTIONS
    inline = True

    def __init__(
        self,
        *,
        max_messages: int = 15,
        per_seconds: float = 10.0,
        max_repeats: int = 3,
        repeat_window_seconds: float = 60.0,
        max_tracked: int = 50_000,
        clock: Clock = time.monotonic,
    ) -> None:
        self._max_messages = max_messages
        self._per = per_seconds
        self._max_repeats = max_repeats
        self._repeat_window = repeat_window_seconds
        self._max_tracked = max_tracked
        self._clock = clock
        self._trails: dict[tuple[RoomId, UserId], _Trail] = {}

    async def check(self, request: FilterRequest) -> HookResult:
        now = self._clock()
        key = (request.room.id, request.person.id)
        trail = self._trails.get(key)
        if trail is None:
            if len(self._trails) >= self._max_tracked:
                self._forget_idle(now)
            trail = self._trails[key] = _Trail()
        trail.last_seen = now
        while trail.times and now - trail.times[0] > self._per:
            trail.times.popleft()
        while trail.texts and now - trail.texts[0][0] > self._repeat_window:
            trail.texts.popleft()
        digest = hashlib.blake2b("|".join(clauses(request.text or "")).encode(), digest_size=12).digest()
        repeats = sum(1 for _, d in trail.texts if d == digest)
        trail.times.append(now)
        trail.texts.append((now, digest))
        if len(trail.times) > self._max_messages:
            return HookResult(Decision.REJECT, Reason.FLOODING, {"limit": self._max_messages})
        if repeats >= self._max_repeats:
            return HookResult(Decision.REJECT, Reason.REPEATED_TEXT, {"repeats": repeats + 1})
        return HookResult.allow()

    def _forget_idle(self, now: float) -> None:
        horizon = max(self._per, self._repeat_window)
        for key in [k for k, t in self._trails.items() if now - t.last_seen > horizon]:
            del self._trails[key]
        if len(self._trails) >= self._max_tracked:  # everyone is active: drop the oldest half
            for key, _ in sorted(self._trails.items(), key=lambda kv: kv[1].last_seen)[: self._max_tracked // 2]:
                del self._trails[key]


def make_hook(options: Mapping[str, Any], context: HookContext) -> FloodingHook:
    return FloodingHook(
        max_messages=option(options, "max_messages", int, 15),
        per_seconds=option(options, "per_seconds", float, 10.0),
        max_repeats=option(options, "max_repeats", int, 3),
        repeat_window_seconds=option(options, "repeat_window_seconds", float, 60.0),
    )
