"""`RoomsService`: rooms as the rest of Oncommun sees them, built once per process by the server.

It owns the chat (`Chat`), the sockets in rooms (`Membership`) and room administration: creating rooms,
adding and removing explicit members, listing a person's rooms with unread counts. Moderation calls
`access_changed` after a ban, like care's step listener does after a step down.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable
from typing import Any

import asyncpg
import socketio
import structlog
from redis.asyncio import Redis

from care.errors import N_, DomainError, ErrorCode
from care.people import Person, Step
from rooms.access import MembershipPolicy, NoRestrictions, StepAccess, no_such_room, role_in_room
from rooms.bus import AccessBus
from rooms.chat import Chat
from rooms.filters import ContentFilter
from rooms.limits import RateLimiter
from rooms.membership import Membership
from rooms.model import LeaveReason, MemberRole, Room, RoomError, RoomId, RoomKind, room_error
from rooms.presence import Presence
from rooms.store import RoomStore

log = structlog.get_logger(__name__)

THERAPY_PATIENTS = 12  # a therapy group: one psychologist and up to 12 patients


class RoomsService:
    def __init__(
        self,
        pool: asyncpg.Pool,
        sio: socketio.AsyncServer,
        redis: Redis | None,
        *,
        steps: StepAccess,
        content: ContentFilter,
        user_room: Callable[[int], str],
        redis_prefix: str,
        max_text_chars: int,
        edit_window_seconds: float,
        typing_interval_seconds: float,
        rate_per_second: float,
        rate_burst: int,
        max_rooms_per_connection: int,
        recheck_seconds: float,
        policy: MembershipPolicy | None = None,
    ) -> None:
        self.store = RoomStore(pool)
        self.presence = Presence(redis, redis_prefix)
        self.bus = AccessBus(redis, redis_prefix)
        self.membership = Membership(
            self.store,
            steps,
            policy or NoRestrictions(),
            content,
            sio,
            self.presence,
            self.bus,
            max_rooms=max_rooms_per_connection,
            recheck_seconds=recheck_seconds,
        )
        self.chat = Chat(
            self.membership,
            RateLimiter(rate_per_second, rate_burst, redis, redis_prefix),
            user_room,
            max_text_chars=max_text_chars,
            edit_window_seconds=edit_window_seconds,
            typing_interval_seconds=typing_interval_seconds,
        )
        steps.on_step_changed(self.membership.step_changed)
        self._refresh: asyncio.Task[None] | None = None

    # --- plugging in ---
    def use_content_filter(self, content: ContentFilter) -> None:
        """Moderation's pipeline replaces the default filter here."""
        self.membership.content = content

    def use_membership_policy(self, policy: MembershipPolicy) -> None:
        """Moderation's bans and mutes replace `NoRestrictions` here."""
        self.membership.policy = policy

    async def access_changed(self, user_id: int, reason: str) -> None:
        """Re-check the person's joined rooms on every process (after a ban, a removal, a step change)."""
        await self.membership.bus.access_changed(user_id, reason)

    # --- lifecycle ---
    async def start(self) -> None:
        self.bus.add_listener(self.membership.recheck_user)
        self.bus.start()
        self._refresh = asyncio.get_running_loop().create_task(self._refresh_presence())

    async def stop(self) -> None:
        await self.bus.stop()
        if self._refresh is not None:
            self._refresh.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._refresh

    async def _refresh_presence(self) -> None:
        while True:
            await asyncio.sleep(self.presence.ttl / 3)
            await self.presence.refresh()

    # --- administration ---
    async def create_room(
        self, by: Person, kind: RoomKind, step: Step, name: str, members: list[tuple[int, MemberRole]]
    ) -> Room:
        """Staff create rooms of their own site and own them (except direct rooms); members are of the site."""
        if not by.is_staff:
            raise DomainError(ErrorCode.FORBIDDEN, N_("You are not allowed to do that."))
        name = name.strip()
        if not 1 <= len(name) <= 200:
            raise room_error(RoomError.BAD_PAYLOAD, N_("A room needs a name of 1 to 200 characters."), field="name")
        if kind is RoomKind.DIRECT and len({user_id for user_id, _ in members}) != 2:
            raise room_error(RoomError.BAD_PAYLOAD, N_("A direct room has exactly two members."), field="members")
        room = await self.store.create_room(by.site_id, kind, int(step), name, by.id)
        if kind is not RoomKind.DIRECT:  # one to one: the staff member who set it up is not a third party
            await self.store.add_member(room.id, by.id, MemberRole.OWNER, by.id)
        for user_id, role in members:
            await self.add_member(by, room.id, user_id, role)
        log.info("room_created", room_id=room.id, kind=kind.value, step=int(step))
        return room

    async def add_member(self, by: Person, room_id: RoomId, user_id: int, role: MemberRole) -> None:
        room = await self._site_room(by, room_id)
        user = await self.store.user(user_id)
        if user is None or user["site_id"] != room.site_id:
            raise room_error(RoomError.BAD_PAYLOAD, N_("That person is not on this site."), field="user")
        patient = not {"psychologist", "admin"} & set(user["roles"])
        full = patient and room.kind is RoomKind.THERAPY
        if full and await self.store.patient_members(room_id, user_id) >= THERAPY_PATIENTS:
            raise room_error(
                RoomError.ROOM_FULL, N_("A therapy group has at most {max} patients."), max=THERAPY_PATIENTS
            )
        await self.store.add_member(room_id, user_id, role, by.id)

    async def remove_member(self, by: Person, room_id: RoomId, user_id: int) -> bool:
        await self._site_room(by, room_id)
        removed = await self.store.remove_member(room_id, user_id)
        if removed:
            await self.access_changed(user_id, LeaveReason.REMOVED.value)
        return removed

    async def _site_room(self, by: Person, room_id: RoomId) -> Room:
        if not by.is_staff:
            raise DomainError(ErrorCode.FORBIDDEN, N_("You are not allowed to do that."))
        room = await self.store.room(room_id)
        if room is None or room.site_id != by.site_id:
            raise no_such_room()
        return room

    async def rooms_of(self, person: Person) -> list[dict[str, Any]]:
        """The rooms this person may enter now, with their role, read marker and unread count."""
        found: list[dict[str, Any]] = []
        for room, explicit, last_read, unread in await self.store.rooms_visible_to(person.id, person.site_id):
            try:
                role = await role_in_room(person, room, explicit, self.membership.steps, self.membership.policy)
            except DomainError:
                continue
            found.append({**room.public(), "role": role.value, "last_read_seq": last_read, "unread": unread})
        return found

    async def members(self, person: Person, room_id: RoomId) -> list[dict[str, Any]]:
        await self.membership.check(person, room_id)
        rows = await self.store.members(room_id)
        states = await self.presence.states(row["user_id"] for row in rows)
        return [
            {
                "id": row["user_id"],
                "name": row["display_name"],
                "role": row["role"],
                "last_read_seq": row["last_read_seq"],
                "presence": states[row["user_id"]].value,
            }
            for row in rows
        ]
