"""A patient screens over HTTP; the psychologist sees the result and acts on it."""

from __future__ import annotations

import asyncio
from typing import Any

from tests.care.conftest import Api, Clinic, phq9
from tests.conftest import RunningServer, SocketFactory


async def test_a_phq9_over_http_gets_its_score_band_proposal_and_alert_and_the_psychologist_acts(
    api: Api, clinic: Clinic, server: RunningServer, connect_socket: SocketFactory
) -> None:
    pushed: list[dict[str, Any]] = []
    socket = await connect_socket(server.url, clinic.psychologist.token)
    socket.on("care:alert", lambda data: pushed.append(data))
    patient = await clinic.patient()

    # 2+2+2+2+2+2+2+1+1 = 16: moderately severe, >= 15 proposes step 4; item 9 = 1 alerts.
    status, body = await api.call("POST", "/api/care/screenings", patient, json=phq9(2, 2, 2, 2, 2, 2, 2, 1, 1))
    assert status == 201, body
    assert body["submission"]["scores"] == {"total": 16}
    assert body["submission"]["bands"] == {"total": "moderately_severe"}
    assert (body["proposal"]["from_step"], body["proposal"]["to_step"]) == (2, 4)
    assert body["proposal"]["reasons"] == ["phq9_15"]
    assert [(a["kind"], a["severity"]) for a in body["alerts"]] == [("self_harm_thoughts", "urgent")]

    for _ in range(100):
        if pushed:
            break
        await asyncio.sleep(0.05)
    assert pushed and pushed[0]["kind"] == "self_harm_thoughts" and pushed[0]["patient_id"] == patient.id

    status, listed = await api.call("GET", "/api/care/alerts", clinic.psychologist)
    assert status == 200
    assert [a["id"] for a in listed["alerts"]] == [body["alerts"][0]["id"]]

    status, record = await api.call("GET", f"/api/care/patients/{patient.id}", clinic.psychologist)
    assert status == 200
    assert record["results"][0]["answers"]["phq9-9"] == "1"

    proposal_id = body["proposal"]["id"]
    status, decided = await api.call(
        "POST", f"/api/care/proposals/{proposal_id}/accept", clinic.psychologist, json={"reason": "seen today"}
    )
    assert status == 200, decided
    assert decided["proposal"]["status"] == "accepted"

    status, mine = await api.call("GET", "/api/care/me/results", patient)
    assert mine["current_step"] == 4
    status, history = await api.call("GET", f"/api/care/patients/{patient.id}/transitions", clinic.psychologist)
    last = history["transitions"][-1]
    assert (last["from_step"], last["to_step"], last["kind"]) == (2, 4, "proposal_accepted")
    assert last["decided_by"] == clinic.psychologist.id and last["reason"] == "seen today"
    assert last["scores"]["scores"] == {"total": 16}

    status, acked = await api.call(
        "POST", f"/api/care/alerts/{listed['alerts'][0]['id']}/ack", clinic.psychologist, json={"note": "called"}
    )
    assert status == 200 and acked["alert"]["status"] == "acknowledged"
    status, still_open = await api.call("GET", "/api/care/alerts", clinic.psychologist)
    assert still_open["alerts"] == []


async def test_the_item_9_alert_fires_at_a_phq9_total_of_one(api: Api, clinic: Clinic) -> None:
    patient = await clinic.patient()
    status, body = await api.call("POST", "/api/care/screenings", patient, json=phq9(0, 0, 0, 0, 0, 0, 0, 0, 1))
    assert status == 201
    assert body["submission"]["scores"]["total"] == 1
    assert body["proposal"] is None
    assert [a["kind"] for a in body["alerts"]] == ["self_harm_thoughts"]


async def test_an_unacknowledged_alert_stays_open_and_an_acknowledgement_needs_a_note(api: Api, clinic: Clinic) -> None:
    patient = await clinic.patient()
    await api.call("POST", "/api/care/screenings", patient, json={"instrument": "dt", "answers": {"dt": 10}})
    for _ in range(2):
        status, listed = await api.call("GET", "/api/care/alerts", clinic.psychologist)
        assert [a["kind"] for a in listed["alerts"]] == ["extreme_distress"]
    alert_id = listed["alerts"][0]["id"]
    status, body = await api.call("POST", f"/api/care/alerts/{alert_id}/ack", clinic.psychologist, json={"note": " "})
    assert (status, body["error"]["code"]) == (422, "validation_failed")
    status, listed = await api.call("GET", "/api/care/alerts", clinic.psychologist)
    assert len(listed["alerts"]) == 1


