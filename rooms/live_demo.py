"""The demo's live session: the demo psychologist's therapy group gets a session she can open at once.

Idempotent: a group that already has a session not yet ended gets no second one.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from care.people import Person
from rooms.live import LiveSessions
from rooms.live_model import LiveSession


async def seed_demo_live_session(live: LiveSessions, psychologist: Person) -> list[LiveSession]:
    store = live.store
    scheduled: list[LiveSession] = []
    for room_id in await store.therapy_rooms_hosted_by(psychologist.id):
        if await store.sessions_of_room(room_id, include_ended=False):
            continue
        starts_at = (datetime.now(UTC) + timedelta(hours=1)).replace(minute=0, second=0, microsecond=0)
        scheduled.append(await live.schedule(psychologist, room_id, "Group session (demo)", starts_at, 90))
    return scheduled
