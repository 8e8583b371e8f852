"""The pipeline runs every hook under its own clock and failure policy, and the strictest answer wins."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Mapping
from typing import Any

from care.people import SiteId
from moderation.audit import AuditKind, MemoryAuditLog
from moderation.hook import ALL_ACTIONS, FailurePolicy, HookResult, HookSpec, Reason
from moderation.pipeline import ModerationPipeline
from moderation.registry import BUILTIN_HOOKS, HookRegistry
from moderation.settings import SiteModerationSettings, StaticSettings
from rooms.filters import Action, ContentFilter, Decision, FilterRequest, MessageId, RoomKind

from .helpers import message, room


class Fixed:
    """Answers the same decision every time."""

    actions = ALL_ACTIONS

    def __init__(self, name: str, decision: Decision, reason: str) -> None:
        self.name = name
        self._result = HookResult(decision, reason)

    async def check(self, request: FilterRequest) -> HookResult:
        return self._result


class Hangs:
    """Never answers. With ``stubborn`` it even swallows cancellation and keeps waiting."""

    name = "hangs"
    actions = ALL_ACTIONS

    def __init__(self, stubborn: bool) -> None:
        self._stubborn = stubborn
        self.started = asyncio.Event()
        self.released = asyncio.Event()  # lets the test end a stubborn hook, so the loop can close

    async def check(self, request: FilterRequest) -> HookResult:
        self.started.set()
        while not self.released.is_set():
            try:
                await self.released.wait()
            except asyncio.CancelledError:
                if not self._stubborn:
                    raise
        return HookResult.allow()


class Raises:
    name = "raises"
    actions = ALL_ACTIONS

    async def check(self, request: FilterRequest) -> HookResult:
        raise RuntimeError("the hook's backend is down")


def pipeline(*specs: HookSpec, hooks: Mapping[str, Any], audit: MemoryAuditLog | None = None) -> ModerationPipeline:
    factories = {name: (lambda options, context, h=hook: h) for name, hook in hooks.items()}
    settings = StaticSettings(SiteModerationSettings(hooks=specs))
    return ModerationPipeline(settings, HookRegistry(factories), audit or MemoryAuditLog())


async def test_the_pipeline_is_a_content_filter_for_rooms() -> None:
    checker: ContentFilter = pipeline(hooks={})
    assert (await checker.check(message("hello"))).decision is Decision.ALLOW


async def test_a_hook_that_hangs_does_not_stall_the_chat_longer_than_its_timeout() -> None:
    hang = Hangs(stubborn=False)
    p = pipeline(HookSpec("hangs", timeout_seconds=0.2), hooks={"hangs": hang})
    started = time.monotonic()
    verdict = await asyncio.wait_for(p.check(message("hello")), timeout=5)
    assert time.monotonic() - started < 1.5
    assert hang.started.is_set()
    assert verdict.decision is Decision.ALLOW  # fail open: the message goes through


async def test_a_hook_that_ignores_cancellation_still_cannot_hold_the_sender_up() -> None:
    stubborn = Hangs(stubborn=True)
    p = pipeline(HookSpec("hangs", timeout_seconds=0.2), hooks={"hangs": stubborn})
    started = time.monotonic()
    try:
        verdict = await asyncio.wait_for(p.check(message("hello")), timeout=5)
        assert time.monotonic() - started < 1.5
        assert verdict.decision is Decision.ALLOW
    finally:
        stubborn.released.set()


async def test_a_hanging_hook_that_fails_closed_holds_the_message_and_rejects_a_reaction() -> None:
    spec = HookSpec("hangs", timeout_seconds=0.2, on_failure=FailurePolicy.CLOSED)
    p = pipeline(spec, hooks={"hangs": Hangs(stubborn=False)})
    held = await p.check(message("hello"))
    assert (held.decision, held.reason, held.hook) == (Decision.HOLD, Reason.HOOK_TIMED_OUT, "hangs")
    reaction = await p.check(message(None, action=Action.REACTION, message_id=5))
    assert reaction.decision is Decision.REJECT


async def test_a_hook_that_raises_and_fails_open_lets_the_message_through_and_is_audited() -> None:
    audit = MemoryAuditLog()
    p = pipeline(HookSpec("raises", on_failure=FailurePolicy.OPEN), hooks={"raises": Raises()}, audit=audit)
    assert (await p.check(message("hello"))).decision is Decision.ALLOW
    [entry] = audit.entries
    assert (entry.kind, entry.hook, entry.reason) == (AuditKind.HOOK_FAILED, "raises", Reason.HOOK_FAILED)
    assert entry.details["error"] == "RuntimeError"
    assert "backend" not in str(entry.to_json())  # the exception's message never reaches the log


async def test_a_hook_that_raises_and_fails_closed_holds_the_message() -> None:
    p = pipeline(HookSpec("raises", on_failure=FailurePolicy.CLOSED), hooks={"raises": Raises()})
    verdict = await p.check(message("hello"))
    assert (verdict.decision, verdict.reason) == (Decision.HOLD, Reason.HOOK_FAILED)


async def test_hooks_run_side_by_side_so_a_slow_one_does_not_delay_the_others() -> None:
    specs = (HookSpec("hangs", timeout_seconds=0.3), HookSpec("flag"))
    p = pipeline(*specs, hooks={"hangs": Hangs(stubborn=False), "flag": Fixed("flag", Decision.FLAG, "odd")})
    verdict = await p.check(message("hello"))
    assert (verdict.decision, verdict.hook) == (Decision.FLAG, "flag")


async def test_the_strictest_decision_wins_and_every_reason_is_kept() -> None:
    hooks = {
        "a": Fixed("a", Decision.FLAG, "a_reason"),
        "b": Fixed("b", Decision.REJECT, "b_reason"),
        "c": Fixed("c", Decision.HOLD, "c_reason"),
        "d": Fixed("d", Decision.ALLOW, "fine"),
    }
    p = pipeline(*(HookSpec(n) for n in hooks), hooks=hooks)
    verdict = await p.check(message("hello"))
    assert (verdict.decision, verdict.reason, verdict.hook) == (Decision.REJECT, "b_reason", "b")
    assert set(verdict.reasons) == {("a", "a_reason"), ("b", "b_reason"), ("c", "c_reason")}


async def test_a_person_in_crisis_who_also_floods_is_held_for_a_clinician_not_rejected() -> None:
    registry = HookRegistry(
        {**BUILTIN_HOOKS, "wall": lambda options, context: Fixed("wall", Decision.REJECT, "flooding")}
    )
    settings = StaticSettings(SiteModerationSettings(hooks=(HookSpec("crisis"), HookSpec("wall"))))
    p = ModerationPipeline(settings, registry, MemoryAuditLog())
    verdict = await p.check(message("I want to die"))
    assert (verdict.decision, verdict.reason) == (Decision.HOLD, Reason.CRISIS_LANGUAGE)
    assert ("wall", "flooding") in verdict.reasons


async def test_every_automatic_decision_is_audited_with_its_hook_and_without_the_text() -> None:
    audit = MemoryAuditLog()
    hooks = {"flag": Fixed("flag", Decision.FLAG, "odd"), "hold": Fixed("hold", Decision.HOLD, "worse")}
    p = pipeline(HookSpec("flag"), HookSpec("hold"), hooks=hooks, audit=audit)
    request = message("a secret only moderators may read", where=room(site_id=7))
    verdict = await p.check(request)
    await p.after_store(request, verdict, MessageId(42))  # rooms stored the held message: now it has an id
    decisions = [e for e in audit.entries if e.kind == AuditKind.AUTOMATIC_DECISION]
    assert {(e.hook, e.decision, e.reason, e.message_id) for e in decisions} == {
        ("flag", Decision.FLAG, "odd", 42),
        ("hold", Decision.HOLD, "worse", 42),
    }
    assert all(e.site_id == 7 and e.target_user_id == 1 and e.actor_id is None for e in decisions)
    queued = [e for e in audit.entries if e.kind == AuditKind.QUEUED]
    assert [(e.message_id, e.decision) for e in queued] == [(42, Decision.HOLD)]
    assert "secret" not in str([e.to_json() for e in audit.entries])


async def test_a_rejected_message_is_audited_at_once_since_it_will_never_have_an_id() -> None:
    audit = MemoryAuditLog()
    p = pipeline(HookSpec("no"), hooks={"no": Fixed("no", Decision.REJECT, "nope")}, audit=audit)
    await p.check(message("hello"))
    assert [(e.kind, e.decision, e.message_id) for e in audit.entries] == [
        (AuditKind.AUTOMATIC_DECISION, Decision.REJECT, None)
    ]


async def test_allowed_messages_leave_no_trace_in_the_audit_log() -> None:
    audit = MemoryAuditLog()
    p = pipeline(HookSpec("ok"), hooks={"ok": Fixed("ok", Decision.ALLOW, "")}, audit=audit)
    await p.check(message("hello"))
    assert audit.entries == ()


async def test_a_site_that_asks_for_a_missing_hook_gets_that_hooks_failure_policy() -> None:
    open_site = pipeline(HookSpec("not_installed"), hooks={})
    assert (await open_site.check(message("hello"))).decision is Decision.ALLOW
    closed = pipeline(HookSpec("not_installed", on_failure=FailurePolicy.CLOSED), hooks={})
    assert (await closed.check(message("hello"))).decision is Decision.HOLD


async def test_each_site_runs_its_own_hooks() -> None:
    strict = SiteModerationSettings(hooks=(HookSpec("nope"),))
    settings = StaticSettings(SiteModerationSettings(hooks=()), {SiteId(2): strict})
    registry = HookRegistry({"nope": lambda o, c: Fixed("nope", Decision.REJECT, "closed_site")})
    p = ModerationPipeline(settings, registry, MemoryAuditLog())
    assert (await p.check(message("hi", where=room(site_id=1)))).decision is Decision.ALLOW
    assert (await p.check(message("hi", where=room(site_id=2)))).decision is Decision.REJECT


async def test_a_disabled_hook_does_not_run() -> None:
    p = pipeline(HookSpec("no", enabled=False), hooks={"no": Fixed("no", Decision.REJECT, "x")})
    assert (await p.check(message("hello"))).decision is Decision.ALLOW


async def test_hooks_only_see_the_actions_they_ask_for() -> None:
    settings = StaticSettings(SiteModerationSettings(hooks=(HookSpec("crisis"),)))
    p = ModerationPipeline(settings, HookRegistry(BUILTIN_HOOKS), MemoryAuditLog())
    join = FilterRequest(action=Action.JOIN, person=message("x").person, room=room(RoomKind.THERAPY))
    assert (await p.check(join)).decision is Decision.ALLOW


def test_hook_settings_reject_a_timeout_out_of_range() -> None:
    from care.errors import DomainError

    for bad in (0, -1, 60):
        try:
            HookSpec.from_mapping({"name": "x", "timeout_seconds": bad})
        except DomainError as error:
            assert error.code == "validation_failed"
        else:
            raise AssertionError(f"timeout {bad} accepted")
