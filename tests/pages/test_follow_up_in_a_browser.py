"""The follow-up page in headless Chromium (issue 15): staff add a respondent, import a CSV, see the waves.

Against the real app, worker and Temporal dev server. The project is made over the JSON API (set-up,
not the subject); the first wave is opened as the worker's open_survey_wave activity opens it (its
body, run on this test's database), so the wave table has figures to show without waiting months.
Screenshots: follow-up-empty.png, follow-up-import-report.png, follow-up-wave-open.png.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
from playwright.async_api import Browser, BrowserContext, FilePayload, Page, expect

from store.surveys.writes_wave_mail import invite_key
from tests.api.survey_support import GOOD_ANSWERS
from tests.pages.axe import FAILING, axe_violations
from tests.pages.conftest import ADMIN_KEY, Site
from tests.store.survey_builders import open_at, tokens_by_respondent, wave_task

CSV = b"name,email,language,role\nNia Import,nia@import.example,cy,participant\nNo Address,,en,participant\n"


async def sign_in(browser: Browser, site: Site, key: str) -> tuple[BrowserContext, Page]:
    """Staff sign in with the administrator key (the bootstrap path), in a context of their own."""
    context = await browser.new_context(base_url=site.base_url)
    page = await context.new_page()
    await page.goto("/")
    key_box = page.get_by_role("textbox", name="API key")
    await key_box.fill(key)
    await key_box.press("Enter")  # submits the key's own form, whatever its button says
    await expect(page.get_by_role("heading", level=1, name="Projects")).to_be_visible()
    return context, page


async def no_serious_violations(page: Page, label: str) -> None:
    """axe-core over the page as it stands: nothing serious or critical (issue 15)."""
    found = [v.line() for v in await axe_violations(page, label) if v.impact in FAILING]
    assert found == [], "\n".join(found)


async def _project(site: Site) -> str:
    headers = {"Authorization": f"Bearer {ADMIN_KEY}"}
    async with httpx.AsyncClient(base_url=site.base_url, headers=headers) as http:
        body = {"name": "Harbour Voices", "contact_name": "Someone", "contact_email": "someone@example.org"}
        partner = (await http.post("/api/v1/partners", json=body)).json()
        project = {
            "template": "co-curation",
            "title": "Harbour memories",
            "lead": {"name": "Lead", "email": "lead@museum.example"},
            "partner_ids": [partner["id"]],
        }
        created = await http.post("/api/v1/projects", json=project)
        assert created.status_code == 201, created.text
        return str(created.json()["id"])


async def test_staff_add_a_respondent_import_a_csv_and_see_the_wave_table(
    browser: Browser, site: Site, screenshots: Path
) -> None:
    project_id = await _project(site)
    context, page = await sign_in(browser, site, ADMIN_KEY)
    await page.goto(f"/projects/{project_id}")
    await page.get_by_role("link", name="Follow-up: respondents, waves and outcomes").click()
    await expect(page.get_by_role("heading", level=1, name="Follow-up surveys")).to_be_visible()
    await expect(page.get_by_role("table", name="Planned waves")).to_be_visible()
    await page.screenshot(path=screenshots / "follow-up-empty.png", full_page=True)
    await no_serious_violations(page, "follow-up (empty)")

    # Add one respondent through the form.
    form = page.locator("#form-add_respondent")
    await form.get_by_label("Name").fill("Osian Browser")
    await form.get_by_label("E-mail").fill("osian@browser.example")
    await form.get_by_label("Role").select_option("partner_staff")
    await form.get_by_label("Language of the survey").select_option("cy")
    await form.get_by_role("button", name="Add respondent").click()
    await expect(page.get_by_role("status")).to_contain_text("Respondent added")
    people = page.get_by_role("table", name="People asked to answer the surveys")
    await expect(people).to_contain_text("Osian Browser")
    await expect(people).to_contain_text("Partner staff")

    # Import a file with one good and one bad row: the report says which and why.
    await page.locator("#import-file").set_input_files(
        files=FilePayload(name="people.csv", mimeType="text/csv", buffer=CSV)
    )
    await page.get_by_role("button", name="Import").click()
    await expect(page.get_by_role("heading", name="Import report: 1 added, 1 refused")).to_be_visible()
    report = page.get_by_role("table", name="Each row of the file (the header is row 1)")
    await expect(report.get_by_role("row").nth(2)).to_contain_text("an e-mail address is required")
    await page.screenshot(path=screenshots / "follow-up-import-report.png", full_page=True)
    await no_serious_violations(page, "follow-up (import report)")

    # The first wave goes out (as the worker's activity sends it) and one person answers: the wave table shows
    # the counts and rate, each outcome a chart with its n.
    now = datetime.now(UTC)
    task = wave_task(project_id, 0, due=now - timedelta(minutes=1))
    await open_at(site.sessionmaker, task, now)
    token = next(iter((await tokens_by_respondent(site.sessionmaker, invite_key(task))).values()))
    async with httpx.AsyncClient(base_url=site.base_url) as http:
        answered = await http.post(f"/api/v1/surveys/{token}/responses", json={"answers": GOOD_ANSWERS})
        assert answered.status_code == 201, answered.text
    await page.goto(f"/projects/{project_id}/follow-up")
    waves = page.get_by_role("table", name="Survey waves")
    row = waves.get_by_role("row").nth(1)
    await expect(row).to_contain_text("Wave 1")
    await expect(row).to_contain_text("Open")
    await expect(row.get_by_role("cell").nth(3)).to_have_text("2")  # invited: Osian and Nia
    await expect(row.get_by_role("cell").nth(4)).to_have_text("1")  # answered
    await expect(row.get_by_role("cell").nth(5)).to_have_text("50%")
    charts = page.locator("svg[role=img]")
    assert await charts.count() >= 1
    await expect(charts.first).to_be_visible()
    await expect(page.locator("figure.chart").first).to_contain_text("n = ")
    await page.screenshot(path=screenshots / "follow-up-wave-open.png", full_page=True)
    await no_serious_violations(page, "follow-up (a wave open, answers charted)")
    await context.close()
