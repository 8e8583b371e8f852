"""What every HTTP handler needs at the edge: the caller, their JSON body, and typed field access."""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any, TypeVar

from aiohttp import web

from care.errors import N_, DomainError, ErrorCode
from care.people import Person, Role
from server.accounts import AuthSession
from server.services import SERVICES, Services

T = TypeVar("T")
AUTH_SESSION = web.RequestKey("auth_session", AuthSession)


def services(request: web.Request) -> Services:
    return request.app[SERVICES]


def bearer_token(request: web.Request) -> str | None:
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    return token.strip() if scheme.lower() == "bearer" and token else None


async def auth_session(request: web.Request) -> AuthSession:
    """The caller's live session; 401 in the standard shape if there is none."""
    if AUTH_SESSION in request:
        return request[AUTH_SESSION]
    session = await services(request).accounts.authenticate(bearer_token(request))
    request[AUTH_SESSION] = session
    return session


async def caller(request: web.Request, *roles: Role) -> Person:
    """The authenticated person, who must hold one of ``roles`` when any are given."""
    person = (await auth_session(request)).person
    if roles and not any(person.has(role) for role in roles):
        raise DomainError(ErrorCode.FORBIDDEN, N_("You are not allowed to do that."))
    return person


async def json_body(request: web.Request) -> dict[str, Any]:
    if request.content_type != "application/json":
        raise DomainError(ErrorCode.BAD_REQUEST, N_("Send a JSON body with Content-Type: application/json."))
    raw = await request.read()
    try:
        body = json.loads(raw)
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise DomainError(ErrorCode.INVALID_JSON, N_("The request body is not valid JSON.")) from exc
    if not isinstance(body, dict):
        raise DomainError(ErrorCode.BAD_REQUEST, N_("The request body must be a JSON object."))
    return body


def field(body: dict[str, Any], name: str, kind: type[T], *, required: bool = True, default: T | None = None) -> T:
    """Read one typed field; a wrong type or a missing field is a 400 naming the field."""
    if name not in body or body[name] is None:
        if required:
            raise DomainError(
                ErrorCode.BAD_REQUEST,
                N_("The field '{field}' is required."),
                params={"field": name},
                details={"field": name},
            )
        return default  # type: ignore[return-value]
    value = body[name]
    if kind is int and isinstance(value, bool):
        value = None  # JSON true is not a number
    if kind is float and isinstance(value, int) and not isinstance(value, bool):
        value = float(value)
    if not isinstance(value, kind):
        raise DomainError(
            ErrorCode.BAD_REQUEST,
            N_("The field '{field}' has the wrong type."),
            params={"field": name},
            details={"field": name, "expected": kind.__name__},
        )
    return value


def path_int(request: web.Request, name: str) -> int:
    try:
        return int(request.match_info[name])
    except (KeyError, ValueError) as exc:
        raise DomainError(ErrorCode.NOT_FOUND, N_("Not found.")) from exc


def query_int(request: web.Request, name: str, default: int, *, lo: int, hi: int) -> int:
    raw = request.query.get(name)
    if raw is None:
        return default
    try:
        value = int(raw)
    except ValueError as exc:
        raise DomainError(
            ErrorCode.BAD_REQUEST, N_("The parameter '{field}' must be a number."), params={"field": name}
        ) from exc
    return max(lo, min(hi, value))


def ok(data: Any, status: int = 200) -> web.Response:
    return web.json_response(data, status=status, dumps=_dumps)


def _dumps(data: Any) -> str:
    return json.dumps(data, default=_default, ensure_ascii=False)


def _default(value: Any) -> Any:
    if hasattr(value, "isoformat"):
        return value.isoformat()
    if isinstance(value, (set, frozenset)):
        return sorted(value)
    if isinstance(value, Iterable):
        return list(value)
    raise TypeError(f"not JSON serialisable: {type(value).__name__}")
