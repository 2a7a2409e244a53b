"""The portfolio impact report page (issue 16) in headless Chromium, with figures to show: the five projects
of tests/api/portfolio_support.py over three years, with intention, partner and museum levels. Staff reach
it from the "Reports" link of the nav, choose the period on its form, and read it; axe-core finds no serious
or critical violation at desktop and phone widths, the page is no wider than a phone's screen, every chart is
an image with a name beside a table of its figures; the screenshot is `report-portfolio.png` (and `-phone`).

The accessibility walk (test_accessibility.py) visits the same route too, with its default period and little data.
"""

from __future__ import annotations

from pathlib import Path

from playwright.async_api import Browser, expect

from tests.api.conftest import Api, http_client
from tests.api.test_portfolio_report import PERIOD, story_with_ratings
from tests.pages.axe import axe_violations, failing, overflow_px
from tests.pages.conftest import ADMIN_KEY, Site
from tests.pages.test_accessibility import VIEWPORTS, sign_in_with_key


async def test_staff_choose_a_period_on_the_portfolio_report_and_it_passes_axe(
    browser: Browser, site: Site, screenshots: Path
) -> None:
    async with http_client(site.app, ADMIN_KEY) as http:
        api = Api(
            http=http, app=site.app, client=site.client, sessionmaker=site.sessionmaker, task_queue=site.task_queue
        )
        await story_with_ratings(api)
        answer = await http.get("/api/v1/reports/impact", params=PERIOD)
        assert answer.status_code == 200, answer.text
        body = answer.json()
    context = await browser.new_context(base_url=site.base_url, viewport=VIEWPORTS["desktop"])
    try:
        page = await context.new_page()
        await page.goto("/")
        await sign_in_with_key(page, ADMIN_KEY)
        await page.wait_for_url("**/projects")
        await page.get_by_role("navigation", name="Main").get_by_role("link", name="Reports").click()
        await page.wait_for_url("**/reports/impact")
        await expect(page.get_by_role("heading", level=1)).to_have_text("Portfolio impact report")
        await page.locator("#report-from").fill(PERIOD["from"])
        await page.locator("#report-to").fill(PERIOD["to"])
        await page.get_by_role("button", name="Show the report").click()
        await page.wait_for_url("**/reports/impact?*")
        await expect(page.get_by_text("3 projects created in the period")).to_be_visible()
        await expect(page.get_by_role("link", name="Download this report as a PDF")).to_be_visible()
        charts = page.locator(".report-chart svg[role=img]")
        assert await charts.count() == 4  # stages, outcomes, response rates, year on year
        assert all(await charts.evaluate_all("els => els.map(e => !!e.getAttribute('aria-label'))"))
        assert await page.locator("table caption").count() >= 5
        skills = next(o for o in body["outcomes"] if o["key"] == "skills_knowledge")["participants"]
        outcomes = page.get_by_role("region", name="Outcomes across projects (the chart's figures)")
        skills_row = outcomes.get_by_role("row").filter(has_text="Skills and knowledge gained")
        await expect(skills_row.get_by_role("cell").first).to_have_text(
            f"{skills['mean']:.2f} (n = {skills['respondents']})"
        )
        await expect(page.get_by_text("Too few answers to show safely (fewer than 5)").first).to_be_visible()
        for width, viewport in VIEWPORTS.items():
            await page.set_viewport_size(viewport)
            found = await axe_violations(page, f"portfolio report ({width})")
            assert failing(found) == [], failing(found)
            assert await overflow_px(page) == 0, f"the report is wider than the screen at {width}"
            suffix = "" if width == "desktop" else "-phone"
            await page.screenshot(path=str(screenshots / f"report-portfolio{suffix}.png"), full_page=True)
    finally:
        await context.close()
