"""The access table as a test matrix: every route and page x every kind of caller, against the live app.

The calls are generated from `api.access.ROUTES` (the path templates filled with real resources made
once below), so a route added later is called here too: one whose rule, path parameter or role
has no row in `EXPECT`/`VALUES` fails the test, and so does a served route the table lacks.
For each call the rule's promise is checked: allowed -> an answer past access (not 401/403 or the
stranger's 404; a 422 for an empty body is fine, it proves access passed); refused -> exactly the
rule's status. Then, for every route that looks up an owner, another partner sees the same answer
(status and body) for a resource that is not its own as for one that does not exist.

Roles: JSON callers send a bearer key, page callers a session cookie (signed in through the form).
"bad key", "respondent token" and "wrong token" present that string as the credential (a survey token
is not a key, nor a session); on the survey routes the token is in the path instead, where every
caller holding the real token is let in and a wrong token is refused. The table says every case
itself (a rule per variant, e.g. `partner_in_programme`, and `api.access.NOTES` for what a route does
within its rule); the only answers not read off a rule are the pages' CSRF mechanics (`CSRF_MECHANICS`),
each of which the table's notes state.
"""

from __future__ import annotations

import hashlib
import re
import string
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack, asynccontextmanager
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import httpx
from fastapi.routing import iter_route_contexts

from api.access import NOTES, ROUTES, route_keys
from api.errors import PARTNER_NOT_FOUND, PROJECT_NOT_FOUND
from api.exchange.errors import PROGRAMME_NOT_FOUND
from api.files.visibility import FILE_NOT_FOUND
from api.pages.session import SESSION_COOKIE
from api.routers import PAGE_ROUTERS
from tests.api.conftest import ADMIN_KEY, Api, http_client
from tests.api.exchange_support import fresh_year, programme_body
from tests.api.files_support import png
from tests.api.support import create_partner, create_project, ok
from tests.api.survey_support import GOOD_ANSWERS, open_wave_now, survey_project

STRANGER_DETAILS = {PROJECT_NOT_FOUND, PARTNER_NOT_FOUND, PROGRAMME_NOT_FOUND, FILE_NOT_FOUND}
CSRF = re.compile(r'name="csrf" value="([^"]+)"')
ROLES = ("none", "bad key", "admin", "staff", "partner of the resource", "another partner", "respondent token",
         "wrong token")  # fmt: skip
ANONYMOUS = ("none", "bad key", "respondent token", "wrong token")
OK, NEXT = "allowed", "sign in"  # "sign in": a page sends the visitor to the sign-in form (303 to /?next=)
STALE = "stale form"  # a page's CSRF check refused the post ("Form expired"): past access, refused by CSRF
WRONG_TOKEN = "wrong-token-0123456789abcdef0123456789"


def _expect(admin: Any, staff: Any, party: Any, other: Any, anonymous: Any) -> dict[str, Any]:
    return {"admin": admin, "staff": staff, "partner of the resource": party, "another partner": other} | dict.fromkeys(
        ANONYMOUS, anonymous
    )


