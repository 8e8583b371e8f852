"""Mentor and psychologist tools over real Socket.IO, against the real server, Postgres and care.

The "done when" of the issue in one place: in a community room a mentor hides a message, mutes a member
and works through the queue; a crisis message in Portuguese is held, its author gets the site's
resources and the psychologist the alert; the audit log shows all of it.
"""

from __future__ import annotations

import asyncio
from typing import Any

import aiohttp
import asyncpg
import pytest

from care.people import Step
from rooms.model import Room, RoomKind
from tests.conftest import RunningServer, TestUser, UserFactory
from tests.rooms.chat_client import ChatClient
from tests.rooms.conftest import ClientFactory, PatientFactory, RoomFactory, error_code


async def a_mentor_for(room: Room, patient_at: PatientFactory, psychologist: ChatClient) -> TestUser:
    mentor = await patient_at(3, "patient", "mentor")
    ack = await psychologist.call("mod_assign", {"room": room.id, "user": mentor.id})
    assert ack == {"room": room.id, "mentor": mentor.id, "assigned": True}, ack
    return mentor


async def community(
    make_room: RoomFactory, patient_at: PatientFactory, chat_client: ClientFactory, psychologist: TestUser
) -> tuple[Room, ChatClient, ChatClient, ChatClient, TestUser, TestUser]:
    """A community room with a psychologist, an assigned mentor and a patient, all connected and joined."""
    room = await make_room("community", 3)
    staff = await chat_client(psychologist)
    mentor = await a_mentor_for(room, patient_at, staff)
    member = await patient_at(3)
    mentor_client, member_client = await chat_client(mentor), await chat_client(member)
    for client in (staff, mentor_client, member_client):
        assert "error" not in await client.join(room.id)
    return room, staff, mentor_client, member_client, mentor, member


def texts_by_id(client: ChatClient, room: int) -> dict[int, Any]:
    return {i: m["text"] for i, m in client.rooms[room].messages.items()}


async def test_a_mentor_hides_a_message_and_it_disappears_for_everyone_connected(
    make_room: RoomFactory, patient_at: PatientFactory, chat_client: ClientFactory, psychologist: TestUser
) -> None:
    room, staff, mentor, member, _, _ = await community(make_room, patient_at, chat_client, psychologist)
    sent = await member.send(room.id, "something unkind")
    await mentor.wait_until(lambda: sent["id"] in mentor.rooms[room.id].messages)
    ack = await mentor.call("mod_hide", {"message": sent["id"], "reason": "unkind"})
    assert ack["visibility"] == "hidden", ack
    for client in (staff, mentor, member):
        await client.wait_until(lambda c=client: texts_by_id(c, room.id).get(sent["id"], "x") is None)
    history = await member.call("history", {"room": room.id, "after": 0})
    [hidden] = [m for m in history["messages"] if m["id"] == sent["id"]]
    assert (hidden["text"], hidden["visibility"]) == (None, "hidden")


async def test_a_muted_member_can_read_but_sends_are_refused_with_muted_and_the_time_remaining(
    make_room: RoomFactory, patient_at: PatientFactory, chat_client: ClientFactory, psychologist: TestUser
) -> None:
    room, _, mentor, member, _, member_user = await community(make_room, patient_at, chat_client, psychologist)
    member.sio.on("muted", lambda data: member.events["muted"].append(data))
    ack = await mentor.call("mod_mute", {"room": room.id, "user": member_user.id, "minutes": 10})
    assert "until" in ack, ack
    refused = await member.send(room.id, "hello?")
    assert error_code(refused) == "muted"
    assert 590 <= refused["error"]["details"]["retry_after"] <= 600
    await member.wait_until(lambda: member.events["muted"] != [])
    sent = await mentor.send(room.id, "the room goes on")
    await member.wait_until(lambda: sent["id"] in member.rooms[room.id].messages)


