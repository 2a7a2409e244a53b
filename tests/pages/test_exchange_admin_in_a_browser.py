"""Staff run a Knowledge Exchange year through matching on the pages, in headless Chromium (issue 15).

One story against the real app, worker and Temporal dev server: staff open a year with the form (the call
for applications opened in the past, closing a few seconds on), say yes on the confirmation page,
confirm the partner in its name, read and filter the applications, shortlist two, and, once the partner
has chosen, match both placements and move one. axe-core runs on each page no GET reaches on its own
(the confirmation pages, the filled match form): no serious or critical violation. Screenshots go to
tests/artifacts/exchange_admin_in_a_browser/.
"""

from __future__ import annotations

import asyncio
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import httpx
from playwright.async_api import Browser, Page, expect

from tests.api.exchange_support import application_body, fresh_year, next_monday
from tests.pages.axe import axe_violations, failing
from tests.pages.conftest import ADMIN_KEY, Site

LONDON = ZoneInfo("Europe/London")
CALL_SECONDS = 40


async def json(response: httpx.Response, status: int) -> Any:
    assert response.status_code == status, response.text
    return response.json()


def local(moment: datetime) -> str:
    return moment.astimezone(LONDON).strftime("%Y-%m-%dT%H:%M:%S")


async def checked(page: Page, screenshots: Path, name: str) -> None:
    """A screenshot of the page, and no serious or critical axe violation on it."""
    await page.screenshot(path=str(screenshots / f"{name}.png"), full_page=True)
    assert failing(await axe_violations(page, name)) == []


