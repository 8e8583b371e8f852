"""Outcome indicators: the programme's evidence of effect, per site and period.

Computed from plain per-patient histories so the definitions live in one readable place:
- reliable improvement: share of patients measured twice (HADS or PHQ-9) whose Jacobson-Truax RCI shows
  a reliable improvement (care.change);
- mentors: share of screened patients who hold the mentor role by the end of the period;
- steps: patients whose highest step in the period was 1-2 ("resolved") against 3-4 ("needed more");
- referred: patients referred out of the programme (individual psychotherapy);
- time to care: hours from a patient's first above-threshold screening to the first staff action on them
  (a step decision, a transition set by staff, an acknowledged alert);
- distress change: mean (latest - first) Distress Thermometer score of patients measured twice.
"""

from __future__ import annotations

import csv
import io
import statistics
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from care.change import Observation, reliable_changes
from care.people import SiteId, Step, UserId


@dataclass(frozen=True, slots=True)
class PatientHistory:
    user_id: UserId
    site_id: SiteId
    scores: Mapping[str, Sequence[Observation]]  # "phq9.total" -> observations within the period
    max_step: Step
    is_mentor: bool
    status: str = "active"  # active | completed | referred | withdrawn
    positive_screenings: Sequence[datetime] = field(default_factory=tuple)
    care_contacts: Sequence[datetime] = field(default_factory=tuple)


COLUMNS = (
    "site_id",
    "period_start",
    "period_end",
    "patients_screened",
    "measured_twice",
    "reliable_improvement",
    "reliable_improvement_share",
    "mentors",
    "mentor_share",
    "resolved_steps_1_2",
    "needed_steps_3_4",
    "resolved_share",
    "referred",
    "positive_screenings",
    "awaiting_first_contact",
    "hours_to_first_contact_median",
    "hours_to_first_contact_mean",
    "distress_measured_twice",
    "distress_change_mean",
)


def _share(part: int, whole: int) -> float | None:
    return round(part / whole, 4) if whole else None


def indicators(site_id: SiteId, start: datetime, end: datetime, histories: Iterable[PatientHistory]) -> dict[str, Any]:
    patients = list(histories)
    changes = [reliable_changes(p.scores) for p in patients]
    measured = [c for c in changes if c]
    improved = [c for c in measured if any(x.improved for x in c)]
    mentors = sum(1 for p in patients if p.is_mentor)
    low = sum(1 for p in patients if p.max_step <= Step.PSYCHOEDUCATION)
    waits: list[float] = []
    positive = awaiting = 0
    for p in patients:
        if not p.positive_screenings:
            continue
        positive += 1
        first = min(p.positive_screenings)
        after = [c for c in p.care_contacts if c >= first]
        if after:
            waits.append((min(after) - first).total_seconds() / 3600)
        else:
            awaiting += 1
    distress = [
        sorted(obs, key=lambda o: o.at) for obs in (p.scores.get("dt.total", ()) for p in patients) if len(obs) >= 2
    ]
    deltas = [obs[-1].value - obs[0].value for obs in distress]
    return {
        "site_id": site_id,
        "period_start": start.isoformat(),
        "period_end": end.isoformat(),
        "patients_screened": len(patients),
        "measured_twice": len(measured),
        "reliable_improvement": len(improved),
        "reliable_improvement_share": _share(len(improved), len(measured)),
        "mentors": mentors,
        "mentor_share": _share(mentors, len(patients)),
        "resolved_steps_1_2": low,
        "needed_steps_3_4": len(patients) - low,
        "resolved_share": _share(low, len(patients)),
        "referred": sum(1 for p in patients if p.status == "referred"),
        "positive_screenings": positive,
        "awaiting_first_contact": awaiting,
        "hours_to_first_contact_median": round(statistics.median(waits), 2) if waits else None,
        "hours_to_first_contact_mean": round(statistics.fmean(waits), 2) if waits else None,
        "distress_measured_twice": len(deltas),
        "distress_change_mean": round(statistics.fmean(deltas), 2) if deltas else None,
    }


def to_csv(rows: Iterable[Mapping[str, Any]]) -> str:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=COLUMNS, extrasaction="ignore", lineterminator="\n")
    writer.writeheader()
    for row in rows:
        writer.writerow({k: "" if row.get(k) is None else row.get(k) for k in COLUMNS})
    return out.getvalue()