async def test_only_a_psychologist_can_lift_a_mentors_mute(
    make_room: RoomFactory, patient_at: PatientFactory, chat_client: ClientFactory, psychologist: TestUser
) -> None:
    room, staff, mentor, member, _, member_user = await community(make_room, patient_at, chat_client, psychologist)
    await mentor.call("mod_mute", {"room": room.id, "user": member_user.id, "minutes": 5})
    refused = await mentor.call("mod_unmute", {"room": room.id, "user": member_user.id})
    assert error_code(refused) == "forbidden" and refused["error"]["details"]["why"] == "undo_needs_staff"
    assert (await staff.call("mod_unmute", {"room": room.id, "user": member_user.id}))["lifted"] is True
    assert "error" not in await member.send(room.id, "I can talk again")


async def test_a_mentor_cannot_act_against_a_psychologist_nor_outside_their_rooms(
    make_room: RoomFactory, patient_at: PatientFactory, chat_client: ClientFactory, psychologist: TestUser
) -> None:
    room, staff, mentor, member, _, member_user = await community(make_room, patient_at, chat_client, psychologist)
    from_staff = await staff.send(room.id, "Welcome, everyone")
    await mentor.wait_until(lambda: from_staff["id"] in mentor.rooms[room.id].messages)
    refused = await mentor.call("mod_hide", {"message": from_staff["id"]})
    assert refused["error"]["details"]["why"] == "target_is_staff"
    refused = await mentor.call("mod_mute", {"room": room.id, "user": psychologist.id, "minutes": 5})
    assert refused["error"]["details"]["why"] == "target_is_staff"
    other_room = await make_room("community", 3)
    refused = await mentor.call("mod_mute", {"room": other_room.id, "user": member_user.id, "minutes": 5})
    assert refused["error"]["details"]["why"] == "not_assigned"
    refused = await member.call("mod_hide", {"message": from_staff["id"]})
    assert refused["error"]["details"]["why"] == "not_a_moderator"
    refused = await mentor.call("mod_ban", {"user": member_user.id, "room": room.id})
    assert refused["error"]["details"]["why"] == "staff_only"


async def test_a_report_reaches_the_mentor_live_and_is_resolved_by_an_action(
    make_room: RoomFactory, patient_at: PatientFactory, chat_client: ClientFactory, psychologist: TestUser
) -> None:
    room, staff, mentor, member, _, _ = await community(make_room, patient_at, chat_client, psychologist)
    for client in (mentor, staff):
        client.sio.on("mod_queue_item", lambda data, c=client: c.events["queue"].append(data))
    other = await chat_client(await patient_at(3))
    await other.join(room.id)
    sent = await other.send(room.id, "buy my miracle cure")
    report = await member.call("report", {"message": sent["id"], "reason": "spam", "note": "selling things"})
    assert report["reported"] is True and "item" in report, report
    assert (await member.call("report", {"message": sent["id"], "reason": "spam"}))["duplicate"] is True
    for client in (mentor, staff):
        await client.wait_until(lambda c=client: any(i["id"] == report["item"] for i in c.events["queue"]))
    page = await mentor.call("mod_queue", {"room": room.id})
    [item] = [i for i in page["items"] if i["id"] == report["item"]]
    assert (item["kind"], item["reason"], item["note"], item["message"]["text"]) == (
        "reported",
        "spam",
        "selling things",
        "buy my miracle cure",
    )
    resolved = await mentor.call("mod_resolve", {"item": report["item"], "resolution": "hide"})
    assert resolved["visibility"] == "hidden", resolved
    assert all(i["id"] != report["item"] for i in (await mentor.call("mod_queue", {"room": room.id}))["items"])
    assert error_code(await member.call("report", {"message": sent["id"], "reason": "because"})) == "validation_failed"


