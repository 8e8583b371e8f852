"""HTTP routes of stepped care (the service itself is built and wired in server.care_wiring).

Handlers stay thin: read the caller and the body, call `CareService`, reply. Who may see what is decided
in care (care.access), never here.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from aiohttp import web

from care.errors import N_, DomainError, ErrorCode
from care.instruments import Instrument, pick_text
from care.outcomes import to_csv
from care.reports import parse_date
from care.service import CareService
from server.http.edge import caller, field, json_body, ok, path_int, services

routes = web.RouteTableDef()


def care_of(request: web.Request) -> CareService:
    return services(request).care


def status_filter(request: web.Request, default: str) -> str | None:
    """The ``status`` query parameter of a list; ``all`` lists every status (None)."""
    status = request.query.get("status", default)
    return None if status == "all" else status


def instrument_json(instrument: Instrument, language: str) -> dict[str, Any]:
    return {
        "id": instrument.id,
        "version": instrument.version,
        "title": pick_text(instrument.title, language),
        "description": pick_text(instrument.description, language),
        "licensed": instrument.licensed,
        "loinc": instrument.loinc,
        "items": [
            {
                "link_id": item.link_id,
                "text": pick_text(item.text, language),
                "type": item.type.value,
                "required": item.required,
                "options": [{"code": o.code, "display": pick_text(o.display, language)} for o in item.options],
            }
            for item in instrument.items
        ],
        "scores": [{"name": s.name, "bands": [b.code for b in s.bands]} for s in instrument.scores],
    }


# --- instruments and rules ---


@routes.get("/api/care/instruments")
async def list_instruments(request: web.Request) -> web.Response:
    person = await caller(request)
    instruments = await care_of(request).catalog.instruments(person)
    return ok({"instruments": [instrument_json(i, person.language.value) for i in instruments]})


@routes.get("/api/care/instruments/{instrument_id}/fhir")
async def export_instrument(request: web.Request) -> web.Response:
    person = await caller(request)
    resource = await care_of(request).catalog.export_questionnaire(
        person, request.match_info["instrument_id"], request.query.get("version")
    )
    return web.json_response(resource, content_type="application/fhir+json")


@routes.post("/api/care/instruments")
async def import_instrument(request: web.Request) -> web.Response:
    person = await caller(request)
    instrument = await care_of(request).catalog.import_questionnaire(person, await json_body(request))
    return ok({"instrument": instrument_json(instrument, person.language.value)}, status=201)


@routes.get("/api/care/rules")
async def get_rules(request: web.Request) -> web.Response:
    rules = await care_of(request).catalog.rules_for(await caller(request))
    return ok({"rules": rules.source})


@routes.put("/api/care/rules")
async def put_rules(request: web.Request) -> web.Response:
    person = await caller(request)
    rules = await care_of(request).catalog.save_rules(person, await json_body(request))
    return ok({"rules": rules.source})


# --- patients: screening ---


@routes.post("/api/care/screenings")
async def submit_screening(request: web.Request) -> web.Response:
    person = await caller(request)
    result = await care_of(request).submit(person, await json_body(request))
    return ok(result, status=200 if result["replayed"] else 201)


@routes.get("/api/care/screenings/due")
async def due_screenings(request: web.Request) -> web.Response:
    return ok({"due": await care_of(request).due(await caller(request))})


@routes.get("/api/care/me/results")
async def my_results(request: web.Request) -> web.Response:
    return ok(await care_of(request).my_results(await caller(request)))


@routes.get("/api/care/me/transitions")
async def my_transitions(request: web.Request) -> web.Response:
    return ok({"transitions": await care_of(request).my_transitions(await caller(request))})


@routes.get("/api/care/me/invitations")
async def my_invitations(request: web.Request) -> web.Response:
    return ok({"invitations": await care_of(request).mentors.my_invitations(await caller(request))})


@routes.post("/api/care/invitations/{invitation_id}/{answer:accept|decline}")
async def answer_invitation(request: web.Request) -> web.Response:
    person = await caller(request)
    accept = request.match_info["answer"] == "accept"
    invitation = await care_of(request).mentors.respond(person, path_int(request, "invitation_id"), accept=accept)
    return ok({"invitation": invitation})


# --- staff: patients, proposals, transitions ---


@routes.get("/api/care/patients")
async def list_patients(request: web.Request) -> web.Response:
    return ok({"patients": await care_of(request).patients(await caller(request))})


@routes.get("/api/care/patients/{patient_id}")
async def patient_record(request: web.Request) -> web.Response:
    return ok(await care_of(request).patient_record(await caller(request), path_int(request, "patient_id")))


@routes.get("/api/care/patients/{patient_id}/transitions")
async def patient_transitions(request: web.Request) -> web.Response:
    transitions = await care_of(request).transitions(await caller(request), path_int(request, "patient_id"))
    return ok({"transitions": transitions})


@routes.post("/api/care/patients/{patient_id}/step")
async def change_step(request: web.Request) -> web.Response:
    person = await caller(request)
    body = await json_body(request)
    result = await care_of(request).change_step(
        person, path_int(request, "patient_id"), field(body, "step", int), field(body, "reason", str)
    )
    return ok(result)


@routes.post("/api/care/patients/{patient_id}/status")
async def set_status(request: web.Request) -> web.Response:
    person = await caller(request)
    body = await json_body(request)
    await care_of(request).set_status(person, path_int(request, "patient_id"), field(body, "status", str))
    return ok({"ok": True})


@routes.patch("/api/care/patients/{patient_id}/profile")
async def update_profile(request: web.Request) -> web.Response:
    person = await caller(request)
    await care_of(request).update_profile(person, path_int(request, "patient_id"), await json_body(request))
    return ok({"ok": True})


@routes.post("/api/care/patients/{patient_id}/screening-requests")
async def request_screening(request: web.Request) -> web.Response:
    person = await caller(request)
    body = await json_body(request)
    result = await care_of(request).request_screening(
        person,
        path_int(request, "patient_id"),
        field(body, "instrument", str),
        field(body, "note", str, required=False),
    )
    return ok(result, status=201)


@routes.get("/api/care/proposals")
async def list_proposals(request: web.Request) -> web.Response:
    proposals = await care_of(request).proposals(await caller(request), status_filter(request, "pending"))
    return ok({"proposals": proposals})


@routes.post("/api/care/proposals/{proposal_id}/{decision:accept|override}")
async def decide_proposal(request: web.Request) -> web.Response:
    person = await caller(request)
    body = await json_body(request) if request.can_read_body else {}
    proposal = await care_of(request).decide(
        person,
        path_int(request, "proposal_id"),
        accept=request.match_info["decision"] == "accept",
        step=field(body, "step", int, required=False),
        reason=field(body, "reason", str, required=False, default=""),
    )
    return ok({"proposal": proposal})


# --- staff: alerts ---


@routes.get("/api/care/alerts")
async def list_alerts(request: web.Request) -> web.Response:
    alerts = await care_of(request).alert_desk.alerts(await caller(request), status_filter(request, "open"))
    return ok({"alerts": [a.to_json() for a in alerts]})


@routes.post("/api/care/alerts/{alert_id}/ack")
async def acknowledge_alert(request: web.Request) -> web.Response:
    person = await caller(request)
    body = await json_body(request)
    alert = await care_of(request).alert_desk.acknowledge(
        person, path_int(request, "alert_id"), field(body, "note", str)
    )
    return ok({"alert": alert.to_json()})


@routes.get("/api/care/on-call")
async def get_on_call(request: web.Request) -> web.Response:
    return ok({"user_ids": await care_of(request).alert_desk.on_call(await caller(request))})


@routes.put("/api/care/on-call")
async def put_on_call(request: web.Request) -> web.Response:
    person = await caller(request)
    body = await json_body(request)
    user_ids = field(body, "user_ids", list)
    if not all(isinstance(u, int) and not isinstance(u, bool) for u in user_ids):
        raise DomainError(
            ErrorCode.BAD_REQUEST, N_("The field '{field}' has the wrong type."), params={"field": "user_ids"}
        )
    return ok({"user_ids": await care_of(request).alert_desk.set_on_call(person, user_ids)})


# --- staff: mentors ---


@routes.get("/api/care/mentors/candidates")
async def mentor_candidates(request: web.Request) -> web.Response:
    return ok({"candidates": await care_of(request).mentors.candidates(await caller(request))})


@routes.post("/api/care/mentors/invitations")
async def invite_mentor(request: web.Request) -> web.Response:
    person = await caller(request)
    body = await json_body(request)
    invitation = await care_of(request).mentors.invite(person, field(body, "patient_id", int))
    return ok({"invitation": invitation}, status=201)


@routes.get("/api/care/patients/{patient_id}/mentor-matches")
async def mentor_matches(request: web.Request) -> web.Response:
    matches = await care_of(request).mentors.match(await caller(request), path_int(request, "patient_id"))
    return ok({"matches": matches})


@routes.post("/api/care/patients/{patient_id}/mentor")
async def assign_mentor(request: web.Request) -> web.Response:
    person = await caller(request)
    body = await json_body(request)
    result = await care_of(request).mentors.assign(
        person, path_int(request, "patient_id"), field(body, "mentor_id", int)
    )
    return ok(result, status=201)


# --- outcomes and audit ---


@routes.get("/api/outcomes")
async def outcomes(request: web.Request) -> web.Response:
    person = await caller(request)
    now = datetime.now(UTC)
    end = parse_date(request.query.get("to"), now + timedelta(seconds=1))
    start = parse_date(request.query.get("from"), end - timedelta(days=365))
    rows = await care_of(request).reports.outcomes(person, start, end, request.query.get("granularity", "all"))
    wants_csv = request.query.get("format") == "csv" or (
        "format" not in request.query and "text/csv" in request.headers.get("Accept", "")
    )
    if wants_csv:
        return web.Response(
            text=to_csv(rows),
            content_type="text/csv",
            headers={"Content-Disposition": 'attachment; filename="oncommun-outcomes.csv"'},
        )
    return ok({"outcomes": rows})


@routes.get("/api/care/access-log")
async def access_log(request: web.Request) -> web.Response:
    person = await caller(request)
    patient = request.query.get("patient_id")
    entries = await care_of(request).access_log(person, int(patient) if patient and patient.isdigit() else None)
    return ok({"entries": entries})
