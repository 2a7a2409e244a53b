"""A project whose workflow cannot make progress (a bad deploy) is never a 500 (issue 11).

The wedge is made as production meets it: the project runs on the real ProjectWorkflow, then its
worker is replaced by one whose ProjectWorkflow (same name) is incompatible with the recorded history
(tests.api.wedged_workflow), with no cache, so every query and every workflow task replays and fails
with a nondeterminism error. Then: reads come from the read model flagged `live: false` (JSON and
page), input is 503 `stuck` with a reason and Retry-After, reconcile reports the project "stuck",
and the worker's Prometheus endpoint counts the failing tasks under the metric the README's alert
rule names. A Knowledge Exchange programme is wedged the same way.
"""

from __future__ import annotations

import json
import logging
import re
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from temporalio.client import Client
from temporalio.testing import WorkflowEnvironment
from temporalio.worker import UnsandboxedWorkflowRunner, Worker

from activities.registry import build_activities
from activities.settings import ActivitySettings
from api import temporal_calls
from api.errors import STUCK, STUCK_REASON, WORKFLOW_STUCK
from api.exchange.calls import NOT_LIVE as NOT_LIVE_PROGRAMME
from api.main import create_app
from api.settings import ApiSettings
from api.temporal_calls import NOT_LIVE_STUCK
from scripts.reconcile import reconcile
from store.exchange import reads as exchange_reads
from store.tables import Project
from tests.api.conftest import ADMIN_KEY, Api, http_client
from tests.api.exchange_support import fresh_year, programme, programme_body
from tests.api.support import (
    create_partner,
    create_project,
    eventually,
    ok,
    partner_client,
    read_project,
    submit,
)
from tests.api.wedged_workflow import IncompatibleExchangeProgrammeWorkflow, IncompatibleProjectWorkflow
from tests.faults.processes import free_port
from tests.temporal_env import codec_converter
from tests.workflows.support import CATALOG, project_input
from worker import build_worker, create_runtime
from workflows.naming import project_workflow_id

ROOT = Path(__file__).resolve().parents[2]
#: The alert rule in the README's operations section: `increase(<metric>{failure_reason="..."}[...])`.
ALERT_RULE = re.compile(r"increase\((temporal_workflow_task_execution_failed\w*)\{failure_reason=\"(\w+)\"\}")


async def recorded(sessionmaker: async_sessionmaker[AsyncSession], project_id: str) -> Project | None:
    async with sessionmaker() as session:
        return await session.get(Project, project_id)


async def page_as_admin(app: Any, path: str) -> httpx.Response:
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://engage.test") as browser:
        form = await browser.get("/")
        csrf = re.search(r'name="csrf" value="([^"]+)"', form.text)
        assert csrf, form.text
        signed_in = await browser.post("/sign-in", data={"csrf": csrf.group(1), "key": ADMIN_KEY, "next": "/projects"})
        assert signed_in.status_code in (200, 303), signed_in.text
        return await browser.get(path)


async def incompatible_worker(
    client: Client, task_queue: str, sessionmaker: async_sessionmaker[AsyncSession], workflow: type, metrics_port: int
) -> Worker:
    """The bad deploy: the workflow's name on code that cannot replay its history, no cache, and the
    worker's Prometheus endpoint on `metrics_port` (as `python worker.py` runs it)."""
    runtime = create_runtime(f"127.0.0.1:{metrics_port}")
    deployed = await Client.connect(
        client.service_client.config.target_host,
        namespace=client.namespace,
        runtime=runtime,
        data_converter=codec_converter(),
    )
    return Worker(
        deployed,
        task_queue=task_queue,
        workflows=[workflow],
        activities=build_activities(sessionmaker, ActivitySettings(smtp_url=None)),
        max_cached_workflows=0,
        workflow_runner=UnsandboxedWorkflowRunner(),
    )


