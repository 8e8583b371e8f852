"""Accounts: login with throttling, session tokens, and the admin actions on users.

A session token is 256 random bits handed to the client once; only its SHA-256 is stored. Throttling
counts failures per account and per IP address in the database, so every process sees the same counts.
"""

from __future__ import annotations

import hashlib
import math
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime

import asyncpg
import structlog

from care.errors import N_, DomainError, ErrorCode
from care.people import Language, Person, Role, SiteId, UserId
from server.config import Config
from server.passwords import Passwords
from server.store import AccountStore

log = structlog.get_logger(__name__)

SessionId = int


@dataclass(frozen=True, slots=True)
class AuthSession:
    """A live login: who it is and which session row to revoke."""

    id: SessionId
    person: Person
    expires_at: datetime


@dataclass(frozen=True, slots=True)
class LoginResult:
    token: str
    session: AuthSession


def hash_token(token: str) -> bytes:
    return hashlib.sha256(token.encode()).digest()


def person_from_row(row: asyncpg.Record) -> Person:
    return Person(
        id=UserId(row["id"]),
        site_id=SiteId(row["site_id"]),
        roles=frozenset(Role(r) for r in row["roles"]),
        language=Language(row["language"]),
        display_name=row["display_name"],
    )


def _session_from_row(row: asyncpg.Record | None) -> AuthSession:
    """The session a stored row describes; no row (expired, revoked or unknown) is a 401."""
    if row is None:
        raise DomainError(
            ErrorCode.UNAUTHENTICATED, N_("Your session has expired or was revoked. Sign in again."), status=401
        )
    return AuthSession(row["session_id"], person_from_row(row), row["expires_at"])


def parse_roles(raw: object) -> list[str]:
    if not isinstance(raw, list) or not raw or not all(isinstance(r, str) for r in raw):
        raise DomainError(ErrorCode.VALIDATION_FAILED, N_("Roles must be a non-empty list."))
    try:
        roles = {Role(r) for r in raw}
    except ValueError as exc:
        raise DomainError(ErrorCode.VALIDATION_FAILED, N_("Unknown role.")) from exc
    if Role.MENTOR in roles:
        roles.add(Role.PATIENT)  # a mentor is a patient who improved
    return sorted(roles)


class AccountService:
    def __init__(self, store: AccountStore, passwords: Passwords, config: Config) -> None:
        self._store = store
        self._passwords = passwords
        self._config = config

    # --- login and sessions ---
    async def login(self, username: str, password: str, ip: str) -> LoginResult:
        keys = [f"account:{username.lower()}", f"ip:{ip}"]
        await self._refuse_if_throttled(keys)
        row = await self._store.user_for_login(username)
        ok = await self._passwords.verify(row["password_hash"] if row else None, password)
        if not ok or row is None:
            await self._store.record_login_failure(keys, self._config.login_failure_window_seconds)
            log.info("login_failed")
            raise DomainError(ErrorCode.UNAUTHENTICATED, N_("Wrong username or password."), status=401)
        await self._store.clear_login_failures(keys[0])
        if self._passwords.needs_rehash(row["password_hash"]):
            await self._store.update_password_hash(row["id"], await self._passwords.hash(password))
            log.info("password_rehashed", user_id=row["id"])
        token = secrets.token_urlsafe(32)
        created = await self._store.create_session(row["id"], hash_token(token), self._config.session_ttl_seconds)
        person_row = await self._store.person(row["id"])
        assert person_row is not None
        log.info("login_succeeded", user_id=row["id"], session_id=created["id"])
        return LoginResult(token, AuthSession(created["id"], person_from_row(person_row), created["expires_at"]))

    async def _refuse_if_throttled(self, keys: list[str]) -> None:
        window = self._config.login_failure_window_seconds
        counts = await self._store.login_failures(keys, window)
        limits = {keys[0]: self._config.login_max_failures_per_account, keys[1]: self._config.login_max_failures_per_ip}
        for key, (failures, window_start) in counts.items():
            if failures >= limits[key]:
                elapsed = (datetime.now(UTC) - window_start).total_seconds()
                retry_after = max(1, math.ceil(window - elapsed))
                log.info("login_throttled", scope=key.split(":", 1)[0])
                raise DomainError(
                    ErrorCode.RATE_LIMITED,
                    N_("Too many failed logins. Try again in {seconds} seconds."),
                    params={"seconds": retry_after},
                    details={"retry_after": retry_after},
                )

    async def authenticate(self, token: str | None) -> AuthSession:
        if not token or not isinstance(token, str) or len(token) > 200:
            raise DomainError(ErrorCode.UNAUTHENTICATED, N_("Sign in first."), status=401)
        return _session_from_row(await self._store.session_person(hash_token(token)))

    async def authenticate_session_id(self, session_id: SessionId) -> AuthSession:
        """Re-check a session already authenticated by token (long-lived sockets)."""
        return _session_from_row(await self._store.session_person_by_id(session_id))

    async def logout(self, session: AuthSession) -> None:
        await self._store.revoke_session(session.id, session.person.id)
        log.info("logout", user_id=session.person.id, session_id=session.id)

    # --- admin actions ---
    async def create_user(
        self,
        *,
        site_id: int,
        username: str,
        password: str,
        roles: list[str],
        language: str = "en",
        display_name: str | None = None,
    ) -> Person:
        if len(password) < 10:
            raise DomainError(ErrorCode.VALIDATION_FAILED, N_("A password needs at least 10 characters."))
        if (
            not username
            or len(username) > 64
            or not username.replace(".", "").replace("-", "").replace("_", "").isalnum()
        ):
            raise DomainError(ErrorCode.VALIDATION_FAILED, N_("A username is 1-64 letters, digits, '.', '-' or '_'."))
        if language not in {lang.value for lang in Language}:
            raise DomainError(ErrorCode.VALIDATION_FAILED, N_("Unknown language."))
        if await self._store.site(site_id) is None:
            raise DomainError(ErrorCode.NOT_FOUND, N_("No such site."))
        user_id = await self._store.create_user(
            site_id,
            username,
            display_name or username,
            await self._passwords.hash(password),
            parse_roles(roles),
            language,
        )
        if user_id is None:
            raise DomainError(ErrorCode.CONFLICT, N_("That username is taken."))
        row = await self._store.person(user_id)
        assert row is not None
        log.info("user_created", user_id=user_id, site_id=site_id)
        return person_from_row(row)

    async def person(self, user_id: int) -> Person:
        row = await self._store.person(user_id)
        if row is None:
            raise DomainError(ErrorCode.NOT_FOUND, N_("No such user."))
        return person_from_row(row)

    async def set_roles(self, admin: Person, user_id: int, roles: list[str]) -> Person:
        target = await self.person(user_id)
        self._require_same_site(admin, target)
        row = await self._store.set_roles(user_id, parse_roles(roles))
        assert row is not None
        log.info("roles_changed", user_id=user_id, by=admin.id)
        return person_from_row(row)

    async def revoke_sessions(self, admin: Person, user_id: int) -> list[SessionId]:
        target = await self.person(user_id)
        self._require_same_site(admin, target)
        revoked = await self._store.revoke_user_sessions(user_id, admin.id)
        log.info("sessions_revoked", user_id=user_id, by=admin.id, count=len(revoked))
        return revoked

    async def users_of_site(self, site_id: int) -> list[Person]:
        return [person_from_row(r) for r in await self._store.users_of_site(site_id)]

    @staticmethod
    def _require_same_site(admin: Person, target: Person) -> None:
        if admin.site_id != target.site_id:
            raise DomainError(ErrorCode.NOT_FOUND, N_("No such user."))
