"""Which hooks exist: the built-in ones, plus those installed packages declare as entry points.

A package adds a hook by declaring, in its pyproject.toml::

    [project.entry-points."oncommun.moderation_hooks"]
    my_hook = "my_package.module:make_hook"

where ``make_hook(options, context)`` returns a `moderation.hook.ModerationHook`. A site turns it on by
listing ``{"name": "my_hook", ...}`` among its hooks. A plugin that fails to import is logged and left
out; a site that asks for a missing hook gets that hook's failure policy on every message.
"""

from __future__ import annotations

from collections.abc import Mapping
from importlib.metadata import entry_points

import structlog

from care.errors import N_, DomainError, ErrorCode
from moderation.hook import HookContext, HookFactory, HookSpec, ModerationHook
from moderation.hooks import crisis, flooding, keywords, links, personal_data, slow_mode

log = structlog.get_logger(__name__)

ENTRY_POINT_GROUP = "oncommun.moderation_hooks"

BUILTIN_HOOKS: Mapping[str, HookFactory] = {
    "crisis": crisis.make_hook,
    "flooding": flooding.make_hook,
    "links": links.make_hook,
    "keywords": keywords.make_hook,
    "personal_data": personal_data.make_hook,
    "slow_mode": slow_mode.make_hook,
}


def discover_plugins() -> dict[str, HookFactory]:
    found: dict[str, HookFactory] = {}
    for ep in entry_points(group=ENTRY_POINT_GROUP):
        if ep.name in BUILTIN_HOOKS:
            log.error("moderation_hook_name_taken", hook=ep.name, value=ep.value)
            continue
        try:
            factory = ep.load()
        except Exception:
            log.exception("moderation_hook_load_failed", hook=ep.name, value=ep.value)
            continue
        if not callable(factory):
            log.error("moderation_hook_not_callable", hook=ep.name, value=ep.value)
            continue
        found[ep.name] = factory
    return found


class HookRegistry:
    def __init__(self, factories: Mapping[str, HookFactory]) -> None:
        self._factories = dict(factories)

    @classmethod
    def discover(cls) -> HookRegistry:
        """Built-ins and every installed plugin."""
        return cls({**BUILTIN_HOOKS, **discover_plugins()})

    def names(self) -> list[str]:
        return sorted(self._factories)

    def build(self, spec: HookSpec, context: HookContext) -> ModerationHook:
        factory = self._factories.get(spec.name)
        if factory is None:
            raise DomainError(ErrorCode.NOT_FOUND, N_("Unknown moderation hook {hook}."), params={"hook": spec.name})
        hook = factory(spec.options, context)
        if not isinstance(hook, ModerationHook):
            raise DomainError(
                ErrorCode.VALIDATION_FAILED,
                N_("Moderation hook {hook} does not implement the hook protocol."),
                params={"hook": spec.name},
            )
        return hook
