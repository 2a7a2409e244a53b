"""The project impact report page (issue 16) in headless Chromium, with figures to show: the project of
tests/api/test_project_report.py (workshops, a display, milestones and costs, ratings, two waves of answers:
one shown, one suppressed, and a quote given with consent). Staff reach it from the project's page; axe-core
finds no serious or critical violation at desktop and phone widths, the page is no wider than a phone's
screen, every chart is an image with a name and a table of its figures beside it, and the charts keep their
colours under the pages' CSP. The screenshot is `report-project.png` (and `-phone`), the PDF
`report-project.pdf` beside it.

The accessibility walk (test_accessibility.py) visits the same route too (staff and the project's partner).
"""

from __future__ import annotations

from pathlib import Path

from playwright.async_api import Browser, expect

from tests.api.conftest import Api, http_client
from tests.api.test_project_report import project_with_answers
from tests.pages.axe import axe_violations, overflow_px
from tests.pages.conftest import ADMIN_KEY, Site
from tests.pages.test_accessibility import VIEWPORTS, sign_in_with_key

TOO_FEW = "Too few answers to show safely (fewer than 5)"


async def test_staff_read_the_project_report_from_the_project_page_and_it_passes_axe(
    browser: Browser, site: Site, screenshots: Path
) -> None:
    async with http_client(site.app, ADMIN_KEY) as http:
        api = Api(
            http=http, app=site.app, client=site.client, sessionmaker=site.sessionmaker, task_queue=site.task_queue
        )
        made = await project_with_answers(api)
    project_id = made["project_id"]
    context = await browser.new_context(base_url=site.base_url, viewport=VIEWPORTS["desktop"])
    try:
        page = await context.new_page()
        await page.goto("/")
        await sign_in_with_key(page, ADMIN_KEY)
        await page.wait_for_url("**/projects")
        await page.goto(f"/projects/{project_id}")
        await page.get_by_role("link", name="Impact report: what the project did and what changed").click()
        await page.wait_for_url(f"**/projects/{project_id}/report")
        await expect(page.get_by_role("heading", level=1)).to_have_text("Voices of the Docks: impact report")
        await expect(page.get_by_role("link", name="Download this report as a PDF")).to_be_visible()
        charts = page.locator("figure.chart svg[role=img]")
        assert await charts.count() >= 9  # the comparison, four outcomes' means and their shown distributions
        assert all(await charts.evaluate_all("els => els.map(e => !!e.getAttribute('aria-label'))"))
        # The bars keep their colour (presentation attributes, which the CSP allows): not black.
        fill = await page.locator("figure.chart svg path[fill='#0072b2']").first.evaluate(
            "el => getComputedStyle(el).fill"
        )
        assert fill == "rgb(0, 114, 178)"
        await expect(page.get_by_text(TOO_FEW).first).to_be_visible()
        await expect(page.get_by_text("The river group still meets every month.")).to_be_visible()
        for width, viewport in VIEWPORTS.items():
            await page.set_viewport_size(viewport)
            found = await axe_violations(page, f"project report ({width})")
            assert found == [], found  # none at all, not only none serious or critical
            assert await overflow_px(page) == 0, f"the report is wider than the screen at {width}"
            suffix = "" if width == "desktop" else "-phone"
            await page.screenshot(path=str(screenshots / f"report-project{suffix}.png"), full_page=True)
        pdf = await context.request.get(f"/projects/{project_id}/report.pdf")
        assert pdf.ok and pdf.headers["content-type"] == "application/pdf"
        (screenshots / "report-project.pdf").write_bytes(await pdf.body())
    finally:
        await context.close()
