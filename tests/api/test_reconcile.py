"""`python -m scripts.reconcile`: drift between the read model and the workflows is found and repaired.

Runs end to end against the dev server, a real worker and the real database (SQLite and PostgreSQL):
two projects move through the API, one has its project row and a milestone row corrupted by hand,
and reconcile must name exactly those fields, repair them from the workflow with --repair, and leave
the untouched project alone. A deleted event is reported as a gap and never invented.
"""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import delete, func, select, update

from scripts.reconcile import open_project_ids, reconcile, run_cli
from store.settings import StoreSettings
from store.tables import Event, Milestone, Project
from tests.api.conftest import Api
from tests.api.support import create_partner, create_project, eventually, ok, partner_client, review, submit
from workflows.naming import project_workflow_id
from workflows.project import ProjectWorkflow


async def caught_up(api: Api, project_id: str) -> bool:
    """The read model and the event log hold everything the workflow has emitted."""
    state = await api.client.get_workflow_handle_for(ProjectWorkflow.run, project_workflow_id(project_id)).query(
        ProjectWorkflow.status
    )
    async with api.sessionmaker() as session:
        row = await session.get(Project, project_id)
        events = await session.scalar(select(func.count()).select_from(Event).where(Event.project_id == project_id))
    return row is not None and row.event_seq == state.event_seq == events


def drifted_fields(lines: list[dict[str, Any]]) -> set[tuple[str, str, str]]:
    return {(line["project_id"], line["table"], line["field"]) for line in lines if line["kind"] == "drift"}


async def test_reconcile_reports_and_repairs_a_corrupted_row_and_leaves_an_untouched_project_alone(
    api: Api, store_settings: StoreSettings, monkeypatch: pytest.MonkeyPatch
) -> None:
    river = await create_partner(api)
    corrupted = (await create_project(api, [river["id"]], title="Corrupted"))["id"]
    untouched = (await create_project(api, [river["id"]], title="Untouched"))["id"]
    async with await partner_client(api, river["id"]) as as_river:
        ok(await submit(as_river, corrupted, "proposal"), 201)
    ok(await review(api.http, corrupted, "proposal"), 200)
    for project_id in (corrupted, untouched):
        await eventually(lambda p=project_id: caught_up(api, p), bool)  # type: ignore[misc]

    async with api.sessionmaker.begin() as session:
        await session.execute(
            update(Project).where(Project.id == corrupted).values(stage="display", event_seq=Project.event_seq + 100)
        )
        await session.execute(
            update(Milestone)
            .where(Milestone.project_id == corrupted, Milestone.key == "partnership_agreement")
            .values(status="accepted")
        )

    report: list[dict[str, Any]] = []
    found = await reconcile(api.client, api.sessionmaker, emit=report.append)
    assert drifted_fields(report) == {
        (corrupted, "project", "stage"),
        (corrupted, "project", "event_seq"),
        (corrupted, "milestone", "status"),
    }
    stage_line = next(line for line in report if line.get("field") == "stage")
    assert (stage_line["read_model"], stage_line["workflow"]) == ("display", "partnership")
    assert (found.projects, found.in_sync, found.drifted, found.repaired, found.gaps) == (2, 1, 1, 0, 0)
    assert not found.clean and report[-1]["kind"] == "summary"

    repaired: list[dict[str, Any]] = []
    fixed = await reconcile(api.client, api.sessionmaker, repair=True, emit=repaired.append)
    assert [line["project_id"] for line in repaired if line["kind"] == "repaired"] == [corrupted]
    assert fixed.clean
    async with api.sessionmaker() as session:
        row = await session.get(Project, corrupted)
        milestone = await session.get(Milestone, (corrupted, "partnership_agreement"))
    assert row is not None and milestone is not None
    assert (row.stage, milestone.status) == ("partnership", "pending")

    # The command line, connected through the environment as an operator would run it.
    monkeypatch.setenv("TEMPORAL_ADDRESS", api.client.service_client.config.target_host)
    monkeypatch.setenv("DATABASE_URL", store_settings.database_url)
    if store_settings.database_schema:
        monkeypatch.setenv("DATABASE_SCHEMA", store_settings.database_schema)
    again: list[dict[str, Any]] = []
    assert await run_cli([], emit=again.append) == 0
    assert again == [{"kind": "summary", **vars(fixed)} | {"in_sync": 2, "drifted": 0, "repaired": 0}]

    # A hole in the event log is reported for what it is; reconcile cannot invent the event.
    async with api.sessionmaker.begin() as session:
        await session.execute(delete(Event).where(Event.project_id == untouched, Event.seq == 1))
    gaps: list[dict[str, Any]] = []
    assert await run_cli(["--repair", "--project", untouched], emit=gaps.append) == 1
    assert gaps[0] == {"kind": "event_log_gap", "project_id": untouched, "missing_seqs": [1]}
    assert gaps[-1]["gaps"] == 1

    # A running project with no row at all is found through Temporal's visibility and written back.
    async with api.sessionmaker.begin() as session:
        await session.execute(delete(Project).where(Project.id == untouched))
    found_again: list[dict[str, Any]] = []
    await eventually(lambda: open_project_ids(api.client, api.task_queue), lambda ids: untouched in ids)
    await reconcile(
        api.client, api.sessionmaker, include_open=True, task_queue=api.task_queue, repair=True, emit=found_again.append
    )
    assert (untouched, "project", "*") in drifted_fields(found_again)
    assert {"kind": "repaired", "project_id": untouched}.items() <= next(
        line for line in found_again if line["kind"] == "repaired"
    ).items()
    async with api.sessionmaker() as session:
        restored = await session.get(Project, untouched)
    assert restored is not None and restored.stage == "proposal" and restored.title == "Untouched"
