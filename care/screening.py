"""The screening desk: patients submit questionnaires, the server scores them, proposes a step, raises alerts.

Scores are always computed here, never trusted from the client. One submission commits with its proposal,
its alerts and the screening requests it fulfils, and a client id makes a resubmission return the first.
"""

from __future__ import annotations

import secrets
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

import structlog

from care import access
from care.alert_desk import AlertDesk
from care.alerts import Alert, AlertSource
from care.catalog import Catalog
from care.errors import N_, DomainError, ErrorCode
from care.fhir import parse_response
from care.people import Person, Step
from care.rules import evaluate, propose_step
from care.schedule import Request, due_screenings
from care.scoring import parse_compact, risk_flags, score
from care.settings import CareSettings
from care.steps import StepDesk
from care.store import CareStore, Row
from care.views import proposal_json, submission_json, transition_json

log = structlog.get_logger(__name__)


class ScreeningDesk:
    def __init__(
        self, store: CareStore, steps: StepDesk, catalog: Catalog, alerts: AlertDesk, settings: CareSettings
    ) -> None:
        self._store = store
        self._steps = steps
        self._catalog = catalog
        self._alerts = alerts
        self._settings = settings

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
        instrument = (await self._catalog.registry(person.site_id)).get(instrument_id, version)
        result = score(instrument, answers)
        flags = risk_flags(instrument, result)
        rules = await self._catalog.rules(person.site_id)
        evaluation = evaluate(rules, result.facts())
        raised: list[Alert] = []
        change = None
        async with self._store.pool.acquire() as conn, conn.transaction():
            patient = await self._steps.enrolled(conn, person.id)
            existing = await self._store.submission_by_client_id(conn, person.id, client_id)
            if existing is not None:
                return await self._submission_view(existing, replayed=True)
            row = await self._store.insert_submission(
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
            since = await self._store.last_transition_at(conn, person.id)
            flags_newest_first = await self._store.recent_threshold_flags(conn, person.id, since)
            streak = next((n for n, above in enumerate(flags_newest_first) if above), len(flags_newest_first))
            current = Step(patient["current_step"])
            change = propose_step(rules, evaluation, current, streak, self._settings.initial_step)
            behind = {
                "submission_id": row["id"],
                "instrument": instrument.id,
                "scores": result.scores,
                "bands": result.bands,
            }
            if change is not None and change.to_step < change.from_step:
                # A later quiet screening must not bury a step-up still waiting for a psychologist.
                waiting = await self._store.pending_proposal(conn, person.id)
                if waiting is not None and waiting["to_step"] > waiting["from_step"]:
                    change = None
            if change is not None:
                await self._store.replace_pending_proposal(
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
                alert, created = await self._alerts.raise_in(
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
            await self._store.fulfil_requests(conn, person.id, instrument.id, row["id"])
        log.info(
            "screening_submitted",
            submission_id=row["id"],
            instrument=instrument.id,
            proposal=bool(change),
            alerts=len(raised),
        )
        await self._alerts.notify(raised)
        return await self._submission_view(row, replayed=False)

    async def _submission_view(self, row: Row, *, replayed: bool) -> dict[str, Any]:
        proposal = await self._store.proposal_for_submission(row["id"])
        alerts = await self._store.alerts_for_submission(row["id"])
        return {
            "submission": submission_json(row),
            "proposal": proposal_json(proposal) if proposal else None,
            "alerts": [{"id": a["id"], "kind": a["kind"], "severity": a["severity"]} for a in alerts],
            "replayed": replayed,
        }

    async def due(self, person: Person, now: datetime | None = None) -> list[dict[str, Any]]:
        access.require_patient(person)
        return await self.due_for(person.id, now)

    async def due_for(self, patient_id: int, now: datetime | None = None) -> list[dict[str, Any]]:
        """`due` without the patient's own check: staff reads come here after theirs."""
        patient = await self._store.patient(self._store.pool, patient_id)
        submitted: dict[str, list[datetime]] = {}
        for row in await self._store.submissions(patient_id):
            submitted.setdefault(row["instrument_id"], []).append(row["submitted_at"])
        requests = [
            Request(r["id"], r["instrument_id"], r["requested_at"]) for r in await self._store.open_requests(patient_id)
        ]
        due = due_screenings(
            enrolled_at=patient["enrolled_at"] if patient else datetime.now(UTC),
            now=now or datetime.now(UTC),
            battery=self._settings.battery,
            submitted=submitted,
            requests=requests,
            intervals_months=self._settings.interval_months,
            early_days=self._settings.early_days,
        )
        return [d.to_json() for d in due]

    async def my_results(self, person: Person) -> dict[str, Any]:
        access.require_patient(person)
        rows = await self._store.submissions(person.id)
        return {
            "current_step": int(await self._steps.current_step(person.id)),
            "results": [submission_json(r) for r in rows],
        }

    async def my_transitions(self, person: Person) -> list[dict[str, Any]]:
        access.require_patient(person)
        return [transition_json(r) for r in await self._store.transitions(person.id)]
