"""Messages: acked only once committed, never duplicated, in one order for everyone; edits, deletes, reactions."""

from __future__ import annotations

import asyncio
import uuid

from tests.conftest import RunningServer, ServerFactory, TestUser
from tests.rooms.chat_client import ChatClient
from tests.rooms.conftest import ClientFactory, PatientFactory, RoomFactory, error_code


async def test_an_acked_message_is_already_in_the_database(
    server: RunningServer, patient_at: PatientFactory, make_room: RoomFactory, chat_client: ClientFactory
) -> None:
    room = await make_room("community", 3)
    client = await chat_client(await patient_at(3))
    await client.join(room.id)
    ack = await client.send(room.id, "Bon dia a tothom")
    assert set(ack) == {"id", "seq", "ts"}
    stored = await server.services.pool.fetchrow("SELECT seq, body FROM room_messages WHERE id = $1", ack["id"])
    assert stored is not None
    assert (stored["seq"], stored["body"]) == (ack["seq"], "Bon dia a tothom")


async def test_a_retried_send_gets_the_same_ack_and_makes_no_duplicate(
    server: RunningServer,
    server_factory: ServerFactory,
    patient_at: PatientFactory,
    make_room: RoomFactory,
    chat_client: ClientFactory,
) -> None:
    room = await make_room("community", 3)
    patient = await patient_at(3)
    first = await chat_client(patient)
    await first.join(room.id)
    client_id = uuid.uuid4().hex
    ack = await first.send(room.id, "once only", client_id)
    assert await first.send(room.id, "once only", client_id) == ack
    # A retry after a reconnect to another process (no in-memory memory of the ack) is caught by Postgres.
    other_process = await server_factory()
    second = await chat_client(patient, other_process.url)
    await second.join(room.id)
    assert await second.send(room.id, "once only", client_id) == ack
    count = await server.services.pool.fetchval(
        "SELECT count(*) FROM room_messages WHERE author_id = $1 AND client_id = $2", patient.id, client_id
    )
    assert count == 1
    other_room = await make_room("community", 2)
    await second.join(other_room.id)
    assert error_code(await second.send(other_room.id, "once only", client_id)) == "client_id_reused"


async def test_many_concurrent_senders_are_seen_by_every_member_in_one_gapless_order(
    patient_at: PatientFactory, make_room: RoomFactory, chat_client: ClientFactory
) -> None:
    room = await make_room("community", 3)
    clients = [await chat_client(await patient_at(3)) for _ in range(8)]
    for client in clients:
        await client.join(room.id)
    start = clients[0].rooms[room.id].cursor

    async def burst(client: ChatClient, n: int) -> list[int]:
        return [(await client.send(room.id, f"{n}-{i}"))["seq"] for i in range(12)]

    acked = await asyncio.gather(*(burst(c, n) for n, c in enumerate(clients)))
    expected = list(range(start + 1, start + 1 + 8 * 12))
    assert sorted(seq for seqs in acked for seq in seqs) == expected
    for seqs in acked:
        assert seqs == sorted(seqs)  # one sender's messages keep their order
    for client in clients:
        await client.wait_until(lambda c=client: len(c.seqs(room.id)) == len(expected))
        assert client.seqs(room.id) == expected
        assert client.rooms[room.id].repairs == 0  # one process: no gap to repair
    assert len({tuple(c.texts(room.id)) for c in clients}) == 1


async def test_an_author_edits_and_deletes_their_message_and_a_tombstone_remains(
    patient_at: PatientFactory, make_room: RoomFactory, chat_client: ClientFactory
) -> None:
    room = await make_room("community", 3)
    author, reader = await chat_client(await patient_at(3)), await chat_client(await patient_at(3))
    for client in (author, reader):
        await client.join(room.id)
    ack = await author.send(room.id, "typo hier")
    assert error_code(await reader.call("edit", {"message": ack["id"], "text": "mine now"})) == "not_your_message"
    edited = await author.call("edit", {"message": ack["id"], "text": "typo here"})
    assert edited["change_seq"] == ack["seq"] + 1
    await reader.wait_until(lambda: reader.texts(room.id) == ["typo here"])
    assert reader.rooms[room.id].messages[ack["id"]]["edited_at"] is not None

    await author.call("delete", {"message": ack["id"]})
    await reader.wait_until(lambda: reader.texts(room.id) == [None])
    page = await reader.call("history", {"room": room.id})
    [tombstone] = page["messages"]
    assert (tombstone["id"], tombstone["visibility"], tombstone["text"]) == (ack["id"], "deleted", None)
    assert error_code(await author.call("edit", {"message": ack["id"], "text": "back"})) == "message_deleted"