async def test_staff_run_a_year_from_opening_through_matching_on_the_pages(
    browser: Browser, site: Site, screenshots: Path
) -> None:
    year = fresh_year()
    api = httpx.AsyncClient(base_url=site.base_url, headers={"Authorization": f"Bearer {ADMIN_KEY}"})
    async with api:
        body = {"name": "Harbour Heritage Group", "contact_name": "Contact", "contact_email": "c@harbour.example"}
        harbour = (await json(await api.post("/api/v1/partners", json=body), 201))["id"]
        partner_key = (await json(await api.post(f"/api/v1/partners/{harbour}/keys", json={"label": "h"}), 201))["key"]

        context = await browser.new_context(base_url=site.base_url)
        page = await context.new_page()
        await page.goto("/")
        key_form = page.locator('form[action="/sign-in"]')
        await key_form.locator('input[name="key"]').fill(ADMIN_KEY)
        await key_form.locator('button[type="submit"]').click()
        await expect(page.get_by_role("heading", level=1, name="Projects")).to_be_visible()

        # Open the year: the form, then the confirmation page, then the dashboard.
        await page.get_by_role("link", name="Knowledge Exchange").click()
        await expect(page.get_by_role("heading", name="Open a year")).to_be_visible()
        now = datetime.now(UTC)
        today = date.today()
        await page.get_by_label("Year", exact=True).fill(str(year))
        await page.get_by_label("Harbour Heritage Group", exact=True).check()
        await page.get_by_label("Partners confirm by").fill(local(now + timedelta(hours=1)))
        await page.get_by_label("Opens", exact=True).fill(local(now - timedelta(minutes=1)))
        await page.get_by_label("Closes", exact=True).fill(local(now + timedelta(seconds=CALL_SECONDS)))
        await page.get_by_label("From", exact=True).fill(str(today + timedelta(days=30)))
        await page.get_by_label("Until", exact=True).fill(str(today + timedelta(days=200)))
        await page.get_by_label("Budget").fill("4000")
        await page.get_by_label("Lead's name").fill("Programme Lead")
        await page.get_by_label("Lead's e-mail").fill("kx-lead@museum.example")
        await page.screenshot(path=str(screenshots / "exchange-open-form.png"), full_page=True)
        await page.get_by_role("button", name="Open the year").click()
        await expect(page.get_by_role("heading", level=1)).to_have_text(f"Open the Knowledge Exchange {year}?")
        await checked(page, screenshots, "exchange-open-confirm")
        await page.get_by_role("button", name=f"Yes, open {year}").click()
        await expect(page.get_by_role("status")).to_have_text(f"Knowledge Exchange {year} opened.")

        # Confirm the partner in its name.
        await page.get_by_role("button", name="Confirm for them").click()
        await expect(page.get_by_role("heading", level=1)).to_have_text(f"Confirm Harbour Heritage Group for {year}?")
        await checked(page, screenshots, "exchange-partner-confirm")
        await page.get_by_role("button", name="Yes, confirm Harbour Heritage Group").click()
        await expect(page.get_by_role("status")).to_have_text(f"Harbour Heritage Group confirmed for {year}.")
        await expect(page.get_by_role("row", name="Harbour Heritage Group")).to_contain_text("confirmed")

        # Two applications arrive; the call closes by itself.
        ids = {}
        for who, organisation in (("Alex Harbour", harbour), ("Bo Museum", "museum")):
            application = application_body(who, f"{who.split()[0].lower()}@example.org", organisation)
            path = f"/api/v1/exchange/programmes/{year}/applications"
            ids[who] = (await json(await api.post(path, json=application), 201))["id"]
        deadline = time.monotonic() + CALL_SECONDS + 20
        while (await json(await api.get(f"/api/v1/exchange/programmes/{year}"), 200))["phase"] != "selection":
            assert time.monotonic() < deadline, "the call did not close"
            await asyncio.sleep(0.3)

        # Applications: filtered, read in full, shortlisted after a confirmation.
        await page.reload()
        await page.get_by_role("link", name="Read and shortlist the applications").click()
        await expect(page.get_by_role("heading", level=1)).to_have_text(f"Applications, Knowledge Exchange {year}")
        await page.get_by_label("Organisation").select_option(label="The museum")
        await page.get_by_role("button", name="Apply filters").click()
        await expect(page.get_by_role("link", name="Bo Museum")).to_be_visible()
        await expect(page.get_by_role("link", name="Alex Harbour")).to_have_count(0)
        await checked(page, screenshots, "exchange-applications-filtered")
        await page.get_by_role("link", name="Clear filters").click()
        for who in ("Alex Harbour", "Bo Museum"):
            await page.get_by_role("link", name=who).click()
            await expect(page.get_by_role("heading", level=1)).to_have_text(who)
            await expect(page.get_by_text("Step-free access, please.")).to_be_visible()
            if who == "Alex Harbour":
                await checked(page, screenshots, "exchange-application")
            await page.get_by_role("button", name=f"Shortlist {who}").click()
            await expect(page.get_by_role("heading", level=1)).to_have_text(f"Shortlist {who}?")
            if who == "Alex Harbour":
                await checked(page, screenshots, "exchange-shortlist-confirm")
            await page.get_by_role("button", name=f"Yes, shortlist {who}").click()
            await expect(page.get_by_role("status")).to_have_text("The application is shortlisted.")

        # The partner chooses (its own page is tested in test_exchange_pages.py; here its key).
        partner = httpx.AsyncClient(base_url=site.base_url, headers={"Authorization": f"Bearer {partner_key}"})
        async with partner:
            pick = {
                "partner_id": harbour,
                "outgoing_application_id": ids["Alex Harbour"],
                "hosted_application_id": ids["Bo Museum"],
            }
            await json(await partner.post(f"/api/v1/exchange/programmes/{year}/selections", json=pick), 200)

        # Match both placements from the dashboard, confirmed; then move one a week on.
        await page.goto(f"/exchange/{year}")
        match = page.locator(f'form[action="/exchange/{year}/placements/match"]')
        monday = next_monday(today + timedelta(days=35))
        await match.get_by_label("First day (a Monday)").first.fill(str(monday))
        await match.get_by_label("First day (a Monday)").last.fill(str(monday + timedelta(weeks=1)))
        await match.get_by_label("Focus areas").first.fill("conservation, archives")
        await checked(page, screenshots, "exchange-match-form")
        await page.get_by_role("button", name="Match the ticked placements").click()
        await expect(page.get_by_role("heading", level=1)).to_have_text("Match 2 placements?")
        await checked(page, screenshots, "exchange-match-confirm")
        await page.get_by_role("button", name="Yes, match them").click()
        await expect(page.get_by_role("status")).to_contain_text("2 placement(s) matched")
        state = await json(await api.get(f"/api/v1/exchange/programmes/{year}"), 200)
        assert sorted(p["starts_on"] for p in state["placements"]) == [
            str(monday),
            str(monday + timedelta(weeks=1)),
        ]
        inbound = next(p for p in state["placements"] if p["direction"] == "to_museum")
        moved_to = monday + timedelta(weeks=3)
        move = page.locator(f'form[action="/exchange/{year}/placements/{inbound["id"]}/dates"]')
        await move.get_by_label("New first day").fill(str(moved_to))
        await move.get_by_role("button", name="Move").click()
        await expect(page.get_by_role("status")).to_contain_text("Placement moved")
        await checked(page, screenshots, "exchange-dashboard-matched")
        state = await json(await api.get(f"/api/v1/exchange/programmes/{year}"), 200)
        assert next(p for p in state["placements"] if p["id"] == inbound["id"])["starts_on"] == str(moved_to)
        await context.close()