async def test_the_queue_is_paginated_newest_first(
    make_room: RoomFactory, patient_at: PatientFactory, chat_client: ClientFactory, psychologist: TestUser
) -> None:
    room, _, mentor, member, _, _ = await community(make_room, patient_at, chat_client, psychologist)
    ids = []
    for i in range(5):
        sent = await member.send(room.id, f"see www.example{i}.com")  # links off the list are held
        ids.append(sent["id"])
    first = await mentor.call("mod_queue", {"room": room.id, "limit": 2})
    second = await mentor.call("mod_queue", {"room": room.id, "limit": 2, "before": first["next_before"]})
    third = await mentor.call("mod_queue", {"room": room.id, "limit": 2, "before": second["next_before"]})
    seen = [i["message_id"] for page in (first, second, third) for i in page["items"]]
    assert seen == list(reversed(ids)) and first["more"] and not third["more"]


async def a_held_message(
    make_room: RoomFactory, patient_at: PatientFactory, chat_client: ClientFactory, psychologist: TestUser
) -> tuple[Room, ChatClient, ChatClient, ChatClient, ChatClient, dict[str, Any]]:
    """The community room with one more member, and a member's message the pipeline held (a phone
    number), already in the mentor's view: (room, staff, mentor, author, other member, held ack)."""
    room, staff, mentor, member, _, _ = await community(make_room, patient_at, chat_client, psychologist)
    other = await chat_client(await patient_at(3))
    await other.join(room.id)
    held = await member.send(room.id, "call me on 612 345 678")
    assert held["visibility"] == "held"
    await mentor.wait_until(lambda: held["id"] in mentor.rooms[room.id].messages)
    return room, staff, mentor, member, other, held


async def test_a_held_message_is_approved_by_a_mentor_and_reaches_the_room(
    make_room: RoomFactory, patient_at: PatientFactory, chat_client: ClientFactory, psychologist: TestUser
) -> None:
    room, _staff, mentor, _author, other, held = await a_held_message(
        make_room, patient_at, chat_client, psychologist)
    await asyncio.sleep(0.2)
    assert held["id"] not in other.rooms[room.id].messages
    assert (await mentor.call("mod_approve", {"message": held["id"]}))["visibility"] == "visible"
    await other.wait_until(lambda: texts_by_id(other, room.id).get(held["id"]) == "call me on 612 345 678")


async def test_a_rejected_held_message_stays_private_the_room_never_learns_it_existed(
    make_room: RoomFactory, patient_at: PatientFactory, chat_client: ClientFactory, psychologist: TestUser
) -> None:
    """Rejecting used to turn the message into a tombstone every member saw under its author's name."""
    room, staff, mentor, member, other, held = await a_held_message(
        make_room, patient_at, chat_client, psychologist)
    assert (await mentor.call("mod_reject", {"message": held["id"]}))["visibility"] == "rejected"

    # The author and the moderators see it as rejected (the author keeps her own words) ...
    for viewer in (member, mentor, staff):
        await viewer.wait_until(lambda v=viewer: v.rooms[room.id].messages[held["id"]]["visibility"] == "rejected")
    assert member.rooms[room.id].messages[held["id"]]["text"] == "call me on 612 345 678"
    # ... while the other member got nothing, live or from history, and a later message flows as usual.
    after = await member.send(room.id, "Good morning, everyone")
    await other.wait_until(lambda: after["id"] in other.rooms[room.id].messages)
    assert held["id"] not in other.rooms[room.id].messages
    page = await other.call("history", {"room": room.id, "after": 0, "limit": 100})
    assert [m["id"] for m in page["messages"]] == [after["id"]]
    # Nobody can report, edit or approve it into the room afterwards.
    assert error_code(await mentor.call("mod_approve", {"message": held["id"]})) == "conflict"
    assert error_code(await member.call("edit", {"message": held["id"], "text": "x"})) == "message_deleted"


