"""Back up the embedded default while it runs, restore it into a fresh directory, and carry on there.

The first stack (dev server on `temporal.db`, a worker on `engage.db`, both in one data directory)
runs a project whose proposal reminder is still pending; `scripts/backup.py` copies it live; the
first stack is then gone for good, `scripts/restore.py` fills a new directory, and a new dev server
and worker start on it. The project must answer queries there, accept its next submission and
still fire the timer it was waiting on.
"""

from __future__ import annotations

import os
import stat
import subprocess
import sys
import uuid
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from temporalio.api.enums.v1 import EventType as HistoryEventType

from api.temporal_calls import start_project
from domain.events import EventType
from domain.lifecycle import Party, Stage
from domain.state import MilestoneStatus, ProjectInput
from domain.submissions import Actor, MilestoneSubmission, Person
from store.session import create_engine, create_sessionmaker
from store.settings import StoreSettings
from store.tables import Event
from tests.db_fixtures import sqlite_settings
from tests.faults.processes import ROOT, DevServerProcess, WorkerProcess
from tests.faults.support import audit_event_log, eventually, partner_with_key, seconds_template
from tests.temporal_env import TEST_PAYLOAD_KEYS
from workflows.naming import project_workflow_id
from workflows.project import ProjectWorkflow

#: Long enough that the reminder is still pending when the backup is taken on a busy machine (12 s was
#: not: under a loaded CI run the timer fired before the backup); the restored worker waits for it.
REMINDER_AFTER_S = 25


def script(name: str, *args: str) -> str:
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "ENGAGE_DATA_DIR")}
    done = subprocess.run(
        [sys.executable, str(ROOT / "scripts" / name), *args], env=env, capture_output=True, text=True, check=False
    )
    assert done.returncode == 0, done.stderr
    return done.stdout


async def event_types(sessionmaker: async_sessionmaker[AsyncSession], project_id: str) -> list[str]:
    async with sessionmaker() as session:
        return list(await session.scalars(select(Event.type).where(Event.project_id == project_id).order_by(Event.seq)))


@pytest.mark.parametrize("db_target", ["sqlite"])
async def test_a_backup_taken_while_running_restores_into_a_fresh_directory_and_the_project_carries_on(
    db_target: str, store_settings: StoreSettings, sessionmaker: async_sessionmaker[AsyncSession], tmp_path: Path
) -> None:
    live = tmp_path  # the data directory: temporal.db, engage.db (the fixture's), admin_key
    assert store_settings.database_url.endswith(str(live / "engage.db"))
    (live / "admin_key").write_text("engage_admin_backup-test\n")
    (live / "payload_keys").write_text(TEST_PAYLOAD_KEYS + "\n")  # what the processes below encrypt with
    (live / "outbox_key").write_text("outbox-key-backup-test\n")  # what `make run` writes beside them
    task_queue = f"ops-{uuid.uuid4().hex}"
    first_server = DevServerProcess(db_path=live / "temporal.db", log_path=live / "temporal-first.log")
    await first_server.start()
    first_worker = WorkerProcess(
        temporal_address=first_server.address, store=store_settings, task_queue=task_queue, log_path=live / "w1.log"
    )
    await first_worker.start()
    try:
        client = await first_server.client()
        partner_id, _ = await partner_with_key(sessionmaker, 1)
        start = ProjectInput(
            project_id=uuid.uuid4().hex,
            template=seconds_template(remind_after=REMINDER_AFTER_S, due_after=3600),
            title="Harbour voices",
            lead=Person(name="Lead Curator", email="lead@museum.example"),
            partner_ids=(partner_id,),
            follow_up_schedule=(),
            created_at=datetime.now(UTC),
        )
        await start_project(client, start, task_queue=task_queue)
        await eventually(lambda: event_types(sessionmaker, start.project_id), lambda t: len(t) == 2)
        folder = Path(script("backup.py", "--data-dir", str(live), "--out", str(tmp_path / "backups")).strip())
    finally:
        await first_worker.stop()
        await first_server.stop()

    fresh = tmp_path / "restored"
    script("restore.py", str(folder), "--data-dir", str(fresh))
    assert stat.S_IMODE((fresh / "admin_key").stat().st_mode) == 0o600
    assert (fresh / "admin_key").read_text() == "engage_admin_backup-test\n"
    assert stat.S_IMODE((fresh / "payload_keys").stat().st_mode) == 0o600
    assert (fresh / "payload_keys").read_text() == TEST_PAYLOAD_KEYS + "\n"  # Temporal's copy stays readable
    assert stat.S_IMODE((fresh / "outbox_key").stat().st_mode) == 0o600
    assert (fresh / "outbox_key").read_text() == "outbox-key-backup-test\n"  # queued survey e-mails can be sent
    with pytest.raises(AssertionError, match="fresh directory"):
        script("restore.py", str(folder), "--data-dir", str(fresh))

    restored_store = sqlite_settings(fresh / "engage.db")
    engine = create_engine(restored_store)
    restored = create_sessionmaker(engine)
    server = DevServerProcess(db_path=fresh / "temporal.db", log_path=tmp_path / "temporal-restored.log")
    await server.start()
    worker = WorkerProcess(
        temporal_address=server.address, store=restored_store, task_queue=task_queue, log_path=tmp_path / "w2.log"
    )
    await worker.start()
    try:
        client = await server.client()
        handle = client.get_workflow_handle_for(ProjectWorkflow.run, project_workflow_id(start.project_id))
        state = await handle.query(ProjectWorkflow.status)
        assert state.stage is Stage.PROPOSAL
        history = [e.event_type async for e in handle.fetch_history_events()]
        pending_timers = (
            history.count(HistoryEventType.EVENT_TYPE_TIMER_STARTED)
            - history.count(HistoryEventType.EVENT_TYPE_TIMER_FIRED)
            - history.count(HistoryEventType.EVENT_TYPE_TIMER_CANCELED)
        )
        assert pending_timers == 1, "the reminder's timer came back with the backup"
        fired = await eventually(
            lambda: event_types(restored, start.project_id),
            lambda t: EventType.MILESTONE_REMINDER.value in t,
            within=REMINDER_AFTER_S + 30,
        )
        assert fired[:2] == [EventType.PROJECT_CREATED.value, EventType.STAGE_OPENED.value]
        proposal = MilestoneSubmission(
            milestone_key="proposal", actor=Actor(party=Party.PARTNER, partner_id=partner_id), summary="Our proposal"
        )
        accepted = await handle.execute_update(ProjectWorkflow.submit_milestone, proposal)
        assert accepted.status is MilestoneStatus.SUBMITTED
        final = await handle.query(ProjectWorkflow.status)
        audit = await eventually(
            lambda: audit_event_log(restored, {start.project_id: final.event_seq}), lambda a: a.clean
        )
        assert audit.clean
        await handle.terminate("test finished")
    finally:
        await worker.stop()
        await server.stop()
        await engine.dispose()
