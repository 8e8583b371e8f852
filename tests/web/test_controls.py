"""The web app's controls that the other browser tests leave alone, each used the way a person would use it.

Sign out; delete one's own message; cancel a reply; show earlier messages; try a failed message again;
pin and unpin; show a hidden message again; reject, hide and escalate from the moderation queue and open
the room from it; override a step proposal; fill in a questionnaire the psychologist asked for; close
the crisis support panel. What each shows on screen is checked, and where the server must now hold
something, it is read back through the HTTP API.
"""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass
from typing import Any

import aiohttp
from playwright.async_api import Locator, expect

from tests.conftest import RunningServer, SocketFactory, TestUser, UserFactory
from tests.web.conftest import Api, PageFactory, Person, Shots, Site, assert_accessible

# PHQ-9 answers (0-3) for items 1..9: total 11 (moderate), item 9 ("better off dead") at 0: a step
# proposal and no self-harm alert.
PHQ9_MODERATE = [2, 2, 1, 2, 1, 1, 1, 1, 0]
HOW_OFTEN = ["Not at all", "Several days", "More than half the days", "Nearly every day"]


async def patients_at_step(make_user: UserFactory, api: Api, site: Site, count: int, step: int = 3) -> list[TestUser]:
    people = [await make_user("patient", site_id=site.id) for _ in range(count)]
    for person in people:
        await api.set_step(site.psychologist, person, step)
    return people


async def open_room(person: Person, room: dict[str, Any]) -> None:
    await person.page.goto(f"/#/room/{room['id']}")
    await expect(person.page.get_by_role("heading", level=1)).to_have_text(room["name"])
    await expect(person.page.get_by_test_id("messages")).to_be_visible()


async def say(person: Person, text: str) -> None:
    composer = person.page.get_by_label("Your message")
    await composer.fill(text)
    await composer.press("Enter")


async def history(api: Api, reader: TestUser, room: dict[str, Any]) -> list[dict[str, Any]]:
    """The room's latest page of messages as `reader` gets it from the HTTP API."""
    page = await api.call(reader, "GET", f"/api/rooms/{room['id']}/messages?limit=100")
    return list(page["messages"])


def by_text(messages: list[dict[str, Any]], text: str) -> dict[str, Any]:
    found = [m for m in messages if m["text"] == text]
    assert len(found) == 1, messages
    return found[0]


# --- the header ---


async def test_signing_out_shows_the_sign_in_form_and_ends_the_session_on_the_server(
    make_user: UserFactory, site: Site, signed_in: PageFactory, web_server: RunningServer, http: aiohttp.ClientSession
) -> None:
    patient = await make_user("patient", site_id=site.id)
    laia = await signed_in(patient)
    page = laia.page
    token = await page.evaluate("sessionStorage.getItem('oncommun.token')")
    assert token

    await page.get_by_role("button", name="Sign out").click()
    await expect(page.get_by_role("heading", level=1)).to_have_text("Sign in")
    await expect(page.get_by_test_id("me")).to_have_count(0)
    await expect(page.locator("#announcer")).to_have_text("You have signed out.")
    # The browser's session is over on the server: its token no longer opens anything.
    async with http.get(f"{web_server.url}/api/me", headers={"Authorization": f"Bearer {token}"}) as response:
        assert response.status == 401, await response.text()
    # A reload does not sign her back in.
    await page.reload()
    await expect(page.get_by_role("button", name="Sign in")).to_be_visible()
    await expect(page.get_by_test_id("me")).to_have_count(0)
    await assert_accessible(page)
    assert laia.errors == []


# --- the room: one's own messages ---


async def test_a_patient_deletes_her_own_message_and_everyone_sees_it_deleted(
    make_user: UserFactory, site: Site, api: Api, signed_in: PageFactory, shots: Shots
) -> None:
    first, second = await patients_at_step(make_user, api, site, 2)
    room = await api.create_room(site.psychologist, "community", 3, name="Deleting room")
    anna, pau = await signed_in(first), await signed_in(second)
    for person in (anna, pau):
        await open_room(person, room)
    await say(anna, "My full address is on my scan letter, oops")
    await say(pau, "Welcome, Anna")
    for person in (anna, pau):
        await expect(person.page.locator(".message .text")).to_have_count(2)

    # Only her own message offers Delete.
    mine = anna.page.locator(".message", has_text="oops")
    theirs = anna.page.locator(".message", has_text="Welcome, Anna")
    await expect(theirs.get_by_role("button", name="Delete")).to_have_count(0)
    await mine.get_by_role("button", name="Delete").click()

    for person in (anna, pau):
        await expect(person.page.locator(".message.gone .tombstone")).to_have_text("This message was deleted.")
        await expect(person.page.locator(".message .text")).to_have_text(["Welcome, Anna"])
    # The server keeps a tombstone without the text.
    messages = await history(api, second, room)
    assert [(m["visibility"], m["text"]) for m in messages] == [("deleted", None), ("visible", "Welcome, Anna")]
    await assert_accessible(pau.page)
    await shots(pau.page, "deleted-on-another-page")
    assert anna.errors == [] and pau.errors == []


