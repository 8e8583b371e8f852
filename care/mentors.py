"""Mirror experiences: which patients may become mentors, inviting them, and matching mentors to patients.

A patient is eligible once they completed the programme with a reliable improvement (care.change) on HADS
or PHQ-9. The evidence travels with the invitation so the decision can be audited later. Mentors see no
screening data of anyone else: nothing here returns scores except to staff of the patient's own site.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

import structlog

from care.access import forbidden, require_patient, require_same_site, require_staff
from care.change import Observation, reliable_changes
from care.errors import N_, DomainError, ErrorCode
from care.matching import Profile, age_band, rank_mentors
from care.people import Person, Role, SiteId, UserId
from care.store import CareStore, Row

log = structlog.get_logger(__name__)


def score_series(rows: Sequence[Row]) -> dict[int, dict[str, list[Observation]]]:
    """patient id -> "instrument.score" -> observations in time order."""
    out: dict[int, dict[str, list[Observation]]] = {}
    for row in rows:
        per_patient = out.setdefault(row["patient_id"], {})
        for name, value in (row["scores"] or {}).items():
            per_patient.setdefault(f"{row['instrument_id']}.{name}", []).append(
                Observation(row["submitted_at"], int(value))
            )
    return out


def _profile(row: Row, language: str, active_mentees: int = 0) -> Profile:
    birth_year = row["birth_year"]
    return Profile(
        user_id=UserId(row["user_id"]),
        site_id=SiteId(row["site_id"]),
        language=language,
        diagnosis=row["diagnosis"],
        treatment_phase=row["treatment_phase"],
        age_band=age_band(datetime.now(UTC).year - birth_year) if birth_year else None,
        capacity=row["mentor_capacity"],
        active_mentees=active_mentees,
    )


def invitation_json(row: Row) -> dict[str, Any]:
    return {
        "id": row["id"],
        "patient_id": row["patient_id"],
        "invited_by": row["invited_by"],
        "status": row["status"],
        "created_at": row["created_at"],
        "decided_at": row["decided_at"],
    }


class MentorDesk:
    def __init__(self, store: CareStore, default_capacity: int) -> None:
        self._store = store
        self._default_capacity = default_capacity

    async def _user_at_staff_site(self, staff: Person, user_id: int) -> Row:
        """The user row, if ``staff`` may act on them (a user of their own site)."""
        require_staff(staff)
        user = await self._store.user(user_id)
        if user is None:
            raise DomainError(ErrorCode.NOT_FOUND, N_("Not found."))
        require_same_site(staff, user["site_id"])
        return user

    async def candidates(self, staff: Person) -> list[dict[str, Any]]:
        """Patients of the site who completed the programme with a reliable improvement, with the evidence."""
        require_staff(staff)
        patients = [
            r
            for r in await self._store.site_patients(staff.site_id)
            if r["status"] == "completed" and "mentor" not in r["roles"]
        ]
        series = score_series(await self._store.submissions_of([r["user_id"] for r in patients]))
        pending = {
            r["patient_id"] for r in await self._store.invitations(None, staff.site_id) if r["status"] == "pending"
        }
        out = []
        for row in patients:
            changes = reliable_changes(series.get(row["user_id"], {}))
            if any(c.improved for c in changes):
                out.append(
                    {
                        "patient_id": row["user_id"],
                        "display_name": row["display_name"],
                        "evidence": [c.to_json() for c in changes],
                        "invitation_pending": row["user_id"] in pending,
                    }
                )
        await self._store.log_access(staff.id, staff.site_id, [c["patient_id"] for c in out], "mentor_candidates")
        return out

    async def invite(self, staff: Person, patient_id: int) -> dict[str, Any]:
        await self._user_at_staff_site(staff, patient_id)
        eligible = {c["patient_id"]: c for c in await self.candidates(staff)}
        if patient_id not in eligible:
            raise DomainError(
                ErrorCode.CONFLICT,
                N_("This patient is not eligible: no completed programme with a reliable improvement."),
            )
        row = await self._store.insert_invitation(patient_id, staff.site_id, staff.id, eligible[patient_id]["evidence"])
        if row is None:
            raise DomainError(ErrorCode.CONFLICT, N_("An invitation is already waiting for an answer."))
        log.info("mentor_invited", invitation_id=row["id"], by=staff.id)
        return invitation_json(row)

    async def my_invitations(self, person: Person) -> list[dict[str, Any]]:
        require_patient(person)
        return [invitation_json(r) for r in await self._store.invitations(person.id, None)]

    async def respond(self, person: Person, invitation_id: int, *, accept: bool) -> dict[str, Any]:
        """Accepting adds the mentor role to the user (and a default number of mentee places)."""
        require_patient(person)
        async with self._store.pool.acquire() as conn, conn.transaction():
            row = await self._store.invitation(conn, invitation_id, for_update=True)
            if row is None or row["patient_id"] != person.id:
                raise DomainError(ErrorCode.NOT_FOUND, N_("Not found."))
            if row["status"] != "pending":
                raise DomainError(ErrorCode.CONFLICT, N_("This invitation was already answered."))
            row = await self._store.decide_invitation(conn, invitation_id, "accepted" if accept else "declined")
            if accept:
                await self._store.add_mentor_role(conn, person.id)
        if accept:
            await self._store.update_profile(person.id, {"mentor_capacity": self._default_capacity})
        log.info("mentor_invitation_answered", invitation_id=invitation_id, accepted=accept)
        return invitation_json(row)

    async def match(self, staff: Person, patient_id: int, limit: int = 10) -> list[dict[str, Any]]:
        """Mentors for this patient, best first, each with the factor-by-factor explanation."""
        user = await self._user_at_staff_site(staff, patient_id)
        patient_row = await self._store.patient(self._store.pool, patient_id)
        if patient_row is None:
            raise DomainError(ErrorCode.NOT_FOUND, N_("This patient has no care record yet."))
        await self._store.log_access(staff.id, staff.site_id, [patient_id], "match_mentors")
        patient = _profile(patient_row, user["language"])
        mentors = {r["user_id"]: r for r in await self._store.mentor_profiles()}
        profiles = [_profile(r, r["language"], r["active_mentees"]) for r in mentors.values()]
        ranked = rank_mentors(patient, profiles, limit)
        return [{**m.to_json(), "display_name": mentors[m.mentor.user_id]["display_name"]} for m in ranked]

    async def assign(self, staff: Person, patient_id: int, mentor_id: int) -> dict[str, Any]:
        require_staff(staff)
        patient, mentor = await self._store.user(patient_id), await self._store.user(mentor_id)
        if patient is None or mentor is None:
            raise DomainError(ErrorCode.NOT_FOUND, N_("Not found."))
        require_same_site(staff, patient["site_id"])
        if Role.MENTOR.value not in mentor["roles"]:
            raise forbidden()
        row = await self._store.start_mentorship(mentor_id, patient_id, staff.id)
        return {"id": row["id"], "mentor_id": mentor_id, "mentee_id": patient_id, "started_at": row["started_at"]}
