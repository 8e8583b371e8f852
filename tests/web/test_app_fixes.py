"""Three fixes of the web app, each checked in the browser the way a person meets it.

The "Skip to content" link moves keyboard focus to the page's main content and stays on the page (it
used to change the URL hash, which the app routes on: a room turned into the Home page, the sign-in form
was rebuilt and lost what had been typed). An alert escalated by a mentor has a translated title in
every language, and an alert of a kind the app does not know gets a generic translated title, never a
raw catalogue key. In a room, a mentor is offered only the moderators' buttons the server lets a mentor
use: no Hide on a held message, no Unpin and no Show again (only staff undo a pin or a hide).
"""

from __future__ import annotations

import json
import re

from playwright.async_api import Browser, Page, expect

from tests.conftest import RunningServer, UserFactory
from tests.web.conftest import DESKTOP, ROOT, Api, PageFactory, Person, Shots, Site, assert_accessible
from tests.web.test_controls import (
    community_with_a_mentor,
    escalate_a_report,
    history,
    open_room,
    patients_at_step,
    say,
)

CATALOGS = ROOT / "clients" / "js" / "locales"
LANGUAGES = ("en", "ca", "es", "pt", "pl")
MODERATOR_BUTTONS = re.compile("^(Hide|Pin|Unpin|Show again)$")


def catalog(language: str) -> dict[str, str]:
    return dict(json.loads((CATALOGS / f"{language}.json").read_text(encoding="utf-8")))


# --- "Skip to content" ---


async def skip_to_content(page: Page) -> None:
    """Focus the skip link (the page's first Tab stop) and press Enter, as a keyboard user does."""
    skip = page.locator("a.skip")
    await skip.focus()
    await expect(skip).to_be_focused()
    await expect(skip).to_have_text("Skip to content")
    await skip.press("Enter")


async def assert_stayed(page: Page, url: str) -> None:
    """The page is the one it was, and keyboard focus is on its main content."""
    # A hash change would be there at once: following a fragment link updates the location synchronously.
    assert await page.evaluate("location.href") == url
    await expect(page.locator("main#main")).to_be_focused()
    # And nothing re-renders a moment later (the app routes on hashchange, a task after the click).
    await page.wait_for_timeout(300)
    assert await page.evaluate("location.href") == url
    assert await page.evaluate("document.activeElement && document.activeElement.id") == "main"


async def test_skip_to_content_on_the_sign_in_page_keeps_the_typed_user_name_and_focuses_the_form(
    browser: Browser, web_server: RunningServer, make_user: UserFactory, site: Site
) -> None:
    patient = await make_user("patient", site_id=site.id)
    context = await browser.new_context(viewport=DESKTOP, base_url=web_server.url)
    try:
        page = await context.new_page()
        errors: list[str] = []
        page.on("pageerror", lambda exc: errors.append(str(exc)))
        await page.goto("/")
        await expect(page.get_by_role("heading", level=1)).to_have_text("Sign in")
        await page.locator("#username").fill(patient.username)
        # Mark the form: a rebuilt form would not carry the mark.
        await page.locator("form.login").evaluate("form => { form.dataset.original = 'yes'; }")
        url = await page.evaluate("location.href")

        await skip_to_content(page)
        await assert_stayed(page, url)
        await expect(page.locator("#username")).to_have_value(patient.username)
        await expect(page.locator("form.login")).to_have_attribute("data-original", "yes")
        # The next Tab reaches the first field of the form.
        await page.keyboard.press("Tab")
        await expect(page.locator("#username")).to_be_focused()

        # And the form still signs in.
        await page.locator("#password").fill(patient.password)
        await page.locator("#password").press("Enter")
        await expect(page.get_by_test_id("me")).to_have_text(patient.person.display_name)
        assert errors == [], errors
    finally:
        await context.close()