async def test_cancelling_a_reply_sends_the_message_as_a_post_of_its_own(
    make_user: UserFactory, site: Site, api: Api, signed_in: PageFactory
) -> None:
    first, second = await patients_at_step(make_user, api, site, 2)
    room = await api.create_room(site.psychologist, "community", 3, name="Reply room")
    anna, pau = await signed_in(first), await signed_in(second)
    for person in (anna, pau):
        await open_room(person, room)
    await say(anna, "Has anyone tried yoga during chemo?")
    post = pau.page.locator(".message", has_text="yoga during chemo")
    await post.get_by_role("button", name="Reply").click()
    replying = pau.page.get_by_test_id("replying")
    await expect(replying).to_have_text(f"Replying to {first.person.display_name}. Cancel")
    await expect(pau.page.get_by_label("Your message")).to_be_focused()

    await replying.get_by_role("button", name="Cancel").click()
    await expect(replying).to_be_hidden()
    await say(pau, "Different question: how do you all sleep?")
    sent = anna.page.locator(".message", has_text="how do you all sleep")
    await expect(sent).to_be_visible()
    await expect(sent.locator(".reply-to")).to_have_count(0)
    messages = await history(api, first, room)
    assert by_text(messages, "Different question: how do you all sleep?")["reply_to"] is None

    # Replying for real still links the two (the Cancel button did not break the thread).
    await post.get_by_role("button", name="Reply").click()
    await say(pau, "I do, twice a week")
    await expect(anna.page.locator(".message", has_text="twice a week").locator(".reply-to")).to_contain_text(
        f"In reply to {first.person.display_name}"
    )
    messages = await history(api, first, room)
    question = by_text(messages, "Has anyone tried yoga during chemo?")
    assert by_text(messages, "I do, twice a week")["reply_to"] == question["id"]
    assert pau.errors == []


async def test_show_earlier_messages_brings_back_the_start_of_a_long_conversation(
    make_user: UserFactory,
    site: Site,
    api: Api,
    signed_in: PageFactory,
    connect_socket: SocketFactory,
    web_server: RunningServer,
    shots: Shots,
) -> None:
    reader, *writers = await patients_at_step(make_user, api, site, 5)
    room = await api.create_room(site.psychologist, "community", 3, name="Busy room")
    # 52 messages through the real protocol, 13 per writer (under the per-person flood limit).
    sent = 0
    for writer in writers:
        sock = await connect_socket(web_server.url, writer.token)
        assert "error" not in await sock.call("join", {"room": room["id"]}, timeout=10)
        for _ in range(13):
            sent += 1
            ack = await sock.call(
                "send",
                {"room": room["id"], "text": f"Earlier note {sent:02d}", "client_id": uuid.uuid4().hex},
                timeout=10,
            )
            assert "error" not in ack and "visibility" not in ack, ack
    everything = [f"Earlier note {n:02d}" for n in range(1, sent + 1)]

    laia = await signed_in(reader)
    await open_room(laia, room)
    texts = laia.page.get_by_test_id("messages").locator(".message .text")
    await expect(texts).to_have_text(everything[-50:])
    older = laia.page.get_by_role("button", name="Show earlier messages")
    await expect(older).to_be_visible()
    await older.click()
    await expect(texts).to_have_text(everything)
    await expect(older).to_be_hidden()
    await assert_accessible(laia.page)
    await shots(laia.page, "earlier-messages")
    assert laia.errors == []


