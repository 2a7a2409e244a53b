"""Steady load through the API replicas while a fault happens, and the audit afterwards.

Each of a few concurrent callers creates projects one after another, as a client of ours should:
with an Idempotency-Key, retrying the same key on a 503 (which must carry Retry-After) or on a
dropped connection until it is accepted. So a request the API answered 503 but Temporal had in
fact started comes back 200 ("replayed") on the retry, never as a second project.

The audit then holds every accepted project against the cluster: its workflow exists and has run
(queried), and the read model has each of its events exactly once (tests/faults/support.py's
audit). `lost` counts accepted projects missing from Temporal plus events missing from the log;
`doubled` counts events logged more than once.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
import uuid
from collections import Counter
from dataclasses import dataclass, field

import httpx
from sqlalchemy import select
from temporalio.client import WorkflowQueryFailedError
from temporalio.service import RPCError, RPCStatusCode

from api.temporal_refusals import guard_refused
from store.tables import Project
from tests.api.support import project_body
from tests.cluster.stack import Cluster
from tests.faults.support import audit_event_log, eventually
from workflows.naming import project_workflow_id
from workflows.project import ProjectWorkflow

RETRY_PAUSE_S = 0.25


@dataclass
class Load:
    cluster: Cluster
    partner_id: str
    callers: int = 3
    accepted: dict[str, float] = field(default_factory=dict)  # project id → when it was accepted
    answers: Counter[str] = field(default_factory=Counter)  # "201", "503", "connection", ...
    unexpected: list[str] = field(default_factory=list)
    _stop: asyncio.Event = field(default_factory=asyncio.Event)
    _tasks: list[asyncio.Task[None]] = field(default_factory=list)

    async def __aenter__(self) -> Load:
        self._tasks = [asyncio.create_task(self._caller()) for _ in range(self.callers)]
        return self

    async def __aexit__(self, *_: object) -> None:
        self._stop.set()
        await asyncio.gather(*self._tasks)

    def accepted_after(self, moment: float) -> list[float]:
        return sorted(t for t in self.accepted.values() if t >= moment)

    async def first_accepted_after(self, moment: float, within: float = 120.0) -> float:
        """Seconds from `moment` to the first request accepted after it."""
        deadline = time.monotonic() + within
        while not self.accepted_after(moment):
            assert time.monotonic() < deadline, f"nothing accepted within {within:.0f} s: {dict(self.answers)}"
            await asyncio.sleep(0.05)
        return self.accepted_after(moment)[0] - moment

    async def _caller(self) -> None:
        body = project_body([self.partner_id], follow_up_schedule=["P3M"])
        while not self._stop.is_set():
            await self._create(body, uuid.uuid4().hex)

    async def _create(self, body: dict[str, object], key: str) -> None:
        """One project, retried under the same key until accepted (a bounded while after stop)."""
        give_up = None
        while True:
            if self._stop.is_set() and give_up is None:
                give_up = time.monotonic() + 90
            if give_up is not None and time.monotonic() > give_up:
                self.unexpected.append(f"gave up on key {key}")
                return
            try:
                response = await self.cluster.http.post("/api/v1/projects", json=body, headers={"Idempotency-Key": key})
            except httpx.TransportError as err:
                self.answers[f"connection:{type(err).__name__}"] += 1
                await asyncio.sleep(RETRY_PAUSE_S)
                continue
            self.answers[str(response.status_code)] += 1
            if response.status_code in (200, 201):
                self.accepted[response.json()["id"]] = time.monotonic()
                return
            if response.status_code == 503 and response.headers.get("Retry-After", "").isdigit():
                await asyncio.sleep(RETRY_PAUSE_S)
                continue
            self.unexpected.append(f"{response.status_code} {response.headers.get('Retry-After')} {response.text}")
            return


@dataclass(frozen=True)
class Audit:
    accepted: int
    lost: int
    doubled: int


#: How long the audit asks again when the activation guard refuses its query: a raced task is
#: retried within a workflow task timeout (10 s), after which the query is answered.
REFUSED_QUERIES_FOR_S = 60.0


async def audit(cluster: Cluster, project_ids: list[str]) -> Audit:
    """Every accepted project in Temporal and its events in the read model exactly once."""
    gate = asyncio.Semaphore(8)
    expected: dict[str, int] = {}
    missing = 0

    async def query(pid: str) -> None:
        nonlocal missing
        handle = cluster.client.get_workflow_handle_for(ProjectWorkflow.run, project_workflow_id(pid))
        give_up_at = time.monotonic() + REFUSED_QUERIES_FOR_S
        async with gate:
            while True:
                try:
                    state = await handle.query(ProjectWorkflow.status)
                    break
                except RPCError as err:
                    if err.status != RPCStatusCode.NOT_FOUND:
                        raise
                    missing += 1
                    return
                except WorkflowQueryFailedError as err:
                    # 👉 Just after a worker was killed, the activation guard may refuse a query that
                    # raced a pending task (it fails that query, as the API's reads fall back); the
                    # task itself runs on the other worker, and asking again gets the live state.
                    if not guard_refused(err) or time.monotonic() > give_up_at:
                        raise
                    await asyncio.sleep(1.0)
        expected[pid] = state.event_seq

    await asyncio.gather(*(query(pid) for pid in project_ids))
    try:
        log = await eventually(
            lambda: audit_event_log(cluster.sessionmaker, expected), lambda a: a.clean, within=90, every=0.5
        )
    except AssertionError as err:
        raise AssertionError(f"{err}\n{await behind(cluster, expected)}") from None
    return Audit(accepted=len(project_ids), lost=missing + log.missing, doubled=log.doubled)


async def behind(cluster: Cluster, expected: dict[str, int]) -> str:
    """For a failed audit: which projects lag, and what their workflows are waiting on."""
    async with cluster.sessionmaker() as session:
        seqs = dict((await session.execute(select(Project.id, Project.event_seq))).all())
    lines = []
    for pid, n in expected.items():
        if seqs.get(pid) == n:
            continue
        described = await cluster.client.get_workflow_handle(project_workflow_id(pid)).describe()
        pending = [
            (a.activity_type.name, a.attempt, a.last_failure.message[:300])
            for a in described.raw_description.pending_activities
        ]
        lines.append(f"project {pid}: workflow event_seq={n} read model={seqs.get(pid)} pending={pending}")
    return "\n".join(lines[:10])


async def terminate(cluster: Cluster, project_ids: list[str]) -> None:
    """Leave no load project running into the next test (their timers would only add noise)."""
    gate = asyncio.Semaphore(8)

    async def one(pid: str) -> None:
        async with gate:
            with contextlib.suppress(RPCError):
                await cluster.client.get_workflow_handle(project_workflow_id(pid)).terminate("fault test finished")

    await asyncio.gather(*(one(pid) for pid in project_ids))
