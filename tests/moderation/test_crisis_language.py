"""Crisis language in five languages is held, and benign talk about illness, pain and death is not.

The rates are printed (run with ``-s``) so the note can quote them; the false-positive rate of holds on
the benign sample is asserted under 5%.
"""

from __future__ import annotations

import pytest

from moderation.audit import MemoryAuditLog
from moderation.crisis_detect import CrisisDetector
from moderation.hook import HookSpec, Reason
from moderation.pipeline import ModerationPipeline
from moderation.registry import BUILTIN_HOOKS, HookRegistry
from moderation.settings import SiteModerationSettings, StaticSettings
from moderation.textfold import clauses
from rooms.filters import Decision, RoomKind

from .helpers import load_sample, message, person, room

DETECTOR = CrisisDetector()
CRISIS = load_sample("crisis")
BENIGN = load_sample("benign")
HELD_OUT = load_sample("crisis_heldout")
LANGUAGES = ("ca", "es", "pt", "pl", "en")


def crisis_pipeline() -> ModerationPipeline:
    settings = StaticSettings(SiteModerationSettings(hooks=(HookSpec("crisis"),)))
    return ModerationPipeline(settings, HookRegistry(BUILTIN_HOOKS), MemoryAuditLog())


def holds(text: str) -> bool:
    found = DETECTOR.detect(text)
    return found is not None and found.holds


def test_the_samples_are_big_enough_and_cover_every_language() -> None:
    assert len(BENIGN) >= 200
    for language in LANGUAGES:
        assert sum(1 for lang, _ in BENIGN if lang == language) >= 40, language
        assert sum(1 for lang, _ in CRISIS if lang == language) >= 20, language


@pytest.mark.parametrize(("language", "text"), CRISIS, ids=[f"{lang}-{i}" for i, (lang, _) in enumerate(CRISIS)])
async def test_crisis_phrases_are_held_in_a_community_room(language: str, text: str) -> None:
    verdict = await crisis_pipeline().check(message(text, who=person(language=language)))
    assert (verdict.decision, verdict.reason, verdict.hook) == (Decision.HOLD, Reason.CRISIS_LANGUAGE, "crisis")


async def test_crisis_language_is_held_whatever_language_the_author_set_in_their_profile() -> None:
    verdict = await crisis_pipeline().check(message("quero morrer", who=person(language="pl")))
    assert verdict.decision is Decision.HOLD


def test_fewer_than_5_percent_of_benign_messages_are_held() -> None:
    held = [(lang, text) for lang, text in BENIGN if holds(text)]
    flagged = [(lang, text) for lang, text in BENIGN if not holds(text) and DETECTOR.detect(text) is not None]
    rate = len(held) / len(BENIGN)
    print(f"\nbenign: {len(BENIGN)} messages, held {len(held)} ({rate:.1%}), flagged {len(flagged)}")
    for language in LANGUAGES:
        per = [t for lang, t in BENIGN if lang == language]
        print(f"  {language}: held {sum(holds(t) for t in per)}/{len(per)}")
    assert rate < 0.05, held


def test_recall_on_the_crisis_sample_is_reported_per_language() -> None:
    missed = [(lang, text) for lang, text in CRISIS if not holds(text)]
    recall = 1 - len(missed) / len(CRISIS)
    held_out_hits = sum(holds(text) for _, text in HELD_OUT)
    print(f"\ncrisis sample: {len(CRISIS)} messages, recall {recall:.1%}")
    print(f"held-out sample (never used for tuning): {held_out_hits}/{len(HELD_OUT)} held")
    assert recall >= 0.95, missed


def test_the_quick_word_filter_never_changes_what_the_lexicon_finds() -> None:
    """TRIGGER_STEMS only saves time: with and without it every sample gets the same answer."""
    thorough = CrisisDetector(prefilter=False)
    rarer = [  # phrasings whose only trigger is an uncommon word
        "I wish I had never been born", "no point in going on", "no puedo seguir así", "nie dam rady dłużej",
        "não vejo outra saída senão a morte", "lepiej by było gdybym się nie urodziła", "não consigo continuar",
        "no other way out but this", "I can't go on", "vull fer-me mal", "em vull morir", "the only way out is death",
    ]  # fmt: skip
    for text in [t for _, t in CRISIS + HELD_OUT + BENIGN] + rarer:
        assert DETECTOR.detect(text) == thorough.detect(text), text
    assert all(DETECTOR.detect(text) is not None for text in rarer)


def test_the_first_letter_index_finds_every_place_any_entry_matches() -> None:
    """The detector only tries entries where its per-letter locators point: they must miss nothing."""
    for _, text in CRISIS + HELD_OUT + BENIGN:
        for clause in clauses(text):
            everywhere = {m.start() for c in DETECTOR._entries for m in c.regex.finditer(clause)}
            assert everywhere <= set(DETECTOR._candidates(clause)), text


@pytest.mark.parametrize(
    "text",
    [
        "This chemo is killing me",
        "I don't want to die",
        "No quiero morir todavía",
        "Nie chcę umierać",
        "Não quero morrer",
        "No vull morir",
        "Me muero de ganas de verte",
        "she wants to die, I'm so worried about my sister",
    ],
)
def test_fear_of_death_idioms_and_other_peoples_words_are_not_held(text: str) -> None:
    assert not holds(text)


async def test_talking_about_suicide_without_wishing_it_is_flagged_for_moderators_not_held() -> None:
    verdict = await crisis_pipeline().check(message("Vi un documental sobre el suicidio y me removió"))
    assert (verdict.decision, verdict.reason) == (Decision.FLAG, Reason.CRISIS_MENTION)


async def test_in_a_direct_room_crisis_language_is_delivered_to_the_counterpart_and_flagged() -> None:
    verdict = await crisis_pipeline().check(message("vull morir", where=room(RoomKind.DIRECT)))
    assert (verdict.decision, verdict.reason) == (Decision.FLAG, Reason.CRISIS_LANGUAGE)


@pytest.mark.parametrize(
    "text",
    ["I want to dieeee", "kil myslef", "QUIERO MORIRRRR", "chce umrzec", "suïcidar-me", "wanna d1e", "suicde"],
)
def test_stretched_letters_missing_accents_leetspeak_and_typos_are_still_caught(text: str) -> None:
    assert DETECTOR.detect(text) is not None
