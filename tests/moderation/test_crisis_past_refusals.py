"""A person in crisis is answered even when rooms would refuse their send: muted, slowed or rate-limited.

Over real sockets against the real server, Postgres and care. The crisis message is held (the author and
moderators see it, nobody else), the author gets the supportive reply, and a psychologist's socket gets
the urgent alert. Anything else the same person sends is refused exactly as before.
"""

from __future__ import annotations

import asyncio
from typing import Any

from rooms.model import Room
from tests.conftest import ServerFactory, TestUser
from tests.rooms.chat_client import ChatClient
from tests.rooms.conftest import ClientFactory, PatientFactory, RoomFactory, error_code

from .test_mentor_tools import community


def listen(client: ChatClient, *events: str) -> None:
    for event in events:
        client.sio.on(event, lambda data, c=client, e=event: c.events[e].append(data))


def crisis_alerts_about(staff: ChatClient, author: TestUser) -> list[dict[str, Any]]:
    return [a for a in staff.events["care:alert"] if a["patient_id"] == author.id and a["kind"] == "crisis_language"]


async def assert_held_answered_and_alerted(
    sent: dict[str, Any], room: Room, author: ChatClient, staff: ChatClient, author_user: TestUser,
    bystander: ChatClient,
) -> None:  # fmt: skip
    assert sent.get("visibility") == "held", sent
    await author.wait_until(lambda: author.events["crisis_reply"] != [])
    [reply] = author.events["crisis_reply"]
    assert reply["message"] == sent["id"]
    await staff.wait_until(lambda: crisis_alerts_about(staff, author_user) != [])
    [alert] = crisis_alerts_about(staff, author_user)
    assert (alert["severity"], alert["source_ref"]) == ("urgent", f"message:{sent['id']}")
    await author.wait_until(lambda: sent["id"] in author.rooms[room.id].messages)
    await staff.wait_until(lambda: sent["id"] in staff.rooms[room.id].messages)
    await asyncio.sleep(0.2)
    assert sent["id"] not in bystander.rooms[room.id].messages
    assert bystander.events["crisis_reply"] == []
    history = await bystander.call("history", {"room": room.id, "after": 0})
    assert sent["id"] not in [m["id"] for m in history["messages"]]


async def test_a_muted_member_in_crisis_is_held_answered_and_alerted_and_other_members_see_nothing(
    make_room: RoomFactory, patient_at: PatientFactory, chat_client: ClientFactory, psychologist: TestUser
) -> None:
    room, staff, mentor, bystander, _, _ = await community(make_room, patient_at, chat_client, psychologist)
    author_user = await patient_at(3, language="es")
    author = await chat_client(author_user)
    assert "error" not in await author.join(room.id)
    listen(author, "crisis_reply")
    listen(bystander, "crisis_reply")
    listen(staff, "care:alert")
    assert "until" in await mentor.call("mod_mute", {"room": room.id, "user": author_user.id, "minutes": 10})

    sent = await author.send(room.id, "no aguanto más, estoy pensando en suicidarme")
    await assert_held_answered_and_alerted(sent, room, author, staff, author_user, bystander)

    refused = await author.send(room.id, "¿alguien me lee?")
    assert error_code(refused) == "muted" and refused["error"]["details"]["retry_after"] > 0


async def test_a_slowed_member_in_crisis_is_held_answered_and_alerted(
    make_room: RoomFactory, patient_at: PatientFactory, chat_client: ClientFactory, psychologist: TestUser
) -> None:
    room, staff, mentor, bystander, _, _ = await community(make_room, patient_at, chat_client, psychologist)
    author_user = await patient_at(3, language="pl")
    author = await chat_client(author_user)
    assert "error" not in await author.join(room.id)
    listen(author, "crisis_reply")
    listen(bystander, "crisis_reply")
    listen(staff, "care:alert")
    assert (await mentor.call("mod_slow_mode", {"room": room.id, "seconds": 60}))["seconds"] == 60
    assert "error" not in await author.send(room.id, "dzień dobry")

    sent = await author.send(room.id, "nie chcę już żyć")
    await assert_held_answered_and_alerted(sent, room, author, staff, author_user, bystander)

    refused = await author.send(room.id, "przepraszam")
    assert error_code(refused) == "rejected" and refused["error"]["details"]["reason"] == "slow_mode"


async def test_a_rate_limited_member_in_crisis_is_held_answered_and_alerted(
    server_factory: ServerFactory,
    make_room: RoomFactory,
    patient_at: PatientFactory,
    chat_client: ClientFactory,
    psychologist: TestUser,
) -> None:
    slow = await server_factory(chat_rate_per_second=0.2, chat_rate_burst=2)
    room = await make_room("community", 3)
    author_user = await patient_at(3, language="pt")
    staff = await chat_client(psychologist, slow.url)
    author, bystander = await chat_client(author_user, slow.url), await chat_client(await patient_at(3), slow.url)
    for client in (staff, author, bystander):
        assert "error" not in await client.join(room.id)
    listen(author, "crisis_reply")
    listen(bystander, "crisis_reply")
    listen(staff, "care:alert")
    assert [error_code(await author.send(room.id, f"olá {n}")) for n in range(3)] == [None, None, "rate_limited"]

    sent = await author.send(room.id, "já não aguento, quero morrer")
    await assert_held_answered_and_alerted(sent, room, author, staff, author_user, bystander)

    refused = await author.send(room.id, "desculpem")
    assert error_code(refused) == "rate_limited" and refused["error"]["details"]["retry_after"] > 0
