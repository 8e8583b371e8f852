"""What a moderation hook is, what it answers, and how a site configures it.

A hook is a small async object that looks at one `FilterRequest` and answers a `HookResult`. Hooks never
see each other; the pipeline runs them side by side, each under its own timeout and failure policy, and
keeps the strictest answer. Third-party hooks implement exactly this protocol.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any, Protocol, runtime_checkable

from care.people import SiteId
from rooms.filters import CRISIS_LANGUAGE, Action, Decision, FilterRequest, MessageId

TEXT_ACTIONS: frozenset[Action] = frozenset({Action.MESSAGE, Action.EDIT})
ALL_ACTIONS: frozenset[Action] = frozenset(Action)


class Reason(StrEnum):
    """Every reason code the built-in hooks and the pipeline produce; clients show these to senders."""

    FLOODING = "flooding"
    REPEATED_TEXT = "repeated_text"
    LINK_NOT_ALLOWED = "link_not_allowed"
    KEYWORD = "keyword"
    PERSONAL_DATA = "personal_data"
    CRISIS_LANGUAGE = CRISIS_LANGUAGE  # rooms owns the value: it lets such holds past mutes and rate limits
    CRISIS_MENTION = "crisis_mention"
    HOOK_FAILED = "hook_failed"
    HOOK_TIMED_OUT = "hook_timed_out"


class FailurePolicy(StrEnum):
    """What a hook's silence means: OPEN lets the content through, CLOSED holds it for review."""

    OPEN = "open"
    CLOSED = "closed"


@dataclass(frozen=True, slots=True)
class HookResult:
    """One hook's answer. ``details`` go to the audit log: ids, categories and counts, never message text."""

    decision: Decision
    reason: str | None = None
    details: Mapping[str, str | int | float | bool] = field(default_factory=dict)

    @staticmethod
    def allow() -> HookResult:
        return _ALLOW


_ALLOW = HookResult(Decision.ALLOW)


@runtime_checkable
class ModerationHook(Protocol):
    """The protocol every hook implements, built-in or third-party.

    ``name`` is the stable name used in configuration and in the audit log. ``actions`` says which actions
    the hook wants to see; the pipeline does not call it for others.
    """

    name: str
    actions: frozenset[Action]

    async def check(self, request: FilterRequest) -> HookResult: ...


@runtime_checkable
class FollowUpHook(Protocol):
    """A hook that acts once its held or flagged message has an id (crisis replies and alerts, say)."""

    async def after_store(self, request: FilterRequest, result: HookResult, message_id: MessageId) -> None: ...


@dataclass(frozen=True, slots=True)
class HookSpec:
    """How one site runs one hook: which hook, its options, its time budget and its failure policy."""

    name: str
    options: Mapping[str, Any] = field(default_factory=dict)
    timeout_seconds: float = 0.25
    on_failure: FailurePolicy = FailurePolicy.OPEN
    enabled: bool = True

    @classmethod
    def from_mapping(cls, raw: Mapping[str, Any]) -> HookSpec:
        from care.errors import N_, DomainError, ErrorCode

        try:
            timeout = float(raw.get("timeout_seconds", 0.25))
            policy = FailurePolicy(raw.get("on_failure", FailurePolicy.OPEN))
            name = str(raw["name"])
        except (KeyError, ValueError, TypeError) as exc:
            raise DomainError(
                ErrorCode.VALIDATION_FAILED, N_("Invalid moderation hook settings."), details={"hook": raw}
            ) from exc
        if not 0 < timeout <= 10:
            raise DomainError(
                ErrorCode.VALIDATION_FAILED,
                N_("A hook timeout must be between 0 and 10 seconds."),
                details={"hook": name},
            )
        return cls(
            name=name,
            options=dict(raw.get("options", {})),
            timeout_seconds=timeout,
            on_failure=policy,
            enabled=bool(raw.get("enabled", True)),
        )


@dataclass(frozen=True, slots=True)
class HookContext:
    """What a hook factory is given besides its options: the site, and the services follow-ups need."""

    site_id: SiteId
    services: Mapping[str, Any] = field(default_factory=dict)


HookFactory = Callable[[Mapping[str, Any], HookContext], ModerationHook]
"""An entry point of ``oncommun.moderation_hooks`` names one of these: ``(options, context) -> hook``."""
