"""Phone numbers and e-mail addresses posted in community rooms are held.

Peer-support rooms are semi-public; a patient who shares a number may regret it, and a stranger may
collect it. A mentor can approve the message when sharing was wise. Numbers of the site's own crisis
resources pass (members recommend them to each other), and so do short numbers (024, 112, 116 123)
which are services, not people.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from moderation.hook import TEXT_ACTIONS, HookContext, HookResult, Reason
from moderation.hooks._options import option
from moderation.settings import SiteModerationSettings
from rooms.filters import Decision, FilterRequest, RoomKind

_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)*\.[a-z]{2,}", re.IGNORECASE)
# A run of digits with the separators people type in phone numbers; dates use "/" and stay out.
_PHONE = re.compile(r"(?<![\w/])\+?\(?\d[\d\s().-]{6,}\d(?![\w/])")
_MIN_DIGITS, _MAX_DIGITS = 9, 15


def digits(text: str) -> str:
    return "".join(ch for ch in text if ch.isdigit())


class PersonalDataHook:
    name = "personal_data"
    actions = TEXT_ACTIONS
    inline = True

    def __init__(self, room_kinds: frozenset[RoomKind], allowed_numbers: frozenset[str]) -> None:
        self._kinds = room_kinds
        self._allowed = allowed_numbers

    async def check(self, request: FilterRequest) -> HookResult:
        text = request.text or ""
        if request.room.kind not in self._kinds or not text:
            return HookResult.allow()
        if "@" in text and _EMAIL.search(text):
            return HookResult(Decision.HOLD, Reason.PERSONAL_DATA, {"kind": "email"})
        for match in _PHONE.finditer(text):
            number = digits(match.group(0))
            if _MIN_DIGITS <= len(number) <= _MAX_DIGITS and number not in self._allowed:
                return HookResult(Decision.HOLD, Reason.PERSONAL_DATA, {"kind": "phone"})
        return HookResult.allow()


def make_hook(options: Mapping[str, Any], context: HookContext) -> PersonalDataHook:
    kinds = frozenset(RoomKind(k) for k in option(options, "room_kinds", tuple, (RoomKind.COMMUNITY.value,)))
    settings = context.services.get("settings")
    allowed: set[str] = {digits(str(n)) for n in option(options, "allow_numbers", tuple, ())}
    if isinstance(settings, SiteModerationSettings):
        allowed |= {digits(r.phone) for r in settings.crisis.resource_list()}
    return PersonalDataHook(kinds, frozenset(allowed))
