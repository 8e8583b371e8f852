"""Scoring of every built-in instrument against vectors worked out by hand from the published rules."""

from __future__ import annotations

import pytest

from care.builtin import builtin_instruments, distress_thermometer, gad7, hads, phq9
from care.errors import DomainError
from care.scoring import risk_flags, score


def phq9_answers(*values: int) -> dict[str, object]:
    return {f"phq9-{n}": str(v) for n, v in enumerate(values, start=1)}


def gad7_answers(*values: int) -> dict[str, object]:
    return {f"gad7-{n}": str(v) for n, v in enumerate(values, start=1)}


def hads_answers(letters: str) -> dict[str, object]:
    """One printed-position letter per item, items 1..14 in order."""
    return {f"hads-{n}": letter for n, letter in enumerate(letters, start=1)}


@pytest.mark.parametrize(
    ("values", "total", "band"),
    [
        ((0, 0, 0, 0, 0, 0, 0, 0, 0), 0, "minimal"),
        ((1, 1, 1, 1, 0, 0, 0, 0, 0), 4, "minimal"),
        ((1, 1, 1, 1, 1, 0, 0, 0, 0), 5, "mild"),
        ((3, 3, 3, 0, 0, 0, 0, 0, 0), 9, "mild"),
        ((2, 2, 2, 2, 2, 0, 0, 0, 0), 10, "moderate"),
        ((2, 2, 2, 2, 2, 2, 2, 0, 0), 14, "moderate"),
        ((3, 3, 3, 3, 3, 0, 0, 0, 0), 15, "moderately_severe"),
        ((3, 3, 3, 3, 3, 3, 1, 0, 0), 19, "moderately_severe"),
        ((3, 3, 3, 3, 3, 3, 2, 0, 0), 20, "severe"),
        ((3, 3, 3, 3, 3, 3, 3, 3, 3), 27, "severe"),
    ],
)
def test_phq9_totals_fall_in_the_published_severity_bands(values: tuple[int, ...], total: int, band: str) -> None:
    result = score(phq9(), phq9_answers(*values))
    assert result.scores == {"total": total}
    assert result.bands == {"total": band}


def test_a_phq9_total_of_one_made_of_item_9_raises_an_urgent_self_harm_alert() -> None:
    instrument = phq9()
    result = score(instrument, phq9_answers(0, 0, 0, 0, 0, 0, 0, 0, 1))
    assert result.scores["total"] == 1
    assert result.bands["total"] == "minimal"
    flags = risk_flags(instrument, result)
    assert [(f.kind, f.severity.value) for f in flags] == [("self_harm_thoughts", "urgent")]


def test_a_high_phq9_with_item_9_at_zero_raises_no_alert() -> None:
    instrument = phq9()
    result = score(instrument, phq9_answers(3, 3, 3, 3, 3, 3, 3, 3, 0))
    assert result.scores["total"] == 24
    assert risk_flags(instrument, result) == []


def test_phq9_accepts_integer_codes_and_loinc_answer_codes_alike() -> None:
    by_int = score(phq9(), {f"phq9-{n}": 2 for n in range(1, 10)})
    by_loinc = score(phq9(), {f"phq9-{n}": "LA6570-1" for n in range(1, 10)})
    assert by_int.scores == by_loinc.scores == {"total": 18}
    assert by_loinc.answers["phq9-1"] == "2"


@pytest.mark.parametrize(
    ("values", "total", "band"),
    [
        ((1, 1, 1, 1, 0, 0, 0), 4, "minimal"),
        ((1, 1, 1, 1, 1, 0, 0), 5, "mild"),
        ((3, 3, 3, 0, 0, 0, 0), 9, "mild"),
        ((3, 3, 3, 1, 0, 0, 0), 10, "moderate"),
        ((2, 2, 2, 2, 2, 2, 2), 14, "moderate"),
        ((3, 3, 3, 3, 3, 0, 0), 15, "severe"),
        ((3, 3, 3, 3, 3, 3, 3), 21, "severe"),
    ],
)
def test_gad7_totals_fall_in_the_published_severity_bands(values: tuple[int, ...], total: int, band: str) -> None:
    result = score(gad7(), gad7_answers(*values))
    assert (result.scores["total"], result.bands["total"]) == (total, band)


def test_hads_first_printed_option_everywhere_scores_reverse_keyed_items_high() -> None:
    # Printed first options score 3 on items 1 3 5 6 8 10 11 13 and 0 on items 2 4 7 9 12 14.
    # Anxiety (odd): 3+3+3+0+0+3+3 = 15; depression (even): 0+0+3+3+3+0+0 = 9.
    result = score(hads(), hads_answers("a" * 14))
    assert result.scores == {"anxiety": 15, "depression": 9, "total": 24}
    assert result.bands == {"anxiety": "abnormal", "depression": "borderline"}