async def test_resubmitting_with_the_same_client_id_returns_the_first_result(api: Api, clinic: Clinic) -> None:
    patient = await clinic.patient()
    first_status, first = await api.call(
        "POST", "/api/care/screenings", patient, json=phq9(3, 3, 3, 3, 0, 0, 0, 0, 2, client_id="tablet-42")
    )
    again_status, again = await api.call(
        "POST", "/api/care/screenings", patient, json=phq9(0, 0, 0, 0, 0, 0, 0, 0, 0, client_id="tablet-42")
    )
    assert (first_status, again_status) == (201, 200)
    assert again["replayed"] is True
    assert again["submission"] == first["submission"]
    assert again["proposal"]["id"] == first["proposal"]["id"]
    assert again["alerts"] == first["alerts"]
    _, mine = await api.call("GET", "/api/care/me/results", patient)
    assert len(mine["results"]) == 1
    _, alerts = await api.call("GET", "/api/care/alerts", clinic.psychologist)
    assert len(alerts["alerts"]) == 1


async def test_a_submission_with_bad_items_is_refused_naming_each_one(api: Api, clinic: Clinic) -> None:
    patient = await clinic.patient()
    body = phq9(0, 0, 0, 0, 0, 0, 0)
    body["answers"]["phq9-2"] = 7
    status, error = await api.call("POST", "/api/care/screenings", patient, json=body)
    assert status == 422
    assert error["error"]["code"] == "validation_failed"
    bad = {(i["item"], i["problem"]) for i in error["error"]["details"]["items"]}
    assert bad == {("phq9-2", "not_allowed"), ("phq9-8", "missing"), ("phq9-9", "missing")}
    status, mine = await api.call("GET", "/api/care/me/results", patient)
    assert mine["results"] == []


async def test_a_fhir_questionnaire_response_is_scored_on_the_server(api: Api, clinic: Clinic) -> None:
    patient = await clinic.patient()
    response = {
        "resourceType": "QuestionnaireResponse",
        "status": "completed",
        "questionnaire": "https://oncommun.org/fhir/Questionnaire/hads|1.0.0",
        "identifier": {"value": "qr-1"},
        "item": [{"linkId": f"hads-{n}", "answer": [{"valueCoding": {"code": "a"}}]} for n in range(1, 15)],
    }
    status, body = await api.call("POST", "/api/care/screenings", patient, json=response)
    assert status == 201, body
    assert body["submission"]["scores"] == {"anxiety": 15, "depression": 9, "total": 24}
    assert body["proposal"]["to_step"] == 4
    assert body["proposal"]["reasons"] == ["hads_subscale_11"]


async def test_two_screenings_below_thresholds_propose_a_step_down_and_an_override_keeps_the_step(
    api: Api, clinic: Clinic
) -> None:
    patient = await clinic.patient()
    status, _ = await api.call(
        "POST", f"/api/care/patients/{patient.id}/step", clinic.psychologist, json={"step": 3, "reason": "group"}
    )
    assert status == 200
    status, first = await api.call("POST", "/api/care/screenings", patient, json=phq9(1, 0, 0, 0, 0, 0, 0, 0, 0))
    assert first["proposal"] is None
    status, second = await api.call("POST", "/api/care/screenings", patient, json=phq9(1, 1, 0, 0, 0, 0, 0, 0, 0))
    proposal = second["proposal"]
    assert (proposal["from_step"], proposal["to_step"], proposal["reasons"]) == (3, 2, ["consecutive_below_2"])

    status, error = await api.call(
        "POST", f"/api/care/proposals/{proposal['id']}/override", clinic.psychologist, json={}
    )
    assert (status, error["error"]["code"]) == (422, "validation_failed")
    status, decided = await api.call(
        "POST",
        f"/api/care/proposals/{proposal['id']}/override",
        clinic.psychologist,
        json={"reason": "wants to stay in the group until it ends"},
    )
    assert status == 200
    assert (decided["proposal"]["status"], decided["proposal"]["decided_step"]) == ("overridden", 3)
    status, _again = await api.call(
        "POST", f"/api/care/proposals/{proposal['id']}/accept", clinic.psychologist, json={}
    )
    assert status == 409
    status, mine = await api.call("GET", "/api/care/me/results", patient)
    assert mine["current_step"] == 3
    status, history = await api.call("GET", "/api/care/me/transitions", patient)
    assert [(t["kind"], t["from_step"], t["to_step"]) for t in history["transitions"]] == [
        ("intake", None, 2),
        ("manual", 2, 3),
    ]