async def test_a_message_refused_by_slow_mode_is_sent_with_try_again_once_it_is_lifted(
    make_user: UserFactory,
    site: Site,
    api: Api,
    signed_in: PageFactory,
    connect_socket: SocketFactory,
    web_server: RunningServer,
    shots: Shots,
) -> None:
    first, second = await patients_at_step(make_user, api, site, 2)
    room = await api.create_room(site.psychologist, "community", 3, name="Slow room")
    anna, pau = await signed_in(first), await signed_in(second)
    for person in (anna, pau):
        await open_room(person, room)
    staff = await connect_socket(web_server.url, site.psychologist.token)
    assert "error" not in await staff.call("mod_slow_mode", {"room": room["id"], "seconds": 600}, timeout=10)
    await expect(anna.page.get_by_test_id("room-notices")).to_contain_text("one message every 600 seconds")

    await say(anna, "First thought")
    await expect(pau.page.locator(".message .text")).to_have_text(["First thought"])
    await say(anna, "Second thought")
    failed = anna.page.locator(".message.pending[data-status=failed]")
    await expect(failed).to_contain_text("Second thought")
    await expect(failed).to_contain_text("not sent")
    await shots(anna.page, "failed-by-slow-mode")

    assert "error" not in await staff.call("mod_slow_mode", {"room": room["id"], "seconds": 0}, timeout=10)
    await expect(anna.page.get_by_test_id("room-notices")).not_to_contain_text("Slow mode")
    await failed.get_by_role("button", name="Try again").click()
    for person in (anna, pau):
        await expect(person.page.locator(".message .text")).to_have_text(["First thought", "Second thought"])
    await expect(anna.page.locator(".message.pending")).to_have_count(0)
    assert [m["text"] for m in await history(api, second, room)] == ["First thought", "Second thought"]
    assert anna.errors == [] and pau.errors == []


# --- the room: moderators' buttons ---


async def test_a_mentor_pins_a_message_for_everyone_and_the_psychologist_unpins_it(
    make_user: UserFactory, site: Site, api: Api, signed_in: PageFactory, shots: Shots
) -> None:
    (patient,) = await patients_at_step(make_user, api, site, 1)
    mentor = await make_user("mentor", "patient", site_id=site.id)
    await api.set_step(site.psychologist, mentor, 3)
    room = await api.create_room(site.psychologist, "community", 3, [(mentor, "moderator")], name="Pin room")
    joan, laia, marta = await signed_in(mentor), await signed_in(patient), await signed_in(site.psychologist)
    for person in (joan, laia, marta):
        await open_room(person, room)
    await say(joan, "Group rules: be kind, no medical advice, no phone numbers")
    await say(laia, "Thanks Joan")
    for person in (joan, laia, marta):
        await expect(person.page.locator(".message .text")).to_have_count(2)
    await expect(laia.page.get_by_test_id("pinned")).to_be_empty()

    rules = joan.page.locator(".message", has_text="Group rules")
    await rules.get_by_role("button", name="Pin").click()
    for person in (joan, laia, marta):
        await expect(person.page.get_by_test_id("pinned").locator("p")).to_have_text(
            "Pinned Group rules: be kind, no medical advice, no phone numbers"
        )
    # Only staff may undo a pin (moderation/permissions.py): the mentor is not offered Unpin.
    await expect(rules.get_by_role("button", name=re.compile("^(Pin|Unpin)$"))).to_have_count(0)
    await expect(marta.page.locator(".message", has_text="Group rules").get_by_role("button", name="Unpin")
                 ).to_have_attribute("aria-pressed", "true")
    # A patient has no pin button.
    await expect(laia.page.get_by_role("button", name=re.compile("^(Pin|Unpin)$"))).to_have_count(0)
    await assert_accessible(laia.page)
    await shots(laia.page, "pinned-for-a-patient")

    await marta.page.locator(".message", has_text="Group rules").get_by_role("button", name="Unpin").click()
    for person in (joan, laia, marta):
        await expect(person.page.get_by_test_id("pinned")).to_be_empty()
    await expect(rules.get_by_role("button", name="Pin")).to_have_attribute("aria-pressed", "false")
    for person in (joan, laia, marta):
        assert person.errors == [], person.errors


async def community_with_a_mentor(
    make_user: UserFactory, api: Api, site: Site, name: str
) -> tuple[dict[str, Any], TestUser, TestUser, TestUser]:
    """A step-3 community room moderated by a mentor, and two patients: (room, first, second, mentor)."""
    first, second = await patients_at_step(make_user, api, site, 2)
    mentor = await make_user("mentor", "patient", site_id=site.id)
    await api.set_step(site.psychologist, mentor, 3)
    room = await api.create_room(site.psychologist, "community", 3, [(mentor, "moderator")], name=name)
    return room, first, second, mentor


