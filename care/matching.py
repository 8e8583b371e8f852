"""Mentor matching: who has lived something close to what this patient is living, and has time for them.

The ranking is explained factor by factor (structured codes, translated by the client) because a
psychologist picks the mentor and must see why the server put one first.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from care.people import SiteId, UserId

# Points per matching factor. Diagnosis and phase shape the lived experience; a shared language is what
# makes a conversation possible at all; the same hospital helps but matters least.
WEIGHTS: dict[str, float] = {
    "diagnosis": 4.0,
    "language": 3.0,
    "treatment_phase": 3.0,
    "age_band": 2.0,
    "site": 1.0,
}
AGE_BANDS = ((0, 29, "18-29"), (30, 39, "30-39"), (40, 49, "40-49"), (50, 59, "50-59"), (60, 69, "60-69"))


def age_band(age: int | None) -> str | None:
    if age is None:
        return None
    for low, high, label in AGE_BANDS:
        if low <= age <= high:
            return label
    return "70+"


def _band_index(band: str | None) -> int | None:
    labels = [label for _, _, label in AGE_BANDS] + ["70+"]
    return labels.index(band) if band in labels else None


@dataclass(frozen=True, slots=True)
class Profile:
    user_id: UserId
    site_id: SiteId
    language: str
    diagnosis: str | None
    treatment_phase: str | None
    age_band: str | None
    capacity: int = 0  # mentees a mentor accepts at once
    active_mentees: int = 0

    @property
    def free_places(self) -> int:
        return max(0, self.capacity - self.active_mentees)


@dataclass(frozen=True, slots=True)
class Match:
    mentor: Profile
    similarity: float
    available: bool
    factors: tuple[dict[str, Any], ...]

    def to_json(self) -> dict[str, Any]:
        return {
            "mentor_id": self.mentor.user_id,
            "similarity": round(self.similarity, 2),
            "max_similarity": sum(WEIGHTS.values()),
            "available": self.available,
            "free_places": self.mentor.free_places,
            "explanation": list(self.factors),
        }


def _factor(name: str, patient_value: object, mentor_value: object) -> dict[str, Any]:
    points = 0.0
    match = "unknown" if patient_value is None or mentor_value is None else "different"
    if match != "unknown" and patient_value == mentor_value:
        points, match = WEIGHTS[name], "same"
    elif name == "age_band" and match != "unknown":
        a, b = _band_index(str(patient_value)), _band_index(str(mentor_value))
        if a is not None and b is not None and abs(a - b) == 1:
            points, match = WEIGHTS[name] / 2, "adjacent"
    return {"factor": name, "match": match, "points": points}


def rank_mentors(patient: Profile, mentors: Iterable[Profile], limit: int = 10) -> list[Match]:
    """Available mentors first, then by similarity, then by free places; ties by id for stable output."""
    matches = []
    for mentor in mentors:
        if mentor.user_id == patient.user_id:
            continue
        factors: tuple[dict[str, Any], ...] = (
            _factor("diagnosis", patient.diagnosis, mentor.diagnosis),
            _factor("language", patient.language, mentor.language),
            _factor("treatment_phase", patient.treatment_phase, mentor.treatment_phase),
            _factor("age_band", patient.age_band, mentor.age_band),
            _factor("site", patient.site_id, mentor.site_id),
            {"factor": "availability", "free_places": mentor.free_places, "points": 0.0},
        )
        similarity = sum(float(f["points"]) for f in factors if isinstance(f["points"], float))
        matches.append(Match(mentor, similarity, mentor.free_places > 0, factors))
    matches.sort(key=lambda m: (not m.available, -m.similarity, -m.mentor.free_places, m.mentor.user_id))
    return matches[:limit]
