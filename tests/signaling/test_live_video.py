"""Three Python clients join a therapy session through the waiting room and see and hear each other through
the SFU; the server transcodes nothing; the host's mute stops a microphone reaching the others."""

from __future__ import annotations

import asyncio

from loadtests.live_client import LiveClient
from media import aiortc_internals as internals
from tests.conftest import RunningServer
from tests.signaling.group import ClientFactory, Group, eventually

pytest_plugins = ["tests.signaling.fixtures"]


async def hears_and_sees(client: LiveClient, others: list[int], frames: int = 5) -> bool:
    received = await client.received()
    return all(received.get((user, kind), 0) >= frames for user in others for kind in ("audio", "video"))


async def poll(check: object, within: float = 15.0) -> bool:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + within
    while loop.time() < deadline:
        if await check():  # type: ignore[operator]
            return True
        await asyncio.sleep(0.1)
    return bool(await check())  # type: ignore[operator]


async def start_call(group: Group, live_client: ClientFactory) -> list[LiveClient]:
    """The psychologist opens and joins; both patients wait, then are let in one at a time and all at once."""
    host = await live_client(group.psychologist)
    assert "error" not in await host.call("open", {"session": group.session_id})
    assert (await host.join(group.session_id))["status"] == "admitted"
    patients = [await live_client(p) for p in group.patients]
    for patient in patients:
        ack = await patient.join(group.session_id)
        assert ack["status"] == "waiting", ack
    assert await eventually(lambda: len(host.waiting) == 2)
    assert [w["user_id"] for w in host.waiting] == [p.id for p in group.patients]

    first = await host.call("admit", {"session": group.session_id, "user_id": group.patients[0].id})
    assert first["admitted"] == [group.patients[0].id]
    rest = await host.call("admit", {"session": group.session_id, "all": True})
    assert rest["admitted"] == [group.patients[1].id]
    assert await eventually(lambda: all(p.status == "admitted" for p in patients))
    return [host, *patients]


async def test_three_participants_join_through_the_waiting_room_and_each_decodes_the_other_two(
    group: Group, live_client: ClientFactory, live_server: RunningServer
) -> None:
    with internals.count_codec_instances() as codecs:
        people = await start_call(group, live_client)
        ids = [group.psychologist.id] + [p.id for p in group.patients]
        for client, me in zip(people, ids, strict=True):
            others = [i for i in ids if i != me]
            assert await poll(lambda c=client, o=others: hears_and_sees(c, o), within=15), await client.received()
        # Everyone sees everyone in the participant list, publishing audio and video.
        for client in people:
            assert sorted(p["user_id"] for p in client.participants) == sorted(ids)
            assert all(p["audio"]["published"] and p["video"]["published"] for p in client.participants)
        for client in people:
            assert client.peer is not None
            await client.peer.close()
    # Every codec in this process belongs to a client: 3 x (VP8 + Opus) encoders, 3 x 4 decoders.
    assert codecs.encoders == 6
    assert codecs.decoders == 12


async def test_muted_audio_stops_reaching_the_others_until_the_patient_unmutes_when_asked(
    group: Group, live_client: ClientFactory
) -> None:
    host, ana, ben = await start_call(group, live_client)
    ana_id = group.patients[0].id
    assert await poll(lambda: hears_and_sees(ben, [ana_id]))
    assert await poll(lambda: hears_and_sees(host, [ana_id]))

    ack = await host.call("mute", {"session": group.session_id, "user_id": ana_id, "kind": "audio"})
    assert ack["participant"]["audio"]["host_muted"] is True
    assert await eventually(lambda: ("media_control", {"session": group.session_id, "action": "muted",
                                                       "kind": "audio", "by": group.psychologist.id}) in ana.events)
    await asyncio.sleep(0.8)  # packets already in flight (and in the jitter buffers)
    heard = [(await c.received())[(ana_id, "audio")] for c in (host, ben)]
    seen = (await ben.received())[(ana_id, "video")]
    await asyncio.sleep(1.0)
    assert [(await c.received())[(ana_id, "audio")] for c in (host, ben)] == heard
    assert (await ben.received())[(ana_id, "video")] > seen  # her camera still reaches them

    # She cannot lift the host's mute herself until the host asks her to.
    refused = await ana.call("set_media", {"session": group.session_id, "kind": "audio", "on": True})
    assert refused["error"]["code"] == "live_muted_by_host"
    await host.call("ask_unmute", {"session": group.session_id, "user_id": ana_id, "kind": "audio"})
    assert await eventually(lambda: any(e == "media_control" and d["action"] == "unmute_requested"
                                        for e, d in ana.events))
    ack = await ana.call("set_media", {"session": group.session_id, "kind": "audio", "on": True})
    assert ack["you"]["audio"]["forwarding"] is True
    assert await poll(lambda: _more(ben, (ana_id, "audio"), heard[1] + 10))


async def _more(client: LiveClient, key: tuple[int, str], than: int) -> bool:
    return (await client.received()).get(key, 0) > than


async def test_the_host_turns_a_camera_off_and_the_participant_list_shows_it(
    group: Group, live_client: ClientFactory
) -> None:
    host, ana, _ben = await start_call(group, live_client)
    ben_id = group.patients[1].id
    assert await poll(lambda: hears_and_sees(ana, [ben_id]))
    await host.call("mute", {"session": group.session_id, "user_id": ben_id, "kind": "video"})

    def ben_seen_by_ana() -> dict[str, object]:
        return next(p for p in ana.participants if p["user_id"] == ben_id)["video"]  # type: ignore[no-any-return]

    assert await eventually(lambda: ben_seen_by_ana()["forwarding"] is False)
    await asyncio.sleep(0.8)
    seen = (await ana.received())[(ben_id, "video")]
    await asyncio.sleep(0.8)
    assert (await ana.received())[(ben_id, "video")] == seen
    raised = await ana.call("raise_hand", {"session": group.session_id, "raised": True})
    assert raised["you"]["hand_raised"] is True
    assert await eventually(lambda: next(p for p in host.participants
                                         if p["user_id"] == group.patients[0].id)["hand_raised"])
