"""Crisis language in five languages is held, and benign talk about illness, pain and death is not.

The rates are printed (run with ``-s``) so the note can quote them. The false-positive rate of holds on
all benign samples together is asserted under 5%; recall on each held-out sample has a floor at what the
lexicon measured when the floor was set (see docs/moderation.md), so a change that loses recall fails.
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
# The second held-out pair (22 crisis and 40 hard benign messages per language), and a small fresh pair
# written after the lexicon was tuned on the first two held-out samples and never tuned on.
HELD_OUT_2 = load_sample("heldout_crisis")
FRESH = load_sample("fresh_crisis")
ALL_BENIGN = BENIGN + load_sample("heldout_benign") + load_sample("fresh_benign")
# Recall floors: what the lexicon held when they were set (28 November 2026), not a target.
RECALL_FLOORS = {"crisis_heldout": (HELD_OUT, 24), "heldout_crisis": (HELD_OUT_2, 94), "fresh_crisis": (FRESH, 8)}
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
        assert sum(1 for lang, _ in HELD_OUT_2 if lang == language) >= 20, language
        assert sum(1 for lang, text in ALL_BENIGN if lang == language) >= 80, language


@pytest.mark.parametrize(("language", "text"), CRISIS, ids=[f"{lang}-{i}" for i, (lang, _) in enumerate(CRISIS)])
async def test_crisis_phrases_are_held_in_a_community_room(language: str, text: str) -> None:
    verdict = await crisis_pipeline().check(message(text, who=person(language=language)))
    assert (verdict.decision, verdict.reason, verdict.hook) == (Decision.HOLD, Reason.CRISIS_LANGUAGE, "crisis")


async def test_crisis_language_is_held_whatever_language_the_author_set_in_their_profile() -> None:
    verdict = await crisis_pipeline().check(message("quero morrer", who=person(language="pl")))
    assert verdict.decision is Decision.HOLD


def test_fewer_than_5_percent_of_all_benign_messages_are_held() -> None:
    held = [(lang, text) for lang, text in ALL_BENIGN if holds(text)]
    flagged = [(lang, text) for lang, text in ALL_BENIGN if not holds(text) and DETECTOR.detect(text) is not None]
    rate = len(held) / len(ALL_BENIGN)
    print(f"\nbenign (all samples): {len(ALL_BENIGN)} messages, held {len(held)} ({rate:.1%}), flagged {len(flagged)}")
    for language in LANGUAGES:
        per = [t for lang, t in ALL_BENIGN if lang == language]
        print(f"  {language}: held {sum(holds(t) for t in per)}/{len(per)}")
    assert rate < 0.05, held
    for language in LANGUAGES:  # no language may carry the whole error budget
        per = [t for lang, t in ALL_BENIGN if lang == language]
        assert sum(holds(t) for t in per) / len(per) < 0.05, language


def test_recall_on_the_crisis_sample_is_reported_per_language() -> None:
    missed = [(lang, text) for lang, text in CRISIS if not holds(text)]
    recall = 1 - len(missed) / len(CRISIS)
    print(f"\ncrisis sample: {len(CRISIS)} messages, recall {recall:.1%}")
    assert recall >= 0.95, missed


@pytest.mark.parametrize("name", list(RECALL_FLOORS))
def test_recall_on_the_held_out_samples_stays_at_least_what_was_measured(name: str) -> None:
    sample, floor = RECALL_FLOORS[name]
    hits = sum(holds(text) for _, text in sample)
    per = {lang: [t for g, t in sample if g == lang] for lang in LANGUAGES}
    print(
        f"\n{name}: {hits}/{len(sample)} held; "
        + ", ".join(f"{lang} {sum(holds(t) for t in texts)}/{len(texts)}" for lang, texts in per.items())
    )
    assert hits >= floor, [t for _, t in sample if not holds(t)]


def test_the_quick_word_filter_never_changes_what_the_lexicon_finds() -> None:
    """TRIGGER_STEMS only saves time: with and without it every sample gets the same answer."""
    thorough = CrisisDetector(prefilter=False)
    rarer = [  # phrasings whose only trigger is an uncommon word
        "I wish I had never been born", "no point in going on", "no puedo seguir así", "nie dam rady dłużej",
        "não vejo outra saída senão a morte", "lepiej by było gdybym się nie urodziła", "não consigo continuar",
        "no other way out but this", "I can't go on", "vull fer-me mal", "em vull morir", "the only way out is death",
    ]  # fmt: skip
    for text in [t for _, t in CRISIS + HELD_OUT + HELD_OUT_2 + FRESH + ALL_BENIGN] + rarer:
        assert DETECTOR.detect(text) == thorough.detect(text), text
    assert all(DETECTOR.detect(text) is not None for text in rarer)


def test_the_first_letter_index_finds_every_place_any_entry_matches() -> None:
    """The detector only tries entries where its per-letter locators point: they must miss nothing."""
    for _, text in CRISIS + HELD_OUT + HELD_OUT_2 + FRESH + ALL_BENIGN:
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


@pytest.mark.parametrize(
    ("alone", "together"),
    [
        ("No puedo más con los vómitos", "No puedo más, soy una carga para todos"),
        ("Thank you all for everything, see you after surgery", "I can't go on. Thank you all for everything"),
        ("Não aguento mais os enjoos", "Não aguento mais, quero que tudo acabe"),
        ("W przyszłym tygodniu mnie nie będzie, idę do szpitala", "Jestem ciężarem. Już mnie nie będzie"),
        ("La setmana que ve ja no hi seré, tinc ingrés", "Soc una càrrega. La setmana que ve ja no hi seré"),
    ],
)
def test_a_sign_common_in_ordinary_talk_is_not_held_alone_but_is_with_a_second_sign(alone: str, together: str) -> None:
    found = DETECTOR.detect(alone)
    assert found is None or not found.holds, alone
    assert holds(together), together


@pytest.mark.parametrize(
    "text",
    [
        "My grandmother always said she wanted to die in her own bed",
        "La meva àvia deia que volia morir al seu llit",
        "Quem me dera acordar amanhã sem enjoos",
        "Ojalá me despierte mañana sin dolor",
        "I've been saving my energy for the wedding",
        "Guardo las pastillas en el cajón de la cocina",
        "Mam dość tabletek, codziennie biorę osiem",
        "I'm tired of living in hospitals",
    ],
)
def test_hard_benign_shapes_near_the_indirect_entries_are_not_held(text: str) -> None:
    assert not holds(text)
