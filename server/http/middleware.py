"""Every HTTP response goes through here: request ids in the logs, and one error shape for clients.

Errors become ``{"error": {"code", "message"}}`` in the caller's language; an unexpected exception is
logged with its traceback and answered with a bare ``internal_error``, so no stack trace reaches a client.
"""

from __future__ import annotations

import secrets
import time

import structlog
from aiohttp import web
from aiohttp.typedefs import Handler

from care.errors import N_, DomainError, ErrorCode, internal_error_payload
from server.http.edge import AUTH_SESSION, ok, services

log = structlog.get_logger(__name__)

_HTTP_CODES: dict[int, tuple[str, str]] = {
    400: (ErrorCode.BAD_REQUEST, N_("The request is malformed.")),
    401: (ErrorCode.UNAUTHENTICATED, N_("Sign in first.")),
    403: (ErrorCode.FORBIDDEN, N_("You are not allowed to do that.")),
    404: (ErrorCode.NOT_FOUND, N_("Not found.")),
    405: ("method_not_allowed", N_("That method is not allowed here.")),
    413: (ErrorCode.PAYLOAD_TOO_LARGE, N_("The request body is too large.")),
}


def _language(request: web.Request) -> str:
    if AUTH_SESSION in request:
        return request[AUTH_SESSION].person.language.value
    accepted = request.headers.get("Accept-Language", "")
    return accepted.split(",")[0].split("-")[0].strip().lower() or "en"


@web.middleware
async def error_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    request_id = request.headers.get("X-Request-Id", "")[:64] or secrets.token_hex(8)
    started = time.perf_counter()
    with structlog.contextvars.bound_contextvars(request_id=request_id):
        try:
            response = await handler(request)
        except DomainError as err:
            response = _error_response(request, err)
        except web.HTTPException as exc:
            if exc.status < 400:
                raise
            code, message = _HTTP_CODES.get(exc.status, (ErrorCode.BAD_REQUEST, N_("The request is malformed.")))
            response = _error_response(request, DomainError(code, message, status=exc.status))
        except Exception:
            log.exception("http_handler_failed", path=request.path, method=request.method)
            translate = services(request).i18n.translator(_language(request))
            response = ok(internal_error_payload(translate), status=500)
        response.headers["X-Request-Id"] = request_id
        response.headers.setdefault("Cache-Control", "no-store")
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        log.info(
            "http_request",
            method=request.method,
            path=request.rel_url.path,
            status=response.status,
            ms=round((time.perf_counter() - started) * 1000, 1),
        )
        return response


def _error_response(request: web.Request, err: DomainError) -> web.Response:
    translate = services(request).i18n.translator(_language(request))
    response = ok(err.payload(translate), status=err.status)
    if err.status == 429 and isinstance(err.details, dict) and "retry_after" in err.details:
        response.headers["Retry-After"] = str(err.details["retry_after"])
    return response