def test_hads_last_printed_option_everywhere_is_the_mirror_image() -> None:
    # Anxiety: 0+0+0+3+3+0+0 = 6; depression: 3+3+0+0+0+3+3 = 12.
    result = score(hads(), hads_answers("d" * 14))
    assert result.scores == {"anxiety": 6, "depression": 12, "total": 18}
    assert result.bands == {"anxiety": "normal", "depression": "abnormal"}


def test_hads_anxiety_boundary_between_normal_and_borderline() -> None:
    # Items 1 3 5 7 9 11 13 -> a(3) b(2) c(1) b(1) a(0) d(0) d(0) = 7; even items all scoring 0.
    letters = {1: "a", 3: "b", 5: "c", 7: "b", 9: "a", 11: "d", 13: "d"}
    zero_depression = {2: "a", 4: "a", 6: "d", 8: "d", 10: "d", 12: "a", 14: "a"}
    answers = {f"hads-{n}": v for n, v in {**letters, **zero_depression}.items()}
    result = score(hads(), answers)
    assert (result.scores["anxiety"], result.bands["anxiety"]) == (7, "normal")
    assert (result.scores["depression"], result.bands["depression"]) == (0, "normal")
    answers["hads-9"] = "b"  # 0 -> 1
    result = score(hads(), answers)
    assert (result.scores["anxiety"], result.bands["anxiety"]) == (8, "borderline")


def test_hads_depression_boundary_between_borderline_and_abnormal() -> None:
    # Items 2 4 6 8 10 12 14 -> d(3) d(3) b(2) c(1) c(1) a(0) a(0) = 10; odd items all scoring 0.
    depression = {2: "d", 4: "d", 6: "b", 8: "c", 10: "c", 12: "a", 14: "a"}
    zero_anxiety = {1: "d", 3: "d", 5: "d", 7: "a", 9: "a", 11: "d", 13: "d"}
    answers = {f"hads-{n}": v for n, v in {**depression, **zero_anxiety}.items()}
    result = score(hads(), answers)
    assert (result.scores["depression"], result.bands["depression"]) == (10, "borderline")
    assert result.scores["anxiety"] == 0
    answers["hads-12"] = "b"  # 0 -> 1
    result = score(hads(), answers)
    assert (result.scores["depression"], result.bands["depression"]) == (11, "abnormal")


def test_hads_marks_exactly_the_items_printed_from_three_down_as_reverse_keyed() -> None:
    reverse = [int(i.link_id.split("-")[1]) for i in hads().items if i.reverse_keyed]
    assert reverse == [1, 3, 5, 6, 8, 10, 11, 13]


def test_hads_ships_no_licensed_wording() -> None:
    for n, item in enumerate(hads().items, start=1):
        assert item.text == {"en": f"HADS item {n}"}


@pytest.mark.parametrize(
    ("reading", "band"), [(0, "below_cutoff"), (3, "below_cutoff"), (4, "distress"), (10, "distress")]
)
def test_distress_thermometer_cut_off_is_four(reading: int, band: str) -> None:
    result = score(distress_thermometer(), {"dt": reading})
    assert (result.scores["total"], result.bands["total"]) == (reading, band)


def test_distress_thermometer_at_ten_alerts_and_at_nine_does_not() -> None:
    dt = distress_thermometer()
    assert [f.kind for f in risk_flags(dt, score(dt, {"dt": 10}))] == ["extreme_distress"]
    assert risk_flags(dt, score(dt, {"dt": 9})) == []


def test_distress_thermometer_problem_list_is_optional_yes_no_and_unscored() -> None:
    result = score(distress_thermometer(), {"dt": "5", "dt-problem-practical": True, "dt-problem-physical": False})
    assert result.scores == {"total": 5}
    assert result.answers["dt-problem-practical"] is True


def test_validation_names_every_missing_unknown_and_disallowed_item() -> None:
    answers = phq9_answers(0, 0, 0, 0, 0, 0, 0)  # items 8 and 9 missing
    answers["phq9-1"] = "4"
    answers["phq9-99"] = "0"
    with pytest.raises(DomainError) as caught:
        score(phq9(), answers)
    error = caught.value
    assert (error.code, error.status) == ("validation_failed", 422)
    problems = {(p["item"], p["problem"]) for p in error.details["items"]}
    assert problems == {
        ("phq9-1", "not_allowed"),
        ("phq9-8", "missing"),
        ("phq9-9", "missing"),
        ("phq9-99", "unknown_item"),
    }


def test_hads_refuses_scores_in_place_of_printed_options() -> None:
    answers: dict[str, object] = {f"hads-{n}": 0 for n in range(1, 15)}
    with pytest.raises(DomainError) as caught:
        score(hads(), answers)
    assert len(caught.value.details["items"]) == 14


def test_a_boolean_is_not_an_answer_to_a_choice_item() -> None:
    with pytest.raises(DomainError):
        score(distress_thermometer(), {"dt": True})


def test_every_builtin_has_a_total_and_a_version() -> None:
    for instrument in builtin_instruments():
        assert instrument.version
        assert instrument.score_def("total") is not None
