"""The respondent's survey pages: over HTTP for the rules (fast), then in headless Chromium for people.

HTTP: no cookie is ever set or needed; a form without its per-link CSRF value does nothing (403);
a refused answer comes back as 422 with the reason beside the question and the answers kept; an
accepted one redirects to the thank-you page; unknown, answered and closed links are polite pages
with the JSON API's statuses; the page is in the respondent's language. Browser: a respondent on
a 375px-wide phone answers with keyboard and mouse, misses a required question and is shown where,
then sends and is thanked; another opts out of every survey. Screenshots go to
$ENGAGE_PAGES_SCREENSHOTS (default: the test's tmp dir) for a person to look at.
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from playwright.async_api import Browser, Page, expect
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from temporalio.testing import WorkflowEnvironment

from api.main import create_app
from api.settings import ApiSettings
from store.surveys.writes_wave_mail import invite_key
from store.tables import Respondent, SurveyResponse, SurveySuppression
from tests.pages.conftest import ADMIN_KEY, Site
from tests.store.survey_builders import close_at, open_at, tokens_by_respondent, wave_task

CSRF = re.compile(r'name="csrf" value="([^"]+)"')
PEOPLE = [
    {"name": "Ada", "email": "ada@respondents.example", "language": "en", "role": "participant"},
    {"name": "Bryn", "email": "bryn@respondents.example", "language": "cy", "role": "participant"},
    {"name": "Cai", "email": "cai@respondents.example", "language": "en", "role": "partner_staff"},
]
FORM = {
    "skills_gained": "4",
    "confidence": "5",
    "museum_understanding": "3",
    "wellbeing": "4",
    "contact_since": "often",
    "visits_since": "2",
    "lasting_difference": "Still in touch <b>weekly</b>.",
}

Sessions = async_sessionmaker[AsyncSession]


async def seed(base: httpx.AsyncClient, sessionmaker: Sessions) -> tuple[str, dict[str, str]]:
    """A project with three respondents and its first wave open; each respondent's raw token by name."""
    partner = (
        await base.post(
            "/api/v1/partners", json={"name": "Archive", "contact_name": "C", "contact_email": "c@partner.example"}
        )
    ).json()
    body = {
        "template": "co-curation",
        "title": "Voices of the River",
        "lead": {"name": "Lead", "email": "lead@museum.example"},
        "partner_ids": [partner["id"]],
    }
    created = await base.post("/api/v1/projects", json=body)
    assert created.status_code == 201, created.text
    project_id = created.json()["id"]
    names = {}
    for person in PEOPLE:
        added = await base.post(f"/api/v1/projects/{project_id}/respondents", json=person)
        assert added.status_code == 201, added.text
        names[added.json()["id"]] = person["name"]
    task = wave_task(project_id, due=datetime.now(UTC))
    await open_at(sessionmaker, task, datetime.now(UTC))
    tokens = await tokens_by_respondent(sessionmaker, invite_key(task))
    return project_id, {names[rid]: token for rid, token in tokens.items()}


# -- over HTTP --------------------------------------------------------------------------------------


@pytest.fixture
async def app(temporal_dev_env: WorkflowEnvironment, task_queue: str, sqlite_sessionmaker: Sessions) -> FastAPI:
    settings = ApiSettings(admin_key=ADMIN_KEY, task_queue=task_queue)
    return create_app(settings, client=temporal_dev_env.client, sessionmaker=sqlite_sessionmaker)


