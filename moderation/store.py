"""SQL for moderation: the queue, mutes, bans and removals, slow mode, pins, hides, settings, the audit log.

Plain parameterised asyncpg SQL only. The audit table refuses UPDATE, DELETE and TRUNCATE (a trigger,
migration 0030), so this module only ever inserts into it and reads it.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import datetime
from typing import Any

import asyncpg

from moderation.audit import AuditEntry

Row = asyncpg.Record


class ModerationStore:
    def __init__(self, pool: asyncpg.Pool) -> None:
        self.pool = pool

    # --- audit ---
    async def record(self, entry: AuditEntry) -> None:
        await self.pool.execute(
            """INSERT INTO moderation_audit (site_id, at, kind, actor_id, target_user_id, room_id, message_id,
                                             decision, reason, hook, details)
               VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)""",
            entry.site_id, entry.at, str(entry.kind), entry.actor_id, entry.target_user_id, entry.room_id,
            entry.message_id, entry.decision, entry.reason, entry.hook, json.dumps(dict(entry.details), default=str),
        )  # fmt: skip

    async def audit(self, site_id: int, before_id: int | None, limit: int, room_id: int | None = None) -> list[Row]:
        return await self.pool.fetch(
            """SELECT * FROM moderation_audit
               WHERE site_id = $1 AND ($2::bigint IS NULL OR id < $2) AND ($4::bigint IS NULL OR room_id = $4)
               ORDER BY id DESC LIMIT $3""",
            site_id, before_id, limit, room_id,
        )  # fmt: skip

    # --- queue ---
    async def enqueue(
        self,
        *,
        site_id: int,
        room_id: int,
        message_id: int | None,
        author_id: int | None,
        kind: str,
        reason: str,
        hook: str | None = None,
        reporter_id: int | None = None,
        note: str | None = None,
    ) -> Row | None:
        """The new open item, or None when this reporter already has an open report on the message."""
        return await self.pool.fetchrow(
            """INSERT INTO moderation_queue (site_id, room_id, message_id, author_id, kind, reason, hook,
                                             reporter_id, note)
               VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
               ON CONFLICT (message_id, reporter_id) WHERE kind = 'reported' AND status = 'open' DO NOTHING
               RETURNING *""",
            site_id, room_id, message_id, author_id, kind, reason, hook, reporter_id, note,
        )  # fmt: skip

    async def queue_item(self, item_id: int) -> Row | None:
        return await self.pool.fetchrow("SELECT * FROM moderation_queue WHERE id = $1", item_id)

    async def queue(
        self, site_id: int, room_ids: list[int] | None, status: str, before_id: int | None, limit: int
    ) -> list[Row]:
        """Newest first; ``room_ids`` None means every room of the site."""
        return await self.pool.fetch(
            """SELECT * FROM moderation_queue
               WHERE site_id = $1 AND ($2::bigint[] IS NULL OR room_id = ANY($2)) AND status = $3
                 AND ($4::bigint IS NULL OR id < $4)
               ORDER BY id DESC LIMIT $5""",
            site_id, room_ids, status, before_id, limit,
        )  # fmt: skip

    async def resolve_items(self, message_id: int, resolution: str, by: int) -> list[Row]:
        """Close every open item about a message (its hold, its flag and every report) with one action."""
        return await self.pool.fetch(
            """UPDATE moderation_queue SET status = 'resolved', resolution = $2, resolved_by = $3,
                                          resolved_at = now()
               WHERE message_id = $1 AND status = 'open' RETURNING *""",
            message_id, resolution, by,
        )  # fmt: skip

    async def resolve_item(self, item_id: int, resolution: str, by: int) -> Row | None:
        return await self.pool.fetchrow(
            """UPDATE moderation_queue SET status = 'resolved', resolution = $2, resolved_by = $3,
                                          resolved_at = now()
               WHERE id = $1 AND status = 'open' RETURNING *""",
            item_id, resolution, by,
        )  # fmt: skip

    # --- mutes ---
    async def mute(self, room_id: int, user_id: int, until: datetime, by: int, by_staff: bool) -> None:
        await self.pool.execute(
            """INSERT INTO moderation_mutes (room_id, user_id, until, muted_by, by_staff)
               VALUES ($1, $2, $3, $4, $5)
               ON CONFLICT (room_id, user_id) DO UPDATE
               SET until = EXCLUDED.until, muted_by = EXCLUDED.muted_by, by_staff = EXCLUDED.by_staff,
                   created_at = now()""",
            room_id, user_id, until, by, by_staff,
        )  # fmt: skip

    async def active_mute(self, room_id: int, user_id: int) -> Row | None:
        return await self.pool.fetchrow(
            """SELECT *, extract(epoch FROM until - now()) AS remaining FROM moderation_mutes
               WHERE room_id = $1 AND user_id = $2 AND until > now()""",
            room_id, user_id,
        )  # fmt: skip

    async def active_mutes(self) -> list[Row]:
        return await self.pool.fetch("SELECT room_id, user_id, until FROM moderation_mutes WHERE until > now()")

    async def unmute(self, room_id: int, user_id: int) -> bool:
        status: str = await self.pool.execute(
            "DELETE FROM moderation_mutes WHERE room_id = $1 AND user_id = $2", room_id, user_id
        )
        return status.endswith(" 1")

    # --- bans and removals ---
    async def ban(
        self,
        site_id: int,
        room_id: int | None,
        user_id: int,
        kind: str,
        until: datetime | None,
        by: int,
        by_staff: bool,
    ) -> Row:
        row = await self.pool.fetchrow(
            """INSERT INTO moderation_bans (site_id, room_id, user_id, kind, until, banned_by, by_staff)
               VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING *""",
            site_id, room_id, user_id, kind, until, by, by_staff,
        )  # fmt: skip
        assert row is not None
        return row

    async def active_bans(self, user_id: int, site_id: int, room_id: int | None) -> list[Row]:
        """Bans in force for this person: site-wide ones, and the room's when ``room_id`` is given."""
        return await self.pool.fetch(
            """SELECT * FROM moderation_bans
               WHERE user_id = $1 AND site_id = $2 AND lifted_at IS NULL AND (until IS NULL OR until > now())
                 AND (room_id IS NULL OR room_id = $3)
               ORDER BY id""",
            user_id, site_id, room_id,
        )  # fmt: skip

    async def banned_users(self) -> list[int]:
        rows = await self.pool.fetch(
            """SELECT DISTINCT user_id FROM moderation_bans
               WHERE lifted_at IS NULL AND (until IS NULL OR until > now())"""
        )
        return [r["user_id"] for r in rows]

    async def lift_bans(self, ids: list[int], by: int) -> int:
        status: str = await self.pool.execute(
            "UPDATE moderation_bans SET lifted_at = now(), lifted_by = $2 WHERE id = ANY($1) AND lifted_at IS NULL",
            ids, by,
        )  # fmt: skip
        return int(status.split()[-1])

    # --- slow mode, pins, hides ---
    async def slow_rooms(self) -> list[Row]:
        return await self.pool.fetch("SELECT room_id, seconds FROM moderation_slow_mode")

    async def slow_mode(self, room_id: int) -> Row | None:
        return await self.pool.fetchrow("SELECT * FROM moderation_slow_mode WHERE room_id = $1", room_id)

    async def set_slow_mode(self, room_id: int, seconds: int, by: int, by_staff: bool) -> None:
        if seconds <= 0:
            await self.pool.execute("DELETE FROM moderation_slow_mode WHERE room_id = $1", room_id)
            return
        await self.pool.execute(
            """INSERT INTO moderation_slow_mode (room_id, seconds, set_by, by_staff) VALUES ($1, $2, $3, $4)
               ON CONFLICT (room_id) DO UPDATE SET seconds = EXCLUDED.seconds, set_by = EXCLUDED.set_by,
                   by_staff = EXCLUDED.by_staff, set_at = now()""",
            room_id, seconds, by, by_staff,
        )  # fmt: skip

    async def pin(self, room_id: int, message_id: int, by: int, by_staff: bool) -> None:
        await self.pool.execute(
            """INSERT INTO moderation_pins (room_id, message_id, pinned_by, by_staff) VALUES ($1, $2, $3, $4)
               ON CONFLICT (room_id, message_id) DO NOTHING""",
            room_id, message_id, by, by_staff,
        )  # fmt: skip

    async def pin_of(self, room_id: int, message_id: int) -> Row | None:
        return await self.pool.fetchrow(
            "SELECT * FROM moderation_pins WHERE room_id = $1 AND message_id = $2", room_id, message_id
        )

    async def unpin(self, room_id: int, message_id: int) -> None:
        await self.pool.execute(
            "DELETE FROM moderation_pins WHERE room_id = $1 AND message_id = $2", room_id, message_id
        )

    async def pins(self, room_id: int) -> list[int]:
        rows = await self.pool.fetch(
            "SELECT message_id FROM moderation_pins WHERE room_id = $1 ORDER BY pinned_at", room_id
        )
        return [r["message_id"] for r in rows]

    async def set_hidden_by(self, message_id: int, by: int, by_staff: bool) -> None:
        await self.pool.execute(
            """INSERT INTO moderation_hidden (message_id, hidden_by, by_staff) VALUES ($1, $2, $3)
               ON CONFLICT (message_id) DO UPDATE SET hidden_by = EXCLUDED.hidden_by,
                   by_staff = EXCLUDED.by_staff, hidden_at = now()""",
            message_id, by, by_staff,
        )  # fmt: skip

    async def hidden_by(self, message_id: int) -> Row | None:
        return await self.pool.fetchrow("SELECT * FROM moderation_hidden WHERE message_id = $1", message_id)

    async def clear_hidden_by(self, message_id: int) -> None:
        await self.pool.execute("DELETE FROM moderation_hidden WHERE message_id = $1", message_id)

    # --- people ---
    async def user(self, user_id: int) -> Row | None:
        return await self.pool.fetchrow("SELECT id, site_id, roles FROM users WHERE id = $1", user_id)

    async def site_country(self, site_id: int) -> str | None:
        country: str | None = await self.pool.fetchval("SELECT country FROM sites WHERE id = $1", site_id)
        return country

    # --- settings ---
    async def settings(self, site_id: int) -> Row | None:
        return await self.pool.fetchrow(
            "SELECT settings, updated_at FROM moderation_settings WHERE site_id = $1", site_id
        )

    async def save_settings(self, site_id: int, settings: Mapping[str, Any], by: int) -> None:
        await self.pool.execute(
            """INSERT INTO moderation_settings (site_id, settings, updated_by) VALUES ($1, $2, $3)
               ON CONFLICT (site_id) DO UPDATE SET settings = EXCLUDED.settings,
                   updated_by = EXCLUDED.updated_by, updated_at = now()""",
            site_id, json.dumps(dict(settings)), by,
        )  # fmt: skip
