"""The built-in instruments: Distress Thermometer, PHQ-9, GAD-7 and HADS.

PHQ-9 and GAD-7 are in the public domain (Pfizer), so their English wording ships. HADS (GL Assessment)
and the current NCCN problem list are licensed: their structure and scoring ship, their wording does not.
Items carry placeholder labels ("HADS item 1") until a licensed site imports its own wording as a FHIR
Questionnaire with the same structure (see care.fhir and Catalog.import_questionnaire).

Scoring rules and cut-offs:
- PHQ-9: Kroenke, Spitzer & Williams (2001), J Gen Intern Med 16:606-613. Items 0-3, total 0-27; bands
  0-4 minimal, 5-9 mild, 10-14 moderate, 15-19 moderately severe, 20-27 severe.
- GAD-7: Spitzer, Kroenke, Williams & Loewe (2006), Arch Intern Med 166:1092-1097. Items 0-3, total
  0-21; bands 0-4 minimal, 5-9 mild, 10-14 moderate, 15-21 severe.
- HADS: Zigmond & Snaith (1983), Acta Psychiatr Scand 67:361-370. Odd items anxiety, even items
  depression, 0-3 each, subscales 0-21; 0-7 normal, 8-10 borderline, 11-21 abnormal.
- Distress Thermometer: NCCN Distress Management guideline, 0-10 with a cut-off of 4.
"""

from __future__ import annotations

from care.instruments import AlertDef, AnswerOption, Band, Instrument, Item, ItemType, ScoreDef, Severity

LOINC_FREQUENCY = ("LA6568-5", "LA6569-3", "LA6570-1", "LA6571-9")
FREQUENCY = ("Not at all", "Several days", "More than half the days", "Nearly every day")


def _frequency_options() -> tuple[AnswerOption, ...]:
    return tuple(
        AnswerOption(str(score), score, {"en": FREQUENCY[score]}, LOINC_FREQUENCY[score]) for score in range(4)
    )


PHQ9_ITEMS = (
    ("44250-9", "Little interest or pleasure in doing things"),
    ("44255-8", "Feeling down, depressed, or hopeless"),
    ("44259-0", "Trouble falling or staying asleep, or sleeping too much"),
    ("44254-1", "Feeling tired or having little energy"),
    ("44251-7", "Poor appetite or overeating"),
    (
        "44258-2",
        "Feeling bad about yourself - or that you are a failure or have let yourself or your family down",
    ),
    ("44252-5", "Trouble concentrating on things, such as reading the newspaper or watching television"),
    (
        "44253-3",
        "Moving or speaking so slowly that other people could have noticed? Or the opposite - being so "
        "fidgety or restless that you have been moving around a lot more than usual",
    ),
    ("44260-8", "Thoughts that you would be better off dead or of hurting yourself in some way"),
)

GAD7_ITEMS = (
    ("69725-0", "Feeling nervous, anxious, or on edge"),
    ("68509-9", "Not being able to stop or control worrying"),
    ("69733-4", "Worrying too much about different things"),
    ("69734-2", "Trouble relaxing"),
    ("69735-9", "Being so restless that it is hard to sit still"),
    ("69689-8", "Becoming easily annoyed or irritable"),
    ("69736-7", "Feeling afraid as if something awful might happen"),
)

TWO_WEEKS = {
    "en": "Over the last 2 weeks, how often have you been bothered by any of the following problems?",
}


def _band(code: str, low: int, high: int, label: str) -> Band:
    return Band(code, low, high, {"en": label})


def _frequency_scale(
    instrument_id: str,
    title: str,
    item_texts: tuple[tuple[str, str], ...],
    bands: tuple[Band, ...],
    *,
    total_loinc: str,
    loinc: str,
    alerts: tuple[AlertDef, ...] = (),
) -> Instrument:
    """PHQ-9 and GAD-7 alike: items scored 0-3 on how often over two weeks, summed into a banded total."""
    items = tuple(
        Item(f"{instrument_id}-{n}", {"en": text}, options=_frequency_options(), loinc=item_loinc)
        for n, (item_loinc, text) in enumerate(item_texts, start=1)
    )
    return Instrument(
        id=instrument_id,
        version="1.0.0",
        title={"en": title},
        description=TWO_WEEKS,
        items=items,
        scores=(ScoreDef("total", tuple(i.link_id for i in items), bands, loinc=total_loinc),),
        alerts=alerts,
        loinc=loinc,
    )


