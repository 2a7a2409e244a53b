"""Irreversible actions on the project page need their confirmation box ticked, checked by the server (issue 15).

Declining a proposal, withdrawing and closing a project cannot be undone. The page's form carries a
`confirm` box; a post without it (a browser with the box unticked, or any hand-made post: no script
is involved) is refused with a 422 naming the box, and the workflow is never asked. With it, the
form takes the JSON route's path as before. Over HTTP against the real app, worker and dev server.
"""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest

from tests.api.conftest import ADMIN_KEY, Api
from tests.api.support import create_partner, create_project, ok, partner_client, read_project, submit
from tests.api.test_follow_up_pages import CSRF, NONCE, hidden, signed_in


@pytest.fixture
async def staff_pages(api: Api) -> AsyncIterator[httpx.AsyncClient]:
    async with signed_in(api, ADMIN_KEY) as http:
        yield http


async def _form(pages: httpx.AsyncClient, project_id: str) -> dict[str, str]:
    page = await pages.get(f"/projects/{project_id}")
    assert page.status_code == 200, page.text
    return {"csrf": hidden(page, CSRF), "nonce": hidden(page, NONCE)}


async def test_withdrawing_needs_the_box_ticked_and_without_it_nothing_is_sent(
    api: Api, staff_pages: httpx.AsyncClient
) -> None:
    partner = await create_partner(api)
    project_id = (await create_project(api, [partner["id"]]))["id"]
    page = await staff_pages.get(f"/projects/{project_id}")
    assert 'id="withdraw-confirm" name="confirm" value="yes" required' in page.text

    form = await _form(staff_pages, project_id) | {"reason": "The partner has closed its doors"}
    unconfirmed = await staff_pages.post(f"/projects/{project_id}/decisions/withdraw", data=form)
    assert unconfirmed.status_code == 422, unconfirmed.text
    assert 'id="withdraw-confirm-error"' in unconfirmed.text and "cannot be undone" in unconfirmed.text
    assert "The partner has closed its doors" in unconfirmed.text  # what was typed is kept
    unticked = await staff_pages.post(f"/projects/{project_id}/decisions/withdraw", data=form | {"confirm": "no"})
    assert unticked.status_code == 422
    assert (await read_project(api.http, project_id))["stage"] == "proposal"

    confirmed = await staff_pages.post(f"/projects/{project_id}/decisions/withdraw", data=form | {"confirm": "yes"})
    assert confirmed.status_code == 303, confirmed.text
    assert (await read_project(api.http, project_id))["stage"] == "withdrawn"


async def test_closing_needs_the_box_ticked_then_answers_as_the_json_route(
    api: Api, staff_pages: httpx.AsyncClient
) -> None:
    partner = await create_partner(api)
    project_id = (await create_project(api, [partner["id"]]))["id"]
    form = await _form(staff_pages, project_id)
    unconfirmed = await staff_pages.post(f"/projects/{project_id}/decisions/close", data=form)
    assert unconfirmed.status_code == 422 and "Confirm: tick the box to confirm: closing" in unconfirmed.text
    assert (await read_project(api.http, project_id))["stage"] == "proposal"

    confirmed = await staff_pages.post(f"/projects/{project_id}/decisions/close", data=form | {"confirm": "yes"})
    json_answer = await api.http.post(f"/api/v1/projects/{project_id}/close", json={})
    # Confirmed, the workflow decides: closed now (303, then the JSON route is refused as already ended), or
    # refused at this stage by both alike.
    if confirmed.status_code == 303:
        assert (await read_project(api.http, project_id))["stage"] == "closed"
        assert json_answer.status_code == 409
    else:
        assert confirmed.status_code == json_answer.status_code, (confirmed.text, json_answer.text)


async def test_declining_a_proposal_needs_the_box_but_accepting_and_returning_do_not(
    api: Api, staff_pages: httpx.AsyncClient
) -> None:
    partner = await create_partner(api)
    project_id = (await create_project(api, [partner["id"]]))["id"]
    as_partner = await partner_client(api, partner["id"])
    ok(await submit(as_partner, project_id, "proposal"), 201)

    form = await _form(staff_pages, project_id) | {"decision": "decline", "note": "Not this year"}
    unconfirmed = await staff_pages.post(f"/projects/{project_id}/milestones/proposal/review", data=form)
    assert unconfirmed.status_code == 422, unconfirmed.text
    assert 'id="review-proposal-confirm-error"' in unconfirmed.text
    assert (await read_project(api.http, project_id))["stage"] == "proposal"

    returned = await staff_pages.post(
        f"/projects/{project_id}/milestones/proposal/review",
        data=await _form(staff_pages, project_id) | {"decision": "return", "note": "More detail please"},
    )
    assert returned.status_code == 303, returned.text
    ok(await submit(as_partner, project_id, "proposal"), 201)

    declined = await staff_pages.post(
        f"/projects/{project_id}/milestones/proposal/review",
        data=await _form(staff_pages, project_id) | {"decision": "decline", "note": "Not this year", "confirm": "yes"},
    )
    assert declined.status_code == 303, declined.text
    assert (await read_project(api.http, project_id))["stage"] == "declined"
