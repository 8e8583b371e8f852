"""SQL for stepped care: patients and steps, submissions, proposals, alerts, mentors, the access log.

Plain parameterised asyncpg SQL and nothing else. Methods that take a ``conn`` run inside the caller's
transaction (the service decides what must commit together); the others use the pool.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

import asyncpg
from asyncpg.pool import PoolConnectionProxy

Row = asyncpg.Record
Conn = asyncpg.Connection | asyncpg.Pool | PoolConnectionProxy


class CareStore:
    def __init__(self, pool: asyncpg.Pool) -> None:
        self.pool = pool

    # --- people and patients ---
    async def user(self, user_id: int) -> Row | None:
        return await self.pool.fetchrow(
            "SELECT id, site_id, roles, language, display_name FROM users WHERE id = $1", user_id
        )

    async def ensure_patient(self, conn: Conn, user_id: int, site_id: int, initial_step: int) -> bool:
        """Enrol the patient at the initial step; True when this call enrolled them."""
        status: str = await conn.execute(
            """INSERT INTO care_patients (user_id, site_id, current_step) VALUES ($1, $2, $3)
               ON CONFLICT (user_id) DO NOTHING""",
            user_id,
            site_id,
            initial_step,
        )
        return status.endswith(" 1")

    async def patient(self, conn: Conn, user_id: int, *, for_update: bool = False) -> Row | None:
        lock = " FOR UPDATE" if for_update else ""
        return await conn.fetchrow(f"SELECT * FROM care_patients WHERE user_id = $1{lock}", user_id)

    async def update_step(self, conn: Conn, user_id: int, step: int) -> None:
        await conn.execute(
            "UPDATE care_patients SET current_step = $2, updated_at = now() WHERE user_id = $1", user_id, step
        )

    async def set_status(self, user_id: int, status: str) -> None:
        await self.pool.execute(
            """UPDATE care_patients SET status = $2, status_changed_at = now(), updated_at = now()
               WHERE user_id = $1""",
            user_id,
            status,
        )

    async def update_profile(self, user_id: int, values: dict[str, Any]) -> None:
        columns = [c for c in ("diagnosis", "treatment_phase", "birth_year", "mentor_capacity") if c in values]
        if not columns:
            return
        sets = ", ".join(f"{c} = ${n}" for n, c in enumerate(columns, start=2))
        await self.pool.execute(
            f"UPDATE care_patients SET {sets}, updated_at = now() WHERE user_id = $1",
            user_id,
            *[values[c] for c in columns],
        )

    async def site_patients(self, site_id: int) -> list[Row]:
        return await self.pool.fetch(
            """SELECT p.*, u.display_name, u.roles,
                      (SELECT count(*) FROM care_alerts a WHERE a.patient_id = p.user_id AND a.status = 'open')
                          AS open_alerts,
                      (SELECT max(s.submitted_at) FROM care_submissions s WHERE s.patient_id = p.user_id)
                          AS last_screening_at,
                      (SELECT count(*) FROM care_step_proposals q
                        WHERE q.patient_id = p.user_id AND q.status = 'pending') AS pending_proposals
               FROM care_patients p JOIN users u ON u.id = p.user_id
               WHERE p.site_id = $1 AND u.disabled_at IS NULL ORDER BY p.user_id""",
            site_id,
        )

    # --- transitions ---
    async def insert_transition(
        self,
        conn: Conn,
        *,
        patient_id: int,
        site_id: int,
        from_step: int | None,
        to_step: int,
        kind: str,
        reason: str,
        decided_by: int | None,
        proposal_id: int | None,
        scores: Any,
    ) -> Row:
        row = await conn.fetchrow(
            """INSERT INTO care_step_transitions
                   (patient_id, site_id, from_step, to_step, kind, reason, decided_by, proposal_id, scores)
               VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING *""",
            patient_id,
            site_id,
            from_step,
            to_step,
            kind,
            reason,
            decided_by,
            proposal_id,
            scores,
        )
        assert row is not None
        return row

    async def transitions(self, patient_id: int) -> list[Row]:
        return await self.pool.fetch(
            "SELECT * FROM care_step_transitions WHERE patient_id = $1 ORDER BY decided_at, id", patient_id
        )

    async def last_transition_at(self, conn: Conn, patient_id: int) -> datetime | None:
        """The last time the step actually changed (intake rows do not end a below-threshold streak)."""
        value: datetime | None = await conn.fetchval(
            """SELECT max(decided_at) FROM care_step_transitions
               WHERE patient_id = $1 AND kind <> 'intake' AND from_step IS DISTINCT FROM to_step""",
            patient_id,
        )
        return value

    # --- submissions ---
    async def submission_by_client_id(self, conn: Conn, patient_id: int, client_id: str) -> Row | None:
        return await conn.fetchrow(
            "SELECT * FROM care_submissions WHERE patient_id = $1 AND client_id = $2", patient_id, client_id
        )

    async def insert_submission(self, conn: Conn, values: dict[str, Any]) -> Row | None:
        """None when this client id was already used by the patient (the caller returns the first)."""
        columns = list(values)
        placeholders = ", ".join(f"${n}" for n in range(1, len(columns) + 1))
        return await conn.fetchrow(
            f"""INSERT INTO care_submissions ({", ".join(columns)}) VALUES ({placeholders})
                ON CONFLICT (patient_id, client_id) DO NOTHING RETURNING *""",
            *values.values(),
        )

    async def submissions(self, patient_id: int) -> list[Row]:
        return await self.pool.fetch(
            "SELECT * FROM care_submissions WHERE patient_id = $1 ORDER BY submitted_at, id", patient_id
        )

    async def submissions_of(self, patient_ids: Sequence[int]) -> list[Row]:
        return await self.pool.fetch(
            """SELECT patient_id, instrument_id, scores, submitted_at, above_threshold FROM care_submissions
               WHERE patient_id = ANY($1) ORDER BY submitted_at, id""",
            list(patient_ids),
        )

    async def recent_threshold_flags(self, conn: Conn, patient_id: int, since: datetime | None) -> list[bool]:
        """above_threshold of the patient's submissions since ``since``, newest first."""
        rows = await conn.fetch(
            """SELECT above_threshold FROM care_submissions
               WHERE patient_id = $1 AND ($2::timestamptz IS NULL OR submitted_at > $2)
               ORDER BY submitted_at DESC, id DESC LIMIT 50""",
            patient_id,
            since,
        )
        return [r["above_threshold"] for r in rows]

    # --- screening requests ---
    async def insert_request(self, patient_id: int, instrument_id: str, requested_by: int, note: str | None) -> Row:
        row = await self.pool.fetchrow(
            """INSERT INTO care_screening_requests (patient_id, instrument_id, requested_by, note)
               VALUES ($1, $2, $3, $4) RETURNING *""",
            patient_id,
            instrument_id,
            requested_by,
            note,
        )
        assert row is not None
        return row

    async def open_requests(self, patient_id: int) -> list[Row]:
        return await self.pool.fetch(
            """SELECT * FROM care_screening_requests WHERE patient_id = $1 AND fulfilled_at IS NULL
               ORDER BY requested_at""",
            patient_id,
        )

    async def fulfil_requests(self, conn: Conn, patient_id: int, instrument_id: str, submission_id: int) -> None:
        await conn.execute(
            """UPDATE care_screening_requests SET fulfilled_by = $3, fulfilled_at = now()
               WHERE patient_id = $1 AND instrument_id = $2 AND fulfilled_at IS NULL""",
            patient_id,
            instrument_id,
            submission_id,
        )

    # --- proposals ---
    async def replace_pending_proposal(self, conn: Conn, values: dict[str, Any]) -> Row:
        await conn.execute(
            "UPDATE care_step_proposals SET status = 'superseded' WHERE patient_id = $1 AND status = 'pending'",
            values["patient_id"],
        )
        row = await conn.fetchrow(
            """INSERT INTO care_step_proposals
                   (patient_id, site_id, submission_id, from_step, to_step, reasons, scores)
               VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING *""",
            values["patient_id"],
            values["site_id"],
            values["submission_id"],
            values["from_step"],
            values["to_step"],
            values["reasons"],
            values["scores"],
        )
        assert row is not None
        return row

    async def pending_proposal(self, conn: Conn, patient_id: int) -> Row | None:
        return await conn.fetchrow(
            "SELECT * FROM care_step_proposals WHERE patient_id = $1 AND status = 'pending'", patient_id
        )

    async def proposal(self, conn: Conn, proposal_id: int, *, for_update: bool = False) -> Row | None:
        lock = " FOR UPDATE" if for_update else ""
        return await conn.fetchrow(f"SELECT * FROM care_step_proposals WHERE id = $1{lock}", proposal_id)

    async def proposal_for_submission(self, submission_id: int) -> Row | None:
        return await self.pool.fetchrow("SELECT * FROM care_step_proposals WHERE submission_id = $1", submission_id)

    async def decide_proposal(
        self, conn: Conn, proposal_id: int, status: str, decided_by: int, step: int, note: str
    ) -> Row:
        row = await conn.fetchrow(
            """UPDATE care_step_proposals SET status = $2, decided_by = $3, decided_at = now(),
                      decided_step = $4, decision_note = $5
               WHERE id = $1 RETURNING *""",
            proposal_id,
            status,
            decided_by,
            step,
            note,
        )
        assert row is not None
        return row

    async def proposals(self, site_id: int, status: str | None, patient_id: int | None) -> list[Row]:
        return await self.pool.fetch(
            """SELECT * FROM care_step_proposals WHERE site_id = $1 AND ($2::text IS NULL OR status = $2)
                 AND ($3::bigint IS NULL OR patient_id = $3) ORDER BY created_at DESC, id DESC LIMIT 500""",
            site_id,
            status,
            patient_id,
        )

    # --- site rules and imported instruments ---
    async def site_rules(self, site_id: int) -> Any:
        return await self.pool.fetchval("SELECT rules FROM care_site_rules WHERE site_id = $1", site_id)

    async def save_site_rules(self, site_id: int, rules: Any, updated_by: int) -> None:
        await self.pool.execute(
            """INSERT INTO care_site_rules (site_id, rules, updated_by) VALUES ($1, $2, $3)
               ON CONFLICT (site_id) DO UPDATE SET rules = $2, updated_by = $3, updated_at = now()""",
            site_id,
            rules,
            updated_by,
        )

    async def imported_instruments(self, site_id: int) -> list[Row]:
        """Global imports first, then the site's own, so the site's wording wins."""
        return await self.pool.fetch(
            """SELECT questionnaire FROM care_instruments WHERE site_id IS NULL OR site_id = $1
               ORDER BY site_id NULLS FIRST, id""",
            site_id,
        )

    async def save_instrument(
        self, site_id: int | None, instrument_id: str, version: str, questionnaire: Any, imported_by: int
    ) -> None:
        await self.pool.execute(
            """INSERT INTO care_instruments (site_id, instrument_id, version, questionnaire, imported_by)
               VALUES ($1, $2, $3, $4, $5)
               ON CONFLICT (coalesce(site_id, 0), instrument_id, version)
               DO UPDATE SET questionnaire = $4, imported_by = $5, imported_at = now()""",
            site_id,
            instrument_id,
            version,
            questionnaire,
            imported_by,
        )

    # --- alerts ---
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

    # --- mentors ---
    async def invitations(self, patient_id: int | None, site_id: int | None) -> list[Row]:
        return await self.pool.fetch(
            """SELECT * FROM care_mentor_invitations WHERE ($1::bigint IS NULL OR patient_id = $1)
                 AND ($2::bigint IS NULL OR site_id = $2) ORDER BY created_at DESC, id DESC""",
            patient_id,
            site_id,
        )

    async def insert_invitation(self, patient_id: int, site_id: int, invited_by: int, evidence: Any) -> Row | None:
        """None when an invitation is already pending."""
        return await self.pool.fetchrow(
            """INSERT INTO care_mentor_invitations (patient_id, site_id, invited_by, evidence)
               VALUES ($1, $2, $3, $4) ON CONFLICT (patient_id) WHERE status = 'pending' DO NOTHING RETURNING *""",
            patient_id,
            site_id,
            invited_by,
            evidence,
        )

    async def invitation(self, conn: Conn, invitation_id: int, *, for_update: bool = False) -> Row | None:
        lock = " FOR UPDATE" if for_update else ""
        return await conn.fetchrow(f"SELECT * FROM care_mentor_invitations WHERE id = $1{lock}", invitation_id)

    async def decide_invitation(self, conn: Conn, invitation_id: int, status: str) -> Row:
        row = await conn.fetchrow(
            """UPDATE care_mentor_invitations SET status = $2, decided_at = now() WHERE id = $1 RETURNING *""",
            invitation_id,
            status,
        )
        assert row is not None
        return row

    async def add_mentor_role(self, conn: Conn, user_id: int) -> None:
        await conn.execute(
            """UPDATE users SET roles = (SELECT array_agg(DISTINCT r ORDER BY r)
                                         FROM unnest(roles || ARRAY['mentor', 'patient']) r)
               WHERE id = $1""",
            user_id,
        )

    async def mentor_profiles(self) -> list[Row]:
        return await self.pool.fetch(
            """SELECT p.*, u.language, u.display_name,
                      (SELECT count(*) FROM care_mentorships m WHERE m.mentor_id = p.user_id AND m.ended_at IS NULL)
                          AS active_mentees
               FROM care_patients p JOIN users u ON u.id = p.user_id
               WHERE 'mentor' = ANY(u.roles) AND u.disabled_at IS NULL"""
        )

    async def start_mentorship(self, mentor_id: int, mentee_id: int, assigned_by: int) -> Row:
        async with self.pool.acquire() as conn, conn.transaction():
            await conn.execute(
                "UPDATE care_mentorships SET ended_at = now() WHERE mentee_id = $1 AND ended_at IS NULL", mentee_id
            )
            row = await conn.fetchrow(
                """INSERT INTO care_mentorships (mentor_id, mentee_id, assigned_by) VALUES ($1, $2, $3)
                   RETURNING *""",
                mentor_id,
                mentee_id,
                assigned_by,
            )
        assert row is not None
        return row

    # --- access log ---
    async def log_access(self, staff_id: int, site_id: int, patient_ids: Sequence[int | None], action: str) -> None:
        await self.pool.executemany(
            "INSERT INTO care_access_log (staff_id, patient_id, site_id, action) VALUES ($1, $2, $3, $4)",
            [(staff_id, pid, site_id, action) for pid in patient_ids],
        )

    async def access_log(self, site_id: int, patient_id: int | None, limit: int) -> list[Row]:
        return await self.pool.fetch(
            """SELECT * FROM care_access_log WHERE site_id = $1 AND ($2::bigint IS NULL OR patient_id = $2)
               ORDER BY at DESC, id DESC LIMIT $3""",
            site_id,
            patient_id,
            limit,
        )

    # --- outcomes ---
    async def outcome_rows(self, site_id: int, start: datetime, end: datetime) -> dict[str, list[Row]]:
        """Raw material for the indicators of one site and period."""
        args = (site_id, start, end)
        return {
            "submissions": await self.pool.fetch(
                """SELECT s.patient_id, s.instrument_id, s.scores, s.above_threshold, s.submitted_at
                   FROM care_submissions s WHERE s.site_id = $1 AND s.submitted_at >= $2 AND s.submitted_at < $3
                   ORDER BY s.submitted_at""",
                *args,
            ),
            "steps": await self.pool.fetch(
                """SELECT p.user_id, greatest(p.current_step, coalesce(max(t.to_step), 0),
                          coalesce(max(t.from_step), 0)) AS max_step, ('mentor' = ANY(u.roles)) AS is_mentor,
                          p.status
                   FROM care_patients p JOIN users u ON u.id = p.user_id
                   LEFT JOIN care_step_transitions t ON t.patient_id = p.user_id
                        AND t.decided_at >= $2 AND t.decided_at < $3
                   WHERE p.site_id = $1 GROUP BY p.user_id, u.roles, p.status""",
                *args,
            ),
            "contacts": await self.pool.fetch(
                """SELECT patient_id, decided_at AS at FROM care_step_proposals
                    WHERE site_id = $1 AND decided_by IS NOT NULL AND decided_at >= $2 AND decided_at < $3
                   UNION ALL
                   SELECT patient_id, decided_at FROM care_step_transitions
                    WHERE site_id = $1 AND decided_by IS NOT NULL AND decided_at >= $2 AND decided_at < $3
                   UNION ALL
                   SELECT patient_id, acknowledged_at FROM care_alerts
                    WHERE site_id = $1 AND acknowledged_at >= $2 AND acknowledged_at < $3""",
                *args,
            ),
        }
