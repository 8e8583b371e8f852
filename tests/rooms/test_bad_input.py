"""Every bad input gets its stable error code, and the connection stays up for the next event."""

from __future__ import annotations

from typing import Any

import pytest

from care.people import Step
from rooms.model import Room
from tests.conftest import ServerFactory, TestUser
from tests.rooms.chat_client import ChatClient
from tests.rooms.conftest import ClientFactory, PatientFactory, RoomFactory, error_code

ROOM = -1001  # replaced by the test room's id
MESSAGE = -1002  # replaced by a message of the test room
OTHER_ROOM_MESSAGE = -1003  # replaced by a message of a room the client did not join

BAD_INPUTS: list[tuple[str, Any, str]] = [
    *[
        (event, payload, "bad_payload")
        for event in (
            "join",
            "leave",
            "send",
            "edit",
            "delete",
            "react",
            "typing",
            "read",
            "history",
            "catch_up",
            "presence",
            "members",
        )
        for payload in (None, "text", [1, 2], 42)
    ],
    ("join", {"room": "abc"}, "bad_payload"),
    ("join", {"room": 0}, "bad_payload"),
    ("join", {"room": True}, "bad_payload"),
    ("join", {"room": 2**70}, "bad_payload"),
    ("join", {"room": 987_654_321}, "no_such_room"),
    ("send", {"room": 987_654_321, "text": "hi", "client_id": "c1"}, "not_joined"),
    ("send", {"room": ROOM, "text": 5, "client_id": "c2"}, "bad_payload"),
    ("send", {"room": ROOM, "text": "   \n\t ", "client_id": "c3"}, "text_empty"),
    ("send", {"room": ROOM, "text": "\x00\x07\u202e", "client_id": "c4"}, "text_empty"),
    ("send", {"room": ROOM, "text": "x" * 4001, "client_id": "c5"}, "text_too_long"),
    ("send", {"room": ROOM, "text": "hi"}, "bad_payload"),
    ("send", {"room": ROOM, "text": "hi", "client_id": ""}, "bad_payload"),
    ("send", {"room": ROOM, "text": "hi", "client_id": "x" * 65}, "bad_payload"),
    ("send", {"room": ROOM, "text": "hi", "client_id": "new\nline"}, "bad_payload"),
    ("send", {"room": ROOM, "text": "hi", "client_id": "c6", "reply_to": "x"}, "bad_payload"),
    ("send", {"room": ROOM, "text": "hi", "client_id": "c7", "reply_to": OTHER_ROOM_MESSAGE}, "no_such_message"),
    ("send", {"room": ROOM, "text": "hi", "client_id": "c8", "reply_to": 987_654_321}, "no_such_message"),
    ("edit", {"text": "x"}, "bad_payload"),
    ("edit", {"message": 987_654_321, "text": "x"}, "no_such_message"),
    ("edit", {"message": OTHER_ROOM_MESSAGE, "text": "x"}, "no_such_message"),
    ("edit", {"message": MESSAGE, "text": "x" * 4001}, "text_too_long"),
    ("delete", {"message": OTHER_ROOM_MESSAGE}, "no_such_message"),
    ("react", {"message": MESSAGE, "emoji": ""}, "bad_payload"),
    ("react", {"message": MESSAGE, "emoji": "two words"}, "bad_payload"),
    ("react", {"message": MESSAGE, "emoji": "x" * 40}, "bad_payload"),
    ("react", {"message": MESSAGE, "emoji": "👍", "on": "yes"}, "bad_payload"),
    ("react", {"message": OTHER_ROOM_MESSAGE, "emoji": "👍"}, "no_such_message"),
    ("typing", {"room": 987_654_321}, "not_joined"),
    ("read", {"room": ROOM, "seq": -1}, "bad_payload"),
    ("read", {"room": ROOM}, "bad_payload"),
    ("history", {"room": ROOM, "before": "x"}, "bad_payload"),
    ("history", {"room": ROOM, "limit": 0}, "bad_payload"),
    ("catch_up", {"rooms": [1, 2]}, "bad_payload"),
    ("catch_up", {"rooms": {"abc": 1}}, "bad_payload"),
    ("catch_up", {"rooms": {"1": -5}}, "bad_payload"),
    ("catch_up", {"rooms": {str(n): 0 for n in range(1, 100)}}, "bad_payload"),
    ("presence", {"state": "offline"}, "bad_payload"),
    ("presence", {"state": "busy"}, "bad_payload"),
]


