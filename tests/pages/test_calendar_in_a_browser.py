"""A partner gets its calendar feed on the Calendar page, in headless Chromium (issue 15).

The real app served by uvicorn, a real worker on the dev server: staff schedule a workshop over the API;
the partner signs in with its key, opens Calendar, asks for its feed address and reads it off the page;
the feed, fetched like a calendar app would (no cookie, no key), is parsed with `icalendar` and holds the
workshop at its local time. The project page links the workshop's `.ics`; revoking on the page ends the
feed. axe-core finds no serious or critical violation; screenshots go to tests/artifacts/calendar_in_a_browser/.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import httpx
from icalendar import Calendar
from playwright.async_api import Browser, Page, expect

from api.calendar.entries import workshop_uid
from tests.api.support import eventually, project_body
from tests.pages.axe import axe_violations, failing
from tests.pages.conftest import ADMIN_KEY, Site

LONDON = ZoneInfo("Europe/London")


async def json(response: httpx.Response, status: int) -> Any:
    assert response.status_code == status, response.text
    return response.json()


async def checked(page: Page, screenshots: Path, name: str) -> None:
    await page.screenshot(path=str(screenshots / f"{name}.png"), full_page=True)
    assert failing(await axe_violations(page, name)) == []


async def test_a_partner_gets_its_feed_on_the_calendar_page_and_the_feed_holds_its_workshop(
    browser: Browser, site: Site, screenshots: Path
) -> None:
    api = httpx.AsyncClient(base_url=site.base_url, headers={"Authorization": f"Bearer {ADMIN_KEY}"})
    async with api, httpx.AsyncClient(base_url=site.base_url) as calendar_app:
        body = {"name": "Calendar Heritage Group", "contact_name": "Contact", "contact_email": "c@cal.example"}
        partner = (await json(await api.post("/api/v1/partners", json=body), 201))["id"]
        key = (await json(await api.post(f"/api/v1/partners/{partner}/keys", json={"label": "cal"}), 201))["key"]
        pid = (await json(await api.post("/api/v1/projects", json=project_body([partner])), 201))["id"]
        proposal = {"summary": "Our proposal.", "links": [], "on_behalf_of": partner}
        await json(await api.post(f"/api/v1/projects/{pid}/milestones/proposal/submissions", json=proposal), 201)
        await json(
            await api.post(f"/api/v1/projects/{pid}/milestones/proposal/review", json={"decision": "accept"}), 200
        )
        workshop = {"title": "Object handling", "starts_at": "2027-07-01T10:00", "ends_at": "2027-07-01T12:00",
                    "place": "Community room"}  # fmt: skip
        await json(await api.post(f"/api/v1/projects/{pid}/workshops", json=workshop), 201)

        context = await browser.new_context(base_url=site.base_url)
        page = await context.new_page()
        await page.goto("/")
        key_form = page.locator('form[action="/sign-in"]')
        await key_form.locator('input[name="key"]').fill(key)
        await key_form.locator('button[type="submit"]').click()
        await page.get_by_role("link", name="Calendar", exact=True).click()
        await expect(page.get_by_role("heading", level=1, name="Your calendar")).to_be_visible()
        await expect(page.get_by_text("You have no calendar feed yet.")).to_be_visible()
        await checked(page, screenshots, "calendar-none")

        await page.get_by_role("button", name="Get my calendar feed address").click()
        address = page.get_by_label("Your calendar feed address")
        await expect(address).to_be_visible()
        url = await address.input_value()
        assert "/calendar/" in url and url.endswith(".ics")
        await checked(page, screenshots, "calendar-feed-address")

        path = "/calendar/" + url.rsplit("/calendar/", 1)[1]  # the page names the configured base URL

        async def feed() -> Calendar:
            answer = await calendar_app.get(path)
            assert answer.status_code == 200, answer.text
            return Calendar.from_ical(answer.content)

        uid = workshop_uid(pid, "w1")
        held = await eventually(feed, lambda found: any(event.uid == uid for event in found.events))
        event = next(event for event in held.events if event.uid == uid)
        assert event.start == datetime(2027, 7, 1, 10, 0, tzinfo=LONDON)
        assert [str(zone["TZID"]) for zone in held.walk("VTIMEZONE")] == ["Europe/London"]

        # The project page offers the same workshop as a download.
        await page.goto(f"/projects/{pid}")
        link = page.get_by_role("link", name="Add “Object handling” to your calendar (.ics)")
        await expect(link).to_be_visible()
        download = await context.request.get(str(await link.get_attribute("href")))
        assert download.status == 200 and download.headers["content-type"].startswith("text/calendar")
        assert [e.uid for e in Calendar.from_ical(await download.body()).events] == [uid]

        await page.get_by_role("link", name="Calendar", exact=True).click()
        await expect(page.get_by_text("You have a calendar feed, made")).to_be_visible()
        await page.get_by_role("button", name="Revoke my feed").click()
        await expect(page.get_by_role("status")).to_contain_text("Your calendar feed is revoked")
        await checked(page, screenshots, "calendar-revoked")
        assert (await calendar_app.get(path)).status_code == 404
        await context.close()
