"""Patient records for staff: the site's patients, one patient's record, and what staff change in it.

Every read names the patients it showed in the access log, so a site can answer "who looked at my data".
Staff act on patients of their own site only (care.access).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from care import access
from care.catalog import Catalog
from care.errors import N_, DomainError, ErrorCode
from care.people import Person, Role, Step
from care.screening import ScreeningDesk
from care.steps import StepDesk, parse_step, patient_user
from care.store import CareStore, Row
from care.views import proposal_json, submission_json, transition_json

PATIENT_STATUSES = ("active", "completed", "referred", "withdrawn")


class PatientRecords:
    def __init__(
        self, store: CareStore, steps: StepDesk, screenings: ScreeningDesk, catalog: Catalog, initial_step: Step
    ) -> None:
        self._store = store
        self._steps = steps
        self._screenings = screenings
        self._catalog = catalog
        self._initial_step = initial_step

    async def _staff_patient(self, staff: Person, patient_id: int, action: str) -> Row:
        """The patient's user row if ``staff`` may read it; logs the read."""
        access.require_staff(staff)
        user = await patient_user(self._store, patient_id)
        access.require_same_site(staff, user["site_id"])
        await self._store.log_access(staff.id, staff.site_id, [patient_id], action)
        return user

    async def patients(self, staff: Person) -> list[dict[str, Any]]:
        access.require_staff(staff)
        rows = await self._store.site_patients(staff.site_id)
        await self._store.log_access(staff.id, staff.site_id, [r["user_id"] for r in rows], "list_patients")
        return [
            {
                "id": r["user_id"],
                "display_name": r["display_name"],
                "roles": sorted(r["roles"]),
                "current_step": r["current_step"],
                "status": r["status"],
                "enrolled_at": r["enrolled_at"],
                "last_screening_at": r["last_screening_at"],
                "open_alerts": r["open_alerts"],
                "pending_proposals": r["pending_proposals"],
            }
            for r in rows
        ]

    async def patient_record(self, staff: Person, patient_id: int) -> dict[str, Any]:
        user = await self._staff_patient(staff, patient_id, "read_patient")
        patient = await self._store.patient(self._store.pool, patient_id)
        return {
            "id": patient_id,
            "display_name": user["display_name"],
            "current_step": patient["current_step"] if patient else int(self._initial_step),
            "status": patient["status"] if patient else "active",
            "profile": {k: patient[k] for k in ("diagnosis", "treatment_phase", "birth_year", "mentor_capacity")}
            if patient
            else {},
            "results": [submission_json(r, with_answers=True) for r in await self._store.submissions(patient_id)],
            "proposals": [proposal_json(r) for r in await self._store.proposals(staff.site_id, None, patient_id)],
            "transitions": [transition_json(r) for r in await self._store.transitions(patient_id)],
            "due": await self._screenings.due_for(patient_id),
        }

    async def transitions(self, staff: Person, patient_id: int) -> list[dict[str, Any]]:
        await self._staff_patient(staff, patient_id, "read_transitions")
        return [transition_json(r) for r in await self._store.transitions(patient_id)]

    async def proposals(self, staff: Person, status: str | None = "pending") -> list[dict[str, Any]]:
        access.require_staff(staff)
        rows = await self._store.proposals(staff.site_id, status, None)
        await self._store.log_access(staff.id, staff.site_id, sorted({r["patient_id"] for r in rows}), "proposals")
        return [proposal_json(r) for r in rows]

    async def change_step(self, staff: Person, patient_id: int, step: int, reason: str) -> dict[str, Any]:
        await self._staff_patient(staff, patient_id, "change_step")
        if not reason.strip():
            raise DomainError(
                ErrorCode.VALIDATION_FAILED, N_("A step change needs a reason."), details={"field": "reason"}
            )
        old = await self._steps.set_step(patient_id, parse_step(step), decided_by=staff.id, reason=reason.strip())
        return {"patient_id": patient_id, "from_step": int(old), "to_step": step}

    async def set_status(self, staff: Person, patient_id: int, status: str) -> None:
        await self._staff_patient(staff, patient_id, "set_status")
        if status not in PATIENT_STATUSES:
            raise DomainError(ErrorCode.VALIDATION_FAILED, N_("Unknown status."), details={"allowed": PATIENT_STATUSES})
        await self._steps.enrol(patient_id)
        await self._store.set_status(patient_id, status)

    async def update_profile(self, staff: Person, patient_id: int, values: Mapping[str, Any]) -> None:
        await self._staff_patient(staff, patient_id, "update_profile")
        clean: dict[str, Any] = {}
        for key in ("diagnosis", "treatment_phase"):
            if key in values and (values[key] is None or isinstance(values[key], str)):
                clean[key] = values[key][:100] if values[key] else None
        for key, lo, hi in (("birth_year", 1900, 2100), ("mentor_capacity", 0, 50)):
            if key in values and isinstance(values[key], int) and not isinstance(values[key], bool):
                if not lo <= values[key] <= hi:
                    raise DomainError(ErrorCode.VALIDATION_FAILED, N_("Out of range."), details={"field": key})
                clean[key] = values[key]
        await self._steps.enrol(patient_id)
        await self._store.update_profile(patient_id, clean)

    async def request_screening(
        self, staff: Person, patient_id: int, instrument_id: str, note: str | None
    ) -> dict[str, Any]:
        await self._staff_patient(staff, patient_id, "request_screening")
        (await self._catalog.registry(staff.site_id)).get(instrument_id)
        row = await self._store.insert_request(patient_id, instrument_id, staff.id, note)
        return {
            "id": row["id"],
            "patient_id": patient_id,
            "instrument": instrument_id,
            "requested_at": row["requested_at"],
        }

    async def access_log(self, admin: Person, patient_id: int | None, limit: int = 200) -> list[dict[str, Any]]:
        access.require_role_at_site(admin, Role.ADMIN)
        rows = await self._store.access_log(admin.site_id, patient_id, limit)
        return [
            {"staff_id": r["staff_id"], "patient_id": r["patient_id"], "action": r["action"], "at": r["at"]}
            for r in rows
        ]
