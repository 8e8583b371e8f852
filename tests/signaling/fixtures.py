"""Fixtures of live-session tests, shared by tests/signaling and tests/rooms/test_live_*.py."""

from __future__ import annotations

from collections.abc import AsyncIterator

import aiohttp
import pytest

from loadtests.live_client import LiveClient, MediaPeer
from media import aiortc_internals as internals
from tests.conftest import RunningServer, ServerFactory, TestUser, UserFactory
from tests.signaling.group import FAST_ICE, ClientFactory, Group, make_group


@pytest.fixture(scope="session")
async def live_server(server_factory: ServerFactory, server: RunningServer) -> RunningServer:
    """After the shared server: ICE consent timing is process-wide (aioice), the last server sets it."""
    return await server_factory(**FAST_ICE)


@pytest.fixture
async def group(live_server: RunningServer, http: aiohttp.ClientSession, make_user: UserFactory) -> Group:
    return await make_group(live_server, http, make_user)




@pytest.fixture
async def live_client(live_server: RunningServer) -> AsyncIterator[ClientFactory]:
    """Connected "/live" clients with aiortc media peers; all closed after the test."""
    clients: list[LiveClient] = []

    async def factory(user: TestUser, *, server: RunningServer | None = None, publish: bool = True,
                      trickle: bool = False, peer: MediaPeer | None = None) -> LiveClient:
        client = LiveClient(user.username, (server or live_server).url, user.token, publish=publish,
                            trickle=trickle, peer=peer)
        clients.append(client)
        await client.connect()
        return client

    yield factory
    for client in clients:
        await client.close()


@pytest.fixture
def fast_ice() -> None:
    """ICE consent timing is process-wide (aioice module settings) and every app start sets it: servers
    started by other tests since `live_server` may have put back the 30 s default. Put the fast one back."""
    internals.configure_ice(bind_addresses=(), consent_interval=FAST_ICE["media_ice_consent_interval_seconds"],
                            consent_failures=int(FAST_ICE["media_ice_consent_failures"]))
