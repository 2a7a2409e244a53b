"""Workshop sessions over HTTP (issue 12): the workshops stage waits for a session that has not been
recorded; staff cancel it with POST …/workshops/{id}/cancel, and the project moves on."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import httpx

from tests.api.conftest import ADMIN_KEY, Api, http_client
from tests.api.support import (
    create_partner,
    create_project,
    eventually,
    ok,
    partner_client,
    read_project,
    review,
    stage_of,
    submit,
)


def session(title: str, starts: datetime) -> dict[str, str]:
    return {
        "title": title,
        "starts_at": starts.isoformat(),
        "ends_at": (starts + timedelta(hours=2)).isoformat(),
        "place": "Community room",
    }


async def held_at_workshops(api: Api) -> tuple[str, httpx.AsyncClient]:
    """A project at workshops with its milestone met, w1 recorded and w2 (held) never recorded."""
    partner = await create_partner(api)
    pid = (await create_project(api, [partner["id"]]))["id"]
    now = datetime.now(UTC)
    workshops = f"/api/v1/projects/{pid}/workshops"
    as_partner = await partner_client(api, partner["id"])
    ok(await submit(as_partner, pid, "proposal"), 201)
    ok(await review(api.http, pid, "proposal"), 200)
    ok(await submit(as_partner, pid, "partnership_agreement"), 201)
    ok(await review(api.http, pid, "partnership_agreement"), 200)
    ok(await api.http.post(workshops, json=session("Held", now - timedelta(hours=3))), 201)
    ok(await api.http.post(workshops, json=session("Rained off", now - timedelta(hours=2))), 201)
    ok(await submit(api.http, pid, "access_needs"), 201)
    await eventually(lambda: stage_of(api.http, pid), lambda s: s == "workshops")
    ok(await api.http.post(f"{workshops}/w1/attendance", json={"attendance": 9}), 200)
    ok(await submit(as_partner, pid, "object_selection"), 201)
    ok(await review(api.http, pid, "object_selection"), 200)
    return pid, as_partner


async def test_an_unrecorded_session_holds_the_workshops_stage_until_staff_cancel_it(api):
    pid, as_partner = await held_at_workshops(api)
    workshops = f"/api/v1/projects/{pid}/workshops"
    held = await read_project(api.http, pid)
    assert held["stage"] == "workshops", "w2 was never recorded: closing now would lose its attendance"
    offered = {(a["action"], a["workshop_id"]): a["href"] for a in held["actions"]}
    assert offered[("cancel_workshop", "w2")] == f"{workshops}/w2/cancel"
    assert ("cancel_workshop", "w1") not in offered

    by_partner = await as_partner.post(f"{workshops}/w2/cancel", json={"reason": "Flooded"})
    await as_partner.aclose()
    assert by_partner.status_code in (403, 404), by_partner.text
    no_reason = await api.http.post(f"{workshops}/w2/cancel", json={"reason": ""})
    assert no_reason.status_code == 422 and no_reason.json()["errors"][0]["field"] == "reason"
    recorded = await api.http.post(f"{workshops}/w1/cancel", json={"reason": "Oops"})
    assert recorded.status_code == 409, recorded.text
    unknown = await api.http.post(f"{workshops}/w9/cancel", json={"reason": "Oops"})
    assert unknown.status_code == 404, unknown.text

    cancelled = ok(await api.http.post(f"{workshops}/w2/cancel", json={"reason": "The room flooded"}), 200)

    assert cancelled["cancel_reason"] == "The room flooded" and cancelled["cancelled_at"] is not None
    assert cancelled["attendance"] is None
    await eventually(lambda: stage_of(api.http, pid), lambda s: s == "display")


async def test_staff_cancel_a_session_from_the_project_page(api):
    pid, as_partner = await held_at_workshops(api)
    await as_partner.aclose()
    async with http_client(api.app, None) as browser_like:
        signed_in = await browser_like.get("/")
        csrf = re.search(r'name="csrf" value="([^"]+)"', signed_in.text)
        assert csrf is not None
        await browser_like.post("/sign-in", data={"csrf": csrf.group(1), "key": ADMIN_KEY, "next": "/projects"})
        page = await browser_like.get(f"/projects/{pid}")
        assert 'id="form-cancel-w2"' in page.text and 'id="form-cancel-w1"' not in page.text
        token = re.search(r'name="csrf" value="([^"]+)"', page.text)
        assert token is not None
        empty = await browser_like.post(f"/projects/{pid}/workshops/w2/cancel", data={"csrf": token.group(1)})
        assert empty.status_code == 422 and "Session not cancelled." in empty.text
        done = await browser_like.post(
            f"/projects/{pid}/workshops/w2/cancel", data={"csrf": token.group(1), "reason": "The room flooded"}
        )
        assert done.status_code == 303, done.text
        after = await browser_like.get(done.headers["location"])
        assert "Cancelled: The room flooded" in after.text
    await eventually(lambda: stage_of(api.http, pid), lambda s: s == "display")
