"""Login, logout, who am I, and the admin endpoints on users."""

from __future__ import annotations

from aiohttp import web

from care.people import Person, Role
from server.http.edge import auth_session, caller, field, json_body, ok, path_int, services

routes = web.RouteTableDef()


def person_json(person: Person) -> dict[str, object]:
    return {
        "id": person.id,
        "site_id": person.site_id,
        "roles": sorted(person.roles),
        "language": person.language.value,
        "display_name": person.display_name,
    }


def _client_ip(request: web.Request) -> str:
    """The address to throttle: the proxy's word for it only when the proxy is trusted."""
    remote = request.remote or "unknown"
    forwarded = request.headers.get("X-Forwarded-For")
    if forwarded and remote in services(request).config.trusted_proxies:
        return forwarded.split(",")[-1].strip()[:64] or remote
    return remote


@routes.post("/api/auth/login")
async def login(request: web.Request) -> web.Response:
    body = await json_body(request)
    username = field(body, "username", str)
    password = field(body, "password", str)
    result = await services(request).accounts.login(username, password, _client_ip(request))
    return ok(
        {
            "token": result.token,
            "expires_at": result.session.expires_at,
            "user": person_json(result.session.person),
        }
    )


@routes.post("/api/auth/logout")
async def logout(request: web.Request) -> web.Response:
    session = await auth_session(request)
    await services(request).accounts.logout(session)
    await services(request).live_connections.session_revoked(session.id)
    return ok({"ok": True})


@routes.get("/api/me")
async def me(request: web.Request) -> web.Response:
    session = await auth_session(request)
    site = await services(request).account_store.site(session.person.site_id)
    data = person_json(session.person)
    data["site"] = {"id": site["id"], "slug": site["slug"], "name": site["name"]} if site else None
    data["session_expires_at"] = session.expires_at
    return ok(data)


# --- admin ---


@routes.get("/api/admin/users")
async def list_users(request: web.Request) -> web.Response:
    admin = await caller(request, Role.ADMIN)
    people = await services(request).accounts.users_of_site(admin.site_id)
    return ok({"users": [person_json(p) for p in people]})


@routes.post("/api/admin/users")
async def create_user(request: web.Request) -> web.Response:
    admin = await caller(request, Role.ADMIN)
    body = await json_body(request)
    person = await services(request).accounts.create_user(
        site_id=admin.site_id,
        username=field(body, "username", str),
        password=field(body, "password", str),
        roles=field(body, "roles", list),
        language=field(body, "language", str, required=False, default="en"),
        display_name=field(body, "display_name", str, required=False),
    )
    return ok({"user": person_json(person)}, status=201)


@routes.put("/api/admin/users/{user_id}/roles")
async def set_roles(request: web.Request) -> web.Response:
    admin = await caller(request, Role.ADMIN)
    body = await json_body(request)
    person = await services(request).accounts.set_roles(admin, path_int(request, "user_id"), field(body, "roles", list))
    return ok({"user": person_json(person)})


@routes.post("/api/admin/users/{user_id}/revoke-sessions")
async def revoke_sessions(request: web.Request) -> web.Response:
    admin = await caller(request, Role.ADMIN)
    revoked = await services(request).accounts.revoke_sessions(admin, path_int(request, "user_id"))
    for session_id in revoked:
        await services(request).live_connections.session_revoked(session_id)
    return ok({"revoked": len(revoked)})