@pytest.fixture
async def respondent(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://engage.test") as http:
        yield http


@pytest.fixture
async def seeded(app: FastAPI, sqlite_sessionmaker: Sessions) -> tuple[str, dict[str, str]]:
    headers = {"Authorization": f"Bearer {ADMIN_KEY}"}
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://engage.test", headers=headers) as staff:
        return await seed(staff, sqlite_sessionmaker)


def csrf_of(page: httpx.Response) -> str:
    found = CSRF.search(page.text)
    assert found, page.text
    return found.group(1)


async def responses(sessionmaker: Sessions) -> int:
    async with sessionmaker() as session:
        return int(await session.scalar(select(func.count()).select_from(SurveyResponse)) or 0)


async def test_the_survey_form_needs_no_cookie_refuses_a_form_without_its_token_and_keeps_answers_on_error(
    respondent: httpx.AsyncClient, seeded: tuple[str, dict[str, str]], sqlite_sessionmaker: Sessions
) -> None:
    _, tokens = seeded
    url = f"/s/{tokens['Ada']}"
    page = await respondent.get(url)
    assert page.status_code == 200
    assert "set-cookie" not in page.headers and not respondent.cookies
    assert page.headers["referrer-policy"] == "no-referrer" and page.headers["cache-control"] == "no-store"
    assert '<html lang="en">' in page.text and "<script" not in page.text
    assert page.text.count("<fieldset") == 6 and page.text.count("<legend") == 6
    assert 'href="/s/' + tokens["Ada"] + '?lang=cy" lang="cy" hreflang="cy"' in page.text

    forged = await respondent.post(url, data={**FORM, "csrf": "forged"})
    assert forged.status_code == 403 and await responses(sqlite_sessionmaker) == 0
    other_links_token = csrf_of(await respondent.get(f"/s/{tokens['Cai']}"))
    replayed = await respondent.post(url, data={**FORM, "csrf": other_links_token})
    assert replayed.status_code == 403, "a form token is bound to its own link"

    missing = {k: v for k, v in FORM.items() if k != "confidence"}
    refused = await respondent.post(url, data={**missing, "csrf": csrf_of(page), "lang": "en"})
    assert refused.status_code == 422
    assert 'id="q-confidence-error"' in refused.text and "Please answer this question" in refused.text
    assert 'href="#q-confidence-1"' in refused.text, "the error summary links to the question"
    assert 'name="skills_gained" value="4" checked' in refused.text, "answers are kept"
    assert "Still in touch &lt;b&gt;weekly&lt;/b&gt;." in refused.text, "and escaped"
    assert refused.text.startswith("<!doctype html>") and "<title>Error:" in refused.text
    assert await responses(sqlite_sessionmaker) == 0

    sent = await respondent.post(
        url, data={**FORM, "activities_since": ["visited", "volunteered"], "csrf": csrf_of(page)}
    )
    assert sent.status_code == 303 and sent.headers["location"] == f"/s/{tokens['Ada']}/thanks?lang=en"
    thanks = await respondent.get(sent.headers["location"])
    assert thanks.status_code == 200 and "Thank you" in thanks.text
    async with sqlite_sessionmaker() as session:
        stored = (await session.scalars(select(SurveyResponse))).one()
    assert stored.answers["activities_since"] == ["visited", "volunteered"]
    assert stored.answers["lasting_difference"] == "Still in touch <b>weekly</b>."

    again = await respondent.get(url)
    assert again.status_code == 409 and "You have already answered" in again.text
    resent = await respondent.post(url, data={**FORM, "csrf": csrf_of(page)})
    assert resent.status_code == 409 and await responses(sqlite_sessionmaker) == 1
    assert not respondent.cookies


async def test_links_that_cannot_be_answered_get_polite_pages_in_the_respondents_language(
    respondent: httpx.AsyncClient, seeded: tuple[str, dict[str, str]], sqlite_sessionmaker: Sessions
) -> None:
    project_id, tokens = seeded
    welsh = await respondent.get(f"/s/{tokens['Bryn']}")
    assert welsh.status_code == 200 and '<html lang="cy">' in welsh.text
    assert "Sut mae&#39;r prosiect wedi aros gyda chi?" in welsh.text and "Anfon fy atebion" in welsh.text
    english = await respondent.get(f"/s/{tokens['Bryn']}?lang=en")
    assert '<html lang="en">' in english.text and "Send my answers" in english.text
    for garbage in ("nope", "A" * 40, "a.b", "%3Cscript%3E", "A" * 200):
        unknown = await respondent.get(f"/s/{garbage}")
        assert unknown.status_code == 404 and "We cannot find this survey" in unknown.text, garbage
        assert "<script>" not in unknown.text
    await close_at(sqlite_sessionmaker, wave_task(project_id), datetime.now(UTC))
    closed = await respondent.get(f"/s/{tokens['Cai']}")
    assert closed.status_code == 410 and "This survey has closed" in closed.text
    assert f'href="/s/{tokens["Cai"]}/opt-out?lang=en"' in closed.text, "old links still opt out"
    closed_welsh = await respondent.get(f"/s/{tokens['Bryn']}")
    assert closed_welsh.status_code == 410 and "Mae&#39;r arolwg hwn wedi cau" in closed_welsh.text
    late = await respondent.post(f"/s/{tokens['Cai']}", data={**FORM, "csrf": csrf_of(welsh)})
    assert late.status_code == 403, "Bryn's form token is not Cai's"
    thanks_too_early = await respondent.get(f"/s/{tokens['Cai']}/thanks")
    assert thanks_too_early.status_code == 410


async def test_the_opt_out_form_stops_surveys_here_or_everywhere(
    respondent: httpx.AsyncClient, seeded: tuple[str, dict[str, str]], sqlite_sessionmaker: Sessions
) -> None:
    _, tokens = seeded
    form = await respondent.get(f"/s/{tokens['Cai']}/opt-out")
    assert form.status_code == 200 and 'type="checkbox" id="opt-out-everywhere"' in form.text
    assert (await respondent.post(f"/s/{tokens['Cai']}/opt-out", data={"everywhere": "yes"})).status_code == 403
    done = await respondent.post(f"/s/{tokens['Cai']}/opt-out", data={"csrf": csrf_of(form), "everywhere": "yes"})
    assert done.status_code == 200 and "stopped every survey from the museum" in done.text
    here_only = await respondent.get(f"/s/{tokens['Ada']}/opt-out")
    ok = await respondent.post(f"/s/{tokens['Ada']}/opt-out", data={"csrf": csrf_of(here_only)})
    assert ok.status_code == 200 and "stopped every survey" not in ok.text
    assert (await respondent.get(f"/s/{tokens['Ada']}")).status_code == 410
    assert (await respondent.get("/s/unknown-token-1234567890/opt-out")).status_code == 404
    async with sqlite_sessionmaker() as session:
        opted = set(await session.scalars(select(Respondent.name).where(Respondent.opted_out_at.is_not(None))))
        suppressed = await session.scalar(select(func.count()).select_from(SurveySuppression))
    assert opted == {"Ada", "Cai"} and suppressed == 1


# -- in Chromium ------------------------------------------------------------------------------------


async def seeded_site(site: Site) -> dict[str, str]:
    headers = {"Authorization": f"Bearer {ADMIN_KEY}"}
    async with httpx.AsyncClient(base_url=site.base_url, headers=headers) as staff:
        _, tokens = await seed(staff, site.sessionmaker)
    return tokens


def question(page: Page, text: str) -> Any:
    return page.get_by_role("group", name=re.compile(re.escape(text)))


async def test_a_respondent_answers_on_a_phone_with_keyboard_and_mouse_and_another_opts_out(
    browser: Browser, site: Site, screenshots: Path
) -> None:
    tokens = await seeded_site(site)
    context = await browser.new_context(base_url=site.base_url, viewport={"width": 375, "height": 800})
    page = await context.new_page()
    await page.goto(f"/s/{tokens['Ada']}")
    await expect(page.locator("html")).to_have_attribute("lang", "en")
    await expect(page.get_by_role("heading", level=1)).to_have_text("How has the project stayed with you?")
    await page.screenshot(path=str(screenshots / "survey-375.png"), full_page=True)

    # Keyboard: into the first scale with Tab, Space picks "1", two arrows move the choice to "3".
    first = question(page, "I gained skills or knowledge").get_by_role("radio").first
    await first.focus()
    await page.keyboard.press("Space")
    await page.keyboard.press("ArrowRight")
    await page.keyboard.press("ArrowRight")
    await expect(question(page, "I gained skills").get_by_label("3 Neither agree nor disagree")).to_be_checked()
    # Mouse: click the words, not the tiny circle.
    await question(page, "how the museum works").get_by_text("Agree", exact=True).click()
    await question(page, "good for my wellbeing").get_by_text("Strongly agree", exact=True).click()
    await question(page, "in touch with the museum").get_by_label("Yes, sometimes").check()
    await question(page, "Since the project").get_by_label("volunteered").check()
    await page.get_by_label(re.compile("how many times")).fill("4")
    await page.get_by_label(re.compile("What difference")).fill("I lead a walking group now.")
    await page.get_by_role("button", name="Send my answers").click()

    # "I feel more confident" was skipped: the error sits beside it, the rest is kept.
    confidence = question(page, "I feel more confident")
    await expect(confidence).to_contain_text("Please answer this question")
    await expect(page.get_by_role("alert")).to_contain_text("There is a problem")
    await expect(question(page, "I gained skills").get_by_label("3 Neither agree nor disagree")).to_be_checked()
    await expect(page.get_by_label(re.compile("how many times"))).to_have_value("4")
    await page.screenshot(path=str(screenshots / "survey-375-error.png"), full_page=True)
    await page.get_by_role("link", name=re.compile("I feel more confident")).click()
    await expect(confidence.get_by_role("radio").first).to_be_focused()
    await confidence.get_by_label("4 Agree").check()
    await page.get_by_role("button", name="Send my answers").click()
    await expect(page.get_by_role("heading", level=1)).to_have_text("Thank you")
    await page.screenshot(path=str(screenshots / "survey-375-thanks.png"), full_page=True)
    await context.close()

    # Bryn reads it in Welsh at the narrowest width, switches to English, then opts out everywhere.
    narrow = await browser.new_context(base_url=site.base_url, viewport={"width": 320, "height": 700})
    page = await narrow.new_page()
    await page.goto(f"/s/{tokens['Bryn']}")
    await expect(page.locator("html")).to_have_attribute("lang", "cy")
    await page.screenshot(path=str(screenshots / "survey-320-cy.png"), full_page=True)
    width = await page.evaluate("document.documentElement.scrollWidth")
    assert width <= 320, f"the page scrolls sideways at 320px ({width}px wide)"
    await page.get_by_role("link", name="English").click()
    await expect(page.locator("html")).to_have_attribute("lang", "en")
    await page.get_by_role("link", name=re.compile("Opt out")).click()
    await page.get_by_label("Also stop all surveys from the museum").check()
    await page.get_by_role("button", name="Stop the surveys").click()
    await expect(page.get_by_role("heading", level=1)).to_have_text("You will not get these surveys any more")
    await page.screenshot(path=str(screenshots / "survey-320-opted-out.png"), full_page=True)
    await narrow.close()

    # Wide screens: the Likert scale sits in one row of five.
    desktop = await browser.new_context(base_url=site.base_url, viewport={"width": 1200, "height": 900})
    page = await desktop.new_page()
    await page.goto(f"/s/{tokens['Cai']}")
    await page.screenshot(path=str(screenshots / "survey-1200.png"), full_page=True)
    tops = (
        await question(page, "I gained skills")
        .locator(".scale-point")
        .evaluate_all("points => points.map(p => Math.round(p.getBoundingClientRect().top))")
    )
    assert len(set(tops)) == 1, tops
    await desktop.close()
