"""What every part of care's SQL shares: the pool, and the row and connection types."""

from __future__ import annotations

import asyncpg
from asyncpg.pool import PoolConnectionProxy

Row = asyncpg.Record
Conn = asyncpg.Connection | asyncpg.Pool | PoolConnectionProxy


class StoreBase:
    def __init__(self, pool: asyncpg.Pool) -> None:
        self.pool = pool
