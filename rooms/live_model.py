"""The vocabulary of live video sessions: ids, states, error codes, leave reasons and participants.

A live session belongs to a therapy room. Its durable part (schedule, state, attendance) is in Postgres;
who is in the waiting room, who is admitted and each person's media state live in the memory of the
process that holds the session's media router, because media cannot move between processes anyway.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any, Literal, NewType

from care.errors import DomainError
from care.people import Person, UserId
from rooms.filters import RoomId

LiveSessionId = NewType("LiveSessionId", int)
AttendanceId = NewType("AttendanceId", int)

MediaKind = Literal["audio", "video"]
MEDIA_KINDS: tuple[MediaKind, ...] = ("audio", "video")


class SessionState(StrEnum):
    SCHEDULED = "scheduled"
    OPEN = "open"
    ENDED = "ended"


class ParticipantRole(StrEnum):
    HOST = "host"  # the room's psychologist: admits, mutes, removes, locks, ends
    PATIENT = "patient"


class ParticipantStatus(StrEnum):
    WAITING = "waiting"
    ADMITTED = "admitted"


class LeaveReason(StrEnum):
    """Why an attendance ended; stored in ``live_attendance.leave_reason`` and sent to clients."""

    LEFT = "left"  # the participant left
    DISCONNECTED = "disconnected"  # the socket dropped
    CONNECTION_FAILED = "connection_failed"  # ICE/DTLS failed or consent expired: the peer vanished
    REMOVED = "removed"  # a host removed them
    ACCESS_LOST = "access_lost"  # no longer a member of the room, stepped down below it, or banned
    ENDED = "ended"  # the host ended the session for everyone
    SERVER_SHUTDOWN = "server_shutdown"
    SERVER_RESTART = "server_restart"  # found open after a restart of the process that held it


class LiveErrorCode(StrEnum):
    """Stable codes of live-session errors (docs/protocol.md, "Live sessions")."""

    SESSION_NOT_FOUND = "live_session_not_found"
    NOT_A_THERAPY_ROOM = "live_not_a_therapy_room"
    NOT_MEMBER = "live_not_member"
    NOT_HOST = "live_not_host"
    NOT_OPEN = "live_session_not_open"
    ENDED = "live_session_ended"
    LOCKED = "live_session_locked"
    REMOVED = "live_removed"
    NOT_JOINED = "live_not_joined"
    NOT_ADMITTED = "live_not_admitted"
    NOT_WAITING = "live_not_waiting"
    MUTED_BY_HOST = "live_muted_by_host"
    INVALID_SCHEDULE = "live_invalid_schedule"
    ELSEWHERE = "live_session_elsewhere"


@dataclass(frozen=True, slots=True)
class TherapyRoom:
    """What live sessions need to know about a room: its site, its hosts and its members."""

    id: RoomId
    site_id: int
    kind: str
    hosts: frozenset[UserId]  # psychologists who lead it (owners and moderators who are staff)
    members: frozenset[UserId]  # everyone who may join, hosts included


@dataclass(frozen=True, slots=True)
class LiveSession:
    id: LiveSessionId
    room_id: RoomId
    site_id: int
    title: str
    scheduled_by: UserId
    starts_at: datetime
    duration_minutes: int
    state: SessionState
    locked: bool
    opened_at: datetime | None
    ended_at: datetime | None

    def wire(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "room_id": self.room_id,
            "title": self.title,
            "starts_at": self.starts_at.isoformat(),
            "duration_minutes": self.duration_minutes,
            "state": self.state.value,
            "locked": self.locked,
            "opened_at": self.opened_at.isoformat() if self.opened_at else None,
            "ended_at": self.ended_at.isoformat() if self.ended_at else None,
        }


@dataclass(frozen=True, slots=True)
class HeldElsewhere:
    """Another server process holds the session's media; ``url`` is where clients reach it (None when
    that process has no ``ONCOMMUN_PUBLIC_URL``)."""

    url: str | None


@dataclass(slots=True)
class TrackState:
    """One of a participant's tracks as everyone sees it.

    ``on`` is the participant's own choice; ``host_muted`` is the host's server-side stop, which only the
    participant can lift and only after the host asked (``unmute_allowed``): nobody's microphone is ever
    switched on remotely. The track is forwarded only when published, on and not host-muted.
    """

    on: bool = True
    host_muted: bool = False
    unmute_allowed: bool = False
    published: bool = False

    @property
    def forwarding(self) -> bool:
        return self.on and not self.host_muted

    def wire(self) -> dict[str, bool]:
        return {"on": self.on, "host_muted": self.host_muted, "published": self.published,
                "forwarding": self.published and self.forwarding}


@dataclass(slots=True)
class Participant:
    user_id: UserId
    display_name: str
    role: ParticipantRole
    status: ParticipantStatus
    waiting_since: datetime
    audio: TrackState = field(default_factory=TrackState)
    video: TrackState = field(default_factory=TrackState)
    hand_raised: bool = False
    attendance_id: AttendanceId | None = None  # set while admitted
    person: Person | None = None  # who joined, for re-checking their access to the room

    def track(self, kind: MediaKind) -> TrackState:
        return self.audio if kind == "audio" else self.video

    def wire(self) -> dict[str, Any]:
        return {
            "user_id": self.user_id,
            "display_name": self.display_name,
            "role": self.role.value,
            "status": self.status.value,
            "hand_raised": self.hand_raised,
            "audio": self.audio.wire(),
            "video": self.video.wire(),
        }


@dataclass(frozen=True, slots=True)
class Admission:
    """The outcome of a host's admit: who is in, and who still waits because media capacity ran out."""

    admitted: list[Participant]
    refused: list[UserId]
    error: DomainError | None


def live_error(code: LiveErrorCode, message: str, status: int = 400, **params: object) -> DomainError:
    """A live-session DomainError; ``params`` fill the message and travel to the client as details."""
    return DomainError(code, message, status=status, params=params, details=params or None)
