"""Operations: JSON logs that name the workflow and project and never a person; Prometheus on both sides.

A real worker process (INFO logs, metrics endpoint on) and the API under uvicorn run a project
whose lead and partner have recognisable ("canary") names and addresses. Those reach the worker —
the outbox holds e-mails to them — but must appear in no log line. Every worker line is JSON, and
every line written for an activity or a workflow carries `workflow_id` and `project_id`; the API's
request lines for project routes carry `project_id`. Both `/metrics` endpoints are scraped.
"""

from __future__ import annotations

import io
import json
import logging
import sqlite3
import uuid
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import select
from sqlalchemy.exc import OperationalError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from temporalio.testing import WorkflowEnvironment

from activities.worker_logging import JsonFormatter, TemporalContextFilter
from store.settings import StoreSettings
from store.tables import OutboxEmail
from tests.faults.processes import ApiProcess, WorkerProcess, free_port
from tests.faults.support import ADMIN_KEY, eventually, partner_with_key
from workflows.naming import project_workflow_id
from workflows.project import ProjectWorkflow

LEAD_NAME, LEAD_EMAIL = "Canary Leadperson", "canary.lead@museum.example"
PARTNER_EMAIL = "canary.partner@community.example"
CANARIES = (LEAD_NAME, LEAD_EMAIL, PARTNER_EMAIL, "canary.lead", "canary.partner")


def json_lines(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]


async def outbox_addresses(sessionmaker: async_sessionmaker[AsyncSession], project_id: str) -> set[str]:
    async with sessionmaker() as session:
        return set(await session.scalars(select(OutboxEmail.to_address).where(OutboxEmail.project_id == project_id)))


@pytest.mark.parametrize("db_target", ["sqlite"])
async def test_logs_carry_workflow_and_project_ids_but_no_personal_data_and_both_sides_export_metrics(
    db_target: str,
    temporal_dev_env: WorkflowEnvironment,
    store_settings: StoreSettings,
    sessionmaker: async_sessionmaker[AsyncSession],
    tmp_path: Path,
) -> None:
    client = temporal_dev_env.client
    address = client.service_client.config.target_host
    task_queue = f"ops-{uuid.uuid4().hex}"
    metrics_port = free_port()
    worker = WorkerProcess(
        temporal_address=address,
        store=store_settings,
        task_queue=task_queue,
        log_path=tmp_path / "worker.log",
        log_level="INFO",
        metrics_address=f"127.0.0.1:{metrics_port}",
    )
    api = ApiProcess(
        temporal_address=address,
        store=store_settings,
        task_queue=task_queue,
        admin_key=ADMIN_KEY,
        log_path=tmp_path / "api.log",
    )
    partner_id, partner_key = await partner_with_key(sessionmaker, 1, email=PARTNER_EMAIL)
    await worker.start()
    await api.start()
    project_id = ""
    try:
        staff = {"Authorization": f"Bearer {ADMIN_KEY}"}
        async with httpx.AsyncClient(base_url=api.base_url, timeout=30) as http:
            created = await http.post(
                "/api/v1/projects",
                json={
                    "template": "co-curation",
                    "title": "Harbour voices",
                    "lead": {"name": LEAD_NAME, "email": LEAD_EMAIL},
                    "partner_ids": [partner_id],
                },
                headers=staff,
            )
            assert created.status_code == 201, created.text
            project_id = created.json()["id"]
            project = f"/api/v1/projects/{project_id}"
            submitted = await http.post(
                f"{project}/milestones/proposal/submissions",
                json={"summary": "Our proposal"},
                headers={"Authorization": f"Bearer {partner_key}"},
            )
            assert submitted.status_code == 201, submitted.text
            returned = await http.post(
                f"{project}/milestones/proposal/review",
                json={"decision": "return", "note": "More detail"},
                headers=staff,
            )
            assert returned.status_code == 200, returned.text
            assert (await http.get(project, headers=staff)).status_code == 200
            # The addresses really went through the worker: its activity wrote e-mails to both.
            await eventually(
                lambda: outbox_addresses(sessionmaker, project_id), lambda a: a == {LEAD_EMAIL, PARTNER_EMAIL}
            )

            assert (await http.get("/metrics")).status_code == 401, "not public on the API's port"
            api_metrics = (await http.get("/metrics", headers=staff)).text
            worker_metrics = (await http.get(f"http://127.0.0.1:{metrics_port}/metrics")).text
    finally:
        if project_id:
            await client.get_workflow_handle_for(ProjectWorkflow.run, project_workflow_id(project_id)).terminate("done")
        await api.stop()
        await worker.stop()

    # -- metrics ----------------------------------------------------------------------------------
    submissions = 'route="/api/v1/projects/{project_id}/milestones/{milestone_key}/submissions"'
    assert f'engage_http_requests_total{{method="POST",{submissions},status="201"}} 1.0' in api_metrics
    assert "engage_http_request_duration_seconds_bucket{" in api_metrics
    assert project_id not in api_metrics, "series are per route template, never per project"
    for name in ("temporal_activity_execution_latency", "temporal_workflow_task_execution_latency", "temporal_request"):
        assert name in worker_metrics, f"{name} missing from the worker's /metrics"

    # -- logs -------------------------------------------------------------------------------------
    worker_lines = json_lines(tmp_path / "worker.log")  # every line parses: one JSON object each
    ours = [line for line in worker_lines if line.get("workflow_id") == project_workflow_id(project_id)]
    assert any(line.get("message") == "recorded project changes" for line in ours)
    for line in worker_lines:
        if "activity_type" in line or "workflow_type" in line:
            assert line.get("workflow_id"), line
            if str(line["workflow_id"]).startswith("project/"):
                assert line.get("project_id") == str(line["workflow_id"]).removeprefix("project/"), line
    api_lines = [line for line in json_lines(tmp_path / "api.log") if line.get("event") == "request"]
    project_routes = [line for line in api_lines if "{project_id}" in str(line.get("route"))]
    assert len(project_routes) == 3
    assert all(line.get("project_id") == project_id for line in project_routes)
    for log in ("worker.log", "api.log"):
        text = (tmp_path / log).read_text()
        leaked = [canary for canary in CANARIES if canary in text]
        assert not leaked, f"{log} contains personal data: {leaked}"


