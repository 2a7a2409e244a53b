"""The Knowledge Exchange pages in headless Chromium against the real app, worker and Temporal dev server.

One story (browser steps are slow): someone applies through the public form without signing in, is
told beside the field that volunteers are not eligible, corrects it and gets the thank-you page; the
call closes by itself; staff see the dashboard; the partner signs in, sees its own staff's
application and the museum colleague it may host, and saves its selection through the form; once staff match the
placements the form is gone.
Screenshots go to $ENGAGE_PAGES_SCREENSHOTS (default: the test's tmp dir).
"""

from __future__ import annotations

import asyncio
import time
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import httpx
from playwright.async_api import Browser, BrowserContext, Page, expect

from api.exchange.errors import ALREADY_APPLIED, VOLUNTEERS_NOT_ELIGIBLE
from tests.api.exchange_support import application_body, fresh_year, next_monday, programme_body
from tests.pages.conftest import ADMIN_KEY, Site

CALL_SECONDS = 12


async def admin(site: Site) -> httpx.AsyncClient:
    return httpx.AsyncClient(base_url=site.base_url, headers={"Authorization": f"Bearer {ADMIN_KEY}"})


async def json(response: httpx.Response, status: int) -> Any:
    assert response.status_code == status, response.text
    return response.json()


async def sign_in(browser: Browser, site: Site, key: str) -> tuple[BrowserContext, Page]:
    context = await browser.new_context(base_url=site.base_url)
    page = await context.new_page()
    await page.goto("/")
    await page.get_by_label("API key").fill(key)
    await page.get_by_role("button", name="Sign in").click()
    await expect(page.get_by_role("heading", level=1, name="Projects")).to_be_visible()
    return context, page


async def wait_for_phase(http: httpx.AsyncClient, year: int, phase: str, within_seconds: float) -> None:
    deadline = time.monotonic() + within_seconds
    while (await json(await http.get(f"/api/v1/exchange/programmes/{year}"), 200))["phase"] != phase:
        assert time.monotonic() < deadline, f"the programme did not reach {phase} within {within_seconds}s"
        await asyncio.sleep(0.2)


