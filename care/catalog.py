"""The instrument catalogue and the stepping rules of each site.

Built-in definitions (and any loaded from the configured directory) are shared; each site may import
its own versions or licensed wording as FHIR Questionnaires, stored in the database and read on every
use, so every process sees an import at once.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import structlog

from care import access
from care.builtin import builtin_instruments
from care.errors import N_, DomainError, ErrorCode
from care.fhir import from_questionnaire, to_questionnaire
from care.instruments import Instrument, Registry
from care.people import Person, Role
from care.rules import DEFAULT_RULES, RuleSet
from care.store import CareStore

log = structlog.get_logger(__name__)


class Catalog:
    def __init__(self, store: CareStore, instruments_dir: Path | None = None) -> None:
        self._store = store
        self._base = Registry(builtin_instruments())
        if instruments_dir is not None:
            for path in sorted(instruments_dir.glob("*.json")):
                self._base.add(from_questionnaire(json.loads(path.read_text(encoding="utf-8"))))

    async def registry(self, site_id: int) -> Registry:
        registry = self._base.copy()
        for row in await self._store.imported_instruments(site_id):
            registry.add(from_questionnaire(row["questionnaire"]))
        return registry

    async def instruments(self, person: Person) -> list[Instrument]:
        return (await self.registry(person.site_id)).latest()

    async def export_questionnaire(self, person: Person, instrument_id: str, version: str | None) -> dict[str, Any]:
        instrument = (await self.registry(person.site_id)).get(instrument_id, version)
        return to_questionnaire(instrument, person.language.value)

    async def import_questionnaire(self, admin: Person, resource: Mapping[str, Any]) -> Instrument:
        """A new instrument or version, or a licensed site's wording for an existing one (same structure)."""
        access.require_role_at_site(admin, Role.ADMIN)
        instrument = from_questionnaire(resource)
        registry = await self.registry(admin.site_id)
        if instrument.id in registry:
            try:
                same_version = registry.get(instrument.id, instrument.version)
            except DomainError:
                same_version = None
            if same_version is not None and same_version.structure() != instrument.structure():
                raise DomainError(
                    ErrorCode.CONFLICT,
                    N_("Version {version} of {instrument} exists with a different scoring structure."),
                    params={"version": instrument.version, "instrument": instrument.id},
                )
        await self._store.save_instrument(
            admin.site_id, instrument.id, instrument.version, to_questionnaire(instrument), admin.id
        )
        log.info("instrument_imported", instrument=instrument.id, version=instrument.version, site=admin.site_id)
        return instrument

    async def rules(self, site_id: int) -> RuleSet:
        stored = await self._store.site_rules(site_id)
        return RuleSet.from_json(stored if stored is not None else DEFAULT_RULES)

    async def rules_for(self, staff: Person) -> RuleSet:
        """The rules of the staff member's own site, as staff read them to understand a proposal."""
        access.require_staff(staff)
        return await self.rules(staff.site_id)

    async def save_rules(self, admin: Person, rules: object) -> RuleSet:
        access.require_role_at_site(admin, Role.ADMIN)
        parsed = RuleSet.from_json(rules)
        await self._store.save_site_rules(admin.site_id, dict(parsed.source), admin.id)
        return parsed
