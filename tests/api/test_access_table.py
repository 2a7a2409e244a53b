"""The access table (api/access.py) covers every route and page, and it is what the app enforces.

(a) A walk over the whole OpenAPI document and every page route fails on any route without a rule,
and the checker is shown to catch an undeclared route and a route declaring another rule.
(b) For each rule, real calls with real keys (admin, staff, partner A, partner B, no key) and real
signed-in page sessions against the running app: the answers are the ones the table promises.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import timedelta
from typing import Annotated, Any

import httpx
from fastapi import APIRouter, FastAPI
from sqlalchemy import delete

from api.access import NOTES, ROUTES, RULES, access, audit, route_keys
from api.auth import Principal
from api.errors import PARTNER_NOT_FOUND, PROJECT_NOT_FOUND
from api.exchange.errors import PROGRAMME_NOT_FOUND
from api.files.visibility import FILE_NOT_FOUND
from api.main import create_app
from api.routers import PAGE_ROUTERS
from api.settings import ApiSettings
from store.tables import ProjectPartner
from tests.api.conftest import Api, http_client
from tests.api.exchange_support import fresh_year, programme_body
from tests.api.files_support import png
from tests.api.support import create_partner, create_project, ok, partner_client

STRANGER_DETAILS = {PROJECT_NOT_FOUND, PARTNER_NOT_FOUND, PROGRAMME_NOT_FOUND, FILE_NOT_FOUND}
CSRF = re.compile(r'name="csrf" value="([^"]+)"')


def _app() -> FastAPI:
    return create_app(ApiSettings(admin_key="engage_access-table-test-key-0123456789"))


def unruled(app: FastAPI) -> list[str]:
    """Every operation of the OpenAPI document and every page route that has no rule in the table,
    then whatever else the audit finds (a route declaring no rule, or another rule than the table)."""
    keys = [f"{method.upper()} {path}" for path, item in app.openapi()["paths"].items() for method in item]
    keys += [key for router in PAGE_ROUTERS for route in router.routes for key in route_keys(route)]
    return [f"{key}: no rule in api.access.ROUTES" for key in keys if key not in ROUTES] + audit(app)


def test_every_route_and_page_has_a_rule_and_declares_that_rule() -> None:
    app = _app()
    assert len(app.openapi()["paths"]) > 30 and sum(len(r.routes) for r in PAGE_ROUTERS) > 25
    assert unruled(app) == []
    # The table names only rules that exist, uses every one, and lists no route the app lacks.
    assert set(ROUTES.values()) == set(RULES)
    assert set(ROUTES) - _served(app) == set()


def _served(app: FastAPI) -> set[str]:
    keys = {f"{m.upper()} {p}" for p, item in app.openapi()["paths"].items() for m in item}
    keys |= {key for router in PAGE_ROUTERS for route in router.routes for key in route_keys(route)}
    return keys | {"GET /openapi.json", "GET /docs", "GET /metrics"}


def test_the_walk_fails_on_an_undeclared_route_and_on_a_route_declaring_another_rule() -> None:
    app = _app()
    extra = APIRouter()

    @extra.get("/api/v1/not-in-the-table")
    async def undeclared() -> dict[str, str]:
        return {}

    @extra.delete("/api/v1/outbox")
    async def also_undeclared(principal: Annotated[Principal, access("staff")]) -> None:
        return None

    app.include_router(extra)
    problems = unruled(app)
    assert "GET /api/v1/not-in-the-table: no rule in api.access.ROUTES" in problems
    assert "DELETE /api/v1/outbox: no rule in api.access.ROUTES" in problems

    # A route the table knows, declaring a weaker rule (or none) than the table gives it.
    wrong = FastAPI(openapi_url=None, docs_url=None, redoc_url=None)

    @wrong.get("/api/v1/outbox")
    async def outbox(principal: Annotated[Principal, access("signed_in")]) -> None:
        return None

    @wrong.get("/api/v1/templates")
    async def templates() -> None:
        return None

    assert audit(wrong) == [
        "GET /api/v1/outbox: the table says 'staff' but the route declares ['signed_in']",
        "GET /api/v1/templates: the table says 'signed_in' but the route declares []",
    ]


# (b) What is enforced: caller -> expected status, per rule.

CALLERS = ("admin", "staff", "partner A", "partner B", "no key")


async def _check(
    callers: dict[str, httpx.AsyncClient], method: str, path: str, want: dict[str, int], **kw: Any
) -> None:
    for who, status in want.items():
        answer = await callers[who].request(method, path, **kw)
        assert answer.status_code == status, (method, path, who, answer.status_code, answer.text[:300])
        if status == 404 and answer.headers.get("content-type", "").startswith("application/json"):
            # A stranger learns nothing: the same "not found" as for a resource that does not exist.
            # A token in the path (survey link, calendar feed) is the credential: its own 404 says only "unknown".
            assert answer.json()["detail"] in STRANGER_DETAILS or ("/surveys/" in path) or path.startswith("/calendar/")


async def test_each_rule_is_what_the_json_api_enforces(api: Api) -> None:
    a = (await create_partner(api, "Access Partner A"))["id"]
    b = (await create_partner(api, "Access Partner B"))["id"]
    project = (await create_project(api, [a]))["id"]
    year = fresh_year()
    ok(
        await api.http.post(
            "/api/v1/exchange/programmes", json=programme_body(year, [a], closes_in=timedelta(hours=1))
        ),
        201,
    )
    staff_key = ok(await api.http.post("/api/v1/keys", json={"role": "staff", "label": "desk"}), 201)["key"]
    async with (
        http_client(api.app, staff_key) as staff,
        await partner_client(api, a) as as_a,
        await partner_client(api, b) as as_b,
        http_client(api.app, None) as anonymous,
    ):
        callers = {"admin": api.http, "staff": staff, "partner A": as_a, "partner B": as_b, "no key": anonymous}
        everyone = dict.fromkeys(CALLERS, 200)
        checked: set[str] = set()

        values = {"project_id": project, "partner_id": a, "year": year, "milestone_key": "proposal"}

        async def rule(name: str, method: str, template: str, want: dict[str, int], **kw: Any) -> None:
            """Check the table gives `template` the rule `name`, then call it as each of `want`'s callers."""
            assert ROUTES[f"{method} {template}"] == name
            await _check(callers, method, template.format(token="not-a-token", **values), want, **kw)
            checked.add(name)

        await rule("public", "GET", "/healthz", everyone)
        await rule("survey_token", "GET", "/api/v1/surveys/{token}", dict.fromkeys(CALLERS, 404))
        await rule("calendar_token", "GET", "/calendar/{token}.ics", dict.fromkeys(CALLERS, 404))
        await rule("signed_in", "GET", "/api/v1/templates", {**everyone, "no key": 401})
        staff_only = {"admin": 200, "staff": 200, "partner A": 403, "partner B": 403, "no key": 401}
        await rule("staff", "GET", "/api/v1/outbox", staff_only)
        review = "/api/v1/projects/{project_id}/milestones/{milestone_key}/review"
        refused = {"partner A": 403, "partner B": 403, "no key": 401}
        await rule("staff", "POST", review, refused, json={"decision": "accept"})
        admin_only = {"admin": 201, "staff": 403, "partner A": 403, "partner B": 403, "no key": 401}
        await rule("admin", "POST", "/api/v1/keys", admin_only, json={"role": "staff", "label": "another desk"})
        hidden = {"admin": 200, "staff": 200, "partner A": 404, "partner B": 404, "no key": 401}
        await rule("survey_staff", "GET", "/api/v1/projects/{project_id}/respondents", hidden)
        own = {"admin": 200, "staff": 200, "partner A": 200, "partner B": 404, "no key": 401}
        await rule("partner_self", "GET", "/api/v1/partners/{partner_id}", own)
        await rule("project_party", "GET", "/api/v1/projects/{project_id}", own)
        await rule("project_party", "GET", "/api/v1/projects/{project_id}/events", own)
        # Partner B is refused before its submission reaches the workflow; A's reaches it.
        submission = {"summary": "Our proposal.", "links": []}
        await rule(
            "project_party",
            "POST",
            "/api/v1/projects/{project_id}/milestones/{milestone_key}/submissions",
            {"partner B": 404, "no key": 401, "partner A": 201},
            json=submission,
        )
        # Evidence files (issue 15): a file of A's project is seen by the project's parties only.
        photo, files_project = png(), (await create_project(api, [a]))["id"]
        upload = {"summary": "A photo.", "on_behalf_of": a}
        photos = [("files", ("p.png", photo, "image/png"))]
        ok(
            await api.http.post(
                f"/api/v1/projects/{files_project}/milestones/proposal/submissions", data=upload, files=photos
            ),
            201,
        )
        values["sha256"] = hashlib.sha256(photo).hexdigest()
        await rule("file_party", "GET", "/api/v1/files/{sha256}", own)
        await rule("file_party", "GET", "/api/v1/files/{sha256}/thumbnail", own)
        await rule("programme_party", "GET", "/api/v1/exchange/programmes/{year}/applications", own)
        confirm = "/api/v1/exchange/programmes/{year}/partners/{partner_id}/confirm"
        await rule("programme_partner", "POST", confirm, {"partner B": 404, "no key": 401, "partner A": 200}, json={})
        selection = {"partner_id": a}
        await rule(
            "programme_partner",
            "POST",
            "/api/v1/exchange/programmes/{year}/selections",
            {"partner B": 404, "no key": 401},
            json=selection,
        )
    json_rules = {r for r in RULES if r not in {"partner_in_programme", "project_staff"}}  # those two are page rules
    assert checked == json_rules


