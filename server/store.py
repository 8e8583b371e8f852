"""SQL for sites, users, login sessions and login throttling."""

from __future__ import annotations

from datetime import datetime

import asyncpg

Row = asyncpg.Record

_PERSON_COLUMNS = "u.id, u.site_id, u.roles, u.language, u.display_name, u.username"


class AccountStore:
    def __init__(self, pool: asyncpg.Pool) -> None:
        self._pool = pool

    # --- sites ---
    async def create_site(self, slug: str, name: str, country: str, language: str) -> int:
        site_id: int = await self._pool.fetchval(
            """INSERT INTO sites (slug, name, country, language) VALUES ($1, $2, $3, $4)
               ON CONFLICT (slug) DO UPDATE SET name = EXCLUDED.name RETURNING id""",
            slug,
            name,
            country,
            language,
        )
        return site_id

    async def site(self, site_id: int) -> Row | None:
        return await self._pool.fetchrow("SELECT * FROM sites WHERE id = $1", site_id)

    # --- users ---
    async def create_user(
        self, site_id: int, username: str, display_name: str, password_hash: str, roles: list[str], language: str
    ) -> int | None:
        """None when the username is taken."""
        user_id: int | None = await self._pool.fetchval(
            """INSERT INTO users (site_id, username, display_name, password_hash, roles, language)
               VALUES ($1, $2, $3, $4, $5, $6)
               ON CONFLICT (lower(username)) DO NOTHING RETURNING id""",
            site_id,
            username,
            display_name,
            password_hash,
            roles,
            language,
        )
        return user_id

    async def user_for_login(self, username: str) -> Row | None:
        return await self._pool.fetchrow(
            "SELECT id, password_hash FROM users WHERE lower(username) = lower($1) AND disabled_at IS NULL",
            username,
        )

    async def update_password_hash(self, user_id: int, password_hash: str) -> None:
        await self._pool.execute("UPDATE users SET password_hash = $2 WHERE id = $1", user_id, password_hash)

    async def person(self, user_id: int) -> Row | None:
        return await self._pool.fetchrow(f"SELECT {_PERSON_COLUMNS} FROM users u WHERE u.id = $1", user_id)

    async def set_roles(self, user_id: int, roles: list[str]) -> Row | None:
        return await self._pool.fetchrow(
            f"UPDATE users u SET roles = $2 WHERE u.id = $1 RETURNING {_PERSON_COLUMNS}", user_id, roles
        )

    async def users_of_site(self, site_id: int) -> list[Row]:
        return await self._pool.fetch(
            f"SELECT {_PERSON_COLUMNS} FROM users u WHERE u.site_id = $1 ORDER BY u.id", site_id
        )

    # --- login sessions ---
    async def create_session(self, user_id: int, token_hash: bytes, ttl_seconds: int) -> Row:
        row = await self._pool.fetchrow(
            """INSERT INTO auth_sessions (user_id, token_hash, expires_at)
               VALUES ($1, $2, now() + make_interval(secs => $3)) RETURNING id, expires_at""",
            user_id,
            token_hash,
            float(ttl_seconds),
        )
        assert row is not None
        return row

    async def session_person(self, token_hash: bytes) -> Row | None:
        """The live session's person, or None if unknown, expired, revoked or the user is disabled."""
        return await self._pool.fetchrow(
            f"""SELECT s.id AS session_id, s.expires_at, {_PERSON_COLUMNS}
                FROM auth_sessions s JOIN users u ON u.id = s.user_id
                WHERE s.token_hash = $1 AND s.revoked_at IS NULL AND s.expires_at > now()
                  AND u.disabled_at IS NULL""",
            token_hash,
        )

    async def session_person_by_id(self, session_id: int) -> Row | None:
        return await self._pool.fetchrow(
            f"""SELECT s.id AS session_id, s.expires_at, {_PERSON_COLUMNS}
                FROM auth_sessions s JOIN users u ON u.id = s.user_id
                WHERE s.id = $1 AND s.revoked_at IS NULL AND s.expires_at > now() AND u.disabled_at IS NULL""",
            session_id,
        )

    async def revoke_session(self, session_id: int, revoked_by: int) -> bool:
        status: str = await self._pool.execute(
            "UPDATE auth_sessions SET revoked_at = now(), revoked_by = $2 WHERE id = $1 AND revoked_at IS NULL",
            session_id,
            revoked_by,
        )
        return status.endswith(" 1")

    async def revoke_user_sessions(self, user_id: int, revoked_by: int) -> list[int]:
        rows = await self._pool.fetch(
            """UPDATE auth_sessions SET revoked_at = now(), revoked_by = $2
               WHERE user_id = $1 AND revoked_at IS NULL AND expires_at > now() RETURNING id""",
            user_id,
            revoked_by,
        )
        return [r["id"] for r in rows]

    async def live_sessions(self, user_id: int) -> list[Row]:
        return await self._pool.fetch(
            """SELECT id, created_at, expires_at FROM auth_sessions
               WHERE user_id = $1 AND revoked_at IS NULL AND expires_at > now() ORDER BY id""",
            user_id,
        )

    # --- login throttling ---
    async def login_failures(self, keys: list[str], window_seconds: int) -> dict[str, tuple[int, datetime]]:
        rows = await self._pool.fetch(
            """SELECT key, failures, window_start FROM login_failures
               WHERE key = ANY($1) AND window_start > now() - make_interval(secs => $2)""",
            keys,
            float(window_seconds),
        )
        return {r["key"]: (r["failures"], r["window_start"]) for r in rows}

    async def record_login_failure(self, keys: list[str], window_seconds: int) -> None:
        await self._pool.execute(
            """INSERT INTO login_failures (key, failures, window_start)
               SELECT k, 1, now() FROM unnest($1::text[]) AS k
               ON CONFLICT (key) DO UPDATE SET
                 failures = CASE WHEN login_failures.window_start > now() - make_interval(secs => $2)
                                 THEN login_failures.failures + 1 ELSE 1 END,
                 window_start = CASE WHEN login_failures.window_start > now() - make_interval(secs => $2)
                                 THEN login_failures.window_start ELSE now() END""",
            keys,
            float(window_seconds),
        )

    async def clear_login_failures(self, key: str) -> None:
        await self._pool.execute("DELETE FROM login_failures WHERE key = $1", key)
