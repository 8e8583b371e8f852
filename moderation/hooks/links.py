"""Links, with a per-site allow-list of domains (a domain allows its subdomains too).

A link outside the list is held by default, not rejected: patients often share a useful page, and a
mentor can approve it in a second. A site may choose ``reject`` or ``flag`` instead.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from care.errors import N_, DomainError, ErrorCode
from moderation.hook import TEXT_ACTIONS, HookContext, HookResult, Reason
from moderation.hooks._options import option
from rooms.filters import Decision, FilterRequest

_TLDS = (
    "com|org|net|edu|gov|int|info|biz|io|co|me|app|dev|health|care|eu|es|cat|pt|pl|uk|fr|de|it|nl|be|ch|"
    "at|ie|us|ca|br|mx|ar|ly|gl|to|tv|xyz|online|site|link|club|shop|top"
)
_URL = re.compile(
    r"(?:https?://|www\.)[^\s<>\"']+"
    rf"|(?<![@\w.-])(?:[a-z0-9](?:[a-z0-9-]{{0,61}}[a-z0-9])?\.)+(?:{_TLDS})\b(?:/[^\s<>\"']*)?",
    re.IGNORECASE,
)
_HOST = re.compile(r"^(?:https?://)?(?:[^@/\s]+@)?([^/:?#\s]+)", re.IGNORECASE)


def hosts_in(text: str) -> list[str]:
    found: list[str] = []
    for match in _URL.finditer(text):
        host_match = _HOST.match(match.group(0))
        if host_match:
            host = host_match.group(1).lower().rstrip(".")
            found.append(host.removeprefix("www."))
    return found


class LinksHook:
    name = "links"
    actions = TEXT_ACTIONS
    inline = True

    def __init__(self, allow_domains: tuple[str, ...], decision: Decision = Decision.HOLD) -> None:
        self._allowed = tuple(d.lower().strip().lstrip(".").removeprefix("www.") for d in allow_domains)
        self._decision = decision

    def allowed(self, host: str) -> bool:
        return any(host == d or host.endswith("." + d) for d in self._allowed)

    async def check(self, request: FilterRequest) -> HookResult:
        text = request.text or ""
        if "." not in text:
            return HookResult.allow()
        refused = [h for h in hosts_in(text) if not self.allowed(h)]
        if not refused:
            return HookResult.allow()
        return HookResult(self._decision, Reason.LINK_NOT_ALLOWED, {"links": len(refused)})


def make_hook(options: Mapping[str, Any], context: HookContext) -> LinksHook:
    decision = Decision(option(options, "decision", str, Decision.HOLD.value))
    if decision is Decision.ALLOW:
        raise DomainError(
            ErrorCode.VALIDATION_FAILED,
            N_("Invalid value for the moderation option {option}."),
            params={"option": "decision"},
        )
    return LinksHook(option(options, "allow_domains", tuple, ()), decision)
