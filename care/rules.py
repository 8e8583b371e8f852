"""Stepping and alert rules as data, and the small evaluator that reads them.

A site's rules are JSON stored in the database, so they are parsed into a closed set of node types and
never evaluated as code: a comparison of a named score or item against a number, combined with all / any
/ not. Anything else is rejected when the rules are saved, with the path of the bad node.

Grammar::

    condition := {"all": [condition, ...]} | {"any": [condition, ...]} | {"not": condition}
               | {"score": "<instrument>.<score>", "op": OP, "value": number}
               | {"item": "<instrument>.<linkId>", "op": OP, "value": number}
    OP        := ">=" | ">" | "<=" | "<" | "==" | "!="

A comparison whose score or item is not known (that instrument was not part of this screening) is false.
"""

from __future__ import annotations

import operator
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from care.errors import N_, DomainError, ErrorCode
from care.instruments import Severity
from care.people import Step

_OPS: dict[str, Callable[[float, float], bool]] = {
    ">=": operator.ge,
    ">": operator.gt,
    "<=": operator.le,
    "<": operator.lt,
    "==": operator.eq,
    "!=": operator.ne,
}
MAX_DEPTH = 8
MAX_NODES = 200


@dataclass(frozen=True, slots=True)
class Facts:
    """What a screening established: scores by "<instrument>.<score>", item scores by "<instrument>.<id>"."""

    scores: Mapping[str, float]
    items: Mapping[str, float]


@dataclass(frozen=True, slots=True)
class Compare:
    kind: str  # "score" or "item"
    ref: str
    op: str
    value: float

    def holds(self, facts: Facts) -> bool:
        known = facts.scores if self.kind == "score" else facts.items
        if self.ref not in known:
            return False
        return _OPS[self.op](known[self.ref], self.value)


@dataclass(frozen=True, slots=True)
class AllOf:
    parts: tuple[Condition, ...]

    def holds(self, facts: Facts) -> bool:
        return all(p.holds(facts) for p in self.parts)


@dataclass(frozen=True, slots=True)
class AnyOf:
    parts: tuple[Condition, ...]

    def holds(self, facts: Facts) -> bool:
        return any(p.holds(facts) for p in self.parts)


@dataclass(frozen=True, slots=True)
class Not:
    part: Condition

    def holds(self, facts: Facts) -> bool:
        return not self.part.holds(facts)


Condition = Compare | AllOf | AnyOf | Not


class _Parser:
    def __init__(self) -> None:
        self.nodes = 0
        self.problems: list[dict[str, str]] = []

    def bad(self, path: str, problem: str) -> None:
        self.problems.append({"path": path, "problem": problem})

    def condition(self, obj: object, path: str, depth: int = 0) -> Condition | None:
        self.nodes += 1
        if depth > MAX_DEPTH or self.nodes > MAX_NODES:
            self.bad(path, "too_complex")
            return None
        if not isinstance(obj, dict):
            self.bad(path, "not_an_object")
            return None
        if set(obj) in ({"all"}, {"any"}):
            key = next(iter(obj))
            raw = obj[key]
            if not isinstance(raw, list) or not raw:
                self.bad(f"{path}.{key}", "not_a_nonempty_list")
                return None
            parts = [self.condition(p, f"{path}.{key}[{n}]", depth + 1) for n, p in enumerate(raw)]
            if any(p is None for p in parts):
                return None
            clean = tuple(p for p in parts if p is not None)
            return AllOf(clean) if key == "all" else AnyOf(clean)
        if set(obj) == {"not"}:
            inner = self.condition(obj["not"], f"{path}.not", depth + 1)
            return None if inner is None else Not(inner)
        kinds = {"score", "item"} & set(obj)
        if len(kinds) != 1 or set(obj) != {*kinds, "op", "value"}:
            self.bad(path, "unknown_shape")
            return None
        kind = next(iter(kinds))
        ref, op, value = obj[kind], obj["op"], obj["value"]
        if not isinstance(ref, str) or "." not in ref:
            self.bad(f"{path}.{kind}", "expected_instrument_dot_name")
            return None
        if op not in _OPS:
            self.bad(f"{path}.op", "unknown_operator")
            return None
        if isinstance(value, bool) or not isinstance(value, int | float):
            self.bad(f"{path}.value", "not_a_number")
            return None
        return Compare(kind, ref, op, float(value))


def _fail(problems: list[dict[str, str]]) -> DomainError:
    return DomainError(ErrorCode.VALIDATION_FAILED, N_("These rules are not valid."), details=problems)


def parse_condition(obj: object) -> Condition:
    parser = _Parser()
    condition = parser.condition(obj, "$")
    if condition is None:
        raise _fail(parser.problems)
    return condition


@dataclass(frozen=True, slots=True)
class StepUpRule:
    id: str
    when: Condition
    min_step: Step


@dataclass(frozen=True, slots=True)
class AlertRule:
    id: str
    when: Condition
    kind: str
    severity: Severity


