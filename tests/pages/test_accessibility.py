"""axe-core over every page Engage serves, as the people who use it, at desktop and phone widths.

The walk is generated, as the access matrix's is: every GET route of `api.routers.PAGE_ROUTERS` is
filled with real resources made once (two partners, a project whose partner has submitted its
proposal with a photo and a PDF, a Knowledge Exchange year with an application, a partner contact's
account, a survey wave open with an English and a Welsh respondent and one answer)
and visited by each kind of person its rule in `api.access.ROUTES` lets in (staff; a partner of the
resource; anyone, or the respondent holding the link). A page added later is walked too; a path
parameter with no real value here is visited with a made-up one (its "not found" page is checked)
and named in the report; a route answering a file (.ics, .csv, evidence) is counted, not checked.
Then states no GET reaches: the 404 page, "Staff only", forms posted as they stand (refusals, the
once-shown key, a confirmation page, an opt-out). Each visit checks that the first Tab stop is the
skip link to <main>, runs every axe rule at 1280 and 360 px and fails on any serious or critical
violation (by page, rule and target) or page wider than a 360px screen. Screenshots of every visit
at both widths go to tests/artifacts/accessibility/ with report.json (the figures).
"""

from __future__ import annotations

import hashlib
import json
import re
import string
from collections import Counter
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack, asynccontextmanager
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path

from playwright.async_api import Browser, BrowserContext, Page, ViewportSize

from api.access import ROUTES, route_keys
from api.routers import PAGE_ROUTERS
from tests.api.conftest import Api, http_client
from tests.api.exchange_support import application_body, apply, fresh_year, programme_body
from tests.api.files_support import PDF, png
from tests.api.support import create_partner, create_project, eventually, ok
from tests.api.survey_support import PEOPLE, answer, open_wave_now, survey_project
from tests.pages.axe import IMPACTS, Violation, axe_violations, cleared, failing, overflow_px
from tests.pages.conftest import ADMIN_KEY, Site

VIEWPORTS: dict[str, ViewportSize] = {"desktop": {"width": 1280, "height": 800}, "phone": {"width": 360, "height": 740}}
#: Rule -> who is shown the page: everyone it lets in who sees something different.
VISITORS: dict[str, tuple[str, ...]] = {
    "public": ("anyone",),
    "survey_token": ("respondent", "respondent (Welsh)"),
    "signed_in": ("staff", "partner"),
    "staff": ("staff",),
    "project_party": ("staff", "partner"),
    "project_staff": ("staff",),
    "programme_party": ("staff", "partner"),
    "partner_in_programme": ("partner",),
    "survey_staff": ("staff",),
    "file_party": ("staff", "partner"),
    "partner_self": ("staff", "partner"),
    "admin": ("staff",),  # the "staff" visitor signs in with the admin key
}
#: Parameters no real resource is made for (as in the access matrix): the page's own "not found".
MADE_UP = {"workshop_id", "key_id", "placement_id"}
#: States no GET reaches on its own: (name, who, path): the 404 page, "Staff only", a follow-up with a wave open.
STATES = (
    ("not-found", "staff", "/projects/no-such-project"),
    ("staff-only", "partner", "/outbox"),
    ("admin-only", "partner", "/webhooks"),
    ("follow-up-wave-open", "staff", "/projects/{survey_id}/follow-up"),
)
#: Pages answering a form (name, who, page, form) posted as it stands, browser checks off: the server's refusals.
POSTED = (
    ("sign-in-refused", "anyone", "/", 'form[action="/sign-in"]'),
    ("new-project-refused", "staff", "/projects", "#new-project form"),
    ("add-partner-refused", "staff", "/partners", 'form[action="/partners"]'),
    ("key-issued", "staff", "/partners", 'form[action$="/keys"]'),
    ("milestone-refused", "staff", "/projects/{project_id}", 'form[id^="form-submit-"]'),
    ("survey-refused", "respondent", "/s/{token}", "form.survey-form"),
    ("apply-refused", "anyone", "/exchange/{year}/apply", 'form[action$="/apply"]'),
    ("opted-out", "respondent (Welsh)", "/s/{token}/opt-out", 'main form[action$="/opt-out"]'),
    ("withdraw-unconfirmed", "staff", "/projects/{project_id}", "form#form-withdraw"),
    ("exchange-confirm-asked", "staff", "/exchange/{year}", 'form[action$="/confirm"]'),
    ("webhook-refused", "staff", "/webhooks", 'form[action="/webhooks"]'),
)
#: The first element Tab reaches: the skip link's target if it is one and <main> has that id.
_FIRST_STOP = """() => {
  const first = document.querySelector('a[href], button, input:not([type=hidden]), select, textarea, [tabindex="0"]');
  const main = document.querySelector('main#main');
  if (first && first.classList.contains('skip-link') && main) return first.getAttribute('href');
  return first && first.outerHTML;
}"""