async def test_skip_to_content_in_a_room_stays_in_the_room(
    make_user: UserFactory, site: Site, api: Api, signed_in: PageFactory, shots: Shots
) -> None:
    (patient,) = await patients_at_step(make_user, api, site, 1)
    room = await api.create_room(site.psychologist, "community", 3, name="Skip room")
    laia = await signed_in(patient)
    page = laia.page
    await open_room(laia, room)
    await say(laia, "Good morning everyone")
    await expect(page.locator(".message .text")).to_have_text(["Good morning everyone"])
    url = await page.evaluate("location.href")
    assert url.endswith(f"#/room/{room['id']}"), url

    await skip_to_content(page)
    await assert_stayed(page, url)
    await expect(page.get_by_role("heading", level=1)).to_have_text("Skip room")
    await expect(page.locator(".message .text")).to_have_text(["Good morning everyone"])
    # The next Tab lands inside the main content, not back in the header.
    await page.keyboard.press("Tab")
    assert await page.evaluate("document.getElementById('main').contains(document.activeElement)")
    # The room still works.
    await say(laia, "Still here")
    await expect(page.locator(".message .text")).to_have_text(["Good morning everyone", "Still here"])
    await assert_accessible(page)
    await shots(page, "after-skip-to-content")
    assert laia.errors == []


# --- alert titles ---


async def test_an_alert_a_mentor_escalates_has_a_translated_title_and_unknown_kinds_a_generic_one(
    make_user: UserFactory, site: Site, api: Api, signed_in: PageFactory, web_server: RunningServer, shots: Shots
) -> None:
    e = await escalate_a_report(make_user, site, api, signed_in, "I stopped eating since the last scan", "Titles room")
    marta, joan, anna, pau, first, second = e.marta, e.joan, e.anna, e.pau, e.first, e.second

    # The escalation reaches the psychologist's open page live, with a title in words.
    escalated = marta.page.locator('[data-kind="moderator_escalation"]')
    await expect(escalated.locator("h2")).to_have_text(f"Escalated by a moderator — {first.person.display_name}")

    # An alert of a kind this version of the app does not know yet (raised by another part of Oncommun).
    await web_server.services.care.alert_desk.raise_alert(
        second.id, "wellbeing_check", "normal", "test", {"note": "from a future module"}
    )
    unknown = marta.page.locator('[data-kind="wellbeing_check"]')
    await expect(unknown.locator("h2")).to_have_text(f"Other alert — {second.person.display_name}")
    await expect(marta.page.get_by_test_id("alerts")).not_to_contain_text("alert.kind.")
    await assert_accessible(marta.page)
    await shots(marta.page, "alert-titles-en")

    # Every language has both titles.
    for language in LANGUAGES[1:]:
        strings = catalog(language)
        colleague = await signed_in(await make_user("psychologist", site_id=site.id, language=language))
        await colleague.page.goto("/#/alerts")
        alerts = colleague.page.get_by_test_id("alerts")
        await expect(alerts.locator('[data-kind="moderator_escalation"] h2')).to_have_text(
            f"{strings['alert.kind.moderator_escalation']} — {first.person.display_name}"
        )
        await expect(alerts.locator('[data-kind="wellbeing_check"] h2')).to_have_text(
            f"{strings['alert.kind.other']} — {second.person.display_name}"
        )
        await expect(alerts).not_to_contain_text("alert.kind.")
        await shots(colleague.page, f"alert-titles-{language}")
        assert colleague.errors == [], (language, colleague.errors)
        await colleague.context.close()
    for person in (joan, anna, pau, marta):
        assert person.errors == [], person.errors


def test_the_new_alert_titles_are_translated_in_every_catalogue() -> None:
    english = catalog("en")
    assert english["alert.kind.moderator_escalation"] == "Escalated by a moderator"
    for key in ("alert.kind.moderator_escalation", "alert.kind.other"):
        texts = {language: catalog(language)[key] for language in LANGUAGES}
        assert all(texts.values()), texts
        # Each language says it in its own words.
        assert len(set(texts.values())) == len(LANGUAGES), texts


# --- moderators' buttons in a room ---


async def moderator_buttons(person: Person, text: str) -> list[str]:
    """The moderators' buttons (Hide, Pin, Unpin, Show again) this person has on the message with this text."""
    message = person.page.locator(".message", has_text=text)
    await expect(message).to_have_count(1)
    names = await message.locator(".actions button").all_inner_texts()
    return [name for name in names if MODERATOR_BUTTONS.match(name)]


async def expect_moderator_buttons(person: Person, text: str, expected: list[str]) -> None:
    """Wait (as `expect` does) until the message shows exactly these moderators' buttons."""
    found: list[str] = []
    for _ in range(50):
        found = await moderator_buttons(person, text)
        if found == expected:
            return
        await person.page.wait_for_timeout(100)
    raise AssertionError((person.user.username, text, found, expected))


