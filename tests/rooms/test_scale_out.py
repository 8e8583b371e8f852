"""Two real server processes joined by Redis: messages, presence, rate limits and lost access cross over."""

from __future__ import annotations

import secrets
from collections.abc import AsyncIterator

import aiohttp
import pytest

from care.people import Step
from server.demo import DEMO_PASSWORD, seed_demo
from tests.conftest import RedisServer, RunningServer, ServerFactory, TestUser
from tests.rooms.chat_client import ChatClient
from tests.rooms.conftest import ClientFactory, PatientFactory, RoomFactory, error_code
from tests.rooms.processes import ServerProcess, start_server_process


@pytest.fixture(scope="module")
def prefix(redis_prefix: str) -> str:
    return f"{redis_prefix}-{secrets.token_hex(3)}"


@pytest.fixture(scope="module")
async def two_processes(
    database_url: str, redis_server: RedisServer, prefix: str
) -> AsyncIterator[tuple[ServerProcess, ServerProcess]]:
    settings = {"chat_rate_per_second": "0.2", "chat_rate_burst": "6"}
    a = await start_server_process(database_url, redis_server.url, prefix, **settings)
    b = await start_server_process(database_url, redis_server.url, prefix, **settings)
    yield a, b
    a.stop()
    b.stop()


async def test_a_member_on_one_process_receives_what_is_sent_through_the_other(
    two_processes: tuple[ServerProcess, ServerProcess],
    patient_at: PatientFactory,
    make_room: RoomFactory,
    chat_client: ClientFactory,
) -> None:
    a, b = two_processes
    room = await make_room("community", 3)
    alice, bob = await chat_client(await patient_at(3), a.url), await chat_client(await patient_at(3), b.url)
    for client in (alice, bob):
        await client.join(room.id)
    sent = [await bob.send(room.id, "from B"), await alice.send(room.id, "from A"), await bob.send(room.id, "B again")]
    seqs = [ack["seq"] for ack in sent]
    for client in (alice, bob):
        await client.wait_until(lambda c=client: c.seqs(room.id) == seqs)
        assert client.texts(room.id) == ["from B", "from A", "B again"]


async def test_presence_is_the_same_seen_from_either_process(
    two_processes: tuple[ServerProcess, ServerProcess],
    patient_at: PatientFactory,
    make_room: RoomFactory,
    chat_client: ClientFactory,
) -> None:
    a, b = two_processes
    alice_user, bob_user = await patient_at(4), await patient_at(4)
    room = await make_room("therapy", 4, [alice_user, bob_user])
    alice, bob = await chat_client(alice_user, a.url), await chat_client(bob_user, b.url)
    for client in (alice, bob):
        await client.join(room.id)
    await bob.call("presence", {"state": "away"})
    await alice.wait_until(lambda: {"room": room.id, "user": bob_user.id, "state": "away"} in alice.events["presence"])
    members = {m["id"]: m["presence"] for m in (await alice.call("members", {"room": room.id}))["members"]}
    assert members == {
        alice_user.id: "online",
        bob_user.id: "away",
        room_owner(members, alice_user.id, bob_user.id): "offline",
    }


def room_owner(members: dict[int, str], *patients: int) -> int:
    [owner] = [user for user in members if user not in patients]
    return owner


async def test_the_rate_limit_is_shared_by_both_processes(
    two_processes: tuple[ServerProcess, ServerProcess],
    patient_at: PatientFactory,
    make_room: RoomFactory,
    chat_client: ClientFactory,
) -> None:
    a, b = two_processes
    room = await make_room("community", 3)
    patient = await patient_at(3)
    on_a, on_b = await chat_client(patient, a.url), await chat_client(patient, b.url)
    for client in (on_a, on_b):
        await client.join(room.id)
    codes = [error_code(await client.send(room.id, f"n{n}")) for n in range(4) for client in (on_a, on_b)]
    assert codes.count(None) == 6  # the burst, wherever it was spent
    assert codes[6:] == ["rate_limited", "rate_limited"]


async def test_a_step_down_on_one_process_takes_the_patient_out_on_the_other(
    two_processes: tuple[ServerProcess, ServerProcess],
    server_factory: ServerFactory,
    redis_server: RedisServer,
    prefix: str,
    patient_at: PatientFactory,
    make_room: RoomFactory,
    chat_client: ClientFactory,
) -> None:
    _, b = two_processes
    third = await server_factory(redis_url=redis_server.url, redis_prefix=prefix)  # where the psychologist acts
    patient = await patient_at(4)
    therapy = await make_room("therapy", 4, [patient])
    client = await chat_client(patient, b.url)
    await client.join(therapy.id)
    await third.services.care.set_step(patient.id, Step(3), decided_by=None, reason="test")
    await client.wait_until(lambda: client.events["room_left"])
    assert client.events["room_left"][0]["reason"] == "step_changed"
    assert error_code(await client.send(therapy.id, "still here?")) == "not_joined"


async def test_demo_patients_chat_in_the_step_3_community_across_processes_and_catch_up_after_a_cut(
    two_processes: tuple[ServerProcess, ServerProcess],
    server: RunningServer,
    http: aiohttp.ClientSession,
    chat_client: ClientFactory,
) -> None:
    """The issue's "done when": demo users, two processes joined by Redis, a disconnect, exact catch-up."""
    a, b = two_processes
    await seed_demo(server.services)
    users = {}
    for username in ("patient.laia", "patient.ines"):
        async with http.post(
            f"{server.url}/api/auth/login", json={"username": username, "password": DEMO_PASSWORD}
        ) as response:
            body = await response.json()
        person = await server.services.accounts.person(body["user"]["id"])
        users[username] = TestUser(person, username, DEMO_PASSWORD, body["token"])
    async with http.get(f"{server.url}/api/rooms", headers=users["patient.laia"].headers) as response:
        rooms = {room["name"]: room for room in (await response.json())["rooms"]}
    community = rooms["Community: peer support"]["id"]
    assert "Therapy group (Thursdays)" not in rooms  # Laia is at step 3

    laia, ines = await chat_client(users["patient.laia"], a.url), await chat_client(users["patient.ines"], b.url)
    for client in (laia, ines):
        await client.join(community)
    hello = await laia.send(community, "Hola! Com esteu avui?")
    await ines.wait_until(lambda: hello["id"] in ines.rooms[community].messages)

    await laia.close()  # the train goes into a tunnel
    missed = [await ines.send(community, f"Missatge {n}") for n in range(3)]
    back = ChatClient(b.url, users["patient.laia"].token)  # reconnects through the other process
    back.rooms = laia.rooms
    await back.connect()
    try:
        caught = (await back.catch_up())["rooms"][str(community)]
        assert [m["id"] for m in caught["messages"]] == [m["id"] for m in missed]
        assert back.texts(community)[-4:] == ["Hola! Com esteu avui?", "Missatge 0", "Missatge 1", "Missatge 2"]
    finally:
        await back.close()
