"""Authenticated Socket.IO connections of this process, and the guard every event runs through.

A connection authenticates once, with its session token in the ``auth`` payload, and is refused with a
reason otherwise. Because a session can be revoked on another process, each event re-checks the session
when the last check is older than ``session_check_seconds``. Revocation disconnects at once: here directly,
elsewhere through a Redis notice.
"""

from __future__ import annotations

import asyncio
import time
from collections import defaultdict
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

import socketio
import structlog
from redis.asyncio import Redis

from care.errors import N_, DomainError, ErrorCode, internal_error_payload
from care.people import Person
from rooms.pubsub import listen_forever
from server.accounts import AccountService, AuthSession
from server.i18n import Catalogs

log = structlog.get_logger(__name__)

Ack = dict[str, Any] | list[Any] | None
EventHandler = Callable[["Connection", Any], Awaitable[Ack]]


class DisconnectReason(StrEnum):
    SESSION_REVOKED = "session_revoked"
    SERVER_SHUTDOWN = "server_shutdown"


def user_room(user_id: int) -> str:
    """Every socket of a user, on every process: for notices, alerts and replies meant for one person."""
    return f"user:{user_id}"


def site_staff_room(site_id: int) -> str:
    """Psychologists and admins of a site, for alerts and moderation queues."""
    return f"site:{site_id}:staff"


@dataclass(slots=True)
class Connection:
    sid: str
    namespace: str
    session: AuthSession
    checked_at: float
    joined_rooms: set[str] = field(default_factory=set)
    state: dict[str, Any] = field(default_factory=dict)

    @property
    def person(self) -> Person:
        return self.session.person


