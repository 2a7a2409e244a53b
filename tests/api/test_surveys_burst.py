"""A burst of 200 answers to one project, all at once: every one stored once, every signal heard.

Why this shape: answers are a database write plus a signal, never an Update on the one
FollowUpWorkflow (the server admits ~10 in-flight Updates per workflow; ARCHITECTURE.md measured
p99 4-9 s for 20 concurrent callers). The latencies are measured and logged (logger
`tests.api.burst`, and `record_property` for junit), never asserted: a figure on a shared CI
machine is a report, not a test.
"""

from __future__ import annotations

import asyncio
import json
import logging
import statistics
import time
from collections.abc import Callable
from datetime import UTC, datetime

from sqlalchemy import func, select

from domain.durations import IsoDuration
from domain.follow_up import FollowUpInput
from store.surveys.writes import NewRespondent, add_respondents
from store.tables import SurveyResponse
from tests.api.conftest import Api, http_client
from tests.api.support import create_partner, create_project
from tests.api.survey_support import answer, open_wave_now
from workflows.follow_up import FollowUpWorkflow
from workflows.naming import follow_up_workflow_id

log = logging.getLogger("tests.api.burst")
BURST = 200


def percentile(samples: list[float], q: float) -> float:
    ordered = sorted(samples)
    rank = (len(ordered) - 1) * q / 100
    low = int(rank)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (rank - low)


async def test_two_hundred_answers_at_once_are_each_stored_once_and_signalled(
    api: Api, db_target: str, record_property: Callable[[str, object], None]
) -> None:
    partner = await create_partner(api)
    project_id = (await create_project(api, [partner["id"]]))["id"]
    people = [NewRespondent(name=f"Person {n}", email=f"p{n}@burst.example", role="participant") for n in range(BURST)]
    async with api.sessionmaker.begin() as session:
        await add_respondents(session, project_id, people, datetime.now(UTC))
    tokens = list((await open_wave_now(api, project_id)).values())
    assert len(tokens) == BURST
    # The project's real FollowUpWorkflow, waiting on a far wave, receives the signals.
    handle = await api.client.start_workflow(
        FollowUpWorkflow.run,
        FollowUpInput(project_id=project_id, anchor_at=datetime.now(UTC), offsets=(IsoDuration("P1Y"),)),
        id=follow_up_workflow_id(project_id),
        task_queue=api.task_queue,
    )
    try:
        latencies: list[float] = []
        statuses: list[int] = []

        async with http_client(api.app, key=None) as anyone:

            async def one(token: str) -> None:
                started = time.perf_counter()
                response = await answer(anyone, token)
                latencies.append(time.perf_counter() - started)
                statuses.append(response.status_code)

            began = time.perf_counter()
            await asyncio.gather(*(one(t) for t in tokens))
            wall = time.perf_counter() - began

        assert statuses == [201] * BURST, sorted(set(statuses))
        async with api.sessionmaker() as session:
            assert await session.scalar(select(func.count()).select_from(SurveyResponse)) == BURST
        for _ in range(200):
            state = await handle.query(FollowUpWorkflow.status)
            if state.answers_signalled == BURST:
                break
            await asyncio.sleep(0.05)
        assert state.answers_signalled == BURST

        ms = [s * 1000 for s in latencies]
        figures = {
            "database": db_target,
            "answers": BURST,
            "p50_ms": round(percentile(ms, 50), 1),
            "p99_ms": round(percentile(ms, 99), 1),
            "mean_ms": round(statistics.fmean(ms), 1),
            "max_ms": round(max(ms), 1),
            "wall_s": round(wall, 2),
            "answers_per_s": round(BURST / wall, 1),
        }
        record_property("survey_burst", json.dumps(figures))
        log.info("survey burst %s", json.dumps(figures))
    finally:
        await handle.terminate("test finished")
