"""Helpers for care's HTTP tests: a fresh site per test, so alert and patient lists are the test's own."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import aiohttp
import pytest

from tests.conftest import RunningServer, TestUser, UserFactory


@dataclass
class Api:
    http: aiohttp.ClientSession
    base: str

    async def call(self, method: str, path: str, user: TestUser | None = None, **kw: Any) -> tuple[int, Any]:
        headers = dict(kw.pop("headers", {}))
        if user is not None:
            headers.update(user.headers)
        async with self.http.request(method, self.base + path, headers=headers, **kw) as response:
            if response.content_type in ("application/json", "application/fhir+json"):
                return response.status, await response.json(content_type=None)
            return response.status, await response.text()


@dataclass
class Clinic:
    """One hospital site with its psychologist and admin."""

    site_id: int
    psychologist: TestUser
    admin: TestUser
    make_user: UserFactory

    async def patient(self, language: str = "en") -> TestUser:
        return await self.make_user("patient", site_id=self.site_id, language=language)


@pytest.fixture
async def api(server: RunningServer, http: aiohttp.ClientSession) -> Api:
    return Api(http, server.url)


@pytest.fixture
async def clinic(make_site: Callable[..., Awaitable[int]], make_user: UserFactory) -> Clinic:
    site_id = await make_site()
    return Clinic(
        site_id,
        await make_user("psychologist", site_id=site_id),
        await make_user("admin", site_id=site_id),
        make_user,
    )


def phq9(*values: int, client_id: str | None = None) -> dict[str, Any]:
    body: dict[str, Any] = {"instrument": "phq9", "answers": {f"phq9-{n}": v for n, v in enumerate(values, 1)}}
    if client_id:
        body["client_id"] = client_id
    return body
