"""Find self-harm and suicide language in a message, robust to accents, typos and negation.

The detector answers the strongest `Signal` found (or None) and which lexicon language matched. It never
returns the matched words: what reaches the audit log and the alert is the category, not the text.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from care.people import Language
from moderation.crisis_lexicon import (
    CONTRASTS,
    ENTRIES,
    HOLD_SIGNALS,
    NEGATORS,
    THIRD_PERSON,
    TRIGGER_STEMS,
    TRIGGER_WORDS,
    TYPO_ANCHORS,
    Entry,
    Signal,
)
from moderation.crisis_lexicon_indirect import INDIRECT_ENTRIES, INDIRECT_STEMS, INDIRECT_WORDS
from moderation.textfold import TypoCorrector, clauses, fold, fold_pattern

_NEGATION_WINDOW = 3
_SUBJECT_WINDOW = 4


@dataclass(frozen=True, slots=True)
class Detection:
    signal: Signal
    language: Language

    @property
    def holds(self) -> bool:
        return self.signal in HOLD_SIGNALS


@dataclass(frozen=True, slots=True)
class _Compiled:
    entry: Entry
    regex: re.Pattern[str]
    unless: re.Pattern[str] | None


def _compile(entry: Entry) -> _Compiled:
    unless = re.compile(fold_pattern(entry.unless_followed_by)) if entry.unless_followed_by else None
    return _Compiled(entry, re.compile(fold_pattern(entry.pattern)), unless)


def _locators(alternatives: list[str]) -> dict[str, re.Pattern[str]]:
    """Group the lexicon's alternatives by the letters a match can start with (after its space)."""
    by_letter: dict[str, list[str]] = {}
    for alt in alternatives:
        letters = _first_letters(alt[1:]) if alt.startswith(" ") else None
        for letter in letters if letters is not None else [""]:
            by_letter.setdefault(letter, []).append(alt)
    if "" in by_letter:
        return {"": re.compile("|".join(alternatives))}
    return {letter: re.compile("|".join(alts)) for letter, alts in by_letter.items()}


def _first_letters(pattern: str) -> set[str] | None:
    """The letters a match of this folded pattern can begin with, or None when unsure."""
    if not pattern:
        return None
    head = pattern[0]
    if "a" <= head <= "z":
        return {head}
    if head != "(" or (pattern.startswith("(?") and not pattern.startswith(("(?<!", "(?<="))):
        return None
    depth, i = 0, 0
    while i < len(pattern):
        if pattern[i] == "\\":
            i += 2
            continue
        depth += {"(": 1, ")": -1}.get(pattern[i], 0)
        if depth == 0:
            break
        i += 1
    inner, rest = pattern[1:i], pattern[i + 1 :]
    if pattern.startswith("(?<"):  # a lookbehind consumes nothing: the match starts with what follows
        return _first_letters(rest)
    letters: set[str] = set()
    for option in _top_level_alternatives(inner):
        found = _first_letters(option)
        if found is None:
            return None
        letters |= found
    if rest[:1] in ("?", "*"):
        rest = rest[1:].removeprefix("\\s?")
        found = _first_letters(rest)
        if found is None:
            return None
        letters |= found
    return letters


def _top_level_alternatives(pattern: str) -> list[str]:
    """Split a regex on the ``|`` that are outside groups and classes."""
    parts: list[str] = []
    depth, in_class, start, i = 0, False, 0, 0
    while i < len(pattern):
        ch = pattern[i]
        if ch == "\\":
            i += 2
            continue
        if in_class:
            in_class = ch != "]"
        elif ch == "[":
            in_class = True
        elif ch == "(":
            depth += 1
        elif ch == ")":
            depth -= 1
        elif ch == "|" and depth == 0:
            parts.append(pattern[start:i])
            start = i + 1
        i += 1
    parts.append(pattern[start:])
    return parts


def _add_sign(signs: list[tuple[int, int, int]], sign: tuple[int, int, int]) -> None:
    """Count a sign unless it overlaps one already counted ("ya no estaré aquí" is one sign, not two)."""
    clause, start, end = sign
    if not any(c == clause and start < e and s < end for c, s, e in signs):
        signs.append(sign)


def _window(before: str, size: int) -> list[str]:
    tokens = before.split()[-size:]
    for index in range(len(tokens) - 1, -1, -1):
        if tokens[index] in CONTRASTS:
            return tokens[index + 1 :]
    return tokens


