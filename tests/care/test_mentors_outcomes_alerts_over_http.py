"""Mentors, outcome indicators, instrument import/export and alert escalation, against the real app."""

from __future__ import annotations

import asyncio
import csv
import io
from typing import TYPE_CHECKING, Any

from care.builtin import builtin_instruments
from care.fhir import from_questionnaire
from tests.care.conftest import Api, Clinic, phq9
from tests.conftest import RunningServer, make_config, start_server

if TYPE_CHECKING:
    from tests.conftest import TestUser


async def improved_patient(api: Api, clinic: Clinic) -> TestUser:
    """PHQ-9 14 then 9: a 5-point drop, beyond the 3.2-point reliable change threshold."""
    patient = await clinic.patient()
    await api.call("POST", "/api/care/screenings", patient, json=phq9(2, 2, 2, 2, 2, 2, 2, 0, 0))
    await api.call("POST", "/api/care/screenings", patient, json=phq9(1, 1, 1, 1, 1, 1, 1, 1, 1))
    status, _ = await api.call(
        "POST", f"/api/care/patients/{patient.id}/status", clinic.psychologist, json={"status": "completed"}
    )
    assert status == 200
    return patient


async def test_a_patient_who_completed_with_reliable_improvement_is_invited_and_becomes_a_mentor(
    api: Api, clinic: Clinic
) -> None:
    patient = await improved_patient(api, clinic)
    not_improved = await clinic.patient()
    await api.call("POST", "/api/care/screenings", not_improved, json=phq9(2, 2, 2, 2, 2, 2, 2, 0, 0))
    await api.call("POST", "/api/care/screenings", not_improved, json=phq9(2, 2, 2, 2, 2, 1, 1, 0, 0))
    await api.call(
        "POST", f"/api/care/patients/{not_improved.id}/status", clinic.psychologist, json={"status": "completed"}
    )

    status, body = await api.call("GET", "/api/care/mentors/candidates", clinic.psychologist)
    assert status == 200
    assert [c["patient_id"] for c in body["candidates"]] == [patient.id]
    evidence = body["candidates"][0]["evidence"][0]
    assert (evidence["score"], evidence["baseline"], evidence["latest"]) == ("phq9.total", 14, 9)
    assert evidence["reliable_improvement"] is True and evidence["rci"] < -1.96

    status, _error = await api.call(
        "POST", "/api/care/mentors/invitations", clinic.psychologist, json={"patient_id": not_improved.id}
    )
    assert status == 409
    status, invited = await api.call(
        "POST", "/api/care/mentors/invitations", clinic.psychologist, json={"patient_id": patient.id}
    )
    assert status == 201
    status, mine = await api.call("GET", "/api/care/me/invitations", patient)
    assert [i["status"] for i in mine["invitations"]] == ["pending"]
    status, accepted = await api.call("POST", f"/api/care/invitations/{invited['invitation']['id']}/accept", patient)
    assert status == 200 and accepted["invitation"]["status"] == "accepted"
    status, me = await api.call("GET", "/api/me", patient)
    assert "mentor" in me["roles"]


async def test_mentors_are_matched_by_similarity_with_an_explanation(api: Api, clinic: Clinic) -> None:
    close = await clinic.make_user("mentor", site_id=clinic.site_id, language="es")
    far = await clinic.make_user("mentor", site_id=clinic.site_id, language="pl")
    patient = await clinic.patient(language="es")
    for user, diagnosis in ((close, "breast"), (far, "lung"), (patient, "breast")):
        status, _ = await api.call(
            "PATCH",
            f"/api/care/patients/{user.id}/profile",
            clinic.psychologist,
            json={
                "diagnosis": diagnosis,
                "treatment_phase": "post_treatment",
                "birth_year": 1975,
                "mentor_capacity": 2,
            },
        )
        assert status == 200
    status, body = await api.call("GET", f"/api/care/patients/{patient.id}/mentor-matches", clinic.psychologist)
    assert status == 200
    ranked = [m["mentor_id"] for m in body["matches"] if m["mentor_id"] in (close.id, far.id)]
    assert ranked == [close.id, far.id]
    best = next(m for m in body["matches"] if m["mentor_id"] == close.id)
    reasons = {f["factor"]: f.get("match") for f in best["explanation"]}
    assert reasons["diagnosis"] == "same" and reasons["language"] == "same"


async def test_outcomes_reflect_screenings_and_decisions_as_json_and_csv(api: Api, clinic: Clinic) -> None:
    await improved_patient(api, clinic)
    positive = await clinic.patient()
    _, body = await api.call("POST", "/api/care/screenings", positive, json=phq9(2, 2, 2, 2, 2, 2, 2, 2, 0))
    await api.call("POST", f"/api/care/proposals/{body['proposal']['id']}/accept", clinic.psychologist, json={})
    await api.call("POST", "/api/care/screenings", positive, json={"instrument": "dt", "answers": {"dt": 8}})
    await api.call("POST", "/api/care/screenings", positive, json={"instrument": "dt", "answers": {"dt": 5}})

    status, report = await api.call("GET", "/api/outcomes", clinic.psychologist)
    assert status == 200
    (row,) = report["outcomes"]
    assert row["patients_screened"] == 2
    assert (row["measured_twice"], row["reliable_improvement"], row["reliable_improvement_share"]) == (1, 1, 1.0)
    assert row["positive_screenings"] == 2  # the improved patient's baseline was 14, also above threshold
    assert row["hours_to_first_contact_median"] is not None
    assert (row["resolved_steps_1_2"], row["needed_steps_3_4"]) == (1, 1)
    assert row["distress_change_mean"] == -3.0

    status, text = await api.call("GET", "/api/outcomes?format=csv", clinic.psychologist)
    assert status == 200
    (csv_row,) = list(csv.DictReader(io.StringIO(text)))
    assert csv_row["patients_screened"] == "2" and csv_row["distress_change_mean"] == "-3.0"
    status, text = await api.call("GET", "/api/outcomes", clinic.psychologist, headers={"Accept": "text/csv"})
    assert text.startswith("site_id,period_start")


