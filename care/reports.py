"""Outcome reports: per-site indicators over periods, from the stored history (see care.outcomes)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from care.access import require_staff
from care.errors import N_, DomainError, ErrorCode
from care.mentors import score_series
from care.outcomes import PatientHistory, indicators
from care.people import Person, SiteId, Step, UserId
from care.schedule import add_months
from care.store import CareStore

GRANULARITY_MONTHS = {"month": 1, "quarter": 3, "year": 12}


def periods(start: datetime, end: datetime, granularity: str) -> list[tuple[datetime, datetime]]:
    if granularity == "all":
        return [(start, end)]
    if granularity not in GRANULARITY_MONTHS:
        raise DomainError(
            ErrorCode.BAD_REQUEST, N_("Unknown period granularity."), details={"allowed": ["all", *GRANULARITY_MONTHS]}
        )
    step, cursor = GRANULARITY_MONTHS[granularity], start
    out: list[tuple[datetime, datetime]] = []
    while cursor < end and len(out) < 120:
        nxt = min(add_months(cursor, step), end)
        out.append((cursor, nxt))
        cursor = nxt
    return out


class OutcomeReports:
    def __init__(self, store: CareStore) -> None:
        self._store = store

    async def outcomes(
        self, staff: Person, start: datetime, end: datetime, granularity: str = "all"
    ) -> list[dict[str, Any]]:
        """One row of indicators per period for the staff member's own site. Aggregates only, but the
        read is logged like any other read of screening data."""
        require_staff(staff)
        if start >= end:
            raise DomainError(ErrorCode.BAD_REQUEST, N_("The period must end after it starts."))
        rows = []
        for lo, hi in periods(start, end, granularity):
            raw = await self._store.outcome_rows(staff.site_id, lo, hi)
            series = score_series(raw["submissions"])
            positive: dict[int, list[datetime]] = {}
            for s in raw["submissions"]:
                if s["above_threshold"]:
                    positive.setdefault(s["patient_id"], []).append(s["submitted_at"])
            contacts: dict[int, list[datetime]] = {}
            for c in raw["contacts"]:
                contacts.setdefault(c["patient_id"], []).append(c["at"])
            histories = [
                PatientHistory(
                    user_id=UserId(p["user_id"]),
                    site_id=SiteId(staff.site_id),
                    scores=series.get(p["user_id"], {}),
                    max_step=Step(max(1, min(4, p["max_step"]))),
                    is_mentor=p["is_mentor"],
                    status=p["status"],
                    positive_screenings=positive.get(p["user_id"], []),
                    care_contacts=contacts.get(p["user_id"], []),
                )
                for p in raw["steps"]
                if p["user_id"] in series
            ]
            rows.append(indicators(SiteId(staff.site_id), lo, hi, histories))
        await self._store.log_access(staff.id, staff.site_id, [None], "outcomes")
        return rows


def parse_date(raw: str | None, default: datetime) -> datetime:
    if not raw:
        return default
    try:
        value = datetime.fromisoformat(raw)
    except ValueError as exc:
        raise DomainError(ErrorCode.BAD_REQUEST, N_("Dates look like 2026-01-31."), details={"value": raw}) from exc
    return value if value.tzinfo else value.replace(tzinfo=UTC)
