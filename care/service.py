"""`CareService`: the stepped-care programme as the rest of Oncommun sees it.

The server builds one with the asyncpg pool. Rooms ask it `may_enter`; moderation calls `raise_alert`;
the server registers `on_step_changed` and `on_alert` listeners to push live events, so care never imports
server. Screening, proposals and transitions live here; alerts in `AlertDesk`, mentors in `MentorDesk`.
"""

from __future__ import annotations

import inspect
import secrets
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum
from pathlib import Path
from typing import Any

import asyncpg
import structlog

from care import access
from care.alert_desk import AlertDesk, AlertListener
from care.alerts import Alert, AlertSource
from care.catalog import Catalog
from care.errors import N_, DomainError, ErrorCode
from care.fhir import parse_response
from care.instruments import Severity
from care.mentors import MentorDesk
from care.people import Person, Role, SiteId, Step, UserId
from care.reports import OutcomeReports
from care.rules import evaluate, propose_step
from care.schedule import Request, due_screenings
from care.scoring import parse_compact, risk_flags, score
from care.store import CareStore, Conn, Row
from care.views import proposal_json, submission_json, transition_json

log = structlog.get_logger(__name__)

StepListener = Callable[[UserId, Step, Step], Awaitable[None] | None]
PATIENT_STATUSES = ("active", "completed", "referred", "withdrawn")


class TransitionKind(StrEnum):
    """Why a step changed; stored with every transition (care_step_transitions.kind)."""

    INTAKE = "intake"
    PROPOSAL_ACCEPTED = "proposal_accepted"
    OVERRIDE = "override"
    MANUAL = "manual"  # a psychologist moved the step directly, with a reason
    SEED = "seed"  # demo or migration data


@dataclass(frozen=True, slots=True)
class CareSettings:
    interval_months: tuple[int, ...] = (3, 6, 12)
    escalation_seconds: float = 15 * 60
    battery: tuple[str, ...] = ("dt", "hads", "phq9")
    initial_step: Step = Step.PSYCHOEDUCATION  # the campus is open to every patient of the programme
    early_days: int = 14
    instruments_dir: Path | None = None  # FHIR Questionnaire JSON files loaded for every site
    mentor_capacity: int = 2


