"""Staff select on a partner's behalf on the year's dashboard (issue 15), over HTTP against the real app,
a real worker and the dev server, on both databases.

The dashboard offers, once the call has closed, one form per confirmed partner: its shortlisted staff to
send, the museum's shortlisted colleagues to host. The form goes through the JSON route's
`programme_updates.select`: confirmed first on a page that changes nothing, refused by the workflow's
validator with the field and reason beside the form, and recorded on the programme's timeline with the
staff actor (as `POST /api/v1/exchange/programmes/{year}/selections` records it), not the partner.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta

import httpx
import pytest
from sqlalchemy import select

from store.tables import ExchangeEventRow
from tests.api.conftest import ADMIN_KEY, Api, http_client
from tests.api.exchange_support import application_body, apply, fresh_year, programme, programme_body
from tests.api.support import create_partner, eventually, ok
from tests.api.test_exchange_admin_pages import carried, confirmed_post, csrf, nonce

CALL_SECONDS = 12


@pytest.fixture
async def staff(api: Api) -> AsyncIterator[httpx.AsyncClient]:
    """A cookie jar signed in to the pages with the admin key (as the admin pages' test signs in)."""
    async with http_client(api.app, None) as http:
        form = await http.get("/")
        assert (await http.post("/sign-in", data={"csrf": csrf(form), "key": ADMIN_KEY})).status_code == 303
        yield http


async def _events(api: Api, year: int) -> list[tuple[str, str]]:
    async with api.sessionmaker() as session:
        rows = await session.scalars(select(ExchangeEventRow).where(ExchangeEventRow.year == year))
        return [(row.type, row.actor) for row in rows]


async def test_staff_select_for_a_partner_on_the_dashboard(api: Api, staff: httpx.AsyncClient) -> None:
    year = fresh_year()
    harbour = (await create_partner(api, "Harbour Heritage Group"))["id"]
    body = programme_body(year, [harbour], closes_in=timedelta(seconds=CALL_SECONDS))
    ok(await api.http.post("/api/v1/exchange/programmes", json=body), 201)
    ok(await api.http.post(f"/api/v1/exchange/programmes/{year}/partners/{harbour}/confirm"), 200)
    async with http_client(api.app, None) as public:
        out_id = ok(await apply(public, year, application_body("Alex Harbour", "alex@harbour.example", harbour)), 201)[
            "id"
        ]
        host_id = ok(await apply(public, year, application_body("Bo Museum", "bo@museum.example", "museum")), 201)["id"]
    # While the call is open there is nothing to select: no form.
    assert "Select on a partner's behalf" not in (await staff.get(f"/exchange/{year}")).text
    await eventually(
        lambda: programme(api.http, year), lambda p: p["phase"] == "selection", within_seconds=CALL_SECONDS + 15
    )
    for application_id in (out_id, host_id):
        ok(await api.http.post(f"/api/v1/exchange/programmes/{year}/applications/{application_id}/shortlist"), 200)

    board = await staff.get(f"/exchange/{year}")
    assert "Select on a partner's behalf" in board.text, board.text[:2000]
    assert f'action="/exchange/{year}/partners/{harbour}/selection"' in board.text
    assert f'<option value="{out_id}">Alex Harbour, Collections officer</option>' in board.text
    assert f'<option value="{host_id}">Bo Museum, Collections officer</option>' in board.text
    path = f"/exchange/{year}/partners/{harbour}/selection"

    # The museum's colleague is not Harbour's to send: the validator's refusal, beside the form, nothing chosen.
    wrong = {"csrf": csrf(board), "nonce": nonce(board), "outgoing_application_id": host_id, "confirmed": "yes"}
    refused = await staff.post(path, data=wrong)
    assert refused.status_code == 422, refused.text[:800]
    assert "Not selected." in refused.text and "that is not one of this partner" in refused.text
    assert f'id="select-{harbour}-outgoing_application_id-error"' in refused.text
    assert (await programme(api.http, year))["selections"] == []

    # Confirmed first (nothing changes), then its "Yes": the choice is the partner's, the actor is staff.
    board = await staff.get(f"/exchange/{year}")
    form = {
        "csrf": csrf(board),
        "nonce": nonce(board),
        "outgoing_application_id": out_id,
        "hosted_application_id": host_id,
    }
    asked = await staff.post(path, data=form)
    assert "Select for Harbour Heritage Group in" in asked.text and "Harbour Heritage Group sends: Alex Harbour." in (
        asked.text
    )
    assert (await programme(api.http, year))["selections"] == []
    asked, done = await confirmed_post(staff, path, form)
    assert done.status_code == 303 and done.headers["location"] == f"/exchange/{year}", done.text[:800]
    twice = await staff.post(path, data=carried(asked))  # the same "Yes" again: applied once (its nonce)
    assert twice.status_code == 303, twice.text[:800]
    selections = (await programme(api.http, year))["selections"]
    assert selections == [{"partner_id": harbour, "outgoing_application_id": out_id, "hosted_application_id": host_id}]
    selected = [actor for kind, actor in await _events(api, year) if kind == "applicants_selected"]
    confirmed_by = [actor for kind, actor in await _events(api, year) if kind == "partner_confirmed"]
    assert len(selected) == 1 and selected == confirmed_by, (selected, confirmed_by)  # both staff (the admin key)
    # The dashboard now shows the choice, ready to match.
    after = await staff.get(f"/exchange/{year}")
    assert "Harbour Heritage Group: Alex Harbour, to the museum" in after.text
    assert f'<option value="{out_id}" selected>' in after.text


async def test_a_partner_may_not_post_the_staff_selection_form(api: Api) -> None:
    """The on-behalf form is staff only (the access table's rule): a partner signed in gets "Staff only"."""
    year = fresh_year()
    harbour = (await create_partner(api, "Harbour Heritage Group"))["id"]
    ok(
        await api.http.post(
            "/api/v1/exchange/programmes", json=programme_body(year, [harbour], closes_in=timedelta(hours=1))
        ),
        201,
    )
    key = ok(await api.http.post(f"/api/v1/partners/{harbour}/keys", json={"label": "harbour"}), 201)["key"]
    async with http_client(api.app, None) as http:
        form = await http.get("/")
        assert (await http.post("/sign-in", data={"csrf": csrf(form), "key": key})).status_code == 303
        page = await http.get(f"/exchange/{year}")
        refused = await http.post(
            f"/exchange/{year}/partners/{harbour}/selection", data={"csrf": csrf(page), "confirmed": "yes"}
        )
        assert refused.status_code == 403 and "Staff only" in refused.text