class LiveConnections:
    def __init__(
        self,
        sio: socketio.AsyncServer,
        accounts: AccountService,
        i18n: Catalogs,
        session_check_seconds: float,
        redis: Redis | None = None,
        redis_prefix: str = "oncommun",
    ):
        self._redis = redis
        self._revocations = f"{redis_prefix}:sessions:revoked"
        self._sio = sio
        self._accounts = accounts
        self._i18n = i18n
        self._check_every = session_check_seconds
        self._by_sid: dict[str, Connection] = {}
        self._by_session: dict[int, set[str]] = defaultdict(set)
        self._background: set[asyncio.Task[None]] = set()
        self.on_disconnect: list[Callable[[Connection], Awaitable[None]]] = []

    # --- lifecycle ---
    async def connect(self, sid: str, namespace: str, auth: Any) -> Connection:
        token = auth.get("token") if isinstance(auth, dict) else None
        try:
            session = await self._accounts.authenticate(token)
        except DomainError as err:
            log.info("socket_refused", namespace=namespace, code=err.code)
            raise socketio.exceptions.ConnectionRefusedError(err.code, err.payload()) from None
        connection = Connection(sid, namespace, session, time.monotonic())
        self._by_sid[sid] = connection
        self._by_session[session.id].add(sid)
        await self._sio.enter_room(sid, user_room(session.person.id), namespace=namespace)
        if session.person.is_staff:
            await self._sio.enter_room(sid, site_staff_room(session.person.site_id), namespace=namespace)
        log.info("socket_connected", sid=sid, namespace=namespace, user_id=session.person.id)
        return connection

    async def disconnect(self, sid: str) -> None:
        connection = self._by_sid.pop(sid, None)
        if connection is None:
            return
        self._by_session[connection.session.id].discard(sid)
        if not self._by_session[connection.session.id]:
            del self._by_session[connection.session.id]
        for listener in self.on_disconnect:
            try:
                await listener(connection)
            except Exception:
                log.exception("disconnect_listener_failed", sid=sid)
        log.info("socket_disconnected", sid=sid, user_id=connection.person.id)

    def get(self, sid: str) -> Connection | None:
        return self._by_sid.get(sid)

    def all(self) -> list[Connection]:
        return list(self._by_sid.values())

    def of_user(self, user_id: int) -> list[Connection]:
        return [c for c in self._by_sid.values() if c.person.id == user_id]

    async def session_revoked(self, session_id: int) -> None:
        """Close the revoked session's sockets here at once, and on the other processes through Redis."""
        await self._close_session(session_id)
        if self._redis is not None:
            try:
                await self._redis.publish(self._revocations, str(session_id))
            except Exception as exc:  # the others still refuse it at their next periodic re-check
                log.warning("revocation_publish_failed", session_id=session_id, error=type(exc).__name__)

    async def start(self) -> None:
        if self._redis is not None:
            task = asyncio.get_running_loop().create_task(
                listen_forever(self._redis, self._revocations, self._revocation_notice)
            )
            self._background.add(task)
            task.add_done_callback(self._background.discard)

    async def stop(self) -> None:
        for task in list(self._background):
            task.cancel()
        await asyncio.gather(*self._background, return_exceptions=True)

    async def _revocation_notice(self, data: bytes | str) -> None:
        try:
            session_id = int(data)
        except ValueError:
            log.warning("revocation_notice_malformed")
            return
        await self._close_session(session_id)

    async def _close_session(self, session_id: int) -> None:
        for sid in list(self._by_session.get(session_id, ())):
            connection = self._by_sid.get(sid)
            if connection is None:
                continue
            await self._sio.emit(
                "disconnect_reason",
                {"reason": DisconnectReason.SESSION_REVOKED},
                to=sid,
                namespace=connection.namespace,
            )
            await self._sio.disconnect(sid, namespace=connection.namespace)

    async def close_all(self, reason: DisconnectReason) -> None:
        for connection in self.all():
            try:
                await self._sio.emit(
                    "disconnect_reason", {"reason": reason}, to=connection.sid, namespace=connection.namespace
                )
                await self._sio.disconnect(connection.sid, namespace=connection.namespace)
            except Exception:
                log.exception("socket_close_failed", sid=connection.sid)

    # --- the guard ---
    def translate(self, connection: Connection | None) -> Callable[[str], str]:
        return self._i18n.translator(connection.person.language.value if connection else None)

    def guarded(self, event: str, handler: EventHandler) -> Callable[[str, Any], Awaitable[Ack]]:
        """Wrap an event handler: who is asking, is the session still live, errors become acks."""

        async def run(sid: str, data: Any = None) -> Ack:
            connection = self._by_sid.get(sid)
            with structlog.contextvars.bound_contextvars(sid=sid, event=event):
                if connection is None:
                    return DomainError(ErrorCode.UNAUTHENTICATED, N_("Sign in first.")).payload()
                try:
                    await self._recheck(connection)
                    return await handler(connection, data)
                except DomainError as err:
                    log.info("event_refused", code=err.code, user_id=connection.person.id)
                    return err.payload(self.translate(connection))
                except Exception:
                    log.exception("event_failed", user_id=connection.person.id)
                    return internal_error_payload(self.translate(connection))

        return run

    async def _recheck(self, connection: Connection) -> None:
        """Expiry is checked on every event; the database only every ``session_check_seconds``, as a
        safety net under the Redis revocation notices (which pub/sub may drop)."""
        now = time.monotonic()
        try:
            if connection.session.expires_at <= datetime.now(UTC):
                raise DomainError(
                    ErrorCode.UNAUTHENTICATED, N_("Your session has expired or was revoked. Sign in again.")
                )
            if now - connection.checked_at < self._check_every:
                return
            connection.session = await self._accounts.authenticate_session_id(connection.session.id)
        except DomainError:
            # Answer this event with the error first; the socket closes right after.
            task = asyncio.get_running_loop().create_task(self._close_after_ack(connection.session.id))
            self._background.add(task)
            task.add_done_callback(self._background.discard)
            raise
        connection.checked_at = now

    async def _close_after_ack(self, session_id: int) -> None:
        await asyncio.sleep(0.05)
        await self.session_revoked(session_id)
