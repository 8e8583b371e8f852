"""HTTP routes of moderation: the audit log export, and a site's moderation settings (hooks, crisis
numbers, the clinicians' reply templates). Who may do what is decided in moderation, never here.
"""

from __future__ import annotations

from aiohttp import web

from care.errors import N_, DomainError, ErrorCode
from moderation.assembly import Moderation
from server.http.edge import caller, json_body, ok, services

routes = web.RouteTableDef()


def _moderation(request: web.Request) -> Moderation:
    moderation = services(request).moderation
    if moderation is None:
        raise DomainError(ErrorCode.NOT_FOUND, N_("Moderation is switched off on this server."))
    return moderation


@routes.get("/api/moderation/audit")
async def export_audit(request: web.Request) -> web.Response:
    """The site's whole audit log: ``?format=csv`` (default) or ``json``."""
    person = await caller(request)
    content_type, body = await _moderation(request).desk.export_audit(person, request.query.get("format", "csv"))
    extension = "csv" if content_type.startswith("text/csv") else "json"
    return web.Response(
        body=body.encode(),
        headers={
            "Content-Type": content_type,
            "Content-Disposition": f'attachment; filename="moderation-audit.{extension}"',
        },
    )


@routes.get("/api/moderation/settings")
async def get_settings(request: web.Request) -> web.Response:
    person = await caller(request)
    return ok({"settings": await _moderation(request).settings.document(person)})


@routes.put("/api/moderation/settings")
async def put_settings(request: web.Request) -> web.Response:
    person = await caller(request)
    body = await json_body(request)
    await _moderation(request).settings.save(person, body)
    return ok({"settings": await _moderation(request).settings.document(person)})
