"""Staff run a Knowledge Exchange year through matching on the pages, in headless Chromium (issue 15).

One story against the real app, worker and Temporal dev server: staff open a year with the form (the call
for applications opened in the past, closing a few seconds on), say yes on the confirmation page,
confirm the partner in its name, read and filter the applications, shortlist two, select both for the
partner on its behalf (the dashboard's form, confirmed first), match both placements and move one.
axe-core runs on each page no GET reaches on its own (the confirmation pages, the filled forms): no
serious or critical violation. Screenshots go to
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


async def open_year(page: Page, screenshots: Path, year: int, partner: str, call_seconds: int = CALL_SECONDS) -> None:
    """From the Knowledge Exchange link: the open form (the call opened a minute ago, closing `call_seconds`
    on), its confirmation page, the dashboard."""
    await page.get_by_role("link", name="Knowledge Exchange").click()
    await expect(page.get_by_role("heading", name="Open a year")).to_be_visible()
    now = datetime.now(UTC)
    today = date.today()
    await page.get_by_label("Year", exact=True).fill(str(year))
    await page.get_by_label(partner, exact=True).check()
    await page.get_by_label("Partners confirm by").fill(local(now + timedelta(hours=1)))
    await page.get_by_label("Opens", exact=True).fill(local(now - timedelta(minutes=1)))
    await page.get_by_label("Closes", exact=True).fill(local(now + timedelta(seconds=call_seconds)))
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


async def confirm_partner(page: Page, screenshots: Path, year: int, partner: str) -> None:
    """On the dashboard: the partner confirmed in its name, after the confirmation page."""
    await page.get_by_role("button", name="Confirm for them").click()
    await expect(page.get_by_role("heading", level=1)).to_have_text(f"Confirm {partner} for {year}?")
    await checked(page, screenshots, "exchange-partner-confirm")
    await page.get_by_role("button", name=f"Yes, confirm {partner}").click()
    await expect(page.get_by_role("status")).to_have_text(f"{partner} confirmed for {year}.")
    await expect(page.get_by_role("row", name=partner)).to_contain_text("confirmed")


async def two_applications(api: httpx.AsyncClient, year: int, partner_id: str) -> dict[str, str]:
    """Alex Harbour (from the partner) and Bo Museum apply over the API: their application ids by name."""
    ids = {}
    for who, organisation in (("Alex Harbour", partner_id), ("Bo Museum", "museum")):
        application = application_body(who, f"{who.split()[0].lower()}@example.org", organisation)
        path = f"/api/v1/exchange/programmes/{year}/applications"
        ids[who] = (await json(await api.post(path, json=application), 201))["id"]
    return ids


async def until_selection(api: httpx.AsyncClient, year: int, call_seconds: int = CALL_SECONDS) -> None:
    """Back once the call has closed by itself (the year in its selection phase)."""
    deadline = time.monotonic() + call_seconds + 20
    while (await json(await api.get(f"/api/v1/exchange/programmes/{year}"), 200))["phase"] != "selection":
        assert time.monotonic() < deadline, "the call did not close"
        await asyncio.sleep(0.3)


async def shortlist_both(page: Page, screenshots: Path, year: int) -> None:
    """From the dashboard: the applications filtered, each read in full and shortlisted after a confirmation."""
    await page.goto(f"/exchange/{year}")
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


async def partner_chooses(base_url: str, partner_key: str, year: int, partner_id: str, ids: dict[str, str]) -> None:
    """The partner picks Alex outgoing and Bo hosted (its own page is tested in test_exchange_pages.py)."""
    async with httpx.AsyncClient(base_url=base_url, headers={"Authorization": f"Bearer {partner_key}"}) as partner:
        pick = {
            "partner_id": partner_id,
            "outgoing_application_id": ids["Alex Harbour"],
            "hosted_application_id": ids["Bo Museum"],
        }
        await json(await partner.post(f"/api/v1/exchange/programmes/{year}/selections", json=pick), 200)


async def staff_choose_for_partner(page: Page, screenshots: Path, year: int, partner: str) -> None:
    """From the dashboard: staff select for the partner (Alex sent, Bo hosted), after the confirmation page."""
    await page.goto(f"/exchange/{year}")
    await expect(page.get_by_role("heading", name="Select on a partner's behalf")).to_be_visible()
    await page.get_by_label(f"{partner} sends").select_option(label="Alex Harbour, Collections officer")
    await page.get_by_label(f"{partner} hosts").select_option(label="Bo Museum, Collections officer")
    await checked(page, screenshots, "exchange-select-for-partner-form")
    await page.get_by_role("button", name=f"Select for {partner}").click()
    await expect(page.get_by_role("heading", level=1)).to_have_text(f"Select for {partner} in {year}?")
    await checked(page, screenshots, "exchange-select-for-partner-confirm")
    await page.get_by_role("button", name=f"Yes, select for {partner}").click()
    await expect(page.get_by_role("status")).to_have_text(f"Selection saved for {partner}.")


async def match_both(page: Page, screenshots: Path, api: httpx.AsyncClient, year: int) -> list[dict[str, Any]]:
    """From the dashboard: both placements matched a week apart, confirmed; the year's placements."""
    await page.goto(f"/exchange/{year}")
    match = page.locator(f'form[action="/exchange/{year}/placements/match"]')
    monday = next_monday(date.today() + timedelta(days=35))
    await match.get_by_label("First day (a Monday)").first.fill(str(monday))
    await match.get_by_label("First day (a Monday)").last.fill(str(monday + timedelta(weeks=1)))
    await match.get_by_label("Focus areas").first.fill("conservation, archives")
    await checked(page, screenshots, "exchange-match-form")
    await page.get_by_role("button", name="Match the ticked placements").click()
    await expect(page.get_by_role("heading", level=1)).to_have_text("Match 2 placements?")
    await checked(page, screenshots, "exchange-match-confirm")
    await page.get_by_role("button", name="Yes, match them").click()
    await expect(page.get_by_role("status")).to_contain_text("2 placement(s) matched")
    placements: list[dict[str, Any]] = (await json(await api.get(f"/api/v1/exchange/programmes/{year}"), 200))[
        "placements"
    ]
    assert sorted(p["starts_on"] for p in placements) == [str(monday), str(monday + timedelta(weeks=1))]
    return placements


