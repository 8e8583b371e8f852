"""SQL of each site's stepping rules and imported instruments."""

from __future__ import annotations

from typing import Any

from care.store.base import Row, StoreBase


class CatalogSql(StoreBase):
    async def site_rules(self, site_id: int) -> Any:
        return await self.pool.fetchval("SELECT rules FROM care_site_rules WHERE site_id = $1", site_id)

    async def save_site_rules(self, site_id: int, rules: Any, updated_by: int) -> None:
        await self.pool.execute(
            """INSERT INTO care_site_rules (site_id, rules, updated_by) VALUES ($1, $2, $3)
               ON CONFLICT (site_id) DO UPDATE SET rules = $2, updated_by = $3, updated_at = now()""",
            site_id,
            rules,
            updated_by,
        )

    async def imported_instruments(self, site_id: int) -> list[Row]:
        """Global imports first, then the site's own, so the site's wording wins."""
        return await self.pool.fetch(
            """SELECT questionnaire FROM care_instruments WHERE site_id IS NULL OR site_id = $1
               ORDER BY site_id NULLS FIRST, id""",
            site_id,
        )

    async def save_instrument(
        self, site_id: int | None, instrument_id: str, version: str, questionnaire: Any, imported_by: int
    ) -> None:
        await self.pool.execute(
            """INSERT INTO care_instruments (site_id, instrument_id, version, questionnaire, imported_by)
               VALUES ($1, $2, $3, $4, $5)
               ON CONFLICT (coalesce(site_id, 0), instrument_id, version)
               DO UPDATE SET questionnaire = $4, imported_by = $5, imported_at = now()""",
            site_id,
            instrument_id,
            version,
            questionnaire,
            imported_by,
        )
