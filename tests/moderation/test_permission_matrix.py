"""The permission matrix of docs/moderation.md, exhaustively: every role x every action x own room versus
another room, against a patient and against staff, as a first action and as the undoing of someone's.

The expected table is written out by hand from the docs, not derived from the code under test.
"""

from __future__ import annotations

import itertools

import pytest

from care.errors import DomainError
from moderation.permissions import ModAction, Situation, Undoes, denial, require

from .helpers import person

A = ModAction
ROOM_TOOLS = {
    A.VIEW_QUEUE, A.RESOLVE, A.HIDE, A.UNHIDE, A.APPROVE, A.REJECT, A.MUTE, A.UNMUTE, A.SLOW_MODE, A.PIN,
    A.UNPIN, A.REMOVE, A.ESCALATE,
}  # fmt: skip
STAFF_TOOLS = {A.BAN_ROOM, A.BAN_SITE, A.UNBAN, A.DELETE, A.ASSIGN_MENTOR, A.UNASSIGN_MENTOR, A.VIEW_AUDIT,
               A.EXPORT_AUDIT}  # fmt: skip
AGAINST = {A.HIDE, A.REJECT, A.MUTE, A.REMOVE, A.BAN_ROOM, A.BAN_SITE, A.DELETE}

# role -> (allowed in own room, allowed in another room), for a first action against a patient.
MATRIX: dict[str, tuple[set[ModAction], set[ModAction]]] = {
    "patient": ({A.REPORT}, set()),
    "mentor": ({A.REPORT} | ROOM_TOOLS, set()),
    "psychologist": ({A.REPORT} | ROOM_TOOLS | STAFF_TOOLS, set()),
    "admin": ({A.REPORT} | ROOM_TOOLS | STAFF_TOOLS, set()),
}
ROLES = {
    "patient": ("patient",),
    "mentor": ("patient", "mentor"),
    "psychologist": ("psychologist",),
    "admin": ("admin",),
}


def test_the_matrix_names_every_action() -> None:
    for own, _ in MATRIX.values():
        assert own <= set(ModAction)
    assert ROOM_TOOLS | STAFF_TOOLS | {A.REPORT} == set(ModAction)


@pytest.mark.parametrize(
    ("role", "action", "own_room", "target_staff", "undoes"),
    list(itertools.product(MATRIX, ModAction, (True, False), (False, True), (None, Undoes.MENTOR, Undoes.STAFF))),
)
def test_permission(role: str, action: ModAction, own_room: bool, target_staff: bool, undoes: Undoes | None) -> None:
    actor = person(1, 1, "en", *ROLES[role])
    situation = Situation(in_scope=own_room, target_is_staff=target_staff, undoes=undoes)
    own, other = MATRIX[role]
    expected = action in (own if own_room else other)
    if role == "mentor" and expected and action is not A.REPORT:
        if target_staff and action in AGAINST:
            expected = False  # mentors never act against psychologists or admins
        if undoes is not None:
            expected = False  # only psychologists (and admins) undo a moderator's action
    assert (denial(actor, action, situation) is None) is expected


@pytest.mark.parametrize("role", ["mentor", "psychologist", "admin"])
@pytest.mark.parametrize("action", [A.MUTE, A.REMOVE, A.BAN_ROOM, A.BAN_SITE])
def test_nobody_mutes_removes_or_bans_themselves(role: str, action: ModAction) -> None:
    actor = person(1, 1, "en", *ROLES[role])
    assert denial(actor, action, Situation(in_scope=True, target_is_self=True)) is not None


def test_a_refusal_is_a_forbidden_error_that_says_why() -> None:
    mentor = person(1, 1, "en", "patient", "mentor")
    with pytest.raises(DomainError) as caught:
        require(mentor, A.MUTE, Situation(in_scope=True, target_is_staff=True))
    assert caught.value.code == "forbidden"
    assert caught.value.details == {"action": "mute", "why": "target_is_staff"}
