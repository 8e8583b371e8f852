"""A psychologist schedules and opens sessions of their therapy group; attendance is kept, and visits are
counted for the programme's cost evaluation."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import aiohttp

from care.people import Step
from loadtests.live_client import LiveClient
from rooms.model import MemberRole, RoomId, RoomKind
from tests.conftest import RunningServer, UserFactory
from tests.signaling.group import ClientFactory, Group, at_step, eventually, schedule

pytest_plugins = ["tests.signaling.fixtures"]

async def test_only_the_groups_psychologist_schedules_and_members_see_the_agenda(
    live_server: RunningServer, http: aiohttp.ClientSession, group: Group, make_user: UserFactory
) -> None:
    url = f"{live_server.url}/api/rooms/{group.room_id}/live-sessions"
    body = {"title": "Breathing", "starts_at": datetime.now(UTC).isoformat(), "duration_minutes": 45}
    other_psychologist = await make_user("psychologist")
    for user in (group.patients[0], other_psychologist):
        async with http.post(url, headers=user.headers, json=body) as response:
            assert response.status == 403
            assert (await response.json())["error"]["code"] == "live_not_host"
    async with http.post(url, headers=group.psychologist.headers,
                         json={**body, "starts_at": "2026-01-01T10:00:00"}) as response:
        assert response.status == 400  # no time zone
    async with http.post(url, headers=group.psychologist.headers, json={**body, "duration_minutes": 1}) as response:
        assert response.status == 422
        assert (await response.json())["error"]["code"] == "live_invalid_schedule"

    async with http.get(url, headers=group.patients[1].headers) as response:
        assert response.status == 200
        sessions = (await response.json())["sessions"]
    assert [s["id"] for s in sessions] == [group.session_id]
    assert sessions[0]["state"] == "scheduled"
    async with http.get(url, headers=group.outsider.headers) as response:
        assert response.status == 403
        assert (await response.json())["error"]["code"] == "live_not_member"


async def test_sessions_belong_to_therapy_rooms_only(
    live_server: RunningServer, http: aiohttp.ClientSession, make_user: UserFactory
) -> None:
    psychologist = await make_user("psychologist")
    campus = await live_server.services.rooms.create_room(
        psychologist.person, RoomKind.CAMPUS, Step.PSYCHOEDUCATION, f"Campus {psychologist.username}", [])
    async with http.post(f"{live_server.url}/api/rooms/{campus.id}/live-sessions", headers=psychologist.headers,
                         json={"title": "x", "starts_at": datetime.now(UTC).isoformat()}) as response:
        assert response.status == 400
        assert (await response.json())["error"]["code"] == "live_not_a_therapy_room"


async def test_a_patient_cannot_join_before_the_psychologist_opens_the_session(
    group: Group, live_client: ClientFactory
) -> None:
    patient = await live_client(group.patients[0])
    early = await patient.join(group.session_id)
    assert early["error"]["code"] == "live_session_not_open"
    assert early["error"]["details"]["starts_at"]
    not_host = await patient.call("open", {"session": group.session_id})
    assert not_host["error"]["code"] == "live_not_host"


async def test_a_dropped_patient_comes_back_without_waiting_again_and_a_second_socket_takes_over(
    group: Group, live_client: ClientFactory
) -> None:
    host = await live_client(group.psychologist)
    await host.call("open", {"session": group.session_id})
    await host.join(group.session_id)
    first = await live_client(group.patients[0])
    assert (await first.join(group.session_id))["status"] == "waiting"
    await host.call("admit", {"session": group.session_id, "all": True})
    assert await eventually(lambda: first.status == "admitted")

    second = await live_client(group.patients[0])  # the same patient on another device
    again = await second.join(group.session_id)
    assert again["status"] == "admitted"
    assert await eventually(lambda: first.left == "joined_elsewhere")
    await second.close()
    third = await live_client(group.patients[0])
    assert (await third.join(group.session_id))["status"] == "admitted"


async def test_attendance_keeps_join_and_leave_times_and_visits_count_each_patient_once_per_session(
    live_server: RunningServer, http: aiohttp.ClientSession, group: Group, live_client: ClientFactory
) -> None:
    host = await live_client(group.psychologist)
    await host.call("open", {"session": group.session_id})
    await host.join(group.session_id)
    ana: LiveClient = await live_client(group.patients[0])
    await ana.join(group.session_id)
    await host.call("admit", {"session": group.session_id, "user_id": group.patients[0].id})
    assert await eventually(lambda: ana.status == "admitted")
    assert (await ana.call("leave", {"session": group.session_id})) == {"ok": True}
    assert (await ana.join(group.session_id))["status"] == "admitted"  # back in: a second attendance row
    await host.call("end", {"session": group.session_id})
    assert await eventually(lambda: ana.left == "ended")

    url = f"{live_server.url}/api/live-sessions/{group.session_id}/attendance"
    async with http.get(url, headers=group.patients[0].headers) as response:
        assert response.status == 403
    async with http.get(url, headers=group.psychologist.headers) as response:
        assert response.status == 200
        rows = (await response.json())["attendance"]
    assert [(r["user_id"], r["role"], r["leave_reason"]) for r in rows] == [
        (group.psychologist.id, "host", "ended"),
        (group.patients[0].id, "patient", "left"),
        (group.patients[0].id, "patient", "ended"),
    ]
    for row in rows:
        assert row["waited_from"] <= row["joined_at"] <= row["left_at"]

    since = (datetime.now(UTC) - timedelta(hours=1)).isoformat()
    async with http.get(f"{live_server.url}/api/live-visits", params={"from": since},
                        headers=group.psychologist.headers) as response:
        assert response.status == 200
        visits = [v for v in (await response.json())["visits"] if v["session_id"] == group.session_id]
    assert [(v["user_id"], v["room_id"]) for v in visits] == [(group.patients[0].id, group.room_id)]
    assert visits[0]["seconds_attended"] >= 0
    async with http.get(f"{live_server.url}/api/live-visits", headers=group.patients[0].headers) as response:
        assert response.status == 403

    sessions_url = f"{live_server.url}/api/rooms/{group.room_id}/live-sessions?include_ended=1"
    async with http.get(sessions_url, headers=group.patients[1].headers) as response:
        ended = (await response.json())["sessions"]
    assert [s["state"] for s in ended if s["id"] == group.session_id] == ["ended"]


async def test_a_member_added_to_the_group_can_join_a_session_already_open(
    live_server: RunningServer, http: aiohttp.ClientSession, group: Group, live_client: ClientFactory,
    make_user: UserFactory
) -> None:
    newcomer = await at_step(live_server, await make_user("patient"))
    client = await live_client(newcomer)
    host = await live_client(group.psychologist)
    await host.call("open", {"session": group.session_id})
    assert (await client.join(group.session_id))["error"]["code"] == "live_not_member"
    await live_server.services.rooms.add_member(group.psychologist.person, RoomId(group.room_id), newcomer.id,
                                                MemberRole.MEMBER)
    assert (await client.join(group.session_id))["status"] == "waiting"
    next_session = await schedule(live_server, http, group.psychologist, group.room_id, "Next week")
    assert (await host.call("open", {"session": next_session}))["session"]["state"] == "open"


async def test_a_patient_stepped_down_below_group_therapy_can_no_longer_join(
    live_server: RunningServer, group: Group, live_client: ClientFactory
) -> None:
    host = await live_client(group.psychologist)
    await host.call("open", {"session": group.session_id})
    await at_step(live_server, group.patients[0], Step.PEER_SUPPORT)
    patient = await live_client(group.patients[0])
    refused = await patient.join(group.session_id)
    assert refused["error"]["code"] == "step_too_low"
    assert (await (await live_client(group.patients[1])).join(group.session_id))["status"] == "waiting"


async def test_a_patient_who_loses_access_during_a_session_is_taken_out_of_it(
    live_server: RunningServer, group: Group, live_client: ClientFactory
) -> None:
    """A psychologist steps the patient down: care tells rooms, whose access notice reaches live sessions."""
    host = await live_client(group.psychologist)
    await host.call("open", {"session": group.session_id})
    await host.join(group.session_id)
    ana = await live_client(group.patients[0])
    await ana.join(group.session_id)
    await host.call("admit", {"session": group.session_id, "all": True})
    assert await eventually(lambda: ana.status == "admitted")

    await at_step(live_server, group.patients[0], Step.GROUP_THERAPY)  # a decision that changes nothing
    await asyncio.sleep(0.2)
    assert ana.left is None
    await at_step(live_server, group.patients[0], Step.PEER_SUPPORT)
    assert await eventually(lambda: ana.left == "access_lost")
    assert await eventually(lambda: group.patients[0].id not in [p["user_id"] for p in host.participants])
    reasons = await live_server.services.pool.fetch(
        "SELECT leave_reason FROM live_attendance WHERE session_id = $1 AND user_id = $2",
        group.session_id, group.patients[0].id)
    assert [r["leave_reason"] for r in reasons] == ["access_lost"]
