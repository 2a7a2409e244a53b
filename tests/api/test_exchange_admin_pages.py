"""Staff run a Knowledge Exchange year on the pages, over HTTP without a browser (issue 15): open it, confirm
and replace partners, list, filter, read and shortlist applications, match and move placements, mark a
case study. Against the real app, a real worker and the dev server.

Each step is checked where it lands (the JSON API's view of the programme, the audit trail), each
irreversible step is confirmed on a page that changes nothing first, and each refusal comes back on the
page with the workflow's status and reason beside the form.
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from datetime import UTC, date, datetime, timedelta
from html import unescape
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import pytest

from tests.api.conftest import ADMIN_KEY, Api, http_client
from tests.api.exchange_support import application_body, apply, fresh_year, next_monday, programme, programme_body
from tests.api.support import create_partner, eventually, ok, partner_client

CSRF = re.compile(r'name="csrf" value="([^"]+)"')
HIDDEN = re.compile(r'<input type="hidden" name="([^"]+)" value="([^"]*)">')
LONDON = ZoneInfo("Europe/London")
CALL_SECONDS = 25
CONFIRM_SECONDS = 12


def csrf(page: httpx.Response) -> str:
    found = CSRF.search(page.text)
    assert found, page.text[:500]
    return found.group(1)


def nonce(page: httpx.Response) -> str:
    found = re.search(r'name="nonce" value="([^"]+)"', page.text)
    assert found, page.text[:500]
    return found.group(1)


def as_form(pairs: list[tuple[str, str]]) -> dict[str, list[str]]:
    form: dict[str, list[str]] = {}
    for name, value in pairs:
        form.setdefault(name, []).append(value)
    return form


def carried(confirmation: httpx.Response) -> dict[str, list[str]]:
    """The confirmation page's form: every value it carries back, `confirmed=yes` among them."""
    assert confirmation.status_code == 200, confirmation.text[:500]
    pairs = [(name, unescape(value)) for name, value in HIDDEN.findall(confirmation.text)]
    return as_form([(name, value) for name, value in dict.fromkeys(pairs)])  # the sign-out form repeats csrf


def local(moment: datetime) -> str:
    return moment.astimezone(LONDON).strftime("%Y-%m-%dT%H:%M:%S")


@pytest.fixture
async def staff(api: Api) -> AsyncIterator[httpx.AsyncClient]:
    """A cookie jar signed in to the pages with the admin key (no bearer header)."""
    async with http_client(api.app, None) as http:
        form = await http.get("/")
        signed_in = await http.post("/sign-in", data={"csrf": csrf(form), "key": ADMIN_KEY})
        assert signed_in.status_code == 303, signed_in.text
        yield http


async def confirmed_post(http: httpx.AsyncClient, path: str, form: dict[str, Any]) -> Any:
    """Post `form`, check the answer is a confirmation that changed nothing, then say yes; answer both."""
    asked = await http.post(path, data=form)
    assert "This cannot be undone." in asked.text, asked.text[:800]
    return asked, await http.post(path, data=carried(asked))


async def audit(api: Api, action: str, target: str) -> list[dict[str, Any]]:
    found = ok(await api.http.get("/api/v1/audit", params={"action": action, "target_id": target}), 200)
    return list(found["items"])


