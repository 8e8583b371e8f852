"""Slow mode: one message per N seconds per person in a room a moderator slowed down.

The room's N comes from memory (`moderation.restrictions`); when each person last spoke is
kept per process (a person whose sockets sit on two processes could speak once on each within N). Staff
are never slowed. A message too soon is rejected with the reason ``slow_mode`` and the seconds to wait.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Protocol, runtime_checkable

from moderation.hook import TEXT_ACTIONS, HookContext, HookResult
from moderation.live import SlowModeClock
from rooms.filters import Decision, FilterRequest

SLOW_MODE = "slow_mode"


@runtime_checkable
class SlowModeSource(Protocol):
    async def slow_mode_seconds(self, room_id: int) -> int: ...


class SlowModeHook:
    name = SLOW_MODE
    actions = TEXT_ACTIONS
    inline = True  # the room's interval is in memory: nothing to wait for

    def __init__(self, source: SlowModeSource | None, clock: SlowModeClock) -> None:
        self._source = source
        self._clock = clock

    async def check(self, request: FilterRequest) -> HookResult:
        if self._source is None or request.person.is_staff:
            return HookResult.allow()
        seconds = await self._source.slow_mode_seconds(request.room.id)
        if seconds <= 0:
            return HookResult.allow()
        wait = self._clock.wait(request.room.id, request.person.id, seconds)
        if wait > 0:
            return HookResult(Decision.REJECT, SLOW_MODE, {"retry_after": round(wait, 1), "seconds": seconds})
        return HookResult.allow()


def make_hook(options: Mapping[str, Any], context: HookContext) -> SlowModeHook:
    source = context.services.get("slow_mode")
    clock = context.services.get("slow_mode_clock")
    return SlowModeHook(
        source if isinstance(source, SlowModeSource) else None,
        clock if isinstance(clock, SlowModeClock) else SlowModeClock(),
    )
