"""Mentor and psychologist tools: every moderation action, authorised, applied, broadcast and audited.

Each tool finds the room and the target, asks `permissions.require` (which knows the matrix of
docs/moderation.md), changes the state, pushes the effect to connected clients on every process, and
appends one audit entry. Message visibility belongs to rooms (`RoomStore.change_message`); bans and
removals take effect through rooms' access re-check (`RoomsService.access_changed`).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import structlog

from care.errors import N_, DomainError, ErrorCode
from care.people import Person, Role, UserId
from moderation.audit import AuditEntry, AuditLog
from moderation.crisis_response import CrisisAlerts
from moderation.live import Emitter, queue_item_json
from moderation.permissions import ModAction, Situation, Undoes, require
from moderation.restrictions import Restrictions
from moderation.store import ModerationStore, Row
from rooms.model import MemberRole, Message, MessageId, Room, Visibility
from rooms.service import RoomsService

log = structlog.get_logger(__name__)

MAX_MUTE_MINUTES = 7 * 24 * 60
MAX_SLOW_SECONDS = 3600
REPORT_REASONS = frozenset({"harassment", "spam", "personal_data", "worried_about_someone", "misinformation", "other"})
RESOLUTIONS = {"approve": ModAction.APPROVE, "reject": ModAction.REJECT, "hide": ModAction.HIDE,
               "delete": ModAction.DELETE, "dismiss": ModAction.RESOLVE}  # fmt: skip


def bad_field(field: str) -> DomainError:
    return DomainError(ErrorCode.VALIDATION_FAILED, N_("The field '{field}' is missing or invalid."),
                       params={"field": field}, details={"field": field})  # fmt: skip


def not_found() -> DomainError:
    return DomainError(ErrorCode.NOT_FOUND, N_("Not found."))


def _undoes(row: Row | None) -> Undoes | None:
    if row is None:
        return None
    return Undoes.STAFF if row["by_staff"] else Undoes.MENTOR


class ModerationService:
    def __init__(
        self,
        store: ModerationStore,
        rooms: RoomsService,
        audit: AuditLog,
        emitter: Emitter,
        alerts: CrisisAlerts,
        restrictions: Restrictions,
    ) -> None:
        self.restrictions = restrictions  # mutes and slow modes in memory, shared across processes
        self.store = store
        self.rooms = rooms
        self.audit = audit
        self.emit = emitter
        self.alerts = alerts

    # --- who, where ---
    async def room(self, room_id: int) -> Room:
        room = await self.rooms.store.room(room_id)
        if room is None:
            raise not_found()
        return room

    async def message_and_room(self, message_id: int) -> tuple[Message, Room]:
        message = await self.rooms.store.message(message_id)
        if message is None:
            raise not_found()
        return message, await self.room(message.room_id)

    async def in_scope(self, actor: Person, room: Room | None, action: ModAction) -> bool:
        """Mentors: assigned to the room. Staff: their own site. Reporters: a room they may read."""
        if room is None:  # a site-wide act
            return actor.is_staff
        if room.site_id != actor.site_id:
            return False
        if action is ModAction.REPORT:
            try:
                await self.rooms.membership.check(actor, room.id)
            except DomainError:
                return False
            return True
        if actor.is_staff:
            return True
        role = await self.rooms.store.member_role(room.id, actor.id)
        return actor.has(Role.MENTOR) and role in (MemberRole.MODERATOR, MemberRole.OWNER)

    async def _target_is_staff(self, user_id: int) -> bool:
        row = await self.store.user(user_id)
        return row is not None and bool({"psychologist", "admin"} & set(row["roles"]))

    async def authorize(
        self,
        actor: Person,
        action: ModAction,
        room: Room | None,
        target: int | None = None,
        undoes: Undoes | None = None,
    ) -> None:
        if room is not None and room.site_id != actor.site_id:
            raise not_found()  # another site's rooms do not exist for this person
        situation = Situation(
            in_scope=await self.in_scope(actor, room, action),
            target_is_staff=target is not None and await self._target_is_staff(target),
            target_is_self=target == actor.id,
            undoes=undoes,
        )
        require(actor, action, situation)

    async def record(
        self,
        actor: Person,
        action: ModAction,
        room: Room | None,
        *,
        target: int | None = None,
        message_id: int | None = None,
        reason: str | None = None,
        **details: Any,
    ) -> None:
        await self.audit.record(AuditEntry(
            site_id=actor.site_id, kind=action, actor_id=actor.id, target_user_id=UserId(target) if target else None,
            room_id=room.id if room else None, message_id=MessageId(message_id) if message_id else None,
            reason=reason,
            details={"role": "staff" if actor.is_staff else "mentor" if actor.has(Role.MENTOR) else "member",
                     **details},
        ))  # fmt: skip
        log.info("moderation_action", action=action, room_id=room.id if room else None, by=actor.id, target=target,
                 message_id=message_id)  # fmt: skip

    # --- messages ---
    async def _set_visibility(self, message_id: int, visibility: Visibility, body: str | None = None) -> Message:
        changed = await self.rooms.store.change_message(message_id, visibility=visibility, body=body)
        await self.emit.message_changed(changed)
        return changed

    async def _close_items(self, actor: Person, room: Room, message_id: int, resolution: str) -> None:
        for row in await self.store.resolve_items(message_id, resolution, actor.id):
            await self.emit.queue("mod_queue_resolved", room.site_id, room.id, queue_item_json(row))

    async def hide(self, actor: Person, message_id: int, reason: str = "") -> dict[str, Any]:
        """A published message becomes a tombstone for the room (a moderator may show it again)."""
        return await self._remove_message(actor, message_id, ModAction.HIDE, reason, Visibility.VISIBLE)

    async def reject(self, actor: Person, message_id: int, reason: str = "") -> dict[str, Any]:
        """A held message is refused: it stays private (Visibility.REJECTED), so the room never learns
        that its author wrote something a moderator declined."""
        return await self._remove_message(actor, message_id, ModAction.REJECT, reason, Visibility.HELD)

    async def _remove_message(
        self, actor: Person, message_id: int, action: ModAction, reason: str, expected: Visibility
    ) -> dict[str, Any]:
        message, room = await self.message_and_room(message_id)
        await self.authorize(actor, action, room, target=message.author_id)
        if message.visibility is not expected:
            raise DomainError(ErrorCode.CONFLICT, N_("This message cannot be changed that way now."))
        if action is ModAction.REJECT:
            changed = await self._set_visibility(message_id, Visibility.REJECTED)
        else:
            changed = await self._set_visibility(message_id, Visibility.HIDDEN)
            await self.store.set_hidden_by(message_id, actor.id, actor.is_staff)
        await self._close_items(actor, room, message_id, "rejected" if action is ModAction.REJECT else "hidden")
        await self.record(actor, action, room, target=message.author_id, message_id=message_id, reason=reason[:100])
        return {"id": message_id, "change_seq": changed.change_seq, "visibility": changed.visibility.value}

    async def unhide(self, actor: Person, message_id: int) -> dict[str, Any]:
        message, room = await self.message_and_room(message_id)
        await self.authorize(actor, ModAction.UNHIDE, room, undoes=_undoes(await self.store.hidden_by(message_id)))
        if message.visibility is not Visibility.HIDDEN:
            raise DomainError(ErrorCode.CONFLICT, N_("This message cannot be changed that way now."))
        changed = await self._set_visibility(message_id, Visibility.VISIBLE)
        await self.store.clear_hidden_by(message_id)
        await self.record(actor, ModAction.UNHIDE, room, target=message.author_id, message_id=message_id)
        return {"id": message_id, "change_seq": changed.change_seq, "visibility": changed.visibility.value}

    async def approve(self, actor: Person, message_id: int) -> dict[str, Any]:
        message, room = await self.message_and_room(message_id)
        await self.authorize(actor, ModAction.APPROVE, room)
        if message.visibility is not Visibility.HELD:
            raise DomainError(ErrorCode.CONFLICT, N_("This message cannot be changed that way now."))
        changed = await self._set_visibility(message_id, Visibility.VISIBLE)
        await self._close_items(actor, room, message_id, "approved")
        await self.record(actor, ModAction.APPROVE, room, target=message.author_id, message_id=message_id)
        return {"id": message_id, "change_seq": changed.change_seq, "visibility": changed.visibility.value}

    async def delete(self, actor: Person, message_id: int, reason: str = "") -> dict[str, Any]:
        message, room = await self.message_and_room(message_id)
        await self.authorize(actor, ModAction.DELETE, room, target=message.author_id)
        changed = await self._set_visibility(message_id, Visibility.DELETED, body="")
        await self._close_items(actor, room, message_id, "deleted")
        await self.record(actor, ModAction.DELETE, room, target=message.author_id, message_id=message_id,
                           reason=reason[:100])  # fmt: skip
        return {"id": message_id, "change_seq": changed.change_seq, "visibility": changed.visibility.value}

    async def pin(self, actor: Person, message_id: int, on: bool = True) -> dict[str, Any]:
        message, room = await self.message_and_room(message_id)
        if on:
            await self.authorize(actor, ModAction.PIN, room)
            if message.visibility is not Visibility.VISIBLE:
                raise DomainError(ErrorCode.CONFLICT, N_("This message cannot be changed that way now."))
            await self.store.pin(room.id, message_id, actor.id, actor.is_staff)
        else:
            await self.authorize(
                actor, ModAction.UNPIN, room, undoes=_undoes(await self.store.pin_of(room.id, message_id))
            )
            await self.store.unpin(room.id, message_id)
        pins = await self.store.pins(room.id)
        await self.emit.to_room("pins", room.id, {"room": room.id, "messages": pins})
        await self.record(actor, ModAction.PIN if on else ModAction.UNPIN, room, message_id=message_id)
        return {"room": room.id, "pins": pins}

    # --- members ---
    async def mute(self, actor: Person, room_id: int, user_id: int, minutes: object) -> dict[str, Any]:
        if not isinstance(minutes, int) or isinstance(minutes, bool) or not 1 <= minutes <= MAX_MUTE_MINUTES:
            raise bad_field("minutes")
        room = await self.room(room_id)
        await self.authorize(
            actor, ModAction.MUTE, room, target=user_id, undoes=await self._mute_undoes(room_id, user_id)
        )
        until = datetime.now(UTC) + timedelta(minutes=minutes)
        await self.store.mute(room_id, user_id, until, actor.id, actor.is_staff)
        await self.restrictions.mute_changed(room_id, user_id, until.timestamp())
        await self.emit.to_user(
            "muted", user_id, {"room": room_id, "until": until.isoformat(), "seconds": minutes * 60}
        )
        await self.record(actor, ModAction.MUTE, room, target=user_id, minutes=minutes)
        return {"room": room_id, "user": user_id, "until": until.isoformat()}

    async def _mute_undoes(self, room_id: int, user_id: int) -> Undoes | None:
        """Shortening or lengthening someone else's mute changes their decision: staff only."""
        return _undoes(await self.store.active_mute(room_id, user_id))

    async def unmute(self, actor: Person, room_id: int, user_id: int) -> dict[str, Any]:
        room = await self.room(room_id)
        await self.authorize(
            actor, ModAction.UNMUTE, room, target=user_id, undoes=await self._mute_undoes(room_id, user_id)
        )
        lifted = await self.store.unmute(room_id, user_id)
        await self.restrictions.mute_changed(room_id, user_id, None)
        if lifted:
            await self.emit.to_user("muted", user_id, {"room": room_id, "until": None, "seconds": 0})
            await self.record(actor, ModAction.UNMUTE, room, target=user_id)
        return {"room": room_id, "user": user_id, "lifted": lifted}

    async def set_slow_mode(self, actor: Person, room_id: int, seconds: object) -> dict[str, Any]:
        if not isinstance(seconds, int) or isinstance(seconds, bool) or not 0 <= seconds <= MAX_SLOW_SECONDS:
            raise bad_field("seconds")
        room = await self.room(room_id)
        await self.authorize(actor, ModAction.SLOW_MODE, room, undoes=_undoes(await self.store.slow_mode(room_id)))
        await self.store.set_slow_mode(room_id, seconds, actor.id, actor.is_staff)
        await self.restrictions.slow_mode_changed(room_id, seconds)
        await self.emit.to_room("slow_mode", room_id, {"room": room_id, "seconds": seconds})
        await self.record(actor, ModAction.SLOW_MODE, room, seconds=seconds)
        return {"room": room_id, "seconds": seconds}

    async def room_state(self, room_id: int) -> dict[str, Any]:
        """What a member joining the room must know at once: its pins and its slow mode (both also
        change live, through the ``pins`` and ``slow_mode`` events)."""
        return {"pins": await self.store.pins(room_id),
                "slow_mode_seconds": self.restrictions.slow_mode_seconds(room_id)}

    async def slow_mode_seconds(self, room_id: int) -> int:
        """The slow-mode hook's source: from memory (`Restrictions`), no query per message."""
        return self.restrictions.slow_mode_seconds(room_id)

    async def remove(self, actor: Person, room_id: int, user_id: int, minutes: object = 60) -> dict[str, Any]:
        if not isinstance(minutes, int) or isinstance(minutes, bool) or not 1 <= minutes <= 24 * 60:
            raise bad_field("minutes")
        room = await self.room(room_id)
        await self.authorize(actor, ModAction.REMOVE, room, target=user_id)
        until = datetime.now(UTC) + timedelta(minutes=minutes)
        await self.store.ban(room.site_id, room_id, user_id, "removed", until, actor.id, actor.is_staff)
        await self.restrictions.ban_changed(user_id)
        await self.rooms.access_changed(user_id, "removed")
        await self.record(actor, ModAction.REMOVE, room, target=user_id, minutes=minutes)
        return {"room": room_id, "user": user_id, "until": until.isoformat()}

    async def ban(self, actor: Person, user_id: int, room_id: int | None, days: object = None) -> dict[str, Any]:
        if days is not None and (not isinstance(days, int) or isinstance(days, bool) or not 1 <= days <= 3650):
            raise bad_field("days")
        room = await self._site_scope(actor, room_id, user_id)
        action = ModAction.BAN_ROOM if room_id is not None else ModAction.BAN_SITE
        await self.authorize(actor, action, room, target=user_id)
        until = datetime.now(UTC) + timedelta(days=days) if isinstance(days, int) else None
        row = await self.store.ban(actor.site_id, room_id, user_id, "ban", until, actor.id, actor.is_staff)
        await self.restrictions.ban_changed(user_id)
        await self.rooms.access_changed(user_id, "banned")
        await self.record(actor, action, room, target=user_id, ban_id=row["id"], days=days, site_wide=room_id is None)
        return {"ban": row["id"], "user": user_id, "room": room_id, "until": until.isoformat() if until else None}

    async def unban(self, actor: Person, user_id: int, room_id: int | None) -> dict[str, Any]:
        room = await self._site_scope(actor, room_id, user_id)
        bans = [b for b in await self.store.active_bans(user_id, actor.site_id, room_id) if b["room_id"] == room_id]
        undoes = Undoes.MENTOR if any(not b["by_staff"] for b in bans) else Undoes.STAFF if bans else None
        await self.authorize(actor, ModAction.UNBAN, room, target=user_id, undoes=undoes)
        lifted = await self.store.lift_bans([b["id"] for b in bans], actor.id)
        if lifted:
            await self.record(actor, ModAction.UNBAN, room, target=user_id, lifted=lifted, site_wide=room_id is None)
        return {"user": user_id, "room": room_id, "lifted": lifted}

    async def _site_scope(self, actor: Person, room_id: int | None, user_id: int) -> Room | None:
        """The room acted in, or None for a site-wide act; the target must be of the actor's site."""
        user = await self.store.user(user_id)
        if user is None or user["site_id"] != actor.site_id:
            raise not_found()
        return await self.room(room_id) if room_id is not None else None
