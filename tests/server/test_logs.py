"""Logs are structured, carry request ids, and never carry passwords or tokens."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import subprocess
import sys

import aiohttp

from server.logs import configure_logging
from tests.conftest import TEST_PASSWORD, UserFactory, free_port


async def test_a_login_leaves_json_lines_with_request_ids_and_no_secrets(
    database_url: str, make_user: UserFactory
) -> None:
    user = await make_user(login=False)
    port = free_port()
    env = {**os.environ, "DATABASE_URL": database_url, "ONCOMMUN_PORT": str(port), "ONCOMMUN_LOG_FORMAT": "json"}
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "server.cli", "serve", env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
    )
    url = f"http://127.0.0.1:{port}"
    token = ""
    try:
        async with aiohttp.ClientSession() as http:
            for _ in range(300):
                try:
                    async with http.get(f"{url}/readyz") as ready:
                        if ready.status == 200:
                            break
                except aiohttp.ClientError:
                    await asyncio.sleep(0.1)
            async with http.post(
                f"{url}/api/auth/login", json={"username": user.username, "password": "Wrong-Pass-123"}
            ):
                pass
            async with http.post(
                f"{url}/api/auth/login", json={"username": user.username, "password": TEST_PASSWORD}
            ) as ok:
                token = (await ok.json())["token"]
            async with http.get(f"{url}/api/me", headers={"Authorization": f"Bearer {token}"}):
                pass
    finally:
        process.send_signal(signal.SIGTERM)
        _, stderr = await asyncio.wait_for(process.communicate(), 30)
    text = stderr.decode()
    assert token and token not in text
    assert TEST_PASSWORD not in text and "Wrong-Pass-123" not in text
    lines = [json.loads(line) for line in text.splitlines() if line.startswith("{")]
    requests = [line for line in lines if line.get("event") == "http_request"]
    assert len(requests) >= 3
    assert all(line.get("request_id") for line in requests)
    assert any(line.get("event") == "login_succeeded" and line.get("user_id") == user.id for line in lines)


def test_fields_named_like_content_are_redacted() -> None:
    import io
    import logging

    import structlog

    stream = io.StringIO()
    configure_logging("json", "info", stream=stream)
    try:
        structlog.get_logger("t").info("message_sent", text="I feel awful", token="abc", room_id=7)
    finally:
        structlog.reset_defaults()
        logging.getLogger().handlers.clear()
    record = json.loads(stream.getvalue().strip().splitlines()[-1])
    assert record["text"] == "[redacted]" and record["token"] == "[redacted]" and record["room_id"] == 7
    assert "I feel awful" not in stream.getvalue()
