"""Evidence files in headless Chromium (issue 15): the partner picks a PDF and a photo in the proposal's
form and submits it; staff open the project and see the photo's thumbnail (loaded, not broken) and the
PDF by name, accept the proposal and download the PDF; a file of the wrong kind comes back with the
reason beside the file input.

The real app served by uvicorn, the worker and the dev server (tests/pages/conftest.py); the files are
made here and kept in the test's own data directory.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

import httpx
import pytest
from playwright.async_api import Browser, BrowserContext, Page, expect

from tests.api.files_support import PDF, png, stored_files, zip_archive
from tests.pages.axe import axe_violations, failing
from tests.pages.conftest import ADMIN_KEY, Site


@pytest.fixture(autouse=True)
def data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The site's data directory (ENGAGE_DATA_DIR, read when the site's settings are made): the test's own."""
    folder = tmp_path / "data"
    monkeypatch.setenv("ENGAGE_DATA_DIR", str(folder))
    return folder


async def sign_in(browser: Browser, site: Site, key: str) -> tuple[BrowserContext, Page]:
    """Signed in to the pages with a key (the form kept for keys beside the e-mailed link)."""
    context = await browser.new_context(base_url=site.base_url, accept_downloads=True)
    page = await context.new_page()
    await page.goto("/")
    await page.get_by_role("textbox", name="API key").fill(key)
    await page.get_by_role("button", name="Sign in").first.click()
    await expect(page.get_by_role("heading", level=1, name="Projects")).to_be_visible()
    return context, page


async def partner_and_project(site: Site) -> tuple[str, str]:
    """Set-up over the JSON API: a partner with a key, and its project."""
    async with httpx.AsyncClient(base_url=site.base_url, headers={"Authorization": f"Bearer {ADMIN_KEY}"}) as http:
        body = {"name": "Harbour Photo Club", "contact_name": "Contact", "contact_email": "club@example.org"}
        partner = (await http.post("/api/v1/partners", json=body)).json()
        key = (await http.post(f"/api/v1/partners/{partner['id']}/keys", json={"label": "club"})).json()["key"]
        project = {
            "template": "co-curation",
            "title": "Harbour in pictures",
            "lead": {"name": "Lead", "email": "lead@museum.example"},
            "partner_ids": [partner["id"]],
        }
        created = await http.post("/api/v1/projects", json=project)
        assert created.status_code == 201, created.text
        return str(key), str(created.json()["id"])


async def test_a_partner_submits_a_pdf_and_a_photo_and_staff_see_the_thumbnail(
    browser: Browser, site: Site, screenshots: Path, data_dir: Path, tmp_path: Path
) -> None:
    key, project_id = await partner_and_project(site)
    photo, plan, archive = tmp_path / "harbour.png", tmp_path / "plan.pdf", tmp_path / "photos.png"
    photo.write_bytes(png(900, 600, "steelblue"))
    plan.write_bytes(PDF)
    archive.write_bytes(zip_archive())  # named .png, but a zip

    partner_context, partner = await sign_in(browser, site, key)
    await partner.goto(f"/projects/{project_id}")
    form = partner.locator("#form-submit-proposal")
    await form.get_by_label("Summary").fill("Our proposal, with the plan and a first photo.")
    await form.get_by_label("Files").set_input_files([str(archive)])
    await form.get_by_role("button", name="Submit").click()
    await expect(partner.locator("#form-submit-proposal .form-error")).to_contain_text("application/zip")
    await expect(partner.locator("#submit-proposal-files")).to_have_attribute("aria-invalid", "true")
    await partner.screenshot(path=str(screenshots / "submission-refused-file.png"), full_page=True)
    assert failing(await axe_violations(partner, "project, file refused")) == []
    assert stored_files(data_dir) == []

    form = partner.locator("#form-submit-proposal")
    await form.get_by_label("Files").set_input_files([str(plan), str(photo)])
    await form.get_by_role("button", name="Submit").click()
    await expect(partner.get_by_role("status")).to_contain_text("Submitted")
    await partner_context.close()

    staff_context, staff = await sign_in(browser, site, ADMIN_KEY)
    await staff.goto(f"/projects/{project_id}")
    thumbnail = staff.get_by_role("img", name="Photo: harbour.png")
    await expect(thumbnail).to_be_visible()
    # 👉 Visible is not loaded: wait for the image's bytes before measuring them (a loaded machine is slow).
    await staff.wait_for_function("img => img.complete && img.naturalWidth > 0", arg=await thumbnail.element_handle())
    assert await thumbnail.evaluate("img => img.naturalWidth") == 320  # loaded, scaled down
    await expect(staff.get_by_role("link", name="plan.pdf")).to_have_attribute(
        "href", f"/files/{hashlib.sha256(PDF).hexdigest()}"
    )
    await staff.locator("#milestone-proposal").screenshot(path=str(screenshots / "submission-with-files.png"))
    await staff.screenshot(path=str(screenshots / "project-with-evidence.png"), full_page=True)
    assert failing(await axe_violations(staff, "project with evidence files")) == []
    await staff.set_viewport_size({"width": 360, "height": 780})
    await staff.locator("#milestone-proposal").screenshot(path=str(screenshots / "submission-with-files-360.png"))
    await staff.set_viewport_size({"width": 1280, "height": 900})
    # Staff accept the proposal; its files stay shown with it.
    review = staff.locator("#form-review-proposal")
    await review.get_by_label("Accept").check()
    await review.get_by_role("button", name="Record decision").click()
    await expect(staff.get_by_role("status")).to_contain_text("accepted")
    await expect(staff.get_by_role("img", name="Photo: harbour.png")).to_be_visible()
    async with staff.expect_download() as downloading:
        await staff.get_by_role("link", name="plan.pdf").click()
    download = await downloading.value
    assert download.suggested_filename == "plan.pdf"
    saved = tmp_path / "downloaded.pdf"
    await download.save_as(saved)
    assert saved.read_bytes() == PDF
    await staff_context.close()
    assert sorted(stored_files(data_dir)) == sorted(hashlib.sha256(b).hexdigest() for b in (PDF, photo.read_bytes()))