async def test_a_psychologist_shows_again_a_message_a_mentor_hid(
    make_user: UserFactory, site: Site, api: Api, signed_in: PageFactory, shots: Shots
) -> None:
    room, first, second, mentor = await community_with_a_mentor(make_user, api, site, "Unhide room")
    joan, anna, pau = await signed_in(mentor), await signed_in(first), await signed_in(second)
    marta = await signed_in(site.psychologist)
    for person in (joan, anna, pau, marta):
        await open_room(person, room)
    await say(anna, "My oncologist said turmeric will not interfere, is that right?")
    for person in (joan, pau, marta):
        await expect(person.page.locator(".message .text")).to_have_count(1)

    await joan.page.locator(".message", has_text="turmeric").get_by_role("button", name="Hide").click()
    await expect(pau.page.locator(".message.gone .tombstone")).to_have_text("This message was hidden by a moderator.")
    # The psychologist finds it was harmless and shows it again.
    hidden = marta.page.locator('.message[data-visibility="hidden"]')
    await hidden.get_by_role("button", name="Show again").click()
    for person in (joan, anna, pau, marta):
        await expect(person.page.locator(".message .text")).to_have_text(
            ["My oncologist said turmeric will not interfere, is that right?"]
        )
        await expect(person.page.locator(".message.gone")).to_have_count(0)
    messages = await history(api, second, room)
    assert [m["visibility"] for m in messages] == ["visible"]
    await assert_accessible(marta.page)
    await shots(pau.page, "shown-again")
    for person in (joan, anna, pau, marta):
        assert person.errors == [], person.errors


# --- the moderation queue ---


async def test_a_mentor_rejects_a_held_message_and_hides_a_reported_one_from_the_queue(
    make_user: UserFactory, site: Site, api: Api, signed_in: PageFactory, shots: Shots
) -> None:
    room, first, second, mentor = await community_with_a_mentor(make_user, api, site, "Queue room")
    joan, anna, pau = await signed_in(mentor), await signed_in(first), await signed_in(second)
    for person in (anna, pau):
        await open_room(person, room)
    await joan.page.get_by_role("link", name="Moderation").click()
    queue = joan.page.get_by_test_id("queue")
    await expect(queue).to_contain_text("Nothing to review.")

    # A phone number is held; the mentor rejects it: nobody else ever reads it, or learns it existed.
    await say(anna, "Text me on 612 345 678 for the herbal cure")
    held = queue.locator('[data-kind="held"]')
    await expect(held).to_contain_text("612 345 678")
    await held.get_by_role("button", name="Reject").click()
    await expect(held).to_have_count(0)
    rejected = anna.page.locator('.message[data-visibility="rejected"]')
    await expect(rejected).to_contain_text("Not published: a moderator declined it.")
    await expect(pau.page.locator(".message")).to_have_count(0)

    # Pau reports a message; the mentor hides it from the queue.
    await say(anna, "Skip your chemo, the diet is enough")
    reported = pau.page.locator(".message", has_text="Skip your chemo")
    await reported.get_by_role("button", name="Report").click()
    await reported.get_by_label("Why are you reporting it?").select_option("misinformation")
    await reported.get_by_role("button", name="Send report").click()
    await expect(pau.page.get_by_role("status").filter(has_text="A moderator will look at it")).to_be_visible()
    item = queue.locator('[data-kind="reported"]')
    await expect(item).to_contain_text("misinformation")
    await expect(item).to_contain_text("Skip your chemo")
    await assert_accessible(joan.page)
    await shots(joan.page, "queue-before-hiding")
    await item.get_by_role("button", name="Hide").click()
    await expect(queue).to_contain_text("Nothing to review.")
    await expect(pau.page.locator(".message", has_text="Skip your chemo")).to_have_count(0)
    await expect(pau.page.locator(".message .text")).to_have_count(0)

    texts = [m["text"] for m in await history(api, second, room)]
    assert not any(t and ("612" in t or "chemo" in t) for t in texts), texts
    for person in (joan, anna, pau):
        assert person.errors == [], person.errors


