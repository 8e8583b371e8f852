"""Reports, the moderation queue, escalation, mentor assignment, and reading or exporting the audit log.

Any member reports a message with a reason; the item joins the room's and the site's queue and reaches
connected moderators live. Moderators page through the queue (newest first) and resolve each item by
an action: approve, reject, hide, delete (staff) or dismiss. Everything is audited.
"""

from __future__ import annotations

import csv
import io
import json
from typing import Any

from care.errors import N_, DomainError, ErrorCode
from care.people import Person, Role
from moderation.live import queue_item_json
from moderation.permissions import ModAction, Situation, require
from moderation.service import REPORT_REASONS, RESOLUTIONS, ModerationService, bad_field, not_found
from rooms.model import EXPLICIT_KINDS, MemberRole

PAGE_MAX = 100
AUDIT_COLUMNS = ("id", "at", "site_id", "kind", "actor_id", "target_user_id", "room_id", "message_id", "decision",
                 "reason", "hook", "details")  # fmt: skip


class ModerationDesk:
    def __init__(self, tools: ModerationService) -> None:
        self.tools = tools
        self.store = tools.store

    # --- reports ---
    async def report(self, reporter: Person, message_id: int, reason: object, note: object = None) -> dict[str, Any]:
        if reason not in REPORT_REASONS:
            raise bad_field("reason")
        if note is not None and (not isinstance(note, str) or len(note) > 500):
            raise bad_field("note")
        message, room = await self.tools.message_and_room(message_id)
        await self.tools.authorize(reporter, ModAction.REPORT, room)
        if message.visibility.private and message.author_id != reporter.id and not reporter.is_staff:
            raise not_found()
        row = await self.store.enqueue(
            site_id=room.site_id, room_id=room.id, message_id=message_id, author_id=message.author_id,
            kind="reported", reason=str(reason), reporter_id=reporter.id, note=note or None,
        )  # fmt: skip
        if row is None:
            return {"reported": True, "duplicate": True}
        await self.tools.emit.queue("mod_queue_item", room.site_id, room.id, queue_item_json(row, message))
        await self.tools.record(reporter, ModAction.REPORT, room, target=message.author_id, message_id=message_id,
                                 reason=str(reason), item=row["id"])  # fmt: skip
        return {"reported": True, "item": row["id"]}

    # --- the queue ---
    async def queue(
        self, actor: Person, room_id: int | None, status: object = "open", before: object = None, limit: object = 50
    ) -> dict[str, Any]:
        if status not in ("open", "resolved"):
            raise bad_field("status")
        if before is not None and (not isinstance(before, int) or isinstance(before, bool) or before < 1):
            raise bad_field("before")
        if not isinstance(limit, int) or isinstance(limit, bool) or not 1 <= limit <= PAGE_MAX:
            raise bad_field("limit")
        room = await self.tools.room(room_id) if room_id is not None else None
        await self.tools.authorize(actor, ModAction.VIEW_QUEUE, room)
        rows = await self.store.queue(actor.site_id, [room_id] if room_id is not None else None, str(status),
                                      before, limit)  # fmt: skip
        items = []
        for row in rows:
            message = await self.tools.rooms.store.message(row["message_id"]) if row["message_id"] else None
            items.append(queue_item_json(row, message))
        return {"items": items, "more": len(rows) == limit, "next_before": rows[-1]["id"] if rows else None}

    async def resolve(self, actor: Person, item_id: int, resolution: object) -> dict[str, Any]:
        action = RESOLUTIONS.get(resolution) if isinstance(resolution, str) else None
        if action is None:
            raise bad_field("resolution")
        row = await self.store.queue_item(item_id)
        if row is None or row["site_id"] != actor.site_id:
            raise not_found()
        if row["status"] != "open":
            raise DomainError(ErrorCode.CONFLICT, N_("This item was already resolved."))
        room = await self.tools.room(row["room_id"])
        if action is ModAction.RESOLVE or row["message_id"] is None:
            await self.tools.authorize(actor, ModAction.RESOLVE, room)
            resolved = await self.store.resolve_item(item_id, "dismissed", actor.id)
            if resolved is not None:
                await self.tools.emit.queue("mod_queue_resolved", room.site_id, room.id, queue_item_json(resolved))
                await self.tools.record(actor, ModAction.RESOLVE, room, message_id=row["message_id"], item=item_id)
            return {"item": item_id, "resolution": "dismissed"}
        handlers = {
            ModAction.APPROVE: self.tools.approve,
            ModAction.REJECT: self.tools.reject,
            ModAction.HIDE: self.tools.hide,
            ModAction.DELETE: self.tools.delete,
        }
        result = await handlers[action](actor, row["message_id"])
        return {"item": item_id, "resolution": resolution, **result}

    # --- escalation ---
    async def escalate(self, actor: Person, message_id: int, note: object = None) -> dict[str, Any]:
        if note is not None and (not isinstance(note, str) or len(note) > 500):
            raise bad_field("note")
        message, room = await self.tools.message_and_room(message_id)
        await self.tools.authorize(actor, ModAction.ESCALATE, room)
        alert = await self.tools.alerts.raise_alert(
            message.author_id, "moderator_escalation", "high", "moderation",
            {"room_id": room.id, "message_id": message_id, "escalated_by": actor.id, "note": note or ""},
            source_ref=f"escalation:{message_id}:{actor.id}",
        )  # fmt: skip
        alert_id = getattr(alert, "id", None)
        await self.tools.record(actor, ModAction.ESCALATE, room, target=message.author_id, message_id=message_id,
                                 alert_id=alert_id)  # fmt: skip
        return {"escalated": True, "alert": alert_id}

    # --- mentors ---
    async def assign_mentor(self, actor: Person, room_id: int, user_id: int, on: bool = True) -> dict[str, Any]:
        room = await self.tools.room(room_id)
        action = ModAction.ASSIGN_MENTOR if on else ModAction.UNASSIGN_MENTOR
        await self.tools.authorize(actor, action, room)
        user = await self.store.user(user_id)
        if user is None or user["site_id"] != actor.site_id:
            raise not_found()
        if on and Role.MENTOR.value not in user["roles"]:
            raise DomainError(ErrorCode.CONFLICT, N_("Only a mentor can be assigned to moderate a room."))
        if on:
            await self.tools.rooms.add_member(actor, room.id, user_id, MemberRole.MODERATOR)
        elif room.kind in EXPLICIT_KINDS:  # a member of the group before and after: only the role goes
            await self.tools.rooms.add_member(actor, room.id, user_id, MemberRole.MEMBER)
        else:  # campus and community membership follows the step: the explicit row was the assignment
            await self.tools.rooms.remove_member(actor, room.id, user_id)
        await self.tools.record(actor, action, room, target=user_id)
        return {"room": room_id, "mentor": user_id, "assigned": on}

    # --- the audit log ---
    async def audit(
        self, actor: Person, before: object = None, limit: object = 100, room_id: int | None = None
    ) -> dict[str, Any]:
        require(actor, ModAction.VIEW_AUDIT, Situation(in_scope=actor.is_staff))
        if before is not None and (not isinstance(before, int) or isinstance(before, bool)):
            raise bad_field("before")
        if not isinstance(limit, int) or isinstance(limit, bool) or not 1 <= limit <= 1000:
            raise bad_field("limit")
        rows = await self.store.audit(actor.site_id, before, limit, room_id)
        entries = [audit_row_json(r) for r in rows]
        return {"entries": entries, "more": len(rows) == limit, "next_before": rows[-1]["id"] if rows else None}

    async def export_audit(self, actor: Person, fmt: str) -> tuple[str, str]:
        """(content type, body) of the site's whole audit log, oldest first, as CSV or JSON."""
        require(actor, ModAction.EXPORT_AUDIT, Situation(in_scope=actor.is_staff))
        if fmt not in ("csv", "json"):
            raise bad_field("format")
        entries: list[dict[str, Any]] = []
        before: int | None = None
        while True:
            rows = await self.store.audit(actor.site_id, before, 1000)
            entries.extend(audit_row_json(r) for r in rows)
            if len(rows) < 1000:
                break
            before = rows[-1]["id"]
        entries.reverse()
        await self.tools.record(actor, ModAction.EXPORT_AUDIT, None, format=fmt, entries=len(entries))
        if fmt == "json":
            return "application/json", json.dumps(entries, ensure_ascii=False)
        out = io.StringIO()
        writer = csv.DictWriter(out, fieldnames=AUDIT_COLUMNS)
        writer.writeheader()
        for entry in entries:
            writer.writerow({**entry, "details": json.dumps(entry["details"], ensure_ascii=False)})
        return "text/csv; charset=utf-8", out.getvalue()


def audit_row_json(row: Any) -> dict[str, Any]:
    details = row["details"]
    if isinstance(details, str):
        details = json.loads(details)
    return {
        "id": row["id"],
        "at": row["at"].isoformat(),
        "site_id": row["site_id"],
        "kind": row["kind"],
        "actor_id": row["actor_id"],
        "target_user_id": row["target_user_id"],
        "room_id": row["room_id"],
        "message_id": row["message_id"],
        "decision": row["decision"],
        "reason": row["reason"],
        "hook": row["hook"],
        "details": details,
    }