async def test_a_member_who_opens_the_room_later_gets_its_pins_and_slow_mode_in_the_join_answer(
    make_room: RoomFactory, patient_at: PatientFactory, chat_client: ClientFactory, psychologist: TestUser
) -> None:
    """Pins and slow mode used to reach only the members already in the room when they changed."""
    room, staff, mentor, member, _, _ = await community(make_room, patient_at, chat_client, psychologist)
    first = await member.send(room.id, "The group meets on Thursdays at six")
    await mentor.wait_until(lambda: first["id"] in mentor.rooms[room.id].messages)
    assert (await mentor.call("mod_pin", {"message": first["id"]}))["pins"] == [first["id"]]
    assert (await mentor.call("mod_slow_mode", {"room": room.id, "seconds": 30}))["seconds"] == 30

    later = await chat_client(await patient_at(3))
    ack = await later.join(room.id)
    assert (ack["pins"], ack["slow_mode_seconds"]) == ([first["id"]], 30)
    assert (await staff.call("mod_pin", {"message": first["id"], "on": False}))["pins"] == []
    assert (await staff.call("mod_slow_mode", {"room": room.id, "seconds": 0}))["seconds"] == 0
    again = await (await chat_client(await patient_at(3))).join(room.id)
    assert (again["pins"], again["slow_mode_seconds"]) == ([], 0)


async def test_slow_mode_lets_one_message_through_per_interval(
    make_room: RoomFactory, patient_at: PatientFactory, chat_client: ClientFactory, psychologist: TestUser
) -> None:
    room, staff, mentor, member, _, _ = await community(make_room, patient_at, chat_client, psychologist)
    assert (await mentor.call("mod_slow_mode", {"room": room.id, "seconds": 60}))["seconds"] == 60
    assert "error" not in await member.send(room.id, "first")
    refused = await member.send(room.id, "second")
    assert error_code(refused) == "rejected" and refused["error"]["details"]["reason"] == "slow_mode"
    assert "error" not in await staff.send(room.id, "staff are never slowed")
    assert "error" not in await staff.send(room.id, "not even twice")


async def test_a_ban_from_the_site_takes_the_member_out_of_their_rooms_at_once(
    make_room: RoomFactory, patient_at: PatientFactory, chat_client: ClientFactory, psychologist: TestUser
) -> None:
    room, staff, _, member, _, member_user = await community(make_room, patient_at, chat_client, psychologist)
    ack = await staff.call("mod_ban", {"user": member_user.id})
    assert "ban" in ack, ack
    await member.wait_until(lambda: any(e["room"] == room.id for e in member.events["room_left"]))
    assert member.events["room_left"][-1]["reason"] == "banned"
    assert error_code(await member.join(room.id)) == "banned"
    assert (await staff.call("mod_unban", {"user": member_user.id}))["lifted"] == 1
    assert "error" not in await member.join(room.id)


async def test_a_portuguese_crisis_message_is_held_answered_and_alerted_and_all_of_it_is_audited(
    server: RunningServer,
    http: aiohttp.ClientSession,
    make_room: RoomFactory,
    patient_at: PatientFactory,
    chat_client: ClientFactory,
    psychologist: TestUser,
) -> None:
    room, _staff, mentor, _, _, _ = await community(make_room, patient_at, chat_client, psychologist)
    author_user = await patient_at(3, language="pt")
    author, bystander = await chat_client(author_user), await chat_client(await patient_at(3))
    for client in (author, bystander):
        client.sio.on("crisis_reply", lambda data, c=client: c.events["crisis_reply"].append(data))
        await client.join(room.id)
    sent = await author.send(room.id, "Já não aguento mais. Quero morrer.")
    assert sent["visibility"] == "held"
    await author.wait_until(lambda: author.events["crisis_reply"] != [])
    [reply] = author.events["crisis_reply"]
    assert reply["message"] == sent["id"] and reply["language"] == "pt" and "024" in reply["text"]
    await mentor.wait_until(lambda: sent["id"] in mentor.rooms[room.id].messages)
    await asyncio.sleep(0.2)
    assert sent["id"] not in bystander.rooms[room.id].messages and bystander.events["crisis_reply"] == []
    alerts = await server.services.care.alert_desk.alerts(psychologist.person, "open", author_user.id)
    assert [(a.kind, a.severity.value, a.source_ref) for a in alerts] == [
        ("crisis_language", "urgent", f"message:{sent['id']}")
    ]
    async with http.get(f"{server.url}/api/moderation/audit?format=json", headers=psychologist.headers) as response:
        assert response.status == 200
        entries = [e for e in await response.json() if e["message_id"] == sent["id"]]
    kinds = {e["kind"] for e in entries}
    assert {"automatic_decision", "queued", "crisis_reply_sent", "crisis_alert_raised"} <= kinds
    assert "morrer" not in str(entries)


