"""The protocol through which moderation screens what people do in rooms.

Rooms call `ContentFilter.check` for every message, edit, reaction and join *before* anything is stored
or broadcast, and `ContentFilter.after_store` once a held or flagged message has its id, so moderation can
queue it, alert clinicians and answer the author. Rooms own this protocol; moderation implements it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import NewType, Protocol

from care.people import Person, SiteId, Step

RoomId = NewType("RoomId", int)
MessageId = NewType("MessageId", int)


class RoomKind(StrEnum):
    CAMPUS = "campus"
    COMMUNITY = "community"
    THERAPY = "therapy"
    DIRECT = "direct"


@dataclass(frozen=True, slots=True)
class RoomRef:
    """What a filter needs to know about a room."""

    id: RoomId
    site_id: SiteId
    kind: RoomKind
    step: Step


class Action(StrEnum):
    """What the person is trying to do."""

    MESSAGE = "message"
    EDIT = "edit"
    REACTION = "reaction"
    JOIN = "join"


class Decision(StrEnum):
    ALLOW = "allow"
    REJECT = "reject"  # refused; the reason code is shown to the sender
    HOLD = "hold"  # stored, visible only to the author and moderators until approved
    FLAG = "flag"  # delivered, and queued for moderators


# The reason of a hold for suicide or self-harm language. Such a message is stored (held) and answered even
# when rooms would refuse the send for a mute or the rate limit: a person in crisis must reach a clinician.
CRISIS_LANGUAGE = "crisis_language"

# When several hooks disagree, the strictest decision wins.
DECISION_SEVERITY: dict[Decision, int] = {
    Decision.ALLOW: 0,
    Decision.FLAG: 1,
    Decision.HOLD: 2,
    Decision.REJECT: 3,
}


@dataclass(frozen=True, slots=True)
class FilterRequest:
    action: Action
    person: Person
    room: RoomRef
    text: str | None = None  # message or edit text, already NFC-normalised and stripped
    message_id: MessageId | None = None  # the edited or reacted-to message
    emoji: str | None = None


@dataclass(frozen=True, slots=True)
class Verdict:
    decision: Decision
    reason: str | None = None  # stable snake_case reason code, e.g. "crisis_language", "link_not_allowed"
    hook: str | None = None  # which hook decided
    reasons: tuple[tuple[str, str], ...] = field(default_factory=tuple)  # every (hook, reason) that fired

    @staticmethod
    def allow() -> Verdict:
        return Verdict(Decision.ALLOW)

    @property
    def holds_for_crisis(self) -> bool:
        """Held, and crisis language is among the reasons (another hook's hold may have won the tie)."""
        return self.decision is Decision.HOLD and (
            self.reason == CRISIS_LANGUAGE or any(reason == CRISIS_LANGUAGE for _, reason in self.reasons)
        )


class ContentFilter(Protocol):
    async def check(self, request: FilterRequest) -> Verdict:
        """Decide before anything is stored. Must answer within its own time budget."""
        ...

    async def after_store(self, request: FilterRequest, verdict: Verdict, message_id: MessageId) -> None:
        """Follow up on a held or flagged message now that it has an id (queue, alerts, replies)."""
        ...


class AllowEverything:
    """The filter used when moderation is switched off."""

    async def check(self, request: FilterRequest) -> Verdict:
        return Verdict.allow()

    async def after_store(self, request: FilterRequest, verdict: Verdict, message_id: MessageId) -> None:
        return None
