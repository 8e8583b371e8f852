"""The alert desk: raise, list, acknowledge and escalate risk alerts, and tell listeners at once.

Screenings, site rules and moderation's crisis-language hook all raise alerts here, so a psychologist has
one list to watch. Listeners (the server's Socket.IO push) are told after the alert is committed, never
before: a pushed alert always exists in the database.
"""

from __future__ import annotations

import asyncio
import inspect
from collections.abc import Awaitable, Callable, Mapping, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

import structlog

from care.access import require_role_at_site, require_staff
from care.alerts import Alert, AlertStatus, next_escalation_level
from care.errors import N_, DomainError, ErrorCode
from care.instruments import Severity
from care.people import Person, Role, SiteId, UserId
from care.store import CareStore, Conn, Row

log = structlog.get_logger(__name__)

AlertListener = Callable[[Alert], Awaitable[None] | None]


def alert_from_row(row: Row, escalations: Sequence[Row] = ()) -> Alert:
    return Alert(
        id=row["id"],
        site_id=SiteId(row["site_id"]),
        patient_id=UserId(row["patient_id"]),
        kind=row["kind"],
        severity=Severity(row["severity"]),
        source=row["source"],
        source_ref=row["source_ref"],
        details=dict(row["details"] or {}),
        created_at=row["created_at"],
        status=AlertStatus(row["status"]),
        acknowledged_by=row["acknowledged_by"],
        acknowledged_at=row["acknowledged_at"],
        note=row["note"],
        escalation_level=row["escalation_level"],
        escalated_at=row["escalated_at"],
        escalated_to=next((UserId(e["contact_id"]) for e in reversed(escalations) if e["contact_id"]), None),
        escalations=tuple(
            {"level": e["level"], "contact_id": e["contact_id"], "at": e["escalated_at"].isoformat()}
            for e in escalations
        ),
    )