async def test_staff_run_a_year_from_opening_through_matching_on_the_pages(
    browser: Browser, site: Site, screenshots: Path
) -> None:
    year = fresh_year()
    api = httpx.AsyncClient(base_url=site.base_url, headers={"Authorization": f"Bearer {ADMIN_KEY}"})
    async with api:
        body = {"name": "Harbour Heritage Group", "contact_name": "Contact", "contact_email": "c@harbour.example"}
        harbour = (await json(await api.post("/api/v1/partners", json=body), 201))["id"]

        context = await browser.new_context(base_url=site.base_url)
        page = await context.new_page()
        await page.goto("/")
        key_form = page.locator('form[action="/sign-in"]')
        await key_form.locator('input[name="key"]').fill(ADMIN_KEY)
        await key_form.locator('button[type="submit"]').click()
        await expect(page.get_by_role("heading", level=1, name="Projects")).to_be_visible()

        await open_year(page, screenshots, year, "Harbour Heritage Group")
        await confirm_partner(page, screenshots, year, "Harbour Heritage Group")
        ids = await two_applications(api, year, harbour)
        await until_selection(api, year)
        await shortlist_both(page, screenshots, year)
        await staff_choose_for_partner(page, screenshots, year, "Harbour Heritage Group")
        chosen = (await json(await api.get(f"/api/v1/exchange/programmes/{year}"), 200))["selections"]
        assert chosen == [
            {
                "partner_id": harbour,
                "outgoing_application_id": ids["Alex Harbour"],
                "hosted_application_id": ids["Bo Museum"],
            }
        ]
        placements = await match_both(page, screenshots, api, year)

        # Move one placement on.
        inbound = next(p for p in placements if p["direction"] == "to_museum")
        moved_to = min(date.fromisoformat(p["starts_on"]) for p in placements) + timedelta(weeks=3)
        move = page.locator(f'form[action="/exchange/{year}/placements/{inbound["id"]}/dates"]')
        await move.get_by_label("New first day").fill(str(moved_to))
        await move.get_by_role("button", name="Move").click()
        await expect(page.get_by_role("status")).to_contain_text("Placement moved")
        await checked(page, screenshots, "exchange-dashboard-matched")
        state = await json(await api.get(f"/api/v1/exchange/programmes/{year}"), 200)
        assert next(p for p in state["placements"] if p["id"] == inbound["id"])["starts_on"] == str(moved_to)
        await context.close()
