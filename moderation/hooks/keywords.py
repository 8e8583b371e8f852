"""Keyword and regex filters, per site and per language.

A rule is ``{"words": [...]} `` or ``{"regex": "..."}``, with ``languages`` (``["*"]`` for all; default
all), a ``decision`` (reject, hold or flag; default flag) and an optional ``reason`` code. Words match
whole words after folding (case, accents, stretched letters), so "idiota" also catches "IDIÓÓTA"; regexes
run on the text as written, case-insensitively. A rule applies when the author's language is among its
languages.

Regexes come from site admins, and Python's `re` cannot be interrupted: the hook refuses patterns longer
than 300 characters and nested quantifiers like ``(a+)+``, the usual cause of catastrophic backtracking.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from care.errors import N_, DomainError, ErrorCode
from care.people import Language
from moderation.hook import TEXT_ACTIONS, HookContext, HookResult, Reason
from moderation.textfold import fold, fold_pattern
from rooms.filters import DECISION_SEVERITY, Decision, FilterRequest

_MAX_REGEX = 300
_NESTED_QUANTIFIER = re.compile(r"\([^)]*[+*][^)]*\)\s*[+*{]")


@dataclass(frozen=True, slots=True)
class KeywordRule:
    pattern: re.Pattern[str]
    folded: bool  # True: matched against the folded text
    languages: frozenset[Language] | None  # None: every language
    decision: Decision
    reason: str
    index: int


def _invalid(index: int, why: str) -> DomainError:
    return DomainError(
        ErrorCode.VALIDATION_FAILED,
        N_("Keyword rule {index} is invalid: {why}."),
        params={"index": index, "why": why},
    )


def parse_rule(index: int, raw: Mapping[str, Any]) -> KeywordRule:
    try:
        decision = Decision(raw.get("decision", Decision.FLAG))
    except ValueError as exc:
        raise _invalid(index, "decision") from exc
    if decision is Decision.ALLOW:
        raise _invalid(index, "decision")
    langs = [str(x) for x in raw.get("languages", ["*"])]
    try:
        languages = None if "*" in langs else frozenset(Language(x) for x in langs)
    except ValueError as exc:
        raise _invalid(index, "languages") from exc
    reason = str(raw.get("reason", Reason.KEYWORD))
    if "regex" in raw:
        source = str(raw["regex"])
        if len(source) > _MAX_REGEX or _NESTED_QUANTIFIER.search(source):
            raise _invalid(index, "regex too complex")
        try:
            pattern = re.compile(source, re.IGNORECASE)
        except re.error as exc:
            raise _invalid(index, "regex") from exc
        return KeywordRule(pattern, False, languages, decision, reason, index)
    words = [str(w) for w in raw.get("words", []) if str(w).strip()]
    if not words:
        raise _invalid(index, "no words")
    alternation = "|".join(re.escape(fold(w).strip()).replace(r"\ ", " ") for w in words)
    pattern = re.compile(fold_pattern(rf"\b({alternation})\b"))
    return KeywordRule(pattern, True, languages, decision, reason, index)


class KeywordsHook:
    name = "keywords"
    actions = TEXT_ACTIONS
    inline = True

    def __init__(self, rules: list[KeywordRule]) -> None:
        self._rules = rules

    async def check(self, request: FilterRequest) -> HookResult:
        if not self._rules or not request.text:
            return HookResult.allow()
        language = request.person.language
        folded: str | None = None
        best: KeywordRule | None = None
        for rule in self._rules:
            if rule.languages is not None and language not in rule.languages:
                continue
            if rule.folded:
                folded = folded if folded is not None else fold(request.text)
                hit = rule.pattern.search(folded)
            else:
                hit = rule.pattern.search(request.text)
            if hit and (best is None or DECISION_SEVERITY[rule.decision] > DECISION_SEVERITY[best.decision]):
                best = rule
        if best is None:
            return HookResult.allow()
        return HookResult(best.decision, best.reason, {"rule": best.index})


def make_hook(options: Mapping[str, Any], context: HookContext) -> KeywordsHook:
    rules = options.get("rules", [])
    if not isinstance(rules, list):
        raise _invalid(-1, "rules must be a list")
    return KeywordsHook([parse_rule(i, r) for i, r in enumerate(rules)])
