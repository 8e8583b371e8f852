"""When screening is due: at intake, at fixed months after intake, and whenever a psychologist asks.

The default intervals (3, 6 and 12 months) follow the programme's trial; sites change them through
configuration. A screening answered up to ``early_days`` before a milestone counts for it, so a patient
who answers a little early is not asked twice.
"""

from __future__ import annotations

import calendar
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any

DEFAULT_INTERVALS_MONTHS = (3, 6, 12)


class DueReason(StrEnum):
    INTAKE = "intake"
    INTERVAL = "interval"
    REQUESTED = "requested"


@dataclass(frozen=True, slots=True)
class Request:
    id: int
    instrument: str
    requested_at: datetime


@dataclass(frozen=True, slots=True)
class Due:
    instrument: str
    reason: DueReason
    due_at: datetime
    months: int | None = None
    request_id: int | None = None

    def to_json(self) -> dict[str, Any]:
        return {
            "instrument": self.instrument,
            "reason": self.reason.value,
            "due_at": self.due_at.isoformat(),
            "months": self.months,
            "request_id": self.request_id,
        }


def add_months(moment: datetime, months: int) -> datetime:
    month0 = moment.month - 1 + months
    year, month = moment.year + month0 // 12, month0 % 12 + 1
    day = min(moment.day, calendar.monthrange(year, month)[1])
    return moment.replace(year=year, month=month, day=day)


def due_screenings(
    *,
    enrolled_at: datetime,
    now: datetime,
    battery: Iterable[str],
    submitted: Mapping[str, Sequence[datetime]],
    requests: Iterable[Request] = (),
    intervals_months: Sequence[int] = DEFAULT_INTERVALS_MONTHS,
    early_days: int = 14,
) -> list[Due]:
    early = timedelta(days=early_days)
    due: list[Due] = []
    for instrument in battery:
        times = submitted.get(instrument, ())
        if not times:
            due.append(Due(instrument, DueReason.INTAKE, enrolled_at))
            continue
        passed = [(add_months(enrolled_at, m), m) for m in intervals_months if add_months(enrolled_at, m) <= now]
        if passed:
            milestone, months = max(passed)
            if not any(t >= milestone - early for t in times):
                due.append(Due(instrument, DueReason.INTERVAL, milestone, months=months))
    for request in requests:
        times = submitted.get(request.instrument, ())
        if not any(t >= request.requested_at for t in times):
            due.append(Due(request.instrument, DueReason.REQUESTED, request.requested_at, request_id=request.id))
    return sorted(due, key=lambda d: (d.due_at, d.instrument))
