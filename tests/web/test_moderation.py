"""A mentor moderates a community room from the browser; the effects reach the other pages live."""

from __future__ import annotations

import re

from playwright.async_api import expect

from tests.conftest import UserFactory
from tests.web.conftest import PHONE, Api, PageFactory, Shots, Site, assert_accessible, assert_fits_width


async def test_a_mentor_hides_a_message_and_it_disappears_from_the_other_pages(
    make_user: UserFactory, site: Site, api: Api, signed_in: PageFactory, shots: Shots
) -> None:
    first, second = await make_user("patient", site_id=site.id), await make_user("patient", site_id=site.id)
    mentor = await make_user("mentor", "patient", site_id=site.id)
    for account in (first, second, mentor):
        await api.set_step(site.psychologist, account, 3)
    room = await api.create_room(site.psychologist, "community", 3, [(mentor, "moderator")], name="Peer support")

    joan, anna, pau = await signed_in(mentor), await signed_in(first), await signed_in(second, viewport=PHONE)
    for person in (joan, anna, pau):
        await person.page.goto(f"/#/room/{room['id']}")
        await expect(person.page.get_by_role("heading", level=1)).to_have_text("Peer support")

    await anna.page.get_by_label("Your message").fill("This treatment is a scam, buy my pills instead")
    await anna.page.get_by_label("Your message").press("Enter")
    await pau.page.get_by_label("Your message").fill("Thank you all for yesterday")
    await pau.page.get_by_label("Your message").press("Enter")
    for person in (joan, anna, pau):
        await expect(person.page.locator(".message .text")).to_have_count(2)

    # The mentor hides Anna's message: on every page it becomes a tombstone, the other one stays.
    offending = joan.page.locator(".message", has_text="buy my pills")
    await offending.get_by_role("button", name="Hide").click()
    for person in (anna, pau):
        await expect(person.page.locator(".message", has_text="buy my pills")).to_have_count(0)
        tombstone = person.page.locator(".message.gone .tombstone")
        await expect(tombstone).to_have_text("This message was hidden by a moderator.")
        await expect(person.page.locator(".message .text")).to_have_text(["Thank you all for yesterday"])
    await shots(pau.page, "hidden-on-another-page-phone")
    await shots(joan.page, "mentor-after-hiding")

    # A member reports a message; it reaches the mentor's queue live, and the mentor settles it.
    await joan.page.get_by_role("link", name="Moderation").click()
    await expect(joan.page.get_by_test_id("queue")).to_contain_text("Nothing to review.")
    reported = anna.page.locator(".message", has_text="Thank you all")
    await reported.get_by_role("button", name="Report").click()
    await reported.get_by_label("Why are you reporting it?").select_option("spam")
    await reported.get_by_role("button", name="Send report").click()
    item = joan.page.get_by_test_id("queue").locator('[data-kind="reported"]')
    await expect(item).to_contain_text("Thank you all for yesterday")
    await assert_accessible(joan.page)
    await shots(joan.page, "mentor-queue")
    await item.get_by_role("button", name="Dismiss").click()
    await expect(joan.page.get_by_test_id("queue")).to_contain_text("Nothing to review.")
    await expect(pau.page.locator(".message .text")).to_have_text(["Thank you all for yesterday"])

    # The mentor mutes Pau for 30 minutes: his page says so, and a send is refused with the reason.
    await joan.page.goto(f"/#/room/{room['id']}")
    await (
        joan.page.locator(".message", has_text="Thank you all")
        .get_by_role("button", name="Mute for 30 minutes")
        .click()
    )
    await expect(pau.page.get_by_test_id("room-notices")).to_contain_text("A moderator muted you in this room")
    await pau.page.get_by_label("Your message").fill("Can I still write?")
    await pau.page.get_by_label("Your message").press("Enter")
    await expect(pau.page.locator(".message.pending[data-status=failed]")).to_contain_text("Can I still write?")

    await assert_accessible(pau.page)
    await assert_fits_width(pau.page)
    for person in (joan, anna, pau):
        assert person.errors == [], person.errors


