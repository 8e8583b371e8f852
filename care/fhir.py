"""HL7 FHIR R4 mapping: instrument definitions as ``Questionnaire``, submissions as ``QuestionnaireResponse``.

Core R4 carries items, answer options and their ordinal scores (the ``ordinalValue`` extension), LOINC
codes and translations (the ``translation`` extension on ``_text``). It has no place for subscales, bands
or risk alerts, so those travel in one Oncommun extension holding JSON. An option's local code is the
``valueCoding`` (our code system); its LOINC answer code, where one exists, rides in a second extension,
so a round trip loses nothing and a response coded in either system is understood.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from care.errors import N_, DomainError, ErrorCode
from care.instruments import (
    AlertDef,
    AnswerOption,
    Band,
    Instrument,
    Item,
    ItemType,
    ScoreDef,
    Severity,
    Texts,
    pick_text,
)
from care.rules import parse_condition

BASE = "https://oncommun.org/fhir"
LOINC = "http://loinc.org"
ORDINAL = "http://hl7.org/fhir/StructureDefinition/ordinalValue"
ITEM_WEIGHT = "http://hl7.org/fhir/StructureDefinition/itemWeight"  # R5 name, accepted on import
TRANSLATION = "http://hl7.org/fhir/StructureDefinition/translation"
SCORING = f"{BASE}/StructureDefinition/scoring"
LOINC_ANSWER = f"{BASE}/StructureDefinition/loinc-answer"
LICENSED = f"{BASE}/StructureDefinition/licensed"
UNTRANSLATED = f"{BASE}/StructureDefinition/untranslated"


def code_system(instrument_id: str) -> str:
    return f"{BASE}/CodeSystem/{instrument_id}"


def _text(texts: Texts, language: str, name: str) -> dict[str, Any]:
    """``{name: primary, _name: {extension: [translations]}}`` for the given primary language.

    When the text does not exist in the primary language, the fallback fills the primary slot (FHIR wants
    one) and an ``untranslated`` marker tells our importer not to file it under the primary language."""
    if not texts:
        return {}
    out: dict[str, Any] = {name: pick_text(texts, language)}
    extensions: list[dict[str, Any]] = [
        {
            "url": TRANSLATION,
            "extension": [{"url": "lang", "valueCode": lang}, {"url": "content", "valueString": text}],
        }
        for lang, text in sorted(texts.items())
        if lang != language
    ]
    if language not in texts:
        extensions.append({"url": UNTRANSLATED, "valueBoolean": True})
    if extensions:
        out[f"_{name}"] = {"extension": extensions}
    return out


def _texts(obj: Mapping[str, Any], name: str, language: str) -> dict[str, str]:
    texts: dict[str, str] = {}
    extensions = (obj.get(f"_{name}") or {}).get("extension", [])
    untranslated = any(e.get("url") == UNTRANSLATED and e.get("valueBoolean") for e in extensions)
    if isinstance(obj.get(name), str) and not untranslated:
        texts[language] = obj[name]
    for ext in extensions:
        if ext.get("url") != TRANSLATION:
            continue
        parts = {e.get("url"): e for e in ext.get("extension", [])}
        lang, content = parts.get("lang", {}).get("valueCode"), parts.get("content", {}).get("valueString")
        if isinstance(lang, str) and isinstance(content, str):
            texts[lang] = content
    return texts


def _band_json(band: Band) -> dict[str, Any]:
    return {"code": band.code, "low": band.low, "high": band.high, "label": dict(band.label)}


def to_questionnaire(instrument: Instrument, language: str = "en") -> dict[str, Any]:
    """Export with ``language`` as the primary text (English when the instrument lacks it) and every
    other language as translations."""
    if language not in instrument.title:
        language = "en" if "en" in instrument.title else next(iter(instrument.title), "en")
    system = code_system(instrument.id)
    items = []
    for item in instrument.items:
        out: dict[str, Any] = {"linkId": item.link_id, **_text(item.text, language, "text")}
        out["type"] = item.type.value
        out["required"] = item.required
        if item.loinc:
            out["code"] = [{"system": LOINC, "code": item.loinc}]
        options = []
        for option in item.options:
            coding = {"system": system, "code": option.code, **_text(option.display, language, "display")}
            entry: dict[str, Any] = {"valueCoding": coding}
            extensions: list[dict[str, Any]] = []
            if option.score is not None:
                extensions.append({"url": ORDINAL, "valueDecimal": option.score})
            if option.loinc:
                extensions.append({"url": LOINC_ANSWER, "valueCoding": {"system": LOINC, "code": option.loinc}})
            if extensions:
                entry["extension"] = extensions
            options.append(entry)
        if options:
            out["answerOption"] = options
        items.append(out)
    scoring = {
        "scores": [
            {
                "name": s.name,
                "items": list(s.items),
                "bands": [_band_json(b) for b in s.bands],
                "loinc": s.loinc,
            }
            for s in instrument.scores
        ],
        "alerts": [{"kind": a.kind, "severity": a.severity.value, "when": a.when} for a in instrument.alerts],
    }
    resource: dict[str, Any] = {
        "resourceType": "Questionnaire",
        "id": instrument.id,
        "url": f"{BASE}/Questionnaire/{instrument.id}",
        "version": instrument.version,
        "name": instrument.id.upper(),
        **_text(instrument.title, language, "title"),
        "status": "active",
        "language": language,
        **_text(instrument.description, language, "description"),
        "extension": [
            {"url": SCORING, "valueString": json.dumps(scoring, sort_keys=True)},
            {"url": LICENSED, "valueBoolean": instrument.licensed},
        ],
        "item": items,
    }
    if instrument.loinc:
        resource["code"] = [{"system": LOINC, "code": instrument.loinc}]
    return resource


class _Problems:
    def __init__(self) -> None:
        self.items: list[dict[str, str]] = []

    def add(self, path: str, problem: str) -> None:
        self.items.append({"path": path, "problem": problem})

    def raise_if_any(self) -> None:
        if self.items:
            raise DomainError(
                ErrorCode.VALIDATION_FAILED, N_("This Questionnaire cannot be imported."), details=self.items
            )


def _ext(obj: Mapping[str, Any], url: str) -> Mapping[str, Any] | None:
    for ext in obj.get("extension", []) or []:
        if isinstance(ext, dict) and ext.get("url") == url:
            return ext
    return None


def _loinc(codes: object) -> str | None:
    for coding in codes if isinstance(codes, list) else []:
        if isinstance(coding, dict) and coding.get("system") == LOINC and isinstance(coding.get("code"), str):
            return str(coding["code"])
    return None


def _option(raw: object, path: str, language: str, problems: _Problems) -> AnswerOption | None:
    coding = raw.get("valueCoding") if isinstance(raw, dict) else None
    if not isinstance(raw, dict) or not isinstance(coding, dict) or not isinstance(coding.get("code"), str):
        problems.add(path, "expected_valueCoding_with_code")
        return None
    weight = _ext(raw, ORDINAL) or _ext(raw, ITEM_WEIGHT) or _ext(coding, ORDINAL)
    score = weight.get("valueDecimal") if weight else None
    if score is not None and (isinstance(score, bool) or not isinstance(score, int | float) or score != int(score)):
        problems.add(path, "score_not_an_integer")
        return None
    loinc_ext = _ext(raw, LOINC_ANSWER)
    loinc = loinc_ext.get("valueCoding", {}).get("code") if loinc_ext else None
    if loinc is None and coding.get("system") == LOINC:
        loinc = coding["code"]
    return AnswerOption(
        coding["code"], None if score is None else int(score), _texts(coding, "display", language), loinc
    )


def from_questionnaire(resource: Mapping[str, Any]) -> Instrument:
    """Parse a Questionnaire into a definition, or fail with every problem found (422)."""
    try:
        return _from_questionnaire(resource)
    except (AttributeError, TypeError, ValueError, KeyError) as exc:
        # A part of the resource has the wrong JSON type somewhere we did not look first.
        raise DomainError(
            ErrorCode.VALIDATION_FAILED,
            N_("This Questionnaire cannot be imported."),
            details=[{"path": "$", "problem": "malformed"}],
        ) from exc


def _from_questionnaire(resource: Mapping[str, Any]) -> Instrument:
    problems = _Problems()
    if resource.get("resourceType") != "Questionnaire":
        problems.add("$.resourceType", "expected_Questionnaire")
        problems.raise_if_any()
    url = resource.get("url")
    instrument_id = resource.get("id") or (url.rstrip("/").rsplit("/", 1)[-1] if isinstance(url, str) else None)
    if not isinstance(instrument_id, str) or not instrument_id.replace("-", "").replace("_", "").isalnum():
        problems.add("$.id", "missing_or_not_alphanumeric")
    language = resource.get("language") if isinstance(resource.get("language"), str) else "en"
    assert isinstance(language, str)
    items: list[Item] = []
    raw_items = resource.get("item")
    if not isinstance(raw_items, list) or not raw_items:
        problems.add("$.item", "missing")
        raw_items = []
    for n, raw in enumerate(raw_items):
        path = f"$.item[{n}]"
        if not isinstance(raw, dict) or not isinstance(raw.get("linkId"), str):
            problems.add(path, "missing_linkId")
            continue
        if raw.get("type") not in {t.value for t in ItemType}:
            problems.add(f"{path}.type", "unsupported_type")
            continue
        item_type = ItemType(raw["type"])
        options = [
            _option(o, f"{path}.answerOption[{k}]", language, problems)
            for k, o in enumerate(raw.get("answerOption") or [])
        ]
        if item_type is ItemType.CHOICE and not options:
            problems.add(f"{path}.answerOption", "missing")
        items.append(
            Item(
                raw["linkId"],
                _texts(raw, "text", language),
                item_type,
                bool(raw.get("required", False)),
                tuple(o for o in options if o is not None),
                _loinc(raw.get("code")),
            )
        )
    if len({i.link_id for i in items}) != len(items):
        problems.add("$.item", "duplicate_linkId")
    scores, alerts = _scoring(resource, items, problems)
    problems.raise_if_any()
    assert isinstance(instrument_id, str)
    licensed = _ext(resource, LICENSED)
    return Instrument(
        id=instrument_id,
        version=str(resource.get("version") or "1"),
        title=_texts(resource, "title", language) or {language: instrument_id},
        items=tuple(items),
        scores=scores,
        alerts=alerts,
        description=_texts(resource, "description", language),
        loinc=_loinc(resource.get("code")),
        licensed=bool(licensed and licensed.get("valueBoolean")),
    )


def _scoring(
    resource: Mapping[str, Any], items: list[Item], problems: _Problems
) -> tuple[tuple[ScoreDef, ...], tuple[AlertDef, ...]]:
    """Subscales, bands and alerts from the Oncommun extension; without it, a plain total of all items."""
    scored = tuple(i.link_id for i in items if any(o.score is not None for o in i.options))
    ext = _ext(resource, SCORING)
    if ext is None:
        return (ScoreDef("total", scored),), ()
    try:
        data = json.loads(str(ext.get("valueString")))
        known = {i.link_id for i in items}
        scores = []
        for s in data.get("scores", []):
            if not set(s["items"]) <= known:
                problems.add("$.extension[scoring]", f"score_{s['name']}_names_unknown_items")
            bands = tuple(
                Band(str(b["code"]), int(b["low"]), int(b["high"]), dict(b.get("label") or {}))
                for b in s.get("bands", [])
            )
            scores.append(ScoreDef(str(s["name"]), tuple(s["items"]), bands, s.get("loinc")))
        alerts = []
        for a in data.get("alerts", []):
            parse_condition(a["when"])
            alerts.append(AlertDef(str(a["kind"]), Severity(a["severity"]), a["when"]))
        return tuple(scores), tuple(alerts)
    except DomainError as exc:
        problems.add("$.extension[scoring].alerts", f"bad_condition:{exc.details}")
    except (ValueError, KeyError, TypeError, AttributeError):
        problems.add("$.extension[scoring]", "not_valid_scoring_json")
    return (), ()


def parse_response(resource: Mapping[str, Any]) -> tuple[str, str | None, dict[str, object]]:
    """A QuestionnaireResponse as (instrument id, version, {linkId: value}); nested groups are flattened."""
    if resource.get("resourceType") != "QuestionnaireResponse":
        raise DomainError(
            ErrorCode.VALIDATION_FAILED,
            N_("This submission is not valid."),
            details=[{"field": "resourceType", "problem": "expected_QuestionnaireResponse"}],
        )
    canonical = resource.get("questionnaire")
    if not isinstance(canonical, str) or not canonical:
        raise DomainError(
            ErrorCode.VALIDATION_FAILED,
            N_("This submission is not valid."),
            details=[{"field": "questionnaire", "problem": "missing"}],
        )
    if not isinstance(resource.get("item", []), list):
        raise DomainError(
            ErrorCode.VALIDATION_FAILED,
            N_("This submission is not valid."),
            details=[{"field": "item", "problem": "not_a_list"}],
        )
    url, _, version = canonical.partition("|")
    instrument_id = url.rstrip("/").rsplit("/", 1)[-1]
    answers: dict[str, object] = {}

    def walk(items: object) -> None:
        for item in items if isinstance(items, list) else []:
            if not isinstance(item, dict):
                continue
            link_id = item.get("linkId")
            for answer in item.get("answer", []) or []:
                if isinstance(link_id, str) and isinstance(answer, dict):
                    answers[link_id] = _answer_value(answer)
                    walk(answer.get("item"))
            walk(item.get("item"))

    walk(resource.get("item"))
    return instrument_id, version or None, answers


def _answer_value(answer: Mapping[str, Any]) -> object:
    if "valueCoding" in answer and isinstance(answer["valueCoding"], dict):
        return answer["valueCoding"].get("code")
    for key in ("valueBoolean", "valueInteger", "valueString", "valueDecimal"):
        if key in answer:
            return answer[key]
    return None
