"""Sites' moderation settings kept in Postgres, so clinicians can edit reply templates without a deploy.

A site without a row gets the fallback (the shipped defaults, or the file named by
ONCOMMUN_MODERATION_SETTINGS_FILE). Reads are cached for a few seconds per process; the cache hands back
the very same settings object while the row is unchanged, which is what lets the pipeline keep its built
hooks (and the flood hook its memory).
"""

from __future__ import annotations

import json
import time
from collections.abc import Mapping
from dataclasses import replace
from datetime import datetime
from typing import Any

import structlog

from care.errors import N_, DomainError, ErrorCode
from care.people import Person, SiteId
from moderation.audit import AuditEntry
from moderation.settings import SettingsSource, SiteModerationSettings
from moderation.store import ModerationStore

log = structlog.get_logger(__name__)

SETTINGS_CHANGED = "settings_changed"


class DatabaseSettings:
    def __init__(self, store: ModerationStore, fallback: SettingsSource, ttl_seconds: float = 5.0) -> None:
        self._store = store
        self._fallback = fallback
        self._ttl = ttl_seconds
        self._cache: dict[SiteId, tuple[float, datetime | None, SiteModerationSettings]] = {}
        self._localised: dict[SiteId, tuple[SiteModerationSettings, SiteModerationSettings]] = {}

    async def settings_for(self, site_id: SiteId) -> SiteModerationSettings:
        now = time.monotonic()
        cached = self._cache.get(site_id)
        if cached is not None and now - cached[0] < self._ttl:
            return cached[2]
        row = await self._store.settings(site_id)
        if row is None:
            settings = await self._with_country(site_id, await self._fallback.settings_for(site_id))
            self._cache[site_id] = (now, None, settings)
            return settings
        if cached is not None and cached[1] == row["updated_at"]:
            self._cache[site_id] = (now, cached[1], cached[2])
            return cached[2]
        try:
            raw = row["settings"]
            settings = SiteModerationSettings.from_mapping(json.loads(raw) if isinstance(raw, str) else raw)
        except (DomainError, ValueError, TypeError, KeyError):
            log.error("moderation_settings_invalid", site_id=site_id)
            settings = await self._fallback.settings_for(site_id)
        settings = await self._with_country(site_id, settings)
        self._cache[site_id] = (now, row["updated_at"], settings)
        return settings

    async def _with_country(self, site_id: SiteId, settings: SiteModerationSettings) -> SiteModerationSettings:
        """Crisis numbers default to the site's own country: a Lisbon hospital gets Portuguese lines."""
        if settings.crisis.country or settings.crisis.resources:
            return settings
        known = self._localised.get(site_id)
        if known is not None and known[0] is settings:
            return known[1]  # the same object as last time, so the pipeline keeps its hooks
        country = await self._store.site_country(site_id)
        localised = replace(settings, crisis=replace(settings.crisis, country=country.upper())) if country else settings
        self._localised[site_id] = (settings, localised)
        return localised

    async def save(self, actor: Person, raw: object) -> SiteModerationSettings:
        """Psychologists and admins replace their site's settings; the document is validated first."""
        if not actor.is_staff:
            raise DomainError(ErrorCode.FORBIDDEN, N_("You are not allowed to do that."))
        if not isinstance(raw, Mapping):
            raise DomainError(ErrorCode.VALIDATION_FAILED, N_("Invalid moderation hook settings."))
        settings = SiteModerationSettings.from_mapping(raw)
        document: dict[str, Any] = json.loads(json.dumps(raw))
        await self._store.save_settings(actor.site_id, document, actor.id)
        await self._store.record(
            AuditEntry(
                site_id=actor.site_id,
                kind=SETTINGS_CHANGED,
                actor_id=actor.id,
                details={"hooks": [h.name for h in settings.hooks]},
            )
        )
        self._cache.pop(actor.site_id, None)
        return settings

    async def document(self, actor: Person) -> dict[str, Any]:
        if not actor.is_staff:
            raise DomainError(ErrorCode.FORBIDDEN, N_("You are not allowed to do that."))
        row = await self._store.settings(actor.site_id)
        if row is None:
            return {}
        raw = row["settings"]
        document: dict[str, Any] = json.loads(raw) if isinstance(raw, str) else dict(raw)
        return document