@asynccontextmanager
async def _signed_in(app: FastAPI, key: str) -> AsyncIterator[httpx.AsyncClient]:
    """A browser-like client (cookies, no Authorization header) signed in with `key`."""
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://engage.test") as http:
        form = await http.get("/")
        signed = await http.post("/sign-in", data={"csrf": _csrf(form), "key": key, "next": "/projects"})
        assert signed.status_code == 303, signed.text
        yield http


def _csrf(page: httpx.Response) -> str:
    found = CSRF.search(page.text)
    assert found, page.text
    return found.group(1)


async def test_each_rule_is_what_the_pages_enforce(api: Api) -> None:
    a = (await create_partner(api, "Page Partner A"))["id"]
    b = (await create_partner(api, "Page Partner B"))["id"]
    project = (await create_project(api, [a]))["id"]
    key_a = ok(await api.http.post(f"/api/v1/partners/{a}/keys", json={"label": "portal"}), 201)["key"]
    key_b = ok(await api.http.post(f"/api/v1/partners/{b}/keys", json={"label": "portal"}), 201)["key"]
    staff_key = ok(await api.http.post("/api/v1/keys", json={"role": "staff", "label": "desk"}), 201)["key"]
    signed_out = httpx.AsyncClient(transport=httpx.ASGITransport(app=api.app), base_url="http://engage.test")
    async with (
        signed_out,
        _signed_in(api.app, staff_key) as staff,
        _signed_in(api.app, key_a) as as_a,
        _signed_in(api.app, key_b) as as_b,
    ):
        # public and survey_token: no one need be signed in.
        assert (await signed_out.get("/")).status_code == 200
        for path in (f"/exchange/{fresh_year()}/apply", "/s/not-a-token"):
            answer = await signed_out.get(path)
            assert answer.status_code < 500 and answer.status_code not in {303, 401, 403}, (path, answer.status_code)
        # signed_in: signed out, the sign-in form (then back here); anyone signed in sees the page.
        away = await signed_out.get("/projects")
        assert away.status_code == 303 and away.headers["location"] == "/?next=/projects"
        assert (await as_b.get("/projects")).status_code == 200
        # staff: a partner gets "Staff only".
        for path in ("/partners", "/outbox"):
            assert (await staff.get(path)).status_code == 200
            refused = await as_a.get(path)
            assert refused.status_code == 403 and "Staff only" in refused.text
        # project_party: partner B gets the 404 page for A's project, as for one that does not exist.
        assert (await as_a.get(f"/projects/{project}")).status_code == 200
        assert (await staff.get(f"/projects/{project}")).status_code == 200
        stranger = await as_b.get(f"/projects/{project}")
        assert stranger.status_code == 404 and "Page not found" in stranger.text
        # project_staff: partner A is refused on the project page itself (403); partner B gets 404.
        page_a = await as_a.get(f"/projects/{project}")
        refused = await as_a.post(f"/projects/{project}/decisions/pause", data={"csrf": _csrf(page_a), "reason": ""})
        assert refused.status_code == 403
        page_b = await as_b.get("/projects")
        hidden = await as_b.post(f"/projects/{project}/decisions/pause", data={"csrf": _csrf(page_b), "reason": ""})
        assert hidden.status_code == 404
        # partner_in_programme: a staff session is refused the partner's selection form.
        form = await staff.get("/projects")
        chosen = await staff.post(f"/exchange/{fresh_year()}/selection", data={"csrf": _csrf(form)})
        assert chosen.status_code == 403
    assert ROUTES["POST /projects/{project_id}/decisions/{decision}"] == "project_staff"
    assert ROUTES["POST /exchange/{year}/selection"] == "partner_in_programme"