@dataclass
class Report:
    """Everything the walk saw: what the issue's closing note quotes."""

    folder: Path
    visits: list[dict[str, object]] = field(default_factory=list)
    violations: list[Violation] = field(default_factory=list)
    placeholders: set[str] = field(default_factory=set)
    wider: list[str] = field(default_factory=list)  # pages that scroll sideways as a whole (reflow)
    downloads: set[str] = field(default_factory=set)  # routes answering a file (.ics, .csv, evidence), not a page

    def figures(self) -> dict[str, object]:
        counted = Counter(v.impact for v in self.violations)
        return {
            "page_routes": len({str(v["route"]) for v in self.visits} & set(ROUTES)),
            "states": len({str(v["route"]) for v in self.visits} - set(ROUTES)),
            "visits": len(self.visits),
            "axe_runs": len(self.visits) * len(VIEWPORTS),
            "violations_by_impact": {impact: counted.get(impact, 0) for impact in IMPACTS},
            "placeholder_parameters": sorted(self.placeholders),
            "downloads_not_pages": sorted(self.downloads),
            "wider_than_the_screen": self.wider,
        }


def page_gets() -> list[str]:
    """Every GET page route, in mounting order (a route several routers share appears once)."""
    keys = [key for router in PAGE_ROUTERS for route in router.routes for key in route_keys(route)]
    return list(dict.fromkeys(key for key in keys if key.startswith("GET ")))


def _fill(template: str, values: dict[str, str], report: Report) -> str:
    names = [name for _, name, _, _ in string.Formatter().parse(template) if name]
    filled = dict(values)
    for name in names:
        if name not in filled:
            report.placeholders.add(name)
            filled[name] = f"no-such-{name.replace('_', '-')}"
    return template.format(**filled)


async def sign_in_with_key(page: Page, key: str) -> None:
    """The key form of the sign-in page (kept for admins and integrations beside the e-mailed link)."""
    form = page.locator('form[action="/sign-in"]')
    await form.locator('input[name="key"]').fill(key)
    await form.locator('button[type="submit"]').click()


