"""The web app speaks each user's language (from their profile), with every text from the catalogs."""

from __future__ import annotations

import json
import re

from playwright.async_api import expect

from tests.conftest import UserFactory
from tests.web.conftest import ROOT, PageFactory, Shots, Site, assert_accessible

CATALOGS = ROOT / "clients" / "js" / "locales"
LANGUAGES = ("ca", "es", "pt", "pl", "en")


def catalog(language: str) -> dict[str, str]:
    return dict(json.loads((CATALOGS / f"{language}.json").read_text(encoding="utf-8")))


def test_every_catalog_has_every_english_key_and_the_same_placeholders() -> None:
    english = catalog("en")
    for language in LANGUAGES:
        strings = catalog(language)
        assert set(strings) == set(english), (language, set(english) ^ set(strings))
        for key, text in english.items():
            assert set(re.findall(r"\{\w+\}", strings[key])) == set(re.findall(r"\{\w+\}", text)), (language, key)


async def test_each_user_sees_the_app_in_the_language_of_their_profile(
    make_user: UserFactory, site: Site, signed_in: PageFactory, shots: Shots
) -> None:
    for language in LANGUAGES:
        strings = catalog(language)
        patient = await make_user("patient", site_id=site.id, language=language)
        person = await signed_in(patient)
        page = person.page
        await expect(page.locator("html")).to_have_attribute("lang", language)
        greeting = strings["home.greeting"].replace("{name}", patient.person.display_name)
        await expect(page.get_by_role("heading", level=1)).to_have_text(greeting)
        await expect(page.get_by_role("heading", name=strings["home.my_rooms"])).to_be_visible()
        await expect(page.get_by_role("button", name=strings["nav.sign_out"])).to_be_visible()
        # No catalog key shows through untranslated.
        body = await page.locator("body").inner_text()
        assert not re.search(r"\b[a-z]+\.[a-z_]+(\.[a-z_]+)?\b", body.replace(patient.person.display_name, "")), body
        await assert_accessible(page)
        await shots(page, f"home-{language}")
        await page.get_by_role("link", name=strings["home.take_phq9"]).click()
        await expect(page.get_by_role("button", name=strings["screening.submit"])).to_be_visible()
        await person.context.close()
