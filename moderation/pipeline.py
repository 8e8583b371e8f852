"""The moderation pipeline: every hook of a site, side by side, each under its own clock.

Rooms call `check` before anything is stored or broadcast, and `after_store` once a held or flagged
message has an id. The pipeline:

- runs the site's hooks concurrently; a hook that has not answered within its timeout is cancelled and
  abandoned (never awaited again), so a hung hook costs the sender at most that timeout;
- applies each failing hook's policy: fail open allows, fail closed holds (or rejects, for reactions and
  joins, which cannot wait in a queue);
- keeps the strictest decision (`rooms.filters.DECISION_SEVERITY`), except that a crisis hold beats a
  reject: a person in crisis who also trips the flood limit must still reach a clinician;
- records every decision that does something, and every hook failure, in the audit log.

Built-in hooks are pure CPU and run inline, without a task of their own
(``inline = True``): a task per hook per message would cost more than the hooks. Third-party hooks always
get a task, and with it the timeout.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Protocol

import structlog

from care.people import SiteId
from moderation.audit import AuditEntry, AuditKind, AuditLog, record_safely
from moderation.hook import (
    TEXT_ACTIONS,
    FailurePolicy,
    FollowUpHook,
    HookContext,
    HookResult,
    HookSpec,
    ModerationHook,
    Reason,
)
from moderation.registry import BUILTIN_HOOKS, HookRegistry
from moderation.settings import SettingsSource, SiteModerationSettings
from rooms.filters import DECISION_SEVERITY, Action, Decision, FilterRequest, MessageId, Verdict

log = structlog.get_logger(__name__)

_AWAITING_MAX = 10_000  # decisions whose message was never stored (a retried send) are forgotten


class ModerationQueue(Protocol):
    """Where held and flagged messages wait for a moderator (moderation.store implements it)."""

    async def enqueue_automatic(self, request: FilterRequest, verdict: Verdict, message_id: MessageId) -> None: ...


@dataclass(frozen=True, slots=True)
class _Built:
    spec: HookSpec
    hook: ModerationHook | None  # None: the hook could not be built; its failure policy applies
    inline: bool
    overrides_reject: bool


@dataclass(frozen=True, slots=True)
class Outcome:
    """What one hook did for one request."""

    spec: HookSpec
    result: HookResult | None
    failure: Reason | None = None
    error: str | None = None  # the exception's type name, never its message (it may quote the text)

    def decision_for(self, action: Action) -> HookResult:
        if self.failure is None and self.result is not None:
            return self.result
        if self.spec.on_failure is FailurePolicy.OPEN:
            return HookResult.allow()
        closed = Decision.HOLD if action in TEXT_ACTIONS else Decision.REJECT
        return HookResult(closed, self.failure or Reason.HOOK_FAILED)


def _consume(task: asyncio.Task[HookResult]) -> None:
    """Retrieve an abandoned hook's outcome so asyncio never warns about it."""
    if not task.cancelled():
        task.exception()


