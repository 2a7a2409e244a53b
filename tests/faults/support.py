"""What the fault tests share: partners with keys, a seconds-long template, event-log audits, summaries.

Every fault test ends by printing one line (`FAULT-SUMMARY ...`) with the faults it injected and
what was lost or doubled; `pytest -s tests/faults` (or the captured output of a failure) shows them.
"""

from __future__ import annotations

import asyncio
import time
from collections import Counter
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, TypeVar

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from temporalio.api.enums.v1 import EventType
from temporalio.client import WorkflowHandle

from api.auth import Role, issue_key
from domain.lifecycle import LifecycleTemplate
from store.partners import writes as partner_writes
from store.tables import Event, OutboxEmail, Project
from tests.workflows.support import CATALOG

T = TypeVar("T")
Sessions = async_sessionmaker[AsyncSession]

ADMIN_KEY = "engage_fault-tests-admin-key-not-for-production"


async def eventually(
    probe: Callable[[], Awaitable[T]], until: Callable[[T], bool], *, within: float = 30.0, every: float = 0.2
) -> T:
    """Call `probe` until `until(result)` holds; fail with the last result after `within` seconds."""
    deadline = time.monotonic() + within
    while True:
        result = await probe()
        if until(result):
            return result
        if time.monotonic() > deadline:
            raise AssertionError(f"condition did not hold within {within:.0f} s; last result: {result!r}"[:2000])
        await asyncio.sleep(every)


_ACTIVITY_FINISHED = frozenset(
    {
        EventType.EVENT_TYPE_ACTIVITY_TASK_COMPLETED,
        EventType.EVENT_TYPE_ACTIVITY_TASK_FAILED,
        EventType.EVENT_TYPE_ACTIVITY_TASK_TIMED_OUT,
        EventType.EVENT_TYPE_ACTIVITY_TASK_CANCELED,
    }
)
_WORKFLOW_TASK_FINISHED = frozenset(
    {
        EventType.EVENT_TYPE_WORKFLOW_TASK_COMPLETED,
        EventType.EVENT_TYPE_WORKFLOW_TASK_FAILED,
        EventType.EVENT_TYPE_WORKFLOW_TASK_TIMED_OUT,
    }
)


async def settled(handle: WorkflowHandle[Any, Any], *, within: float = 20.0) -> None:
    """Wait until the workflow is idle: no workflow task and no activity outstanding (it sleeps on
    a timer or waits for input). The commands of the last task (a timer started, say) come after
    its WorkflowTaskCompleted event, so idleness is counted, not read off the last event."""

    async def idle() -> bool:
        events = [e.event_type async for e in handle.fetch_history_events()]
        tasks = events.count(EventType.EVENT_TYPE_WORKFLOW_TASK_SCHEDULED)
        activities = events.count(EventType.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED)
        return tasks == sum(e in _WORKFLOW_TASK_FINISHED for e in events) and activities == sum(
            e in _ACTIVITY_FINISHED for e in events
        )

    await eventually(idle, bool, within=within, every=0.05)


async def partner_with_key(sessionmaker: Sessions, n: int, *, email: str | None = None) -> tuple[str, str]:
    """A partner organisation and a partner API key for it, written as the API's routes write them."""
    async with sessionmaker() as session:
        partner = await partner_writes.create_partner(
            session,
            name=f"Community group {n}",
            contact_name=f"Contact {n}",
            contact_email=email or f"contact-{n}@partner.example",
            now=datetime.now(UTC),
        )
        _, key = await issue_key(
            session, role=Role.PARTNER, partner_id=partner.id, label=f"group {n}", now=partner.created_at
        )
    return partner.id, key


def seconds_template(*, remind_after: int, due_after: int) -> LifecycleTemplate:
    """Co-curation, with the proposal due `due_after` seconds after the project starts and one
    reminder `remind_after` seconds after it starts: a lifecycle whose timers fire within a test.

    Test-only data: templates ship as JSON in domain/templates, and none has second-long dates.
    """
    base = CATALOG.latest("co-curation")
    assert base is not None and remind_after < due_after
    data: dict[str, Any] = base.model_dump(mode="json")
    data["name"] = "fault-test-seconds"
    proposal = data["stages"][0]["milestones"][0]
    assert proposal["key"] == "proposal"
    proposal["due"] = f"PT{due_after}S"
    proposal["reminders"] = {
        "remind_before": [f"PT{due_after - remind_after}S"],
        "overdue_notice": True,
        "escalate_after": None,
    }
    return LifecycleTemplate.model_validate(data)


@dataclass(frozen=True)
class LogAudit:
    """The event log of some projects against what their workflows say happened."""

    missing: int  # events the workflow emitted that the log lacks (lost)
    doubled: int  # events in the log more than once, or that the workflow never emitted
    behind: int  # projects whose read-model row has not caught up with the workflow

    @property
    def clean(self) -> bool:
        return self.missing == self.doubled == self.behind == 0


async def audit_event_log(sessionmaker: Sessions, expected_seq: dict[str, int]) -> LogAudit:
    """Compare each project's log with 1..expected_seq (the workflow's `event_seq`)."""
    async with sessionmaker() as session:
        rows = (
            await session.execute(select(Event.project_id, Event.seq).where(Event.project_id.in_(list(expected_seq))))
        ).all()
        seqs = dict(
            (
                await session.execute(select(Project.id, Project.event_seq).where(Project.id.in_(list(expected_seq))))
            ).all()
        )
    counts = Counter((p, s) for p, s in rows)
    missing = sum(1 for p, n in expected_seq.items() for s in range(1, n + 1) if (p, s) not in counts)
    doubled = sum(c - 1 for c in counts.values()) + sum(1 for (p, s) in counts if not 1 <= s <= expected_seq[p])
    behind = sum(1 for p, n in expected_seq.items() if seqs.get(p) != n)
    return LogAudit(missing=missing, doubled=doubled, behind=behind)


async def outbox_keys(sessionmaker: Sessions, project_ids: Iterable[str]) -> list[str]:
    async with sessionmaker() as session:
        return list(
            await session.scalars(select(OutboxEmail.dedupe_key).where(OutboxEmail.project_id.in_(list(project_ids))))
        )


def summary(test: str, **figures: object) -> str:
    """The one-line account of a fault test: what was injected, what was lost, what was doubled."""
    line = "FAULT-SUMMARY " + " ".join([f"test={test}", *(f"{k}={v}" for k, v in figures.items())])
    print(line)  # noqa: T201 — the closing note of the issue quotes these lines
    return line