async def test_the_edit_window_closes(
    server_factory: ServerFactory, patient_at: PatientFactory, make_room: RoomFactory, chat_client: ClientFactory
) -> None:
    strict = await server_factory(chat_edit_window_seconds=0)
    room = await make_room("community", 3)
    client = await chat_client(await patient_at(3), strict.url)
    await client.join(room.id)
    ack = await client.send(room.id, "too late to fix")
    await asyncio.sleep(0.01)
    refused = await client.call("edit", {"message": ack["id"], "text": "fixed"})
    assert error_code(refused) == "edit_window_closed"


async def test_reactions_reach_every_member_and_count_once_per_person(
    patient_at: PatientFactory, make_room: RoomFactory, chat_client: ClientFactory
) -> None:
    room = await make_room("community", 3)
    author_user, fan_user = await patient_at(3), await patient_at(3)
    author, fan = await chat_client(author_user), await chat_client(fan_user)
    for client in (author, fan):
        await client.join(room.id)
    ack = await author.send(room.id, "I rang the bell today!")
    await fan.call("react", {"message": ack["id"], "emoji": "🎉"})
    again = await fan.call("react", {"message": ack["id"], "emoji": "🎉"})
    assert again["reactions"] == {"🎉": [fan_user.id]}
    await author.wait_until(lambda: author.rooms[room.id].messages[ack["id"]]["reactions"] == {"🎉": [fan_user.id]})
    await fan.call("react", {"message": ack["id"], "emoji": "🎉", "on": False})
    await author.wait_until(lambda: author.rooms[room.id].messages[ack["id"]]["reactions"] == {})


async def test_typing_reaches_the_others_and_is_throttled(
    patient_at: PatientFactory, make_room: RoomFactory, chat_client: ClientFactory
) -> None:
    room = await make_room("community", 3)
    typist_user = await patient_at(3)
    typist, watcher = await chat_client(typist_user), await chat_client(await patient_at(3))
    for client in (typist, watcher):
        await client.join(room.id)
    assert await typist.call("typing", {"room": room.id}) == {"ok": True}
    assert await typist.call("typing", {"room": room.id}) == {"ok": True, "throttled": True}
    await watcher.wait_until(lambda: watcher.events["typing"])
    await asyncio.sleep(0.1)
    assert [e["user"]["id"] for e in watcher.events["typing"]] == [typist_user.id]
    assert typist.events["typing"] == []


async def test_in_the_campus_patients_ask_in_threads_under_professionals_posts(
    psychologist: TestUser, patient_at: PatientFactory, make_room: RoomFactory, chat_client: ClientFactory
) -> None:
    room = await make_room("campus", 2)
    teacher = await chat_client(psychologist)
    student = await chat_client(await patient_at(2))
    for client in (teacher, student):
        await client.join(room.id)
    post = await teacher.send(room.id, "Fatigue during chemotherapy: what helps")
    assert error_code(await student.send(room.id, "a new topic")) == "read_only"
    reply = await student.send(room.id, "Does walking help?", reply_to=post["id"])
    assert error_code(reply) is None
    await teacher.wait_until(lambda: reply["id"] in teacher.rooms[room.id].messages)
    assert teacher.rooms[room.id].messages[reply["id"]]["reply_to"] == post["id"]


async def test_presence_shows_online_away_and_offline(
    patient_at: PatientFactory, make_room: RoomFactory, chat_client: ClientFactory
) -> None:
    first_user, second_user = await patient_at(4), await patient_at(4)
    room = await make_room("therapy", 4, [first_user, second_user])
    first, second = await chat_client(first_user), await chat_client(second_user)
    for client in (first, second):
        await client.join(room.id)
    members = {m["id"]: m["presence"] for m in (await first.call("members", {"room": room.id}))["members"]}
    assert members[first_user.id] == members[second_user.id] == "online"
    assert await second.call("presence", {"state": "away"}) == {"state": "away"}
    await first.wait_until(
        lambda: {"room": room.id, "user": second_user.id, "state": "away"} in first.events["presence"]
    )
    await second.close()
    await first.wait_until(
        lambda: {"room": room.id, "user": second_user.id, "state": "offline"} in first.events["presence"]
    )


async def test_a_person_with_two_sockets_stays_online_until_the_last_one_leaves(
    patient_at: PatientFactory, make_room: RoomFactory, chat_client: ClientFactory
) -> None:
    watcher_user, twice_user = await patient_at(4), await patient_at(4)
    room = await make_room("therapy", 4, [watcher_user, twice_user])
    watcher = await chat_client(watcher_user)
    phone, laptop = await chat_client(twice_user), await chat_client(twice_user)
    for client in (watcher, phone, laptop):
        await client.join(room.id)
    await phone.close()
    await asyncio.sleep(0.2)
    members = {m["id"]: m["presence"] for m in (await watcher.call("members", {"room": room.id}))["members"]}
    assert members[twice_user.id] == "online"
    await laptop.close()
    await watcher.wait_until(
        lambda: {"room": room.id, "user": twice_user.id, "state": "offline"} in watcher.events["presence"]
    )
