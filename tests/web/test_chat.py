"""Signing in, my step and my rooms, and room chat between real browsers."""

from __future__ import annotations

import re

from playwright.async_api import Browser, expect

from tests.conftest import RunningServer, UserFactory
from tests.web.conftest import PHONE, Api, PageFactory, Shots, Site, assert_accessible, assert_fits_width


async def test_a_patient_signs_in_and_sees_her_step_and_her_rooms(
    make_user: UserFactory, site: Site, api: Api, signed_in: PageFactory, shots: Shots
) -> None:
    patient = await make_user("patient", site_id=site.id)
    await api.set_step(site.psychologist, patient, 3)
    community = await api.create_room(site.psychologist, "community", 3, name="Community: peer support")
    campus = await api.create_room(site.psychologist, "campus", 2, name="Campus: living with cancer")
    therapy = await api.create_room(site.psychologist, "therapy", 4, name="Therapy group (not hers)")

    laia = await signed_in(patient)
    page = laia.page
    await expect(page.get_by_role("heading", level=1)).to_have_text(f"Hello, {patient.person.display_name}")
    await expect(page.get_by_test_id("current-step")).to_contain_text("Step 3")
    rooms = page.get_by_test_id("my-rooms")
    await expect(rooms.get_by_role("link", name=re.compile(community["name"]))).to_be_visible()
    await expect(rooms.get_by_role("link", name=re.compile(campus["name"]))).to_be_visible()
    await expect(rooms.get_by_role("link", name=re.compile("Therapy group"))).to_have_count(0)
    shown = await rooms.locator("[data-room]").evaluate_all("links => links.map(a => Number(a.dataset.room))")
    assert therapy["id"] not in shown
    await assert_accessible(page)
    await shots(page, "home-desktop")

    await page.set_viewport_size(PHONE)
    await assert_fits_width(page)
    await shots(page, "home-phone")
    assert laia.errors == []


async def test_a_wrong_password_shows_an_error_and_keeps_the_form(
    browser: Browser, web_server: RunningServer, shots: Shots
) -> None:
    context = await browser.new_context(base_url=web_server.url)
    page = await context.new_page()
    await page.goto("/")
    await page.get_by_label("User name").fill("nobody.here")
    await page.get_by_label("Password").fill("wrong password")
    await page.get_by_role("button", name="Sign in").click()
    await expect(page.locator("#login-error")).not_to_be_empty()
    await expect(page.get_by_label("Password")).to_be_focused()
    await assert_accessible(page)
    await shots(page, "login-error")
    await context.close()


