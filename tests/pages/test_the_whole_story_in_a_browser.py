"""Issue 15's whole story in one headless Chromium run, against the real app, worker, dev server and SMTP.

A staff member signs in by e-mailed link (aiosmtpd), adds a partner contact on People and starts a project
with the partner on Projects; the contact signs in by their own e-mailed link and submits the proposal with
a PDF and a photo; staff accept it and see the photo's thumbnail loaded; staff schedule a workshop on the
project page; staff run a Knowledge Exchange year through matching on the pages (the steps of
test_exchange_admin_in_a_browser, imported: opened before the proposal so its call closes by itself while
the rest runs); a respondent answers the first wave on a 360 px screen (the wave opened as the worker's
activity opens it); the contact asks for their calendar feed on Calendar, and the feed (parsed with
`icalendar`) holds the workshop. axe-core finds no serious or critical violation on each new page state;
screenshots go to tests/artifacts/the_whole_story_in_a_browser/. The finer steps of each part are tested in
the other *_in_a_browser tests; this one proves they join up.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import httpx
import pytest
from icalendar import Calendar
from playwright.async_api import Browser, BrowserContext, Page, expect
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from temporalio.testing import WorkflowEnvironment

from api.main import create_app
from api.settings import ApiSettings
from store.surveys.writes_wave_mail import invite_key
from tests.api.exchange_support import fresh_year
from tests.api.files_support import PDF, png
from tests.api.support import eventually
from tests.pages.axe import axe_violations, failing
from tests.pages.conftest import ADMIN_KEY, _loopback_socket, pages_worker, served
from tests.pages.test_exchange_admin_in_a_browser import (
    confirm_partner,
    match_both,
    open_year,
    partner_chooses,
    shortlist_both,
    two_applications,
    until_selection,
)
from tests.pages.test_sign_in_by_link_in_a_browser import MailSite
from tests.smtp_fixtures import SmtpServer
from tests.store.survey_builders import open_at, tokens_by_respondent, wave_task

LONDON = ZoneInfo("Europe/London")
STAFF, CONTACT = "sam.story@museum.example", "ana.story@harbour.example"
PARTNER = "Harbour Story Group"


@pytest.fixture
async def story_site(
    temporal_dev_env: WorkflowEnvironment,
    task_queue: str,
    sqlite_sessionmaker: async_sessionmaker[AsyncSession],
    smtp_server: SmtpServer,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> AsyncIterator[tuple[MailSite, async_sessionmaker[AsyncSession]]]:
    """The app as tests.pages.conftest `site` serves it (with a worker), plus the sign-in test's SMTP and
    public address, and a data directory of the test's own for the evidence files."""
    monkeypatch.setenv("ENGAGE_DATA_DIR", str(tmp_path / "data"))
    client = temporal_dev_env.client
    sock = _loopback_socket()
    base_url = f"http://127.0.0.1:{sock.getsockname()[1]}"
    settings = ApiSettings(admin_key=ADMIN_KEY, task_queue=task_queue, base_url=base_url, smtp_url=smtp_server.url)
    app = create_app(settings, client=client, sessionmaker=sqlite_sessionmaker)
    async with pages_worker(client, task_queue, sqlite_sessionmaker), served(app, sock):
        yield MailSite(base_url, smtp_server), sqlite_sessionmaker


async def checked(page: Page, screenshots: Path, name: str) -> None:
    """A screenshot of the page as it stands, and no serious or critical axe violation on it."""
    await page.screenshot(path=str(screenshots / f"{name}.png"), full_page=True)
    assert failing(await axe_violations(page, name)) == []


async def sign_in_by_link(browser: Browser, site: MailSite, address: str) -> tuple[BrowserContext, Page]:
    """Ask for a link on the sign-in page, open the one the SMTP server received: signed in."""
    context = await browser.new_context(base_url=site.base_url)
    page = await context.new_page()
    await page.goto("/sign-in")
    sent_before = len(site.links())
    await page.get_by_label("E-mail address").fill(address)
    await page.get_by_role("button", name="E-mail me a sign-in link").click()
    await page.get_by_text("Check your e-mail").wait_for()
    for _ in range(200):  # the e-mail is sent just after the answer
        if len(site.links()) > sent_before:
            break
        await asyncio.sleep(0.05)
    await page.goto(site.links()[-1])
    await page.wait_for_url(f"{site.base_url}/projects")
    return context, page


