"""Structured logs that never carry health data.

JSON in production, readable lines on a terminal. Request and connection ids are bound through
contextvars so every line of a request or a Socket.IO event carries them. A last processor drops any field
whose name suggests content (message text, answers, tokens, passwords): a careless `log.info(..., text=t)`
must not put a patient's words on disk.
"""

from __future__ import annotations

import logging
import sys
from collections.abc import MutableMapping
from typing import Any, TextIO

import structlog

# Field names whose values are health data or secrets. Matched case-insensitively on the whole key.
REDACTED_FIELDS = frozenset(
    {
        "text",
        "body",
        "message_text",
        "answers",
        "answer",
        "items",
        "token",
        "password",
        "authorization",
        "auth",
        "sdp",
        "note",
        "reason_text",
    }
)


def _redact(_: Any, __: str, event_dict: MutableMapping[str, Any]) -> MutableMapping[str, Any]:
    for key in list(event_dict):
        if key.lower() in REDACTED_FIELDS:
            event_dict[key] = "[redacted]"
    return event_dict


def configure_logging(log_format: str = "auto", level: str = "info", stream: TextIO | None = None) -> None:
    """Configure structlog and the standard library's logging (aiohttp, asyncpg) in one shape."""
    stream = stream or sys.stderr
    use_json = log_format == "json" or (log_format == "auto" and not stream.isatty())
    renderer: Any = structlog.processors.JSONRenderer() if use_json else structlog.dev.ConsoleRenderer()
    shared: list[Any] = [
        structlog.contextvars.merge_contextvars,
        structlog.processors.add_log_level,
        structlog.processors.TimeStamper(fmt="iso", utc=True),
        _redact,
    ]
    numeric_level = logging.getLevelNamesMapping().get(level.upper(), logging.INFO)
    structlog.configure(
        processors=[*shared, structlog.processors.format_exc_info, renderer],
        wrapper_class=structlog.make_filtering_bound_logger(numeric_level),
        logger_factory=structlog.PrintLoggerFactory(file=stream),
        cache_logger_on_first_use=True,  # configured once per process; rebinding on every call costs CPU
    )
    handler = logging.StreamHandler(stream)
    handler.setFormatter(
        structlog.stdlib.ProcessorFormatter(
            processor=renderer, foreign_pre_chain=[*shared, structlog.stdlib.add_logger_name]
        )
    )
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(numeric_level)
    # aiohttp's access log would print query strings; our own middleware logs requests instead.
    logging.getLogger("aiohttp.access").setLevel(logging.WARNING)
