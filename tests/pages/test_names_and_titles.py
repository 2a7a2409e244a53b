"""What people read on the pages and in the API's human-facing fields (issue 12 §1), in headless Chromium
against the real app, worker and Temporal dev server.

Stage badges show the template's title for the stage (a placement's "Planning", never `proposal`), on the
project list, the project page and in `stage_title` of the JSON views.
"""

from __future__ import annotations

import uuid
from typing import Any

import httpx
from playwright.async_api import Browser, expect

from tests.pages.conftest import ADMIN_KEY, Site
from tests.pages.test_pages_in_a_browser import reload_until, sign_in


async def created(response: httpx.Response) -> Any:
    assert response.status_code == 201, response.text
    return response.json()


async def placement_project(site: Site) -> tuple[str, str, str]:
    """Set-up over the JSON API: a partner and a project on the placement template. (project id, title, name)"""
    suffix = uuid.uuid4().hex[:8]
    partner_name = f"Community Archive {suffix}"
    title = f"Placement {suffix}"
    async with httpx.AsyncClient(base_url=site.base_url, headers={"Authorization": f"Bearer {ADMIN_KEY}"}) as http:
        body = {"name": partner_name, "contact_name": "Contact", "contact_email": f"c-{suffix}@archive.example"}
        partner = await created(await http.post("/api/v1/partners", json=body))
        project = {
            "template": "knowledge-exchange-placement",
            "title": title,
            "lead": {"name": "Sam Lead", "email": "sam.lead@museum.example"},
            "partner_ids": [partner["id"]],
        }
        started = await created(await http.post("/api/v1/projects", json=project))
        assert started["stage"] == "proposal" and started["stage_title"] == "Planning"
        read = await http.get(f"/api/v1/projects/{started['id']}")
        assert read.status_code == 200 and read.json()["stage_title"] == "Planning"
        return str(started["id"]), title, partner_name


async def test_stage_badges_show_the_templates_title_for_the_stage(browser: Browser, site: Site) -> None:
    project_id, title, _ = await placement_project(site)
    context, staff = await sign_in(browser, site, ADMIN_KEY)
    await reload_until(staff, title)
    row = staff.get_by_role("row").filter(has_text=title)
    await expect(row.locator(".badge--stage")).to_have_text("Planning")
    await row.get_by_role("link", name=title).click()
    await expect(staff.get_by_role("heading", level=1)).to_have_text(title)
    await expect(staff.locator(".badge--stage")).to_have_text("Planning")
    async with httpx.AsyncClient(base_url=site.base_url, headers={"Authorization": f"Bearer {ADMIN_KEY}"}) as http:
        listed = (await http.get("/api/v1/projects", params={"template": "knowledge-exchange-placement"})).json()
    mine = [p for p in listed["items"] if p["id"] == project_id]
    assert [p["stage_title"] for p in mine] == ["Planning"]
    await context.close()