#: Rule -> role -> what the table promises, for JSON routes and for pages (a page's refusal is a page).
EXPECT: dict[str, dict[str, dict[str, Any]]] = {
    "json": {
        "public": _expect(OK, OK, OK, OK, OK),
        "signed_in": _expect(OK, OK, OK, OK, 401),
        "staff": _expect(OK, OK, 403, 403, 401),
        "admin": _expect(OK, 403, 403, 403, 401),
        "survey_staff": _expect(OK, OK, 404, 404, 401),
        "partner_self": _expect(OK, OK, OK, 404, 401),
        "project_party": _expect(OK, OK, OK, 404, 401),
        "file_party": _expect(OK, OK, OK, 404, 401),
        "programme_party": _expect(OK, OK, OK, 404, 401),
        "programme_partner": _expect(OK, OK, OK, 404, 401),
        "survey_token": _expect(OK, OK, OK, OK, OK) | {"wrong token": 404},
        # The calendar feed's token is its credential, checked by the handler past access (its 404 is not a
        # stranger's): every caller is let through to that check.
        "calendar_token": _expect(OK, OK, OK, OK, OK),
    },
    "page": {
        "public": _expect(OK, OK, OK, OK, OK),
        "signed_in": _expect(OK, OK, OK, OK, NEXT),
        "staff": _expect(OK, OK, 403, 403, NEXT),
        "admin": _expect(OK, 403, 403, 403, NEXT),
        "programme_party": _expect(OK, OK, OK, 404, NEXT),
        "partner_in_programme": _expect(403, 403, OK, 404, NEXT),
        "project_party": _expect(OK, OK, OK, 404, NEXT),
        "partner_self": _expect(OK, OK, OK, 404, NEXT),
        "file_party": _expect(OK, OK, OK, 404, NEXT),
        "project_staff": _expect(OK, OK, 403, 404, NEXT),
        "survey_staff": _expect(OK, OK, 404, 404, NEXT),
        "survey_token": _expect(OK, OK, OK, OK, OK) | {"wrong token": 404},
    },
}
#: Rules whose refusal of another partner rests on an owner lookup: unknown and not-yours must look alike.
OWNED = {
    "survey_staff",
    "partner_self",
    "project_party",
    "file_party",
    "programme_party",
    "programme_partner",
    "project_staff",
    "partner_in_programme",
}
#: Bodies for the routes whose check needs more than `{}` (every other write is sent `{}`): the rule reads the
#: body (`require_acts_for`), or the token is looked up only once the body is valid.
BODIES: dict[str, dict[str, Any]] = {
    "POST /api/v1/exchange/programmes/{year}/selections": {"partner_id": "{partner_id}"},
    "POST /api/v1/surveys/{token}/responses": {"answers": GOOD_ANSWERS},
    # An erasure that passes access really runs (of an address no resource uses), rather than a 422 for `{}`.
    "POST /api/v1/people/erase": {"email": "matrix-nobody@people.example", "reason": "access matrix"},
}
#: Queries for the reads that need one to be answered past validation.
QUERIES: dict[str, dict[str, str]] = {
    "GET /api/v1/people/export": {"email": "matrix-nobody@people.example"},
}
#: The pages' CSRF mechanics: a form's token is bound to what it was served with and checked before
#: anything else, so these answers are the check's, not a rule's. Each route's note in the table says so.
CSRF_MECHANICS: dict[tuple[str, str], Any] = {
    # A survey form's CSRF token is bound to the survey token: a wrong token's post fails that first (403,
    # the survey's own "expired" page in the respondent's language).
    ("POST /s/{token}", "wrong token"): 403,
    ("POST /s/{token}/opt-out", "wrong token"): 403,
    # Signed in, there is no sign-in form (`/` redirects) and the pre-session cookie is gone: a posted
    # sign-in is a stale form. The route itself is public (access passed; CSRF refused it).
    **{("POST /sign-in", role): STALE for role in ("admin", "staff", "partner of the resource", "another partner")},
    # The same for the form that asks for an e-mailed sign-in link (issue 15).
    **{
        ("POST /sign-in/email", role): STALE
        for role in ("admin", "staff", "partner of the resource", "another partner")
    },
}
#: Parameters no real resource is made for: an allowed caller may get the handler's own 404 for them.
MADE_UP = ("{workshop_id}", "{key_id}", "{application_id}", "{placement_id}", "{user_id}", "{webhook_id}")
#: Run last: it ends the caller's page session.
LAST = ("POST /sign-out",)


@dataclass
class World:
    values: dict[str, str]  # path parameter -> a real value (the partner of the resource's own)
    unknown: dict[str, str]  # the owner-bearing parameters -> a value no resource has
    clients: dict[str, dict[str, httpx.AsyncClient]]  # "json" / "page" -> role -> client
    csrf: dict[tuple[str, str], str]  # (role, binding) -> the form token that client must echo


def _page_keys() -> set[str]:
    return {key for router in PAGE_ROUTERS for route in router.routes for key in route_keys(route)}


def _fill(template: str, values: dict[str, str]) -> str:
    names = [name for _, name, _, _ in string.Formatter().parse(template) if name]
    missing = [name for name in names if name not in values]
    assert not missing, f"{template}: no value for {missing} in the matrix's VALUES (a new path parameter?)"
    return template.format(**values)


def _served(api: Api) -> set[str]:
    # The same walk as `api.access.audit` (routers included lazily are reached through their contexts).
    return {key for context in iter_route_contexts(api.app.routes) for key in route_keys(context)}


