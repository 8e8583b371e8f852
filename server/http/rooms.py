"""HTTP routes of chat rooms: my rooms with unread counts, room creation and membership by staff, history.

Live chat happens over Socket.IO (server/sio/chat.py); these routes serve lists and pages a client loads
before or besides a socket. Who may do what is decided in rooms, never here.
"""

from __future__ import annotations

from typing import TypeVar

from aiohttp import web

from care.errors import N_, DomainError, ErrorCode
from care.people import Step
from rooms.model import MemberRole, RoomId, RoomKind
from server.http.edge import caller, field, json_body, ok, path_int, query_int, services

routes = web.RouteTableDef()
E = TypeVar("E", RoomKind, MemberRole)


def _enum(kind: type[E], raw: str, name: str) -> E:
    try:
        return kind(raw)
    except ValueError:
        raise DomainError(
            ErrorCode.BAD_REQUEST,
            N_("The field '{field}' has an unknown value."),
            params={"field": name},
            details={"field": name, "allowed": [item.value for item in kind]},
        ) from None


@routes.get("/api/rooms")
async def my_rooms(request: web.Request) -> web.Response:
    person = await caller(request)
    return ok({"rooms": await services(request).rooms.rooms_of(person)})


@routes.post("/api/rooms")
async def create_room(request: web.Request) -> web.Response:
    person = await caller(request)
    body = await json_body(request)
    kind = _enum(RoomKind, field(body, "kind", str), "kind")
    step = field(body, "step", int)
    if step not in (1, 2, 3, 4):
        raise DomainError(ErrorCode.BAD_REQUEST, N_("The step must be 1, 2, 3 or 4."), details={"field": "step"})
    members: list[tuple[int, MemberRole]] = []
    for entry in field(body, "members", list, required=False, default=[]):
        if not isinstance(entry, dict):
            raise DomainError(ErrorCode.BAD_REQUEST, N_("Each member is an object."), details={"field": "members"})
        role = _enum(MemberRole, field(entry, "role", str, required=False, default="member"), "role")
        members.append((field(entry, "user", int), role))
    room = await services(request).rooms.create_room(person, kind, Step(step), field(body, "name", str), members)
    return ok({"room": room.public()}, status=201)


@routes.get("/api/rooms/{room_id}/members")
async def members(request: web.Request) -> web.Response:
    person = await caller(request)
    return ok({"members": await services(request).rooms.members(person, RoomId(path_int(request, "room_id")))})


@routes.post("/api/rooms/{room_id}/members")
async def add_member(request: web.Request) -> web.Response:
    person = await caller(request)
    body = await json_body(request)
    role = _enum(MemberRole, field(body, "role", str, required=False, default="member"), "role")
    room_id = RoomId(path_int(request, "room_id"))
    await services(request).rooms.add_member(person, room_id, field(body, "user", int), role)
    return ok({"ok": True})


@routes.delete("/api/rooms/{room_id}/members/{user_id}")
async def remove_member(request: web.Request) -> web.Response:
    person = await caller(request)
    removed = await services(request).rooms.remove_member(
        person, RoomId(path_int(request, "room_id")), path_int(request, "user_id")
    )
    return ok({"removed": removed})


@routes.get("/api/rooms/{room_id}/messages")
async def history(request: web.Request) -> web.Response:
    """?before=<seq> for older messages, ?after=<seq> for what changed since; at most 100 per page."""
    person = await caller(request)
    rooms = services(request).rooms
    joined = await rooms.membership.check(person, RoomId(path_int(request, "room_id")))
    before = query_int(request, "before", -1, lo=0, hi=2**62) if "before" in request.query else None
    after = query_int(request, "after", -1, lo=0, hi=2**62) if "after" in request.query else None
    limit = query_int(request, "limit", 50, lo=1, hi=100)
    return ok(await rooms.chat.page(person.id, joined, before=before, after=after, limit=limit))
