"""Stepping and alert rules stored as data, and what they propose."""

from __future__ import annotations

import pytest

from care.builtin import distress_thermometer, hads, phq9
from care.errors import DomainError
from care.people import Step
from care.rules import DEFAULT_RULES, Facts, RuleSet, evaluate, propose_step
from care.scoring import score

RULES = RuleSet.from_json(DEFAULT_RULES)


def phq9_facts(total_from_items: list[int]) -> Facts:
    return score(phq9(), {f"phq9-{n}": v for n, v in enumerate(total_from_items, start=1)}).facts()


def test_phq9_of_ten_proposes_step_three_from_step_two() -> None:
    evaluation = evaluate(RULES, phq9_facts([2, 2, 2, 2, 2, 0, 0, 0, 0]))
    change = propose_step(RULES, evaluation, Step.PSYCHOEDUCATION, below_streak=0, floor=Step.PSYCHOEDUCATION)
    assert change is not None
    assert (change.from_step, change.to_step, change.reasons) == (Step(2), Step(3), ("phq9_10",))


def test_phq9_of_fifteen_proposes_step_four() -> None:
    evaluation = evaluate(RULES, phq9_facts([3, 3, 3, 3, 3, 0, 0, 0, 0]))
    change = propose_step(RULES, evaluation, Step.PSYCHOEDUCATION, below_streak=0, floor=Step.PSYCHOEDUCATION)
    assert change is not None and change.to_step == Step.GROUP_THERAPY and change.reasons == ("phq9_15",)


def test_a_patient_already_at_the_proposed_step_gets_no_proposal() -> None:
    evaluation = evaluate(RULES, phq9_facts([2, 2, 2, 2, 2, 0, 0, 0, 0]))
    assert propose_step(RULES, evaluation, Step.GROUP_THERAPY, 0, Step.PSYCHOEDUCATION) is None


def test_distress_of_four_and_any_hads_subscale_of_eight_propose_step_three() -> None:
    dt = evaluate(RULES, score(distress_thermometer(), {"dt": 4}).facts())
    assert [r.id for r in dt.fired] == ["distress_4"]
    # Anxiety 8 (items 1 3 5 7 9 11 13 = a b c b b d d -> 3+2+1+1+1+0+0), depression 0.
    answers = {1: "a", 3: "b", 5: "c", 7: "b", 9: "b", 11: "d", 13: "d"}
    answers |= {2: "a", 4: "a", 6: "d", 8: "d", 10: "d", 12: "a", 14: "a"}
    facts = score(hads(), {f"hads-{n}": v for n, v in answers.items()}).facts()
    assert evaluate(RULES, facts).min_step == Step.PEER_SUPPORT


def test_two_consecutive_screenings_below_thresholds_propose_one_step_down() -> None:
    below = evaluate(RULES, phq9_facts([1, 0, 0, 0, 0, 0, 0, 0, 0]))
    assert not below.above_threshold
    assert propose_step(RULES, below, Step.PEER_SUPPORT, 1, Step.PSYCHOEDUCATION) is None
    change = propose_step(RULES, below, Step.PEER_SUPPORT, 2, Step.PSYCHOEDUCATION)
    assert change is not None and change.to_step == Step.PSYCHOEDUCATION


def test_no_step_down_below_the_floor() -> None:
    below = evaluate(RULES, phq9_facts([0] * 9))
    assert propose_step(RULES, below, Step.PSYCHOEDUCATION, 5, Step.PSYCHOEDUCATION) is None


def test_site_alert_rules_fire_on_their_condition() -> None:
    rules = RuleSet.from_json(
        {
            **DEFAULT_RULES,
            "alerts": [
                {
                    "id": "severe_depression",
                    "kind": "severe_depression",
                    "severity": "high",
                    "when": {
                        "all": [
                            {"score": "phq9.total", "op": ">=", "value": 20},
                            {"not": {"item": "phq9.phq9-1", "op": "==", "value": 0}},
                        ]
                    },
                }
            ],
        }
    )
    assert [a.kind for a in evaluate(rules, phq9_facts([3] * 7 + [0, 0])).alerts] == ["severe_depression"]
    assert evaluate(rules, phq9_facts([0] + [3] * 6 + [0, 0])).alerts == ()


@pytest.mark.parametrize(
    "bad",
    [
        {"step_up": [{"id": "x", "min_step": 3, "when": "__import__('os').system('true')"}]},
        {"step_up": [{"id": "x", "min_step": 3, "when": {"score": "phq9.total", "op": "in", "value": 1}}]},
        {"step_up": [{"id": "x", "min_step": 7, "when": {"score": "phq9.total", "op": ">=", "value": 1}}]},
        {"step_up": [{"id": "x", "min_step": 3, "when": {"score": "total", "op": ">=", "value": 1}}]},
        {"step_up": [{"id": "x", "min_step": 3, "when": {"score": "a.b", "op": ">=", "value": "1"}}]},
        {"alerts": [{"id": "x", "kind": "k", "severity": "panic", "when": {"score": "a.b", "op": ">=", "value": 1}}]},
        {"lambda": 1},
    ],
)
def test_rules_that_are_not_in_the_grammar_are_refused_before_they_are_stored(bad: dict[str, object]) -> None:
    with pytest.raises(DomainError) as caught:
        RuleSet.from_json(bad)
    assert caught.value.code == "validation_failed"
    assert caught.value.details


def test_deeply_nested_rules_are_refused_as_too_complex() -> None:
    condition: dict[str, object] = {"score": "phq9.total", "op": ">=", "value": 1}
    for _ in range(20):
        condition = {"not": condition}
    with pytest.raises(DomainError) as caught:
        RuleSet.from_json({"step_up": [{"id": "x", "min_step": 3, "when": condition}]})
    assert any(p["problem"] == "too_complex" for p in caught.value.details)