class CrisisDetector:
    """Compiled once per process (or per site, when a site adds its own entries)."""

    def __init__(self, extra_entries: Iterable[Entry] = (), *, prefilter: bool = True) -> None:
        extra_entries = tuple(extra_entries)
        compiled = [_compile(e) for e in (*ENTRIES, *INDIRECT_ENTRIES, *extra_entries)]
        # HOLD tiers first, so the first hit that survives its vetoes is the answer.
        compiled.sort(key=lambda c: c.entry.signal not in HOLD_SIGNALS)
        self._entries = compiled
        # One alternation of every entry finds where a match may start; only there is each entry tried.
        # All entries begin with a word start (a space in folded text), so `re` hops from space to space.
        self._locators = _locators([alt for c in compiled for alt in _top_level_alternatives(c.regex.pattern)])
        self._typos = TypoCorrector(TYPO_ANCHORS)
        # Site entries may use words outside the stems: then every clause goes through the regexes.
        use_stems = prefilter and not extra_entries
        self._stems: tuple[str, ...] | None = (
            tuple(fold(s).strip() for s in (*TRIGGER_STEMS, *INDIRECT_STEMS)) if use_stems else None
        )
        self._words = frozenset(fold(w).strip() for w in (*TRIGGER_WORDS, *INDIRECT_WORDS))
        self._stems_by_opening: dict[str, tuple[str, ...]] = {}
        for stem in self._stems or ():
            self._stems_by_opening[stem[:2]] = (*self._stems_by_opening.get(stem[:2], ()), stem)

    def may_match(self, folded: str) -> bool:
        """The cheap test that spares the regexes: is any token a trigger word, or starts with a stem?"""
        if self._stems is None:
            return True
        tokens = folded.split()
        if not self._words.isdisjoint(tokens):
            return True
        by_opening = self._stems_by_opening
        for token in tokens:
            stems = by_opening.get(token[:2])
            if stems is not None and token.startswith(stems):
                return True
        return False

    def detect(self, text: str) -> Detection | None:
        """The first hold found, else two signs that hold together (`Entry.needs_company`), else a flag."""
        weaker: Detection | None = None
        signs: list[tuple[int, int, int]] = []  # (clause, start, end) of each sign; overlapping ones count once
        in_company: Detection | None = None
        folded_clauses = [self._typos.correct(clause) for clause in clauses(text)]
        if not any(self.may_match(folded) for folded in folded_clauses):
            return None
        for index, folded in enumerate(folded_clauses):
            for start in self._candidates(folded):
                for compiled in self._entries:
                    match = compiled.regex.match(folded, start)
                    if match is None:
                        continue
                    signal = self._signal_of(compiled, folded, match)
                    if signal is None:
                        continue
                    found = Detection(signal, compiled.entry.language)
                    if compiled.entry.needs_company and found.holds:
                        _add_sign(signs, (index, match.start(), match.end()))
                        in_company = in_company or found
                        continue
                    if found.holds:
                        return found
                    if signal is Signal.HOPELESSNESS:
                        _add_sign(signs, (index, match.start(), match.end()))
                    weaker = weaker or found
        if in_company is not None and len(signs) >= 2:
            return in_company
        return weaker

    def _candidates(self, folded: str) -> list[int]:
        """Word starts where some entry matches, found with one small regex per first letter."""
        locators = self._locators
        if "" in locators:  # an entry whose first letter is unknown: try it everywhere
            anywhere = locators[""]
            return [i for i in range(len(folded)) if anywhere.match(folded, i)]
        starts: list[int] = []
        position = folded.find(" ")
        while 0 <= position < len(folded) - 1:
            locator = locators.get(folded[position + 1])
            if locator is not None and locator.match(folded, position):
                starts.append(position)
            position = folded.find(" ", position + 1)
        return starts

    @staticmethod
    def _signal_of(compiled: _Compiled, folded: str, match: re.Match[str]) -> Signal | None:
        entry = compiled.entry
        before = folded[: match.start()]
        if entry.negatable and any(t in NEGATORS for t in _window(before, _NEGATION_WINDOW)):
            return None
        if compiled.unless is not None and compiled.unless.match(folded, match.end()):
            return None
        guarded = entry.third_person_guard and entry.signal in HOLD_SIGNALS
        if guarded and any(t in THIRD_PERSON for t in _window(before, _SUBJECT_WINDOW)):
            return Signal.MENTION
        return entry.signal