async def test_staff_open_a_year_confirm_replace_shortlist_match_and_move_on_the_pages(
    api: Api, staff: httpx.AsyncClient
) -> None:
    year = fresh_year()
    harbour = (await create_partner(api, "Harbour Heritage Group"))["id"]
    dockside = (await create_partner(api, "Dockside Youth Club"))["id"]
    quay = (await create_partner(api, "Quayside Archive"))["id"]
    now = datetime.now(UTC)
    today = date.today()
    index = await staff.get("/exchange")
    assert "Open a year" in index.text
    opening = {
        "csrf": csrf(index),
        "nonce": nonce(index),
        "year": str(year),
        "confirm_by": local(now + timedelta(seconds=CONFIRM_SECONDS)),
        "opens_at": local(now - timedelta(minutes=1)),
        "closes_at": local(now - timedelta(minutes=2)),  # before it opens: refused beside "Closes"
        "starts_on": str(today + timedelta(days=30)),
        "ends_on": str(today + timedelta(days=200)),
        "budget": "4000",
        "lead_name": "Programme Lead",
        "lead_email": "kx-lead@museum.example",
    }
    form = opening | {"partner_ids": [harbour, dockside]}
    refused = await staff.post("/exchange", data=form)
    assert refused.status_code == 422 and 'id="open-closes_at-error"' in refused.text, refused.text[:2000]
    assert (await api.http.get(f"/api/v1/exchange/programmes/{year}")).status_code == 404

    # Opening is confirmed on a page that changes nothing; its "Yes" opens the year.
    opening["closes_at"] = local(now + timedelta(seconds=CALL_SECONDS))
    form = opening | {"partner_ids": [harbour, dockside]}
    asked, opened = await confirmed_post(staff, "/exchange", form)
    assert f"Open the Knowledge Exchange {year}?" in asked.text and "Harbour Heritage Group" in asked.text
    assert opened.status_code == 303 and opened.headers["location"] == f"/exchange/{year}", opened.text[:500]
    state = await programme(api.http, year)
    assert [p["partner_id"] for p in state["partners"]] == [harbour, dockside] and state["budget"] == 4000
    again = await staff.post("/exchange", data=carried(asked))  # the year exists: 409, the reason on the page
    assert again.status_code == 409 and "The year was not opened." in again.text

    # A partner confirmed by staff in its name; the same "Yes" sent twice is applied once.
    board = await staff.get(f"/exchange/{year}")
    assert "Confirm for them" in board.text
    confirm = f"/exchange/{year}/partners/{harbour}/confirm"
    asked = await staff.post(confirm, data={"csrf": csrf(board), "nonce": nonce(board)})
    yes = carried(asked)
    first, second = await staff.post(confirm, data=yes), await staff.post(confirm, data=yes)
    assert (first.status_code, second.status_code) == (303, 303), second.text[:500]
    state = await programme(api.http, year)
    assert [p["status"] for p in state["partners"]] == ["confirmed", "pending"]

    # Only a lapsed partner is replaced: the workflow's refusal is shown beside the form, then it goes through.
    replace = f"/exchange/{year}/partners/{dockside}/replace"
    board = await staff.get(f"/exchange/{year}")
    early = {"csrf": csrf(board), "nonce": nonce(board), "replacement_partner_id": quay, "confirmed": "yes"}
    refused = await staff.post(replace, data=early)
    assert refused.status_code == 409 and "did not confirm in time" in refused.text, refused.text[:800]
    await eventually(
        lambda: programme(api.http, year),
        lambda p: p["partners"][1]["status"] == "lapsed",
        within_seconds=CONFIRM_SECONDS + 15,
    )
    board = await staff.get(f"/exchange/{year}")
    asked, replaced = await confirmed_post(
        staff, replace, {"csrf": csrf(board), "nonce": nonce(board), "replacement_partner_id": quay}
    )
    assert "Replace Dockside Youth Club with Quayside Archive?" in asked.text
    assert replaced.status_code == 303
    state = await programme(api.http, year)
    assert [(p["partner_id"], p["status"]) for p in state["partners"]] == [
        (harbour, "confirmed"),
        (dockside, "replaced"),
        (quay, "pending"),
    ]

    # Applications: listed, filtered, read in full; every read is in the audit trail.
    async with http_client(api.app, None) as public:
        out_id = ok(await apply(public, year, application_body("Alex Harbour", "alex@harbour.example", harbour)), 201)[
            "id"
        ]
        host_id = ok(await apply(public, year, application_body("Bo Museum", "bo@museum.example", "museum")), 201)["id"]
    listed = await staff.get(f"/exchange/{year}/applications")
    assert listed.status_code == 200 and "Alex Harbour" in listed.text and "Bo Museum" in listed.text
    museum_only = await staff.get(f"/exchange/{year}/applications", params={"organisation": "museum"})
    assert "Bo Museum" in museum_only.text and "Alex Harbour" not in museum_only.text
    none_yet = await staff.get(f"/exchange/{year}/applications", params={"status": "shortlisted"})
    assert "No applications match these filters." in none_yet.text
    assert len(await audit(api, "applications_read", str(year))) >= 3
    one = await staff.get(f"/exchange/{year}/applications/{out_id}")
    assert one.status_code == 200 and "alex@harbour.example" in one.text and "Step-free access" in one.text
    assert "Shortlisting starts when the call for applications has closed." in one.text
    assert len(await audit(api, "applications_read", out_id)) == 1
    assert (await staff.get(f"/exchange/{year}/applications/no-such-one")).status_code == 404

    # Shortlisting before the call closes: refused by the workflow, shown on the application's page.
    shortlist = f"/exchange/{year}/applications/{out_id}/shortlist"
    early_form = {"csrf": csrf(one), "confirmed": "yes"}  # no form yet: the page says why
    refused = await staff.post(shortlist, data=early_form)
    assert refused.status_code == 409 and "shortlisting starts when applications close" in refused.text
    await eventually(
        lambda: programme(api.http, year), lambda p: p["phase"] == "selection", within_seconds=CALL_SECONDS + 15
    )
    for application_id in (out_id, host_id):
        page = await staff.get(f"/exchange/{year}/applications/{application_id}")
        path = f"/exchange/{year}/applications/{application_id}/shortlist"
        asked, done = await confirmed_post(staff, path, {"csrf": csrf(page), "nonce": nonce(page)})
        assert done.status_code == 303 and done.headers["location"] == f"/exchange/{year}/applications"
    assert sorted((await programme(api.http, year))["shortlisted"]) == sorted([out_id, host_id])

    # Harbour selects (its own page or key); staff then see both rows to match.
    async with await partner_client(api, harbour) as as_harbour:
        pick = {"partner_id": harbour, "outgoing_application_id": out_id, "hosted_application_id": host_id}
        ok(await as_harbour.post(f"/api/v1/exchange/programmes/{year}/selections", json=pick), 200)
    board = await staff.get(f"/exchange/{year}")
    assert "Harbour Heritage Group: Alex Harbour, to the museum" in board.text
    monday = next_monday(today + timedelta(days=35))
    match = {
        "csrf": csrf(board),
        "nonce": nonce(board),
        "include": ["0", "1"],
        "partner_id-0": harbour,
        "direction-0": "to_museum",
        "starts_on-0": str(monday),
        "focus_areas-0": "conservation, archives",
        "partner_id-1": harbour,
        "direction-1": "to_partner",
        "starts_on-1": str(monday - timedelta(days=1)),  # a Sunday: refused beside the second row
    }
    path = f"/exchange/{year}/placements/match"
    asked, refused = await confirmed_post(staff, path, match)
    assert "Match 2 placements?" in asked.text
    assert refused.status_code == 422 and 'id="match-starts_on-1-error"' in refused.text, refused.text[:1500]
    assert (await programme(api.http, year))["placements"] == []
    match["starts_on-1"] = str(monday + timedelta(weeks=1))
    asked, matched = await confirmed_post(staff, path, match)
    assert matched.status_code == 303, matched.text[:800]
    placements = (await programme(api.http, year))["placements"]
    assert sorted((p["direction"], p["starts_on"]) for p in placements) == [
        ("to_museum", str(monday)),
        ("to_partner", str(monday + timedelta(weeks=1))),
    ]
    inbound = next(p for p in placements if p["direction"] == "to_museum")
    assert inbound["focus_areas"] == ["conservation", "archives"]

    # Moving a placement needs no confirmation; a weekend is refused beside its date.
    board = await staff.get(f"/exchange/{year}")
    move = f"/exchange/{year}/placements/{inbound['id']}/dates"
    weekend = {"csrf": csrf(board), "nonce": nonce(board), "starts_on": str(monday + timedelta(days=5))}
    refused = await staff.post(move, data=weekend)
    assert refused.status_code == 422 and f'id="move-{inbound["id"]}-starts_on-error"' in refused.text
    later = str(monday + timedelta(weeks=2))
    moved = await staff.post(move, data=weekend | {"starts_on": later})
    assert moved.status_code == 303
    placements = (await programme(api.http, year))["placements"]
    assert next(p for p in placements if p["id"] == inbound["id"])["starts_on"] == later

    # And the case study, marked from the dashboard.
    async def mark() -> int:  # the placement's row is written by the worker: it may take a moment
        board = await staff.get(f"/exchange/{year}")
        path = f"/exchange/{year}/placements/{inbound['id']}/case-study"
        return (await staff.post(path, data={"csrf": csrf(board)})).status_code

    assert await eventually(mark, lambda status: status == 303) == 303
    assert "Read the case study" in (await staff.get(f"/exchange/{year}")).text


