"""Third-party hooks arrive through the ``oncommun.moderation_hooks`` entry points and site settings.

These tests use the example plugin declared in this repository's pyproject.toml, found through
importlib.metadata exactly as a separately installed package would be.
"""

from __future__ import annotations

from importlib.metadata import entry_points

from moderation.audit import AuditKind, MemoryAuditLog
from moderation.pipeline import ModerationPipeline
from moderation.registry import ENTRY_POINT_GROUP, HookRegistry
from moderation.settings import SiteModerationSettings, StaticSettings
from rooms.filters import Decision, MessageId

from .helpers import message


def test_the_example_hook_is_installed_as_an_entry_point() -> None:
    names = {ep.name: ep.value for ep in entry_points(group=ENTRY_POINT_GROUP)}
    assert names["example_shouting"] == "moderation.examples.shouting:make_hook"
    assert "example_shouting" in HookRegistry.discover().names()


async def test_a_site_that_switches_the_plugin_on_gets_shouting_flagged() -> None:
    settings = SiteModerationSettings.from_mapping(
        {"hooks": [{"name": "example_shouting", "options": {"min_letters": 8}, "timeout_seconds": 0.1}]}
    )
    audit = MemoryAuditLog()
    pipeline = ModerationPipeline(StaticSettings(settings), HookRegistry.discover(), audit)
    request = message("WHY DOES NOBODY ANSWER ME")
    verdict = await pipeline.check(request)
    assert (verdict.decision, verdict.reason, verdict.hook) == (Decision.FLAG, "shouting", "example_shouting")
    await pipeline.after_store(request, verdict, MessageId(7))
    assert (await pipeline.check(message("Why does nobody answer me"))).decision is Decision.ALLOW
    [entry] = [e for e in audit.entries if e.kind == AuditKind.AUTOMATIC_DECISION]
    assert entry.details["upper_ratio"] == 1.0


async def test_an_installed_plugin_does_nothing_until_a_site_switches_it_on() -> None:
    pipeline = ModerationPipeline(StaticSettings(), HookRegistry.discover(), MemoryAuditLog())
    assert (await pipeline.check(message("WHY DOES NOBODY ANSWER ME"))).decision is Decision.ALLOW
