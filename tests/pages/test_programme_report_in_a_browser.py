"""The Knowledge Exchange programme-year report page (issue 16) in headless Chromium, with figures to show:
the year of tests/api/test_programme_report.py (four placements, costs, a case study, one wave shown and one
suppressed). Staff reach it from the year's dashboard; axe-core finds no violation at all (of any impact) at
desktop and phone widths, the page is no wider than a phone's screen, every chart is an image with a name and
a table of its figures beside it; the screenshot is `report-programme.png` (and `-phone`), the PDF
`report-programme.pdf` beside it.

The accessibility walk (test_accessibility.py) visits the same route too, for a year with nothing recorded yet.
"""

from __future__ import annotations

from pathlib import Path

from playwright.async_api import Browser, expect

from tests.api.conftest import Api, http_client
from tests.api.test_programme_report import TOO_FEW, record_a_year
from tests.pages.axe import axe_violations, overflow_px
from tests.pages.conftest import ADMIN_KEY, Site
from tests.pages.test_accessibility import VIEWPORTS, sign_in_with_key


async def test_staff_read_the_programme_report_from_the_dashboard_and_it_passes_axe(
    browser: Browser, site: Site, screenshots: Path
) -> None:
    async with http_client(site.app, ADMIN_KEY) as http:
        api = Api(
            http=http, app=site.app, client=site.client, sessionmaker=site.sessionmaker, task_queue=site.task_queue
        )
        recorded = await record_a_year(api)
    context = await browser.new_context(base_url=site.base_url, viewport=VIEWPORTS["desktop"])
    try:
        page = await context.new_page()
        await page.goto("/")
        await sign_in_with_key(page, ADMIN_KEY)
        await page.wait_for_url("**/projects")
        await page.goto(f"/exchange/{recorded.year}")
        await page.get_by_role("link", name="The year's report").click()
        await page.wait_for_url(f"**/exchange/programmes/{recorded.year}/report")
        await expect(page.get_by_role("heading", level=1)).to_have_text(
            f"Knowledge Exchange {recorded.year}: programme report"
        )
        await expect(page.get_by_role("link", name="Download this report as a PDF")).to_be_visible()
        # Every chart is an image with a name, beside (or above) a table of its figures.
        charts = page.locator("figure.chart svg[role=img]")
        assert await charts.count() >= 5  # placements, four aims' means, the shown wave's distributions
        assert all(await charts.evaluate_all("els => els.map(e => !!e.getAttribute('aria-label'))"))
        await expect(page.get_by_text(TOO_FEW).first).to_be_visible()
        await expect(page.get_by_role("cell", name="3.83").first).to_be_visible()
        for width, viewport in VIEWPORTS.items():
            await page.set_viewport_size(viewport)
            found = await axe_violations(page, f"programme report ({width})")
            assert found == [], found  # none at all, not only none serious or critical
            assert await overflow_px(page) == 0, f"the report is wider than the screen at {width}"
            suffix = "" if width == "desktop" else "-phone"
            await page.screenshot(path=str(screenshots / f"report-programme{suffix}.png"), full_page=True)
        # The PDF beside the screenshots, for a person to look at (its text is checked in the API test).
        pdf = await context.request.get(f"/exchange/programmes/{recorded.year}/report.pdf")
        assert pdf.ok and pdf.headers["content-type"] == "application/pdf"
        (screenshots / "report-programme.pdf").write_bytes(await pdf.body())
    finally:
        await context.close()