@asynccontextmanager
async def _world(api: Api) -> AsyncIterator[World]:
    a = (await create_partner(api, "Matrix Partner A"))["id"]
    b = (await create_partner(api, "Matrix Partner B"))["id"]
    project = (await create_project(api, [a]))["id"]
    year = fresh_year()
    body = programme_body(year, [a], closes_in=timedelta(hours=1))
    ok(await api.http.post("/api/v1/exchange/programmes", json=body), 201)
    # An evidence file of another project of A's (issue 15): its parties may fetch it, and its thumbnail.
    photo, files_project = png(), (await create_project(api, [a]))["id"]
    upload, photos = {"summary": "A photo.", "on_behalf_of": a}, [("files", ("p.png", photo, "image/png"))]
    ok(
        await api.http.post(
            f"/api/v1/projects/{files_project}/milestones/proposal/submissions", data=upload, files=photos
        ),
        201,
    )
    survey, _ = await survey_project(api)
    token = next(iter((await open_wave_now(api, survey)).values()))
    issue = {"/api/v1/keys": {"role": "staff"}, f"/api/v1/partners/{a}/keys": {}, f"/api/v1/partners/{b}/keys": {}}
    issued = [
        ok(await api.http.post(path, json={**body, "label": "matrix"}), 201)["key"] for path, body in issue.items()
    ]
    keys = dict(zip(("staff", "partner of the resource", "another partner"), issued, strict=True))
    keys["admin"] = ADMIN_KEY
    bearer = {"none": None, "bad key": "engage_not-a-key-0123456789", "respondent token": token} | keys
    bearer["wrong token"] = WRONG_TOKEN
    values = {
        "project_id": project,
        "partner_id": a,
        "year": str(year),
        "token": token,
        "milestone_key": "proposal",
        "workshop_id": "no-such-workshop",
        "key_id": "no-such-key",
        "name": "co-curation",
        "application_id": "no-such-application",
        "placement_id": "no-such-placement",
        "decision": "pause",
        "user_id": "no-such-user",
        "webhook_id": "no-such-webhook",
        "sha256": hashlib.sha256(photo).hexdigest(),
    }
    unknown = {"project_id": "no-such-project", "partner_id": "no-such-partner", "year": str(fresh_year())}
    unknown["sha256"] = hashlib.sha256(b"bytes no project holds").hexdigest()
    async with AsyncExitStack() as stack:
        json_clients = {
            role: await stack.enter_async_context(http_client(api.app, key)) for role, key in bearer.items()
        }
        pages: dict[str, httpx.AsyncClient] = {}
        csrf: dict[tuple[str, str], str] = {}
        for role in ROLES:
            http = await stack.enter_async_context(
                httpx.AsyncClient(transport=httpx.ASGITransport(app=api.app), base_url="http://engage.test")
            )
            # The sign-in form is always bound to the pre-session cookie, signed in or not.
            csrf[(role, "pre-session")] = _csrf(await http.get("/"))
            if role in keys:
                form = {"csrf": csrf[(role, "pre-session")], "key": keys[role], "next": "/"}
                signed = await http.post("/sign-in", data=form)
                assert signed.status_code == 303, signed.text
            elif role != "none":  # a forged session cookie: a bad key, or a survey token, is not a sign-in
                http.cookies.set(SESSION_COOKIE, str(bearer[role]) if bearer[role] else "forged")
            pages[role] = http
        for role, http in pages.items():
            csrf[(role, "session")] = _csrf(await http.get("/projects" if role in keys else "/"))
            csrf[(role, "survey")] = _csrf(await http.get(f"/s/{token}"))
            csrf[(role, "apply")] = _csrf(await http.get(f"/exchange/{year}/apply"))  # always the pre-session
        yield World(values, unknown, {"json": json_clients, "page": pages}, csrf)


def _csrf(page: httpx.Response) -> str:
    found = CSRF.search(page.text)
    assert found, (page.status_code, page.text[:500])
    return found.group(1)


