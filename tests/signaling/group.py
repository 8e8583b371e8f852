"""A therapy group for live-session tests: a psychologist, two patients, a therapy room and a session."""

from __future__ import annotations

import asyncio
import secrets
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import aiohttp

from care.people import Step
from loadtests.live_client import LiveClient
from rooms.model import MemberRole, RoomKind
from tests.conftest import RunningServer, TestUser, UserFactory

# A vanished client is noticed after about 0.5 s x 3 instead of 30 s.
FAST_ICE = {"media_ice_consent_interval_seconds": 0.5, "media_ice_consent_failures": 3}
ICE_TIMEOUT = 0.5 * 3

ClientFactory = Callable[..., Awaitable[LiveClient]]


@dataclass
class Group:
    psychologist: TestUser
    patients: list[TestUser]
    outsider: TestUser  # a patient of the same site who is not in the group
    room_id: int
    session_id: int


async def schedule(server: RunningServer, http: aiohttp.ClientSession, host: TestUser, room_id: int,
                   title: str = "Thursday group") -> int:
    starts_at = (datetime.now(UTC) + timedelta(minutes=5)).isoformat()
    async with http.post(f"{server.url}/api/rooms/{room_id}/live-sessions", headers=host.headers,
                         json={"title": title, "starts_at": starts_at, "duration_minutes": 60}) as response:
        assert response.status == 201, await response.text()
        return int((await response.json())["session"]["id"])


async def at_step(server: RunningServer, user: TestUser, step: Step = Step.GROUP_THERAPY) -> TestUser:
    """Group therapy is step 4 of care: a patient's step is set as a psychologist would."""
    await server.services.care.set_step(user.id, step, decided_by=None, reason="test", kind="manual")
    return user


async def make_group(server: RunningServer, http: aiohttp.ClientSession, make_user: UserFactory,
                     patients: int = 2) -> Group:
    psychologist = await make_user("psychologist")
    members = [await at_step(server, await make_user("patient")) for _ in range(patients)]
    outsider = await at_step(server, await make_user("patient"))
    room = await server.services.rooms.create_room(
        psychologist.person, RoomKind.THERAPY, Step.GROUP_THERAPY, f"Group {secrets.token_hex(3)}",
        [(p.id, MemberRole.MEMBER) for p in members],
    )
    session_id = await schedule(server, http, psychologist, room.id)
    return Group(psychologist, members, outsider, room.id, session_id)


async def eventually(predicate: Callable[[], object], timeout: float = 10.0) -> bool:  # noqa: ASYNC109
    """Poll until ``predicate()`` is true: behaviour over real sockets and real RTP takes real time."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while loop.time() < deadline:
        if predicate():
            return True
        await asyncio.sleep(0.05)
    return bool(predicate())
