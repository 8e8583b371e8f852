"""Rooms ask the content filter before storing: refused, held (author and moderators only), or flagged."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from rooms.filters import Decision, FilterRequest, MessageId, Verdict
from rooms.model import MemberRole
from tests.conftest import RunningServer, ServerFactory, TestUser
from tests.rooms.conftest import ClientFactory, PatientFactory, RoomFactory, error_code


class WordFilter:
    """Decides by a keyword in the text, as a moderation hook would; remembers follow-ups."""

    def __init__(self) -> None:
        self.followed_up: list[tuple[MessageId, Decision]] = []

    async def check(self, request: FilterRequest) -> Verdict:
        text = request.text or ""
        for word, decision in (("spam", Decision.REJECT), ("hold", Decision.HOLD), ("flag", Decision.FLAG)):
            if word in text:
                return Verdict(decision, reason=f"said_{word}", hook="words")
        return Verdict.allow()

    async def after_store(self, request: FilterRequest, verdict: Verdict, message_id: MessageId) -> None:
        self.followed_up.append((message_id, verdict.decision))


@pytest.fixture
async def filtered(server_factory: ServerFactory) -> AsyncIterator[tuple[RunningServer, WordFilter]]:
    running = await server_factory(moderation="off")
    words = WordFilter()
    running.services.rooms.use_content_filter(words)
    yield running, words


async def test_a_refused_message_is_not_stored_and_the_sender_learns_why(
    filtered: tuple[RunningServer, WordFilter],
    patient_at: PatientFactory,
    make_room: RoomFactory,
    chat_client: ClientFactory,
) -> None:
    running, _ = filtered
    room = await make_room("community", 3)
    client = await chat_client(await patient_at(3), running.url)
    await client.join(room.id)
    ack = await client.send(room.id, "buy spam now")
    assert error_code(ack) == "rejected"
    assert ack["error"]["details"] == {"reason": "said_spam"}
    assert (await client.call("history", {"room": room.id}))["messages"] == []


async def test_a_held_message_reaches_only_its_author_and_the_moderators(
    filtered: tuple[RunningServer, WordFilter],
    psychologist: TestUser,
    patient_at: PatientFactory,
    make_room: RoomFactory,
    chat_client: ClientFactory,
) -> None:
    running, words = filtered
    mentor_user = await patient_at(3, "mentor", "patient")
    room = await make_room("community", 3, [mentor_user], role=MemberRole.MODERATOR)
    author = await chat_client(await patient_at(3), running.url)
    reader = await chat_client(await patient_at(3), running.url)
    mentor = await chat_client(mentor_user, running.url)
    for client in (author, reader, mentor):
        await client.join(room.id)
    held = await author.send(room.id, "please hold this one")
    assert held["visibility"] == "held"
    after = await author.send(room.id, "an ordinary message")

    await reader.wait_until(lambda: after["id"] in reader.rooms[room.id].messages)
    assert held["id"] not in reader.rooms[room.id].messages
    assert reader.rooms[room.id].cursor == after["seq"]  # the held seq was covered by a single repair
    for client in (author, mentor):
        await client.wait_until(lambda c=client: held["id"] in c.rooms[room.id].messages)
        assert client.rooms[room.id].messages[held["id"]]["visibility"] == "held"
    reader_page = await reader.call("history", {"room": room.id})
    assert [m["id"] for m in reader_page["messages"]] == [after["id"]]
    assert words.followed_up == [(held["id"], Decision.HOLD)]


async def test_a_flagged_message_is_delivered_and_followed_up(
    filtered: tuple[RunningServer, WordFilter],
    patient_at: PatientFactory,
    make_room: RoomFactory,
    chat_client: ClientFactory,
) -> None:
    running, words = filtered
    room = await make_room("community", 3)
    author, reader = (
        await chat_client(await patient_at(3), running.url),
        await chat_client(await patient_at(3), running.url),
    )
    for client in (author, reader):
        await client.join(room.id)
    ack = await author.send(room.id, "a flag for the mentors")
    await reader.wait_until(lambda: ack["id"] in reader.rooms[room.id].messages)
    assert words.followed_up == [(ack["id"], Decision.FLAG)]
