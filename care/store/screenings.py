"""SQL of screenings: submitted questionnaires and the screenings staff ask for."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from care.store.base import Conn, Row, StoreBase


class ScreeningSql(StoreBase):
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
