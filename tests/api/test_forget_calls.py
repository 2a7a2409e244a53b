"""api.people.calls.forget_lead / forget_application / forget_programme_lead (issue 14): what the erasure
route learns from each. True: a running workflow took the signal. False: Temporal holds no such run, or it
has ended (nothing left in flight to forget). Temporal away: raised, and the one mapping answers 503.

Real servers only: the time-skipping server with the real workflows (stand-in activities), and a client
whose address has nothing listening.
"""

from __future__ import annotations

import pytest
from temporalio.client import Client
from temporalio.testing import WorkflowEnvironment

from api.errors import failure_to_api_error
from api.main import API_RETRY
from api.people import calls as people_calls
from domain.erasure import ERASED_PERSON, email_hash
from domain.submissions import StaffAction
from tests.faults.processes import free_port
from tests.temporal_env import codec_converter
from tests.workflows.driving import status, wait_for
from tests.workflows.support import STAFF, RecordedActivities, stand_in_worker, start_project
from tests.workflows.test_exchange import open_programme
from workflows.exchange import ExchangeProgrammeWorkflow as Programme
from workflows.project import ProjectWorkflow

LEAD = email_hash("lead@museum.example")  # tests.workflows.support.project_input's lead
PROGRAMME_LEAD = email_hash("kx@museum.example")  # tests.workflows.test_exchange.open_programme's lead


async def test_a_running_workflow_takes_the_signal_and_an_absent_or_ended_one_is_false(
    time_skipping_env: WorkflowEnvironment, task_queue: str
) -> None:
    env = time_skipping_env
    client = env.client
    async with stand_in_worker(client, task_queue, RecordedActivities()):
        now = await env.get_current_time()
        running = await start_project(client, task_queue, "co-curation", now)
        running_id = (await status(running)).project_id
        ended = await start_project(client, task_queue, "co-curation", now)
        ended_id = (await status(ended)).project_id
        await ended.execute_update(ProjectWorkflow.withdraw, StaffAction(actor=STAFF, reason="no longer running"))
        await ended.result()
        programme = await open_programme(client, task_queue, now, 2043)

        assert await people_calls.forget_lead(client, running_id, LEAD) is True
        assert (await wait_for(running, lambda s: s.lead == ERASED_PERSON)).lead == ERASED_PERSON
        assert await people_calls.forget_lead(client, running_id, LEAD) is True, "idempotent: taken, no change"
        assert await people_calls.forget_lead(client, ended_id, LEAD) is False, "ended: nothing in flight"
        assert await people_calls.forget_lead(client, "0123456789abcdef0123456789abcdef", LEAD) is False
        assert await people_calls.forget_lead(client, "not a project id!", LEAD) is False

        assert await people_calls.forget_application(client, 2043, "app-1") is True
        assert await people_calls.forget_application(client, 2044, "app-1") is False, "no programme that year"
        assert await people_calls.forget_programme_lead(client, 2043, PROGRAMME_LEAD) is True
        assert await people_calls.forget_programme_lead(client, 2044, PROGRAMME_LEAD) is False
        forgotten = await programme.query(Programme.status)
    assert forgotten.lead == ERASED_PERSON and forgotten.forgotten_applications == ["app-1"]


async def test_with_temporal_away_forgetting_raises_what_the_api_answers_503() -> None:
    client = await Client.connect(
        f"127.0.0.1:{free_port()}", data_converter=codec_converter(), retry_config=API_RETRY, lazy=True
    )
    calls = (
        people_calls.forget_lead(client, "0123456789abcdef0123456789abcdef", LEAD),
        people_calls.forget_application(client, 2043, "app-1"),
        people_calls.forget_programme_lead(client, 2043, PROGRAMME_LEAD),
    )
    for call in calls:
        with pytest.raises(Exception) as away:
            await call
        answer = failure_to_api_error(away.value, caller_is_partner=False)
        assert answer is not None and answer.status_code == 503, repr(away.value)
