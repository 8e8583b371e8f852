"""Risk alerts: one record type for every source (a screening, a site rule, moderation's crisis language).

An alert is never lost: it stays open until a clinician acknowledges it with a note, and an urgent one
that nobody acknowledges in time climbs the site's on-call list, one contact per timeout, each step
recorded.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any

from care.instruments import Severity
from care.people import SiteId, UserId


class AlertStatus(StrEnum):
    OPEN = "open"
    ACKNOWLEDGED = "acknowledged"


class AlertKind(StrEnum):
    """Kinds raised by Oncommun itself. Site rules and other packages may add their own strings."""

    SELF_HARM_THOUGHTS = "self_harm_thoughts"
    EXTREME_DISTRESS = "extreme_distress"
    CRISIS_LANGUAGE = "crisis_language"


class AlertSource(StrEnum):
    SCREENING = "screening"
    SITE_RULE = "site_rule"
    MODERATION = "moderation"


@dataclass(frozen=True, slots=True)
class Alert:
    id: int
    site_id: SiteId
    patient_id: UserId
    kind: str
    severity: Severity
    source: str
    source_ref: str | None
    details: dict[str, Any]
    created_at: datetime
    status: AlertStatus = AlertStatus.OPEN
    acknowledged_by: UserId | None = None
    acknowledged_at: datetime | None = None
    note: str | None = None
    escalation_level: int = 0  # 0: the site's psychologists; n: the n-th on-call contact as well
    escalated_at: datetime | None = None
    escalated_to: UserId | None = None
    escalations: tuple[dict[str, Any], ...] = field(default_factory=tuple)

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "site_id": self.site_id,
            "patient_id": self.patient_id,
            "kind": self.kind,
            "severity": self.severity.value,
            "source": self.source,
            "source_ref": self.source_ref,
            "details": self.details,
            "created_at": self.created_at.isoformat(),
            "status": self.status.value,
            "acknowledged_by": self.acknowledged_by,
            "acknowledged_at": self.acknowledged_at.isoformat() if self.acknowledged_at else None,
            "note": self.note,
            "escalation_level": self.escalation_level,
            "escalated_to": self.escalated_to,
            "escalations": list(self.escalations),
        }


def next_escalation_level(alert: Alert, now: datetime, timeout: timedelta, on_call_size: int) -> int | None:
    """The on-call level an open urgent alert should climb to now, or None.

    The clock restarts at each step, so every contact gets a full ``timeout`` to answer before the next.
    """
    if alert.status is not AlertStatus.OPEN or alert.severity is not Severity.URGENT:
        return None
    if alert.escalation_level >= on_call_size:
        return None
    since = alert.escalated_at or alert.created_at
    return alert.escalation_level + 1 if now - since >= timeout else None