async def test_a_partner_signed_in_may_not_run_a_year(api: Api) -> None:
    """The staff pages of a year are "Staff only" for a partner, whatever it posts (the access table's rule)."""
    harbour = (await create_partner(api, "Harbour Heritage Group"))["id"]
    key = ok(await api.http.post(f"/api/v1/partners/{harbour}/keys", json={"label": "harbour"}), 201)["key"]
    async with http_client(api.app, None) as http:
        form = await http.get("/")
        assert (await http.post("/sign-in", data={"csrf": csrf(form), "key": key})).status_code == 303
        page = await http.get("/exchange")
        assert "Open a year" not in page.text
        refused = await http.post("/exchange", data={"csrf": csrf(page), "year": "2090", "confirmed": "yes"})
        assert refused.status_code == 403 and "Staff only" in refused.text


async def test_a_partner_confirms_it_takes_part_on_its_own_page_of_the_year(api: Api) -> None:
    """The partner's page offers "Confirm we take part" while its place is pending: a confirmation page that
    changes nothing, then its "Yes" confirms the partner (as POST .../partners/{partner_id}/confirm does);
    confirming again is refused on the page with the workflow's reason."""
    year = fresh_year()
    harbour = (await create_partner(api, "Harbour Heritage Group"))["id"]
    body = programme_body(year, [harbour], closes_in=timedelta(hours=1))
    ok(await api.http.post("/api/v1/exchange/programmes", json=body), 201)
    key = ok(await api.http.post(f"/api/v1/partners/{harbour}/keys", json={"label": "harbour"}), 201)["key"]
    async with http_client(api.app, None) as http:
        form = await http.get("/")
        assert (await http.post("/sign-in", data={"csrf": csrf(form), "key": key})).status_code == 303
        page = await http.get(f"/exchange/{year}")
        assert "Confirm we take part" in page.text
        path = f"/exchange/{year}/confirm"
        asked, done = await confirmed_post(http, path, {"csrf": csrf(page), "nonce": nonce(page)})
        assert "Nothing has changed yet." in asked.text
        assert done.status_code == 303 and done.headers["location"] == f"/exchange/{year}"
        assert (await programme(api.http, year))["partners"][0]["status"] == "confirmed"
        assert "Confirm we take part" not in (await http.get(f"/exchange/{year}")).text
        again = await http.post(path, data={"csrf": csrf(page), "confirmed": "yes"})  # a fresh request
        assert again.status_code == 409 and "this partner has already confirmed" in again.text, again.text[:800]


