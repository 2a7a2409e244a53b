"""An administrator manages webhooks on the pages, in headless Chromium (issue 16 on pages).

One story against the real app, worker, Temporal dev server and a real receiver on loopback: from the
"Webhooks" link, a plain-http address to another host is refused beside its input; a good one shows the
secret once; a project's events reach the receiver and the webhook's page shows them delivered; deleting
asks first. axe-core runs on each page no GET reaches on its own: no serious or critical violation.
Screenshots (webhooks.png among them) go to tests/artifacts/webhooks_in_a_browser/.
"""

from __future__ import annotations

from pathlib import Path

from playwright.async_api import Browser, Page, expect

from tests.api.conftest import Api, http_client
from tests.api.support import create_partner, create_project, eventually
from tests.pages.axe import axe_violations, failing
from tests.pages.conftest import ADMIN_KEY, Site
from tests.pages.test_accessibility import sign_in_with_key
from tests.webhook_receiver import Receiver, receiver


async def checked(page: Page, screenshots: Path, name: str) -> None:
    """A screenshot of the page, and no serious or critical axe violation on it."""
    await page.screenshot(path=str(screenshots / f"{name}.png"), full_page=True)
    assert failing(await axe_violations(page, name)) == []


async def test_an_admin_adds_watches_and_deletes_a_webhook(browser: Browser, site: Site, screenshots: Path) -> None:
    context = await browser.new_context(base_url=site.base_url, viewport={"width": 1280, "height": 800})
    page = await context.new_page()
    async with receiver() as rx:
        await page.goto("/")
        await sign_in_with_key(page, ADMIN_KEY)
        await page.wait_for_url("**/projects")
        await page.get_by_role("link", name="Webhooks").click()
        await expect(page.get_by_role("heading", level=1)).to_have_text("Webhooks")

        await page.get_by_label("Address to send to").fill("http://example.org/hook")
        await page.get_by_label("A project is created").check()
        await page.get_by_role("button", name="Add webhook").click()
        await expect(page.locator("#webhook-url-error")).to_contain_text("must be https")
        await checked(page, screenshots, "webhook-refused")

        await page.get_by_label("Address to send to").fill(f"{rx.url}/hook")
        await page.get_by_label("A project stage opens").check()
        await page.get_by_role("button", name="Add webhook").click()
        await expect(page.get_by_role("heading", level=1)).to_have_text("Webhook added")
        await expect(page.get_by_text("it will not be shown again")).to_be_visible()
        secret = await page.get_by_label("Signing secret").input_value()
        assert secret.startswith("whsec_")
        await checked(page, screenshots, "webhook-secret-once")

        api = Api(http_client(site.app, ADMIN_KEY), site.app, site.client, site.sessionmaker, site.task_queue)
        async with api.http:
            partner = await create_partner(api, "Webhook Partner")
            await create_project(api, [partner["id"]])
        await eventually(lambda: _accepted(rx), lambda n: n >= 2, within_seconds=30, interval=0.2)

        await page.get_by_role("link", name="See this webhook's deliveries").click()
        await expect(page.get_by_role("heading", name="Deliveries (2)")).to_be_visible()
        await expect(page.get_by_text("Delivered").first).to_be_visible()
        assert secret not in await page.content()
        await checked(page, screenshots, "webhook")
        await page.get_by_role("link", name="All webhooks").click()
        await expect(page.get_by_role("row", name=f"{rx.url}/hook")).to_contain_text("A project is created")
        assert secret not in await page.content()
        await page.screenshot(path=str(screenshots / "webhooks.png"), full_page=True)

        await page.get_by_role("link", name="Deliveries and delete").click()
        await page.get_by_role("link", name="Delete this webhook").click()
        await expect(page.get_by_role("heading", level=1)).to_have_text("Delete this webhook?")
        await checked(page, screenshots, "webhook-delete-confirm")
        await page.get_by_role("button", name="Yes, delete this webhook").click()
        await expect(page.get_by_role("status")).to_contain_text("Webhook deleted")
        await expect(page.get_by_text("No webhooks yet.")).to_be_visible()
    await context.close()


async def _accepted(rx: Receiver) -> int:
    return len(rx.accepted("/hook"))
