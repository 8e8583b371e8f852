"""Validation and scoring of one submission. Always on the server: a client's total is never trusted.

Answers come in as ``{linkId: value}`` where a value is an option code (or its LOINC answer code, or an
integer code) for choice items and a boolean for yes/no items. Every problem is collected before failing,
so the patient sees every bad item at once.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from care.errors import N_, DomainError, ErrorCode
from care.instruments import Instrument, ItemType, Severity
from care.rules import Facts, parse_condition

Answer = str | bool


@dataclass(frozen=True, slots=True)
class ScoreResult:
    instrument: str
    version: str
    answers: dict[str, Answer]  # normalised: option codes and booleans
    item_scores: dict[str, int]
    scores: dict[str, int]
    bands: dict[str, str]

    def facts(self) -> Facts:
        return Facts(
            {f"{self.instrument}.{k}": float(v) for k, v in self.scores.items()},
            {f"{self.instrument}.{k}": float(v) for k, v in self.item_scores.items()},
        )

    def to_json(self) -> dict[str, Any]:
        return {
            "instrument": self.instrument,
            "version": self.version,
            "scores": self.scores,
            "bands": self.bands,
        }


@dataclass(frozen=True, slots=True)
class RiskFlag:
    kind: str
    severity: Severity


def score(instrument: Instrument, answers: Mapping[str, object]) -> ScoreResult:
    """Validate every item, then sum. Raises validation_failed (422) naming each bad item."""
    problems: list[dict[str, Any]] = []
    normalised: dict[str, Answer] = {}
    item_scores: dict[str, int] = {}
    for link_id in sorted(set(answers) - {i.link_id for i in instrument.items}):
        problems.append({"item": link_id, "problem": "unknown_item"})
    for item in instrument.items:
        value = answers.get(item.link_id)
        if value is None:
            if item.required:
                problems.append({"item": item.link_id, "problem": "missing"})
            continue
        if item.type is ItemType.BOOLEAN:
            if not isinstance(value, bool):
                problems.append({"item": item.link_id, "problem": "not_allowed", "allowed": [True, False]})
                continue
            normalised[item.link_id] = value
            continue
        option = item.option(value)
        if option is None:
            allowed = [o.code for o in item.options]
            problems.append({"item": item.link_id, "problem": "not_allowed", "allowed": allowed})
            continue
        normalised[item.link_id] = option.code
        if option.score is not None:
            item_scores[item.link_id] = option.score
    if problems:
        raise DomainError(
            ErrorCode.VALIDATION_FAILED,
            N_("Some answers are missing or not allowed."),
            details={"instrument": instrument.id, "items": problems},
        )
    scores: dict[str, int] = {}
    bands: dict[str, str] = {}
    for score_def in instrument.scores:
        total = sum(item_scores.get(link_id, 0) for link_id in score_def.items)
        scores[score_def.name] = total
        band = score_def.band(total)
        if band is not None:
            bands[score_def.name] = band.code
    return ScoreResult(instrument.id, instrument.version, normalised, item_scores, scores, bands)


def risk_flags(instrument: Instrument, result: ScoreResult) -> list[RiskFlag]:
    """The instrument's own alerts that this result triggers (PHQ-9 item 9, Distress Thermometer 10)."""
    facts = result.facts()
    return [RiskFlag(a.kind, a.severity) for a in instrument.alerts if parse_condition(a.when).holds(facts)]


def parse_compact(body: Mapping[str, Any]) -> tuple[str, str | None, dict[str, object]]:
    """``{"instrument": "phq9", "version"?: "1.0.0", "answers": {linkId: value}}``."""
    instrument, version, answers = body.get("instrument"), body.get("version"), body.get("answers")
    problems = []
    if not isinstance(instrument, str) or not instrument:
        problems.append({"field": "instrument", "problem": "missing"})
    if version is not None and not isinstance(version, str):
        problems.append({"field": "version", "problem": "not_a_string"})
    if not isinstance(answers, dict) or not all(isinstance(k, str) for k in answers):
        problems.append({"field": "answers", "problem": "not_an_object"})
    if problems:
        raise DomainError(ErrorCode.VALIDATION_FAILED, N_("This submission is not valid."), details=problems)
    assert isinstance(instrument, str) and isinstance(answers, dict)
    return instrument, version, dict(answers)
