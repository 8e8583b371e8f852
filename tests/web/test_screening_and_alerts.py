"""Screening in the browser: a patient fills in a PHQ-9 and sees the result; the psychologist gets the alert."""

from __future__ import annotations

from playwright.async_api import expect

from tests.conftest import UserFactory
from tests.web.conftest import PHONE, PageFactory, Shots, Site, assert_accessible, assert_fits_width

# PHQ-9 answers (0-3) for items 1..9: total 12 (moderate), and item 9 ("better off dead") at 1.
ANSWERS = [2, 2, 1, 2, 1, 1, 1, 1, 1]
OPTIONS = ["Not at all", "Several days", "More than half the days", "Nearly every day"]


async def test_a_patient_fills_in_a_phq9_sees_her_result_and_the_psychologist_gets_the_alert_live(
    make_user: UserFactory, site: Site, signed_in: PageFactory, shots: Shots
) -> None:
    patient = await make_user("patient", site_id=site.id)
    marta = await signed_in(site.psychologist)
    await marta.page.get_by_role("link", name="Alerts").click()
    await expect(marta.page.get_by_test_id("alerts")).to_contain_text("No open alerts.")

    laia = await signed_in(patient, viewport=PHONE)
    await laia.page.get_by_role("link", name="Fill in a PHQ-9 questionnaire").click()
    await expect(laia.page.get_by_role("heading", level=1)).to_contain_text("PHQ-9")
    await assert_accessible(laia.page)
    await assert_fits_width(laia.page)

    # Sending with an item unanswered is caught, and the person is told which.
    items = laia.page.locator("fieldset.item")
    await expect(items).to_have_count(9)
    for index, score in enumerate(ANSWERS[:-1]):
        await items.nth(index).get_by_label(OPTIONS[score], exact=True).check()
    await laia.page.get_by_role("button", name="Send my answers").click()
    await expect(laia.page.get_by_role("alert").filter(has_text="1 still need")).to_be_visible()
    await expect(items.nth(8)).to_have_class("item invalid")
    await shots(laia.page, "phq9-missing-item-phone")

    await items.nth(8).get_by_label(OPTIONS[ANSWERS[8]], exact=True).check()
    await laia.page.get_by_role("button", name="Send my answers").click()
    result = laia.page.get_by_test_id("screening-result")
    await expect(result.locator('[data-score="total"]')).to_contain_text(str(sum(ANSWERS)))
    await expect(result.locator('[data-band="moderate"]')).to_have_text("moderate")
    await expect(result).to_contain_text("You are not alone")
    await assert_accessible(laia.page)
    await shots(laia.page, "phq9-result-phone")

    # The psychologist's open page shows the alert as it is raised, and she acknowledges it.
    alert = marta.page.locator('[data-kind="self_harm_thoughts"]')
    await expect(alert).to_contain_text(patient.person.display_name)
    await expect(marta.page.get_by_role("link", name="Alerts (1)")).to_be_visible()
    await assert_accessible(marta.page)
    await shots(marta.page, "psychologist-alert")
    await alert.get_by_label("Note (what you did)").fill("Called her, safety plan agreed")
    await alert.get_by_role("button", name="Acknowledge").click()
    await expect(marta.page.get_by_test_id("alerts")).to_contain_text("No open alerts.")
    await expect(marta.page.get_by_role("link", name="Alerts", exact=True)).to_be_visible()

    # The screening proposed a higher step; the psychologist accepts it from her home page.
    await marta.page.get_by_role("link", name="Home").click()
    proposal = marta.page.get_by_test_id("proposals").locator(f'[data-patient="{patient.id}"]')
    await expect(proposal).to_contain_text("step 2 → step 3")
    await assert_accessible(marta.page)
    await shots(marta.page, "psychologist-home-proposal")
    await proposal.get_by_role("button", name="Accept").click()
    await expect(marta.page.get_by_test_id("proposals")).to_contain_text("No pending proposals.")

    # Her home page shows the result and her new step.
    await laia.page.get_by_role("link", name="Back to home").click()
    await expect(laia.page.get_by_test_id("my-step")).to_contain_text(f"PHQ-9 (mood): {sum(ANSWERS)} (moderate)")
    await expect(laia.page.get_by_test_id("current-step")).to_contain_text("Step 3")
    assert laia.errors == [] and marta.errors == []
