"""Listening to one Redis pub/sub channel for as long as the process runs, through Redis restarts.

Several parts share notices between processes this way (room access, moderation restrictions, session
revocation). Pub/sub drops what is published while a subscriber is away, so each user of this keeps a
safety net of its own (a periodic re-check or reload), and may reload on every (re)subscription.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable

import structlog
from redis.asyncio import Redis

log = structlog.get_logger(__name__)

MAX_RETRY_DELAY = 10.0


async def listen_forever(
    redis: Redis,
    channel: str,
    on_message: Callable[[bytes | str], Awaitable[None]],
    *,
    on_subscribed: Callable[[], Awaitable[None]] | None = None,
) -> None:
    """Call ``on_message`` for each message; reconnect with backoff when Redis goes away. Cancel to stop."""
    delay = 0.5
    while True:
        try:
            async with redis.pubsub(ignore_subscribe_messages=True) as pubsub:
                await pubsub.subscribe(channel)
                if on_subscribed is not None:
                    await on_subscribed()
                delay = 0.5
                async for message in pubsub.listen():
                    data = message.get("data")
                    if isinstance(data, bytes | str):
                        await on_message(data)
        except asyncio.CancelledError:
            raise
        except Exception as exc:
            log.warning("pubsub_listen_failed", channel=channel, error=type(exc).__name__)
            await asyncio.sleep(delay)
            delay = min(delay * 2, MAX_RETRY_DELAY)
