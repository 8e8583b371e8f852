"""Live sessions over HTTP: scheduling, the room's agenda, attendance, and visits for the cost evaluation.
Everything that happens during a session travels on the "/live" Socket.IO namespace instead."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from aiohttp import web

from care.errors import N_, DomainError, ErrorCode
from care.people import Role
from rooms.live_model import LiveSessionId
from server.http.edge import caller, field, json_body, ok, path_int, services

routes = web.RouteTableDef()


def _instant(raw: str | None, name: str) -> datetime | None:
    if raw is None:
        return None
    try:
        value = datetime.fromisoformat(raw)
    except ValueError:
        value = None
    if value is None or value.tzinfo is None:
        raise DomainError(ErrorCode.BAD_REQUEST, N_("'{field}' must be an ISO 8601 time with a time zone."),
                          params={"field": name}, details={"field": name})
    return value


@routes.post("/api/rooms/{room_id}/live-sessions")
async def schedule(request: web.Request) -> web.Response:
    person = await caller(request)
    body = await json_body(request)
    starts_at = _instant(field(body, "starts_at", str), "starts_at")
    assert starts_at is not None
    session = await services(request).live_video.sessions.schedule(
        person, path_int(request, "room_id"), field(body, "title", str), starts_at,
        field(body, "duration_minutes", int, required=False, default=90),
    )
    return ok({"session": session.wire()}, status=201)


@routes.get("/api/rooms/{room_id}/live-sessions")
async def agenda(request: web.Request) -> web.Response:
    person = await caller(request)
    include_ended = request.query.get("include_ended") in ("1", "true")
    sessions = await services(request).live_video.sessions.sessions_of_room(
        person, path_int(request, "room_id"), include_ended)
    return ok({"sessions": [s.wire() for s in sessions]})


@routes.get("/api/live-sessions/{session_id}/attendance")
async def attendance(request: web.Request) -> web.Response:
    person = await caller(request)
    rows = await services(request).live_video.sessions.attendance(
        person, LiveSessionId(path_int(request, "session_id")))
    return ok({"attendance": rows})


@routes.get("/api/live-visits")
async def visits(request: web.Request) -> web.Response:
    """Patient visits of the caller's site in [from, to): what the programme's cost evaluation counts."""
    person = await caller(request, Role.PSYCHOLOGIST, Role.ADMIN)
    until = _instant(request.query.get("to"), "to") or datetime.now(UTC)
    since = _instant(request.query.get("from"), "from") or until - timedelta(days=365)
    rows = await services(request).live_video.sessions.visits(person, since, until)
    return ok({"site_id": person.site_id, "from": since, "to": until, "visits": rows, "count": len(rows)})
