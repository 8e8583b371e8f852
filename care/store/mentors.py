"""SQL of mirror experiences: mentor invitations, the mentor role, mentor profiles, mentorships."""

from __future__ import annotations

from typing import Any

from care.store.base import Conn, Row, StoreBase


class MentorSql(StoreBase):
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