async def test_the_staff_forms_answer_bad_input_on_the_page_never_a_500(api: Api, staff: httpx.AsyncClient) -> None:
    """Words where numbers or dates belong, an unknown partner, a made-up direction: 422 with the reason on
    the page, and nothing opened or matched."""
    year = fresh_year()
    index = await staff.get("/exchange")
    opening = {"csrf": csrf(index), "year": "next", "budget": "lots", "opens_at": "soon", "partner_ids": "nobody"}
    refused = await staff.post("/exchange", data=opening)
    assert (
        refused.status_code == 422
        and 'id="open-year-error"' in refused.text
        and 'id="open-opens_at-error"' in (refused.text)
    )
    harbour = (await create_partner(api, "Harbour Heritage Group"))["id"]
    body = programme_body(year, [harbour], closes_in=timedelta(hours=1))
    ok(await api.http.post("/api/v1/exchange/programmes", json=body), 201)
    board = await staff.get(f"/exchange/{year}")
    match = {
        "csrf": csrf(board),
        "include": "0",
        "partner_id-0": harbour,
        "direction-0": "sideways",
        "starts_on-0": "2031-05-05",
    }
    refused = await staff.post(f"/exchange/{year}/placements/match", data=match)
    assert refused.status_code == 422 and "Nothing was changed.</strong> Please correct this" in refused.text
    unticked = await staff.post(f"/exchange/{year}/placements/match", data={"csrf": csrf(board)})
    assert unticked.status_code == 422 and "Choose at least one placement to match." in unticked.text
    moved = await staff.post(f"/exchange/{year}/placements/kx-none/dates", data={"csrf": csrf(board), "starts_on": "x"})
    assert moved.status_code == 422
    assert (await programme(api.http, year))["placements"] == []