async def test_the_audit_log_is_append_only_and_exports_as_csv_for_staff_only(
    server: RunningServer, http: aiohttp.ClientSession, make_user: UserFactory, psychologist: TestUser
) -> None:
    async with server.services.pool.acquire() as conn:
        for statement in ("UPDATE moderation_audit SET reason = 'x'", "DELETE FROM moderation_audit",
                          "TRUNCATE moderation_audit"):  # fmt: skip
            with pytest.raises(asyncpg.InsufficientPrivilegeError):
                await conn.execute(statement)
    async with http.get(f"{server.url}/api/moderation/audit", headers=psychologist.headers) as response:
        assert response.status == 200 and response.content_type == "text/csv"
        assert (await response.text()).splitlines()[0].startswith("id,at,site_id,kind,actor_id")
    mentor = await make_user("patient", "mentor")
    async with http.get(f"{server.url}/api/moderation/audit", headers=mentor.headers) as response:
        assert response.status == 403


async def test_a_mentor_escalates_a_worrying_message_to_the_psychologists(
    server: RunningServer,
    make_room: RoomFactory,
    patient_at: PatientFactory,
    chat_client: ClientFactory,
    psychologist: TestUser,
) -> None:
    room, _, mentor, member, _, member_user = await community(make_room, patient_at, chat_client, psychologist)
    sent = await member.send(room.id, "I have not eaten for days and nobody notices")
    await mentor.wait_until(lambda: sent["id"] in mentor.rooms[room.id].messages)
    ack = await mentor.call("mod_escalate", {"message": sent["id"], "note": "seems low"})
    assert ack["escalated"] is True, ack
    alerts = await server.services.care.alert_desk.alerts(psychologist.person, "open", member_user.id)
    assert [(a.kind, a.severity.value, a.id) for a in alerts] == [("moderator_escalation", "high", ack["alert"])]


async def test_clinicians_rewrite_the_crisis_reply_for_their_site_and_it_is_used_at_once(
    server: RunningServer,
    http: aiohttp.ClientSession,
    make_room: RoomFactory,
    patient_at: PatientFactory,
    chat_client: ClientFactory,
    psychologist: TestUser,
    make_user: UserFactory,
) -> None:
    url = f"{server.url}/api/moderation/settings"
    broken = {"crisis": {"replies": {"ca": "Som aquí, sense números."}}}
    async with http.put(url, json=broken, headers=psychologist.headers) as response:
        assert response.status == 422
        assert (await response.json())["error"]["code"] == "validation_failed"
    mentor = await make_user("patient", "mentor")
    async with http.put(url, json={"crisis": {}}, headers=mentor.headers) as response:
        assert response.status == 403
    ours = {"crisis": {"country": "ES", "replies": {"ca": "La Marta, del nostre equip, et trucarà avui.\n{resources}"}}}
    async with http.put(url, json=ours, headers=psychologist.headers) as response:
        assert response.status == 200, await response.text()
    try:
        room = await make_room("community", 3)
        author = await chat_client(await patient_at(3, language="ca"))
        author.sio.on("crisis_reply", lambda data: author.events["crisis_reply"].append(data))
        await author.join(room.id)
        await asyncio.sleep(0)
        held = await author.send(room.id, "em vull morir")
        assert held["visibility"] == "held"
        await author.wait_until(lambda: author.events["crisis_reply"] != [])
        text = author.events["crisis_reply"][0]["text"]
        assert text.startswith("La Marta") and "024" in text
    finally:
        async with http.put(url, json={}, headers=psychologist.headers) as response:
            assert response.status == 200


