"""The one error type of the domain, shared by every package, and its wire shape.

Every failure a client can cause is a `DomainError` with a stable snake_case code and a human message.
HTTP bodies and Socket.IO acks both carry it as ``{"error": {"code": ..., "message": ...}}``. The message
is English source text marked for translation; the edge translates it into the person's language.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from enum import StrEnum
from typing import Any


def N_(message: str) -> str:
    """Mark a message for gettext extraction without translating it here."""
    return message


class ErrorCode(StrEnum):
    """Codes shared by every package. Packages add their own codes as strings documented in docs/."""

    BAD_REQUEST = "bad_request"
    INVALID_JSON = "invalid_json"
    VALIDATION_FAILED = "validation_failed"
    PAYLOAD_TOO_LARGE = "payload_too_large"
    UNAUTHENTICATED = "unauthenticated"
    FORBIDDEN = "forbidden"
    NOT_FOUND = "not_found"
    CONFLICT = "conflict"
    RATE_LIMITED = "rate_limited"
    UNAVAILABLE = "unavailable"
    INTERNAL_ERROR = "internal_error"


_STATUS_BY_CODE: dict[str, int] = {
    ErrorCode.BAD_REQUEST: 400,
    ErrorCode.INVALID_JSON: 400,
    ErrorCode.VALIDATION_FAILED: 422,
    ErrorCode.PAYLOAD_TOO_LARGE: 413,
    ErrorCode.UNAUTHENTICATED: 401,
    ErrorCode.FORBIDDEN: 403,
    ErrorCode.NOT_FOUND: 404,
    ErrorCode.CONFLICT: 409,
    ErrorCode.RATE_LIMITED: 429,
    ErrorCode.UNAVAILABLE: 503,
    ErrorCode.INTERNAL_ERROR: 500,
}

Translate = Callable[[str], str]


class DomainError(Exception):
    """A failure to report to the client, never a bug.

    ``params`` fill ``{placeholders}`` of the message after translation; ``details`` travel to the client
    as structured data (for example the list of invalid questionnaire items).
    """

    def __init__(
        self,
        code: str,
        message: str,
        *,
        status: int | None = None,
        params: Mapping[str, Any] | None = None,
        details: Any = None,
    ) -> None:
        super().__init__(code)
        self.code = str(code)
        self.message = message
        self.status = status if status is not None else _STATUS_BY_CODE.get(code, 400)
        self.params = dict(params or {})
        self.details = details

    def payload(self, translate: Translate | None = None) -> dict[str, Any]:
        text = translate(self.message) if translate else self.message
        try:
            text = text.format(**self.params)
        except (KeyError, IndexError, ValueError):
            text = self.message
        body: dict[str, Any] = {"code": self.code, "message": text}
        if self.details is not None:
            body["details"] = self.details
        return {"error": body}


def internal_error_payload(translate: Translate | None = None) -> dict[str, Any]:
    return DomainError(ErrorCode.INTERNAL_ERROR, N_("Something went wrong on our side.")).payload(translate)
