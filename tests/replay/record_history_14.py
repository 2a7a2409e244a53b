"""Record issue 14's shapes: `python -m tests.replay.record_history_14`.

Erasure reaches workflows in flight: a project whose lead is forgotten part-way (`forget_lead`, sent
three times: another person's hash, the lead's, the lead's again) and then declined
(project-lead-forgotten-v1.json); a programme year that forgets a shortlisted, selected applicant and
its own lead, is told to forget a placed applicant (kept), and runs to its close
(exchange-forgets-applicant-v1.json). Same rules as tests/replay/record_history.py: a file that
exists is left alone, never regenerated; the data is fictional, and every payload is encrypted by the
test key (tests/temporal_env.py).
"""

from __future__ import annotations

import asyncio
import sys
from datetime import timedelta

from temporalio.client import WorkflowHandle
from temporalio.testing import WorkflowEnvironment

from domain.erasure import ApplicationForgotten, LeadForgotten, email_hash
from domain.exchange import MUSEUM, ApplicationReceived, ExchangeState, PartnerConfirmation, SelectionDecision
from domain.exchange import Shortlisting as ShortlistingOf
from domain.lifecycle import Party, Stage
from domain.submissions import Decision
from tests.replay.record_history import HISTORIES, Histories, _record_with
from tests.workflows.driving import complete_stage, review, status, submit, wait_for
from tests.workflows.support import _STARTED, CATALOG, STAFF, start_project
from workflows.exchange import ExchangeProgrammeWorkflow as Programme
from workflows.project import ProjectWorkflow

#: The fictional leads of tests.workflows.support.project_input and tests.workflows.test_exchange.open_programme.
PROJECT_LEAD = "lead@museum.example"
PROGRAMME_LEAD = "kx@museum.example"
PROJECT_HISTORY = HISTORIES / "project-lead-forgotten-v1.json"
PROGRAMME_HISTORY = HISTORIES / "exchange-forgets-applicant-v1.json"


async def project_forgets_its_lead(env: WorkflowEnvironment, task_queue: str) -> Histories:
    handle = await start_project(
        env.client, task_queue, "co-curation", await env.get_current_time(), project_id="history-lead-forgotten"
    )
    await submit(handle, "proposal", Party.PARTNER)
    for address in ("someone.else@museum.example", PROJECT_LEAD, PROJECT_LEAD):
        await handle.signal(ProjectWorkflow.forget_lead, LeadForgotten(email_hash=email_hash(address)))
    await wait_for(handle, lambda s: s.lead.email.endswith(".invalid"))
    await review(handle, "proposal", Decision.DECLINE, note="Not this year")
    await handle.result()
    return {PROJECT_HISTORY: await handle.fetch_history()}


async def forgetting_year(
    env: WorkflowEnvironment, task_queue: str, year: int
) -> WorkflowHandle[Programme, ExchangeState]:
    """One partner confirms; three apply; `extra` is shortlisted and selected as p1's host, then forgotten,
    as is the programme's lead; p1's pair is placed, and forgetting `out-p1` (placed) changes nothing."""
    from tests.workflows.test_exchange import open_programme, partner, place_p1s_pair  # test helpers

    now = await env.get_current_time()
    programme = await open_programme(env.client, task_queue, now, year)
    await programme.execute_update(Programme.confirm_partner, PartnerConfirmation(partner_id="p1", actor=partner("p1")))
    await env.sleep(timedelta(days=11))
    for application_id, organisation in (("out-p1", "p1"), ("host-p1", MUSEUM), ("extra", MUSEUM)):
        await programme.signal(
            Programme.note_application, ApplicationReceived(application_id=application_id, organisation=organisation)
        )
    await env.sleep(timedelta(days=20))
    await programme.execute_update(
        Programme.shortlist, ShortlistingOf(application_id="extra", organisation=MUSEUM, actor=STAFF)
    )
    await programme.execute_update(
        Programme.select_applicants,
        SelectionDecision(partner_id="p1", hosted_application_id="extra", actor=partner("p1")),
    )
    await programme.signal(Programme.forget_application, ApplicationForgotten(application_id="extra"))
    await programme.signal(Programme.forget_lead, LeadForgotten(email_hash=email_hash(PROGRAMME_LEAD)))
    children = await place_p1s_pair(env, programme, now)
    _STARTED.extend(children)
    await programme.signal(Programme.forget_application, ApplicationForgotten(application_id="out-p1"))
    template = CATALOG.latest("knowledge-exchange-placement")
    assert template is not None
    for child in children:
        for _ in range(200):  # the programme starts children after registering them
            try:
                await status(child)
                break
            except Exception:
                await env.sleep(timedelta(seconds=1))
        stage = Stage.PROPOSAL
        while stage is not Stage.FOLLOW_UP:
            stage = await complete_stage(env, child, template)
    return programme


async def programme_forgets_an_applicant(env: WorkflowEnvironment, task_queue: str) -> Histories:
    programme = await forgetting_year(env, task_queue, 2033)
    await programme.result()
    return {PROGRAMME_HISTORY: await programme.fetch_history()}


async def record_all() -> list[str]:
    written: list[str] = []
    for path, scenario in (
        (PROJECT_HISTORY, project_forgets_its_lead),
        (PROGRAMME_HISTORY, programme_forgets_an_applicant),
    ):
        if not path.exists():
            await _record_with(scenario)
            written.append(path.name)
    return written


if __name__ == "__main__":
    names = asyncio.run(record_all())
    sys.stdout.write(f"written: {', '.join(names) or 'nothing (all exist, left alone)'}\n")