def shot_name(name: str, who: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", f"{name}--{who}".lower()).strip("-")


async def _world(api: Api) -> tuple[dict[str, str], dict[str, str]]:
    """Real resources for the path parameters, and the partner's key: made over the JSON API."""
    a = (await create_partner(api, "Axe Partner A"))["id"]
    await create_partner(api, "Axe Partner B")
    project = (await create_project(api, [a]))["id"]
    key = ok(await api.http.post(f"/api/v1/partners/{a}/keys", json={"label": "axe"}), 201)["key"]
    photo = png()
    async with http_client(api.app, key) as partner:  # a proposal with a link, a photo and a PDF
        proposal = {"summary": "Our proposal, chosen with our members.", "links": "https://example.org/p"}
        files = [("files", ("river.png", photo, "image/png")), ("files", ("plan.pdf", PDF, "application/pdf"))]
        submissions = f"/api/v1/projects/{project}/milestones/proposal/submissions"
        ok(await partner.post(submissions, data=proposal, files=files), 201)
    year = fresh_year()
    ok(
        await api.http.post(
            "/api/v1/exchange/programmes", json=programme_body(year, [a], closes_in=timedelta(hours=1))
        ),
        201,
    )
    body = application_body("Applicant Person", "applicant@people.example", "museum")
    applied = await eventually(
        lambda: apply(api.http, year, body), lambda answer: answer.status_code == 201, interval=0.5
    )
    contact = {"name": "Contact Person", "email": "contact@people.example", "role": "partner", "partner_id": a}
    user = ok(await api.http.post("/api/v1/users", json=contact), 201)["id"]
    survey, respondents = await survey_project(api)
    tokens = await open_wave_now(api, survey)
    welsh = next(r for r, person in zip(respondents, PEOPLE, strict=True) if person["language"] == "cy")
    english, answered = (r for r in respondents if r != welsh)
    ok(await answer(api.http, tokens[answered]), 201)  # an answer, so the outcome charts have a bar
    values = {"project_id": project, "partner_id": a, "year": str(year), "token": tokens[english], "user_id": user}
    values["survey_id"] = survey
    # A webhook for an event no walk makes (so nothing is sent): its page, delivery log and delete confirmation.
    hook = {"url": "https://hooks.example/engage", "event_types": ["project_closed"]}
    values["webhook_id"] = ok(await api.http.post("/api/v1/webhooks", json=hook), 201)["id"]
    values |= {"application_id": applied.json()["id"], "sha256": hashlib.sha256(photo).hexdigest()}
    values |= {name: f"no-such-{name.replace('_', '-')}" for name in MADE_UP}
    return values, {"partner": key, "cy": tokens[welsh]}


@asynccontextmanager
async def _visitors(browser: Browser, site: Site, partner_key: str) -> AsyncIterator[dict[str, BrowserContext]]:
    """A browser context per kind of visitor, the signed-in ones through the sign-in form."""
    async with AsyncExitStack() as stack:
        contexts: dict[str, BrowserContext] = {}
        for who in ("anyone", "respondent", "respondent (Welsh)", "staff", "partner"):
            context = await browser.new_context(base_url=site.base_url, viewport=VIEWPORTS["desktop"])
            stack.push_async_callback(context.close)
            if who in {"staff", "partner"}:
                page = await context.new_page()
                answer = await page.goto("/")
                assert answer is not None and answer.status == 200, (answer and answer.status, await page.content())
                await sign_in_with_key(page, ADMIN_KEY if who == "staff" else partner_key)
                await page.wait_for_url("**/projects")
                await page.close()
            contexts[who] = context
        yield contexts


async def _check(page: Page, report: Report, route: str, who: str, name: str) -> None:
    """A skip link first, then axe at both widths and a screenshot of each; all of it goes in the report."""
    stem = shot_name(name, who)
    first = await page.evaluate(_FIRST_STOP)
    assert first == "#main", f"{name} as {who}: the first Tab stop is {first!r}, not a skip link to <main id=main>"
    for width, viewport in VIEWPORTS.items():
        await page.set_viewport_size(viewport)
        report.violations += await axe_violations(page, f"{name} as {who} ({width})")
        if (wider := await overflow_px(page)) > 0:
            report.wider.append(f"{name} as {who} ({width}): {wider}px wider than the screen")
        await page.screenshot(path=str(report.folder / f"{stem}--{width}.png"), full_page=True)
    report.visits.append({"route": route, "who": who, "url": page.url, "screenshots": f"{stem}--{{desktop,phone}}.png"})


async def _visit(
    contexts: dict[str, BrowserContext], report: Report, route: str, who: str, path: str, name: str
) -> None:
    # 👉 The context's request client shares its cookies: a download is told apart before a page is opened.
    probe = await contexts[who].request.get(path, max_redirects=0)
    assert probe.status < 500, (route, who, path, probe.status)
    kind = probe.headers.get("content-type", "")
    if probe.ok and not kind.startswith("text/html"):
        report.downloads.add(route)
        return
    page = await contexts[who].new_page()
    try:
        answer = await page.goto(path)
        assert answer is not None and answer.status < 500, (route, who, path, answer and answer.status)
        await _check(page, report, route, who, name)
    finally:
        await page.close()


async def _post(
    contexts: dict[str, BrowserContext], report: Report, state: tuple[str, str, str], path: str, form: str
) -> None:
    """Post the page's form as it stands and check the page that answers it."""
    name, who, template = state
    page = await contexts[who].new_page()
    try:
        await page.goto(path)
        target = page.locator(form).first
        assert await target.count() == 1, f"{name}: no {form} on {path} any more (update POSTED)"
        async with page.expect_navigation() as navigation:
            await target.evaluate("form => { form.noValidate = true; form.requestSubmit(); }")
        answer = await navigation.value
        assert answer is not None and answer.status < 500, (name, answer and answer.status)
        await _check(page, report, f"POST {form} on {template}", who, name)
    finally:
        await page.close()


async def test_every_page_has_no_serious_or_critical_axe_violation(
    browser: Browser, site: Site, screenshots: Path
) -> None:
    report = Report(cleared(screenshots))
    api = Api(http_client(site.app, ADMIN_KEY), site.app, site.client, site.sessionmaker, site.task_queue)
    async with api.http:
        values, secrets = await _world(api)
    async with _visitors(browser, site, secrets["partner"]) as contexts:
        for route in page_gets():
            template = route.split(" ", 1)[1]
            for who in VISITORS.get(ROUTES.get(route, "staff"), ("staff",)):
                filled = values | {"token": secrets["cy"]} if who == "respondent (Welsh)" else values
                await _visit(
                    contexts, report, route, who, _fill(template, filled, report), template.strip("/") or "home"
                )
        for name, who, path in STATES:
            await _visit(contexts, report, f"GET {path}", who, _fill(path, values, report), name)
        for name, who, path, form in POSTED:
            filled = values | {"token": secrets["cy"]} if who == "respondent (Welsh)" else values
            await _post(contexts, report, (name, who, path), _fill(path, filled, report), form)
    figures = report.figures()
    (screenshots / "report.json").write_text(
        json.dumps(
            {"figures": figures, "visits": report.visits, "violations": [v.__dict__ for v in report.violations]},
            indent=2,
        )
    )
    print(f"\nAXE {json.dumps(figures)}")  # noqa: T201 — the closing note of issue 15 quotes this line
    assert len(report.visits) >= len(page_gets())
    assert report.wider == [], "pages that scroll sideways at 360px (reflow):\n" + "\n".join(report.wider)
    bad = failing(report.violations)
    assert bad == [], "serious or critical axe violations:\n" + "\n".join(v.line() for v in bad)


async def test_the_harness_reports_a_page_that_breaks_the_rules(browser: Browser) -> None:
    """The walk's zero means something: the same injection finds an unlabelled field, an image with no
    text and grey-on-white text, with their impacts and targets, under the same no-script CSP."""
    context = await browser.new_context()
    page = await context.new_page()
    broken = (
        '<!doctype html><html lang="en"><head><title>Broken</title><meta http-equiv="Content-Security-Policy" '
        "content=\"default-src 'none'; style-src 'unsafe-inline'\"></head><body><main><h1>Broken</h1>"
        '<input type="text" id="nameless"><img src="/x.png" id="mute">'
        '<p id="faint" style="color:#bbb;background:#fff">Hard to read</p></main></body></html>'
    )
    await page.set_content(broken)
    found = await axe_violations(page, "broken")
    await context.close()
    rules = {(v.rule, v.impact): v.targets for v in failing(found)}
    assert rules[("label", "critical")] == ("#nameless",)
    assert rules[("image-alt", "critical")] == ("#mute",)
    assert rules[("color-contrast", "serious")] == ("#faint",)