@dataclass(frozen=True, slots=True)
class RuleSet:
    """One site's stepping and alert rules. ``source`` keeps the JSON as saved, for display and export."""

    step_up: tuple[StepUpRule, ...]
    step_down_after: int  # consecutive below-threshold screenings that propose a step down; 0 disables
    alerts: tuple[AlertRule, ...]
    source: Mapping[str, Any]

    @staticmethod
    def from_json(obj: object) -> RuleSet:
        parser = _Parser()
        if not isinstance(obj, dict):
            raise _fail([{"path": "$", "problem": "not_an_object"}])
        unknown = set(obj) - {"version", "step_up", "step_down", "alerts"}
        for key in sorted(unknown):
            parser.bad(f"$.{key}", "unknown_key")
        step_up: list[StepUpRule] = []
        for n, raw in enumerate(_list(obj.get("step_up", []), "$.step_up", parser)):
            path = f"$.step_up[{n}]"
            when = parser.condition(raw.get("when") if isinstance(raw, dict) else None, f"{path}.when")
            rule_id, step = (raw.get("id"), raw.get("min_step")) if isinstance(raw, dict) else (None, None)
            if not isinstance(rule_id, str) or not rule_id:
                parser.bad(f"{path}.id", "missing")
            if not isinstance(step, int) or isinstance(step, bool) or step not in {s.value for s in Step}:
                parser.bad(f"{path}.min_step", "not_a_step")
            elif when is not None and isinstance(rule_id, str):
                step_up.append(StepUpRule(rule_id, when, Step(step)))
        down = obj.get("step_down", {"consecutive_below": 0})
        after = down.get("consecutive_below") if isinstance(down, dict) else None
        if not isinstance(after, int) or isinstance(after, bool) or not 0 <= after <= 20:
            parser.bad("$.step_down.consecutive_below", "not_an_integer_0_to_20")
            after = 0
        alerts: list[AlertRule] = []
        for n, raw in enumerate(_list(obj.get("alerts", []), "$.alerts", parser)):
            path = f"$.alerts[{n}]"
            when = parser.condition(raw.get("when") if isinstance(raw, dict) else None, f"{path}.when")
            fields = [raw.get(k) if isinstance(raw, dict) else None for k in ("id", "kind", "severity")]
            if not all(isinstance(f, str) and f for f in fields[:2]):
                parser.bad(path, "id_and_kind_required")
            elif fields[2] not in {s.value for s in Severity}:
                parser.bad(f"{path}.severity", "unknown_severity")
            elif when is not None:
                alerts.append(AlertRule(str(fields[0]), when, str(fields[1]), Severity(str(fields[2]))))
        if parser.problems:
            raise _fail(parser.problems)
        return RuleSet(tuple(step_up), after, tuple(alerts), obj)


def _list(raw: object, path: str, parser: _Parser) -> list[Any]:
    if not isinstance(raw, list):
        parser.bad(path, "not_a_list")
        return []
    return raw


DEFAULT_RULES: dict[str, Any] = {
    "version": 1,
    "step_up": [
        {"id": "distress_4", "min_step": 3, "when": {"score": "dt.total", "op": ">=", "value": 4}},
        {
            "id": "hads_subscale_8",
            "min_step": 3,
            "when": {
                "any": [
                    {"score": "hads.anxiety", "op": ">=", "value": 8},
                    {"score": "hads.depression", "op": ">=", "value": 8},
                ]
            },
        },
        {"id": "phq9_10", "min_step": 3, "when": {"score": "phq9.total", "op": ">=", "value": 10}},
        {
            "id": "hads_subscale_11",
            "min_step": 4,
            "when": {
                "any": [
                    {"score": "hads.anxiety", "op": ">=", "value": 11},
                    {"score": "hads.depression", "op": ">=", "value": 11},
                ]
            },
        },
        {"id": "phq9_15", "min_step": 4, "when": {"score": "phq9.total", "op": ">=", "value": 15}},
    ],
    "step_down": {"consecutive_below": 2},
    "alerts": [],
}


@dataclass(frozen=True, slots=True)
class Evaluation:
    """What the rules say about one screening."""

    fired: tuple[StepUpRule, ...]
    alerts: tuple[AlertRule, ...]

    @property
    def above_threshold(self) -> bool:
        return bool(self.fired)

    @property
    def min_step(self) -> Step | None:
        return max((r.min_step for r in self.fired), default=None)


def evaluate(rules: RuleSet, facts: Facts) -> Evaluation:
    return Evaluation(
        tuple(r for r in rules.step_up if r.when.holds(facts)),
        tuple(a for a in rules.alerts if a.when.holds(facts)),
    )


@dataclass(frozen=True, slots=True)
class StepChange:
    from_step: Step
    to_step: Step
    reasons: tuple[str, ...]  # rule ids, or "consecutive_below_<n>"


def propose_step(
    rules: RuleSet, evaluation: Evaluation, current: Step, below_streak: int, floor: Step
) -> StepChange | None:
    """Propose a move, or nothing.

    A screening above a threshold proposes the highest step its rules ask for, if that is above the
    current one. ``below_streak`` counts the consecutive below-threshold screenings since the last
    transition, this one included; at ``step_down_after`` it proposes one step down, never below ``floor``.
    """
    target = evaluation.min_step
    if target is not None:
        if target > current:
            reasons = tuple(r.id for r in evaluation.fired if r.min_step == target)
            return StepChange(current, target, reasons)
        return None
    if rules.step_down_after and below_streak >= rules.step_down_after and current > floor:
        return StepChange(current, Step(current - 1), (f"consecutive_below_{rules.step_down_after}",))
    return None
