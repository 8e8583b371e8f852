"""Rooms test helpers: staff and patients at a step, rooms, and chat clients that clean up after themselves."""

from __future__ import annotations

import secrets
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import pytest

from care.people import Step
from rooms.model import MemberRole, Room, RoomKind
from tests.conftest import RunningServer, TestUser, UserFactory
from tests.rooms.chat_client import ChatClient

PatientFactory = Callable[..., Awaitable[TestUser]]
RoomFactory = Callable[..., Awaitable[Room]]
ClientFactory = Callable[..., Awaitable[ChatClient]]


@pytest.fixture(scope="session")
async def psychologist(make_user: UserFactory) -> TestUser:
    return await make_user("psychologist")


@pytest.fixture(scope="session")
async def patient_at(server: RunningServer, make_user: UserFactory) -> PatientFactory:
    """A logged-in patient whose care step is set through care, as a psychologist would."""

    async def factory(step: int, *roles: str, language: str = "en", site_id: int | None = None) -> TestUser:
        user = await make_user(*(roles or ("patient",)), language=language, site_id=site_id)
        await server.services.care.set_step(user.id, Step(step), decided_by=None, reason="test", kind="manual")
        return user

    return factory


@pytest.fixture(scope="session")
async def make_room(server: RunningServer, psychologist: TestUser) -> RoomFactory:
    async def factory(
        kind: str,
        step: int,
        members: list[TestUser] | None = None,
        *,
        by: TestUser | None = None,
        role: MemberRole = MemberRole.MEMBER,
    ) -> Room:
        creator = by or psychologist
        return await server.services.rooms.create_room(
            creator.person,
            RoomKind(kind),
            Step(step),
            f"{kind} {secrets.token_hex(4)}",
            [(m.id, role) for m in members or []],
        )

    return factory


@pytest.fixture
async def chat_client(server: RunningServer) -> AsyncIterator[ClientFactory]:
    clients: list[ChatClient] = []

    async def factory(user: TestUser, url: str | None = None) -> ChatClient:
        client = ChatClient(url or server.url, user.token)
        clients.append(client)
        return await client.connect()

    yield factory
    for client in clients:
        await client.close()


def error_code(ack: Any) -> str | None:
    return ack.get("error", {}).get("code") if isinstance(ack, dict) else None
