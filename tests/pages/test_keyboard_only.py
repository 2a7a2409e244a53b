"""A whole staff flow with the keyboard alone: Tab, Shift+Tab, Enter and typing; never a click or a mouse.

Sign in with the key form, open a project from the list, submit a milestone form on the project page.
On every page the first Tab lands on a visible "Skip to main content" link that moves focus into the
main content; every element Tab reaches shows that it has focus (it matches :focus-visible and draws
an outline or a ring of at least 2px), is on screen, and the path never traps focus. Screenshots of
the focused skip link and of the focused submit button go to tests/artifacts/keyboard_only/.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from playwright.async_api import Browser, Page, expect

from tests.api.conftest import Api, http_client
from tests.api.support import create_partner, create_project
from tests.pages.conftest import ADMIN_KEY, Site

#: What the focused element is and whether a sighted keyboard user can see that it has focus.
_FOCUSED = """() => {
  const el = document.activeElement;
  if (!el || el === document.body) return null;
  const style = getComputedStyle(el), box = el.getBoundingClientRect();
  return {
    tag: el.tagName.toLowerCase(), id: el.id, name: el.getAttribute('name'), href: el.getAttribute('href'),
    type: el.getAttribute('type'), text: (el.innerText || el.value || '').trim().slice(0, 80),
    form: el.closest('form') ? el.closest('form').id : null, in_main: !!el.closest('main'),
    focus_visible: el.matches(':focus-visible'),
    ring: (style.outlineStyle !== 'none' && parseFloat(style.outlineWidth) >= 2) || style.boxShadow !== 'none',
    on_screen: box.width > 0 && box.height > 0 && box.bottom > 0 && box.top < window.innerHeight,
  };
}"""
MAX_TABS = 250


async def focused(page: Page) -> dict[str, Any]:
    found = await page.evaluate(_FOCUSED)
    assert found is not None, f"{page.url}: Tab left focus on the page body"
    return dict(found)


async def tab_to(page: Page, wanted: str, **match: Any) -> dict[str, Any]:
    """Press Tab until the focused element has every attribute in `match`; each stop must show its focus."""
    seen: list[str] = []
    for _ in range(MAX_TABS):
        await page.keyboard.press("Tab")
        now = await focused(page)
        where = f"{page.url}: {now['tag']}#{now['id'] or now['name'] or now['text'][:30]}"
        assert now["focus_visible"] and now["ring"], f"{where}: focus is not visible"
        assert now["on_screen"], f"{where}: the focused element is off screen"
        if all(now.get(key) == value for key, value in match.items()):
            return now
        seen.append(where)
    raise AssertionError(f"{wanted} not reached in {MAX_TABS} Tabs; passed: {seen[-10:]}")


async def skip_to_main(page: Page, screenshots: Path | None = None) -> None:
    """The first Tab on a page is the skip link, shown on screen; Enter puts focus in <main>."""
    await page.keyboard.press("Tab")
    skip = await focused(page)
    assert (skip["tag"], skip["href"], skip["text"]) == ("a", "#main", "Skip to main content"), skip
    assert skip["on_screen"] and skip["focus_visible"] and skip["ring"], skip
    if screenshots:
        await page.screenshot(path=str(screenshots / "skip-link-focused.png"))
    await page.keyboard.press("Enter")
    assert await page.evaluate("() => document.activeElement.id") == "main"


async def test_staff_sign_in_open_a_project_and_submit_a_milestone_with_the_keyboard_alone(
    browser: Browser, site: Site, screenshots: Path
) -> None:
    async with http_client(site.app, ADMIN_KEY) as http:  # set-up, not the subject: a project to open
        api = Api(http, site.app, site.client, site.sessionmaker, site.task_queue)
        partner = await create_partner(api, "Keyboard Partner")
        await create_project(api, [partner["id"]], title="Songs of the Quay")
    context = await browser.new_context(base_url=site.base_url, viewport={"width": 1280, "height": 800})
    page = await context.new_page()

    # Sign in: skip link, Tab to the key field, type the key, Enter submits its form.
    await page.goto("/")
    await skip_to_main(page, screenshots)
    await tab_to(page, "the API key field", name="key")
    await page.keyboard.type(ADMIN_KEY)
    await page.keyboard.press("Enter")
    await expect(page.get_by_role("heading", level=1, name="Projects")).to_be_visible()

    # Open the project from the list: Tab to its link, Enter.
    await skip_to_main(page)
    await tab_to(page, "the project's link", tag="a", text="Songs of the Quay")
    await page.keyboard.press("Enter")
    await expect(page.get_by_role("heading", level=1)).to_have_text("Songs of the Quay")

    # Submit the first milestone form staff are offered: type the summary and a link, Tab to Submit, Enter.
    await skip_to_main(page)
    summary = await tab_to(page, "a milestone form's summary", tag="textarea", name="summary")
    form = summary["form"]
    assert form and form.startswith("form-submit-"), summary
    await page.keyboard.type("Assessed with the partner: the proposal is ready to go ahead.")
    await tab_to(page, "its links field", tag="textarea", name="links", form=form)
    await page.keyboard.type("https://example.org/assessment")
    await tab_to(page, "its submit button", tag="button", form=form)
    await page.screenshot(path=str(screenshots / "submit-button-focused.png"))
    await page.keyboard.press("Enter")
    await expect(page.get_by_role("status")).to_contain_text("Submitted")
    await expect(page.locator(f"#milestone-{form.removeprefix('form-submit-')} .submission")).to_contain_text(
        "ready to go ahead"
    )

    # Shift+Tab walks back as well: focus is never trapped, and stays visible going backwards.
    for _ in range(5):
        await page.keyboard.press("Shift+Tab")
        back = await focused(page)
        assert back["focus_visible"] and back["ring"], back
    await context.close()
