"""Who may do what in moderation: the permission matrix of docs/moderation.md, as one pure function.

Three rules shape it. Mentors (former patients, not clinicians) have the room tools, and only in the
rooms they are assigned to. Mentors never act against a psychologist or an admin. Only staff
(psychologists and admins) undo what a moderator did: a mentor cannot lift a mute, unhide, unpin, unban
or change a slow mode that a mentor or a psychologist set. Staff have every tool in the rooms of their
own site; nobody acts in another site's rooms.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from care.errors import N_, DomainError, ErrorCode
from care.people import Person, Role


class ModAction(StrEnum):
    REPORT = "report"
    VIEW_QUEUE = "view_queue"
    RESOLVE = "resolve"  # close a queue item, leaving the message as it is
    HIDE = "hide"
    UNHIDE = "unhide"
    APPROVE = "approve"  # release a held message
    REJECT = "reject"  # keep a held message out of the room for good
    MUTE = "mute"
    UNMUTE = "unmute"
    SLOW_MODE = "slow_mode"
    PIN = "pin"
    UNPIN = "unpin"
    REMOVE = "remove"  # out of the live room for the current session
    ESCALATE = "escalate"  # to the site's psychologists, through care's alerts
    BAN_ROOM = "ban_room"
    BAN_SITE = "ban_site"
    UNBAN = "unban"
    DELETE = "delete"  # permanently: the text is erased
    ASSIGN_MENTOR = "assign_mentor"
    UNASSIGN_MENTOR = "unassign_mentor"
    VIEW_AUDIT = "view_audit"
    EXPORT_AUDIT = "export_audit"


MENTOR_ACTIONS = frozenset(
    {
        ModAction.VIEW_QUEUE, ModAction.RESOLVE, ModAction.HIDE, ModAction.UNHIDE, ModAction.APPROVE,
        ModAction.REJECT, ModAction.MUTE, ModAction.UNMUTE, ModAction.SLOW_MODE, ModAction.PIN, ModAction.UNPIN,
        ModAction.REMOVE, ModAction.ESCALATE,
    }
)  # fmt: skip
STAFF_ONLY_ACTIONS = frozenset(set(ModAction) - MENTOR_ACTIONS - {ModAction.REPORT})
# Actions that act against the author of a message, or against a member.
AGAINST_PERSON = frozenset(
    {ModAction.HIDE, ModAction.REJECT, ModAction.MUTE, ModAction.REMOVE, ModAction.BAN_ROOM, ModAction.BAN_SITE,
     ModAction.DELETE}
)  # fmt: skip
# Actions one can never take against oneself.
NOT_ON_SELF = frozenset({ModAction.MUTE, ModAction.REMOVE, ModAction.BAN_ROOM, ModAction.BAN_SITE})


class Undoes(StrEnum):
    """Whose earlier action this one reverses."""

    MENTOR = "mentor"
    STAFF = "staff"


class Denial(StrEnum):
    """Why an action was refused: the ``details.why`` of a `forbidden` error."""

    NOT_A_MODERATOR = "not_a_moderator"
    NOT_ASSIGNED = "not_assigned"
    OTHER_SITE = "other_site"
    STAFF_ONLY = "staff_only"
    TARGET_IS_STAFF = "target_is_staff"
    TARGET_IS_SELF = "target_is_self"
    UNDO_NEEDS_STAFF = "undo_needs_staff"


@dataclass(frozen=True, slots=True)
class Situation:
    """What the rules need to know besides the actor and the action.

    ``in_scope``: for a mentor, assigned to the room; for staff, a room (or member) of their own site; for
    anyone reporting, a room they may read.
    """

    in_scope: bool
    target_is_staff: bool = False
    target_is_self: bool = False
    undoes: Undoes | None = None


def denial(actor: Person, action: ModAction, situation: Situation) -> Denial | None:
    """None when allowed, else the reason it is not."""
    if action is ModAction.REPORT:
        return None if situation.in_scope else Denial.NOT_ASSIGNED
    if action in NOT_ON_SELF and situation.target_is_self:
        return Denial.TARGET_IS_SELF
    if actor.is_staff:
        return None if situation.in_scope else Denial.OTHER_SITE
    if not actor.has(Role.MENTOR):
        return Denial.NOT_A_MODERATOR
    if action in STAFF_ONLY_ACTIONS:
        return Denial.STAFF_ONLY
    if not situation.in_scope:
        return Denial.NOT_ASSIGNED
    if action in AGAINST_PERSON and situation.target_is_staff:
        return Denial.TARGET_IS_STAFF
    if situation.undoes is not None:
        return Denial.UNDO_NEEDS_STAFF
    return None


def require(actor: Person, action: ModAction, situation: Situation) -> None:
    why = denial(actor, action, situation)
    if why is not None:
        raise DomainError(
            ErrorCode.FORBIDDEN, N_("You are not allowed to do that."), details={"action": action, "why": why}
        )
