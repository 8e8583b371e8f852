"""Reliable change (Jacobson & Truax 1991, J Consult Clin Psychol 59:12-19), the evidence for mentors.

RCI = (x_latest - x_baseline) / S_diff, with S_diff = sqrt(2 * SE^2) and SE = SD * sqrt(1 - r). A change
is reliable when |RCI| > 1.96; lower scores are better on every instrument here, so an improvement is an
RCI below -1.96.

Normative values (SD of a reference sample, internal consistency r):
- HADS anxiety: SD 3.76, alpha .82; HADS depression: SD 3.07, alpha .77; HADS total: SD 5.98, alpha .86.
  Crawford, Henry, Crombie & Taylor (2001), Br J Clin Psychol 40:429-434 (UK general adult population,
  N = 1792). These give thresholds (1.96 * S_diff) of about 4.4 (anxiety) and 4.1 (depression)
  points: a drop of 5 points is reliable.
- PHQ-9 total: SD 3.5 from Kocalevent, Hinz & Braehler (2013), Gen Hosp Psychiatry 35:551-555 (German
  general population, N = 5018, 3.5 in women and in men); alpha .89 from Kroenke, Spitzer & Williams
  (2001), J Gen Intern Med 16:606-613. The threshold is about 3.2 points, i.e. a drop of 4. Services that
  use clinical-sample SDs (NHS Talking Therapies uses 6 points) are stricter; a site can replace the
  table by passing its own ``norms``.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

RELIABLE = 1.96


@dataclass(frozen=True, slots=True)
class Norm:
    sd: float
    reliability: float
    source: str

    @property
    def s_diff(self) -> float:
        return math.sqrt(2 * (self.sd * math.sqrt(1 - self.reliability)) ** 2)


NORMS: dict[str, Norm] = {
    "hads.anxiety": Norm(3.76, 0.82, "Crawford et al. 2001"),
    "hads.depression": Norm(3.07, 0.77, "Crawford et al. 2001"),
    "phq9.total": Norm(3.5, 0.89, "Kocalevent et al. 2013 (SD); Kroenke et al. 2001 (alpha)"),
}


@dataclass(frozen=True, slots=True)
class Observation:
    at: datetime
    value: int


@dataclass(frozen=True, slots=True)
class ReliableChange:
    score: str  # "phq9.total", "hads.anxiety", ...
    baseline: Observation
    latest: Observation
    rci: float

    @property
    def improved(self) -> bool:
        return self.rci < -RELIABLE

    @property
    def deteriorated(self) -> bool:
        return self.rci > RELIABLE

    def to_json(self) -> dict[str, Any]:
        return {
            "score": self.score,
            "baseline": self.baseline.value,
            "baseline_at": self.baseline.at.isoformat(),
            "latest": self.latest.value,
            "latest_at": self.latest.at.isoformat(),
            "rci": round(self.rci, 2),
            "reliable_improvement": self.improved,
        }


def rci(baseline: float, latest: float, norm: Norm) -> float:
    return (latest - baseline) / norm.s_diff


def reliable_changes(
    series: Mapping[str, Sequence[Observation]], norms: Mapping[str, Norm] = NORMS
) -> list[ReliableChange]:
    """First against latest observation of each normed score that was measured at least twice."""
    out = []
    for name, observations in sorted(series.items()):
        norm = norms.get(name)
        if norm is None or len(observations) < 2:
            continue
        ordered = sorted(observations, key=lambda o: o.at)
        first, last = ordered[0], ordered[-1]
        out.append(ReliableChange(name, first, last, rci(first.value, last.value, norm)))
    return out


def reliably_improved(series: Mapping[str, Sequence[Observation]], norms: Mapping[str, Norm] = NORMS) -> bool:
    return any(c.improved for c in reliable_changes(series, norms))
