"""Across a disconnect nothing is missed and nothing is duplicated; history pages are at most 100."""

from __future__ import annotations

from tests.conftest import RunningServer
from tests.rooms.chat_client import ChatClient
from tests.rooms.conftest import ClientFactory, PatientFactory, RoomFactory, error_code


async def test_a_client_forced_off_catches_up_on_exactly_the_messages_it_missed(
    server: RunningServer, patient_at: PatientFactory, make_room: RoomFactory, chat_client: ClientFactory
) -> None:
    room, other_room = await make_room("community", 3), await make_room("community", 2)
    returning_user = await patient_at(3)
    returning, talker = await chat_client(returning_user), await chat_client(await patient_at(3))
    for client in (returning, talker):
        await client.join(room.id)
        await client.join(other_room.id)
    for n in range(3):
        await talker.send(room.id, f"before {n}")
    await returning.wait_until(lambda: len(returning.seqs(room.id)) == 3)

    # The server drops the socket (as a network cut would); the client keeps its cursors.
    await server.services.sio.disconnect(returning.sio.get_sid())
    await returning.wait_until(lambda: not returning.sio.connected)
    missed = [await talker.send(room.id, f"while away {n}") for n in range(5)]
    missed_elsewhere = await talker.send(other_room.id, "in the other room")
    await talker.call("edit", {"message": missed[0]["id"], "text": "while away 0 (edited)"})

    back = ChatClient(server.url, returning_user.token)
    back.rooms = returning.rooms
    await back.connect()
    try:
        ack = await back.catch_up()
        caught = ack["rooms"][str(room.id)]
        assert [m["id"] for m in caught["messages"]] == [m["id"] for m in missed[1:]] + [missed[0]["id"]]
        assert caught["more"] is False
        assert back.texts(room.id) == [
            "before 0",
            "before 1",
            "before 2",
            "while away 0 (edited)",
            "while away 1",
            "while away 2",
            "while away 3",
            "while away 4",
        ]
        assert back.seqs(other_room.id) == [missed_elsewhere["seq"]]
        # The catch-up rejoined the rooms: live messages flow again, once each.
        after = await talker.send(room.id, "welcome back")
        await back.wait_until(lambda: after["id"] in back.rooms[room.id].messages)
        assert len(back.rooms[room.id].delivered) == len(set(back.rooms[room.id].delivered)) == 9
    finally:
        await back.close()


async def test_history_pages_back_and_forward_at_most_a_hundred_at_a_time(
    patient_at: PatientFactory, make_room: RoomFactory, chat_client: ClientFactory, server_factory: object
) -> None:
    room = await make_room("community", 3)
    writer = await chat_client(await patient_at(3))
    await writer.join(room.id)
    seqs = [(await writer.send(room.id, f"m{n}"))["seq"] for n in range(15)]
    # the default rate limit is 20 at once: these 15 pass
    page = await writer.call("history", {"room": room.id, "limit": 500})
    assert [m["seq"] for m in page["messages"]] == seqs and page["more"] is False
    older = await writer.call("history", {"room": room.id, "before": seqs[10], "limit": 4})
    assert [m["seq"] for m in older["messages"]] == seqs[6:10] and older["more"] is True
    newer = await writer.call("history", {"room": room.id, "after": seqs[10], "limit": 3})
    assert [m["seq"] for m in newer["messages"]] == seqs[11:14]
    assert newer["upto"] == seqs[13] and newer["more"] is True
    rest = await writer.call("history", {"room": room.id, "after": newer["upto"]})
    assert [m["seq"] for m in rest["messages"]] == seqs[14:] and rest["upto"] == seqs[14]
    assert error_code(await writer.call("history", {"room": room.id, "before": 3, "after": 1})) == "bad_payload"
