"""Small builders for moderation tests: people, rooms, requests, and the shipped message samples."""

from __future__ import annotations

from pathlib import Path

from care.people import Language, Person, Role, SiteId, Step, UserId
from moderation.crisis_response import SupportiveReply
from rooms.filters import Action, FilterRequest, MessageId, RoomId, RoomKind, RoomRef

DATA = Path(__file__).parent / "data"


def person(user_id: int = 1, site_id: int = 1, language: str = "en", *roles: str) -> Person:
    return Person(
        id=UserId(user_id),
        site_id=SiteId(site_id),
        roles=frozenset(Role(r) for r in (roles or ("patient",))),
        language=Language(language),
        display_name=f"User {user_id}",
    )


def room(kind: RoomKind = RoomKind.COMMUNITY, site_id: int = 1, room_id: int = 10) -> RoomRef:
    return RoomRef(id=RoomId(room_id), site_id=SiteId(site_id), kind=kind, step=Step.PEER_SUPPORT)


def message(
    text: str | None,
    who: Person | None = None,
    where: RoomRef | None = None,
    action: Action = Action.MESSAGE,
    message_id: int | None = None,
) -> FilterRequest:
    return FilterRequest(
        action=action,
        person=who or person(),
        room=where or room(),
        text=text,
        message_id=MessageId(message_id) if message_id is not None else None,
    )


def load_sample(name: str) -> list[tuple[str, str]]:
    """(language, text) pairs from tests/moderation/data/<name>.txt."""
    pairs: list[tuple[str, str]] = []
    for line in (DATA / f"{name}.txt").read_text(encoding="utf-8").splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        language, text = line.split("|", 1)
        pairs.append((language.strip(), text.strip()))
    return pairs


class Inbox:
    """An `AuthorNotifier` that delivers replies into a list: the in-process stand-in for a socket."""

    def __init__(self) -> None:
        self.replies: list[tuple[Person, RoomRef, MessageId, SupportiveReply]] = []

    async def send_crisis_reply(
        self, person: Person, room: RoomRef, message_id: MessageId, reply: SupportiveReply
    ) -> None:
        self.replies.append((person, room, message_id, reply))
