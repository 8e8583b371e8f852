"""SQL of live sessions: schedules, states, attendance, visits, and the therapy room they belong to.

The room and its members are read from the chat's tables (migration 0020); this store only writes the
live_* tables (migration 0040).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import asyncpg

from care.people import UserId
from rooms.filters import RoomId
from rooms.live_model import (
    AttendanceId,
    HeldElsewhere,
    LeaveReason,
    LiveSession,
    LiveSessionId,
    ParticipantRole,
    SessionState,
    TherapyRoom,
)

_SESSION_COLUMNS = """s.id, s.room_id, r.site_id, s.title, s.scheduled_by, s.starts_at, s.duration_minutes,
                      s.state, s.locked, s.opened_at, s.ended_at"""


def _session(row: asyncpg.Record) -> LiveSession:
    return LiveSession(
        id=LiveSessionId(row["id"]),
        room_id=RoomId(row["room_id"]),
        site_id=row["site_id"],
        title=row["title"],
        scheduled_by=UserId(row["scheduled_by"]),
        starts_at=row["starts_at"],
        duration_minutes=row["duration_minutes"],
        state=SessionState(row["state"]),
        locked=row["locked"],
        opened_at=row["opened_at"],
        ended_at=row["ended_at"],
    )


class LiveStore:
    def __init__(self, pool: asyncpg.Pool) -> None:
        self._pool = pool

    # --- the room ---
    async def therapy_room(self, room_id: int) -> TherapyRoom | None:
        rows = await self._pool.fetch(
            """SELECT r.id, r.site_id, r.kind, m.user_id, m.role, u.roles
                 FROM rooms r
                 LEFT JOIN room_members m ON m.room_id = r.id
                 LEFT JOIN users u ON u.id = m.user_id AND u.disabled_at IS NULL
                WHERE r.id = $1 AND r.archived_at IS NULL""",
            room_id,
        )
        if not rows:
            return None
        members = {UserId(r["user_id"]) for r in rows if r["user_id"] is not None and r["roles"] is not None}
        hosts = {
            UserId(r["user_id"])
            for r in rows
            if r["roles"] is not None
            and r["role"] in ("owner", "moderator")
            and ({"psychologist", "admin"} & set(r["roles"]))
        }
        first = rows[0]
        return TherapyRoom(RoomId(first["id"]), first["site_id"], first["kind"], frozenset(hosts), frozenset(members))

    async def therapy_rooms_hosted_by(self, user_id: UserId) -> list[RoomId]:
        rows = await self._pool.fetch(
            """SELECT r.id FROM rooms r JOIN room_members m ON m.room_id = r.id
                WHERE m.user_id = $1 AND m.role IN ('owner', 'moderator') AND r.kind = 'therapy'
                  AND r.archived_at IS NULL ORDER BY r.id""",
            user_id,
        )
        return [RoomId(row["id"]) for row in rows]

    # --- sessions ---
    async def create_session(
        self, room_id: RoomId, title: str, scheduled_by: UserId, starts_at: datetime, duration_minutes: int
    ) -> LiveSession:
        session_id = await self._pool.fetchval(
            """INSERT INTO live_sessions (room_id, title, scheduled_by, starts_at, duration_minutes)
               VALUES ($1, $2, $3, $4, $5) RETURNING id""",
            room_id, title, scheduled_by, starts_at, duration_minutes,
        )
        session = await self.session(LiveSessionId(session_id))
        assert session is not None
        return session

    async def session(self, session_id: LiveSessionId) -> LiveSession | None:
        row = await self._pool.fetchrow(
            f"SELECT {_SESSION_COLUMNS} FROM live_sessions s JOIN rooms r ON r.id = s.room_id WHERE s.id = $1",
            session_id,
        )
        return _session(row) if row else None

    async def sessions_of_room(self, room_id: RoomId, include_ended: bool) -> list[LiveSession]:
        rows = await self._pool.fetch(
            f"""SELECT {_SESSION_COLUMNS} FROM live_sessions s JOIN rooms r ON r.id = s.room_id
                 WHERE s.room_id = $1 AND ($2 OR s.state <> 'ended') ORDER BY s.starts_at, s.id""",
            room_id, include_ended,
        )
        return [_session(row) for row in rows]

    async def claim(self, session_id: LiveSessionId, holder: str, lease_seconds: float, url: str | None) -> bool:
        """Hold the session for this process (reachable at ``url``); False while another's lease runs."""
        claimed = await self._pool.fetchval(
            """UPDATE live_sessions
                  SET held_by = $2, held_until = now() + make_interval(secs => $3), held_at = $4
                WHERE id = $1 AND (held_by IS NULL OR held_by = $2 OR held_until < now()) RETURNING id""",
            session_id, holder, lease_seconds, url,
        )
        return claimed is not None

    async def held_elsewhere(self, session_id: LiveSessionId, holder: str) -> HeldElsewhere | None:
        """The other process holding the session, if one does (its lease has not lapsed)."""
        row = await self._pool.fetchrow(
            "SELECT held_at FROM live_sessions WHERE id = $1 AND held_by <> $2 AND held_until > now()",
            session_id, holder)
        return HeldElsewhere(row["held_at"]) if row is not None else None

    async def renew(self, session_ids: list[LiveSessionId], holder: str, lease_seconds: float) -> None:
        await self._pool.execute(
            """UPDATE live_sessions SET held_until = now() + make_interval(secs => $3)
                WHERE id = ANY($1::bigint[]) AND held_by = $2""",
            session_ids, holder, lease_seconds,
        )

    async def release(self, session_id: LiveSessionId, holder: str) -> None:
        await self._pool.execute(
            "UPDATE live_sessions SET held_by = NULL, held_until = NULL, held_at = NULL WHERE id = $1 AND held_by = $2",
            session_id, holder)

    async def mark_open(self, session_id: LiveSessionId, by: UserId) -> None:
        """Open it; attendance left open by a process that died is closed first (``server_restart``)."""
        async with self._pool.acquire() as connection, connection.transaction():
            await connection.execute(
                """UPDATE live_attendance SET left_at = now(), leave_reason = 'server_restart'
                    WHERE session_id = $1 AND left_at IS NULL""",
                session_id,
            )
            await connection.execute(
                """UPDATE live_sessions SET state = 'open', opened_at = coalesce(opened_at, now()),
                          opened_by = coalesce(opened_by, $2)
                    WHERE id = $1 AND state <> 'ended'""",
                session_id, by,
            )

    async def set_locked(self, session_id: LiveSessionId, locked: bool) -> None:
        await self._pool.execute("UPDATE live_sessions SET locked = $2 WHERE id = $1", session_id, locked)

    async def mark_ended(self, session_id: LiveSessionId, reason: LeaveReason) -> None:
        async with self._pool.acquire() as connection, connection.transaction():
            await connection.execute(
                """UPDATE live_attendance SET left_at = now(), leave_reason = $2
                    WHERE session_id = $1 AND left_at IS NULL""",
                session_id, reason.value,
            )
            await connection.execute(
                "UPDATE live_sessions SET state = 'ended', ended_at = now() WHERE id = $1 AND state <> 'ended'",
                session_id,
            )

    # --- attendance ---
    async def attendance_started(
        self, session_id: LiveSessionId, user_id: UserId, role: ParticipantRole, waited_from: datetime
    ) -> tuple[AttendanceId, datetime]:
        row = await self._pool.fetchrow(
            """INSERT INTO live_attendance (session_id, user_id, role, waited_from, joined_at)
               VALUES ($1, $2, $3, least($4, now()), now()) RETURNING id, joined_at""",
            session_id, user_id, role.value, waited_from,
        )
        assert row is not None
        return AttendanceId(row["id"]), row["joined_at"]

    async def attendance_ended(self, attendance_id: AttendanceId, reason: LeaveReason) -> None:
        await self._pool.execute(
            "UPDATE live_attendance SET left_at = now(), leave_reason = $2 WHERE id = $1 AND left_at IS NULL",
            attendance_id, reason.value,
        )

    async def attendance(self, session_id: LiveSessionId) -> list[dict[str, Any]]:
        rows = await self._pool.fetch(
            """SELECT a.user_id, u.display_name, a.role, a.waited_from, a.joined_at, a.left_at, a.leave_reason
                 FROM live_attendance a JOIN users u ON u.id = a.user_id
                WHERE a.session_id = $1 ORDER BY a.joined_at, a.id""",
            session_id,
        )
        return [dict(row) for row in rows]

    async def visits(self, site_id: int, since: datetime, until: datetime) -> list[dict[str, Any]]:
        """Patient visits (one per patient per session) of a site that began in [since, until)."""
        rows = await self._pool.fetch(
            """SELECT session_id, room_id, user_id, first_joined_at, last_left_at, seconds_attended
                 FROM live_visits
                WHERE site_id = $1 AND first_joined_at >= $2 AND first_joined_at < $3
                ORDER BY first_joined_at, session_id, user_id""",
            site_id, since, until,
        )
        return [dict(row) for row in rows]
