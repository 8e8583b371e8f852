"""Reading a hook's options with a structured error when a site's settings are wrong."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

from care.errors import N_, DomainError, ErrorCode

T = TypeVar("T")


def option(options: Mapping[str, Any], name: str, kind: type[T], default: T) -> T:
    value = options.get(name, default)
    try:
        if kind is float and isinstance(value, int | float):
            return float(value)  # type: ignore[return-value]
        if kind is tuple:
            return tuple(value)  # type: ignore[return-value]
        if isinstance(value, kind) and not (kind is int and isinstance(value, bool)):
            return value
    except TypeError:
        pass
    raise DomainError(
        ErrorCode.VALIDATION_FAILED,
        N_("Invalid value for the moderation option {option}."),
        params={"option": name},
    )
