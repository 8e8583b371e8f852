"""A live video group in three browsers: waiting room, admission, real WebRTC through the SFU, chat beside it."""

from __future__ import annotations

import asyncio
import re

from playwright.async_api import Page, expect

from tests.conftest import RunningServer, UserFactory
from tests.web.conftest import PHONE, Api, PageFactory, Person, Shots, Site, assert_accessible, assert_fits_width


def sfu_report(server: RunningServer) -> list[str]:
    """What the SFU saw, for a failure message: packets in and frames out per producer and consumer."""
    lines = []
    for router in server.services.live_video.worker.routers:
        for producer in router.producers:
            lines.append(
                f"producer {producer.id} {producer.kind} {producer.codec.mimeType} in={producer.packets_received} "
                f"frames={producer.frames_forwarded} pli={producer.keyframe_requests} paused={producer.paused}"
            )
            for consumer in producer.consumers:
                lines.append(f"  consumer {consumer.id} sent={consumer.frames_sent} skipped={consumer.frames_skipped}")
    return lines


async def selected_addresses(page: Page) -> list[str]:
    """Both ends of the browser's selected ICE candidate pair."""
    found = await page.evaluate(
        """async () => {
            const stats = await window.oncommun.live.pc.getStats();
            const byId = new Map([...stats.values()].map((r) => [r.id, r]));
            const pair = [...stats.values()].find((r) => r.type === 'candidate-pair' && r.nominated
                                                      && r.state === 'succeeded');
            return pair ? [byId.get(pair.localCandidateId).address, byId.get(pair.remoteCandidateId).address] : [];
        }"""
    )
    return list(found)


async def frames_by_user(page: Page) -> dict[int, int]:
    frames = await page.evaluate("async () => window.oncommun.live ? await window.oncommun.live.framesDecoded() : {}")
    return {int(k): int(v) for k, v in frames.items()}


async def assert_remote_videos_play(person: Person, others: list[Person]) -> None:
    """Two remote videos on the page, each really decoding: getStats() framesDecoded keeps rising."""
    page = person.page
    tiles = page.locator("figure.tile[data-remote=true] video")
    await expect(tiles).to_have_count(len(others), timeout=30_000)
    wanted = {o.id for o in others}
    deadline = asyncio.get_running_loop().time() + 30
    before = await frames_by_user(page)
    while not (wanted <= {u for u, n in before.items() if n > 0}):
        assert asyncio.get_running_loop().time() < deadline, f"no frames decoded yet: {before}"
        await asyncio.sleep(0.5)
        before = await frames_by_user(page)
    await asyncio.sleep(2)
    after = await frames_by_user(page)
    for user_id in wanted:
        frozen = f"video of {user_id} is frozen on {person.user.username}: {before} -> {after}"
        assert after[user_id] > before[user_id], frozen
    playing = await tiles.evaluate_all("vs => vs.map(v => !v.paused && v.readyState >= 2 && v.videoWidth > 0)")
    assert playing == [True] * len(others), playing


