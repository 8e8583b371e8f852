"""What happens after a message is held for crisis language: the reply, the alert, and the record.

Following Samaritans' guidelines for online platforms and the NSPA guide to responding to suicidal
content online: the author at once gets a warm, non-judgemental reply that says what happened to their
message and carries the site's crisis numbers; the site's psychologists get an urgent alert through
care's alert desk (the same desk as screening risk), which stays open until someone acknowledges it and
climbs the site's on-call list when nobody does; and each step lands in the audit log. An alert that
cannot be raised (the database is down, say) is retried in the background until it is, each attempt
recorded.
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

import structlog

from care.people import Language, Person
from moderation.audit import AuditEntry, AuditKind, AuditLog, record_safely
from moderation.crisis_detect import Detection
from moderation.settings import CrisisResource, CrisisSettings
from rooms.filters import FilterRequest, MessageId, RoomRef

log = structlog.get_logger(__name__)

ALERT_KIND = "crisis_language"  # care.alerts.AlertKind.CRISIS_LANGUAGE
ALERT_SEVERITY = "urgent"  # care.instruments.Severity.URGENT: the one severity that escalates
ALERT_SOURCE = "moderation"  # care.alerts.AlertSource.MODERATION


class CrisisAlerts(Protocol):
    """The slice of care's alert desk moderation needs (`care.alert_desk.AlertDesk` satisfies it)."""

    async def raise_alert(
        self,
        patient_id: int,
        kind: str,
        severity: Any,
        source: str,
        details: Mapping[str, Any] | None = None,
        *,
        source_ref: str | None = None,
    ) -> Any: ...


@dataclass(frozen=True, slots=True)
class SupportiveReply:
    language: Language
    text: str
    origin: str  # "default" or "site": who wrote the template
    resources: tuple[CrisisResource, ...]

    def to_json(self) -> dict[str, Any]:
        return {
            "language": self.language.value,
            "text": self.text,
            "resources": [r.to_json() for r in self.resources],
        }


class AuthorNotifier(Protocol):
    """Delivers the supportive reply to the author alone (over Socket.IO, through every process)."""

    async def send_crisis_reply(
        self, person: Person, room: RoomRef, message_id: MessageId, reply: SupportiveReply
    ) -> None: ...


def supportive_reply(settings: CrisisSettings, language: Language) -> SupportiveReply:
    text, origin = settings.render_reply(language)
    return SupportiveReply(language, text, origin, settings.resource_list())


class CrisisResponder:
    def __init__(
        self,
        audit: AuditLog,
        alerts: CrisisAlerts | None = None,
        notifier: AuthorNotifier | None = None,
        retry_delays: Sequence[float] = (2.0, 10.0, 30.0, 120.0, 600.0),
    ) -> None:
        self._audit = audit
        self._alerts = alerts
        self._notifier = notifier
        self._retry_delays = tuple(retry_delays)
        self._retries: set[asyncio.Task[None]] = set()

    async def respond(
        self, request: FilterRequest, detection: Detection, message_id: MessageId, settings: CrisisSettings
    ) -> None:
        await asyncio.gather(
            self._reply(request, message_id, settings),
            self._alert(request, detection, message_id, attempt=1),
        )

    async def _reply(self, request: FilterRequest, message_id: MessageId, settings: CrisisSettings) -> None:
        reply = supportive_reply(settings, request.person.language)
        entry = self._entry(request, message_id, AuditKind.CRISIS_REPLY_SENT, details={
            "language": reply.language.value, "template": reply.origin, "resources": len(reply.resources),
        })  # fmt: skip
        if self._notifier is None:
            await record_safely(self._audit, _with(entry, AuditKind.CRISIS_REPLY_FAILED, "no_notifier"))
            return
        try:
            await self._notifier.send_crisis_reply(request.person, request.room, message_id, reply)
        except Exception as exc:
            log.error("crisis_reply_failed", message_id=message_id, error=type(exc).__name__)
            await record_safely(self._audit, _with(entry, AuditKind.CRISIS_REPLY_FAILED, type(exc).__name__))
            return
        await record_safely(self._audit, entry)

    async def _alert(self, request: FilterRequest, detection: Detection, message_id: MessageId, attempt: int) -> None:
        details = {
            "room_id": request.room.id,
            "room_kind": request.room.kind.value,
            "message_id": message_id,
            "signal": detection.signal.value,
            "lexicon_language": detection.language.value,
            "action": request.action.value,
        }
        try:
            if self._alerts is None:
                raise LookupError("no_alert_service")
            alert = await self._alerts.raise_alert(
                request.person.id,
                ALERT_KIND,
                ALERT_SEVERITY,
                ALERT_SOURCE,
                details,
                source_ref=f"message:{message_id}",
            )
        except Exception as exc:
            log.error("crisis_alert_failed", message_id=message_id, attempt=attempt, error=type(exc).__name__)
            entry = self._entry(request, message_id, AuditKind.CRISIS_ALERT_FAILED, details={"attempt": attempt})
            await record_safely(self._audit, _with(entry, AuditKind.CRISIS_ALERT_FAILED, type(exc).__name__))
            self._schedule_retry(request, detection, message_id, attempt)
            return
        alert_id = getattr(alert, "id", None)
        log.info("crisis_alert_raised", message_id=message_id, alert_id=alert_id)
        await record_safely(self._audit, self._entry(request, message_id, AuditKind.CRISIS_ALERT_RAISED, details={
            "alert_id": alert_id, "attempt": attempt, "severity": ALERT_SEVERITY,
        }))  # fmt: skip

    def _schedule_retry(
        self, request: FilterRequest, detection: Detection, message_id: MessageId, attempt: int
    ) -> None:
        if attempt > len(self._retry_delays):
            log.error("crisis_alert_gave_up", message_id=message_id, attempts=attempt)
            return

        async def retry() -> None:
            await asyncio.sleep(self._retry_delays[attempt - 1])
            await self._alert(request, detection, message_id, attempt + 1)

        task = asyncio.create_task(retry())
        self._retries.add(task)
        task.add_done_callback(self._retries.discard)

    async def wait_for_retries(self) -> None:
        """Let pending retries finish (tests, and a graceful shutdown with time to spare)."""
        while self._retries:
            await asyncio.gather(*list(self._retries), return_exceptions=True)

    async def aclose(self) -> None:
        for task in list(self._retries):
            task.cancel()
        await asyncio.gather(*list(self._retries), return_exceptions=True)

    @staticmethod
    def _entry(
        request: FilterRequest, message_id: MessageId, kind: AuditKind, details: Mapping[str, Any]
    ) -> AuditEntry:
        return AuditEntry(
            site_id=request.room.site_id,
            kind=kind,
            target_user_id=request.person.id,
            room_id=request.room.id,
            message_id=message_id,
            hook="crisis",
            details=details,
        )


def _with(entry: AuditEntry, kind: AuditKind, reason: str) -> AuditEntry:
    return AuditEntry(
        site_id=entry.site_id,
        kind=kind,
        target_user_id=entry.target_user_id,
        room_id=entry.room_id,
        message_id=entry.message_id,
        reason=reason,
        hook=entry.hook,
        details=entry.details,
        at=entry.at,
    )