async def _call(world: World, kind: str, role: str, key: str, values: dict[str, str]) -> httpx.Response:
    method, template = key.split(" ", 1)
    if role == "wrong token":
        values = values | {"token": WRONG_TOKEN}
    path = _fill(template, values)
    http = world.clients[kind][role]
    if method == "GET" or method == "DELETE":
        return await http.request(method, path, params=QUERIES.get(key))
    if kind == "json":
        body = {k: _fill(v, values) if isinstance(v, str) else v for k, v in BODIES.get(key, {}).items()}
        return await http.request(method, path, json=body)
    bindings = {"/sign-in": "pre-session", "/sign-in/email": "pre-session", "/exchange/{year}/apply": "apply"}
    binding = "survey" if template.startswith("/s/") else bindings.get(template, "session")
    return await http.request(method, path, data={"csrf": world.csrf[(role, binding)]})


def _verdict(kind: str, answer: httpx.Response) -> Any:
    """What the answer says about access: OK (past it), NEXT (sent to sign in), or the refusal's status."""
    status = answer.status_code
    assert status < 500 and status != 429, (status, answer.text[:300])
    if kind == "json":
        if status in {401, 403}:
            return status
        if status == 404 and (answer.json().get("detail") in STRANGER_DETAILS or "/surveys/" in str(answer.url)):
            return 404
        return OK
    if status == 303 and answer.headers["location"].startswith("/?next="):
        return NEXT
    if status == 403 and "Form expired" in answer.text:
        return STALE
    if status == 403:
        return 403
    if status == 404:
        return 404
    return OK


def _comparable(answer: httpx.Response, world: World) -> tuple[int, str]:
    text = CSRF.sub("csrf", answer.text)
    for name, value in world.unknown.items():
        text = text.replace(value, f"{{{name}}}")
    for name in world.unknown:
        text = text.replace(world.values[name], f"{{{name}}}")
    return answer.status_code, text


def test_the_table_says_every_csrf_mechanic_the_matrix_expects() -> None:
    """No hidden exceptions: each answer the matrix does not read off a rule is stated in the table's notes."""
    for key, _ in CSRF_MECHANICS:
        assert NOTES.get(key, "").startswith("CSRF:"), f"{key}: the table's NOTES do not state its CSRF mechanics"
    assert set(NOTES) <= set(ROUTES), "a note for a route the table does not list"


async def test_every_route_and_page_answers_every_role_as_the_table_says(api: Api) -> None:
    served = _served(api) | {"GET /openapi.json", "GET /docs"}
    assert served - set(ROUTES) == set(), "a served route with no row in the table, so none in the matrix"
    assert set(ROUTES) - served == set()
    order = sorted(ROUTES, key=lambda key: key in LAST)
    pages = _page_keys()
    failures: list[str] = []
    proven = 0
    alike = 0
    async with _world(api) as world:
        for key in order:
            kind = "page" if key in pages else "json"
            rule = ROUTES[key]
            assert rule in EXPECT[kind], f"{key}: the matrix has no expectations for a {kind} rule {rule!r}"
            for role in ROLES:
                want = CSRF_MECHANICS.get((key, role), EXPECT[kind][rule][role])
                answer = await _call(world, kind, role, key, world.values)
                try:
                    got = _verdict(kind, answer)
                except AssertionError as error:
                    raise AssertionError(f"{key} as {role}: {error}") from None
                if want == OK and got == 404 and kind == "page" and any(name in key for name in MADE_UP):
                    got = OK  # past access: the page of a made-up placement is the handler's own 404
                if got != want:
                    failures.append(
                        f"{key} as {role}: wanted {want}, got {got} ({answer.status_code} {answer.text[:120]})"
                    )
                proven += 1
            if rule in OWNED and any(f"{{{name}}}" in key for name in world.unknown):
                mine = await _call(world, kind, "another partner", key, world.values)
                nobodys = await _call(world, kind, "another partner", key, world.values | world.unknown)
                if _comparable(mine, world) != _comparable(nobodys, world):
                    failures.append(f"{key}: not-yours {mine.status_code} {mine.text[:120]} differs from unknown "
                                    f"{nobodys.status_code} {nobodys.text[:120]}")  # fmt: skip
                alike += 1
    assert failures == [], "\n".join(failures)
    figures = f"routes={len(ROUTES)} roles={len(ROLES)} calls_proven={proven} unknown_vs_not_yours_alike={alike}"
    print(f"\nACCESS-MATRIX {figures}")  # noqa: T201 — the closing note of the issue quotes this line
    assert proven == len(ROUTES) * len(ROLES)
