"""Redis restarted mid-conversation: broadcasts are lost, yet no member misses an acknowledged message.

While Redis is down, python-socketio's manager gives up publishing (issues #1411, #1581), so a member on
the other process does not hear those messages. They were committed before their acks, though, and the
client's gap repair (docs/protocol.md) fetches them with history-after once a later message shows the gap.
"""

from __future__ import annotations

import asyncio
import secrets
from collections.abc import Iterator

import pytest

from tests.rooms.conftest import ClientFactory, PatientFactory, RoomFactory, error_code
from tests.rooms.processes import OwnRedis, own_redis, start_server_process


@pytest.fixture
def redis_of_our_own() -> Iterator[OwnRedis]:
    redis = own_redis()
    yield redis
    redis.stop()


async def test_members_recover_every_message_sent_while_redis_was_down(
    database_url: str,
    redis_of_our_own: OwnRedis,
    patient_at: PatientFactory,
    make_room: RoomFactory,
    chat_client: ClientFactory,
) -> None:
    prefix = f"oncommun-restart-{secrets.token_hex(4)}"
    a = await start_server_process(database_url, redis_of_our_own.url, prefix)
    b = await start_server_process(database_url, redis_of_our_own.url, prefix)
    try:
        room = await make_room("community", 3)
        alice, bob = await chat_client(await patient_at(3), a.url), await chat_client(await patient_at(3), b.url)
        for client in (alice, bob):
            await client.join(room.id)
        acked = [await bob.send(room.id, f"before {n}") for n in range(3)]
        await alice.wait_until(lambda: len(alice.seqs(room.id)) == 3)

        redis_of_our_own.stop()
        for n in range(4):
            ack = await bob.send(room.id, f"during {n}")
            assert error_code(ack) is None  # committed in Postgres: acknowledged even without Redis
            acked.append(ack)
        await asyncio.sleep(0.5)
        assert len(alice.seqs(room.id)) == 3  # the broadcasts were lost on the way to process A

        redis_of_our_own.start()
        n = 0
        while len(alice.rooms[room.id].messages) < len(acked):  # until pub/sub is back and shows the gap
            acked.append(await bob.send(room.id, f"after {n}"))
            n += 1
            assert n < 60, a.log_tail()
            await asyncio.sleep(0.5)

        expected = [ack["seq"] for ack in acked]
        assert sorted(alice.seqs(room.id)) == expected  # nothing missed
        assert len(alice.rooms[room.id].delivered) == len(set(alice.rooms[room.id].delivered))  # nothing twice
        assert alice.rooms[room.id].repairs >= 1
        assert alice.texts(room.id)[:7] == [*(f"before {i}" for i in range(3)), *(f"during {i}" for i in range(4))]
    finally:
        a.stop()
        b.stop()
