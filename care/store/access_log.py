"""SQL of the access log: which staff member read which patient's data, and when."""

from __future__ import annotations

from collections.abc import Sequence

from care.store.base import Row, StoreBase


class AccessLogSql(StoreBase):
    async def log_access(self, staff_id: int, site_id: int, patient_ids: Sequence[int | None], action: str) -> None:
        await self.pool.executemany(
            "INSERT INTO care_access_log (staff_id, patient_id, site_id, action) VALUES ($1, $2, $3, $4)",
            [(staff_id, pid, site_id, action) for pid in patient_ids],
        )

    async def access_log(self, site_id: int, patient_id: int | None, limit: int) -> list[Row]:
        return await self.pool.fetch(
            """SELECT * FROM care_access_log WHERE site_id = $1 AND ($2::bigint IS NULL OR patient_id = $2)
               ORDER BY at DESC, id DESC LIMIT $3""",
            site_id,
            patient_id,
            limit,
        )