async def test_a_mentor_is_offered_only_the_buttons_a_mentor_may_use_and_staff_keep_theirs(
    make_user: UserFactory, site: Site, api: Api, signed_in: PageFactory, shots: Shots
) -> None:
    room, first, second, mentor = await community_with_a_mentor(make_user, api, site, "Buttons room")
    joan, anna, pau = await signed_in(mentor), await signed_in(first), await signed_in(second)
    marta = await signed_in(site.psychologist)
    for person in (joan, anna, pau, marta):
        await open_room(person, room)

    # A held message: the moderators see it, and neither is offered Hide (it applies to visible messages).
    await say(anna, "Call me any time on 612 345 678")
    for person in (joan, marta):
        held = person.page.locator('.message[data-visibility="held"]', has_text="612 345 678")
        await expect(held).to_be_visible()
        await expect(held.get_by_role("button", name="Mute for 30 minutes")).to_be_visible()
        await expect(held.get_by_role("button", name="Hide")).to_have_count(0)
        await expect_moderator_buttons(person, "612 345 678", [])

    # Visible messages: the mentor may hide and pin them.
    await say(anna, "Group rules: be kind, no medical advice")
    await say(pau, "Buy my miracle pills, message me")
    for person in (joan, marta):
        await expect(person.page.locator('.message[data-visibility="visible"] .text')).to_have_count(2)
    await expect_moderator_buttons(joan, "Group rules", ["Hide", "Pin"])
    await expect_moderator_buttons(joan, "miracle pills", ["Hide", "Pin"])

    # Once pinned, a mentor has no Unpin (only staff undo a pin); the psychologist has.
    rules = joan.page.locator(".message", has_text="Group rules")
    await rules.get_by_role("button", name="Pin").click()
    for person in (joan, anna, pau, marta):
        await expect(person.page.get_by_test_id("pinned").locator("p")).to_have_text(
            "Pinned Group rules: be kind, no medical advice"
        )
    await expect_moderator_buttons(joan, "Group rules", ["Hide"])
    await expect(joan.page.get_by_role("button", name="Unpin")).to_have_count(0)
    marta_rules = marta.page.locator(".message", has_text="Group rules")
    await expect(marta_rules.get_by_role("button", name="Unpin")).to_be_visible()

    # Once hidden, a mentor has no Show again (only staff undo a hide); the psychologist has.
    await joan.page.locator(".message", has_text="miracle pills").get_by_role("button", name="Hide").click()
    for person in (joan, marta):
        await expect(person.page.locator('.message[data-visibility="hidden"]')).to_have_count(1)
    hidden_for_joan = joan.page.locator('.message[data-visibility="hidden"]')
    await expect(hidden_for_joan.locator(".tombstone")).to_have_text("This message was hidden by a moderator.")
    await expect(hidden_for_joan.locator("button")).to_have_count(0)
    await expect(joan.page.get_by_role("button", name="Show again")).to_have_count(0)
    await assert_accessible(joan.page)
    await shots(joan.page, "mentor-buttons")

    # The psychologist's buttons work: she shows the message again and unpins the rules.
    await marta.page.locator('.message[data-visibility="hidden"]').get_by_role("button", name="Show again").click()
    for person in (joan, pau, marta):
        await expect(person.page.locator(".message", has_text="miracle pills").locator(".text")).to_be_visible()
        await expect(person.page.locator(".message.gone")).to_have_count(0)
    await marta.page.locator(".message", has_text="Group rules").get_by_role("button", name="Unpin").click()
    for person in (joan, anna, pau, marta):
        await expect(person.page.get_by_test_id("pinned")).to_be_empty()
    # With the pin and the hide undone, the mentor has Pin and Hide back.
    await expect_moderator_buttons(joan, "Group rules", ["Hide", "Pin"])
    await expect_moderator_buttons(joan, "miracle pills", ["Hide", "Pin"])
    # No failure toast anywhere.
    for person in (joan, marta):
        await expect(person.page.locator(".toast-error")).to_have_count(0)
    visible = [(m["visibility"], m["text"]) for m in await history(api, second, room)]
    assert visible == [
        ("visible", "Group rules: be kind, no medical advice"),
        ("visible", "Buy my miracle pills, message me"),
    ], visible
    for person in (joan, anna, pau, marta):
        assert person.errors == [], person.errors
