"""SQL of outcome reports: the raw rows behind a site's indicators."""

from __future__ import annotations

from datetime import datetime

from care.store.base import Row, StoreBase


class OutcomeSql(StoreBase):
    async def outcome_rows(self, site_id: int, start: datetime, end: datetime) -> dict[str, list[Row]]:
        """Raw material for the indicators of one site and period."""
        args = (site_id, start, end)
        return {
            "submissions": await self.pool.fetch(
                """SELECT s.patient_id, s.instrument_id, s.scores, s.above_threshold, s.submitted_at
                   FROM care_submissions s WHERE s.site_id = $1 AND s.submitted_at >= $2 AND s.submitted_at < $3
                   ORDER BY s.submitted_at""",
                *args,
            ),
            "steps": await self.pool.fetch(
                """SELECT p.user_id, greatest(p.current_step, coalesce(max(t.to_step), 0),
                          coalesce(max(t.from_step), 0)) AS max_step, ('mentor' = ANY(u.roles)) AS is_mentor,
                          p.status
                   FROM care_patients p JOIN users u ON u.id = p.user_id
                   LEFT JOIN care_step_transitions t ON t.patient_id = p.user_id
                        AND t.decided_at >= $2 AND t.decided_at < $3
                   WHERE p.site_id = $1 GROUP BY p.user_id, u.roles, p.status""",
                *args,
            ),
            "contacts": await self.pool.fetch(
                """SELECT patient_id, decided_at AS at FROM care_step_proposals
                    WHERE site_id = $1 AND decided_by IS NOT NULL AND decided_at >= $2 AND decided_at < $3
                   UNION ALL
                   SELECT patient_id, decided_at FROM care_step_transitions
                    WHERE site_id = $1 AND decided_by IS NOT NULL AND decided_at >= $2 AND decided_at < $3
                   UNION ALL
                   SELECT patient_id, acknowledged_at FROM care_alerts
                    WHERE site_id = $1 AND acknowledged_at >= $2 AND acknowledged_at < $3""",
                *args,
            ),
        }
