"""Reliable change for mentor eligibility, the screening schedule, mentor matching and escalation timing."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from care.alerts import Alert, AlertStatus, next_escalation_level
from care.change import NORMS, Observation, reliable_changes, reliably_improved
from care.instruments import Severity
from care.matching import Profile, age_band, rank_mentors
from care.people import SiteId, UserId
from care.schedule import DueReason, Request, add_months, due_screenings

T0 = datetime(2026, 1, 10, 9, 0, tzinfo=UTC)


def series(name: str, *values: int) -> dict[str, list[Observation]]:
    return {name: [Observation(T0 + timedelta(days=90 * n), v) for n, v in enumerate(values)]}


def test_reliable_change_thresholds_match_the_published_norms() -> None:
    # S_diff = sqrt(2) * SD * sqrt(1 - r): HADS-A 3.76, .82 -> 2.256; HADS-D 3.07, .77 -> 2.082;
    # PHQ-9 3.5, .89 -> 1.642. Times 1.96: 4.42, 4.08, 3.22 points.
    assert NORMS["hads.anxiety"].s_diff * 1.96 == pytest.approx(4.42, abs=0.01)
    assert NORMS["hads.depression"].s_diff * 1.96 == pytest.approx(4.08, abs=0.01)
    assert NORMS["phq9.total"].s_diff * 1.96 == pytest.approx(3.22, abs=0.01)


def test_a_five_point_hads_anxiety_drop_is_reliable_and_four_is_not() -> None:
    assert reliably_improved(series("hads.anxiety", 15, 10))
    assert not reliably_improved(series("hads.anxiety", 15, 11))


def test_a_four_point_phq9_drop_is_reliable_and_three_is_not() -> None:
    (change,) = reliable_changes(series("phq9.total", 14, 12, 10))
    assert change.rci == pytest.approx(-4 / NORMS["phq9.total"].s_diff)
    assert change.improved and change.to_json()["baseline"] == 14
    assert not reliably_improved(series("phq9.total", 14, 11))


def test_a_reliable_worsening_is_not_an_improvement() -> None:
    (change,) = reliable_changes(series("hads.depression", 3, 12))
    assert change.deteriorated and not change.improved


def test_every_instrument_of_the_battery_is_due_at_intake() -> None:
    due = due_screenings(enrolled_at=T0, now=T0, battery=["dt", "phq9"], submitted={})
    assert [(d.instrument, d.reason) for d in due] == [("dt", DueReason.INTAKE), ("phq9", DueReason.INTAKE)]


def test_screening_is_due_again_at_three_months_unless_answered_a_little_early() -> None:
    three_months = add_months(T0, 3)
    submitted = {"phq9": [T0]}
    assert (
        due_screenings(enrolled_at=T0, now=three_months - timedelta(days=1), battery=["phq9"], submitted=submitted)
        == []
    )
    (due,) = due_screenings(enrolled_at=T0, now=three_months, battery=["phq9"], submitted=submitted)
    assert (due.reason, due.months, due.due_at) == (DueReason.INTERVAL, 3, three_months)
    early = {"phq9": [T0, three_months - timedelta(days=10)]}
    assert due_screenings(enrolled_at=T0, now=three_months, battery=["phq9"], submitted=early) == []


def test_the_intervals_are_configurable() -> None:
    submitted = {"phq9": [T0]}
    now = add_months(T0, 1)
    due = due_screenings(enrolled_at=T0, now=now, battery=["phq9"], submitted=submitted, intervals_months=[1])
    assert [d.months for d in due] == [1]


def test_a_psychologists_request_is_due_until_answered() -> None:
    request = Request(7, "hads", T0 + timedelta(days=5))
    submitted = {"hads": [T0]}
    (due,) = due_screenings(
        enrolled_at=T0, now=T0 + timedelta(days=6), battery=[], submitted=submitted, requests=[request]
    )
    assert (due.reason, due.request_id) == (DueReason.REQUESTED, 7)
    answered = {"hads": [T0, T0 + timedelta(days=6)]}
    assert (
        due_screenings(enrolled_at=T0, now=T0 + timedelta(days=7), battery=[], submitted=answered, requests=[request])
        == []
    )


def test_month_arithmetic_clamps_to_the_end_of_short_months() -> None:
    assert add_months(datetime(2026, 11, 30, tzinfo=UTC), 3) == datetime(2027, 2, 28, tzinfo=UTC)


def profile(uid: int, **kw: object) -> Profile:
    base: dict[str, object] = {
        "user_id": UserId(uid),
        "site_id": SiteId(1),
        "language": "es",
        "diagnosis": "breast",
        "treatment_phase": "post_treatment",
        "age_band": "40-49",
        "capacity": 2,
        "active_mentees": 0,
    }
    base.update(kw)
    return Profile(**base)  # type: ignore[arg-type]


def test_mentors_are_ranked_by_similarity_and_availability_with_an_explanation() -> None:
    patient = profile(1, capacity=0)
    twin = profile(2)
    other_language = profile(3, language="pl")
    full = profile(4, active_mentees=2)
    older = profile(5, age_band="50-59", diagnosis="colorectal")
    ranked = rank_mentors(patient, [older, full, other_language, twin])
    assert [m.mentor.user_id for m in ranked] == [2, 3, 5, 4]
    best = ranked[0].to_json()
    assert best["similarity"] == best["max_similarity"]
    assert {f["factor"]: f["match"] for f in best["explanation"] if "match" in f} == {
        "diagnosis": "same",
        "language": "same",
        "treatment_phase": "same",
        "age_band": "same",
        "site": "same",
    }
    assert ranked[-1].available is False
    age = next(f for f in ranked[2].factors if f["factor"] == "age_band")
    assert (age["match"], age["points"]) == ("adjacent", 1.0)


def test_age_bands() -> None:
    assert [age_band(a) for a in (18, 29, 30, 69, 70, None)] == ["18-29", "18-29", "30-39", "60-69", "70+", None]


def alert(**kw: object) -> Alert:
    base: dict[str, object] = {
        "id": 1,
        "site_id": SiteId(1),
        "patient_id": UserId(9),
        "kind": "self_harm_thoughts",
        "severity": Severity.URGENT,
        "source": "screening",
        "source_ref": "1",
        "details": {},
        "created_at": T0,
    }
    base.update(kw)
    return Alert(**base)  # type: ignore[arg-type]


def test_an_unacknowledged_urgent_alert_climbs_one_on_call_contact_per_timeout() -> None:
    timeout = timedelta(minutes=15)
    assert next_escalation_level(alert(), T0 + timedelta(minutes=14), timeout, 2) is None
    assert next_escalation_level(alert(), T0 + timeout, timeout, 2) == 1
    climbed = alert(escalation_level=1, escalated_at=T0 + timeout)
    assert next_escalation_level(climbed, T0 + timeout + timedelta(minutes=14), timeout, 2) is None
    assert next_escalation_level(climbed, T0 + 2 * timeout, timeout, 2) == 2
    assert next_escalation_level(alert(escalation_level=2), T0 + 9 * timeout, timeout, 2) is None


def test_acknowledged_or_non_urgent_alerts_do_not_escalate() -> None:
    late = T0 + timedelta(days=1)
    assert next_escalation_level(alert(status=AlertStatus.ACKNOWLEDGED), late, timedelta(minutes=1), 3) is None
    assert next_escalation_level(alert(severity=Severity.HIGH), late, timedelta(minutes=1), 3) is None
