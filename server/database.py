"""The asyncpg pool and the migration runner.

Migrations are numbered SQL files in server/migrations (``0001_accounts.sql``). Each is applied in its own
transaction and recorded in ``schema_migrations``. A session-level advisory lock serialises processes that
start together, so two servers migrating at once apply each file exactly once.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

import asyncpg
import asyncpg.pool
import structlog

log = structlog.get_logger(__name__)

# A connection of our own or one borrowed from the pool: both run the same SQL.
DbConnection = asyncpg.Connection | asyncpg.pool.PoolConnectionProxy

MIGRATION_LOCK_ID = 0x0_0C0_33_0  # an arbitrary constant shared by every Oncommun process
_MIGRATION_NAME = re.compile(r"^(\d{4})_([a-z0-9_]+)\.sql$")


@dataclass(frozen=True, slots=True)
class Migration:
    version: int
    name: str
    sql: str

    @property
    def checksum(self) -> str:
        return hashlib.sha256(self.sql.encode()).hexdigest()


def available_migrations(directory: Path | None = None) -> list[Migration]:
    root = directory or Path(str(resources.files("server") / "migrations"))
    found: list[Migration] = []
    for path in sorted(root.iterdir()):
        match = _MIGRATION_NAME.match(path.name)
        if match:
            found.append(Migration(int(match.group(1)), match.group(2), path.read_text(encoding="utf-8")))
    versions = [m.version for m in found]
    if len(versions) != len(set(versions)):
        raise RuntimeError(f"two migrations share a number in {root}")
    return found


async def migrate(connection: DbConnection, migrations: list[Migration] | None = None) -> list[int]:
    """Apply every migration not yet applied; return the versions applied now."""
    todo = available_migrations() if migrations is None else migrations
    applied_now: list[int] = []
    await connection.execute("SELECT pg_advisory_lock($1)", MIGRATION_LOCK_ID)
    try:
        await connection.execute(
            """CREATE TABLE IF NOT EXISTS schema_migrations (
                   version integer PRIMARY KEY,
                   name text NOT NULL,
                   checksum text NOT NULL,
                   applied_at timestamptz NOT NULL DEFAULT now())"""
        )
        done = {
            row["version"]: row["checksum"]
            for row in await connection.fetch("SELECT version, checksum FROM schema_migrations")
        }
        for migration in todo:
            if migration.version in done:
                if done[migration.version] != migration.checksum:
                    log.warning("migration_changed_after_apply", version=migration.version)
                continue
            async with connection.transaction():
                await connection.execute(migration.sql)
                await connection.execute(
                    "INSERT INTO schema_migrations (version, name, checksum) VALUES ($1, $2, $3)",
                    migration.version,
                    migration.name,
                    migration.checksum,
                )
            applied_now.append(migration.version)
            log.info("migration_applied", version=migration.version, name=migration.name)
    finally:
        await connection.execute("SELECT pg_advisory_unlock($1)", MIGRATION_LOCK_ID)
    return applied_now


async def pending_migrations(connection: DbConnection) -> list[int]:
    """Versions on disk not yet applied: readiness means this is empty."""
    exists = await connection.fetchval("SELECT to_regclass('schema_migrations') IS NOT NULL")
    done: set[int] = set()
    if exists:
        done = {r["version"] for r in await connection.fetch("SELECT version FROM schema_migrations")}
    return [m.version for m in available_migrations() if m.version not in done]


async def _init_connection(connection: DbConnection) -> None:
    # JSON columns come back as Python objects, not strings.
    for kind in ("json", "jsonb"):
        await connection.set_type_codec(kind, encoder=json.dumps, decoder=json.loads, schema="pg_catalog")


async def _keep_session(connection: DbConnection) -> None:
    """Release a connection to the pool without asyncpg's reset query.

    The default reset (``SELECT pg_advisory_unlock_all(); CLOSE ALL; UNLISTEN *; RESET ALL``) is a second
    round trip after every pooled query, about half the client CPU of a chat message. Nothing here sets
    session state on pooled connections (no SET, LISTEN, cursors; the migration lock is released in a
    ``finally``), and asyncpg still rolls back a transaction left open before calling this.
    """


async def create_pool(dsn: str, *, min_size: int = 2, max_size: int = 10, **kwargs: Any) -> asyncpg.Pool:
    kwargs.setdefault("reset", _keep_session)
    pool = await asyncpg.create_pool(dsn, min_size=min_size, max_size=max_size, init=_init_connection, **kwargs)
    assert pool is not None
    return pool