class AlertDesk:
    def __init__(self, store: CareStore, escalation_seconds: float) -> None:
        self._store = store
        self._timeout = timedelta(seconds=escalation_seconds)
        self._listeners: list[AlertListener] = []

    def on_alert(self, callback: AlertListener) -> None:
        """Called with every alert raised, escalated or acknowledged (its status says which)."""
        self._listeners.append(callback)

    async def notify(self, alerts: Sequence[Alert]) -> None:
        for alert in alerts:
            for listener in self._listeners:
                try:
                    result = listener(alert)
                    if inspect.isawaitable(result):
                        await result
                except Exception:  # a broken listener must not lose the alert or fail the caller
                    log.exception("alert_listener_failed", alert_id=alert.id)

    async def raise_in(
        self,
        conn: Conn,
        *,
        site_id: int,
        patient_id: int,
        kind: str,
        severity: Severity,
        source: str,
        source_ref: str | None,
        details: Mapping[str, Any],
    ) -> tuple[Alert, bool]:
        """Insert inside the caller's transaction; the caller notifies once it has committed."""
        row, created = await self._store.insert_alert(
            conn,
            {
                "site_id": site_id,
                "patient_id": patient_id,
                "kind": kind,
                "severity": severity.value,
                "source": source,
                "source_ref": source_ref,
                "details": dict(details),
            },
        )
        if created:
            log.info("alert_raised", alert_id=row["id"], kind=kind, severity=severity.value, source=source)
        return alert_from_row(row), created

    async def raise_alert(
        self,
        patient_id: int,
        kind: str,
        severity: Severity | str,
        source: str,
        details: Mapping[str, Any] | None = None,
        *,
        source_ref: str | None = None,
    ) -> Alert:
        """Raise an alert about a person from any part of Oncommun. Idempotent per (source, source_ref, kind)."""
        user = await self._store.user(patient_id)
        if user is None:
            raise DomainError(ErrorCode.NOT_FOUND, N_("Not found."))
        alert, created = await self.raise_in(
            self._store.pool,
            site_id=user["site_id"],
            patient_id=patient_id,
            kind=kind,
            severity=Severity(severity),
            source=source,
            source_ref=source_ref,
            details=details or {},
        )
        if created:
            await self.notify([alert])
        return alert

    async def alerts(self, staff: Person, status: str | None, patient_id: int | None = None) -> list[Alert]:
        require_staff(staff)
        if status is not None and status not in {s.value for s in AlertStatus}:
            raise DomainError(ErrorCode.BAD_REQUEST, N_("Unknown alert status."))
        rows = await self._store.alerts(staff.site_id, status, patient_id)
        escalations: dict[int, list[Row]] = {}
        for e in await self._store.escalations([r["id"] for r in rows]):
            escalations.setdefault(e["alert_id"], []).append(e)
        await self._store.log_access(staff.id, staff.site_id, sorted({r["patient_id"] for r in rows}), "alerts")
        return [alert_from_row(r, escalations.get(r["id"], ())) for r in rows]

    async def acknowledge(self, staff: Person, alert_id: int, note: str) -> Alert:
        require_staff(staff)
        note = note.strip()
        if not note:
            raise DomainError(
                ErrorCode.VALIDATION_FAILED, N_("Acknowledge an alert with a note."), details={"field": "note"}
            )
        async with self._store.pool.acquire() as conn, conn.transaction():
            row = await self._store.alert(conn, alert_id, for_update=True)
            if row is None or row["site_id"] != staff.site_id:
                raise DomainError(ErrorCode.NOT_FOUND, N_("Not found."))
            if row["status"] != AlertStatus.OPEN:
                raise DomainError(ErrorCode.CONFLICT, N_("This alert was already acknowledged."))
            row = await self._store.acknowledge_alert(conn, alert_id, staff.id, note[:2000])
        log.info("alert_acknowledged", alert_id=alert_id, by=staff.id)
        alert = alert_from_row(row, await self._store.escalations([alert_id]))
        await self.notify([alert])
        return alert

    async def escalate_overdue(self) -> list[Alert]:
        """Climb one on-call step for every overdue urgent alert. Safe to run in every process at once."""
        escalated: list[Alert] = []
        now = datetime.now(UTC)
        async with self._store.pool.acquire() as conn, conn.transaction():
            for row in await self._store.overdue_urgent_alerts(conn, self._timeout.total_seconds()):
                contacts = await self._store.on_call(conn, row["site_id"])
                level = next_escalation_level(alert_from_row(row), now, self._timeout, len(contacts))
                if level is None:
                    continue
                updated = await self._store.record_escalation(conn, row["id"], level, contacts[level - 1])
                log.warning("alert_escalated", alert_id=row["id"], level=level)
                escalated.append(alert_from_row(updated))
        full = []
        for alert in escalated:
            rows = await self._store.escalations([alert.id])
            current = await self._store.alert(self._store.pool, alert.id)
            assert current is not None
            full.append(alert_from_row(current, rows))
        await self.notify(full)
        return full

    async def run_escalations(self, every_seconds: float) -> None:
        """The background loop the server starts; one failed round is logged and the loop goes on."""
        while True:
            try:
                await self.escalate_overdue()
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("alert_escalation_round_failed")
            await asyncio.sleep(every_seconds)

    async def on_call(self, staff: Person) -> list[int]:
        require_staff(staff)
        return await self._store.on_call(self._store.pool, staff.site_id)

    async def set_on_call(self, admin: Person, user_ids: Sequence[int]) -> list[int]:
        require_role_at_site(admin, Role.ADMIN)
        if len(set(user_ids)) != len(user_ids) or len(user_ids) > 20:
            raise DomainError(ErrorCode.VALIDATION_FAILED, N_("The on-call list must name each contact once."))
        for user_id in user_ids:
            user = await self._store.user(user_id)
            if user is None or user["site_id"] != admin.site_id or not {"psychologist", "admin"} & set(user["roles"]):
                raise DomainError(
                    ErrorCode.VALIDATION_FAILED,
                    N_("On-call contacts must be staff of this site."),
                    details={"user_id": user_id},
                )
        await self._store.set_on_call(admin.site_id, user_ids)
        return list(user_ids)