async def test_two_patients_chat_with_history_typing_presence_and_unread_counts(
    make_user: UserFactory, site: Site, api: Api, signed_in: PageFactory, shots: Shots
) -> None:
    first, second = await make_user("patient", site_id=site.id), await make_user("patient", site_id=site.id)
    mentor = await make_user("mentor", "patient", site_id=site.id)
    for account in (first, second, mentor):
        await api.set_step(site.psychologist, account, 3)
    room = await api.create_room(site.psychologist, "community", 3, [(mentor, "moderator")], name="Community room")
    other = await api.create_room(site.psychologist, "community", 3, [(mentor, "moderator")], name="Second room")

    anna, pau = await signed_in(first), await signed_in(second, viewport=PHONE)
    for person in (anna, pau):
        await person.page.get_by_role("link", name=re.compile("Community room")).click()
        await expect(person.page.get_by_role("heading", level=1)).to_have_text("Community room")

    # Typing shows on the other page, then the message arrives there in order.
    composer = anna.page.get_by_label("Your message")
    await composer.press_sequentially("Hello from Anna")
    await expect(pau.page.get_by_test_id("typing")).to_have_text(f"{first.person.display_name} is typing…")
    await composer.press("Enter")
    await expect(pau.page.get_by_test_id("messages").locator(".message .text")).to_have_text(["Hello from Anna"])
    await pau.page.get_by_label("Your message").fill("Hi Anna, Pau here")
    await pau.page.get_by_role("button", name="Send").click()
    expected = ["Hello from Anna", "Hi Anna, Pau here"]
    for person in (anna, pau):
        await expect(person.page.get_by_test_id("messages").locator(".message .text")).to_have_text(expected)
        await expect(person.page.locator(".message.pending")).to_have_count(0)

    # History: a page opened later shows what was said before.
    await pau.page.reload()
    await expect(pau.page.get_by_test_id("messages").locator(".message .text")).to_have_text(expected)

    # Unread: Pau goes home; Anna writes in the room; Pau's room list counts it.
    await pau.page.get_by_role("link", name="Home").click()
    await anna.page.get_by_label("Your message").fill("Are you still there?")
    await anna.page.get_by_label("Your message").press("Enter")
    link = pau.page.get_by_test_id("my-rooms").locator(f'[data-room="{room["id"]}"]')
    await expect(link.get_by_test_id("unread")).to_have_text("1")
    other_link = pau.page.get_by_test_id("my-rooms").locator(f'[data-room="{other["id"]}"]')
    await expect(other_link.get_by_test_id("unread")).to_have_count(0)
    await shots(pau.page, "unread-phone")
    await link.click()
    pau_texts = pau.page.get_by_test_id("messages").locator(".message .text")
    await expect(pau_texts).to_have_text([*expected, "Are you still there?"])

    # Presence: the mentor (an explicit member) is listed, offline until they come.
    listed = anna.page.get_by_test_id("members").locator(f"li:has-text('{mentor.person.display_name}')")
    await expect(listed).to_have_attribute("data-presence", "offline")
    joan = await signed_in(mentor)
    await joan.page.get_by_role("link", name=re.compile("Community room")).click()
    await expect(listed).to_have_attribute("data-presence", "online")

    await assert_accessible(anna.page)
    await assert_fits_width(pau.page)
    await shots(anna.page, "chat-desktop")
    await shots(pau.page, "chat-phone")
    assert anna.errors == [] and pau.errors == []


async def test_messages_sent_while_the_connection_is_down_arrive_once_and_nothing_is_missed(
    make_user: UserFactory, site: Site, api: Api, signed_in: PageFactory, shots: Shots
) -> None:
    first, second = await make_user("patient", site_id=site.id), await make_user("patient", site_id=site.id)
    for account in (first, second):
        await api.set_step(site.psychologist, account, 3)
    await api.create_room(site.psychologist, "community", 3, name="Resilient room")
    anna, pau = await signed_in(first), await signed_in(second)
    for person in (anna, pau):
        await person.page.get_by_role("link", name=re.compile("Resilient room")).click()
        await expect(person.page.get_by_test_id("messages")).to_be_visible()

    # Anna's socket drops (and cannot come back for a while): her message waits as pending.
    await anna.page.evaluate(
        """() => { const io = window.oncommun.client.socket.socket.io;
                  io.reconnectionDelay(3000); io.reconnectionDelayMax(3000); io.engine.close(); }"""
    )
    await expect(anna.page.locator("body")).to_have_attribute("data-connection", "reconnecting")
    await anna.page.get_by_label("Your message").fill("Sent while offline")
    await anna.page.get_by_label("Your message").press("Enter")
    await expect(anna.page.locator(".message.pending")).to_have_count(1)
    # Meanwhile Pau writes twice: Anna misses the broadcasts.
    for text in ("Missed one", "Missed two"):
        await pau.page.get_by_label("Your message").fill(text)
        await pau.page.get_by_label("Your message").press("Enter")
    await shots(anna.page, "offline-pending")

    # Back online: catch-up brings what she missed, the retry delivers hers, exactly once each.
    await expect(anna.page.locator("body")).to_have_attribute("data-connection", "connected", timeout=20_000)
    texts = ["Missed one", "Missed two", "Sent while offline"]
    for person in (anna, pau):
        await expect(person.page.get_by_test_id("messages").locator(".message .text")).to_have_text(texts)
    await expect(anna.page.locator(".message.pending")).to_have_count(0)
    await shots(anna.page, "after-reconnect")


