"""The yearly schedule over HTTP: a real Temporal Schedule on the dev server, triggered by hand; its
launcher opens this year's programme, and a second trigger leaves that programme alone."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from datetime import UTC, datetime

import pytest
from temporalio.client import WorkflowExecutionStatus
from temporalio.service import RPCError
from temporalio.testing import WorkflowEnvironment

from api.exchange.schedule import SCHEDULE_ID
from tests.api.conftest import Api, http_client
from tests.api.support import create_partner, eventually, ok
from tests.temporal_fixtures import dev_server_stack, label_of
from workflows.naming import exchange_workflow_id

SCHEDULE = "/api/v1/exchange/schedule"


@pytest.fixture
async def temporal_dev_env(request: pytest.FixtureRequest) -> AsyncIterator[WorkflowEnvironment]:
    """A dev server of this test's own (overriding the session's): a year runs only once on a
    server (the launcher refuses to reopen a closed year), and this test opens the current year."""
    async with dev_server_stack(label_of(request.node)) as env:
        yield env


async def recent_runs(api: Api) -> list[str]:
    return list(ok(await api.http.get(SCHEDULE), 200)["recent_runs"])


async def test_the_yearly_schedule_opens_this_years_programme_once_however_often_it_fires(api: Api) -> None:
    partner = (await create_partner(api))["id"]
    body = {"month": 1, "day": 15, "partner_ids": [partner], "lead": {"name": "KX Lead", "email": "kx@museum.example"}}
    year = datetime.now(UTC).year
    programme = api.client.get_workflow_handle(exchange_workflow_id(year))
    try:
        created = ok(await api.http.post(SCHEDULE, json=body), 201)
        assert (created["month"], created["day"], created["partner_ids"]) == (1, 15, [partner])
        assert created["placement_template"] == "knowledge-exchange-placement@1"
        this_years = datetime(year, 1, 15, tzinfo=UTC)
        next_fire = this_years if this_years > datetime.now(UTC) else this_years.replace(year=year + 1)
        assert datetime.fromisoformat(created["next_runs"][0]) == next_fire
        updated = ok(await api.http.post(SCHEDULE, json={**body, "day": 16, "budget": 9000}), 200)
        assert (updated["day"], updated["budget"]) == (16, 9000)
        feb30 = await api.http.post(SCHEDULE, json={**body, "month": 2, "day": 30})
        assert feb30.status_code == 422

        schedule = api.client.get_schedule_handle(SCHEDULE_ID)
        await schedule.trigger()
        (first_launch,) = await eventually(lambda: recent_runs(api), lambda runs: len(runs) == 1)
        assert await api.client.get_workflow_handle(first_launch).result() == exchange_workflow_id(year)
        opened = await eventually(
            lambda: api.http.get(f"/api/v1/exchange/programmes/{year}"), lambda r: r.status_code == 200
        )
        assert opened.json()["phase"] == "confirming" and opened.json()["budget"] == 9000
        first_run = (await programme.describe()).run_id

        await schedule.trigger()
        runs = await eventually(lambda: recent_runs(api), lambda runs: len(runs) == 2)
        assert await api.client.get_workflow_handle(runs[1]).result() == exchange_workflow_id(year)
        described = await programme.describe()
        assert described.run_id == first_run and described.status is WorkflowExecutionStatus.RUNNING
        listed = ok(await api.http.get("/api/v1/exchange/programmes"), 200)
        assert [p["year"] for p in listed["items"]] == [year]

        assert (await api.http.delete(SCHEDULE)).status_code == 204
        assert (await api.http.get(SCHEDULE)).status_code == 404
    finally:
        # The schedule and this year's id are shared by the session's dev server: leave neither behind.
        if (await api.http.get(SCHEDULE)).status_code == 200:
            await api.http.delete(SCHEDULE)
        with contextlib.suppress(RPCError):  # never opened: nothing to stop
            await programme.terminate("test finished")


async def test_saving_and_deleting_the_schedule_is_in_the_audit_trail_with_the_staff_key(api: Api) -> None:
    """The schedule is no database row, so its audit entry follows the change Temporal made: one per
    save (created or replaced) and one per delete, none for a refused request (issue 14)."""
    desk = ok(await api.http.post("/api/v1/keys", json={"role": "staff", "label": "schedule desk"}), 201)
    partner = (await create_partner(api))["id"]
    body = {"month": 3, "day": 1, "partner_ids": [partner], "lead": {"name": "KX Lead", "email": "kx@museum.example"}}
    async with http_client(api.app, desk["key"]) as staff:
        try:
            ok(await staff.post(SCHEDULE, json=body), 201)
            ok(await staff.post(SCHEDULE, json={**body, "day": 2}), 200)
            assert (await staff.post(SCHEDULE, json={**body, "month": 13})).status_code == 422
            assert (await staff.delete(SCHEDULE)).status_code == 204
            assert (await staff.delete(SCHEDULE)).status_code == 404
        finally:
            if (await api.http.get(SCHEDULE)).status_code == 200:
                await api.http.delete(SCHEDULE)
    trail = ok(await api.http.get("/api/v1/audit", params={"target_id": SCHEDULE_ID}), 200)["items"]
    mine = [
        (e["action"], e["actor_key_id"], e["actor_label"]) for e in reversed(trail) if e["actor_key_id"] == desk["id"]
    ]
    assert mine == [
        ("schedule_saved", desk["id"], "schedule desk"),
        ("schedule_saved", desk["id"], "schedule desk"),
        ("schedule_deleted", desk["id"], "schedule desk"),
    ]
    assert "kx@museum.example" not in str(trail) and "KX Lead" not in str(trail)
