"""Browser tests: the web app in real Chromium (Debian's package), driven by Playwright, against the real
server of tests/conftest.py on a real socket, with Chromium's fake camera and microphone.

Chromium comes from `make js-test-deps` (apt); nothing downloads a browser. The web app must be built
(`make js`); the bundle committed in server/static is what these tests load. Screenshots of every page
land in artifacts/web/<test>/ for people to look at.
"""

from __future__ import annotations

import json
import re
import secrets
import shutil
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from playwright.async_api import Browser, BrowserContext, Page, ViewportSize, async_playwright, expect

from tests.conftest import RunningServer, ServerFactory, TestUser, UserFactory

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "artifacts" / "web"
AXE = ROOT / "clients" / "js" / "node_modules" / "axe-core" / "axe.min.js"
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--use-fake-device-for-media-stream",
    "--use-fake-ui-for-media-stream",
    "--autoplay-policy=no-user-gesture-required",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    # WebRTC on loopback only: the browser may use 127.0.0.1, where the test server's SFU listens.
    "--allow-loopback-in-peer-connection",
    # Three pages share two cores: keep hidden pages' timers and media running.
    "--disable-background-timer-throttling",
    "--disable-renderer-backgrounding",
    "--disable-backgrounding-occluded-windows",
]
DESKTOP: ViewportSize = {"width": 1280, "height": 800}
PHONE: ViewportSize = {"width": 375, "height": 740}

expect.set_options(timeout=15_000)


@pytest.fixture(scope="session")
async def web_server(server_factory: ServerFactory) -> RunningServer:
    """The app the browsers talk to: same database as `server`, its SFU bound to loopback only."""
    return await server_factory(media_bind_addresses=("127.0.0.1",))


@pytest.fixture(scope="session")
async def browser() -> AsyncIterator[Browser]:
    if shutil.which(CHROMIUM) is None:
        pytest.fail("Chromium is needed for tests/web: run `make js-test-deps` (apt-get install chromium)")
    async with async_playwright() as playwright:
        launched = await playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield launched
        await launched.close()


@dataclass
class Shots:
    """Screenshots of a test, saved as artifacts/web/<test>/<nn>-<name>.png."""

    folder: Path
    count: int = 0
    taken: list[Path] = field(default_factory=list)

    async def __call__(self, page: Page, name: str, *, full_page: bool = True) -> Path:
        self.count += 1
        path = self.folder / f"{self.count:02d}-{name}.png"
        await page.screenshot(path=str(path), full_page=full_page)
        self.taken.append(path)
        return path


@pytest.fixture
def shots(request: pytest.FixtureRequest) -> Shots:
    folder = ARTIFACTS / re.sub(r"[^\w.-]+", "_", request.node.name)
    if folder.exists():
        shutil.rmtree(folder)
    folder.mkdir(parents=True)
    return Shots(folder)


@dataclass
class Person:
    """A test user with a browser page of their own."""

    user: TestUser
    context: BrowserContext
    page: Page
    errors: list[str]

    @property
    def id(self) -> int:
        return self.user.id


PageFactory = Callable[..., Awaitable[Person]]


@pytest.fixture
async def signed_in(browser: Browser, web_server: RunningServer) -> AsyncIterator[PageFactory]:
    """Open a browser context for a user and sign in through the login form, as a person would."""
    contexts: list[BrowserContext] = []

    async def factory(
        user: TestUser, *, viewport: ViewportSize | None = None, server: RunningServer | None = None
    ) -> Person:
        """``server``: sign in on another process of the deployment (default: ``web_server``)."""
        base_url = (server or web_server).url
        context = await browser.new_context(viewport=viewport or DESKTOP, base_url=base_url)
        contexts.append(context)
        page = await context.new_page()
        errors: list[str] = []
        page.on("pageerror", lambda exc: errors.append(str(exc)))
        await page.goto("/")
        await page.locator("#username").fill(user.username)
        await page.locator("#password").fill(user.password)
        await page.locator("form.login button[type=submit]").click()
        await expect(page.get_by_test_id("me")).to_have_text(user.person.display_name)
        return Person(user, context, page, errors)

    yield factory
    for context in contexts:
        await context.close()


async def axe_violations(page: Page) -> list[dict[str, Any]]:
    """Run axe-core (WCAG 2.1 A and AA rules) on the page; returns the violations."""
    if not AXE.exists():
        pytest.fail("axe-core is missing: run `make js` (npm install in clients/js)")
    if not await page.evaluate("typeof window.axe !== 'undefined'"):
        await page.add_script_tag(path=str(AXE))
    result = await page.evaluate(
        """async () => {
            const tags = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'];
            const r = await axe.run(document, {runOnly: {type: 'tag', values: tags}});
            return r.violations.map(v => ({id: v.id, impact: v.impact, help: v.help,
                                          nodes: v.nodes.map(n => n.target.join(' ')).slice(0, 5)}));
        }"""
    )
    return list(result)


async def assert_accessible(page: Page) -> None:
    violations = await axe_violations(page)
    assert violations == [], json.dumps(violations, indent=2)


async def assert_fits_width(page: Page) -> None:
    """Nothing scrolls sideways: the page is usable at its viewport width (phones)."""
    overflow = await page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 0, f"the page is {overflow}px wider than the viewport"


# --- data through the real HTTP API ---


@dataclass
class Api:
    http: aiohttp.ClientSession
    url: str

    async def call(self, user: TestUser, method: str, path: str, body: Any = None, status: int | None = None) -> Any:
        async with self.http.request(method, self.url + path, json=body, headers=user.headers) as response:
            data = await response.json()
            assert status is None or response.status == status, (response.status, data)
            assert response.status < 400, (response.status, data)
            return data

    async def set_step(self, staff: TestUser, patient: TestUser, step: int) -> None:
        await self.call(staff, "POST", f"/api/care/patients/{patient.id}/step", {"step": step, "reason": "test"})

    async def create_room(
        self,
        staff: TestUser,
        kind: str,
        step: int,
        members: Sequence[tuple[TestUser, str]] = (),
        name: str | None = None,
    ) -> dict[str, Any]:
        body = {
            "kind": kind,
            "step": step,
            "name": name or f"{kind.title()} {secrets.token_hex(3)}",
            "members": [{"user": user.id, "role": role} for user, role in members],
        }
        data = await self.call(staff, "POST", "/api/rooms", body, status=201)
        return dict(data["room"])


@pytest.fixture
def api(web_server: RunningServer, http: aiohttp.ClientSession) -> Api:
    return Api(http, web_server.url)


@dataclass
class Site:
    """A fresh hospital site for one test: its own psychologist, so lists and alerts are the test's own."""

    id: int
    psychologist: TestUser


@pytest.fixture
async def site(make_site: Callable[..., Awaitable[int]], make_user: UserFactory) -> Site:
    site_id = await make_site()
    return Site(site_id, await make_user("psychologist", site_id=site_id))
