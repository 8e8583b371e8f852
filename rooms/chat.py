"""Messages in rooms: send, edit, delete, react, typing, read markers, history and catch-up.

A message goes: access (the socket joined the room), text rules, mute and rate limit, the content filter,
then the store commits it with the room's next seq, then the broadcast, then the ack. A mute or the rate
limit refuses a send only once the filter has screened it: crisis language is held and answered anyway.
Only a committed message is ever acknowledged, so an acked message can always be fetched again.
"""

from __future__ import annotations

import asyncio
import time
from collections import OrderedDict, defaultdict
from collections.abc import Callable
from typing import Any

import structlog

from care.errors import N_, DomainError
from care.people import UserId
from rooms.access import may_start_thread
from rooms.filters import Action, Decision, FilterRequest, Verdict
from rooms.limits import RateLimiter
from rooms.membership import ChatSocket, Joined, Membership, chat_room, moderators_room
from rooms.model import Message, MessageId, RoomError, RoomId, Visibility, room_error
from rooms.text import clean_emoji, clean_text

log = structlog.get_logger(__name__)

PAGE_MAX = 100
_RECENT_ACKS = 20_000


class Chat:
    def __init__(
        self,
        membership: Membership,
        limiter: RateLimiter,
        user_room: Callable[[int], str],
        *,
        max_text_chars: int,
        edit_window_seconds: float,
        typing_interval_seconds: float,
    ) -> None:
        self.m = membership
        self.store = membership.store
        self.sio = membership.sio
        self.limiter = limiter
        self.user_room = user_room
        self.max_text_chars = max_text_chars
        self.edit_window_seconds = edit_window_seconds
        self.typing_interval = typing_interval_seconds
        self._room_locks: defaultdict[RoomId, asyncio.Lock] = defaultdict(asyncio.Lock)
        self._recent_acks: OrderedDict[tuple[int, str], tuple[RoomId, dict[str, Any]]] = OrderedDict()

    # --- send ---
    async def send(
        self, sock: ChatSocket, room_id: RoomId, raw_text: object, client_id: str, reply_to: MessageId | None
    ) -> dict[str, Any]:
        person = sock.person
        recent = self._recent_acks.get((person.id, client_id))
        if recent is not None:
            return self._same_room(recent[0], room_id, recent[1])
        joined = await self.m.joined(sock, room_id)
        text = clean_text(raw_text, self.max_text_chars)
        if reply_to is None and not may_start_thread(joined.room, joined.role):
            raise room_error(RoomError.READ_ONLY, N_("Ask your question as a reply to a post in this room."))
        if reply_to is not None:
            await self._message_in_room(reply_to, room_id)
        refusal = await self._refusal(sock, joined)
        request = FilterRequest(Action.MESSAGE, person, joined.room.ref, text=text)
        verdict = await self._allowed(request, refusal)
        visibility = Visibility.HELD if verdict.decision is Decision.HOLD else Visibility.VISIBLE
        async with self._room_locks[room_id]:
            message, created = await self.store.insert_message(
                room_id,
                person.id,
                person.display_name,
                client_id,
                text,
                reply_to,
                visibility,
                verdict.decision is Decision.FLAG,
            )
            if created:
                await self._broadcast("message", message)
        ack = {"id": message.id, "seq": message.seq, "ts": message.created_at.isoformat()}
        if message.visibility is not Visibility.VISIBLE:
            ack["visibility"] = message.visibility.value
        self._remember(person.id, client_id, message.room_id, ack)
        if not created:
            log.info("message_retry", room_id=room_id, message_id=message.id)
            return self._same_room(message.room_id, room_id, ack)
        if verdict.decision in (Decision.HOLD, Decision.FLAG):
            await self.m.content.after_store(request, verdict, message.id)
        log.info("message_sent", room_id=room_id, message_id=message.id, seq=message.seq, decision=verdict.decision)
        return ack

    def _same_room(self, stored_room: RoomId, room_id: RoomId, ack: dict[str, Any]) -> dict[str, Any]:
        if stored_room != room_id:
            raise room_error(RoomError.CLIENT_ID_REUSED, N_("This client_id was already used for another message."))
        return ack

    def _remember(self, user_id: int, client_id: str, room_id: RoomId, ack: dict[str, Any]) -> None:
        self._recent_acks[(user_id, client_id)] = (room_id, ack)
        if len(self._recent_acks) > _RECENT_ACKS:
            self._recent_acks.popitem(last=False)

    # --- edit, delete, react ---
    async def edit(self, sock: ChatSocket, message_id: MessageId, raw_text: object) -> dict[str, Any]:
        message, joined = await self._own_message(sock, message_id)
        if time.time() - message.created_at.timestamp() > self.edit_window_seconds:
            raise room_error(
                RoomError.EDIT_WINDOW_CLOSED,
                N_("Messages can be edited for {minutes} minutes after sending."),
                minutes=round(self.edit_window_seconds / 60),
            )
        text = clean_text(raw_text, self.max_text_chars)
        await self._take_token(sock.person.id)
        request = FilterRequest(Action.EDIT, sock.person, joined.room.ref, text=text, message_id=message_id)
        verdict = await self._allowed(request)
        held = verdict.decision is Decision.HOLD
        async with self._room_locks[message.room_id]:
            changed = await self.store.change_message(
                message_id, body=text, edited=True, visibility=Visibility.HELD if held else None
            )
            await self._broadcast("message_changed", changed)
        if verdict.decision in (Decision.HOLD, Decision.FLAG):
            await self.m.content.after_store(request, verdict, message_id)
        return {"id": changed.id, "change_seq": changed.change_seq}

    async def delete(self, sock: ChatSocket, message_id: MessageId) -> dict[str, Any]:
        message, _ = await self._own_message(sock, message_id)
        async with self._room_locks[message.room_id]:
            changed = await self.store.change_message(message_id, body="", visibility=Visibility.DELETED)
            await self._broadcast("message_changed", changed)
        log.info("message_deleted", room_id=message.room_id, message_id=message_id)
        return {"id": changed.id, "change_seq": changed.change_seq}

    async def react(self, sock: ChatSocket, message_id: MessageId, raw_emoji: object, on: bool) -> dict[str, Any]:
        emoji = clean_emoji(raw_emoji)
        message, joined = await self._message_of_joined_room(sock, message_id)
        if not self._may_see(sock, joined, message) or message.visibility is not Visibility.VISIBLE:
            raise room_error(RoomError.NO_SUCH_MESSAGE, N_("There is no such message."))
        await self._take_token(sock.person.id)
        if on:
            request = FilterRequest(Action.REACTION, sock.person, joined.room.ref, message_id=message_id, emoji=emoji)
            await self._allowed(request)
        async with self._room_locks[message.room_id]:
            changed = await self.store.react(message_id, sock.person.id, emoji, on)
            if changed is not None:
                await self._broadcast("message_changed", changed)
        current = changed or message
        return {"id": message_id, "change_seq": current.change_seq, "reactions": current.reactions}

    async def set_visibility(self, message_id: MessageId, visibility: Visibility, body: str | None = None) -> Message:
        """For moderation (hide, release, reject): the change takes a seq and is broadcast in seq order."""
        message = await self._message(message_id)
        async with self._room_locks[message.room_id]:
            changed = await self.store.change_message(message_id, body=body, visibility=visibility)
            await self._broadcast("message_changed", changed)
        return changed

    # --- typing and reading ---
    async def typing(self, sock: ChatSocket, room_id: RoomId) -> dict[str, Any]:
        await self.m.joined(sock, room_id)
        now = time.monotonic()
        if now - sock.typing_at.get(room_id, float("-inf")) < self.typing_interval:
            return {"ok": True, "throttled": True}
        sock.typing_at[room_id] = now
        payload = {"room": room_id, "user": {"id": sock.person.id, "name": sock.person.display_name}}
        await self.sio.emit("typing", payload, room=chat_room(room_id), skip_sid=sock.sid)
        return {"ok": True}

    async def read(self, sock: ChatSocket, room_id: RoomId, seq: int) -> dict[str, Any]:
        await self.m.readable(sock, room_id)
        stored = await self.store.mark_read(room_id, sock.person.id, seq)
        unread = await self.store.unread(room_id, sock.person.id)
        await self.sio.emit("read", {"room": room_id, "user": sock.person.id, "seq": stored}, room=chat_room(room_id))
        return {"room": room_id, "last_read_seq": stored, "unread": unread}

    # --- history and catch-up ---
    async def history(
        self, sock: ChatSocket, room_id: RoomId, *, before: int | None, after: int | None, limit: int
    ) -> dict[str, Any]:
        joined = await self.m.readable(sock, room_id)
        return await self.page(sock.person.id, joined, before=before, after=after, limit=limit)

    async def page(
        self, viewer_id: int, joined: Joined, *, before: int | None, after: int | None, limit: int
    ) -> dict[str, Any]:
        """One page of history: changes after a seq (for gaps and catch-up), or messages before one."""
        room_id = joined.room.id
        limit = max(1, min(PAGE_MAX, limit))
        if after is not None:
            messages, reach = await self.store.changes_after(room_id, after, limit, viewer_id, joined.moderates)
            return {
                "room": room_id,
                "messages": [m.public() for m in messages],
                "upto": reach,
                "more": len(messages) == limit,
            }
        page = await self.store.messages_before(
            room_id, before if before is not None else 2**62, limit, viewer_id, joined.moderates
        )
        return {"room": room_id, "messages": [m.public() for m in page], "more": len(page) == limit}

    async def catch_up(self, sock: ChatSocket, cursors: dict[RoomId, int]) -> dict[str, Any]:
        """Rejoin rooms after a reconnect and return what changed in each after the client's seq.

        The socket enters the room before reading, so a message committed meanwhile arrives live (and is
        dropped by seq as a duplicate) rather than falling between the read and the join.
        """
        rooms: dict[str, Any] = {}
        for room_id, after in cursors.items():
            try:
                joined = await self.m.join(sock, room_id)
                messages, reach = await self.store.changes_after(
                    room_id, after, PAGE_MAX, sock.person.id, joined.moderates
                )
                rooms[str(room_id)] = {
                    "messages": [m.public() for m in messages],
                    "upto": reach,
                    "more": len(messages) == PAGE_MAX,
                }
            except DomainError as err:
                rooms[str(room_id)] = err.payload(sock.translate)
        return {"rooms": rooms}

    # --- helpers ---
    async def _broadcast(self, event: str, message: Message) -> None:
        """Published messages to the room; private ones (held, rejected) only to their author and the
        room's moderators."""
        payload = message.public()
        if message.visibility.private:
            await self.sio.emit(event, payload, room=moderators_room(message.room_id))
            await self.sio.emit(event, payload, room=self.user_room(message.author_id))
        else:
            await self.sio.emit(event, payload, room=chat_room(message.room_id))

    async def _allowed(self, request: FilterRequest, refusal: DomainError | None = None) -> Verdict:
        """The filter's verdict, or the refusal rooms had already decided on (mute, rate limit).

        The refusal waits until the text is screened: a crisis hold outranks it, so a muted or
        rate-limited person in crisis is still held, answered and alerted to a clinician, never ignored.
        """
        verdict = await self.m.content.check(request)
        if refusal is not None:
            if not verdict.holds_for_crisis:
                raise refusal
            log.info("refusal_outranked_by_crisis_hold", room_id=request.room.id, refusal=refusal.code)
        if verdict.decision is Decision.REJECT:
            raise room_error(
                RoomError.REJECTED, N_("This message cannot be posted here."), reason=verdict.reason or "rejected"
            )
        return verdict

    async def _refusal(self, sock: ChatSocket, joined: Joined) -> DomainError | None:
        """Why this send is refused whatever it says (a mute, then the rate limit), raised by `_allowed`."""
        try:
            await self._not_muted(sock, joined)
            await self._take_token(sock.person.id)
        except DomainError as refused:
            return refused
        return None

    async def _take_token(self, user_id: UserId) -> None:
        wait = await self.limiter.take(user_id)
        if wait > 0:
            raise room_error(RoomError.RATE_LIMITED, N_("You are sending too fast. Wait a moment."), retry_after=wait)

    async def _not_muted(self, sock: ChatSocket, joined: Joined) -> None:
        muted_for = await self.m.policy.muted_for(sock.person, joined.room)
        if muted_for is not None and muted_for > 0:
            raise room_error(
                RoomError.MUTED, N_("A moderator has muted you in this room for now."), retry_after=muted_for
            )

    async def _message(self, message_id: MessageId) -> Message:
        message = await self.store.message(message_id)
        if message is None:
            raise room_error(RoomError.NO_SUCH_MESSAGE, N_("There is no such message."))
        return message

    async def _message_in_room(self, message_id: MessageId, room_id: RoomId) -> None:
        message = await self.store.message(message_id)
        if message is None or message.room_id != room_id or message.visibility is not Visibility.VISIBLE:
            raise room_error(RoomError.NO_SUCH_MESSAGE, N_("There is no such message."), field="reply_to")

    async def _message_of_joined_room(self, sock: ChatSocket, message_id: MessageId) -> tuple[Message, Joined]:
        """A message of a room this socket joined; any other answers as missing, revealing nothing."""
        message = await self._message(message_id)
        if message.room_id not in sock.joined:
            raise room_error(RoomError.NO_SUCH_MESSAGE, N_("There is no such message."))
        return message, await self.m.joined(sock, message.room_id)

    async def _own_message(self, sock: ChatSocket, message_id: MessageId) -> tuple[Message, Joined]:
        message, joined = await self._message_of_joined_room(sock, message_id)
        if message.author_id != sock.person.id:
            raise room_error(RoomError.NOT_YOUR_MESSAGE, N_("You can only change your own messages."))
        if message.visibility in (Visibility.DELETED, Visibility.HIDDEN, Visibility.REJECTED):
            raise room_error(RoomError.MESSAGE_DELETED, N_("This message was deleted."))
        return message, joined

    @staticmethod
    def _may_see(sock: ChatSocket, joined: Joined, message: Message) -> bool:
        return not message.visibility.private or joined.moderates or message.author_id == sock.person.id
