"""Every staff, partner and admin action in the audit trail (issue 14), as the admin view shows it.

Signing in to the pages and out, a refused sign-in, and each read of personal data (a project's
respondents, its answers as CSV, a year's applications, the programme's dashboard, the outbox as
JSON and as a page, a decoded history, the partners' contacts) writes exactly one entry naming the
key that acted (id and label) and the target (a project id, a year), and nothing of the person read
about. The trail is listed by `GET /api/v1/audit` (admins only), filtered by target, action and
time, paged. Who started a project or opened a programme is named by its first timeline event.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
from sqlalchemy import select

from api.partners.signin_pages import SIGN_IN_TARGET
from store.audit import SIGN_IN_REFUSED_ACTOR
from store.tables import ExchangeEventRow
from tests.api.conftest import Api, http_client
from tests.api.exchange_support import application_body, apply, fresh_year, programme_body
from tests.api.support import create_partner, eventually, ok, partner_client, project_body
from tests.api.survey_support import PEOPLE, survey_project

CSRF = re.compile(r'name="csrf" value="([^"]+)"')
AUDIT = "/api/v1/audit"


async def _staff_key(api: Api, label: str) -> dict[str, Any]:
    return ok(await api.http.post("/api/v1/keys", json={"role": "staff", "label": label}), 201)


async def _entries(api: Api, **filters: str) -> list[dict[str, Any]]:
    """Every entry matching `filters`, through the admin view (all pages of it)."""
    items: list[dict[str, Any]] = []
    while True:
        page = ok(await api.http.get(AUDIT, params={**filters, "limit": 200, "offset": len(items)}), 200)
        items += page["items"]
        if len(items) >= page["total"]:
            return items


def _by(entries: list[dict[str, Any]], key: dict[str, Any]) -> list[tuple[str, str, str]]:
    """(action, target, label) of the entries `key` wrote, oldest first."""
    mine = [e for e in entries if e["actor_key_id"] == key["id"]]
    return [(e["action"], e["target_id"], e["actor_label"]) for e in reversed(mine)]


async def _open_programme(api: Api, year: int, partner: str) -> None:
    body = programme_body(year, [partner], closes_in=timedelta(hours=1))
    ok(await api.http.post("/api/v1/exchange/programmes", json=body), 201)


def _csrf(page: httpx.Response) -> str:
    found = CSRF.search(page.text)
    assert found, page.text[:300]
    return found.group(1)


def _holds_no_personal_data(entries: list[dict[str, Any]], *texts: str) -> None:
    shown = str(entries)
    assert "@" not in shown
    for text in texts:
        assert text not in shown, text


async def test_signing_in_and_out_and_a_refused_key_are_each_one_entry(api: Api) -> None:
    desk = await _staff_key(api, "door desk")
    refused_before = len(await _entries(api, action="sign_in_refused"))
    bad_key = "engage_not-a-key-at-all-0123456789"
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=api.app), base_url="http://engage.test") as page:
        form = await page.get("/")
        refused = await page.post("/sign-in", data={"csrf": _csrf(form), "key": bad_key, "next": "/"})
        assert refused.status_code == 401
        signed = await page.post("/sign-in", data={"csrf": _csrf(refused), "key": desk["key"], "next": "/projects"})
        assert signed.status_code == 303, signed.text
        listing = await page.get("/projects")
        out = await page.post("/sign-out", data={"csrf": _csrf(listing)})
        assert out.status_code == 303
        # Signed out, a second sign-out has no session to end: nothing more is recorded.
        assert (await page.post("/sign-out", data={"csrf": _csrf(listing)})).status_code == 303
    mine = await _entries(api, target_id=desk["id"])
    assert _by(mine, desk) == [("signed_in", desk["id"], "door desk"), ("signed_out", desk["id"], "door desk")]
    recent = next(e for e in mine if e["action"] == "signed_in")
    assert datetime.now(UTC) - datetime.fromisoformat(recent["occurred_at"]) < timedelta(minutes=1)
    refusals = await _entries(api, action="sign_in_refused")
    assert len(refusals) == refused_before + 1
    newest = refusals[0]
    assert (newest["actor_key_id"], newest["actor_label"], newest["target_id"]) == (
        SIGN_IN_REFUSED_ACTOR,
        "unrecognised key",
        SIGN_IN_TARGET,
    )
    assert bad_key[:12] not in str(refusals) and "127.0.0.1" not in str(refusals)


async def test_each_read_of_personal_data_is_one_entry_naming_the_reader_and_the_target(api: Api) -> None:
    project_id, _ = await survey_project(api)
    partner = (await create_partner(api))["id"]
    year = fresh_year()
    await _open_programme(api, year, partner)
    applicant = application_body("Nia Applicant", "nia@applicants.example", partner)
    # The call checks the programme's row, written by the worker a moment after the start.
    await eventually(lambda: apply(api.http, year, applicant), lambda r: r.status_code == 201)
    reader = await _staff_key(api, "records desk")
    async with http_client(api.app, reader["key"]) as staff:
        ok(await staff.get(f"/api/v1/projects/{project_id}/respondents"), 200)
        assert (await staff.get(f"/api/v1/projects/{project_id}/responses.csv")).status_code == 200
        ok(await staff.get(f"/api/v1/exchange/programmes/{year}/applications"), 200)
        ok(await staff.get(f"/api/v1/exchange/programmes/{year}"), 200)
        ok(await staff.get("/api/v1/outbox", params={"project_id": project_id}), 200)
        ok(await staff.get("/api/v1/outbox"), 200)
        ok(await staff.post("/codec/decode", json={"payloads": []}), 200)
        ok(await staff.get("/api/v1/partners"), 200)
        ok(await staff.get(f"/api/v1/partners/{partner}"), 200)
        # Refused reads record nothing: an unknown project, an unknown year.
        assert (await staff.get("/api/v1/projects/no-such-project/respondents")).status_code == 404
        assert (await staff.get(f"/api/v1/exchange/programmes/{fresh_year()}/applications")).status_code == 404
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=api.app), base_url="http://engage.test") as page:
        form = await page.get("/")
        signed = await page.post("/sign-in", data={"csrf": _csrf(form), "key": reader["key"], "next": "/outbox"})
        assert signed.status_code == 303
        assert (await page.get("/outbox")).status_code == 200
        assert (await page.get("/partners")).status_code == 200
    label = "records desk"
    everything = (
        await _entries(api, target_id=project_id)
        + await _entries(api, target_id=str(year))
        + await _entries(api, target_id="all")
        + await _entries(api, action="histories_decoded")
        + await _entries(api, target_id=partner)
    )
    assert sorted(_by(everything, reader)) == sorted(
        [
            ("respondents_read", project_id, label),
            ("responses_exported", project_id, label),
            ("outbox_read", project_id, label),
            ("applications_read", str(year), label),
            ("programme_read", str(year), label),
            ("outbox_read", "all", label),  # the JSON view, unfiltered
            ("outbox_read", "all", label),  # the page
            ("histories_decoded", "default", label),
            ("partners_read", "all", label),  # the JSON list
            ("partners_read", "all", label),  # the page
            ("partners_read", partner, label),
        ]
    )
    _holds_no_personal_data(everything, "Nia Applicant", "Contact Person", *(person["name"] for person in PEOPLE))


async def test_a_partner_reading_its_applications_is_recorded_too(api: Api) -> None:
    partner = (await create_partner(api))["id"]
    year = fresh_year()
    await _open_programme(api, year, partner)
    async with await partner_client(api, partner, "partner reader") as as_partner:
        ok(await as_partner.get(f"/api/v1/exchange/programmes/{year}/applications"), 200)
    entries = await _entries(api, target_id=str(year), action="applications_read")
    assert [(e["actor_label"], e["target_id"]) for e in entries] == [("partner reader", str(year))]


async def test_the_audit_view_is_for_admins_filters_and_pages(api: Api) -> None:
    desk = await _staff_key(api, "filter desk")
    partner = (await create_partner(api))["id"]
    async with http_client(api.app, desk["key"]) as staff, await partner_client(api, partner) as as_partner:
        for _ in range(3):
            ok(await staff.get("/api/v1/outbox", params={"project_id": f"audit-{desk['id']}"}), 200)
        assert (await staff.get(AUDIT)).status_code == 403
        assert (await as_partner.get(AUDIT)).status_code == 403
    async with http_client(api.app, None) as stranger:
        assert (await stranger.get(AUDIT)).status_code == 401
    target = f"audit-{desk['id']}"
    first = ok(await api.http.get(AUDIT, params={"target_id": target, "limit": 2}), 200)
    assert (first["total"], len(first["items"]), first["limit"], first["offset"]) == (3, 2, 2, 0)
    rest = ok(await api.http.get(AUDIT, params={"target_id": target, "limit": 2, "offset": 2}), 200)
    ids = [e["id"] for e in first["items"] + rest["items"]]
    assert ids == sorted(ids, reverse=True) and len(set(ids)) == 3  # newest first, no entry twice
    assert ok(await api.http.get(AUDIT, params={"target_id": target, "action": "key_issued"}), 200)["total"] == 0
    issued = ok(await api.http.get(AUDIT, params={"target_id": desk["id"], "action": "key_issued"}), 200)
    assert [(e["actor_key_id"], e["actor_label"]) for e in issued["items"]] == [("env-admin", "admin")]
    later = (datetime.now(UTC) + timedelta(minutes=5)).isoformat()
    assert ok(await api.http.get(AUDIT, params={"target_id": target, "since": later}), 200)["total"] == 0
    earlier = (datetime.now(UTC) - timedelta(minutes=5)).isoformat()
    assert ok(await api.http.get(AUDIT, params={"target_id": target, "since": earlier}), 200)["total"] == 3
    for bad in ({"since": "2027-01-01T10:00:00"}, {"since": "yesterday"}, {"action": "DROP TABLE"}, {"limit": 0}):
        assert (await api.http.get(AUDIT, params=bad)).status_code == 422, bad


async def _programme_events(api: Api, year: int) -> list[tuple[str, str]]:
    async with api.sessionmaker() as session:
        rows = await session.scalars(select(ExchangeEventRow).where(ExchangeEventRow.year == year))
        return [(row.type, row.actor) for row in rows]


async def test_who_started_a_project_or_opened_a_programme_is_on_its_timeline(api: Api) -> None:
    """The start input carries the caller (`created_by`), so the workflow's first event names the key
    that started it, as every later event names its actor; before, both read "system" (issue 14)."""
    partner = (await create_partner(api))["id"]
    desk = await _staff_key(api, "launch desk")
    year = fresh_year()
    async with http_client(api.app, desk["key"]) as staff:
        project = ok(await staff.post("/api/v1/projects", json=project_body([partner])), 201)["id"]
        body = programme_body(year, [partner], closes_in=timedelta(hours=1))
        ok(await staff.post("/api/v1/exchange/programmes", json=body), 201)
    async with await partner_client(api, partner, "partner desk") as as_partner:
        own = ok(await as_partner.post("/api/v1/projects", json=project_body([partner])), 201)["id"]

    async def first_event(project_id: str) -> tuple[str, str] | None:
        events = ok(await api.http.get(f"/api/v1/projects/{project_id}/events"), 200)["items"]
        return (events[0]["type"], events[0]["actor"]) if events else None

    assert await eventually(lambda: first_event(project), bool) == ("project_created", "launch desk")
    assert await eventually(lambda: first_event(own), bool) == ("project_created", "partner desk")
    opened = await eventually(lambda: _programme_events(api, year), bool)
    assert opened[0] == ("programme_opened", "launch desk")


async def test_the_programme_pages_record_their_reads(api: Api) -> None:
    """The staff dashboard is the programme read (`programme_read`); a partner's view of the year lists
    applicants (`applications_read`). A partner not in the programme is refused and leaves no entry."""
    partner = (await create_partner(api))["id"]
    stranger = (await create_partner(api))["id"]
    year = fresh_year()
    await _open_programme(api, year, partner)
    desk = await _staff_key(api, "dashboard desk")
    keys = {"dashboard desk": desk["key"]}
    for label, partner_id in (("partner view", partner), ("stranger view", stranger)):
        issued = await api.http.post(f"/api/v1/partners/{partner_id}/keys", json={"label": label})
        keys[label] = ok(issued, 201)["key"]
    answers = {}
    for label, key in keys.items():
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=api.app), base_url="http://engage.test") as page:
            form = await page.get("/")
            assert (await page.post("/sign-in", data={"csrf": _csrf(form), "key": key, "next": "/"})).status_code == 303
            answers[label] = (await page.get(f"/exchange/{year}")).status_code
    assert answers == {"dashboard desk": 200, "partner view": 200, "stranger view": 404}
    trail = await _entries(api, target_id=str(year))
    assert sorted((e["action"], e["actor_label"]) for e in trail) == [
        ("applications_read", "partner view"),
        ("programme_read", "dashboard desk"),
    ]
