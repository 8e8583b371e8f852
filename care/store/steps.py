"""SQL of steps: the transitions a patient went through, and the proposals waiting for a psychologist."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from care.store.base import Conn, Row, StoreBase


class StepSql(StoreBase):
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
        decided_by: int | None = None,
        proposal_id: int | None = None,
        scores: Any = None,
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