async def test_the_whole_story_from_signing_in_to_a_calendar_feed(
    story_site: tuple[MailSite, async_sessionmaker[AsyncSession]], browser: Browser, screenshots: Path, tmp_path: Path
) -> None:
    site, sessions = story_site
    admin = httpx.AsyncClient(base_url=site.base_url, headers={"Authorization": f"Bearer {ADMIN_KEY}"})
    user = {"name": "Sam Story", "email": STAFF, "role": "staff"}
    assert (await admin.post("/api/v1/users", json=user)).status_code == 201
    body = {"name": PARTNER, "contact_name": "Office", "contact_email": "office@harbour.example"}
    partner_id = (await admin.post("/api/v1/partners", json=body)).json()["id"]
    partner_key = (await admin.post(f"/api/v1/partners/{partner_id}/keys", json={"label": "kx"})).json()["key"]

    # Staff: signed in by link, a partner contact added, a project started with the partner.
    staff_context, staff = await sign_in_by_link(browser, site, STAFF)
    assert "Signed in: Sam Story (staff)" in await staff.inner_text("header")
    await staff.get_by_role("link", name="People").click()
    await staff.get_by_label("Name", exact=True).fill("Ana Story")
    await staff.get_by_label("E-mail address").fill(CONTACT)
    await staff.get_by_label("Partner organisation (partner contacts only)").select_option(label=PARTNER)
    await staff.get_by_role("button", name="Add person").click()
    await staff.get_by_text("Ana Story added").wait_for()
    await checked(staff, screenshots, "01-people-contact-added")

    await staff.goto("/projects")
    new = staff.locator('form[action="/projects"][method="post"]')
    await new.get_by_label("Template").select_option("co-curation")
    await new.get_by_label("Title").fill("Harbour stories")
    await new.get_by_label("Lead's name").fill("Sam Story")
    await new.get_by_label("Lead's e-mail").fill(STAFF)
    await new.get_by_label(PARTNER).check()
    await new.get_by_role("button", name="Start project").click()
    await expect(staff.get_by_role("heading", level=1)).to_have_text(re.compile("Harbour stories"))
    project_path = re.sub(r"^https?://[^/]+", "", staff.url).split("?")[0]
    project_id = project_path.rsplit("/", 1)[1]
    await checked(staff, screenshots, "02-project-started")

    # Staff open a Knowledge Exchange year on the pages; two people apply while the rest of the story runs.
    year = fresh_year()
    await open_year(staff, screenshots, year, PARTNER)
    await confirm_partner(staff, screenshots, year, PARTNER)
    applications = await two_applications(admin, year, partner_id)

    # The partner contact: signed in by their own link, the proposal submitted with a PDF and a photo.
    photo, plan = tmp_path / "harbour.png", tmp_path / "plan.pdf"
    photo.write_bytes(png(900, 600, "steelblue"))
    plan.write_bytes(PDF)
    contact_context, contact = await sign_in_by_link(browser, site, CONTACT)
    assert "Ana Story" in await contact.inner_text("header")
    await contact.goto(project_path)
    form = contact.locator("#form-submit-proposal")
    await form.get_by_label("Summary").fill("Our stories of the harbour, with the plan and a photo.")
    await form.get_by_label("Files").set_input_files([str(plan), str(photo)])
    await form.get_by_role("button", name="Submit").click()
    await expect(contact.get_by_role("status")).to_contain_text("Submitted")
    await checked(contact, screenshots, "03-proposal-submitted")

    # Staff accept it and see the thumbnail (loaded), then schedule a workshop on the page.
    await staff.goto(project_path)
    review = staff.locator("#form-review-proposal")
    await review.get_by_label("Accept").check()
    await review.get_by_role("button", name="Record decision").click()
    await expect(staff.get_by_role("status")).to_contain_text("accepted")
    thumbnail = staff.get_by_role("img", name="Photo: harbour.png")
    await expect(thumbnail).to_be_visible()
    await staff.wait_for_function("img => img.complete && img.naturalWidth > 0", arg=await thumbnail.element_handle())
    await expect(staff.get_by_role("link", name="plan.pdf")).to_be_visible()
    await checked(staff, screenshots, "04-proposal-accepted-thumbnail")
    workshop = staff.locator("#form-schedule_workshop")
    await workshop.locator("summary").click()
    await workshop.get_by_label("Title").fill("Object handling")
    await workshop.get_by_label("Starts").fill("2027-07-01T10:00")
    await workshop.get_by_label("Ends").fill("2027-07-01T12:00")
    await workshop.get_by_label("Place").fill("Community room")
    await workshop.get_by_role("button", name="Schedule").click()
    await expect(staff.get_by_role("link", name="Add “Object handling” to your calendar (.ics)")).to_be_visible()
    await checked(staff, screenshots, "05-workshop-scheduled")

    # A respondent, added on the follow-up page, answers the first wave on a 360 px screen.
    await staff.goto(f"{project_path}/follow-up")
    add = staff.locator("#form-add_respondent")
    await add.get_by_label("Name").fill("Osian Story")
    await add.get_by_label("E-mail").fill("osian@story.example")
    await add.get_by_role("button", name="Add respondent").click()
    await expect(staff.get_by_role("status")).to_contain_text("Respondent added")
    now = datetime.now(UTC)
    task = wave_task(project_id, 0, due=now - timedelta(minutes=1))
    await open_at(sessions, task, now)
    [token] = (await tokens_by_respondent(sessions, invite_key(task))).values()
    phone_context = await browser.new_context(base_url=site.base_url, viewport={"width": 360, "height": 780})
    phone = await phone_context.new_page()
    await phone.goto(f"/s/{token}")
    await checked(phone, screenshots, "06-survey-360")
    assert await phone.evaluate("document.documentElement.scrollWidth") <= 360
    for group in await phone.get_by_role("radiogroup").all() or await phone.locator("fieldset").all():
        radios = group.get_by_role("radio")
        if await radios.count():
            await radios.nth(min(3, await radios.count() - 1)).check()
    await phone.get_by_role("button", name="Send my answers").click()
    await expect(phone.get_by_role("heading", level=1)).to_have_text("Thank you")
    await checked(phone, screenshots, "07-survey-thanks-360")
    await phone_context.close()
    await staff.goto(f"{project_path}/follow-up")
    wave = staff.get_by_role("table", name="Survey waves").get_by_role("row").nth(1)
    await expect(wave.get_by_role("cell").nth(4)).to_have_text("1")  # answered: the phone's answers counted
    await checked(staff, screenshots, "08-follow-up-answered")

    # The call has closed by itself meanwhile: staff shortlist both, the partner chooses, staff match both.
    await until_selection(admin, year)
    await shortlist_both(staff, screenshots, year)
    await partner_chooses(site.base_url, partner_key, year, partner_id, applications)
    placements = await match_both(staff, screenshots, admin, year)
    assert {p["direction"] for p in placements} == {"to_museum", "to_partner"}
    await admin.aclose()

    # The contact's calendar feed, fetched as a calendar app would (no cookie), holds the workshop.
    await contact.get_by_role("link", name="Calendar", exact=True).click()
    await contact.get_by_role("button", name="Get my calendar feed address").click()
    address = contact.get_by_label("Your calendar feed address")
    await expect(address).to_be_visible()
    await checked(contact, screenshots, "09-calendar-feed-address")
    feed_path = "/calendar/" + (await address.input_value()).rsplit("/calendar/", 1)[1]
    async with httpx.AsyncClient(base_url=site.base_url) as calendar_app:

        async def feed() -> Calendar:
            answer = await calendar_app.get(feed_path)
            assert answer.status_code == 200, answer.text
            return Calendar.from_ical(answer.content)

        held = await eventually(feed, lambda found: any(e.get("summary") for e in found.events))
    [event] = [e for e in held.events if "Object handling" in str(e.get("summary"))]
    assert event.start == datetime(2027, 7, 1, 10, 0, tzinfo=LONDON)
    await contact_context.close()
    await staff_context.close()