class CareService:
    def __init__(self, pool: asyncpg.Pool, settings: CareSettings | None = None) -> None:
        self.settings = settings or CareSettings()
        self.store = CareStore(pool)
        self.alert_desk = AlertDesk(self.store, self.settings.escalation_seconds)
        self.mentors = MentorDesk(self.store, self.settings.mentor_capacity)
        self.reports = OutcomeReports(self.store)
        self._step_listeners: list[StepListener] = []
        self.catalog = Catalog(self.store, self.settings.instruments_dir)

    # --- listeners ---
    def on_step_changed(self, callback: StepListener) -> None:
        self._step_listeners.append(callback)

    def on_alert(self, callback: AlertListener) -> None:
        self.alert_desk.on_alert(callback)

    async def _notify_step(self, user_id: UserId, old: Step, new: Step) -> None:
        for listener in self._step_listeners:
            try:
                result = listener(user_id, old, new)
                if inspect.isawaitable(result):
                    await result
            except Exception:
                log.exception("step_listener_failed", user_id=user_id)

    # --- the rooms question ---
    async def current_step(self, user_id: int) -> Step:
        row = await self.store.patient(self.store.pool, user_id)
        return Step(row["current_step"]) if row else self.settings.initial_step

    async def may_enter(self, person: Person, room_site: SiteId, step: Step) -> bool:
        if person.site_id != room_site:
            return False
        current = await self.current_step(person.id) if person.is_patient and not person.is_staff else Step(1)
        return access.step_allows(person, room_site, step, current)

    # --- steps ---
    async def set_step(
        self,
        patient_id: int,
        step: Step,
        *,
        decided_by: int | None,
        reason: str,
        kind: TransitionKind | str = TransitionKind.MANUAL,
        proposal_id: int | None = None,
        scores: Any = None,
    ) -> Step:
        """Move a patient to ``step`` and record the transition; returns the previous step.

        Listeners hear of the change only after it is committed."""
        kind = TransitionKind(kind)
        async with self.store.pool.acquire() as conn, conn.transaction():
            old = await self._set_step_in(conn, patient_id, step, decided_by, reason, kind, proposal_id, scores)
        if old != step:
            log.info("step_changed", patient_id=patient_id, old=int(old), new=int(step), kind=kind.value)
            await self._notify_step(UserId(patient_id), old, step)
        return old

    async def _set_step_in(
        self,
        conn: Conn,
        patient_id: int,
        step: Step,
        decided_by: int | None,
        reason: str,
        kind: TransitionKind,
        proposal_id: int | None,
        scores: Any,
    ) -> Step:
        patient = await self._enrolled(conn, patient_id)
        old = Step(patient["current_step"])
        await self.store.update_step(conn, patient_id, int(step))
        await self.store.insert_transition(
            conn,
            patient_id=patient_id,
            site_id=patient["site_id"],
            from_step=int(old),
            to_step=int(step),
            kind=kind.value,
            reason=reason,
            decided_by=decided_by,
            proposal_id=proposal_id,
            scores=scores,
        )
        return old

    async def _enrolled(self, conn: Conn, patient_id: int) -> Row:
        """The patient's care row, enrolling them at the initial step on first contact; locked."""
        user = await self.store.user(patient_id)
        if user is None or not {"patient", "mentor"} & set(user["roles"]):
            raise DomainError(ErrorCode.NOT_FOUND, N_("Not found."))
        if await self.store.ensure_patient(conn, patient_id, user["site_id"], int(self.settings.initial_step)):
            await self.store.insert_transition(
                conn,
                patient_id=patient_id,
                site_id=user["site_id"],
                from_step=None,
                to_step=int(self.settings.initial_step),
                kind=TransitionKind.INTAKE.value,
                reason="intake",
                decided_by=None,
                proposal_id=None,
                scores=None,
            )
        row = await self.store.patient(conn, patient_id, for_update=True)
        assert row is not None
        return row

    # --- screening ---
    async def submit(self, person: Person, body: Mapping[str, Any]) -> dict[str, Any]:
        """Score a submission on the server, store it with its answers, propose a step, raise alerts."""
        access.require_patient(person)
        is_fhir = body.get("resourceType") == "QuestionnaireResponse"
        instrument_id, version, answers = parse_response(body) if is_fhir else parse_compact(body)
        identifier = body.get("identifier")
        client_id = body.get("client_id") or (identifier.get("value") if isinstance(identifier, dict) else None)
        client_id = client_id or secrets.token_hex(16)
        if not isinstance(client_id, str) or not 1 <= len(client_id) <= 100:
            raise DomainError(
                ErrorCode.VALIDATION_FAILED,
                N_("This submission is not valid."),
                details=[{"field": "client_id", "problem": "not_a_string_of_1_to_100_chars"}],
            )
        language = body.get("language") or person.language.value
        if not isinstance(language, str) or language not in {"ca", "es", "pt", "pl", "en"}:
            language = person.language.value
        instrument = (await self.catalog.registry(person.site_id)).get(instrument_id, version)
        result = score(instrument, answers)
        flags = risk_flags(instrument, result)
        rules = await self.catalog.rules(person.site_id)
        evaluation = evaluate(rules, result.facts())
        raised: list[Alert] = []
        change = None
        async with self.store.pool.acquire() as conn, conn.transaction():
            patient = await self._enrolled(conn, person.id)
            existing = await self.store.submission_by_client_id(conn, person.id, client_id)
            if existing is not None:
                return await self._submission_view(existing, replayed=True)
            row = await self.store.insert_submission(
                conn,
                {
                    "patient_id": person.id,
                    "site_id": patient["site_id"],
                    "client_id": client_id,
                    "instrument_id": instrument.id,
                    "instrument_version": instrument.version,
                    "language": language,
                    "source_format": "fhir" if is_fhir else "compact",
                    "answers": result.answers,
                    "item_scores": result.item_scores,
                    "scores": result.scores,
                    "bands": result.bands,
                    "above_threshold": evaluation.above_threshold,
                    "fired_rules": [r.id for r in evaluation.fired],
                },
            )
            assert row is not None  # the patient row lock serialises this patient's submissions
            since = await self.store.last_transition_at(conn, person.id)
            flags_newest_first = await self.store.recent_threshold_flags(conn, person.id, since)
            streak = next((n for n, above in enumerate(flags_newest_first) if above), len(flags_newest_first))
            current = Step(patient["current_step"])
            change = propose_step(rules, evaluation, current, streak, self.settings.initial_step)
            behind = {
                "submission_id": row["id"],
                "instrument": instrument.id,
                "scores": result.scores,
                "bands": result.bands,
            }
            if change is not None and change.to_step < change.from_step:
                # A later quiet screening must not bury a step-up still waiting for a psychologist.
                waiting = await self.store.pending_proposal(conn, person.id)
                if waiting is not None and waiting["to_step"] > waiting["from_step"]:
                    change = None
            if change is not None:
                await self.store.replace_pending_proposal(
                    conn,
                    {
                        "patient_id": person.id,
                        "site_id": patient["site_id"],
                        "submission_id": row["id"],
                        "from_step": int(change.from_step),
                        "to_step": int(change.to_step),
                        "reasons": list(change.reasons),
                        "scores": behind,
                    },
                )
            details = {"submission_id": row["id"], "instrument": instrument.id, "scores": result.scores}
            pending = [(f.kind, f.severity, AlertSource.SCREENING, str(row["id"])) for f in flags]
            pending += [(a.kind, a.severity, AlertSource.SITE_RULE, f"{row['id']}:{a.id}") for a in evaluation.alerts]
            for kind, severity, source, ref in pending:
                alert, created = await self.alert_desk.raise_in(
                    conn,
                    site_id=patient["site_id"],
                    patient_id=person.id,
                    kind=kind,
                    severity=severity,
                    source=source.value,
                    source_ref=ref,
                    details=details,
                )
                if created:
                    raised.append(alert)
            await self.store.fulfil_requests(conn, person.id, instrument.id, row["id"])
        log.info(
            "screening_submitted",
            submission_id=row["id"],
            instrument=instrument.id,
            proposal=bool(change),
            alerts=len(raised),
        )
        await self.alert_desk.notify(raised)
        return await self._submission_view(row, replayed=False)

    async def _submission_view(self, row: Row, *, replayed: bool) -> dict[str, Any]:
        proposal = await self.store.proposal_for_submission(row["id"])
        alerts = await self.store.alerts_for_submission(row["id"])
        return {
            "submission": submission_json(row),
            "proposal": proposal_json(proposal) if proposal else None,
            "alerts": [{"id": a["id"], "kind": a["kind"], "severity": a["severity"]} for a in alerts],
            "replayed": replayed,
        }

    async def due(self, person: Person, now: datetime | None = None) -> list[dict[str, Any]]:
        access.require_patient(person)
        return await self._due(person.id, now)

    async def _due(self, patient_id: int, now: datetime | None = None) -> list[dict[str, Any]]:
        patient = await self.store.patient(self.store.pool, patient_id)
        submitted: dict[str, list[datetime]] = {}
        for row in await self.store.submissions(patient_id):
            submitted.setdefault(row["instrument_id"], []).append(row["submitted_at"])
        requests = [
            Request(r["id"], r["instrument_id"], r["requested_at"]) for r in await self.store.open_requests(patient_id)
        ]
        due = due_screenings(
            enrolled_at=patient["enrolled_at"] if patient else datetime.now(UTC),
            now=now or datetime.now(UTC),
            battery=self.settings.battery,
            submitted=submitted,
            requests=requests,
            intervals_months=self.settings.interval_months,
            early_days=self.settings.early_days,
        )
        return [d.to_json() for d in due]

    async def my_results(self, person: Person) -> dict[str, Any]:
        access.require_patient(person)
        rows = await self.store.submissions(person.id)
        return {
            "current_step": int(await self.current_step(person.id)),
            "results": [submission_json(r) for r in rows],
        }

    async def my_transitions(self, person: Person) -> list[dict[str, Any]]:
        access.require_patient(person)
        return [transition_json(r) for r in await self.store.transitions(person.id)]

    # --- staff views and decisions ---
    async def _staff_patient(self, staff: Person, patient_id: int, action: str) -> Row:
        """The patient's user row if ``staff`` may read it; logs the read."""
        access.require_staff(staff)
        user = await self.store.user(patient_id)
        if user is None or not {"patient", "mentor"} & set(user["roles"]):
            raise DomainError(ErrorCode.NOT_FOUND, N_("Not found."))
        access.require_same_site(staff, user["site_id"])
        await self.store.log_access(staff.id, staff.site_id, [patient_id], action)
        return user

    async def patients(self, staff: Person) -> list[dict[str, Any]]:
        access.require_staff(staff)
        rows = await self.store.site_patients(staff.site_id)
        await self.store.log_access(staff.id, staff.site_id, [r["user_id"] for r in rows], "list_patients")
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
        patient = await self.store.patient(self.store.pool, patient_id)
        return {
            "id": patient_id,
            "display_name": user["display_name"],
            "current_step": patient["current_step"] if patient else int(self.settings.initial_step),
            "status": patient["status"] if patient else "active",
            "profile": {k: patient[k] for k in ("diagnosis", "treatment_phase", "birth_year", "mentor_capacity")}
            if patient
            else {},
            "results": [submission_json(r, with_answers=True) for r in await self.store.submissions(patient_id)],
            "proposals": [proposal_json(r) for r in await self.store.proposals(staff.site_id, None, patient_id)],
            "transitions": [transition_json(r) for r in await self.store.transitions(patient_id)],
            "due": await self._due(patient_id),
        }

    async def transitions(self, staff: Person, patient_id: int) -> list[dict[str, Any]]:
        await self._staff_patient(staff, patient_id, "read_transitions")
        return [transition_json(r) for r in await self.store.transitions(patient_id)]

    async def proposals(self, staff: Person, status: str | None = "pending") -> list[dict[str, Any]]:
        access.require_staff(staff)
        rows = await self.store.proposals(staff.site_id, status, None)
        await self.store.log_access(staff.id, staff.site_id, sorted({r["patient_id"] for r in rows}), "proposals")
        return [proposal_json(r) for r in rows]

    async def decide(
        self, staff: Person, proposal_id: int, *, accept: bool, step: int | None, reason: str
    ) -> dict[str, Any]:
        """Accept a proposal, or override it with a reason (keeping the current step or choosing another)."""
        access.require_staff(staff)
        reason = reason.strip()
        if not accept and not reason:
            raise DomainError(
                ErrorCode.VALIDATION_FAILED, N_("An override needs a reason."), details={"field": "reason"}
            )
        async with self.store.pool.acquire() as conn, conn.transaction():
            proposal = await self.store.proposal(conn, proposal_id, for_update=True)
            if proposal is None or proposal["site_id"] != staff.site_id:
                raise DomainError(ErrorCode.NOT_FOUND, N_("Not found."))
            if proposal["status"] != "pending":
                raise DomainError(ErrorCode.CONFLICT, N_("This proposal was already decided."))
            patient = await self.store.patient(conn, proposal["patient_id"], for_update=True)
            assert patient is not None
            current = Step(patient["current_step"])
            target = Step(proposal["to_step"]) if accept else _step(step, default=current)
            note = reason or "accepted: " + ", ".join(proposal["reasons"])
            decided = await self.store.decide_proposal(
                conn, proposal_id, "accepted" if accept else "overridden", staff.id, int(target), note
            )
            if target != current:
                await self._set_step_in(
                    conn,
                    proposal["patient_id"],
                    target,
                    staff.id,
                    note,
                    TransitionKind.PROPOSAL_ACCEPTED if accept else TransitionKind.OVERRIDE,
                    proposal_id,
                    proposal["scores"],
                )
        if target != current:
            await self._notify_step(UserId(proposal["patient_id"]), current, target)
        log.info("proposal_decided", proposal_id=proposal_id, accepted=accept, by=staff.id)
        return proposal_json(decided)

    async def change_step(self, staff: Person, patient_id: int, step: int, reason: str) -> dict[str, Any]:
        await self._staff_patient(staff, patient_id, "change_step")
        if not reason.strip():
            raise DomainError(
                ErrorCode.VALIDATION_FAILED, N_("A step change needs a reason."), details={"field": "reason"}
            )
        old = await self.set_step(patient_id, _step(step), decided_by=staff.id, reason=reason.strip())
        return {"patient_id": patient_id, "from_step": int(old), "to_step": step}

    async def set_status(self, staff: Person, patient_id: int, status: str) -> None:
        await self._staff_patient(staff, patient_id, "set_status")
        if status not in PATIENT_STATUSES:
            raise DomainError(ErrorCode.VALIDATION_FAILED, N_("Unknown status."), details={"allowed": PATIENT_STATUSES})
        async with self.store.pool.acquire() as conn, conn.transaction():
            await self._enrolled(conn, patient_id)
        await self.store.set_status(patient_id, status)

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
        async with self.store.pool.acquire() as conn, conn.transaction():
            await self._enrolled(conn, patient_id)
        await self.store.update_profile(patient_id, clean)

    async def request_screening(
        self, staff: Person, patient_id: int, instrument_id: str, note: str | None
    ) -> dict[str, Any]:
        await self._staff_patient(staff, patient_id, "request_screening")
        (await self.catalog.registry(staff.site_id)).get(instrument_id)
        row = await self.store.insert_request(patient_id, instrument_id, staff.id, note)
        return {
            "id": row["id"],
            "patient_id": patient_id,
            "instrument": instrument_id,
            "requested_at": row["requested_at"],
        }

    async def access_log(self, admin: Person, patient_id: int | None, limit: int = 200) -> list[dict[str, Any]]:
        access.require_role_at_site(admin, Role.ADMIN)
        rows = await self.store.access_log(admin.site_id, patient_id, limit)
        return [
            {"staff_id": r["staff_id"], "patient_id": r["patient_id"], "action": r["action"], "at": r["at"]}
            for r in rows
        ]

    # --- alerts (the general entry point other packages use) ---
    async def raise_alert(
        self,
        patient_id: int,
        kind: str,
        severity: Severity | str,
        source: str,
        details: Mapping[str, Any] | None = None,
        *,
        source_ref: str | None = None,
    ) -> Alert:
        return await self.alert_desk.raise_alert(patient_id, kind, severity, source, details, source_ref=source_ref)


def _step(value: object, default: Step | None = None) -> Step:
    if value is None and default is not None:
        return default
    if isinstance(value, int) and not isinstance(value, bool) and value in {s.value for s in Step}:
        return Step(value)
    raise DomainError(ErrorCode.VALIDATION_FAILED, N_("Unknown step."), details={"field": "step"})
