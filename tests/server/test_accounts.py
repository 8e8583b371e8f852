"""Login, throttling, tokens and the admin endpoints, over real HTTP with real Postgres."""

from __future__ import annotations

import asyncio

import aiohttp

from server.accounts import hash_token
from tests.conftest import TEST_PASSWORD, RunningServer, ServerFactory, UserFactory


async def login(
    http: aiohttp.ClientSession, url: str, username: str, password: str, ip: str | None = None
) -> aiohttp.ClientResponse:
    headers = {"X-Forwarded-For": ip} if ip else {}
    return await http.post(f"{url}/api/auth/login", json={"username": username, "password": password}, headers=headers)


async def test_a_demo_style_user_logs_in_and_sees_role_site_and_language(
    server: RunningServer, http: aiohttp.ClientSession, make_user: UserFactory, default_site: int
) -> None:
    user = await make_user("psychologist", language="pl")
    async with http.get(f"{server.url}/api/me", headers=user.headers) as response:
        assert response.status == 200
        me = await response.json()
    assert me["roles"] == ["psychologist"]
    assert me["language"] == "pl"
    assert me["site"]["id"] == default_site


async def test_a_wrong_password_is_refused_without_saying_which_part_was_wrong(
    server: RunningServer, http: aiohttp.ClientSession, make_user: UserFactory
) -> None:
    user = await make_user(login=False)
    async with await login(http, server.url, user.username, "not the password") as wrong_password:
        assert wrong_password.status == 401
        body_a = await wrong_password.json()
    async with await login(http, server.url, "nobody-" + user.username, TEST_PASSWORD) as unknown_user:
        body_b = await unknown_user.json()
    assert body_a == body_b == {"error": {"code": "unauthenticated", "message": "Wrong username or password."}}


async def test_the_token_is_stored_only_as_a_hash(server: RunningServer, make_user: UserFactory) -> None:
    user = await make_user()
    rows = await server.services.pool.fetch("SELECT token_hash FROM auth_sessions WHERE user_id = $1", user.id)
    assert [bytes(r["token_hash"]) for r in rows] == [hash_token(user.token)]
    assert len(user.token) >= 43  # 256 bits in url-safe base64


async def test_repeated_failures_on_one_account_get_429_with_retry_after(
    server_factory: ServerFactory, http: aiohttp.ClientSession, make_user: UserFactory
) -> None:
    strict = await server_factory(login_max_failures_per_account=3, login_failure_window_seconds=60)
    user = await make_user(login=False)
    for _ in range(3):
        async with await login(http, strict.url, user.username, "nope nope nope") as response:
            assert response.status == 401
    async with await login(http, strict.url, user.username, TEST_PASSWORD) as throttled:
        assert throttled.status == 429
        assert 1 <= int(throttled.headers["Retry-After"]) <= 60
        assert (await throttled.json())["error"]["code"] == "rate_limited"


async def test_failures_from_one_address_across_accounts_are_throttled(
    server_factory: ServerFactory, http: aiohttp.ClientSession, make_user: UserFactory
) -> None:
    strict = await server_factory(
        login_max_failures_per_ip=4, login_max_failures_per_account=100, trusted_proxies=("127.0.0.1",)
    )
    users = [await make_user(login=False) for _ in range(5)]
    statuses = []
    for user in users:
        async with await login(http, strict.url, user.username, "wrong wrong wrong", ip="203.0.113.7") as response:
            statuses.append(response.status)
    assert statuses == [401, 401, 401, 401, 429]
    async with await login(http, strict.url, users[0].username, TEST_PASSWORD, ip="203.0.113.8") as elsewhere:
        assert elsewhere.status == 200  # another address is not punished


async def test_a_password_hashed_with_old_parameters_is_rehashed_at_login(
    server_factory: ServerFactory, http: aiohttp.ClientSession, make_user: UserFactory
) -> None:
    user = await make_user(login=False)  # hashed with the fast test parameters
    stronger = await server_factory(argon2_time_cost=2, argon2_memory_kib=16384, argon2_parallelism=1)
    before = await stronger.services.pool.fetchval("SELECT password_hash FROM users WHERE id = $1", user.id)
    async with await login(http, stronger.url, user.username, TEST_PASSWORD) as response:
        assert response.status == 200
    after = await stronger.services.pool.fetchval("SELECT password_hash FROM users WHERE id = $1", user.id)
    assert before.startswith("$argon2id$") and "m=8192,t=1" in before
    assert "m=16384,t=2" in after


