"""Benchmark data for Oncommun: a private database with G therapy groups of M patients and their tokens.

Users and sessions are written with SQL rather than through the login route: 2,000 argon2 hashes would
take minutes and measure nothing the benchmark is about. Rooms, membership and care steps are the same
rows the product writes.
"""

from __future__ import annotations

import secrets
from urllib.parse import urlsplit, urlunsplit

import asyncpg

from loadtests.chat.generator import Group
from server.accounts import hash_token


def database_url(server_url: str, name: str) -> str:
    parts = urlsplit(server_url)
    return urlunsplit((parts.scheme, parts.netloc, "/" + name, parts.query, parts.fragment))


async def create_database(server_url: str) -> tuple[str, str]:
    name = f"oncommun_bench_{secrets.token_hex(4)}"
    admin = await asyncpg.connect(server_url)
    try:
        await admin.execute(f'CREATE DATABASE "{name}"')
    finally:
        await admin.close()
    return name, database_url(server_url, name)


async def drop_database(server_url: str, name: str) -> None:
    admin = await asyncpg.connect(server_url)
    try:
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        await admin.close()


async def seed_groups(url: str, groups: int, members: int) -> list[Group]:
    """Needs the server's migrations applied (start the server first)."""
    conn = await asyncpg.connect(url)
    try:
        async with conn.transaction():
            site = await conn.fetchval(
                "INSERT INTO sites (slug, name, country) VALUES ('bench', 'Bench', 'ES') RETURNING id"
            )
            staff = await conn.fetchval(
                """INSERT INTO users (site_id, username, display_name, password_hash, roles)
                   VALUES ($1, 'bench-psy', 'Bench psychologist', 'x', ARRAY['psychologist']) RETURNING id""",
                site,
            )
            ids = [
                row["id"]
                for row in await conn.fetch(
                    """INSERT INTO users (site_id, username, display_name, password_hash, roles)
                       SELECT $1, 'bench-' || g, 'Bench ' || g, 'x', ARRAY['patient']
                       FROM generate_series(1, $2) g RETURNING id""",
                    site,
                    groups * members,
                )
            ]
            ids.sort()
            await conn.execute(
                "INSERT INTO care_patients (user_id, site_id, current_step) SELECT unnest($1::bigint[]), $2, 4",
                ids,
                site,
            )
            tokens = [secrets.token_urlsafe(24) for _ in ids]
            await conn.execute(
                """INSERT INTO auth_sessions (user_id, token_hash, expires_at)
                   SELECT unnest($1::bigint[]), unnest($2::bytea[]), now() + interval '1 day'""",
                ids,
                [hash_token(t) for t in tokens],
            )
            result: list[Group] = []
            for g in range(groups):
                room = await conn.fetchval(
                    """INSERT INTO rooms (site_id, kind, step, name, created_by)
                       VALUES ($1, 'therapy', 4, $2, $3) RETURNING id""",
                    site,
                    f"Group {g}",
                    staff,
                )
                chunk = slice(g * members, (g + 1) * members)
                await conn.execute(
                    "INSERT INTO room_members (room_id, user_id, role) SELECT $1, unnest($2::bigint[]), 'member'",
                    room,
                    ids[chunk],
                )
                result.append(Group(room, tokens[chunk]))
        return result
    finally:
        await conn.close()


def bare_groups(groups: int, members: int) -> list[Group]:
    return [Group(g + 1, [f"bare-{g}-{m}" for m in range(members)]) for g in range(groups)]