@dataclass
class Escalation:
    """A community room where a patient's message was reported and a mentor escalated it from the queue,
    with the psychologist's Alerts page open the whole time."""

    room: dict[str, Any]
    first: TestUser  # wrote the message
    second: TestUser  # reported it
    marta: Person  # the psychologist
    joan: Person  # the mentor
    anna: Person
    pau: Person
    item: Locator  # the queue item the mentor escalated


async def escalate_a_report(
    make_user: UserFactory, site: Site, api: Api, signed_in: PageFactory, text: str, room_name: str
) -> Escalation:
    room, first, second, mentor = await community_with_a_mentor(make_user, api, site, room_name)
    marta = await signed_in(site.psychologist)
    await marta.page.get_by_role("link", name="Alerts").click()
    await expect(marta.page.get_by_test_id("alerts")).to_contain_text("No open alerts.")
    joan, anna, pau = await signed_in(mentor), await signed_in(first), await signed_in(second)
    for person in (anna, pau):
        await open_room(person, room)
    await say(anna, text)
    reported = pau.page.locator(".message", has_text=text)
    await reported.get_by_role("button", name="Report").click()
    await reported.get_by_label("Why are you reporting it?").select_option("worried_about_someone")
    await reported.get_by_role("button", name="Send report").click()

    await joan.page.get_by_role("link", name="Moderation").click()
    item = joan.page.get_by_test_id("queue").locator('[data-kind="reported"]')
    await expect(item).to_contain_text(text)
    await expect(item).to_contain_text("worried about someone")
    await item.get_by_role("button", name="Escalate to a psychologist").click()
    await expect(joan.page.get_by_role("status").filter(has_text="Done.")).to_be_visible()
    return Escalation(room, first, second, marta, joan, anna, pau, item)


async def test_a_mentor_escalates_a_message_to_the_psychologist_and_opens_its_room_from_the_queue(
    make_user: UserFactory, site: Site, api: Api, signed_in: PageFactory, shots: Shots
) -> None:
    text = "Nobody in my family talks to me since the diagnosis"
    e = await escalate_a_report(make_user, site, api, signed_in, text, "Escalation room")
    marta, joan, anna, pau, first, item = e.marta, e.joan, e.anna, e.pau, e.first, e.item

    # The psychologist's open alerts page gets it live, with the patient's name.
    alert = marta.page.get_by_test_id("alerts").locator("[data-alert]")
    await expect(alert).to_have_count(1)
    await expect(alert).to_contain_text(first.person.display_name)
    await expect(alert).to_have_attribute("data-severity", "high")
    await expect(marta.page.get_by_role("link", name="Alerts (1)")).to_be_visible()
    alerts = (await api.call(site.psychologist, "GET", "/api/care/alerts"))["alerts"]
    assert [(a["patient_id"], a["kind"]) for a in alerts] == [(first.id, "moderator_escalation")]
    await shots(marta.page, "escalated-alert")

    await item.get_by_role("link", name="Open the room").click()
    await expect(joan.page.get_by_role("heading", level=1)).to_have_text("Escalation room")
    await expect(joan.page.locator(".message .text")).to_have_text(
        ["Nobody in my family talks to me since the diagnosis"]
    )
    for person in (joan, anna, pau, marta):
        assert person.errors == [], person.errors


# --- care: proposals and questionnaires ---


