"""Every moderation effect reaches clients connected to another server process, through Redis.

Two real `oncommun serve` processes share Postgres and Redis; the moderator acts on one, the members sit
on the other.
"""

from __future__ import annotations

import secrets
from collections.abc import AsyncIterator

import pytest

from tests.conftest import RedisServer, TestUser
from tests.rooms.conftest import ClientFactory, PatientFactory, RoomFactory, error_code
from tests.rooms.processes import ServerProcess, start_server_process


@pytest.fixture(scope="module")
async def two_processes(
    database_url: str, redis_server: RedisServer, redis_prefix: str
) -> AsyncIterator[tuple[ServerProcess, ServerProcess]]:
    prefix = f"{redis_prefix}-mod-{secrets.token_hex(3)}"
    a = await start_server_process(database_url, redis_server.url, prefix)
    b = await start_server_process(database_url, redis_server.url, prefix)
    yield a, b
    a.stop()
    b.stop()


async def test_every_moderation_effect_reaches_a_member_on_the_other_process(
    two_processes: tuple[ServerProcess, ServerProcess],
    patient_at: PatientFactory,
    make_room: RoomFactory,
    chat_client: ClientFactory,
    psychologist: TestUser,
) -> None:
    a, b = two_processes
    room = await make_room("community", 3)
    staff = await chat_client(psychologist, a.url)
    mentor_user = await patient_at(3, "patient", "mentor")
    assert "error" not in await staff.call("mod_assign", {"room": room.id, "user": mentor_user.id})
    mentor = await chat_client(mentor_user, a.url)
    member_user, author_user = await patient_at(3), await patient_at(3, language="es")
    member, author = await chat_client(member_user, b.url), await chat_client(author_user, b.url)
    for client in (staff, mentor, member, author):
        assert "error" not in await client.join(room.id)
    for client in (member, author):
        for event in ("muted", "pins", "slow_mode", "crisis_reply"):
            client.sio.on(event, lambda data, c=client, e=event: c.events[e].append(data))
    mentor.sio.on("mod_queue_item", lambda data: mentor.events["queue"].append(data))

    # A hidden message disappears for the member on process B.
    sent = await author.send(room.id, "a rude remark")
    await member.wait_until(lambda: sent["id"] in member.rooms[room.id].messages)
    assert "error" not in await mentor.call("mod_hide", {"message": sent["id"]})
    await member.wait_until(lambda: member.rooms[room.id].messages[sent["id"]]["text"] is None)

    # Pins and slow mode are announced to the room.
    kept = await author.send(room.id, "a useful tip")
    await mentor.wait_until(lambda: kept["id"] in mentor.rooms[room.id].messages)
    assert "error" not in await mentor.call("mod_pin", {"message": kept["id"]})
    await member.wait_until(lambda: member.events["pins"] == [{"room": room.id, "messages": [kept["id"]]}])
    assert "error" not in await mentor.call("mod_slow_mode", {"room": room.id, "seconds": 30})
    await member.wait_until(lambda: member.events["slow_mode"] == [{"room": room.id, "seconds": 30}])
    assert "error" not in await staff.call("mod_slow_mode", {"room": room.id, "seconds": 0})

    # A mute set on A refuses sends on B, and tells the member.
    assert "error" not in await mentor.call("mod_mute", {"room": room.id, "user": member_user.id, "minutes": 3})
    await member.wait_until(lambda: member.events["muted"] != [])
    assert error_code(await member.send(room.id, "hello?")) == "muted"

    # A report made on B reaches the mentor's queue on A.
    report = await author.call("report", {"message": kept["id"], "reason": "other"})
    await mentor.wait_until(lambda: any(i["id"] == report["item"] for i in mentor.events["queue"]))

    # A crisis message on B: the reply reaches its author only, the held message the moderators only.
    crisis = await author.send(room.id, "ya no quiero vivir más")
    assert crisis["visibility"] == "held"
    await author.wait_until(lambda: author.events["crisis_reply"] != [])
    await mentor.wait_until(lambda: crisis["id"] in mentor.rooms[room.id].messages)
    assert member.events["crisis_reply"] == [] and crisis["id"] not in member.rooms[room.id].messages

    # A removal on A takes the member's socket on B out of the room.
    assert "error" not in await mentor.call("mod_remove", {"room": room.id, "user": member_user.id, "minutes": 30})
    await member.wait_until(lambda: any(e["room"] == room.id for e in member.events["room_left"]))