async def test_a_held_message_waits_for_the_mentor_and_appears_once_approved(
    make_user: UserFactory, site: Site, api: Api, signed_in: PageFactory, shots: Shots
) -> None:
    first, second = await make_user("patient", site_id=site.id), await make_user("patient", site_id=site.id)
    mentor = await make_user("mentor", "patient", site_id=site.id)
    for account in (first, second, mentor):
        await api.set_step(site.psychologist, account, 3)
    room = await api.create_room(site.psychologist, "community", 3, [(mentor, "moderator")], name="Held room")
    joan, anna, pau = await signed_in(mentor), await signed_in(first), await signed_in(second)
    for person in (joan, anna, pau):
        await person.page.goto(f"/#/room/{room['id']}")
        await expect(person.page.get_by_role("heading", level=1)).to_have_text("Held room")

    # A phone number in a community room is held: its author sees it waiting; the others do not see it.
    await anna.page.get_by_label("Your message").fill("Call me any time on 612 345 678")
    await anna.page.get_by_label("Your message").press("Enter")
    await expect(anna.page.locator('.message[data-visibility="held"] .held')).to_be_visible()
    await pau.page.get_by_label("Your message").fill("Good morning")
    await pau.page.get_by_label("Your message").press("Enter")
    await expect(anna.page.locator(".message .text")).to_have_text(["Call me any time on 612 345 678", "Good morning"])
    await expect(pau.page.locator(".message .text")).to_have_text(["Good morning"])

    await joan.page.get_by_role("link", name="Moderation").click()
    item = joan.page.get_by_test_id("queue").locator('[data-kind="held"]')
    await expect(item).to_contain_text("612 345 678")
    await shots(joan.page, "held-in-queue")
    await item.get_by_role("button", name="Approve").click()
    await expect(pau.page.locator(".message .text")).to_have_text([re.compile("612 345 678"), "Good morning"])
    await shots(pau.page, "approved-appears")


async def test_a_crisis_message_is_held_its_author_gets_support_and_the_psychologist_the_alert(
    make_user: UserFactory, site: Site, api: Api, signed_in: PageFactory, shots: Shots
) -> None:
    author = await make_user("patient", site_id=site.id, language="pt")
    other = await make_user("patient", site_id=site.id)
    for account in (author, other):
        await api.set_step(site.psychologist, account, 3)
    room = await api.create_room(site.psychologist, "community", 3, name="Comunidade")
    marta = await signed_in(site.psychologist)
    await marta.page.get_by_role("link", name="Alerts").click()
    ines, pau = await signed_in(author, viewport=PHONE), await signed_in(other)
    for person in (ines, pau):
        await person.page.goto(f"/#/room/{room['id']}")
        await expect(person.page.get_by_role("heading", level=1)).to_have_text("Comunidade")

    await ines.page.get_by_label("A sua mensagem").fill("Já não aguento mais, quero morrer")
    await ines.page.get_by_label("A sua mensagem").press("Enter")
    # Held: she sees it waiting for review, nobody else sees it; she gets the site's resources at once.
    await expect(ines.page.locator('.message[data-visibility="held"]')).to_be_visible()
    support = ines.page.get_by_test_id("crisis-reply")
    await expect(support).to_be_visible()
    await expect(support).to_contain_text("112")
    await assert_accessible(ines.page)
    await assert_fits_width(ines.page)
    await shots(ines.page, "crisis-reply-phone")
    await pau.page.get_by_label("Your message").fill("Hello everyone")
    await pau.page.get_by_label("Your message").press("Enter")
    await expect(pau.page.locator(".message .text")).to_have_text(["Hello everyone"])

    # The psychologist's open page gets the urgent alert.
    alert = marta.page.locator('[data-kind="crisis_language"]')
    await expect(alert).to_contain_text(author.person.display_name)
    await shots(marta.page, "crisis-alert")
