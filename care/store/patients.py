"""SQL of people and patients: the user row care reads, and the patient's care record."""

from __future__ import annotations

from typing import Any

from care.store.base import Conn, Row, StoreBase


class PatientSql(StoreBase):
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
