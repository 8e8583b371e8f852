"""Privacy: patients see their own data, psychologists their own site, mentors nobody's scores."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from care.people import SiteId, Step
from care.service import TransitionKind
from tests.care.conftest import Api, Clinic, phq9
from tests.conftest import RunningServer, UserFactory


async def test_patient_a_cannot_read_patient_bs_data(api: Api, clinic: Clinic) -> None:
    a, b = await clinic.patient(), await clinic.patient()
    await api.call("POST", "/api/care/screenings", b, json=phq9(3, 3, 3, 3, 3, 3, 3, 3, 3))
    for path in (
        f"/api/care/patients/{b.id}",
        f"/api/care/patients/{b.id}/transitions",
        "/api/care/patients",
        "/api/care/alerts",
        "/api/care/proposals",
        "/api/outcomes",
    ):
        status, body = await api.call("GET", path, a)
        assert (status, body["error"]["code"]) == (403, "forbidden"), path
    status, mine = await api.call("GET", "/api/care/me/results", a)
    assert mine["results"] == []


async def test_a_mentor_cannot_read_anyones_scores(api: Api, clinic: Clinic) -> None:
    patient = await clinic.patient()
    await api.call("POST", "/api/care/screenings", patient, json=phq9(1, 1, 1, 1, 1, 1, 1, 1, 0))
    mentor = await clinic.make_user("mentor", site_id=clinic.site_id)
    for path in (
        f"/api/care/patients/{patient.id}",
        "/api/care/patients",
        "/api/care/alerts",
        "/api/care/mentors/candidates",
        f"/api/care/patients/{patient.id}/mentor-matches",
    ):
        status, _ = await api.call("GET", path, mentor)
        assert status == 403, path


async def test_a_psychologist_cannot_read_or_act_on_another_sites_patients(
    api: Api, clinic: Clinic, make_site: Callable[..., Awaitable[int]], make_user: UserFactory
) -> None:
    other_site = await make_site()
    outsider = await make_user("psychologist", site_id=other_site)
    patient = await clinic.patient()
    _, body = await api.call("POST", "/api/care/screenings", patient, json=phq9(3, 3, 3, 3, 3, 0, 0, 0, 1))
    status, _ = await api.call("GET", f"/api/care/patients/{patient.id}", outsider)
    assert status == 403
    status, _ = await api.call(
        "POST", f"/api/care/patients/{patient.id}/step", outsider, json={"step": 1, "reason": "x"}
    )
    assert status == 403
    status, listed = await api.call("GET", "/api/care/patients", outsider)
    assert patient.id not in {p["id"] for p in listed["patients"]}
    status, alerts = await api.call("GET", "/api/care/alerts", outsider)
    assert alerts["alerts"] == []
    status, _ = await api.call("POST", f"/api/care/proposals/{body['proposal']['id']}/accept", outsider, json={})
    assert status == 404
    status, _ = await api.call("POST", f"/api/care/alerts/{body['alerts'][0]['id']}/ack", outsider, json={"note": "x"})
    assert status == 404


async def test_every_staff_read_of_screening_data_is_in_the_access_log(api: Api, clinic: Clinic) -> None:
    patient = await clinic.patient()
    await api.call("POST", "/api/care/screenings", patient, json=phq9(0, 0, 0, 0, 0, 0, 0, 0, 0))
    await api.call("GET", f"/api/care/patients/{patient.id}", clinic.psychologist)
    await api.call("GET", "/api/care/patients", clinic.psychologist)
    status, log = await api.call("GET", f"/api/care/access-log?patient_id={patient.id}", clinic.admin)
    assert status == 200
    seen = {(e["staff_id"], e["action"]) for e in log["entries"]}
    assert {(clinic.psychologist.id, "read_patient"), (clinic.psychologist.id, "list_patients")} <= seen
    status, _ = await api.call("GET", "/api/care/access-log", clinic.psychologist)
    assert status == 403


async def test_rooms_ask_one_question_and_the_step_answers_it(server: RunningServer, clinic: Clinic) -> None:
    care = server.services.care
    patient = await clinic.patient()
    mentor = await clinic.make_user("mentor", site_id=clinic.site_id)
    here = SiteId(clinic.site_id)
    elsewhere = SiteId(clinic.site_id + 10_000)
    assert await care.current_step(patient.id) == Step.PSYCHOEDUCATION
    assert await care.may_enter(patient.person, here, Step.PSYCHOEDUCATION)
    assert not await care.may_enter(patient.person, here, Step.PEER_SUPPORT)
    assert not await care.may_enter(patient.person, elsewhere, Step.SCREENING)
    changes: list[tuple[int, int, int]] = []
    care.on_step_changed(lambda uid, old, new: changes.append((uid, old, new)))
    await care.set_step(patient.id, Step.PEER_SUPPORT, decided_by=None, reason="demo", kind=TransitionKind.SEED)
    assert await care.may_enter(patient.person, here, Step.PEER_SUPPORT)
    assert not await care.may_enter(patient.person, here, Step.GROUP_THERAPY)
    assert (patient.id, 2, 3) in changes
    assert await care.may_enter(mentor.person, here, Step.PEER_SUPPORT)
    assert not await care.may_enter(mentor.person, here, Step.GROUP_THERAPY)
    assert await care.may_enter(clinic.psychologist.person, here, Step.GROUP_THERAPY)
    assert not await care.may_enter(clinic.psychologist.person, elsewhere, Step.SCREENING)


MALFORMED_SUBMISSIONS: list[object] = [
    {},
    {"instrument": 5, "answers": {}},
    {"instrument": "phq9", "answers": []},
    {"instrument": "phq9", "answers": {"phq9-1": {"nested": 1}}},
    {"instrument": "nope", "answers": {}},
    {"instrument": "phq9", "version": "9.9", "answers": {}},
    {"instrument": "phq9", "answers": {}, "client_id": ["x"]},
    {"instrument": "phq9", "answers": {}, "language": ["es"], "identifier": "x"},
    {"resourceType": "QuestionnaireResponse"},
    {"resourceType": "QuestionnaireResponse", "questionnaire": "phq9", "item": {"linkId": "x"}},
    {"resourceType": "QuestionnaireResponse", "questionnaire": "phq9", "item": [{"linkId": "phq9-1", "answer": "2"}]},
    [1, 2, 3],
]


async def test_malformed_submissions_get_a_structured_client_error_never_a_crash(api: Api, clinic: Clinic) -> None:
    patient = await clinic.patient()
    for body in MALFORMED_SUBMISSIONS:
        status, answer = await api.call("POST", "/api/care/screenings", patient, json=body)
        assert 400 <= status < 500, (body, answer)
        assert answer["error"]["code"] in {"validation_failed", "not_found", "bad_request"}, body


MALFORMED_QUESTIONNAIRES: list[object] = [
    {"resourceType": "Patient"},
    {"resourceType": "Questionnaire", "id": "x", "item": "nope"},
    {
        "resourceType": "Questionnaire",
        "id": "x",
        "_title": "x",
        "title": "t",
        "item": [{"linkId": "a", "type": "boolean"}],
    },
    {
        "resourceType": "Questionnaire",
        "id": "x",
        "extension": [{"url": "https://oncommun.org/fhir/StructureDefinition/scoring", "valueString": "{"}],
        "item": [{"linkId": "a", "type": "boolean"}],
    },
    {
        "resourceType": "Questionnaire",
        "id": "x",
        "item": [{"linkId": "a", "type": "choice", "answerOption": "x"}],
    },
    {"resourceType": "Questionnaire", "id": "../etc", "item": [{"linkId": "a", "type": "boolean"}]},
]


async def test_malformed_questionnaires_are_refused_with_422(api: Api, clinic: Clinic) -> None:
    for resource in MALFORMED_QUESTIONNAIRES:
        status, answer = await api.call("POST", "/api/care/instruments", clinic.admin, json=resource)
        assert status == 422, (resource, answer)
