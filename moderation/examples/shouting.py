"""An example third-party hook: flag messages written mostly in capitals ("shouting").

Everything a plugin needs is here: a class with ``name``, ``actions`` and an async ``check``, and a
``make_hook(options, context)`` factory that the entry point names. It lives in Oncommun's tree only as
an example; a real plugin ships in its own package and declares, in its own pyproject.toml::

    [project.entry-points."oncommun.moderation_hooks"]
    example_shouting = "moderation.examples.shouting:make_hook"

A site switches it on by adding ``{"name": "example_shouting", "options": {"min_letters": 12}}`` to its
hooks. See docs/moderation.md, "Writing a hook".
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from moderation.hook import TEXT_ACTIONS, HookContext, HookResult
from rooms.filters import Decision, FilterRequest


class ShoutingHook:
    name = "example_shouting"
    actions = TEXT_ACTIONS  # messages and edits; joins and reactions never reach it

    def __init__(self, min_letters: int, ratio: float) -> None:
        self._min_letters = min_letters
        self._ratio = ratio

    async def check(self, request: FilterRequest) -> HookResult:
        letters = [ch for ch in request.text or "" if ch.isalpha()]
        if len(letters) < self._min_letters:
            return HookResult.allow()
        upper = sum(1 for ch in letters if ch.isupper())
        if upper / len(letters) >= self._ratio:
            # A reason code is stable snake_case; details are numbers and ids, never the text itself.
            return HookResult(Decision.FLAG, "shouting", {"upper_ratio": round(upper / len(letters), 2)})
        return HookResult.allow()


def make_hook(options: Mapping[str, Any], context: HookContext) -> ShoutingHook:
    return ShoutingHook(int(options.get("min_letters", 12)), float(options.get("ratio", 0.8)))
