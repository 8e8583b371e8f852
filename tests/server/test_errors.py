"""Every bad input gets the one error shape, a stable code, and never a stack trace."""

from __future__ import annotations

import aiohttp
import pytest

from tests.conftest import RunningServer, UserFactory


@pytest.mark.parametrize(
    ("body", "content_type", "status", "code"),
    [
        (b"{not json", "application/json", 400, "invalid_json"),
        (b"[1, 2]", "application/json", 400, "bad_request"),
        (b'{"username": 5, "password": "x"}', "application/json", 400, "bad_request"),
        (b'{"username": "a"}', "application/json", 400, "bad_request"),
        (b"username=a", "application/x-www-form-urlencoded", 400, "bad_request"),
        (b"\xff\xfe", "application/json", 400, "invalid_json"),
    ],
)
async def test_malformed_login_bodies_get_a_400_with_a_stable_code(
    server: RunningServer, http: aiohttp.ClientSession, body: bytes, content_type: str, status: int, code: str
) -> None:
    async with http.post(f"{server.url}/api/auth/login", data=body, headers={"Content-Type": content_type}) as response:
        assert response.status == status
        payload = await response.json()
    assert payload["error"]["code"] == code
    assert isinstance(payload["error"]["message"], str) and payload["error"]["message"]
    assert "Traceback" not in str(payload)


async def test_an_oversized_body_gets_413_in_the_same_shape(server: RunningServer, http: aiohttp.ClientSession) -> None:
    huge = b'{"username": "' + b"a" * (server.services.config.max_body_bytes + 10) + b'"}'
    async with http.post(
        f"{server.url}/api/auth/login", data=huge, headers={"Content-Type": "application/json"}
    ) as response:
        assert response.status == 413
        assert (await response.json())["error"]["code"] == "payload_too_large"


async def test_unknown_paths_and_methods_use_the_error_shape(
    server: RunningServer, http: aiohttp.ClientSession
) -> None:
    async with http.get(f"{server.url}/api/nothing-here") as missing:
        assert missing.status == 404
        assert (await missing.json())["error"]["code"] == "not_found"
    async with http.delete(f"{server.url}/api/auth/login") as wrong_method:
        assert wrong_method.status == 405
        assert (await wrong_method.json())["error"]["code"] == "method_not_allowed"


async def test_a_garbage_bearer_token_is_401_not_500(server: RunningServer, http: aiohttp.ClientSession) -> None:
    for header in ("Bearer ", "Bearer " + "x" * 5000, "Basic abc", "Bearer \u00e9\u00e9"):
        async with http.get(f"{server.url}/api/me", headers={"Authorization": header}) as response:
            assert response.status == 401, header
            assert (await response.json())["error"]["code"] == "unauthenticated"


async def test_errors_reach_a_user_in_their_language(
    server: RunningServer, http: aiohttp.ClientSession, make_user: UserFactory
) -> None:
    for language, expected in (("ca", "No teniu permís per fer això."), ("pl", "Nie masz uprawnień, aby to zrobić.")):
        patient = await make_user(language=language)
        async with http.get(f"{server.url}/api/admin/users", headers=patient.headers) as response:
            assert (await response.json())["error"] == {"code": "forbidden", "message": expected}


async def test_health_and_readiness(server: RunningServer, http: aiohttp.ClientSession) -> None:
    async with http.get(f"{server.url}/healthz") as health:
        assert health.status == 200
    async with http.get(f"{server.url}/readyz") as ready:
        assert ready.status == 200
        assert (await ready.json())["status"] == "ready"
