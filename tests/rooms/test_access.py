"""Nobody sees a room they do not belong to: step access through care, membership, and losing it at once."""

from __future__ import annotations

import aiohttp
import pytest

from care.errors import DomainError
from care.people import Step
from rooms.model import MemberRole
from tests.conftest import RunningServer, TestUser, UserFactory
from tests.rooms.conftest import ClientFactory, PatientFactory, RoomFactory, error_code


async def test_a_patient_enters_rooms_of_their_step_and_below_but_not_above(
    patient_at: PatientFactory, make_room: RoomFactory, chat_client: ClientFactory
) -> None:
    campus = await make_room("campus", 2)
    community = await make_room("community", 3)
    higher = await make_room("community", 4)
    patient = await patient_at(3)
    client = await chat_client(patient)
    assert error_code(await client.join(campus.id)) is None
    assert error_code(await client.join(community.id)) is None
    refused = await client.join(higher.id)
    assert error_code(refused) == "step_too_low"
    assert refused["error"]["details"] == {"step": 4}


async def test_a_therapy_room_admits_only_its_members(
    patient_at: PatientFactory, make_room: RoomFactory, chat_client: ClientFactory
) -> None:
    member, outsider = await patient_at(4), await patient_at(4)
    therapy = await make_room("therapy", 4, [member])
    assert error_code(await (await chat_client(member)).join(therapy.id)) is None
    assert error_code(await (await chat_client(outsider)).join(therapy.id)) == "not_a_member"


async def test_a_room_of_another_site_looks_like_no_room_at_all(
    make_site: object, patient_at: PatientFactory, make_room: RoomFactory, chat_client: ClientFactory
) -> None:
    other_site = await make_site()  # type: ignore[operator]
    stranger = await patient_at(4, site_id=other_site)
    room = await make_room("community", 2)
    client = await chat_client(stranger)
    assert error_code(await client.join(room.id)) == "no_such_room"
    assert error_code(await client.join(999_999_999)) == "no_such_room"
    assert error_code(await client.call("history", {"room": room.id})) == "no_such_room"


async def test_a_patient_stepped_down_leaves_the_room_at_once_with_a_reason_in_their_language(
    server: RunningServer, patient_at: PatientFactory, make_room: RoomFactory, chat_client: ClientFactory
) -> None:
    therapy_patient = await patient_at(4, language="es")
    colleague = await patient_at(4)
    therapy = await make_room("therapy", 4, [therapy_patient, colleague])
    community = await make_room("community", 3)
    leaving, staying = await chat_client(therapy_patient), await chat_client(colleague)
    for client in (leaving, staying):
        await client.join(therapy.id)
    await leaving.join(community.id)

    await server.services.care.set_step(therapy_patient.id, Step(3), decided_by=None, reason="test")

    await leaving.wait_until(lambda: leaving.events["room_left"])
    [notice] = leaving.events["room_left"]
    assert notice["room"] == therapy.id
    assert notice["reason"] == "step_changed"
    assert notice["error"]["code"] == "step_too_low"
    assert notice["error"]["message"] == "Esta sala está abierta a partir del nivel 4 del programa."
    ack = await staying.send(therapy.id, "only for those still here")
    await staying.wait_until(lambda: staying.seqs(therapy.id) == [ack["seq"]])
    assert leaving.seqs(therapy.id) == []
    assert error_code(await leaving.send(therapy.id, "hello?")) == "not_joined"
    assert error_code(await leaving.join(therapy.id)) == "step_too_low"
    assert error_code(await leaving.send(community.id, "still here")) is None  # the step-3 room stays open


async def test_a_member_removed_by_staff_is_taken_out_of_the_room(
    server: RunningServer,
    http: aiohttp.ClientSession,
    psychologist: TestUser,
    patient_at: PatientFactory,
    make_room: RoomFactory,
    chat_client: ClientFactory,
) -> None:
    patient = await patient_at(4)
    therapy = await make_room("therapy", 4, [patient])
    client = await chat_client(patient)
    await client.join(therapy.id)
    async with http.delete(
        f"{server.url}/api/rooms/{therapy.id}/members/{patient.id}", headers=psychologist.headers
    ) as response:
        assert response.status == 200
        assert await response.json() == {"removed": True}
    await client.wait_until(lambda: client.events["room_left"])
    assert client.events["room_left"][0]["reason"] == "removed"


async def test_my_rooms_lists_exactly_the_rooms_i_may_enter_with_unread_counts(
    server: RunningServer,
    http: aiohttp.ClientSession,
    psychologist: TestUser,
    make_user: UserFactory,
    patient_at: PatientFactory,
    chat_client: ClientFactory,
) -> None:
    site = await server.services.account_store.create_site(f"s-{psychologist.id}-list", "List", "ES", "ca")
    staff = await make_user("psychologist", site_id=site)
    patient = await patient_at(3, site_id=site)
    other = await patient_at(3, site_id=site)
    created: dict[str, int] = {}
    for kind, step, members in [
        ("campus", 2, []),
        ("community", 3, []),
        ("community", 4, []),
        ("therapy", 4, [patient.id]),
        ("direct", 3, [patient.id, other.id]),
    ]:
        body = {
            "kind": kind,
            "step": step,
            "name": f"{kind}-{step}",
            "members": [{"user": m, "role": "member"} for m in members],
        }
        async with http.post(f"{server.url}/api/rooms", json=body, headers=staff.headers) as response:
            assert response.status == 201, await response.text()
            created[f"{kind}-{step}"] = (await response.json())["room"]["id"]
    sender = await chat_client(other)
    await sender.join(created["community-3"])
    for n in range(3):
        await sender.send(created["community-3"], f"hello {n}")

    async with http.get(f"{server.url}/api/rooms", headers=patient.headers) as response:
        rooms = {room["name"]: room for room in (await response.json())["rooms"]}
    assert set(rooms) == {"campus-2", "community-3", "direct-3"}  # step 4 and the therapy group are closed
    assert rooms["community-3"]["unread"] == 3
    assert rooms["community-3"]["role"] == "member"

    reader = await chat_client(patient)
    await reader.join(created["community-3"])
    ack = await reader.call("read", {"room": created["community-3"], "seq": 2})
    assert ack == {"room": created["community-3"], "last_read_seq": 2, "unread": 1}
    await sender.wait_until(
        lambda: {"room": created["community-3"], "user": patient.id, "seq": 2} in sender.events["read"]
    )


async def test_only_staff_create_rooms(
    server: RunningServer, http: aiohttp.ClientSession, patient_at: PatientFactory
) -> None:
    patient = await patient_at(4)
    body = {"kind": "community", "step": 3, "name": "mine"}
    async with http.post(f"{server.url}/api/rooms", json=body, headers=patient.headers) as response:
        assert response.status == 403
        assert (await response.json())["error"]["code"] == "forbidden"


async def test_a_therapy_group_takes_at_most_twelve_patients(
    server: RunningServer, psychologist: TestUser, patient_at: PatientFactory, make_room: RoomFactory
) -> None:
    patients = [await patient_at(4) for _ in range(13)]
    therapy = await make_room("therapy", 4, patients[:12])
    rooms = server.services.rooms
    with pytest.raises(DomainError) as refused:
        await rooms.add_member(psychologist.person, therapy.id, patients[12].id, MemberRole.MEMBER)
    assert refused.value.code == "room_full"
    await rooms.add_member(psychologist.person, therapy.id, patients[0].id, MemberRole.MODERATOR)  # a role change
