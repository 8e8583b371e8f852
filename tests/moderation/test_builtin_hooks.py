"""Flooding, links, keywords and personal data, as a site configures them."""

from __future__ import annotations

from typing import Any

import pytest

from care.errors import DomainError
from care.people import SiteId
from moderation.hook import HookContext, HookResult, Reason
from moderation.hooks import keywords, links, personal_data
from moderation.hooks.flooding import FloodingHook
from moderation.settings import CrisisResource, CrisisSettings, SiteModerationSettings
from rooms.filters import Decision, RoomKind

from .helpers import message, person, room

CONTEXT = HookContext(site_id=SiteId(1))


class Clock:
    """A hand-turned clock: the flood window is tested by moving time, not by sleeping."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


async def test_a_member_who_floods_a_room_is_rejected_and_can_write_again_after_the_window() -> None:
    clock = Clock()
    hook = FloodingHook(max_messages=3, per_seconds=10, clock=clock)
    results = [await hook.check(message(f"message {i}")) for i in range(4)]
    assert [r.decision for r in results] == [Decision.ALLOW] * 3 + [Decision.REJECT]
    assert results[-1].reason == Reason.FLOODING
    clock.now += 11
    assert (await hook.check(message("calm again"))).decision is Decision.ALLOW


async def test_flooding_counts_per_person_and_per_room() -> None:
    hook = FloodingHook(max_messages=2, per_seconds=10, clock=Clock())
    for i in range(2):
        await hook.check(message(f"a{i}"))
    assert (await hook.check(message("other person", who=person(2)))).decision is Decision.ALLOW
    assert (await hook.check(message("other room", where=room(room_id=11)))).decision is Decision.ALLOW
    assert (await hook.check(message("third here"))).decision is Decision.REJECT


async def test_the_same_text_over_and_over_is_rejected_even_with_case_and_accents_changed() -> None:
    clock = Clock()
    hook = FloodingHook(max_messages=100, max_repeats=2, repeat_window_seconds=60, clock=clock)
    texts = ["Compra ya en mi web", "COMPRA YA EN MI WEB", "Comprá ya en mi web!!"]
    results = []
    for text in texts:
        clock.now += 5
        results.append(await hook.check(message(text)))
    assert [r.decision for r in results] == [Decision.ALLOW, Decision.ALLOW, Decision.REJECT]
    assert results[-1].reason == Reason.REPEATED_TEXT
    clock.now += 61
    assert (await hook.check(message("compra ya en mi web"))).decision is Decision.ALLOW


async def test_links_outside_the_sites_allow_list_are_held_and_subdomains_of_allowed_ones_pass() -> None:
    hook = links.make_hook({"allow_domains": ["aecc.es", "www.cancer.gov"]}, CONTEXT)
    allowed = [
        "mira https://www.aecc.es/es/todo-sobre-cancer",
        "en contigo.aecc.es hay grupos",
        "https://www.cancer.gov/types/breast",
        "no links here, just 3.5 mg of something",
    ]
    for text in allowed:
        assert (await hook.check(message(text))).decision is Decision.ALLOW, text
    refused = ["compra en https://cheap-pills.example.com", "visit www.miracle-cure.net now", "mira fakeaecc.es"]
    for text in refused:
        result = await hook.check(message(text))
        assert (result.decision, result.reason) == (Decision.HOLD, Reason.LINK_NOT_ALLOWED), text


async def test_a_site_may_reject_links_instead_of_holding_them() -> None:
    hook = links.make_hook({"allow_domains": [], "decision": "reject"}, CONTEXT)
    assert (await hook.check(message("see http://example.org"))).decision is Decision.REJECT


async def test_keyword_rules_apply_per_language_and_see_through_accents_and_case() -> None:
    rules: list[dict[str, Any]] = [
        {"words": ["idiota", "imbécil"], "languages": ["es", "ca"], "decision": "hold", "reason": "insult"},
        {"words": ["curandero milagroso"], "decision": "flag"},
    ]
    hook = keywords.make_hook({"rules": rules}, CONTEXT)
    spanish, polish = person(language="es"), person(language="pl")
    held = await hook.check(message("eres un IDIÓÓTA", who=spanish))
    assert (held.decision, held.reason) == (Decision.HOLD, "insult")
    assert (await hook.check(message("eres un idiota", who=polish))).decision is Decision.ALLOW
    assert (await hook.check(message("idiotas no, idiotez sí", who=spanish))).decision is Decision.ALLOW
    flagged = await hook.check(message("conocí a un Curandero Milagroso", who=polish))
    assert (flagged.decision, flagged.reason) == (Decision.FLAG, Reason.KEYWORD)


async def test_regex_rules_match_the_text_as_written() -> None:
    hook = keywords.make_hook({"rules": [{"regex": r"\bbit\.ly/\w+", "decision": "reject"}]}, CONTEXT)
    assert (await hook.check(message("go to bit.ly/abc"))).decision is Decision.REJECT
    assert (await hook.check(message("a bit lonely today"))).decision is Decision.ALLOW


@pytest.mark.parametrize(
    "rule",
    [
        {"regex": "(a+)+$"},
        {"regex": "x" * 400},
        {"regex": "([unclosed"},
        {"words": []},
        {"words": ["x"], "decision": "allow"},
        {"words": ["x"], "languages": ["fr"]},
    ],
)
def test_a_dangerous_or_broken_keyword_rule_is_refused_when_the_site_saves_it(rule: dict[str, Any]) -> None:
    with pytest.raises(DomainError) as caught:
        keywords.make_hook({"rules": [rule]}, CONTEXT)
    assert caught.value.code == "validation_failed"


async def test_phone_numbers_and_emails_in_community_rooms_are_held() -> None:
    hook = personal_data.make_hook({}, CONTEXT)
    for text in [
        "llámame al 612 345 678",
        "my number is +44 7700 900123",
        "zadzwoń: 600-700-800",
        "escreve-me para ana.silva@example.pt",
        "(+351) 912 345 678",
    ]:
        result = await hook.check(message(text, where=room(RoomKind.COMMUNITY)))
        assert (result.decision, result.reason) == (Decision.HOLD, Reason.PERSONAL_DATA), text


async def test_dates_doses_and_short_service_numbers_are_not_personal_data() -> None:
    hook = personal_data.make_hook({}, CONTEXT)
    for text in [
        "cita el 12/03/2025 a las 9.30",
        "plaquetas 150.000",
        "call 112 or 024",
        "dosis de 500 mg",
        "2024-2025",
    ]:
        assert (await hook.check(message(text))).decision is Decision.ALLOW, text


async def test_personal_data_is_only_screened_in_the_room_kinds_the_site_chose() -> None:
    hook = personal_data.make_hook({}, CONTEXT)
    direct = await hook.check(message("my number is 612 345 678", where=room(RoomKind.DIRECT)))
    assert direct.decision is Decision.ALLOW
    therapy_too = personal_data.make_hook({"room_kinds": ["community", "therapy"]}, CONTEXT)
    therapy = await therapy_too.check(message("my number is 612 345 678", where=room(RoomKind.THERAPY)))
    assert therapy.decision is Decision.HOLD


async def test_the_sites_own_crisis_numbers_may_be_shared_in_a_community_room() -> None:
    settings = SiteModerationSettings(crisis=CrisisSettings(country="PT"))
    hook = personal_data.make_hook({}, HookContext(site_id=SiteId(1), services={"settings": settings}))
    result: HookResult = await hook.check(message("liguem para o SNS 24: 808 24 24 24, ajudou-me muito"))
    assert result.decision is Decision.ALLOW
    custom = SiteModerationSettings(crisis=CrisisSettings(resources=(CrisisResource("Línia", "93 414 48 48"),)))
    hook = personal_data.make_hook({}, HookContext(site_id=SiteId(1), services={"settings": custom}))
    assert (await hook.check(message("truqueu al 93 414 48 48"))).decision is Decision.ALLOW
