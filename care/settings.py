"""`CareSettings`: the programme's knobs, filled from the server's configuration."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from care.people import Step


@dataclass(frozen=True, slots=True)
class CareSettings:
    interval_months: tuple[int, ...] = (3, 6, 12)
    escalation_seconds: float = 15 * 60
    battery: tuple[str, ...] = ("dt", "hads", "phq9")
    initial_step: Step = Step.PSYCHOEDUCATION  # the campus is open to every patient of the programme
    early_days: int = 14
    instruments_dir: Path | None = None  # FHIR Questionnaire JSON files loaded for every site
    mentor_capacity: int = 2