async def test_a_wedged_project_reads_from_the_read_model_refuses_input_with_503_and_reconcile_says_stuck(
    temporal_dev_env: WorkflowEnvironment,
    task_queue: str,
    sessionmaker: async_sessionmaker[AsyncSession],
    caplog: pytest.LogCaptureFixture,
) -> None:
    client = temporal_dev_env.client
    settings = ActivitySettings(smtp_url=None)
    app = create_app(ApiSettings(admin_key=ADMIN_KEY, task_queue=task_queue), client=client, sessionmaker=sessionmaker)
    real = build_worker(client, task_queue=task_queue, sessionmaker=sessionmaker, activity_settings=settings)
    async with app.router.lifespan_context(app), http_client(app) as http:
        api = Api(http=http, app=app, client=client, sessionmaker=sessionmaker, task_queue=task_queue)
        river = await create_partner(api)
        async with real:
            project_id = (await create_project(api, [river["id"]]))["id"]
            row = await eventually(
                lambda: recorded(sessionmaker, project_id), lambda r: r is not None and r.event_seq >= 2
            )
            assert row is not None
            live = ok(await http.get(f"/api/v1/projects/{project_id}"), 200)
            assert live["live"] is True and live["live_reason"] is None and live["actions"]

        # -- the bad deploy: the same workflow name, code that cannot replay the history ----------
        metrics_port = free_port()
        wedged = await incompatible_worker(client, task_queue, sessionmaker, IncompatibleProjectWorkflow, metrics_port)
        async with wedged, await partner_client(api, river["id"]) as as_river:
            # READ: 200 from the read model, flagged, with nothing on offer.
            # (A first read can find the old worker's sticky queue silent: "no worker answered", also
            # from the read model; the next one reaches the new worker and its failing replay.)
            read = await eventually(
                lambda: read_project(http, project_id), lambda r: r["live_reason"] == NOT_LIVE_STUCK, within_seconds=30
            )
            assert read["live"] is False
            assert read["stage"] == row.stage == "proposal" and read["actions"] == []
            assert ok(await as_river.get(f"/api/v1/projects/{project_id}"), 200)["live"] is False

            page = await page_as_admin(app, f"/projects/{project_id}")
            assert page.status_code == 200, page.text
            assert "Not live:" in page.text and "keeps failing" in page.text

            # INPUT: 503 with a reason a person understands, in the one error shape; twice, the
            # second time once Temporal already knows the task is failing.
            for _ in range(2):
                refused = await submit(as_river, project_id, "proposal")
                assert refused.status_code == 503, refused.text
                answer = refused.json()
                assert (answer["error"], answer["detail"]) == (STUCK, WORKFLOW_STUCK)
                assert STUCK_REASON in json.dumps(answer), answer  # beside the field at fault
                assert int(refused.headers["Retry-After"]) > 0

            # RECONCILE: "stuck", not a crash.
            report: list[dict[str, Any]] = []
            summary = await reconcile(client, sessionmaker, project_ids=[project_id], emit=report.append)
            [line] = [line for line in report if line["kind"] == "stuck"]
            assert line["project_id"] == project_id and line["task_failure_cause"] == "NON_DETERMINISTIC_ERROR"
            assert line["read_model_stage"] == "proposal"
            assert summary.stuck == 1 and not summary.clean

            # THE WORKER COUNTS IT under the metric (and reason) the README's alert rule names.
            rule = ALERT_RULE.search((ROOT / "README.md").read_text())
            assert rule, "README.md's operations section names no alert rule for failing workflow tasks"
            metric, reason = rule.groups()
            async with httpx.AsyncClient() as scrape:
                exported = (await scrape.get(f"http://127.0.0.1:{metrics_port}/metrics")).text
            counted = [
                line
                for line in exported.splitlines()
                if line.startswith(metric) and f'failure_reason="{reason}"' in line and task_queue in line
            ]
            assert counted and float(counted[0].rsplit(" ", 1)[1]) >= 1, exported
            # AND LOGS IT: the SDK's own warning, forwarded into the worker's JSON lines.
            failing = [
                r for r in caplog.records if r.name == "temporalio.core" and r.getMessage() == "Failing workflow task"
            ]
            assert failing and all(r.levelno == logging.WARNING for r in failing)


async def test_a_wedged_programme_reads_from_the_read_model_and_refuses_input_with_503(
    temporal_dev_env: WorkflowEnvironment,
    task_queue: str,
    sessionmaker: async_sessionmaker[AsyncSession],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # An idle programme's update is never refused by Temporal: it waits until our bound, then the
    # history's failed workflow task says why. A shorter bound keeps the test short.
    monkeypatch.setattr(temporal_calls, "UPDATE_TIMEOUT_SECONDS", 8.0)
    client = temporal_dev_env.client
    settings = ActivitySettings(smtp_url=None)
    app = create_app(ApiSettings(admin_key=ADMIN_KEY, task_queue=task_queue), client=client, sessionmaker=sessionmaker)
    real = build_worker(client, task_queue=task_queue, sessionmaker=sessionmaker, activity_settings=settings)
    year = fresh_year()
    async with app.router.lifespan_context(app), http_client(app) as http:
        api = Api(http=http, app=app, client=client, sessionmaker=sessionmaker, task_queue=task_queue)
        harbour = (await create_partner(api, "Harbour Trust"))["id"]
        async with real:
            body = programme_body(year, [harbour], closes_in=timedelta(days=1))
            ok(await http.post("/api/v1/exchange/programmes", json=body), 201)

            async def stored() -> Any:
                async with sessionmaker() as session:
                    return await exchange_reads.get_programme(session, year)

            await eventually(stored, lambda row: row is not None)
            assert (await programme(http, year))["live"] is True

        wedged = await incompatible_worker(
            client, task_queue, sessionmaker, IncompatibleExchangeProgrammeWorkflow, free_port()
        )
        async with wedged:
            read = await programme(http, year)
            assert (read["live"], read["live_reason"]) == (False, NOT_LIVE_PROGRAMME)
            refused = await http.post(f"/api/v1/exchange/programmes/{year}/partners/{harbour}/confirm")
            assert refused.status_code == 503, refused.text
            assert (refused.json()["error"], refused.json()["detail"]) == (STUCK, WORKFLOW_STUCK)
            assert int(refused.headers["Retry-After"]) > 0
            page = await page_as_admin(app, f"/exchange/{year}")
            assert page.status_code == 200, page.text


async def test_a_project_temporal_has_but_nothing_has_recorded_yet_is_503_not_404(
    temporal_dev_env: WorkflowEnvironment,
    task_queue: str,
    sessionmaker: async_sessionmaker[AsyncSession],
) -> None:
    """Seen in the restart fault test: a project read in the moments after its create, while its
    worker restarts, answered 404 (no live answer, no read-model row yet), though it exists."""
    client = temporal_dev_env.client
    app = create_app(ApiSettings(admin_key=ADMIN_KEY, task_queue=task_queue), client=client, sessionmaker=sessionmaker)
    template = CATALOG.latest("co-curation")
    assert template is not None
    start = project_input(template, datetime.now(UTC))
    await temporal_calls.start_project(client, start, task_queue=task_queue)  # no worker polls: nothing recorded
    async with app.router.lifespan_context(app), http_client(app) as http:
        answer = await http.get(f"/api/v1/projects/{start.project_id}")
        assert answer.status_code == 503, answer.text
        assert answer.headers["Retry-After"].isdigit()
        unknown = await http.get(f"/api/v1/projects/{'0' * 32}")
        assert unknown.status_code == 404, unknown.text
    await client.get_workflow_handle(project_workflow_id(start.project_id)).terminate("test finished")
