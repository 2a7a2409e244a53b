"""The web pages driven in headless Chromium against the real app, worker and Temporal dev server.

One story, because each browser step is slow: staff sign in, add a partner and issue it a key,
start a project from the dashboard, find it in the list and open it; the partner signs in with the
issued key and submits the proposal through the form; staff are refused a "return" without a note
(the reason shown by the form), then accept, and the project moves to partnership; the partner
gets the 404 page for another partner's project. Screenshots go to $ENGAGE_PAGES_SCREENSHOTS
(default: the test's tmp dir) for a person to look at.
"""

from __future__ import annotations

import asyncio
import re
import time
from pathlib import Path

import httpx
from playwright.async_api import Browser, BrowserContext, Page, expect

from tests.pages.conftest import ADMIN_KEY, Site


async def sign_in(browser: Browser, site: Site, key: str) -> tuple[BrowserContext, Page]:
    context = await browser.new_context(base_url=site.base_url)
    page = await context.new_page()
    await page.goto("/")
    await page.get_by_label("API key").fill(key)
    await page.get_by_role("button", name="Sign in").click()
    await expect(page.get_by_role("heading", level=1, name="Projects")).to_be_visible()
    return context, page


async def reload_until(page: Page, text: str, *, within_seconds: float = 10.0) -> None:
    """Reload until `text` is on the page: the workflow moves stage a moment after the update."""
    deadline = time.monotonic() + within_seconds
    while await page.get_by_text(text).count() == 0:
        assert time.monotonic() < deadline, f"{text!r} not shown within {within_seconds}s"
        await asyncio.sleep(0.1)
        await page.reload()


async def other_partners_project(site: Site) -> str:
    """Set-up, not the subject: another partner's project, made over the JSON API."""
    headers = {"Authorization": f"Bearer {ADMIN_KEY}"}
    async with httpx.AsyncClient(base_url=site.base_url, headers=headers) as http:
        body = {"name": "Another Partner", "contact_name": "Someone", "contact_email": "someone@example.org"}
        partner = (await http.post("/api/v1/partners", json=body)).json()
        project = {
            "template": "co-curation",
            "title": "Not yours",
            "lead": {"name": "Lead", "email": "lead@museum.example"},
            "partner_ids": [partner["id"]],
        }
        created = await http.post("/api/v1/projects", json=project)
        assert created.status_code == 201, created.text
        return str(created.json()["id"])


async def test_staff_and_a_partner_take_a_proposal_to_partnership_through_the_pages(
    browser: Browser, site: Site, screenshots: Path
) -> None:
    staff_context, staff = await sign_in(browser, site, ADMIN_KEY)

    # Staff add a partner and issue it a key, shown once.
    await staff.get_by_role("link", name="Partners").click()
    await staff.get_by_label("Organisation name").fill("Riverside Community Archive")
    await staff.get_by_label("Contact name").fill("Contact Person")
    await staff.get_by_label("Contact e-mail").fill("contact@example.org")
    await staff.get_by_role("button", name="Add partner").click()
    await expect(staff.get_by_role("status")).to_contain_text("Riverside Community Archive")
    await staff.get_by_label("Key label").fill("partner portal")
    await staff.get_by_role("button", name="Issue key for Riverside Community Archive").click()
    partner_key = await staff.get_by_label("API key (partner portal)").input_value()
    assert partner_key.startswith("engage_")

    # Staff start a project from the dashboard, then find it in the list and open it.
    await staff.get_by_role("link", name="Projects").click()
    form = staff.locator("#new-project")
    await form.get_by_label("Template").select_option(label="Co-curated display")
    await form.get_by_label("Title").fill("Voices of the River")
    await form.get_by_label("Summary").fill("A co-curated display about the river's working lives.")
    await form.get_by_label("Lead's name").fill("Project Lead")
    await form.get_by_label("Lead's e-mail").fill("lead@museum.example")
    await form.get_by_label("Riverside Community Archive").check()
    await form.get_by_role("button", name="Start project").click()
    await expect(staff.get_by_role("heading", level=1)).to_have_text("Voices of the River")
    await expect(staff.get_by_role("status")).to_contain_text("started at the Proposal stage")
    project_url = staff.url
    await staff.get_by_role("link", name="Projects", exact=True).first.click()
    await staff.get_by_role("link", name="Voices of the River").click()
    assert staff.url == project_url
    await expect(staff.locator(".step--current")).to_contain_text("Proposal")

    # The list's filters apply with the others left on "Any" (as `required` selects they could not be sent).
    await staff.get_by_role("link", name="Projects", exact=True).first.click()
    await staff.locator("#filter-stage").select_option(label="Proposal")
    await staff.get_by_role("button", name="Apply filters").click()
    await expect(staff).to_have_url(re.compile(r"[?&]stage=proposal"))
    await expect(staff.get_by_role("link", name="Voices of the River")).to_be_visible()
    await staff.goto(project_url)

    # The partner signs in with the issued key and submits the proposal through its form.
    partner_context, partner = await sign_in(browser, site, partner_key)
    await partner.get_by_role("link", name="Voices of the River").click()
    submit = partner.locator("#form-submit-proposal")
    await submit.get_by_label("Summary").fill("We propose a display of river trades, chosen with our members.")
    await submit.get_by_label("Links").fill("https://example.org/proposal")
    await submit.get_by_role("button", name="Submit").click()
    await expect(partner.get_by_role("status")).to_contain_text("Submitted")
    await expect(partner.locator("#milestone-proposal .submission")).to_contain_text("river trades")
    assert await partner.locator("#form-review-proposal").count() == 0  # staff review, not partners

    # Staff: a return without a note is refused, with the field and the reason beside the form.
    await staff.reload()
    review = staff.locator("#form-review-proposal")
    await review.get_by_label("Return for changes").check()
    await review.get_by_role("button", name="Record decision").click()
    refusal = staff.locator("#form-review-proposal .form-error")
    await expect(refusal).to_contain_text("Note: returning a milestone needs a note")
    await expect(staff.get_by_role("alert")).to_contain_text("Note: returning a milestone needs a note")
    await expect(staff.locator("#review-proposal-note")).to_have_attribute("aria-invalid", "true")

    # Staff accept; the project moves to partnership.
    await staff.locator("#form-review-proposal").get_by_label("Accept").check()
    await staff.locator("#form-review-proposal").get_by_role("button", name="Record decision").click()
    await expect(staff.get_by_role("status")).to_contain_text("accepted")
    await reload_until(staff, "Partnership agreement signed")
    await expect(staff.locator(".step--current")).to_contain_text("Partnership")
    await expect(staff.locator(".step--done")).to_contain_text("Proposal")
    await staff.screenshot(path=str(screenshots / "project.png"), full_page=True)
    await staff.set_viewport_size({"width": 320, "height": 800})
    await staff.screenshot(path=str(screenshots / "project-320.png"), full_page=True)

    # The partner cannot open another partner's project: the 404 page, as for no project at all.
    other = await other_partners_project(site)
    answer = await partner.goto(f"/projects/{other}")
    assert answer is not None and answer.status == 404
    await expect(partner.get_by_role("heading", level=1)).to_have_text("Page not found")

    await staff_context.close()
    await partner_context.close()