def test_the_openapi_document_says_who_may_call_each_operation() -> None:
    """The table's words travel with each operation: `x-engage-access` and a line of its description."""
    spec = _app().openapi()
    for path, item in spec["paths"].items():
        for method, operation in item.items():
            key = f"{method.upper()} {path}"
            said = operation["x-engage-access"]
            assert (said["rule"], said["who"], said.get("note")) == (ROUTES[key], RULES[ROUTES[key]], NOTES.get(key))
            assert f"**Who may call** (`{ROUTES[key]}`)" in operation["description"], key


async def test_a_partner_the_read_model_does_not_list_yet_is_found_through_the_workflow(api: Api) -> None:
    """The owner lookup of `project_party`: the read model first, then the workflow itself, so the moments
    after a start (the row not written yet) neither hide a project from its partner nor show it to others."""
    a = (await create_partner(api, "Fresh Partner A"))["id"]
    b = (await create_partner(api, "Fresh Partner B"))["id"]
    project = (await create_project(api, [a]))["id"]
    async with api.sessionmaker.begin() as session:
        await session.execute(delete(ProjectPartner).where(ProjectPartner.project_id == project))
    async with await partner_client(api, a) as as_a, await partner_client(api, b) as as_b:
        assert ok(await as_a.get(f"/api/v1/projects/{project}"), 200)["id"] == project
        stranger = await as_b.get(f"/api/v1/projects/{project}")
        assert stranger.status_code == 404 and stranger.json()["detail"] == PROJECT_NOT_FOUND
        assert (await as_b.get("/api/v1/projects/no-such-project")).json()["detail"] == PROJECT_NOT_FOUND
