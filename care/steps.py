"""The step desk: where a patient stands in the programme, moving them, and deciding step proposals.

A step changes in one transaction with its transition row, and listeners (rooms, the server's push) hear
of it only after that commit: a room never lets someone in on a step that could still roll back.
"""

from __future__ import annotations

import inspect
from collections.abc import Awaitable, Callable
from enum import StrEnum
from typing import Any

import structlog

from care import access
from care.errors import N_, DomainError, ErrorCode
from care.people import Person, SiteId, Step, UserId
from care.store import CareStore, Conn, Row
from care.views import proposal_json

log = structlog.get_logger(__name__)

StepListener = Callable[[UserId, Step, Step], Awaitable[None] | None]


class TransitionKind(StrEnum):
    """Why a step changed; stored with every transition (care_step_transitions.kind)."""

    INTAKE = "intake"
    PROPOSAL_ACCEPTED = "proposal_accepted"
    OVERRIDE = "override"
    MANUAL = "manual"  # a psychologist moved the step directly, with a reason
    SEED = "seed"  # demo or migration data


async def patient_user(store: CareStore, user_id: int) -> Row:
    """The user row of someone care keeps a record of (a patient or a mentor); anyone else is not found."""
    user = await store.user(user_id)
    if user is None or not {"patient", "mentor"} & set(user["roles"]):
        raise DomainError(ErrorCode.NOT_FOUND, N_("Not found."))
    return user


def parse_step(value: object, default: Step | None = None) -> Step:
    if value is None and default is not None:
        return default
    if isinstance(value, int) and not isinstance(value, bool) and value in {s.value for s in Step}:
        return Step(value)
    raise DomainError(ErrorCode.VALIDATION_FAILED, N_("Unknown step."), details={"field": "step"})


class StepDesk:
    def __init__(self, store: CareStore, initial_step: Step) -> None:
        self._store = store
        self._initial_step = initial_step
        self._listeners: list[StepListener] = []

    def on_step_changed(self, callback: StepListener) -> None:
        self._listeners.append(callback)

    async def notify(self, user_id: UserId, old: Step, new: Step) -> None:
        for listener in self._listeners:
            try:
                result = listener(user_id, old, new)
                if inspect.isawaitable(result):
                    await result
            except Exception:
                log.exception("step_listener_failed", user_id=user_id)

    # --- the rooms question ---
    async def current_step(self, user_id: int) -> Step:
        row = await self._store.patient(self._store.pool, user_id)
        return Step(row["current_step"]) if row else self._initial_step

    async def may_enter(self, person: Person, room_site: SiteId, step: Step) -> bool:
        if person.site_id != room_site:
            return False
        current = await self.current_step(person.id) if person.is_patient and not person.is_staff else Step(1)
        return access.step_allows(person, room_site, step, current)

    # --- moving a patient ---
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
        async with self._store.pool.acquire() as conn, conn.transaction():
            old = await self.set_step_in(conn, patient_id, step, decided_by, reason, kind, proposal_id, scores)
        if old != step:
            log.info("step_changed", patient_id=patient_id, old=int(old), new=int(step), kind=kind.value)
            await self.notify(UserId(patient_id), old, step)
        return old

    async def set_step_in(
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
        """`set_step` inside the caller's transaction; the caller notifies once it has committed."""
        patient = await self.enrolled(conn, patient_id)
        old = Step(patient["current_step"])
        await self._store.update_step(conn, patient_id, int(step))
        await self._store.insert_transition(
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

    async def enrol(self, patient_id: int) -> None:
        """`enrolled` in a transaction of its own, for changes that need the care row to exist first."""
        async with self._store.pool.acquire() as conn, conn.transaction():
            await self.enrolled(conn, patient_id)

    async def enrolled(self, conn: Conn, patient_id: int) -> Row:
        """The patient's care row, enrolling them at the initial step on first contact; locked."""
        user = await patient_user(self._store, patient_id)
        if await self._store.ensure_patient(conn, patient_id, user["site_id"], int(self._initial_step)):
            await self._store.insert_transition(
                conn,
                patient_id=patient_id,
                site_id=user["site_id"],
                from_step=None,
                to_step=int(self._initial_step),
                kind=TransitionKind.INTAKE.value,
                reason="intake",
            )
        row = await self._store.patient(conn, patient_id, for_update=True)
        assert row is not None
        return row

    # --- proposals ---
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
        async with self._store.pool.acquire() as conn, conn.transaction():
            proposal = await self._store.proposal(conn, proposal_id, for_update=True)
            if proposal is None or proposal["site_id"] != staff.site_id:
                raise DomainError(ErrorCode.NOT_FOUND, N_("Not found."))
            if proposal["status"] != "pending":
                raise DomainError(ErrorCode.CONFLICT, N_("This proposal was already decided."))
            patient = await self._store.patient(conn, proposal["patient_id"], for_update=True)
            assert patient is not None
            current = Step(patient["current_step"])
            target = Step(proposal["to_step"]) if accept else parse_step(step, default=current)
            note = reason or "accepted: " + ", ".join(proposal["reasons"])
            decided = await self._store.decide_proposal(
                conn, proposal_id, "accepted" if accept else "overridden", staff.id, int(target), note
            )
            if target != current:
                await self.set_step_in(
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
            await self.notify(UserId(proposal["patient_id"]), current, target)
        log.info("proposal_decided", proposal_id=proposal_id, accepted=accept, by=staff.id)
        return proposal_json(decided)
