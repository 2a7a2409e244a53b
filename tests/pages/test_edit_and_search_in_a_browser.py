"""Editing a project, searching, a partner's page and the outbox's filters, in headless Chromium (issue 15).

The real app served by uvicorn, a real worker on the dev server. Staff sign in with the admin key, open a
project, follow "Edit title, summary, lead or partners", change the title and save: the project page
shows the new title and its timeline "Project edited" with the new title. The header's search box finds
the project by a word of the new title and the partner by name; the partner's page shows its contact and
the project; the outbox filtered by recipient shows that person's e-mails only. axe-core finds no serious
or critical violation on any of these pages; screenshots go to tests/artifacts/edit_and_search_in_a_browser/.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx
from playwright.async_api import Browser, Page, expect

from tests.api.support import eventually, project_body
from tests.pages.axe import axe_violations, failing
from tests.pages.conftest import ADMIN_KEY, Site


async def json(response: httpx.Response, status: int) -> Any:
    assert response.status_code == status, response.text
    return response.json()


async def checked(page: Page, screenshots: Path, name: str) -> None:
    await page.screenshot(path=str(screenshots / f"{name}.png"), full_page=True)
    assert failing(await axe_violations(page, name)) == []


async def test_staff_edit_a_title_see_it_on_the_timeline_and_find_it_with_the_search_box(
    browser: Browser, site: Site, screenshots: Path
) -> None:
    api = httpx.AsyncClient(base_url=site.base_url, headers={"Authorization": f"Bearer {ADMIN_KEY}"})
    async with api:
        body = {
            "name": "Estuary Heritage Group",
            "contact_name": "Eira Contact",
            "contact_email": "eira@estuary.example",
        }
        partner = (await json(await api.post("/api/v1/partners", json=body), 201))["id"]
        pid = (await json(await api.post("/api/v1/projects", json=project_body([partner])), 201))["id"]

        async def outbox() -> Any:
            return await json(await api.get("/api/v1/outbox", params={"project_id": pid}), 200)

        await eventually(outbox, lambda page: page["total"] >= 2, within_seconds=60)

    context = await browser.new_context(base_url=site.base_url)
    page = await context.new_page()
    await page.goto("/")
    key_form = page.locator('form[action="/sign-in"]')
    await key_form.locator('input[name="key"]').fill(ADMIN_KEY)
    await key_form.locator('button[type="submit"]').click()
    await page.goto(f"/projects/{pid}")

    await page.get_by_role("link", name="Edit title, summary, lead or partners").click()
    await expect(page.get_by_role("heading", level=1)).to_contain_text("Edit")
    await checked(page, screenshots, "project-edit")
    await page.get_by_label("Title").fill("Tidal Memories of the Estuary")
    await page.get_by_role("button", name="Save changes").click()

    await expect(page.get_by_text("Project saved.")).to_be_visible()
    await expect(page.get_by_role("heading", level=1)).to_contain_text("Tidal Memories of the Estuary")
    timeline = page.locator("ol.timeline")
    # 👉 The timeline is the event log, which the worker writes just after the update: reload until it is in.
    for _ in range(150):  # at most ~60 s on a busy machine
        if "Project edited" in await timeline.inner_text():
            break
        await page.wait_for_timeout(400)
        await page.reload()
    await expect(timeline).to_contain_text("Project edited")
    await expect(timeline).to_contain_text("New title: Tidal Memories of the Estuary")
    await checked(page, screenshots, "project-after-edit")

    search = page.get_by_role("search").first
    await search.get_by_label("Search projects, partners and people").fill("tidal mem")
    await search.get_by_role("button", name="Search").click()
    await expect(page.get_by_role("heading", level=1, name="Search")).to_be_visible()
    await expect(page.get_by_role("link", name="Tidal Memories of the Estuary")).to_be_visible()
    await checked(page, screenshots, "search-results")

    await page.goto("/search?q=estuary+heritage")
    await page.get_by_role("link", name="Estuary Heritage Group").first.click()
    await expect(page.get_by_role("heading", level=1, name="Estuary Heritage Group")).to_be_visible()
    await expect(page.get_by_text("eira@estuary.example").first).to_be_visible()
    await expect(page.get_by_role("link", name="Tidal Memories of the Estuary")).to_be_visible()
    await checked(page, screenshots, "partner")

    await page.goto("/outbox")
    await page.get_by_label("Recipient").fill("eira@")
    await page.get_by_role("button", name="Apply filters").click()
    await expect(page.locator("table.outbox")).to_contain_text("eira@estuary.example")
    await expect(page.locator("table.outbox")).not_to_contain_text("lead@museum.example")
    await checked(page, screenshots, "outbox-filtered")
    await context.close()
