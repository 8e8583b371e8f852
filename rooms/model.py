"""The words of the rooms domain: rooms, members, messages, their states, and the error codes clients see."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any, NewType

from care.errors import DomainError
from care.people import SiteId, Step, UserId
from rooms.filters import MessageId, RoomId, RoomKind, RoomRef

__all__ = ["MessageId", "RoomId", "RoomKind"]

Seq = NewType("Seq", int)

# Explicit membership is required for these kinds; the others follow the patient's step.
EXPLICIT_KINDS = frozenset({RoomKind.THERAPY, RoomKind.DIRECT})


class MemberRole(StrEnum):
    OWNER = "owner"
    MODERATOR = "moderator"
    MEMBER = "member"


class Visibility(StrEnum):
    VISIBLE = "visible"
    HELD = "held"  # seen only by its author and the room's moderators until approved
    REJECTED = "rejected"  # a held message a moderator refused: never published, still only theirs
    HIDDEN = "hidden"  # removed by a moderator; a tombstone for everyone else
    DELETED = "deleted"  # removed by its author; a tombstone

    @property
    def private(self) -> bool:
        """Seen only by its author and the room's moderators: the room never learns it exists."""
        return self is Visibility.HELD or self is Visibility.REJECTED


class RoomError(StrEnum):
    """Stable error codes of the rooms events and routes (documented in docs/protocol.md)."""

    BAD_PAYLOAD = "bad_payload"
    NO_SUCH_ROOM = "no_such_room"
    NOT_A_MEMBER = "not_a_member"
    NOT_JOINED = "not_joined"
    STEP_TOO_LOW = "step_too_low"
    BANNED = "banned"
    MUTED = "muted"
    READ_ONLY = "read_only"
    TOO_MANY_ROOMS = "too_many_rooms"
    TEXT_EMPTY = "text_empty"
    TEXT_TOO_LONG = "text_too_long"
    RATE_LIMITED = "rate_limited"
    NO_SUCH_MESSAGE = "no_such_message"
    NOT_YOUR_MESSAGE = "not_your_message"
    EDIT_WINDOW_CLOSED = "edit_window_closed"
    MESSAGE_DELETED = "message_deleted"
    REJECTED = "rejected"
    CLIENT_ID_REUSED = "client_id_reused"
    ROOM_FULL = "room_full"


class LeaveReason(StrEnum):
    """Why the server took a socket out of a room (the `room_left` event)."""

    STEP_CHANGED = "step_changed"
    REMOVED = "removed"
    BANNED = "banned"
    ROOM_ARCHIVED = "room_archived"


def room_error(code: RoomError, message: str, **details: Any) -> DomainError:
    """A rooms DomainError; ``details`` travel to the client and fill ``{placeholders}`` of the message."""
    return DomainError(code, message, params=details, details=details or None)


@dataclass(frozen=True, slots=True)
class Room:
    id: RoomId
    site_id: SiteId
    kind: RoomKind
    step: Step
    name: str
    last_seq: Seq
    archived: bool = False

    @property
    def ref(self) -> RoomRef:
        return RoomRef(self.id, self.site_id, self.kind, self.step)

    def public(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "site_id": self.site_id,
            "kind": self.kind.value,
            "step": int(self.step),
            "name": self.name,
            "last_seq": self.last_seq,
        }


@dataclass(frozen=True, slots=True)
class Message:
    id: MessageId
    room_id: RoomId
    seq: Seq
    change_seq: Seq
    author_id: UserId
    author_name: str
    client_id: str
    text: str
    reply_to: MessageId | None
    visibility: Visibility
    created_at: datetime
    edited_at: datetime | None
    reactions: dict[str, list[int]]

    def public(self) -> dict[str, Any]:
        """The wire shape; a tombstone keeps its place in the room but not its text."""
        gone = self.visibility in (Visibility.DELETED, Visibility.HIDDEN)
        return {
            "id": self.id,
            "room": self.room_id,
            "seq": self.seq,
            "change_seq": self.change_seq,
            "author": {"id": self.author_id, "name": self.author_name},
            "client_id": self.client_id,
            "text": None if gone else self.text,
            "reply_to": self.reply_to,
            "visibility": self.visibility.value,
            "ts": self.created_at.isoformat(),
            "edited_at": self.edited_at.isoformat() if self.edited_at else None,
            "reactions": {} if gone else self.reactions,
        }