async def test_every_builtin_exports_as_fhir_over_http_and_a_licensed_site_imports_its_wording(
    api: Api, clinic: Clinic
) -> None:
    for instrument in builtin_instruments():
        status, resource = await api.call("GET", f"/api/care/instruments/{instrument.id}/fhir", clinic.psychologist)
        assert status == 200
        assert from_questionnaire(resource) == instrument
    status, hads = await api.call("GET", "/api/care/instruments/hads/fhir", clinic.admin)
    hads["item"][0]["text"] = "Licensed wording of item 1"
    status, _ = await api.call("POST", "/api/care/instruments", clinic.psychologist, json=hads)
    assert status == 403
    status, imported = await api.call("POST", "/api/care/instruments", clinic.admin, json=hads)
    assert status == 201, imported
    status, listed = await api.call("GET", "/api/care/instruments", clinic.psychologist)
    by_id = {i["id"]: i for i in listed["instruments"]}
    assert by_id["hads"]["items"][0]["text"] == "Licensed wording of item 1"
    hads["item"][0]["answerOption"][0]["extension"][0]["valueDecimal"] = 0  # same version, other scoring
    status, error = await api.call("POST", "/api/care/instruments", clinic.admin, json=hads)
    assert (status, error["error"]["code"]) == (409, "conflict")


async def test_site_rules_are_data_validated_before_they_are_saved(api: Api, clinic: Clinic) -> None:
    status, body = await api.call("GET", "/api/care/rules", clinic.psychologist)
    rules = body["rules"]
    rules["alerts"] = [
        {
            "id": "dt7",
            "kind": "high_distress",
            "severity": "normal",
            "when": {"score": "dt.total", "op": ">=", "value": 7},
        }
    ]
    status, _ = await api.call("PUT", "/api/care/rules", clinic.admin, json=rules)
    assert status == 200
    patient = await clinic.patient()
    status, result = await api.call(
        "POST", "/api/care/screenings", patient, json={"instrument": "dt", "answers": {"dt": 7}}
    )
    assert [a["kind"] for a in result["alerts"]] == ["high_distress"]
    status, error = await api.call(
        "PUT", "/api/care/rules", clinic.admin, json={"step_up": [{"id": "x", "min_step": 3, "when": "1==1"}]}
    )
    assert (status, error["error"]["code"]) == (422, "validation_failed")


async def test_moderation_raises_crisis_alerts_through_the_same_desk_once_per_message(
    server: RunningServer, api: Api, clinic: Clinic
) -> None:
    patient = await clinic.patient()
    care = server.services.care
    first = await care.raise_alert(
        patient.id, "crisis_language", "urgent", "moderation", {"message_id": 77}, source_ref="77"
    )
    again = await care.raise_alert(
        patient.id, "crisis_language", "urgent", "moderation", {"message_id": 77}, source_ref="77"
    )
    assert first.id == again.id
    _status, listed = await api.call("GET", "/api/care/alerts", clinic.psychologist)
    assert [(a["kind"], a["source"], a["details"]) for a in listed["alerts"]] == [
        ("crisis_language", "moderation", {"message_id": 77})
    ]


async def test_an_unacknowledged_urgent_alert_escalates_along_the_on_call_list(
    database_url: str, http: Any, clinic: Clinic
) -> None:
    # A server of its own whose escalation loop runs fast, stopped at the end so it does not keep polling.
    fast = await start_server(make_config(database_url, alert_escalation_seconds=0, alert_escalation_check_seconds=0.1))
    try:
        await _escalate(Api(http, fast.url), clinic)
    finally:
        await fast.stop()


async def _escalate(api: Api, clinic: Clinic) -> None:
    second = await clinic.make_user("psychologist", site_id=clinic.site_id)
    status, _ = await api.call(
        "PUT", "/api/care/on-call", clinic.admin, json={"user_ids": [clinic.psychologist.id, second.id]}
    )
    assert status == 200
    patient = await clinic.patient()
    await api.call("POST", "/api/care/screenings", patient, json=phq9(0, 0, 0, 0, 0, 0, 0, 0, 3))
    alert: dict[str, Any] = {}
    for _ in range(100):
        _, listed = await api.call("GET", "/api/care/alerts", clinic.psychologist)
        alert = listed["alerts"][0]
        if alert["escalation_level"] == 2:
            break
        await asyncio.sleep(0.1)
    assert alert["escalation_level"] == 2
    assert [(e["level"], e["contact_id"]) for e in alert["escalations"]] == [
        (1, clinic.psychologist.id),
        (2, second.id),
    ]
    assert alert["status"] == "open"
