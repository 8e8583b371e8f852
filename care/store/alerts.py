"""SQL of risk alerts, their escalations and each site's on-call list."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from care.store.base import Conn, Row, StoreBase


class AlertSql(StoreBase):
    async def insert_alert(self, conn: Conn, values: dict[str, Any]) -> tuple[Row, bool]:
        """(alert, created). The same (source, source_ref, kind) raised again returns the first alert."""
        row = await conn.fetchrow(
            """INSERT INTO care_alerts (site_id, patient_id, kind, severity, source, source_ref, details)
               VALUES ($1, $2, $3, $4, $5, $6, $7)
               ON CONFLICT (source, source_ref, kind) WHERE source_ref IS NOT NULL DO NOTHING RETURNING *""",
            values["site_id"],
            values["patient_id"],
            values["kind"],
            values["severity"],
            values["source"],
            values["source_ref"],
            values["details"],
        )
        if row is not None:
            return row, True
        existing = await conn.fetchrow(
            "SELECT * FROM care_alerts WHERE source = $1 AND source_ref = $2 AND kind = $3",
            values["source"],
            values["source_ref"],
            values["kind"],
        )
        assert existing is not None
        return existing, False

    async def alert(self, conn: Conn, alert_id: int, *, for_update: bool = False) -> Row | None:
        lock = " FOR UPDATE" if for_update else ""
        return await conn.fetchrow(f"SELECT * FROM care_alerts WHERE id = $1{lock}", alert_id)

    async def alerts(self, site_id: int, status: str | None, patient_id: int | None = None) -> list[Row]:
        return await self.pool.fetch(
            """SELECT * FROM care_alerts WHERE site_id = $1 AND ($2::text IS NULL OR status = $2)
                 AND ($3::bigint IS NULL OR patient_id = $3)
               ORDER BY (status = 'open') DESC, created_at DESC, id DESC LIMIT 500""",
            site_id,
            status,
            patient_id,
        )

    async def alerts_for_submission(self, submission_id: int) -> list[Row]:
        return await self.pool.fetch(
            """SELECT * FROM care_alerts WHERE source IN ('screening', 'site_rule')
                 AND details->>'submission_id' = $1::text ORDER BY id""",
            str(submission_id),
        )

    async def acknowledge_alert(self, conn: Conn, alert_id: int, by: int, note: str) -> Row:
        row = await conn.fetchrow(
            """UPDATE care_alerts SET status = 'acknowledged', acknowledged_by = $2, acknowledged_at = now(),
                      note = $3 WHERE id = $1 RETURNING *""",
            alert_id,
            by,
            note,
        )
        assert row is not None
        return row

    async def escalations(self, alert_ids: Sequence[int]) -> list[Row]:
        return await self.pool.fetch(
            "SELECT * FROM care_alert_escalations WHERE alert_id = ANY($1) ORDER BY alert_id, level",
            list(alert_ids),
        )

    async def overdue_urgent_alerts(self, conn: Conn, timeout_seconds: float) -> list[Row]:
        """Open urgent alerts whose current contact has had ``timeout`` to answer; locked, skip if taken."""
        return await conn.fetch(
            """SELECT * FROM care_alerts WHERE status = 'open' AND severity = 'urgent'
                 AND coalesce(escalated_at, created_at) <= now() - make_interval(secs => $1)
               ORDER BY created_at LIMIT 100 FOR UPDATE SKIP LOCKED""",
            timeout_seconds,
        )

    async def record_escalation(self, conn: Conn, alert_id: int, level: int, contact_id: int | None) -> Row:
        await conn.execute(
            """INSERT INTO care_alert_escalations (alert_id, level, contact_id) VALUES ($1, $2, $3)
               ON CONFLICT (alert_id, level) DO NOTHING""",
            alert_id,
            level,
            contact_id,
        )
        row = await conn.fetchrow(
            "UPDATE care_alerts SET escalation_level = $2, escalated_at = now() WHERE id = $1 RETURNING *",
            alert_id,
            level,
        )
        assert row is not None
        return row

    async def on_call(self, conn: Conn, site_id: int) -> list[int]:
        rows = await conn.fetch("SELECT user_id FROM care_on_call WHERE site_id = $1 ORDER BY position", site_id)
        return [r["user_id"] for r in rows]

    async def set_on_call(self, site_id: int, user_ids: Sequence[int]) -> None:
        async with self.pool.acquire() as conn, conn.transaction():
            await conn.execute("DELETE FROM care_on_call WHERE site_id = $1", site_id)
            await conn.executemany(
                "INSERT INTO care_on_call (site_id, position, user_id) VALUES ($1, $2, $3)",
                [(site_id, n, uid) for n, uid in enumerate(user_ids, start=1)],
            )
