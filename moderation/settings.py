"""A site's moderation settings: which hooks run and how, and the site's crisis resources and replies.

Settings are plain data (a JSON document per site), so a site's clinicians and admins can change them
without a deploy. `SettingsSource` hands the pipeline the current settings of a site; it must return the
*same object* while nothing changed, because the pipeline rebuilds a site's hooks only when it gets a new
one.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any, Protocol

from care.errors import N_, DomainError, ErrorCode
from care.people import Language, SiteId
from moderation.hook import FailurePolicy, HookSpec
from rooms.filters import Decision, RoomKind

RESOURCES_PLACEHOLDER = "{resources}"


@dataclass(frozen=True, slots=True)
class CrisisResource:
    name: str
    phone: str
    hours: str = ""
    url: str = ""

    def line(self) -> str:
        hours = f" ({self.hours})" if self.hours else ""
        url = f" {self.url}" if self.url else ""
        return f"• {self.name}: {self.phone}{hours}{url}"

    def to_json(self) -> dict[str, str]:
        return {"name": self.name, "phone": self.phone, "hours": self.hours, "url": self.url}


@cache
def _shipped(name: str) -> dict[str, Any]:
    text = resources.files("moderation").joinpath("data", name).read_text(encoding="utf-8")
    data: dict[str, Any] = json.loads(text)
    return data


def default_resources(country: str) -> tuple[CrisisResource, ...]:
    entries = _shipped("crisis_resources.json").get(country.upper(), [])
    return tuple(CrisisResource(**entry) for entry in entries)


def default_reply(language: Language) -> str:
    text: str = _shipped("crisis_replies.json")[language.value]
    return text


# In a direct room the only reader is the author's psychologist or mentor: the message is delivered
# (flagged), so the conversation can go on, and the crisis response still runs.
DEFAULT_CRISIS_DECISIONS: Mapping[RoomKind, Decision] = {
    RoomKind.CAMPUS: Decision.HOLD,
    RoomKind.COMMUNITY: Decision.HOLD,
    RoomKind.THERAPY: Decision.HOLD,
    RoomKind.DIRECT: Decision.FLAG,
}


@dataclass(frozen=True, slots=True)
class CrisisSettings:
    country: str = ""  # ISO 3166 alpha-2; empty: the site's own country (sites.country), else ES
    resources: tuple[CrisisResource, ...] = ()  # empty: the shipped defaults for ``country``
    replies: Mapping[Language, str] = field(default_factory=dict)  # clinicians' overrides per language
    decisions: Mapping[RoomKind, Decision] = field(default_factory=lambda: dict(DEFAULT_CRISIS_DECISIONS))

    def resource_list(self) -> tuple[CrisisResource, ...]:
        return self.resources or default_resources(self.country or "ES")

    def reply_template(self, language: Language) -> tuple[str, str]:
        """(template, origin): the site's own text when its clinicians wrote one, else the shipped default."""
        if language in self.replies:
            return self.replies[language], "site"
        return default_reply(language), "default"

    def render_reply(self, language: Language) -> tuple[str, str]:
        template, origin = self.reply_template(language)
        lines = "\n".join(r.line() for r in self.resource_list())
        return template.replace(RESOURCES_PLACEHOLDER, lines), origin

    @classmethod
    def from_mapping(cls, raw: Mapping[str, Any]) -> CrisisSettings:
        replies: dict[Language, str] = {}
        for lang, text in dict(raw.get("replies", {})).items():
            if RESOURCES_PLACEHOLDER not in str(text):
                raise DomainError(
                    ErrorCode.VALIDATION_FAILED,
                    N_("A crisis reply must keep the {placeholder} placeholder."),
                    params={"placeholder": RESOURCES_PLACEHOLDER},
                    details={"language": lang},
                )
            replies[Language(lang)] = str(text)
        decisions = dict(DEFAULT_CRISIS_DECISIONS)
        for kind, decision in dict(raw.get("decisions", {})).items():
            if Decision(decision) not in (Decision.HOLD, Decision.FLAG):
                raise DomainError(ErrorCode.VALIDATION_FAILED, N_("Crisis language can only be held or flagged."))
            decisions[RoomKind(kind)] = Decision(decision)
        return cls(
            country=str(raw.get("country", "")),
            resources=tuple(CrisisResource(**r) for r in raw.get("resources", ())),
            replies=replies,
            decisions=decisions,
        )


DEFAULT_HOOKS: tuple[HookSpec, ...] = (
    # Safety first: if crisis screening fails, the message waits for a human rather than going out unseen.
    HookSpec("crisis", timeout_seconds=0.5, on_failure=FailurePolicy.CLOSED),
    HookSpec("personal_data"),
    HookSpec("links"),
    HookSpec("keywords"),
    HookSpec("flooding"),
    HookSpec("slow_mode"),
)


@dataclass(frozen=True, slots=True)
class SiteModerationSettings:
    hooks: tuple[HookSpec, ...] = DEFAULT_HOOKS
    crisis: CrisisSettings = field(default_factory=CrisisSettings)

    @classmethod
    def from_mapping(cls, raw: Mapping[str, Any]) -> SiteModerationSettings:
        if "hooks" in raw and not isinstance(raw["hooks"], list):
            raise DomainError(ErrorCode.VALIDATION_FAILED, N_("Invalid moderation hook settings."))
        hooks = tuple(HookSpec.from_mapping(h) for h in raw["hooks"]) if "hooks" in raw else DEFAULT_HOOKS
        names = [h.name for h in hooks]
        if len(set(names)) != len(names):
            raise DomainError(ErrorCode.VALIDATION_FAILED, N_("A hook is configured twice."), details=names)
        return cls(hooks=hooks, crisis=CrisisSettings.from_mapping(raw.get("crisis", {})))


class SettingsSource(Protocol):
    async def settings_for(self, site_id: SiteId) -> SiteModerationSettings: ...


class StaticSettings:
    """Settings fixed at start-up: a default plus per-site documents, e.g. from a JSON file.

    File shape: ``{"default": {...}, "sites": {"<site id>": {...}}}``, each document as in
    docs/moderation.md.
    """

    def __init__(
        self,
        default: SiteModerationSettings | None = None,
        sites: Mapping[SiteId, SiteModerationSettings] | None = None,
    ) -> None:
        self._default = default or SiteModerationSettings()
        self._sites = dict(sites or {})

    async def settings_for(self, site_id: SiteId) -> SiteModerationSettings:
        return self._sites.get(site_id, self._default)

    @classmethod
    def from_file(cls, path: Path) -> StaticSettings:
        raw = json.loads(path.read_text(encoding="utf-8"))
        default = SiteModerationSettings.from_mapping(raw.get("default", {}))
        sites = {SiteId(int(k)): SiteModerationSettings.from_mapping(v) for k, v in raw.get("sites", {}).items()}
        return cls(default, sites)