async def test_the_psychologist_overrides_a_step_proposal_and_a_reason_is_required(
    make_user: UserFactory, site: Site, api: Api, signed_in: PageFactory, shots: Shots
) -> None:
    patient = await make_user("patient", site_id=site.id)
    instruments = await api.call(patient, "GET", "/api/care/instruments")
    phq9 = next(i for i in instruments["instruments"] if i["id"] == "phq9")
    answers = {item["link_id"]: str(score) for item, score in zip(phq9["items"], PHQ9_MODERATE, strict=True)}
    submitted = await api.call(
        patient, "POST", "/api/care/screenings",
        {"instrument": "phq9", "version": phq9["version"], "language": "en", "answers": answers,
         "client_id": uuid.uuid4().hex},
    )  # fmt: skip
    proposal = submitted["proposal"]
    assert proposal is not None, submitted
    keep = proposal["from_step"]

    marta = await signed_in(site.psychologist)
    item = marta.page.get_by_test_id("proposals").locator(f'[data-patient="{patient.id}"]')
    await expect(item).to_contain_text(f"step {proposal['from_step']} → step {proposal['to_step']}")
    await item.get_by_text("Override…").click()
    step = item.get_by_label("Step instead")
    await expect(step).to_have_value(str(keep))
    # Without a reason the server refuses, and says why, in place.
    await item.get_by_role("button", name="Override with this step").click()
    await expect(item.get_by_role("alert")).to_have_text("An override needs a reason.")
    record = await api.call(site.psychologist, "GET", f"/api/care/patients/{patient.id}")
    assert [p["status"] for p in record["proposals"]] == ["pending"]

    await item.get_by_label("Reason (required)").fill("Surgery next week: we talk again after it")
    await item.get_by_role("button", name="Override with this step").click()
    await expect(marta.page.get_by_role("status").filter(has_text="Proposal overridden.")).to_be_visible()
    await expect(marta.page.get_by_test_id("proposals")).to_contain_text("No pending proposals.")
    record = await api.call(site.psychologist, "GET", f"/api/care/patients/{patient.id}")
    assert record["current_step"] == keep
    [decided] = record["proposals"]
    assert (decided["status"], decided["decided_step"], decided["decision_note"]) == (
        "overridden",
        keep,
        "Surgery next week: we talk again after it",
    )
    await assert_accessible(marta.page)
    await shots(marta.page, "proposal-overridden")
    assert marta.errors == []


async def test_a_patient_fills_in_the_questionnaire_her_psychologist_asked_for_from_her_home_page(
    make_user: UserFactory, site: Site, api: Api, signed_in: PageFactory, shots: Shots
) -> None:
    patient = await make_user("patient", site_id=site.id)
    await api.call(site.psychologist, "POST", f"/api/care/patients/{patient.id}/screening-requests",
                   {"instrument": "gad7", "note": "before our next visit"}, status=201)  # fmt: skip
    laia = await signed_in(patient)
    my_step = laia.page.get_by_test_id("my-step")
    asked = my_step.locator("li", has_text="(asked by your psychologist)")
    await expect(asked).to_have_count(1)
    await asked.get_by_role("link", name="Fill in GAD-7 (anxiety)").click()
    await expect(laia.page.get_by_role("heading", level=1)).to_contain_text("GAD-7")
    items = laia.page.locator("fieldset.item")
    await expect(items).to_have_count(7)
    for index in range(7):
        await items.nth(index).get_by_label(HOW_OFTEN[1], exact=True).check()
    await laia.page.get_by_role("button", name="Send my answers").click()
    result = laia.page.get_by_test_id("screening-result")
    await expect(result.locator('[data-score="total"]')).to_contain_text("7")
    await expect(result.locator('[data-band="mild"]')).to_be_visible()

    await laia.page.get_by_role("link", name="Back to home").click()
    await expect(my_step).to_contain_text("GAD-7 (anxiety): 7 (mild)")
    await expect(my_step.get_by_role("link", name="Fill in GAD-7 (anxiety)")).to_have_count(0)
    due = await api.call(patient, "GET", "/api/care/screenings/due")
    assert "gad7" not in [d["instrument"] for d in due["due"]], due
    await assert_accessible(laia.page)
    await shots(laia.page, "home-after-requested-gad7")
    assert laia.errors == []


# --- crisis support ---


async def test_the_crisis_support_panel_stays_across_pages_until_the_patient_closes_it(
    make_user: UserFactory, site: Site, api: Api, signed_in: PageFactory, shots: Shots
) -> None:
    (patient,) = await patients_at_step(make_user, api, site, 1)
    room = await api.create_room(site.psychologist, "community", 3, name="Support room")
    laia = await signed_in(patient)
    await open_room(laia, room)
    await say(laia, "I can't take this anymore, I want to die")
    support = laia.page.get_by_test_id("crisis-reply")
    await expect(support).to_be_visible()
    await expect(support).to_contain_text("We are here for you")

    await laia.page.get_by_role("link", name="Home").click()
    await expect(laia.page.get_by_role("heading", level=1)).to_have_text(f"Hello, {patient.person.display_name}")
    await expect(support).to_be_visible()
    await assert_accessible(laia.page)
    await shots(laia.page, "support-on-home")
    await support.get_by_role("button", name="Close").click()
    await expect(support).to_have_count(0)
    # Closing it dismissed only the panel: the home page is still there.
    await expect(laia.page.get_by_test_id("my-rooms")).to_be_visible()
    assert laia.errors == []