async def test_in_a_campus_room_a_patient_answers_in_a_thread_and_cannot_start_one(
    make_user: UserFactory, site: Site, api: Api, signed_in: PageFactory, shots: Shots
) -> None:
    patient = await make_user("patient", site_id=site.id)
    await api.set_step(site.psychologist, patient, 2)
    room = await api.create_room(site.psychologist, "campus", 2, name="Campus: sleep")
    marta, laia = await signed_in(site.psychologist), await signed_in(patient)
    for person in (marta, laia):
        await person.page.goto(f"/#/room/{room['id']}")
        await expect(person.page.get_by_role("heading", level=1)).to_have_text("Campus: sleep")
    await marta.page.get_by_label("Your message").fill("This week: sleep and fatigue. Questions welcome.")
    await marta.page.get_by_label("Your message").press("Enter")
    post = laia.page.locator(".message", has_text="sleep and fatigue")
    await expect(post).to_be_visible()

    # A top-level post by a patient is refused with the server's reason, and stays as failed.
    await laia.page.get_by_label("Your message").fill("A new topic")
    await laia.page.get_by_label("Your message").press("Enter")
    await expect(laia.page.locator(".message.pending[data-status=failed]")).to_contain_text(
        "Ask your question as a reply"
    )
    await laia.page.locator(".message.pending").get_by_role("button", name="Discard").click()

    await post.get_by_role("button", name="Reply").click()
    await expect(laia.page.get_by_test_id("replying")).to_contain_text("Replying to")
    await laia.page.get_by_label("Your message").fill("Does napping make it worse?")
    await laia.page.get_by_label("Your message").press("Enter")
    reply = marta.page.locator(".message", has_text="Does napping make it worse?")
    await expect(reply.locator(".reply-to")).to_contain_text("In reply to")
    await assert_accessible(laia.page)
    await shots(laia.page, "campus-thread")


async def test_a_person_can_sign_in_and_open_a_room_with_the_keyboard_alone(
    make_user: UserFactory, site: Site, api: Api, browser: Browser, web_server: RunningServer, shots: Shots
) -> None:
    patient = await make_user("patient", site_id=site.id)
    await api.set_step(site.psychologist, patient, 3)
    await api.create_room(site.psychologist, "community", 3, name="Keyboard room")
    context = await browser.new_context(base_url=web_server.url)
    page = await context.new_page()
    await page.goto("/")
    await expect(page.locator("#username")).to_be_visible()

    async def tab_to(selector: str) -> None:
        for _ in range(15):
            await page.keyboard.press("Tab")
            if await page.evaluate(f"document.activeElement.matches({selector!r})"):
                return
        raise AssertionError(f"Tab never reached {selector}")

    await tab_to("#username")
    await page.keyboard.type(patient.username)
    await page.keyboard.press("Tab")
    await page.keyboard.type(patient.password)
    await page.keyboard.press("Enter")
    # Focus moves to the new page's heading, so screen readers announce where we are.
    await expect(page.get_by_role("heading", level=1)).to_be_focused()
    await tab_to("a.room-link")
    await page.keyboard.press("Enter")
    await expect(page.get_by_role("heading", level=1)).to_have_text("Keyboard room")
    await tab_to("#composer")
    await page.keyboard.type("Typed without a mouse")
    await page.keyboard.press("Enter")
    await expect(page.locator(".message .text")).to_have_text(["Typed without a mouse"])
    await shots(page, "keyboard-only")
    await context.close()


async def test_a_revoked_session_brings_the_person_back_to_the_sign_in_form(
    make_user: UserFactory, site: Site, api: Api, signed_in: PageFactory
) -> None:
    patient = await make_user("patient", site_id=site.id)
    admin = await make_user("admin", site_id=site.id)
    laia = await signed_in(patient)
    await api.call(admin, "POST", f"/api/admin/users/{patient.id}/revoke-sessions")
    await expect(laia.page.get_by_role("heading", level=1)).to_have_text("Sign in")
    await expect(laia.page.get_by_test_id("me")).to_have_count(0)
    # A reload does not bring the old session back.
    await laia.page.reload()
    await expect(laia.page.get_by_role("button", name="Sign in")).to_be_visible()
