"""Liveness and readiness for load balancers and orchestrators."""

from __future__ import annotations

import asyncio

from aiohttp import web

from server.database import pending_migrations
from server.http.edge import ok, services

routes = web.RouteTableDef()


@routes.get("/healthz")
async def healthz(request: web.Request) -> web.Response:
    return ok({"status": "ok"})


@routes.get("/readyz")
async def readyz(request: web.Request) -> web.Response:
    """Ready when the database answers and every migration on disk is applied."""
    try:
        async with asyncio.timeout(2):
            async with services(request).pool.acquire() as connection:
                pending = await pending_migrations(connection)
    except (OSError, TimeoutError, Exception):
        return ok({"status": "unavailable", "database": "unreachable"}, status=503)
    if pending:
        return ok({"status": "unavailable", "database": "not_migrated", "pending": pending}, status=503)
    return ok({"status": "ready"})
