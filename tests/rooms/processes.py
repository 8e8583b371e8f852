"""Real server processes (`python -m server.cli serve`) and a Redis of our own, for the scale-out tests."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import aiohttp

from tests.conftest import free_port, launch_redis_server

ROOT = Path(__file__).resolve().parents[2]


@dataclass
class ServerProcess:
    url: str
    process: subprocess.Popen[bytes]
    log: Path

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(5)

    def log_tail(self, lines: int = 30) -> str:
        return "\n".join(self.log.read_text(errors="replace").splitlines()[-lines:])


def _spawn(port: int, env: dict[str, str]) -> ServerProcess:
    log = Path(tempfile.mkstemp(prefix=f"oncommun-{port}-", suffix=".log")[1])
    with log.open("wb") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "server.cli", "serve"], cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT
        )
    return ServerProcess(f"http://127.0.0.1:{port}", process, log)


async def start_server_process(database_url: str, redis_url: str, prefix: str, **settings: str) -> ServerProcess:
    port = free_port()
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "REDIS_URL": redis_url,
        "ONCOMMUN_REDIS_PREFIX": prefix,
        "ONCOMMUN_PORT": str(port),
        "ONCOMMUN_HOST": "127.0.0.1",
        "ONCOMMUN_LOG_FORMAT": "json",
        **{f"ONCOMMUN_{k.upper()}": v for k, v in settings.items()},
    }
    server = _spawn(port, env)
    process = server.process
    deadline = time.monotonic() + 60
    async with aiohttp.ClientSession() as http:
        while time.monotonic() < deadline:
            if process.poll() is not None:
                raise RuntimeError(f"server process exited:\n{server.log_tail()}")
            try:
                async with http.get(f"{server.url}/readyz") as response:
                    if response.status == 200:
                        return server
            except aiohttp.ClientError:
                pass
            await asyncio.sleep(0.2)
    server.stop()
    raise RuntimeError(f"server process did not become ready:\n{server.log_tail()}")


@dataclass
class OwnRedis:
    """A redis-server only this test uses, on its own port, so it may be stopped and started again."""

    port: int
    process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        self.process = launch_redis_server(self.port)

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.kill()
            self.process.wait(5)
        self.process = None


def own_redis() -> OwnRedis:
    redis = OwnRedis(free_port())
    redis.start()
    return redis
