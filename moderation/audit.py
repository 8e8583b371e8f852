"""The audit log's entry type and the protocol that stores it.

Every automatic decision that does something (reject, hold, flag), every hook failure, every step of a
crisis response and every moderator action becomes one `AuditEntry`. Entries carry ids, codes and small
structured details, never message text. `store.AuditStore` keeps them in Postgres, append-only;
`MemoryAuditLog` keeps them in the process for a server without a database and for unit tests.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any, Protocol

import structlog

from care.people import SiteId, UserId
from rooms.filters import MessageId, RoomId

log = structlog.get_logger(__name__)


class AuditKind(StrEnum):
    """What happened. Automatic kinds have no actor; moderator kinds always do."""

    AUTOMATIC_DECISION = "automatic_decision"
    HOOK_FAILED = "hook_failed"
    QUEUED = "queued"
    CRISIS_REPLY_SENT = "crisis_reply_sent"
    CRISIS_REPLY_FAILED = "crisis_reply_failed"
    CRISIS_ALERT_RAISED = "crisis_alert_raised"
    CRISIS_ALERT_FAILED = "crisis_alert_failed"


@dataclass(frozen=True, slots=True)
class AuditEntry:
    site_id: SiteId
    kind: str  # an AuditKind, or a moderator action (moderation.actions.ModAction)
    actor_id: UserId | None = None  # None: the pipeline decided
    target_user_id: UserId | None = None
    room_id: RoomId | None = None
    message_id: MessageId | None = None
    decision: str | None = None
    reason: str | None = None
    hook: str | None = None
    details: Mapping[str, Any] = field(default_factory=dict)
    at: datetime = field(default_factory=lambda: datetime.now(UTC))

    def to_json(self) -> dict[str, Any]:
        return {
            "site_id": self.site_id,
            "kind": self.kind,
            "actor_id": self.actor_id,
            "target_user_id": self.target_user_id,
            "room_id": self.room_id,
            "message_id": self.message_id,
            "decision": self.decision,
            "reason": self.reason,
            "hook": self.hook,
            "details": dict(self.details),
            "at": self.at.isoformat(),
        }


class AuditLog(Protocol):
    async def record(self, entry: AuditEntry) -> None: ...


class MemoryAuditLog:
    """The audit log of a process without a database: append-only by construction (no update, no delete)."""

    def __init__(self) -> None:
        self._entries: list[AuditEntry] = []

    async def record(self, entry: AuditEntry) -> None:
        self._entries.append(entry)

    @property
    def entries(self) -> tuple[AuditEntry, ...]:
        return tuple(self._entries)


async def record_safely(audit: AuditLog, entry: AuditEntry) -> None:
    """Record, but never let a failing audit store break a chat message: log the ids and carry on."""
    try:
        await audit.record(entry)
    except Exception as exc:  # the type only: an error's text could quote what it was given
        log.error(
            "audit_record_failed", kind=entry.kind, site_id=entry.site_id, message_id=entry.message_id,
            error=type(exc).__name__,
        )  # fmt: skip
