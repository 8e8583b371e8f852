"""Live video sessions of therapy rooms: scheduling, the waiting room, host controls and attendance.

The rules live here; media is asked for through the small `LiveMedia` protocol, which signaling implements
over the SFU, so rooms never import media or signaling. Every state change of an open session happens
under that session's lock, so a host's "admit all" and a patient's "leave" cannot interleave.

Who may do what:
- the room's hosts (its owners and moderators who are psychologists or admins) schedule, open, admit,
  mute, ask to unmute, turn cameras off, remove, lock and end;
- the room's members join; a patient waits until a host admits them, unless they were admitted earlier
  in this session (a dropped connection coming back) or are a host;
- a non-member is refused before learning anything about the session.
"""

from __future__ import annotations

import asyncio
import secrets
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from typing import Protocol

import structlog

from care.errors import N_, DomainError, ErrorCode
from care.people import Person, UserId
from rooms.filters import RoomId
from rooms.live_model import (
    Admission,
    HeldElsewhere,
    LeaveReason,
    LiveErrorCode,
    LiveSession,
    LiveSessionId,
    MediaKind,
    Participant,
    ParticipantRole,
    ParticipantStatus,
    SessionState,
    TherapyRoom,
    live_error,
)
from rooms.live_store import LiveStore

log = structlog.get_logger(__name__)


class LiveMedia(Protocol):
    """What a live session needs from the media side. Raising a DomainError refuses the step."""

    async def session_opened(self, session_id: LiveSessionId) -> None: ...

    async def participant_admitted(self, session_id: LiveSessionId, user_id: UserId) -> None: ...

    def set_forwarding(self, session_id: LiveSessionId, user_id: UserId, kind: MediaKind, forwarding: bool) -> None:
        ...

    def participant_gone(self, session_id: LiveSessionId, user_id: UserId) -> None: ...

    def session_ended(self, session_id: LiveSessionId) -> None: ...


class RoomAccess(Protocol):
    """The chat's full access check of a room (care step, ban); raises the DomainError that says why not."""

    async def __call__(self, person: Person, room_id: RoomId, /) -> object: ...


@dataclass(slots=True)
class OpenSession:
    session: LiveSession
    room: TherapyRoom
    participants: dict[UserId, Participant] = field(default_factory=dict)
    removed: set[UserId] = field(default_factory=set)
    admitted_before: set[UserId] = field(default_factory=set)
    lock: asyncio.Lock = field(default_factory=asyncio.Lock)

    @property
    def id(self) -> LiveSessionId:
        return self.session.id

    def admitted(self) -> list[Participant]:
        return [p for p in self.participants.values() if p.status is ParticipantStatus.ADMITTED]

    def waiting(self) -> list[Participant]:
        found = [p for p in self.participants.values() if p.status is ParticipantStatus.WAITING]
        return sorted(found, key=lambda p: p.waiting_since)


def _elsewhere(where: HeldElsewhere | None) -> DomainError:
    """Refuse here; tell the client where the session runs when that process is reachable directly."""
    if where is not None and where.url:
        return live_error(LiveErrorCode.ELSEWHERE, N_("This session is running on another server."),
                          status=409, url=where.url)
    return live_error(LiveErrorCode.ELSEWHERE,
                      N_("This session is running on another server; try again in a moment."), status=409)


def _now() -> datetime:
    return datetime.now(UTC)