async def test_an_expired_token_is_refused(
    server_factory: ServerFactory, http: aiohttp.ClientSession, make_user: UserFactory
) -> None:
    short = await server_factory(session_ttl_seconds=1)
    user = await make_user(login=False)
    async with await login(http, short.url, user.username, TEST_PASSWORD) as response:
        token = (await response.json())["token"]
    async with http.get(f"{short.url}/api/me", headers={"Authorization": f"Bearer {token}"}) as fresh:
        assert fresh.status == 200
    await asyncio.sleep(1.2)
    async with http.get(f"{short.url}/api/me", headers={"Authorization": f"Bearer {token}"}) as stale:
        assert stale.status == 401
        assert (await stale.json())["error"]["code"] == "unauthenticated"


async def test_logout_revokes_the_token(
    server: RunningServer, http: aiohttp.ClientSession, make_user: UserFactory
) -> None:
    user = await make_user()
    async with http.post(f"{server.url}/api/auth/logout", headers=user.headers) as response:
        assert response.status == 200
    async with http.get(f"{server.url}/api/me", headers=user.headers) as after:
        assert after.status == 401


async def test_an_admin_revokes_a_users_sessions(
    server: RunningServer, http: aiohttp.ClientSession, make_user: UserFactory
) -> None:
    admin = await make_user("admin")
    patient = await make_user()
    async with http.post(
        f"{server.url}/api/admin/users/{patient.id}/revoke-sessions", headers=admin.headers
    ) as response:
        assert response.status == 200
        assert (await response.json())["revoked"] == 1
    async with http.get(f"{server.url}/api/me", headers=patient.headers) as after:
        assert after.status == 401


async def test_only_admins_reach_the_admin_endpoints(
    server: RunningServer, http: aiohttp.ClientSession, make_user: UserFactory
) -> None:
    target = await make_user()
    for role in ("patient", "mentor", "psychologist"):
        someone = await make_user(role)
        async with http.get(f"{server.url}/api/admin/users", headers=someone.headers) as listing:
            assert listing.status == 403, role
        async with http.put(
            f"{server.url}/api/admin/users/{target.id}/roles", json={"roles": ["admin"]}, headers=someone.headers
        ) as escalate:
            assert escalate.status == 403, role
            assert (await escalate.json())["error"]["code"] == "forbidden"
    async with http.get(f"{server.url}/api/admin/users") as anonymous:
        assert anonymous.status == 401


async def test_an_admin_creates_a_user_and_assigns_roles(
    server: RunningServer, http: aiohttp.ClientSession, make_user: UserFactory
) -> None:
    admin = await make_user("admin")
    new = {"username": "new.patient.x1", "password": "a long enough password", "roles": ["patient"], "language": "pt"}
    async with http.post(f"{server.url}/api/admin/users", json=new, headers=admin.headers) as created:
        assert created.status == 201
        user = (await created.json())["user"]
    assert user["site_id"] == admin.person.site_id and user["language"] == "pt"
    async with http.put(
        f"{server.url}/api/admin/users/{user['id']}/roles", json={"roles": ["mentor"]}, headers=admin.headers
    ) as promoted:
        assert (await promoted.json())["user"]["roles"] == ["mentor", "patient"]
    async with http.post(f"{server.url}/api/admin/users", json=new, headers=admin.headers) as duplicate:
        assert duplicate.status == 409


async def test_an_admin_cannot_touch_users_of_another_site(
    server: RunningServer, http: aiohttp.ClientSession, make_user: UserFactory, make_site: object
) -> None:
    other_site = await make_site()  # type: ignore[operator]
    admin_elsewhere = await make_user("admin", site_id=other_site)
    patient = await make_user()
    async with http.put(
        f"{server.url}/api/admin/users/{patient.id}/roles", json={"roles": ["admin"]}, headers=admin_elsewhere.headers
    ) as response:
        assert response.status == 404