async def test_an_applicant_a_partner_and_staff_take_the_call_to_a_selection_through_the_pages(
    browser: Browser, site: Site, screenshots: Path
) -> None:
    year = fresh_year()
    async with await admin(site) as http:
        body = {"name": "Harbour Heritage Group", "contact_name": "Contact", "contact_email": "c@harbour.example"}
        partner = (await json(await http.post("/api/v1/partners", json=body), 201))["id"]
        partner_key = (await json(await http.post(f"/api/v1/partners/{partner}/keys", json={"label": "harbour"}), 201))[
            "key"
        ]
        opened = programme_body(year, [partner], closes_in=timedelta(seconds=CALL_SECONDS))
        await json(await http.post("/api/v1/exchange/programmes", json=opened), 201)
        await json(await http.post(f"/api/v1/exchange/programmes/{year}/partners/{partner}/confirm"), 200)
        museum = application_body("Bo Museum", "bo@museum.example", "museum")
        hosted_id = (await json(await http.post(f"/api/v1/exchange/programmes/{year}/applications", json=museum), 201))[
            "id"
        ]

        # The public form, signed out: a volunteer is told why, beside the field; then it goes through.
        context = await browser.new_context(base_url=site.base_url)
        page = await context.new_page()
        await page.goto(f"/exchange/{year}/apply")
        await expect(page.get_by_role("heading", level=1)).to_have_text(f"Apply for the Knowledge Exchange {year}")
        await page.get_by_label("Full name").fill("Alex Harbour")
        await page.get_by_label("Work e-mail").fill("alex@harbour.example")
        await page.get_by_label("Organisation").select_option(label="Harbour Heritage Group")
        await page.get_by_label("Job title").fill("Collections officer")
        await page.get_by_label("Volunteer").check()
        await page.get_by_label("Why would the exchange benefit you?").fill("New skills.")
        await page.get_by_label("What do you hope to gain?").fill("Conservation practice.")
        await page.get_by_label("What could you offer your host?").fill("Community archiving.")
        await page.get_by_label("Conservation", exact=True).check()
        await page.get_by_role("button", name="Send my application").click()
        await expect(page.get_by_role("alert")).to_contain_text(VOLUNTEERS_NOT_ELIGIBLE)
        employment = page.get_by_role("group", name="How are you engaged by your organisation?")
        await expect(employment).to_have_attribute("aria-invalid", "true")
        await expect(employment.locator(".field-error")).to_have_text(f"Error: {VOLUNTEERS_NOT_ELIGIBLE}")
        await expect(page.get_by_label("Full name")).to_have_value("Alex Harbour")  # what was typed is kept
        await page.screenshot(path=str(screenshots / "exchange-apply-refused.png"), full_page=True)
        await page.get_by_label("Employed", exact=True).check()
        await page.get_by_role("button", name="Send my application").click()
        await expect(page.get_by_role("heading", level=1)).to_have_text("Thank you: your application has been received")
        await page.screenshot(path=str(screenshots / "exchange-apply-thanks.png"), full_page=True)

        # The same person again: refused, the reason beside the e-mail field.
        await page.goto(f"/exchange/{year}/apply")
        await page.get_by_label("Full name").fill("Alex Again")
        await page.get_by_label("Work e-mail").fill("ALEX@harbour.example")
        await page.get_by_label("Organisation").select_option(label="Harbour Heritage Group")
        await page.get_by_label("Job title").fill("Collections officer")
        await page.get_by_label("Employed", exact=True).check()
        for question in (
            "Why would the exchange benefit you?",
            "What do you hope to gain?",
            "What could you offer your host?",
        ):
            await page.get_by_label(question).fill("Again.")
        await page.get_by_role("button", name="Send my application").click()
        await expect(page.locator("#apply-email-error")).to_contain_text(ALREADY_APPLIED)
        await context.close()

        # The call closes by itself; staff shortlist both (set-up over the JSON API).
        await wait_for_phase(http, year, "selection", CALL_SECONDS + 15)
        applications = (await json(await http.get(f"/api/v1/exchange/programmes/{year}/applications"), 200))["items"]
        assert sorted(a["name"] for a in applications) == ["Alex Harbour", "Bo Museum"]
        for application in applications:
            await json(
                await http.post(f"/api/v1/exchange/programmes/{year}/applications/{application['id']}/shortlist"), 200
            )

    # Staff see the dashboard.
    staff_context, staff = await sign_in(browser, site, ADMIN_KEY)
    await staff.get_by_role("link", name="Knowledge Exchange").click()
    await staff.get_by_role("link", name=str(year)).click()
    await expect(staff.get_by_role("heading", level=1)).to_have_text(f"Knowledge Exchange {year}")
    await expect(staff.get_by_text("2 received, 2 shortlisted")).to_be_visible()
    await expect(staff.get_by_role("heading", name="Outcomes per aim, over time")).to_be_visible()
    await staff.screenshot(path=str(screenshots / "exchange-dashboard.png"), full_page=True)
    await staff_context.close()

    # The partner sees its own staff in full and the museum colleague without an address; it selects both.
    partner_context, as_partner = await sign_in(browser, site, partner_key)
    await as_partner.goto(f"/exchange/{year}")
    await expect(as_partner.get_by_role("link", name="alex@harbour.example")).to_be_visible()
    await expect(as_partner.get_by_text("bo@museum.example")).to_have_count(0)
    await as_partner.get_by_label("The colleague you send to the museum").select_option(
        label="Alex Harbour, Collections officer"
    )
    await as_partner.get_by_label("The museum colleague you host").select_option(value=hosted_id)
    await as_partner.get_by_role("button", name="Save selection").click()
    await expect(as_partner.get_by_role("status")).to_have_text("Your selection is saved.")
    await expect(as_partner.get_by_label("The museum colleague you host")).to_have_value(hosted_id)
    await as_partner.screenshot(path=str(screenshots / "exchange-partner.png"), full_page=True)

    # Staff match both placements: the partner is no longer offered the selection form (issue 12).
    monday = next_monday(date.today() + timedelta(days=35))
    plan = [{"partner_id": partner, "direction": d, "starts_on": str(monday)} for d in ("to_museum", "to_partner")]
    async with await admin(site) as http:
        await json(
            await http.post(f"/api/v1/exchange/programmes/{year}/placements/match", json={"placements": plan}), 200
        )
    await as_partner.reload()
    await expect(as_partner.get_by_role("heading", name="Your placements")).to_be_visible()
    await expect(as_partner.get_by_role("heading", name="Your selection")).to_have_count(0)
    await expect(as_partner.get_by_role("button", name="Save selection")).to_have_count(0)
    await expect(as_partner.get_by_text("Alex Harbour, to the museum")).to_be_visible()
    await as_partner.screenshot(path=str(screenshots / "exchange-partner-matched.png"), full_page=True)
    await partner_context.close()
