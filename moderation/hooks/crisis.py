"""Crisis language: hold (never broadcast) messages that speak of suicide or self-harm as one's own.

The decision per room kind is the site's (held by default; flagged in direct rooms, whose only reader is
the author's own psychologist or mentor). Once the held message has an id, `after_store` starts the
crisis response: the supportive reply to the author and the urgent alert to the psychologists. A mere
mention of suicide ("a film about suicide upset me") is flagged for the moderators and nothing more.
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import cache
from typing import Any

from moderation.crisis_detect import CrisisDetector
from moderation.crisis_response import CrisisResponder
from moderation.hook import TEXT_ACTIONS, HookContext, HookResult, Reason
from moderation.settings import CrisisSettings, SiteModerationSettings
from rooms.filters import Decision, FilterRequest, MessageId


@cache
def shared_detector() -> CrisisDetector:
    """The lexicon compiled once per process; it is immutable, so every site can share it."""
    return CrisisDetector()


class CrisisHook:
    name = "crisis"
    actions = TEXT_ACTIONS
    inline = True
    overrides_reject = True  # a crisis hold beats a flood reject: the person must reach a clinician

    def __init__(self, detector: CrisisDetector, settings: CrisisSettings, responder: CrisisResponder | None) -> None:
        self._detector = detector
        self._settings = settings
        self._responder = responder

    async def check(self, request: FilterRequest) -> HookResult:
        if not request.text:
            return HookResult.allow()
        found = self._detector.detect(request.text)
        if found is None:
            return HookResult.allow()
        details = {"signal": found.signal.value, "lexicon_language": found.language.value}
        if found.holds:
            return HookResult(self._settings.decisions[request.room.kind], Reason.CRISIS_LANGUAGE, details)
        return HookResult(Decision.FLAG, Reason.CRISIS_MENTION, details)

    async def after_store(self, request: FilterRequest, reason: str, message_id: MessageId) -> None:
        if reason != Reason.CRISIS_LANGUAGE or self._responder is None or not request.text:
            return
        found = self._detector.detect(request.text)
        if found is not None:
            await self._responder.respond(request, found, message_id, self._settings)


def make_hook(options: Mapping[str, Any], context: HookContext) -> CrisisHook:
    settings = context.services.get("settings")
    crisis = settings.crisis if isinstance(settings, SiteModerationSettings) else CrisisSettings()
    responder = context.services.get("crisis_responder")
    return CrisisHook(shared_detector(), crisis, responder if isinstance(responder, CrisisResponder) else None)