class ModerationPipeline:
    """Implements `rooms.filters.ContentFilter`."""

    def __init__(
        self,
        settings: SettingsSource,
        registry: HookRegistry,
        audit: AuditLog,
        *,
        queue: ModerationQueue | None = None,
        services: Mapping[str, object] | None = None,
    ) -> None:
        self._settings = settings
        self._registry = registry
        self._audit = audit
        self._queue = queue
        self._services = dict(services or {})
        self._built: dict[SiteId, tuple[SiteModerationSettings, list[_Built]]] = {}
        self._awaiting_id: dict[int, tuple[FilterRequest, list[Outcome], list[tuple[Outcome, HookResult]]]] = {}

    # --- the ContentFilter protocol ---

    async def check(self, request: FilterRequest) -> Verdict:
        hooks = [b for b in await self._hooks_for(request.room.site_id) if self._wants(b, request.action)]
        if not hooks:
            return Verdict.allow()
        outcomes = await self._run(hooks, request)
        verdict, fired = self._combine(hooks, outcomes, request.action)
        if fired or any(o.failure for o in outcomes):
            if self._gets_an_id(request, verdict):
                # The decision is recorded with the message id once rooms has stored it (after_store).
                self._awaiting_id[id(request)] = (request, outcomes, fired)
                while len(self._awaiting_id) > _AWAITING_MAX:
                    self._awaiting_id.pop(next(iter(self._awaiting_id)))
            else:
                await self._record(request, verdict, outcomes, fired)
        return verdict

    @staticmethod
    def _gets_an_id(request: FilterRequest, verdict: Verdict) -> bool:
        """A new message that rooms will store (held or flagged) and then hand back with its id."""
        return request.action is Action.MESSAGE and verdict.decision in (Decision.HOLD, Decision.FLAG)

    async def after_store(self, request: FilterRequest, verdict: Verdict, message_id: MessageId) -> None:
        if verdict.decision not in (Decision.HOLD, Decision.FLAG):
            return
        site = request.room.site_id
        awaiting = self._awaiting_id.pop(id(request), None)
        if awaiting is not None and awaiting[0] is request:
            await self._record(request, verdict, awaiting[1], awaiting[2], message_id)
        if self._queue is not None:
            try:
                await self._queue.enqueue_automatic(request, verdict, message_id)
            except Exception as exc:  # type only: a third party's error text could quote the message
                log.error("moderation_enqueue_failed", message_id=message_id, error=type(exc).__name__)
        await record_safely(
            self._audit,
            AuditEntry(
                site_id=site,
                kind=AuditKind.QUEUED,
                target_user_id=request.person.id,
                room_id=request.room.id,
                message_id=message_id,
                decision=verdict.decision,
                reason=verdict.reason,
                hook=verdict.hook,
            ),
        )
        by_name = {b.spec.name: b.hook for b in await self._hooks_for(site)}
        for hook_name, reason in verdict.reasons:
            hook = by_name.get(hook_name)
            if isinstance(hook, FollowUpHook):
                try:
                    await hook.after_store(request, reason, message_id)
                except Exception as exc:
                    log.error(
                        "moderation_follow_up_failed", hook=hook_name, message_id=message_id, error=type(exc).__name__
                    )

    # --- building ---

    async def _hooks_for(self, site_id: SiteId) -> list[_Built]:
        settings = await self._settings.settings_for(site_id)
        cached = self._built.get(site_id)
        if cached is not None and cached[0] is settings:
            return cached[1]
        built = list(self._build(site_id, settings))
        self._built[site_id] = (settings, built)
        return built

    def _build(self, site_id: SiteId, settings: SiteModerationSettings) -> Iterable[_Built]:
        context = HookContext(site_id=site_id, services={**self._services, "settings": settings})
        for spec in settings.hooks:
            if not spec.enabled:
                continue
            try:
                hook: ModerationHook | None = self._registry.build(spec, context)
            except Exception as exc:
                log.error("moderation_hook_build_failed", hook=spec.name, site_id=site_id, error=type(exc).__name__)
                hook = None
            yield _Built(
                spec=spec,
                hook=hook,
                # Only our own hooks may skip the timeout: a plugin always runs as a task on its own clock.
                inline=spec.name in BUILTIN_HOOKS and bool(getattr(hook, "inline", False)),
                overrides_reject=bool(getattr(hook, "overrides_reject", False)),
            )

    @staticmethod
    def _wants(built: _Built, action: Action) -> bool:
        return built.hook is None or action in built.hook.actions

    # --- running ---

    async def _run(self, hooks: Sequence[_Built], request: FilterRequest) -> list[Outcome]:
        outcomes: dict[int, Outcome] = {}
        loop = asyncio.get_running_loop()
        tasks: dict[asyncio.Task[HookResult], tuple[int, float]] = {}
        for index, built in enumerate(hooks):
            if built.hook is None:
                outcomes[index] = Outcome(built.spec, None, Reason.HOOK_FAILED, "unavailable")
            elif built.inline:
                continue
            else:
                task = asyncio.ensure_future(built.hook.check(request))
                tasks[task] = (index, loop.time() + built.spec.timeout_seconds)
        # Inline hooks run while the others' tasks wait for their first turn.
        for index, built in enumerate(hooks):
            if built.inline and built.hook is not None:
                try:
                    outcomes[index] = self._accept(built.spec, await built.hook.check(request))
                except Exception as exc:
                    outcomes[index] = Outcome(built.spec, None, Reason.HOOK_FAILED, type(exc).__name__)
        pending = set(tasks)
        try:
            while pending:
                nearest = min(tasks[t][1] for t in pending)
                done, pending = await asyncio.wait(pending, timeout=max(0.0, nearest - loop.time()))
                for task in done:
                    index = tasks[task][0]
                    outcomes[index] = self._finished(hooks[index].spec, task)
                now = loop.time()
                for task in [t for t in pending if tasks[t][1] <= now]:
                    pending.discard(task)
                    outcomes[tasks[task][0]] = Outcome(hooks[tasks[task][0]].spec, None, Reason.HOOK_TIMED_OUT)
                    self._abandon(task)
        finally:
            for task in pending:  # we were cancelled ourselves: leave nothing running behind
                self._abandon(task)
        return [outcomes[i] for i in range(len(hooks))]

    @staticmethod
    def _abandon(task: asyncio.Task[HookResult]) -> None:
        """Cancel and forget: a hook that ignores cancellation still cannot hold the sender up."""
        task.cancel()
        task.add_done_callback(_consume)

    def _finished(self, spec: HookSpec, task: asyncio.Task[HookResult]) -> Outcome:
        if task.cancelled():
            return Outcome(spec, None, Reason.HOOK_FAILED, "CancelledError")
        exc = task.exception()
        if exc is not None:
            return Outcome(spec, None, Reason.HOOK_FAILED, type(exc).__name__)
        return self._accept(spec, task.result())

    @staticmethod
    def _accept(spec: HookSpec, result: object) -> Outcome:
        if isinstance(result, HookResult):
            return Outcome(spec, result)
        return Outcome(spec, None, Reason.HOOK_FAILED, "bad_result")

    @staticmethod
    def _combine(
        hooks: Sequence[_Built], outcomes: Sequence[Outcome], action: Action
    ) -> tuple[Verdict, list[tuple[Outcome, HookResult]]]:
        fired = [(o, r) for o in outcomes if (r := o.decision_for(action)).decision is not Decision.ALLOW]
        if not fired:
            return Verdict.allow(), fired
        winner_outcome, winner = max(fired, key=lambda pair: DECISION_SEVERITY[pair[1].decision])
        if winner.decision is Decision.REJECT:
            overriding = {b.spec.name for b in hooks if b.overrides_reject}
            for outcome, result in fired:
                if outcome.spec.name in overriding and result.decision is Decision.HOLD:
                    winner_outcome, winner = outcome, result
                    break
        decision = winner.decision
        if decision is Decision.HOLD and action not in TEXT_ACTIONS:
            decision = Decision.REJECT
        verdict = Verdict(
            decision=decision,
            reason=winner.reason,
            hook=winner_outcome.spec.name,
            reasons=tuple((o.spec.name, r.reason or "") for o, r in fired),
        )
        return verdict, fired

    async def _record(
        self,
        request: FilterRequest,
        verdict: Verdict,
        outcomes: Sequence[Outcome],
        fired: Sequence[tuple[Outcome, HookResult]],
        message_id: MessageId | None = None,
    ) -> None:
        for outcome in outcomes:
            if outcome.failure is not None:
                log.warning(
                    "moderation_hook_failed", hook=outcome.spec.name, failure=outcome.failure, error=outcome.error
                )
                await record_safely(
                    self._audit,
                    _about(
                        request,
                        message_id,
                        AuditKind.HOOK_FAILED,
                        reason=outcome.failure,
                        hook=outcome.spec.name,
                        details={"policy": outcome.spec.on_failure, "error": outcome.error or ""},
                    ),
                )
        for outcome, result in fired:
            await record_safely(
                self._audit,
                _about(
                    request,
                    message_id,
                    AuditKind.AUTOMATIC_DECISION,
                    decision=result.decision,
                    reason=result.reason,
                    hook=outcome.spec.name,
                    details={**result.details, "action": request.action, "final": verdict.decision},
                ),
            )


def _about(
    request: FilterRequest,
    message_id: MessageId | None,
    kind: str,
    *,
    decision: str | None = None,
    reason: str | None = None,
    hook: str | None = None,
    details: Mapping[str, object] | None = None,
) -> AuditEntry:
    return AuditEntry(
        site_id=request.room.site_id,
        kind=kind,
        target_user_id=request.person.id,
        room_id=request.room.id,
        message_id=message_id or request.message_id,
        decision=decision,
        reason=reason,
        hook=hook,
        details=dict(details or {}),
    )
