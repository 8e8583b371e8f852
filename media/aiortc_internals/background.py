"""Short fire-and-forget coroutines (an RTCP send, a retransmission over TURN), kept referenced until
they finish so the event loop cannot garbage-collect them half-way."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable
from typing import Any

_running: set[asyncio.Future[Any]] = set()


def spawn(coro: Awaitable[Any]) -> None:
    task = asyncio.ensure_future(coro)
    _running.add(task)
    task.add_done_callback(_running.discard)
