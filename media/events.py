"""A tiny typed event: ``Signal[T]``. Listeners are plain callables; one failing listener is logged
and does not stop the others or the media path that emitted the event."""

from __future__ import annotations

from collections.abc import Callable
from typing import Generic, TypeVar

import structlog

T = TypeVar("T")

log = structlog.get_logger(__name__)


class Signal(Generic[T]):
    __slots__ = ("_listeners", "_name")

    def __init__(self, name: str) -> None:
        self._name = name
        self._listeners: list[Callable[[T], object]] = []

    def connect(self, listener: Callable[[T], object]) -> Callable[[], None]:
        """Add a listener; returns a function that removes it."""
        self._listeners.append(listener)

        def disconnect() -> None:
            if listener in self._listeners:
                self._listeners.remove(listener)

        return disconnect

    def emit(self, value: T) -> None:
        for listener in list(self._listeners):
            try:
                listener(value)
            except Exception:
                log.exception("media_event_listener_failed", event=self._name)

    def clear(self) -> None:
        self._listeners.clear()
