"""Socket.IO connections authenticate with their token; without one they are refused with a reason."""

from __future__ import annotations

import asyncio

import aiohttp
import pytest
import socketio

from tests.conftest import RedisServer, RunningServer, ServerFactory, SocketFactory, UserFactory


async def test_a_socket_with_a_valid_token_connects(
    server: RunningServer, make_user: UserFactory, connect_socket: SocketFactory
) -> None:
    user = await make_user()
    client = await connect_socket(server.url, user.token)
    assert client.connected


@pytest.mark.parametrize("token", [None, "", "not-a-token", "x" * 500])
async def test_a_socket_without_a_valid_token_is_refused_with_a_reason(
    server: RunningServer, connect_socket: SocketFactory, token: str | None
) -> None:
    client = socketio.AsyncClient(reconnection=False)
    reasons: list[object] = []
    client.on("connect_error", reasons.append)
    with pytest.raises(socketio.exceptions.ConnectionError):
        await client.connect(server.url, auth={"token": token}, transports=["websocket"], wait_timeout=5)
    assert len(reasons) == 1
    assert reasons[0]["message"] == "unauthenticated"  # type: ignore[index]
    assert reasons[0]["data"]["error"]["code"] == "unauthenticated"  # type: ignore[index]


async def test_logging_out_disconnects_the_sessions_sockets_with_a_reason(
    server: RunningServer, http: aiohttp.ClientSession, make_user: UserFactory, connect_socket: SocketFactory
) -> None:
    user = await make_user()
    client = await connect_socket(server.url, user.token)
    reasons: list[str] = []
    client.on("disconnect_reason", lambda data: reasons.append(data["reason"]))
    async with http.post(f"{server.url}/api/auth/logout", headers=user.headers) as response:
        assert response.status == 200
    for _ in range(50):
        if not client.connected:
            break
        await asyncio.sleep(0.05)
    assert not client.connected
    assert reasons == ["session_revoked"]


async def test_a_session_revoked_elsewhere_is_refused_at_its_next_event(
    server_factory: ServerFactory, make_user: UserFactory, connect_socket: SocketFactory
) -> None:
    """Another process revoked it: this process notices within session_check_seconds."""
    quick = await server_factory(session_check_seconds=0.0)
    user = await make_user()
    client = await connect_socket(quick.url, user.token)
    await quick.services.account_store.revoke_user_sessions(user.id, user.id)  # as another process would
    ack = await client.call("ping_session", {}, timeout=5)
    assert ack["error"]["code"] == "unauthenticated"


async def test_shutdown_tells_connected_clients_why(
    server_factory: ServerFactory, make_user: UserFactory, connect_socket: SocketFactory
) -> None:
    doomed = await server_factory()
    user = await make_user()
    client = await connect_socket(doomed.url, user.token)
    reasons: list[str] = []
    client.on("disconnect_reason", lambda data: reasons.append(data["reason"]))
    await doomed.stop()
    for _ in range(50):
        if not client.connected:
            break
        await asyncio.sleep(0.05)
    assert reasons == ["server_shutdown"]
    assert not client.connected


async def test_logging_out_on_one_process_closes_the_sessions_sockets_on_another_at_once(
    server_factory: ServerFactory,
    http: aiohttp.ClientSession,
    make_user: UserFactory,
    connect_socket: SocketFactory,
    redis_server: RedisServer,
    redis_prefix: str,
) -> None:
    """The periodic re-check is a safety net; the revocation itself travels through Redis."""
    shared = {"redis_url": redis_server.url, "redis_prefix": f"{redis_prefix}-revoke", "session_check_seconds": 3600}
    process_a = await server_factory(**shared)
    process_b = await server_factory(**shared)
    user = await make_user()
    client = await connect_socket(process_b.url, user.token)
    reasons: list[str] = []
    client.on("disconnect_reason", lambda data: reasons.append(data["reason"]))
    await asyncio.sleep(0.2)  # both processes are subscribed
    async with http.post(f"{process_a.url}/api/auth/logout", headers=user.headers) as response:
        assert response.status == 200
    for _ in range(50):
        if not client.connected:
            break
        await asyncio.sleep(0.05)
    assert not client.connected
    assert reasons == ["session_revoked"]


@pytest.mark.parametrize("configured", [(), ("https://app.hospital.example",)])
async def test_sockets_from_the_apps_own_origin_and_the_configured_ones_are_accepted_and_others_refused(
    server_factory: ServerFactory, http: aiohttp.ClientSession, configured: tuple[str, ...]
) -> None:
    """ONCOMMUN_CORS_ORIGINS adds origins: the app's own origin stays allowed (it was refused once a list
    was set, which broke a process that also serves other processes' web apps)."""
    server = await server_factory(cors_origins=configured)
    url = f"{server.url}/socket.io/?EIO=4&transport=websocket"

    async def handshake(origin: str) -> int:
        try:
            async with http.ws_connect(url, headers={"Origin": origin}) as ws:
                await ws.close()
                return 101
        except aiohttp.WSServerHandshakeError as refused:
            return refused.status

    assert await handshake(server.url) == 101
    assert await handshake("https://evil.example") == 400
    assert await handshake("https://app.hospital.example") == (101 if configured else 400)