class LiveSessions:
    def __init__(
        self,
        store: LiveStore,
        room_access: RoomAccess | None = None,
        *,
        lease_seconds: float = 30.0,
        public_url: str | None = None,
    ) -> None:
        self._store = store
        self._public_url = public_url  # where clients reach this process (ONCOMMUN_PUBLIC_URL)
        self._room_access = room_access
        self._holder = secrets.token_hex(8)  # this process, in live_sessions.held_by
        self._lease_seconds = lease_seconds
        self._renewer: asyncio.Task[None] | None = None
        self._media: LiveMedia | None = None
        self._open: dict[LiveSessionId, OpenSession] = {}
        self._opening = asyncio.Lock()

    @property
    def store(self) -> LiveStore:
        return self._store

    def attach_media(self, media: LiveMedia) -> None:
        self._media = media

    @property
    def media(self) -> LiveMedia:
        if self._media is None:
            raise DomainError(ErrorCode.UNAVAILABLE, N_("Video sessions are not available on this server."))
        return self._media

    def open_session(self, session_id: LiveSessionId) -> OpenSession | None:
        return self._open.get(session_id)

    # --- scheduling ---
    async def schedule(
        self, person: Person, room_id: int, title: str, starts_at: datetime, duration_minutes: int
    ) -> LiveSession:
        room = await self._therapy_room(room_id)
        self._require_host(person, room)
        title = title.strip()
        if not 1 <= len(title) <= 200 or not 5 <= duration_minutes <= 480 or starts_at.tzinfo is None:
            raise live_error(LiveErrorCode.INVALID_SCHEDULE,
                         N_("A session needs a title (1-200 characters), a start time with a time zone and "
                            "a duration of 5 to 480 minutes."), status=422)
        session = await self._store.create_session(room.id, title, person.id, starts_at, duration_minutes)
        log.info("live_session_scheduled", session_id=session.id, room_id=room.id, by=person.id)
        return session

    async def sessions_of_room(self, person: Person, room_id: int, include_ended: bool = False) -> list[LiveSession]:
        room = await self._therapy_room(room_id)
        self._require_member(person, room)
        return await self._store.sessions_of_room(room.id, include_ended)

    async def attendance(self, person: Person, session_id: LiveSessionId) -> list[dict[str, object]]:
        session, room = await self._session_and_room(person, session_id)
        self._require_host(person, room)
        return await self._store.attendance(session.id)

    async def visits(self, person: Person, since: datetime, until: datetime) -> list[dict[str, object]]:
        """Patient visits of the person's own site (staff only: the caller checks the role)."""
        return await self._store.visits(person.site_id, since, until)

    # --- opening and joining ---
    async def open(self, person: Person, session_id: LiveSessionId) -> OpenSession:
        session, room = await self._session_and_room(person, session_id)
        self._require_host(person, room)
        async with self._opening:
            existing = self._open.get(session.id)
            if existing is not None:
                return existing
            if session.state is SessionState.ENDED:
                raise live_error(LiveErrorCode.ENDED, N_("This session has ended."), status=410)
            if not await self._store.claim(session.id, self._holder, self._lease_seconds, self._public_url):
                raise _elsewhere(await self._store.held_elsewhere(session.id, self._holder))
            try:
                await self.media.session_opened(session.id)
            except BaseException:
                await self._store.release(session.id, self._holder)
                raise
            await self._store.mark_open(session.id, person.id)
            self._keep_leases()
            fresh = await self._store.session(session.id)
            assert fresh is not None
            opened = OpenSession(fresh, room)
            self._open[session.id] = opened
        log.info("live_session_opened", session_id=session.id, by=person.id)
        return opened

    async def join(self, person: Person, session_id: LiveSessionId) -> tuple[OpenSession, Participant]:
        """Enter the waiting room, or straight in for hosts and for people admitted earlier."""
        opened = await self._joinable(person, session_id)
        room = await self._therapy_room(opened.session.room_id)  # membership may have changed since it opened
        self._require_member(person, room)
        if self._room_access is not None:  # a patient stepped down below the room's step, or banned
            await self._room_access(person, room.id)
        async with opened.lock:
            opened.room = room
            self._require_member(person, room)
            if person.id in opened.removed:
                raise live_error(LiveErrorCode.REMOVED, N_("The host removed you from this session."), status=403)
            existing = opened.participants.get(person.id)
            if existing is not None:
                return opened, existing
            is_host = person.id in opened.room.hosts
            if opened.session.locked and not is_host and person.id not in opened.admitted_before:
                raise live_error(LiveErrorCode.LOCKED, N_("The host has locked this session."), status=423)
            participant = Participant(
                person.id, person.display_name, ParticipantRole.HOST if is_host else ParticipantRole.PATIENT,
                ParticipantStatus.WAITING, _now(), person=person,
            )
            if is_host or person.id in opened.admitted_before:
                await self._admit(opened, participant)
            opened.participants[person.id] = participant
        log.info("live_joined", session_id=session_id, user_id=person.id, status=participant.status.value)
        return opened, participant

    async def recheck_access(self, user_id: UserId) -> list[LiveSessionId]:
        """After a change of someone's access (removed from the room, stepped down, banned): the open
        sessions they are in but may no longer be; the caller takes them out (`leave`, ACCESS_LOST)."""
        lost: list[LiveSessionId] = []
        for opened in list(self._open.values()):
            participant = opened.participants.get(user_id)
            if participant is None or participant.person is None:
                continue
            try:
                room = await self._therapy_room(opened.session.room_id)
                self._require_member(participant.person, room)
                if self._room_access is not None:
                    await self._room_access(participant.person, room.id)
            except DomainError as err:
                log.info("live_access_lost", session_id=opened.id, user_id=user_id, code=err.code)
                lost.append(opened.id)
        return lost

    async def admit(self, host: Person, session_id: LiveSessionId, user_id: UserId | None) -> Admission:
        """Admit one waiting patient, or everyone waiting (``user_id`` None), in the order they came."""
        opened = self._hosted(host, session_id)
        async with opened.lock:
            if user_id is None:
                queue = opened.waiting()
            else:
                target = opened.participants.get(user_id)
                if target is None or target.status is not ParticipantStatus.WAITING:
                    raise live_error(LiveErrorCode.NOT_WAITING, N_("This person is not in the waiting room."),
                                 status=409, user_id=user_id)
                queue = [target]
            admitted: list[Participant] = []
            for index, participant in enumerate(queue):
                try:
                    await self._admit(opened, participant)
                except DomainError as err:
                    if not admitted:
                        raise
                    return Admission(admitted, [p.user_id for p in queue[index:]], err)
                admitted.append(participant)
        log.info("live_admitted", session_id=session_id, by=host.id, count=len(admitted))
        return Admission(admitted, [], None)

    async def leave(self, user_id: UserId, session_id: LiveSessionId, reason: LeaveReason) -> Participant | None:
        """Take a participant out (left, dropped, failed, removed); None when they were not in it."""
        opened = self._open.get(session_id)
        if opened is None:
            return None
        async with opened.lock:
            return await self._drop(opened, user_id, reason)

    # --- the participant's own controls ---
    async def set_media(self, person: Person, session_id: LiveSessionId, kind: MediaKind, on: bool) -> Participant:
        opened, participant = self._participant(person, session_id)
        async with opened.lock:
            track = participant.track(kind)
            if on and track.host_muted:
                if not track.unmute_allowed:
                    raise live_error(LiveErrorCode.MUTED_BY_HOST,
                                 N_("The host has turned this off; they can ask you to turn it back on."),
                                 status=403, kind=kind)
                track.host_muted = track.unmute_allowed = False
            track.on = on
            self._forward(opened, participant, kind)
        return participant

    async def raise_hand(self, person: Person, session_id: LiveSessionId, raised: bool) -> Participant:
        _opened, participant = self._participant(person, session_id)
        participant.hand_raised = raised
        return participant

    def media_published(self, session_id: LiveSessionId, user_id: UserId, kind: MediaKind, published: bool) -> bool:
        """Media tells us a track appeared or went; True when forwarding it is allowed right now."""
        opened = self._open.get(session_id)
        participant = opened.participants.get(user_id) if opened else None
        if participant is None:
            return False
        track = participant.track(kind)
        track.published = published
        return track.forwarding

    # --- host controls ---
    async def mute(self, host: Person, session_id: LiveSessionId, user_id: UserId, kind: MediaKind) -> Participant:
        """Stop forwarding a participant's microphone (or camera) on the server."""
        opened = self._hosted(host, session_id)
        async with opened.lock:
            participant = self._target(opened, user_id)
            track = participant.track(kind)
            track.host_muted, track.unmute_allowed = True, False
            self._forward(opened, participant, kind)
        log.info("live_muted", session_id=session_id, by=host.id, user_id=user_id, kind=kind)
        return participant

    async def ask_unmute(self, host: Person, session_id: LiveSessionId, user_id: UserId,
                         kind: MediaKind) -> Participant:
        """Let the participant turn it back on themselves; the server never switches it on for them."""
        opened = self._hosted(host, session_id)
        async with opened.lock:
            participant = self._target(opened, user_id)
            participant.track(kind).unmute_allowed = True
        return participant

    async def remove(self, host: Person, session_id: LiveSessionId, user_id: UserId) -> Participant:
        opened = self._hosted(host, session_id)
        async with opened.lock:
            participant = self._target(opened, user_id)
            if participant.role is ParticipantRole.HOST:
                raise DomainError(ErrorCode.FORBIDDEN, N_("A host cannot be removed."), status=403)
            opened.removed.add(user_id)
            await self._drop(opened, user_id, LeaveReason.REMOVED)
        log.info("live_removed", session_id=session_id, by=host.id, user_id=user_id)
        return participant

    async def lock(self, host: Person, session_id: LiveSessionId, locked: bool) -> OpenSession:
        opened = self._hosted(host, session_id)
        async with opened.lock:
            await self._store.set_locked(session_id, locked)
            opened.session = replace(opened.session, locked=locked)
        return opened

    async def end(self, host: Person, session_id: LiveSessionId) -> list[Participant]:
        """End the session for everyone; returns everyone who was in it (waiting or admitted)."""
        opened = self._hosted(host, session_id)
        return await self._end(opened, LeaveReason.ENDED)

    async def close_all(self, reason: LeaveReason) -> None:
        """Server shutdown: close every attendance row; sessions stay open for the host to reopen."""
        if self._renewer is not None:
            self._renewer.cancel()
            self._renewer = None
        for opened in list(self._open.values()):
            async with opened.lock:
                for user_id in list(opened.participants):
                    await self._drop(opened, user_id, reason)
            self._open.pop(opened.id, None)
            self.media.session_ended(opened.id)
            await self._store.release(opened.id, self._holder)

    def visible_participants(self, person: Person, opened: OpenSession) -> list[Participant]:
        """Hosts see everyone, the waiting room too; admitted patients see who is in; a waiting patient
        sees nobody until let in."""
        if person.id in opened.room.hosts:
            return opened.admitted() + opened.waiting()
        me = opened.participants.get(person.id)
        return opened.admitted() if me is not None and me.status is ParticipantStatus.ADMITTED else []

    # --- inside ---
    def _keep_leases(self) -> None:
        if self._renewer is None or self._renewer.done():
            self._renewer = asyncio.get_running_loop().create_task(self._renew_leases())

    async def _renew_leases(self) -> None:
        """While sessions are open here, tell other processes so (a crashed process's lease lapses)."""
        while True:
            await asyncio.sleep(self._lease_seconds / 3)
            try:
                if self._open:
                    await self._store.renew(list(self._open), self._holder, self._lease_seconds)
            except Exception:
                log.exception("live_lease_renewal_failed")

    async def _admit(self, opened: OpenSession, participant: Participant) -> None:
        await self.media.participant_admitted(opened.id, participant.user_id)
        try:
            attendance_id, _ = await self._store.attendance_started(
                opened.id, participant.user_id, participant.role, participant.waiting_since)
        except Exception:
            self.media.participant_gone(opened.id, participant.user_id)
            raise
        participant.status = ParticipantStatus.ADMITTED
        participant.attendance_id = attendance_id
        opened.admitted_before.add(participant.user_id)

    async def _drop(self, opened: OpenSession, user_id: UserId, reason: LeaveReason) -> Participant | None:
        participant = opened.participants.pop(user_id, None)
        if participant is None:
            return None
        if participant.status is ParticipantStatus.ADMITTED:
            self.media.participant_gone(opened.id, user_id)
            if participant.attendance_id is not None:
                await self._store.attendance_ended(participant.attendance_id, reason)
        log.info("live_left", session_id=opened.id, user_id=user_id, reason=reason.value)
        return participant

    async def _end(self, opened: OpenSession, reason: LeaveReason) -> list[Participant]:
        async with opened.lock:
            everyone = list(opened.participants.values())
            opened.participants.clear()
            self._open.pop(opened.id, None)
            self.media.session_ended(opened.id)
            await self._store.mark_ended(opened.id, reason)
            await self._store.release(opened.id, self._holder)
        log.info("live_session_ended", session_id=opened.id, reason=reason.value)
        return everyone

    def _forward(self, opened: OpenSession, participant: Participant, kind: MediaKind) -> None:
        if participant.status is ParticipantStatus.ADMITTED:
            self.media.set_forwarding(opened.id, participant.user_id, kind, participant.track(kind).forwarding)

    async def _therapy_room(self, room_id: int) -> TherapyRoom:
        room = await self._store.therapy_room(room_id)
        if room is None:
            raise DomainError(ErrorCode.NOT_FOUND, N_("Not found."))
        if room.kind != "therapy":
            raise live_error(LiveErrorCode.NOT_A_THERAPY_ROOM, N_("Video sessions take place in therapy rooms."))
        return room

    async def _session_and_room(self, person: Person, session_id: LiveSessionId) -> tuple[LiveSession, TherapyRoom]:
        session = await self._store.session(session_id)
        if session is None:
            raise live_error(LiveErrorCode.SESSION_NOT_FOUND, N_("No such session."), status=404)
        room = await self._therapy_room(session.room_id)
        self._require_member(person, room)
        return session, room

    async def _joinable(self, person: Person, session_id: LiveSessionId) -> OpenSession:
        opened = self._open.get(session_id)
        if opened is not None:
            return opened
        session, _room = await self._session_and_room(person, session_id)
        if session.state is SessionState.ENDED:
            raise live_error(LiveErrorCode.ENDED, N_("This session has ended."), status=410)
        where = await self._store.held_elsewhere(session.id, self._holder)
        if where is not None:
            raise _elsewhere(where)
        raise live_error(LiveErrorCode.NOT_OPEN, N_("The session has not started yet."), status=409,
                     starts_at=session.starts_at.isoformat())

    def _hosted(self, host: Person, session_id: LiveSessionId) -> OpenSession:
        opened = self._open.get(session_id)
        if opened is None:
            raise live_error(LiveErrorCode.NOT_OPEN, N_("The session is not open."), status=409)
        self._require_host(host, opened.room)
        return opened

    def _participant(self, person: Person, session_id: LiveSessionId) -> tuple[OpenSession, Participant]:
        opened = self._open.get(session_id)
        participant = opened.participants.get(person.id) if opened else None
        if opened is None or participant is None:
            raise live_error(LiveErrorCode.NOT_JOINED, N_("Join the session first."), status=409)
        return opened, participant

    @staticmethod
    def _target(opened: OpenSession, user_id: UserId) -> Participant:
        participant = opened.participants.get(user_id)
        if participant is None:
            raise live_error(LiveErrorCode.NOT_JOINED, N_("This person is not in the session."), status=404,
                         user_id=user_id)
        return participant

    @staticmethod
    def _require_member(person: Person, room: TherapyRoom) -> None:
        if person.id not in room.members and person.id not in room.hosts:
            raise live_error(LiveErrorCode.NOT_MEMBER, N_("Only members of this therapy group can join."), status=403)

    @staticmethod
    def _require_host(person: Person, room: TherapyRoom) -> None:
        if person.id not in room.hosts:
            raise live_error(LiveErrorCode.NOT_HOST, N_("Only the group's psychologist can do that."), status=403)


__all__ = ["Admission", "LiveMedia", "LiveSessions", "OpenSession", "RoomAccess"]