def phq9() -> Instrument:
    bands = (
        _band("minimal", 0, 4, "Minimal"),
        _band("mild", 5, 9, "Mild"),
        _band("moderate", 10, 14, "Moderate"),
        _band("moderately_severe", 15, 19, "Moderately severe"),
        _band("severe", 20, 27, "Severe"),
    )
    return _frequency_scale(
        "phq9",
        "Patient Health Questionnaire (PHQ-9)",
        PHQ9_ITEMS,
        bands,
        total_loinc="44261-6",
        loinc="44249-1",
        alerts=(
            # Item 9 asks about thoughts of death or self-harm: any answer but "not at all" alerts,
            # whatever the total (a total of 1 made only of item 9 still alerts).
            AlertDef("self_harm_thoughts", Severity.URGENT, {"item": "phq9.phq9-9", "op": ">=", "value": 1}),
        ),
    )


def gad7() -> Instrument:
    bands = (
        _band("minimal", 0, 4, "Minimal"),
        _band("mild", 5, 9, "Mild"),
        _band("moderate", 10, 14, "Moderate"),
        _band("severe", 15, 21, "Severe"),
    )
    return _frequency_scale(
        "gad7",
        "Generalized Anxiety Disorder scale (GAD-7)",
        GAD7_ITEMS,
        bands,
        total_loinc="70274-6",
        loinc="69737-5",
    )


# Printed score order of each HADS item, top option first (Zigmond & Snaith 1983). Items printed from
# 3 down to 0 are the reverse-keyed ones.
HADS_PRINTED_SCORES: tuple[tuple[int, ...], ...] = (
    (3, 2, 1, 0),  # 1 A
    (0, 1, 2, 3),  # 2 D
    (3, 2, 1, 0),  # 3 A
    (0, 1, 2, 3),  # 4 D
    (3, 2, 1, 0),  # 5 A
    (3, 2, 1, 0),  # 6 D
    (0, 1, 2, 3),  # 7 A
    (3, 2, 1, 0),  # 8 D
    (0, 1, 2, 3),  # 9 A
    (3, 2, 1, 0),  # 10 D
    (3, 2, 1, 0),  # 11 A
    (0, 1, 2, 3),  # 12 D
    (3, 2, 1, 0),  # 13 A
    (0, 1, 2, 3),  # 14 D
)
HADS_OPTION_CODES = ("a", "b", "c", "d")


def hads() -> Instrument:
    items = tuple(
        Item(
            f"hads-{n}",
            {"en": f"HADS item {n}"},
            options=tuple(
                AnswerOption(code, score, {"en": f"HADS item {n}, option {code}"})
                for code, score in zip(HADS_OPTION_CODES, printed, strict=True)
            ),
        )
        for n, printed in enumerate(HADS_PRINTED_SCORES, start=1)
    )
    bands = (
        _band("normal", 0, 7, "Normal"),
        _band("borderline", 8, 10, "Borderline abnormal"),
        _band("abnormal", 11, 21, "Abnormal"),
    )
    anxiety = tuple(f"hads-{n}" for n in range(1, 15, 2))
    depression = tuple(f"hads-{n}" for n in range(2, 15, 2))
    return Instrument(
        id="hads",
        version="1.0.0",
        title={"en": "Hospital Anxiety and Depression Scale (HADS)"},
        description={"en": "Licensed instrument: item wording is supplied by the site."},
        items=items,
        scores=(
            ScoreDef("anxiety", anxiety, bands),
            ScoreDef("depression", depression, bands),
            ScoreDef("total", tuple(i.link_id for i in items)),
        ),
        licensed=True,
    )


# Problem-list areas of the NCCN list. The list itself is licensed, so the labels are placeholders; a
# licensed site imports its own version of the list with the real items.
DT_PROBLEM_AREAS = ("practical", "social", "emotional", "spiritual", "physical")


def distress_thermometer() -> Instrument:
    options = tuple(
        AnswerOption(
            str(score),
            score,
            {"en": {0: "0 - No distress", 10: "10 - Extreme distress"}.get(score, str(score))},
        )
        for score in range(11)
    )
    problems = tuple(
        Item(f"dt-problem-{area}", {"en": f"Problem list: {area} concerns"}, ItemType.BOOLEAN, required=False)
        for area in DT_PROBLEM_AREAS
    )
    return Instrument(
        id="dt",
        version="1.0.0",
        title={"en": "Distress Thermometer"},
        description={"en": "Distress over the past week, including today, from 0 (none) to 10 (extreme)."},
        items=(Item("dt", {"en": "Distress Thermometer (0-10)"}, options=options), *problems),
        scores=(
            ScoreDef(
                "total",
                ("dt",),
                (
                    _band("below_cutoff", 0, 3, "Below cut-off"),
                    _band("distress", 4, 10, "Significant distress"),
                ),
            ),
        ),
        alerts=(AlertDef("extreme_distress", Severity.HIGH, {"item": "dt.dt", "op": "==", "value": 10}),),
        licensed=True,
    )


def builtin_instruments() -> list[Instrument]:
    return [distress_thermometer(), phq9(), gad7(), hads()]
