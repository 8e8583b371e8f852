"""Screening instruments as data: versioned definitions and the registry that holds them.

An instrument is data, not code, so that a site can import a new version (or the licensed wording of a
built-in) as a FHIR Questionnaire without a release. Every answer option carries its own score in printed
order: a reverse-keyed item is simply one whose printed options score downwards, so there is no separate
"reverse" switch to forget.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from care.errors import N_, DomainError, ErrorCode

# Texts keyed by language code ("en", "es", ...). A missing language falls back to English, then to any.
Texts = Mapping[str, str]


def pick_text(texts: Texts, language: str) -> str:
    """The text in the asked language, else English, else whatever exists, else empty."""
    if language in texts:
        return texts[language]
    if "en" in texts:
        return texts["en"]
    return next(iter(texts.values()), "")


class ItemType(StrEnum):
    CHOICE = "choice"  # one option out of a list, each option with its own score
    BOOLEAN = "boolean"  # yes/no, unscored (the Distress Thermometer problem list)


class Severity(StrEnum):
    """How fast a clinician must react to an alert. Only urgent alerts escalate along the on-call list."""

    URGENT = "urgent"
    HIGH = "high"
    NORMAL = "normal"


@dataclass(frozen=True, slots=True)
class AnswerOption:
    code: str  # stable local code, what clients send
    score: int | None  # None: the option does not count towards any score
    display: Texts = field(default_factory=dict)
    loinc: str | None = None  # LOINC answer code (LA...) where one exists


@dataclass(frozen=True, slots=True)
class Item:
    link_id: str
    text: Texts
    type: ItemType = ItemType.CHOICE
    required: bool = True
    options: tuple[AnswerOption, ...] = ()
    loinc: str | None = None

    @property
    def reverse_keyed(self) -> bool:
        """True when the printed options score downwards (HADS items 1, 3, 5, 6, 8, 10, 11, 13)."""
        scores = [o.score for o in self.options if o.score is not None]
        return len(scores) > 1 and scores[0] > scores[-1]

    def option(self, value: object) -> AnswerOption | None:
        """The option a client meant: its local code, its LOINC answer code, or an integer code."""
        if isinstance(value, bool):
            return None
        if isinstance(value, int):
            value = str(value)
        if not isinstance(value, str):
            return None
        for option in self.options:
            if value == option.code or (option.loinc is not None and value == option.loinc):
                return option
        return None


@dataclass(frozen=True, slots=True)
class Band:
    """A labelled score range, bounds inclusive (PHQ-9 "moderate" is 10..14)."""

    code: str
    low: int
    high: int
    label: Texts = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class ScoreDef:
    """A sum of item scores: the total or a subscale."""

    name: str
    items: tuple[str, ...]
    bands: tuple[Band, ...] = ()
    loinc: str | None = None

    def band(self, value: int) -> Band | None:
        for band in self.bands:
            if band.low <= value <= band.high:
                return band
        return None


@dataclass(frozen=True, slots=True)
class AlertDef:
    """A risk alert that belongs to the instrument itself, so no site rule set can switch it off."""

    kind: str
    severity: Severity
    when: Mapping[str, Any]  # a condition in the grammar of care.rules


@dataclass(frozen=True, slots=True)
class Instrument:
    id: str
    version: str
    title: Texts
    items: tuple[Item, ...]
    scores: tuple[ScoreDef, ...]
    alerts: tuple[AlertDef, ...] = ()
    description: Texts = field(default_factory=dict)
    loinc: str | None = None
    licensed: bool = False  # wording may not ship; a licensed site supplies it

    def item(self, link_id: str) -> Item | None:
        for item in self.items:
            if item.link_id == link_id:
                return item
        return None

    def score_def(self, name: str) -> ScoreDef | None:
        for score in self.scores:
            if score.name == name:
                return score
        return None

    def structure(self) -> tuple[Any, ...]:
        """Everything that decides a score, without wording: two definitions with the same structure score
        every answer identically. A licensed site's wording import must keep it."""
        return (
            tuple((i.link_id, i.type, i.required, tuple((o.code, o.score) for o in i.options)) for i in self.items),
            tuple((s.name, s.items, tuple((b.code, b.low, b.high) for b in s.bands)) for s in self.scores),
            tuple((a.kind, a.severity, repr(a.when)) for a in self.alerts),
        )


def _version_key(version: str) -> tuple[tuple[int, str], ...]:
    return tuple((int(p), "") if p.isdigit() else (-1, p) for p in version.split("."))


class Registry:
    """Versioned instrument definitions. A submission names a version, so a score can always be re-derived
    from the definition that was on screen when the patient answered."""

    def __init__(self, instruments: Iterable[Instrument] = ()) -> None:
        self._by_id: dict[str, dict[str, Instrument]] = {}
        for instrument in instruments:
            self.add(instrument)

    def add(self, instrument: Instrument) -> None:
        self._by_id.setdefault(instrument.id, {})[instrument.version] = instrument

    def copy(self) -> Registry:
        registry = Registry()
        for versions in self._by_id.values():
            for instrument in versions.values():
                registry.add(instrument)
        return registry

    def ids(self) -> list[str]:
        return sorted(self._by_id)

    def latest(self) -> list[Instrument]:
        return [self.get(i) for i in self.ids()]

    def get(self, instrument_id: str, version: str | None = None) -> Instrument:
        versions = self._by_id.get(instrument_id)
        if not versions:
            raise DomainError(
                ErrorCode.NOT_FOUND,
                N_("Unknown instrument {instrument}."),
                params={"instrument": instrument_id},
            )
        if version is None:
            return versions[max(versions, key=_version_key)]
        if version not in versions:
            raise DomainError(
                ErrorCode.NOT_FOUND,
                N_("Unknown version {version} of instrument {instrument}."),
                params={"instrument": instrument_id, "version": version},
            )
        return versions[version]

    def __contains__(self, instrument_id: object) -> bool:
        return instrument_id in self._by_id
