"""Who may enter a room and what they may do there.

Rooms ask two outside parties and own the protocols for both: care answers the step question
(`StepAccess`, implemented by `care.service.CareService`), and moderation answers bans and mutes
(`MembershipPolicy`; until moderation provides one, `NoRestrictions`). Content decisions on each message go
through `rooms.filters.ContentFilter` instead.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Protocol

from care.errors import N_
from care.people import Person, SiteId, Step, UserId
from rooms.model import EXPLICIT_KINDS, MemberRole, Room, RoomError, RoomKind, room_error

StepListener = Callable[[UserId, Step, Step], Awaitable[None] | None]


class StepAccess(Protocol):
    async def may_enter(self, person: Person, room_site: SiteId, step: Step) -> bool:
        """May this person enter a room of this site and step (their step and below, staff of the site)?"""
        ...

    def on_step_changed(self, callback: StepListener) -> None:
        """Call back after a patient's step change is committed."""
        ...


class MembershipPolicy(Protocol):
    """Bans and mutes, decided by moderation."""

    async def banned(self, person: Person, room: Room) -> bool: ...

    async def muted_for(self, person: Person, room: Room) -> float | None:
        """Seconds the person remains muted in the room, or None when they may speak."""
        ...


class NoRestrictions:
    """Nobody is banned or muted: the policy until moderation plugs its own in."""

    async def banned(self, person: Person, room: Room) -> bool:
        return False

    async def muted_for(self, person: Person, room: Room) -> float | None:
        return None


async def role_in_room(
    person: Person, room: Room, explicit: MemberRole | None, steps: StepAccess, policy: MembershipPolicy
) -> MemberRole:
    """The person's role in the room, or the DomainError that says why they may not enter.

    A room of another site answers like a room that does not exist, so ids reveal nothing.
    """
    if room.archived or room.site_id != person.site_id:
        raise no_such_room()
    if room.kind in EXPLICIT_KINDS and explicit is None:
        raise room_error(RoomError.NOT_A_MEMBER, N_("You are not a member of this room."))
    if not await steps.may_enter(person, room.site_id, room.step):
        raise room_error(
            RoomError.STEP_TOO_LOW, N_("This room is open from step {step} of the programme."), step=int(room.step)
        )
    if await policy.banned(person, room):
        raise room_error(RoomError.BANNED, N_("You have been removed from this room by a moderator."))
    if explicit is not None:
        return explicit
    return MemberRole.MODERATOR if person.is_staff else MemberRole.MEMBER


def may_start_thread(room: Room, role: MemberRole) -> bool:
    """In the campus professionals post; patients read and ask in threads (a reply to a post)."""
    return room.kind is not RoomKind.CAMPUS or role in (MemberRole.OWNER, MemberRole.MODERATOR)


def no_such_room() -> Exception:
    return room_error(RoomError.NO_SUCH_ROOM, N_("There is no such room."))
