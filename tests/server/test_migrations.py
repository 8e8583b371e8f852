"""Migrations apply once, in order, even when several processes start together."""

from __future__ import annotations

import asyncio
import secrets
import subprocess
import sys

import asyncpg
import pytest

from server.database import available_migrations, migrate, pending_migrations
from tests.conftest import _with_database


@pytest.fixture
async def empty_database_url(postgres_server_url: str) -> object:
    name = f"oncommun_mig_{secrets.token_hex(4)}"
    admin = await asyncpg.connect(postgres_server_url)
    await admin.execute(f'CREATE DATABASE "{name}"')
    await admin.close()
    yield _with_database(postgres_server_url, name)
    admin = await asyncpg.connect(postgres_server_url)
    await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    await admin.close()


async def test_migrating_twice_applies_nothing_the_second_time(empty_database_url: str) -> None:
    connection = await asyncpg.connect(empty_database_url)
    try:
        first = await migrate(connection)
        second = await migrate(connection)
        assert first == [m.version for m in available_migrations()]
        assert second == []
        assert await pending_migrations(connection) == []
    finally:
        await connection.close()


async def test_two_processes_migrating_at_once_apply_each_file_exactly_once(empty_database_url: str) -> None:
    script = "import sys; from server.cli import main; sys.exit(main(['migrate']))"
    env_vars = {"DATABASE_URL": empty_database_url, "ONCOMMUN_LOG_FORMAT": "json", "PATH": "/usr/bin:/bin"}
    processes = [
        await asyncio.create_subprocess_exec(
            sys.executable, "-c", script, env=env_vars, stdout=subprocess.PIPE, stderr=subprocess.PIPE
        )
        for _ in range(2)
    ]
    results = [await p.communicate() for p in processes]
    assert [p.returncode for p in processes] == [0, 0], results
    connection = await asyncpg.connect(empty_database_url)
    try:
        rows = await connection.fetch("SELECT version FROM schema_migrations ORDER BY version")
    finally:
        await connection.close()
    assert [r["version"] for r in rows] == [m.version for m in available_migrations()]
    outputs = b"".join(out for out, _ in results).decode()
    assert outputs.count("up to date") == 1  # one process did the work, the other found nothing to do


async def test_a_failing_migration_leaves_nothing_half_applied(empty_database_url: str) -> None:
    from server.database import Migration

    broken = [*available_migrations()[:1], Migration(9999, "broken", "CREATE TABLE half_done (id int); SELECT 1/0;")]
    connection = await asyncpg.connect(empty_database_url)
    try:
        with pytest.raises(asyncpg.DataError):
            await migrate(connection, broken)
        assert await connection.fetchval("SELECT to_regclass('half_done')") is None
        assert await connection.fetchval("SELECT count(*) FROM schema_migrations WHERE version = 9999") == 0
    finally:
        await connection.close()