def _fill(value: Any, ids: dict[int, int]) -> Any:
    if isinstance(value, dict):
        return {k: _fill(v, ids) for k, v in value.items()}
    return ids.get(value, value) if isinstance(value, int) and not isinstance(value, bool) else value


@pytest.fixture
async def talking(
    patient_at: PatientFactory, make_room: RoomFactory, chat_client: ClientFactory
) -> tuple[ChatClient, dict[int, int]]:
    room, elsewhere = await make_room("community", 3), await make_room("community", 3)
    client = await chat_client(await patient_at(3))
    stranger = await chat_client(await patient_at(3))
    await client.join(room.id)
    await stranger.join(elsewhere.id)
    mine = await client.send(room.id, "mine")
    theirs = await stranger.send(elsewhere.id, "theirs")
    return client, {ROOM: room.id, MESSAGE: mine["id"], OTHER_ROOM_MESSAGE: theirs["id"]}


@pytest.mark.parametrize(("event", "payload", "code"), BAD_INPUTS)
async def test_a_bad_input_gets_its_code_and_the_connection_survives(
    talking: tuple[ChatClient, dict[int, int]], event: str, payload: Any, code: str
) -> None:
    client, ids = talking
    ack = await client.call(event, _fill(payload, ids))
    assert error_code(ack) == code, ack
    assert isinstance(ack["error"]["message"], str) and ack["error"]["message"]
    assert (await client.call("ping_session", {}))["ok"] is True
    assert client.sio.connected


async def test_a_too_long_text_says_what_the_limit_is(talking: tuple[ChatClient, dict[int, int]]) -> None:
    client, ids = talking
    ack = await client.send(ids[ROOM], "é" * 4001)
    assert ack["error"]["details"] == {"max_chars": 4000, "length": 4001}
    assert ack["error"]["message"] == "The message is longer than 4000 characters."
    assert error_code(await client.send(ids[ROOM], "é" * 4000)) is None


async def test_text_is_nfc_normalised_and_stripped_of_control_characters(
    talking: tuple[ChatClient, dict[int, int]],
) -> None:
    client, ids = talking
    ack = await client.send(ids[ROOM], "  Cafe\u0301\x07 amb\u202e llet\r\nsegona línia\t! ")
    page = await client.call("history", {"room": ids[ROOM], "after": ack["seq"] - 1})
    assert page["messages"][0]["text"] == "Café amb llet\nsegona línia\t!"


async def test_sending_too_fast_is_rate_limited_with_a_retry_after(
    server_factory: ServerFactory, patient_at: PatientFactory, make_room: RoomFactory, chat_client: ClientFactory
) -> None:
    slow = await server_factory(chat_rate_per_second=0.5, chat_rate_burst=3)
    room = await make_room("community", 3)
    client = await chat_client(await patient_at(3), slow.url)
    await client.join(room.id)
    acks = [await client.send(room.id, f"n{n}") for n in range(4)]
    assert [error_code(a) for a in acks] == [None, None, None, "rate_limited"]
    assert 0 < acks[3]["error"]["details"]["retry_after"] <= 2.0
    assert (await client.call("ping_session", {}))["ok"] is True


async def test_a_connection_joins_a_limited_number_of_rooms(
    server_factory: ServerFactory, patient_at: PatientFactory, make_room: RoomFactory, chat_client: ClientFactory
) -> None:
    narrow = await server_factory(chat_max_rooms_per_connection=2)
    rooms: list[Room] = [await make_room("community", 2) for _ in range(3)]
    client = await chat_client(await patient_at(3), narrow.url)
    assert [error_code(await client.join(r.id)) for r in rooms] == [None, None, "too_many_rooms"]
    await client.call("leave", {"room": rooms[0].id})
    assert error_code(await client.join(rooms[2].id)) is None


async def test_errors_reach_each_person_in_their_language(
    patient_at: PatientFactory, make_room: RoomFactory, chat_client: ClientFactory
) -> None:
    room = await make_room("community", 4)
    expected = {
        "ca": "Aquesta sala està oberta a partir del nivell 4 del programa.",
        "pt": "Esta sala está aberta a partir do nível 4 do programa.",
        "pl": "Ten pokój jest dostępny od poziomu 4 programu.",
        "en": "This room is open from step 4 of the programme.",
    }
    for language, text in expected.items():
        user: TestUser = await patient_at(int(Step.PEER_SUPPORT), language=language)
        ack = await (await chat_client(user)).join(room.id)
        assert ack["error"]["message"] == text