def test_an_exception_is_logged_by_type_and_stack_never_by_its_message() -> None:
    """SQL errors quote their parameters (an address, a name): the formatter drops the message."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(JsonFormatter())
    handler.addFilter(TemporalContextFilter())
    logger = logging.getLogger(f"test.{uuid.uuid4().hex}")
    logger.propagate = False
    logger.addHandler(handler)
    try:
        raise ValueError(f"duplicate key (to_address)=({LEAD_EMAIL})")
    except ValueError:
        logger.warning(
            "write failed",
            exc_info=True,
            extra={"project_id": "p1", "temporal_workflow": {"workflow_id": "project/p1"}},
        )
    line = json.loads(stream.getvalue())
    assert (line["error"], line["project_id"], line["workflow_id"]) == ("builtins.ValueError", "p1", "project/p1")
    assert "test_an_exception_is_logged" in line["traceback"]
    assert LEAD_EMAIL not in stream.getvalue()


def test_a_database_error_keeps_the_databases_own_words_but_not_the_sql_parameters() -> None:
    """`database is locked` is worth seeing; SQLAlchemy's wrapper, which quotes parameters, is not."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(JsonFormatter())
    logger = logging.getLogger(f"test.{uuid.uuid4().hex}")
    logger.propagate = False
    logger.addHandler(handler)
    try:
        try:
            raise sqlite3.OperationalError("database is locked")
        except sqlite3.OperationalError as orig:
            raise OperationalError("INSERT INTO project ...", {"lead_email": LEAD_EMAIL}, orig) from orig
    except OperationalError:
        logger.warning("Completing activity as failed", exc_info=True)
    line = json.loads(stream.getvalue())
    assert line["error"] == "sqlalchemy.exc.OperationalError"
    assert line["error_chain"] == ["sqlite3.OperationalError"]
    assert line["error_reason"] == "database is locked"
    assert LEAD_EMAIL not in stream.getvalue()
