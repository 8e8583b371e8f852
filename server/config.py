"""Every setting Oncommun reads, from the environment, with typed defaults.

This module is the one place settings are defined; the README's configuration table mirrors it. Secrets
(database and Redis URLs with passwords) only ever come from the environment.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any


class ConfigError(ValueError):
    """A setting in the environment cannot be understood."""


def _env_name(name: str) -> str:
    return name.upper() if name in ("database_url", "redis_url") else "ONCOMMUN_" + name.upper()


def _convert(name: str, raw: str, kind: Any) -> Any:
    try:
        if kind in (bool, "bool"):
            lowered = raw.strip().lower()
            if lowered in ("1", "true", "yes", "on"):
                return True
            if lowered in ("0", "false", "no", "off", ""):
                return False
            raise ValueError(raw)
        if kind in (int, "int"):
            return int(raw)
        if kind in (float, "float"):
            return float(raw)
        if kind in (Path, "Path"):
            return Path(raw)
        if kind in ("tuple[str, ...]",):
            return tuple(part.strip() for part in raw.split(",") if part.strip())
        if kind in ("tuple[int, ...]",):
            return tuple(int(part) for part in raw.split(",") if part.strip())
        return raw
    except ValueError as exc:
        raise ConfigError(f"{_env_name(name)}={raw!r} is not a valid {kind}") from exc


@dataclass(frozen=True, slots=True)
class Config:
    # --- where things are ---
    database_url: str | None = None  # unset: embedded Postgres (pgserver) in data_dir/pg
    redis_url: str | None = None  # unset: one process, no Redis
    data_dir: Path = Path("var")
    host: str = "127.0.0.1"
    port: int = 8080
    redis_prefix: str = "oncommun"  # keys and the Socket.IO channel; lets several deployments share a Redis
    # --- logs ---
    log_format: str = "auto"  # auto (console on a terminal, else json) | json | console
    log_level: str = "info"
    # --- database ---
    db_pool_min: int = 2
    db_pool_max: int = 10
    migrate_on_start: bool = True
    # --- accounts ---
    session_ttl_seconds: int = 12 * 3600
    login_max_failures_per_account: int = 5
    login_max_failures_per_ip: int = 20
    login_failure_window_seconds: int = 900
    argon2_time_cost: int = 3
    argon2_memory_kib: int = 65536
    argon2_parallelism: int = 4
    session_check_seconds: float = 60.0  # safety net: sockets re-read their session this often (revocation is pushed)
    # --- HTTP and Socket.IO ---
    max_body_bytes: int = 1024 * 1024
    cors_origins: tuple[str, ...] = ()  # empty: same origin only
    trusted_proxies: tuple[str, ...] = ()  # addresses whose X-Forwarded-For is believed (a reverse proxy)
    socket_ping_interval_seconds: int = 20
    socket_ping_timeout_seconds: int = 20
    shutdown_grace_seconds: float = 10.0
    gc_thresholds: tuple[int, ...] = (50_000, 20, 100)  # Python's cyclic GC (gen0, gen1, gen2); default 700,10,10
    # --- chat (rooms) ---
    chat_max_text_chars: int = 4000
    chat_edit_window_seconds: int = 15 * 60
    chat_rate_per_second: float = 5.0
    chat_rate_burst: int = 20
    chat_max_rooms_per_connection: int = 50
    chat_typing_interval_seconds: float = 3.0
    chat_access_recheck_seconds: float = 30.0  # a joined socket re-checks its room access at least this often
    moderation: str = "on"  # on: the moderation pipeline screens chat; off: rooms.filters.AllowEverything
    moderation_settings_file: str = ""  # JSON {"default": {...}, "sites": {"<id>": {...}}}; docs/moderation.md
    # --- care ---
    screening_interval_months: tuple[int, ...] = field(default=(3, 6, 12))
    alert_escalation_seconds: int = 15 * 60
    alert_escalation_check_seconds: float = 30.0  # how often each process looks for overdue urgent alerts
    screening_battery: tuple[str, ...] = field(default=("dt", "hads", "phq9"))  # instruments due by schedule
    care_initial_step: int = 2  # step of a newly enrolled patient (2: the campus is open to all)
    care_instruments_dir: str | None = None  # FHIR Questionnaire *.json loaded for every site (licensed wording)
    # --- media ---
    ice_servers: tuple[str, ...] = ()  # e.g. stun:stun.example.org:3478,turn:user:pass@turn.example.org
    media_max_sessions: int = 20
    # This process's address as clients reach it directly (e.g. https://video-2.hospital.example). With
    # several processes, a client whose /live socket lands on a process that does not hold its session
    # is told this URL and reconnects there. Unset: such a client is refused until the session ends.
    public_url: str | None = None
    media_max_participants: int = 120
    media_max_participants_per_session: int = 13  # a psychologist and 12 patients
    media_bind_addresses: tuple[str, ...] = ()  # host addresses ICE binds to; empty: every interface but loopback
    media_udp_port_range: tuple[int, ...] = ()  # "first,last" (inclusive) for host candidates; empty: ephemeral
    media_ice_consent_interval_seconds: float = 5.0  # a vanished client is dropped after about
    media_ice_consent_failures: int = 6  # interval x failures seconds (RFC 7675 consent freshness)

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None, **overrides: Any) -> Config:
        env = os.environ if environ is None else environ
        values: dict[str, Any] = {}
        for f in fields(cls):
            raw = env.get(_env_name(f.name))
            if raw is None or raw == "":
                continue
            kind: Any = f.type
            if isinstance(kind, str) and kind.startswith(("str | None",)):
                kind = str
            values[f.name] = _convert(f.name, raw, kind)
        values.update(overrides)
        return cls(**values)

    @property
    def embedded_pg_dir(self) -> Path:
        return self.data_dir / "pg"

    @property
    def socketio_channel(self) -> str:
        return f"{self.redis_prefix}:socketio"


def documented_settings() -> list[tuple[str, str]]:
    """(environment variable, default) pairs, for the README table and `oncommun serve --help`."""
    defaults = Config()
    return [(_env_name(f.name), repr(getattr(defaults, f.name))) for f in fields(Config)]
