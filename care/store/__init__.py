"""SQL for stepped care: patients and steps, screenings, the catalogue, alerts, mentors, outcomes, the access log.

Plain parameterised asyncpg SQL and nothing else, one module per part of the domain; `CareStore` is all of
them over one pool, so the rest of care holds a single store. Methods that take a ``conn`` run inside the
caller's transaction (the service decides what must commit together); the others use the pool.
"""

from __future__ import annotations

from care.store.access_log import AccessLogSql
from care.store.alerts import AlertSql
from care.store.base import Conn, Row
from care.store.catalog import CatalogSql
from care.store.mentors import MentorSql
from care.store.outcomes import OutcomeSql
from care.store.patients import PatientSql
from care.store.screenings import ScreeningSql
from care.store.steps import StepSql

__all__ = ["CareStore", "Conn", "Row"]


class CareStore(PatientSql, StepSql, ScreeningSql, CatalogSql, AlertSql, MentorSql, OutcomeSql, AccessLogSql):
    """Every part of care's SQL over one pool."""