async def test_a_psychologist_and_two_patients_hold_a_video_group_through_the_waiting_room_and_chat(
    make_user: UserFactory, site: Site, api: Api, signed_in: PageFactory, shots: Shots, web_server: RunningServer
) -> None:
    first, second = await make_user("patient", site_id=site.id), await make_user("patient", site_id=site.id)
    for account in (first, second):
        await api.set_step(site.psychologist, account, 4)
    room = await api.create_room(
        site.psychologist, "therapy", 4, [(first, "member"), (second, "member")], name="Thursday group"
    )

    marta = await signed_in(site.psychologist)
    jordi = await signed_in(first)
    ewa = await signed_in(second, viewport=PHONE)

    # The psychologist starts the session from the room and goes straight in, as its host.
    await marta.page.goto(f"/#/room/{room['id']}")
    await marta.page.get_by_role("button", name="Start a video session now").click()
    await expect(marta.page.get_by_test_id("live-status")).to_have_text("You are in the session.")

    # The patients find it in their room and land in the waiting room.
    for patient in (jordi, ewa):
        await patient.page.goto(f"/#/room/{room['id']}")
        await patient.page.get_by_test_id("live-panel").get_by_role("link", name=re.compile("Join")).click()
        await expect(patient.page.get_by_test_id("live-status")).to_contain_text("waiting room")
    await shots(ewa.page, "waiting-room-phone")
    waiting = marta.page.get_by_test_id("waiting")
    await expect(waiting.locator("li")).to_have_count(2)
    await assert_accessible(marta.page)
    await shots(marta.page, "host-sees-waiting-room")

    # Admitted one by one.
    for patient in (jordi, ewa):
        await waiting.get_by_role("button", name=f"Admit {patient.user.person.display_name}").click()
        await expect(patient.page.get_by_test_id("live-status")).to_have_text("You are in the session.")

    # Everyone sees and decodes the other two.
    everyone = [marta, jordi, ewa]
    try:
        await asyncio.gather(*(assert_remote_videos_play(p, [o for o in everyone if o is not p]) for p in everyone))
    except AssertionError as err:
        raise AssertionError("\n".join([str(err), *sfu_report(web_server)])) from None

    # Media goes to the SFU on loopback (the browser may send from its own interface address: still local).
    for person in everyone:
        local, remote = await selected_addresses(person.page)
        assert remote == "127.0.0.1", (local, remote)

    # The active speaker is highlighted (the fake microphones all beep: someone is always loudest).
    for person in everyone:
        await expect(person.page.locator("figure.tile[data-speaking=true]")).to_have_count(1, timeout=20_000)

    # They chat beside the video.
    await jordi.page.get_by_label("Your message").fill("Can you all see me?")
    await jordi.page.get_by_label("Your message").press("Enter")
    await ewa.page.get_by_label("Your message").fill("Yes, loud and clear")
    await ewa.page.get_by_label("Your message").press("Enter")
    for person in everyone:
        await expect(person.page.get_by_test_id("messages").locator(".message .text")).to_have_text(
            ["Can you all see me?", "Yes, loud and clear"]
        )

    # Microphone toggle: the others see Jordi muted.
    await jordi.page.get_by_role("button", name="Mute my microphone").click()
    unmute = jordi.page.get_by_role("button", name="Unmute my microphone")
    await expect(unmute).to_have_attribute("aria-pressed", "true")
    await expect(marta.page.locator(f'figure.tile[data-user="{first.id}"] figcaption')).to_contain_text("muted")

    for person, name in ((marta, "host-desktop"), (jordi, "patient-desktop"), (ewa, "patient-phone")):
        await shots(person.page, name)
    await assert_accessible(jordi.page)
    await assert_fits_width(ewa.page)

    # Host controls: mute Ewa on the server; her page says so and she cannot unmute herself.
    participants = marta.page.get_by_test_id("participants")
    await participants.get_by_role("button", name=f"Mute {second.person.display_name}").click()
    await expect(ewa.page.get_by_role("button", name="Unmute my microphone")).to_be_visible()
    await expect(ewa.page.locator("#toasts")).to_contain_text("The psychologist muted your microphone.")
    await expect(participants.get_by_role("button", name=f"Ask {second.person.display_name} to unmute")).to_be_visible()

    # Remove Ewa; she is told, and the others stop receiving her.
    await participants.get_by_role("button", name=f"Remove {second.person.display_name}").click()
    await expect(ewa.page.get_by_test_id("live-status")).to_have_text("You were removed from the session.")
    await expect(jordi.page.locator("figure.tile[data-remote=true]")).to_have_count(1)

    # Jordi raises his hand; the host sees it. Then she ends the session for everyone.
    await jordi.page.get_by_role("button", name="Raise hand").click()
    await expect(participants.locator(f'li[data-user="{first.id}"]')).to_contain_text("✋")
    await marta.page.get_by_role("button", name="End for everyone").click()
    await expect(jordi.page.get_by_test_id("live-status")).to_have_text("The session has ended.")
    await expect(jordi.page.locator("figure.tile")).to_have_count(0)
    await shots(jordi.page, "session-ended")
    for person in everyone:
        assert person.errors == [], person.errors