async def test_an_override_can_choose_another_step(api: Api, clinic: Clinic) -> None:
    patient = await clinic.patient()
    status, body = await api.call("POST", "/api/care/screenings", patient, json=phq9(2, 2, 2, 2, 2, 0, 0, 0, 0))
    assert body["proposal"]["to_step"] == 3
    status, _decided = await api.call(
        "POST",
        f"/api/care/proposals/{body['proposal']['id']}/override",
        clinic.psychologist,
        json={"step": 4, "reason": "clinical interview shows more need"},
    )
    assert status == 200
    status, history = await api.call("GET", f"/api/care/patients/{patient.id}/transitions", clinic.psychologist)
    assert history["transitions"][-1]["kind"] == "override"
    assert history["transitions"][-1]["to_step"] == 4


async def test_screening_is_due_at_intake_and_when_a_psychologist_asks(api: Api, clinic: Clinic) -> None:
    patient = await clinic.patient()
    status, due = await api.call("GET", "/api/care/screenings/due", patient)
    assert {(d["instrument"], d["reason"]) for d in due["due"]} == {
        ("dt", "intake"),
        ("hads", "intake"),
        ("phq9", "intake"),
    }
    await api.call("POST", "/api/care/screenings", patient, json=phq9(0, 0, 0, 0, 0, 0, 0, 0, 0))
    status, due = await api.call("GET", "/api/care/screenings/due", patient)
    assert "phq9" not in {d["instrument"] for d in due["due"]}
    status, _ = await api.call(
        "POST", f"/api/care/patients/{patient.id}/screening-requests", clinic.psychologist, json={"instrument": "phq9"}
    )
    assert status == 201
    status, due = await api.call("GET", "/api/care/screenings/due", patient)
    assert ("phq9", "requested") in {(d["instrument"], d["reason"]) for d in due["due"]}
    await api.call("POST", "/api/care/screenings", patient, json=phq9(0, 0, 0, 0, 0, 0, 0, 0, 0))
    status, due = await api.call("GET", "/api/care/screenings/due", patient)
    assert "phq9" not in {d["instrument"] for d in due["due"]}


async def test_two_simultaneous_submissions_with_one_client_id_store_one_screening(api: Api, clinic: Clinic) -> None:
    patient = await clinic.patient()
    body = phq9(3, 3, 3, 3, 3, 3, 3, 3, 3, client_id="double-tap")
    results = await asyncio.gather(*(api.call("POST", "/api/care/screenings", patient, json=body) for _ in range(4)))
    assert sorted(status for status, _ in results) == [200, 200, 200, 201]
    assert len({answer["submission"]["id"] for _, answer in results}) == 1
    _, alerts = await api.call("GET", "/api/care/alerts", clinic.psychologist)
    assert len(alerts["alerts"]) == 1


async def test_quiet_screenings_never_bury_a_step_up_still_waiting_for_a_psychologist(api: Api, clinic: Clinic) -> None:
    patient = await clinic.patient()
    await api.call(
        "POST", f"/api/care/patients/{patient.id}/step", clinic.psychologist, json={"step": 3, "reason": "x"}
    )
    _, high = await api.call("POST", "/api/care/screenings", patient, json=phq9(3, 3, 3, 3, 3, 0, 0, 0, 0))
    assert high["proposal"]["to_step"] == 4
    for _ in range(2):
        _, quiet = await api.call("POST", "/api/care/screenings", patient, json=phq9(0, 0, 0, 0, 0, 0, 0, 0, 0))
        assert quiet["proposal"] is None
    _, pending = await api.call("GET", "/api/care/proposals", clinic.psychologist)
    assert [(p["id"], p["to_step"]) for p in pending["proposals"]] == [(high["proposal"]["id"], 4)]
