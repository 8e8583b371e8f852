"""FHIR R4 Questionnaire import/export and QuestionnaireResponse submissions."""

from __future__ import annotations

import json
from dataclasses import replace

import pytest

from care.builtin import builtin_instruments, hads, phq9
from care.errors import DomainError
from care.fhir import from_questionnaire, parse_response, to_questionnaire
from care.scoring import score


@pytest.mark.parametrize("instrument", builtin_instruments(), ids=lambda i: i.id)
def test_every_builtin_survives_a_fhir_round_trip_through_json(instrument: object) -> None:
    exported = json.loads(json.dumps(to_questionnaire(instrument)))  # type: ignore[arg-type]
    assert exported["resourceType"] == "Questionnaire"
    assert from_questionnaire(exported) == instrument


def test_translations_survive_the_round_trip_whatever_the_primary_language() -> None:
    original = phq9()
    items = list(original.items)
    items[0] = replace(items[0], text={"en": "Little interest", "es": "Poco interés"})
    translated = replace(original, items=tuple(items), title={"en": "PHQ-9", "es": "PHQ-9 (es)"})
    for language in ("en", "es"):
        exported = to_questionnaire(translated, language)
        assert exported["language"] == language
        assert from_questionnaire(json.loads(json.dumps(exported))) == translated


def test_exported_phq9_carries_loinc_codes_and_ordinal_scores() -> None:
    exported = to_questionnaire(phq9())
    assert exported["code"] == [{"system": "http://loinc.org", "code": "44249-1"}]
    item9 = exported["item"][8]
    assert item9["code"][0]["code"] == "44260-8"
    ordinals = [o["extension"][0]["valueDecimal"] for o in item9["answerOption"]]
    assert ordinals == [0, 1, 2, 3]


def test_a_questionnaire_response_scores_like_the_compact_form() -> None:
    response = {
        "resourceType": "QuestionnaireResponse",
        "status": "completed",
        "questionnaire": "https://oncommun.org/fhir/Questionnaire/phq9|1.0.0",
        "item": [
            {"linkId": f"phq9-{n}", "answer": [{"valueCoding": {"system": "http://loinc.org", "code": "LA6569-3"}}]}
            for n in range(1, 10)
        ],
    }
    instrument_id, version, answers = parse_response(response)
    assert (instrument_id, version) == ("phq9", "1.0.0")
    assert score(phq9(), answers).scores == {"total": 9}


def test_a_licensed_site_can_supply_hads_wording_with_the_same_structure() -> None:
    exported = to_questionnaire(hads())
    exported["item"][0]["text"] = "Site-supplied wording of item 1"
    imported = from_questionnaire(exported)
    assert imported.structure() == hads().structure()
    assert imported.items[0].text["en"] == "Site-supplied wording of item 1"


def test_a_malformed_questionnaire_is_refused_with_every_problem_named() -> None:
    bad = {
        "resourceType": "Questionnaire",
        "id": "x",
        "item": [{"linkId": "a", "type": "choice"}, {"type": "choice"}, {"linkId": "c", "type": "video"}],
    }
    with pytest.raises(DomainError) as caught:
        from_questionnaire(bad)
    paths = {p["path"] for p in caught.value.details}
    assert paths == {"$.item[0].answerOption", "$.item[1]", "$.item[2].type"}
    assert caught.value.status == 422
