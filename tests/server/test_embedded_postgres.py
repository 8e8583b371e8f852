"""With no DATABASE_URL, `oncommun serve` starts its own Postgres from an empty directory."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
from pathlib import Path

import aiohttp

from tests.conftest import free_port


async def _wait_ready(http: aiohttp.ClientSession, url: str, process: asyncio.subprocess.Process) -> None:
    for _ in range(600):
        if process.returncode is not None:
            raise AssertionError("the server exited early")
        try:
            async with http.get(f"{url}/readyz") as response:
                if response.status == 200:
                    return
        except aiohttp.ClientError:
            pass
        await asyncio.sleep(0.1)
    raise AssertionError("the server never became ready")


async def test_serve_with_demo_starts_embedded_postgres_and_keeps_data_across_restarts(tmp_path: Path) -> None:
    port = free_port()
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "REDIS_URL")}
    env.update(
        {
            "ONCOMMUN_DATA_DIR": str(tmp_path / "var"),
            "ONCOMMUN_PORT": str(port),
            "ONCOMMUN_LOG_FORMAT": "json",
            "ONCOMMUN_ARGON2_MEMORY_KIB": "8192",
            "ONCOMMUN_ARGON2_TIME_COST": "1",
        }
    )
    url = f"http://127.0.0.1:{port}"
    login = {"username": "patient.laia", "password": "oncommun-demo"}
    async with aiohttp.ClientSession() as http:
        for run in range(2):
            args = ["-m", "server.cli", "serve"] + (["--demo"] if run == 0 else [])
            process = await asyncio.create_subprocess_exec(
                sys.executable, *args, env=env, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL
            )
            try:
                await _wait_ready(http, url, process)
                async with http.post(f"{url}/api/auth/login", json=login) as response:
                    assert response.status == 200, f"run {run}"
                    token = (await response.json())["token"]
                async with http.get(f"{url}/api/me", headers={"Authorization": f"Bearer {token}"}) as me:
                    assert (await me.json())["roles"] == ["patient"]
            finally:
                process.send_signal(signal.SIGTERM)
                stdout, _ = await asyncio.wait_for(process.communicate(), 30)
            assert process.returncode == 0
            if run == 0:
                assert b"patient.laia" in stdout  # the demo logins were printed
    assert (tmp_path / "var" / "pg" / "PG_VERSION").exists()
    # Stop the embedded server this test started, so it does not outlive the test run.
    import pgserver

    pgserver.get_server(tmp_path / "var" / "pg", cleanup_mode="stop").cleanup()