async def test_a_site_in_portugal_gets_portuguese_crisis_lines_without_any_settings(
    server: RunningServer,
    make_site: Any,
    make_user: UserFactory,
    patient_at: PatientFactory,
    chat_client: ClientFactory,
) -> None:
    lisbon = await make_site(country="PT", language="pt")
    staff = await make_user("psychologist", site_id=lisbon)
    room = await server.services.rooms.create_room(
        staff.person, RoomKind.COMMUNITY, Step.PEER_SUPPORT, "Comunidade", []
    )
    author = await chat_client(await patient_at(3, language="pt", site_id=lisbon))
    author.sio.on("crisis_reply", lambda data: author.events["crisis_reply"].append(data))
    await author.join(room.id)
    assert (await author.send(room.id, "quero morrer"))["visibility"] == "held"
    await author.wait_until(lambda: author.events["crisis_reply"] != [])
    phones = [r["phone"] for r in author.events["crisis_reply"][0]["resources"]]
    assert "1411" in phones and "808 24 24 24" in phones and "024" not in phones


async def test_unchanged_site_settings_stay_the_same_object_so_hooks_keep_their_memory(
    server: RunningServer, default_site: int
) -> None:
    from care.people import SiteId
    from moderation.settings import StaticSettings
    from moderation.site_settings import DatabaseSettings

    moderation = server.services.moderation
    assert moderation is not None
    settings = DatabaseSettings(moderation.store, StaticSettings(), ttl_seconds=0)
    first = await settings.settings_for(SiteId(default_site))
    assert await settings.settings_for(SiteId(default_site)) is first
    assert first.crisis.country == "ES"


async def test_bad_moderation_payloads_get_an_error_code_and_the_connection_survives(
    make_room: RoomFactory, patient_at: PatientFactory, chat_client: ClientFactory, psychologist: TestUser
) -> None:
    room, _, mentor, _, _, member_user = await community(make_room, patient_at, chat_client, psychologist)
    cases: list[tuple[str, Any, str]] = [
        ("mod_mute", "not an object", "bad_request"),
        ("mod_mute", {"room": room.id, "user": member_user.id, "minutes": "ten"}, "validation_failed"),
        ("mod_mute", {"room": room.id, "user": member_user.id, "minutes": 0}, "validation_failed"),
        ("mod_hide", {"message": -1}, "bad_request"),
        ("mod_hide", {"message": 2**61}, "not_found"),
        ("mod_slow_mode", {"room": room.id, "seconds": 99999}, "validation_failed"),
        ("mod_queue", {"room": room.id, "limit": 1000}, "validation_failed"),
        ("mod_resolve", {"item": 1, "resolution": "burn"}, "validation_failed"),
        ("report", {"message": 2**61, "reason": "spam"}, "not_found"),
    ]
    for event, payload, code in cases:
        assert error_code(await mentor.call(event, payload)) == code, (event, payload)
    assert "error" not in await mentor.send(room.id, "still here")


async def test_unassigning_a_mentor_takes_their_moderator_tools_away(
    make_room: RoomFactory, patient_at: PatientFactory, chat_client: ClientFactory, psychologist: TestUser
) -> None:
    room, staff, mentor, _, mentor_user, member_user = await community(make_room, patient_at, chat_client, psychologist)
    ack = await staff.call("mod_assign", {"room": room.id, "user": mentor_user.id, "on": False})
    assert ack["assigned"] is False
    refused = await mentor.call("mod_mute", {"room": room.id, "user": member_user.id, "minutes": 5})
    assert refused["error"]["details"]["why"] == "not_assigned"
    not_a_mentor = await patient_at(3)
    assert error_code(await staff.call("mod_assign", {"room": room.id, "user": not_a_mentor.id})) == "conflict"
