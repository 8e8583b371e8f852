"""Embedded Postgres for a newcomer's machine: the pgserver package, in a data directory we own.

Used only when DATABASE_URL is unset. The server keeps running after Oncommun exits (cleanup_mode=None) so
a restart is instant and keeps the data; `oncommun serve` reconnects to it.
"""

from __future__ import annotations

from pathlib import Path

import structlog

log = structlog.get_logger(__name__)


def start_embedded_postgres(data_dir: Path) -> str:
    """Start (or find running) Postgres in ``data_dir`` and return its connection URI."""
    import pgserver

    data_dir = data_dir.resolve()
    data_dir.parent.mkdir(parents=True, exist_ok=True)
    server = pgserver.get_server(data_dir, cleanup_mode=None)
    uri: str = server.get_uri()
    log.info("embedded_postgres_ready", data_dir=str(data_dir))
    return uri
