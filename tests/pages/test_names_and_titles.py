"""What people read on the pages and in the API's human-facing fields (issue 12 §1), in headless Chromium
against the real app, worker and Temporal dev server.

Stage badges show the template's title for the stage (a placement's "Planning", never `proposal`), on the
project list, the project page and in `stage_title` of the JSON views. Timelines, submissions and the
header name the partner organisation, never the label of the key it used ("partner portal").
"""

from __future__ import annotations

import asyncio
import time
import uuid
from typing import Any

import httpx
from playwright.async_api import Browser, expect

from tests.pages.conftest import ADMIN_KEY, Site
from tests.pages.test_pages_in_a_browser import reload_until, sign_in


async def created(response: httpx.Response) -> Any:
    assert response.status_code == 201, response.text
    return response.json()


async def placement_project(site: Site) -> tuple[str, str, str, str]:
    """Set-up over the JSON API: a partner, its key labelled "partner portal", and a project on the
    placement template. Returns (project id, title, partner's name, partner's key)."""
    suffix = uuid.uuid4().hex[:8]
    partner_name = f"Community Archive {suffix}"
    title = f"Placement {suffix}"
    async with httpx.AsyncClient(base_url=site.base_url, headers={"Authorization": f"Bearer {ADMIN_KEY}"}) as http:
        body = {"name": partner_name, "contact_name": "Contact", "contact_email": f"c-{suffix}@archive.example"}
        partner = await created(await http.post("/api/v1/partners", json=body))
        key = await created(await http.post(f"/api/v1/partners/{partner['id']}/keys", json={"label": "partner portal"}))
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
        return str(started["id"]), title, partner_name, str(key["key"])


async def test_stage_badges_show_the_templates_title_for_the_stage(browser: Browser, site: Site) -> None:
    project_id, title, _, _ = await placement_project(site)
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


async def test_timelines_and_the_header_name_the_partner_organisation_not_its_keys_label(
    browser: Browser, site: Site
) -> None:
    project_id, title, partner_name, partner_key = await placement_project(site)
    agenda = {"summary": "Day one in the stores; day two in the studio.", "links": []}
    submissions = f"/api/v1/projects/{project_id}/milestones/agenda/submissions"
    async with httpx.AsyncClient(base_url=site.base_url, headers={"Authorization": f"Bearer {partner_key}"}) as http:
        await created(await http.post(submissions, json=agenda))
    async with httpx.AsyncClient(base_url=site.base_url, headers={"Authorization": f"Bearer {ADMIN_KEY}"}) as http:
        reviewed = await http.post(
            f"/api/v1/projects/{project_id}/milestones/agenda/review", json={"decision": "accept"}
        )
        assert reviewed.status_code == 200, reviewed.text
        events: list[dict[str, Any]] = []
        deadline = time.monotonic() + 10
        while "milestone_accepted" not in {e["type"] for e in events}:  # recorded a moment after the update
            assert time.monotonic() < deadline, events
            await asyncio.sleep(0.1)
            events = (await http.get(f"/api/v1/projects/{project_id}/events")).json()["items"]
    by_type = {e["type"]: (e["actor"], e["actor_name"]) for e in events}
    assert by_type["milestone_submitted"] == ("partner portal", partner_name)  # recorded as before, named now
    assert by_type["milestone_accepted"][1] == "Museum staff"
    # Started over the API with the admin key: the start input names its caller (issue 14), no longer "Engage".
    assert by_type["project_created"] == ("admin", "Museum staff")

    context, as_partner = await sign_in(browser, site, partner_key)
    await expect(as_partner.locator(".who")).to_have_text(f"Signed in: {partner_name} (partner)")
    await as_partner.goto(f"/projects/{project_id}")
    await expect(as_partner.get_by_role("heading", level=1)).to_have_text(title)
    await reload_until(as_partner, "Milestone accepted")
    submitted = as_partner.locator(".timeline li").filter(has_text="Milestone submitted")
    await expect(submitted.locator(".by")).to_have_text(f"by {partner_name}")
    await expect(as_partner.locator("#milestone-agenda .submission .meta strong")).to_have_text(partner_name)
    await expect(as_partner.get_by_text("partner portal")).to_have_count(0)
    await context.close()
