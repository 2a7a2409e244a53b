"""Erasure reaches workflows in flight (issue 14): `forget_lead` on a project and a programme,
`forget_application` on a programme, under the time-skipping server.

The project runs on the real activities and a real database, so "no later e-mail to the old address" is
read from the outbox; the programme runs on stand-in activities (its real ones run in tests/api). Each
signal's payload, as the history holds it, carries a hash or an id and never the address.
"""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from temporalio.api.enums.v1 import EventType as HistoryEventType
from temporalio.client import WorkflowHandle, WorkflowUpdateFailedError
from temporalio.converter import DataConverter
from temporalio.testing import WorkflowEnvironment

from activities.settings import ActivitySettings
from domain.erasure import ERASED_PERSON, ApplicationForgotten, LeadForgotten, email_hash
from domain.exchange import MUSEUM, ApplicationReceived, ExchangeState, PartnerConfirmation, SelectionDecision
from domain.exchange import Shortlisting as ShortlistingOf
from domain.lifecycle import Party, Stage
from domain.rules import RefusalKind
from domain.state import ProjectState
from store.hashing import email_hash as store_email_hash
from store.tables import Event, OutboxEmail, Partner, Project
from tests.workflows.driving import status, submit, wait_for
from tests.workflows.support import (
    _STARTED,
    PARTNER_ID,
    STAFF,
    RecordedActivities,
    refusal,
    stand_in_worker,
    start_project,
    terminate_started,
)
from tests.workflows.test_exchange import open_programme, partner, place_p1s_pair
from tests.workflows.test_real_activities import poll
from worker import build_worker
from workflows.exchange import ExchangeProgrammeWorkflow as Programme
from workflows.project import ProjectWorkflow

Sessions = async_sessionmaker[AsyncSession]
LEAD_ADDRESS = "lead@museum.example"  # tests.workflows.support.project_input's lead
PROGRAMME_LEAD_ADDRESS = "kx@museum.example"  # tests.workflows.test_exchange.open_programme's lead
APPLICATIONS = (("out-p1", "p1"), ("host-p1", MUSEUM), ("extra", MUSEUM))


def test_the_workflows_hash_is_the_stores_hash() -> None:
    # domain/ may not import store/: the two functions must stay one rule.
    for address in ("lead@museum.example", "  Lead@Museum.Example ", "ÅSA@example.org"):
        assert email_hash(address) == store_email_hash(address)


async def signal_payloads(handle: WorkflowHandle[Any, Any], converter: DataConverter) -> dict[str, list[Any]]:
    """Each signal in the run's history, by name, as the JSON its payload decodes to (through the codec)."""
    found: dict[str, list[Any]] = {}
    async for event in handle.fetch_history_events():
        if event.event_type != HistoryEventType.EVENT_TYPE_WORKFLOW_EXECUTION_SIGNALED:
            continue
        attributes = event.workflow_execution_signaled_event_attributes
        decoded = (
            await converter.payload_codec.decode(list(attributes.input.payloads)) if converter.payload_codec else []
        )
        found.setdefault(attributes.signal_name, []).extend(json.loads(p.data) for p in decoded)
    return found


async def test_a_project_forgets_its_lead_and_mails_them_no_more(
    time_skipping_env: WorkflowEnvironment, task_queue: str, sessionmaker: Sessions
) -> None:
    env = time_skipping_env
    async with sessionmaker() as session, session.begin():
        session.add(
            Partner(
                id=PARTNER_ID,
                name="Community Archive",
                contact_name="Archivist",
                contact_email="archive@partner.example",
                created_at=await env.get_current_time(),
            )
        )
    worker = build_worker(
        env.client,
        task_queue=task_queue,
        sessionmaker=sessionmaker,
        activity_settings=ActivitySettings(SMTP_URL=None),
        strict_sandbox=True,
    )
    async with worker:
        try:
            handle = await start_project(env.client, task_queue, "co-curation", await env.get_current_time())
            project_id = (await status(handle)).project_id
            # The first stage's opening is mailed to the lead (`stage_opened: [partners, lead]`).
            before = await poll(lambda: _outbox_to(sessionmaker, project_id, LEAD_ADDRESS))

            await handle.signal(ProjectWorkflow.forget_lead, LeadForgotten(email_hash=email_hash("other@x.example")))
            await handle.signal(
                ProjectWorkflow.forget_lead, LeadForgotten(email_hash=email_hash(" Lead@Museum.Example"))
            )
            forgotten = await wait_for(handle, lambda s: s.lead == ERASED_PERSON)
            await handle.signal(ProjectWorkflow.forget_lead, LeadForgotten(email_hash=email_hash(LEAD_ADDRESS)))

            # A partner's submission is mailed to the lead (`milestone_submitted: [lead]`): no longer.
            await submit(handle, "proposal", Party.PARTNER)
            submitted = await wait_for(handle, lambda s: s.milestone("proposal").status.value == "submitted")

            async def caught_up() -> Project | None:
                async with sessionmaker() as session:
                    row = await session.get(Project, project_id)
                    return row if row is not None and row.event_seq == submitted.event_seq else None

            row = await poll(caught_up)
            payloads = await signal_payloads(handle, env.client.data_converter)
        finally:
            await terminate_started()

    async with sessionmaker() as session:
        events = list(await session.scalars(select(Event).where(Event.project_id == project_id).order_by(Event.seq)))
        outbox = list(await session.scalars(select(OutboxEmail).where(OutboxEmail.project_id == project_id)))
    assert [e.type for e in events].count("lead_forgotten") == 1, "a second signal changed nothing"
    assert forgotten.stage is Stage.PROPOSAL and submitted.lead == ERASED_PERSON
    assert (row.lead_name, row.lead_email) == (ERASED_PERSON.name, ERASED_PERSON.email)
    assert row.state is not None and row.state["lead"] == ERASED_PERSON.model_dump()
    submitted_seq = next(e.seq for e in events if e.type == "milestone_submitted")
    assert not [o for o in outbox if o.event_id == f"{project_id}:{submitted_seq}" and o.audience == "lead"]
    assert [o.event_id for o in outbox if o.to_address == LEAD_ADDRESS] == [o.event_id for o in before]
    assert not [o for o in outbox if o.to_address.endswith(".invalid")]
    expected = ("other@x.example", LEAD_ADDRESS, LEAD_ADDRESS)
    assert payloads["forget_lead"] == [{"email_hash": email_hash(a)} for a in expected], "hashes only"
    assert "@" not in json.dumps(payloads)


async def _outbox_to(sessionmaker: Sessions, project_id: str, address: str) -> list[OutboxEmail]:
    async with sessionmaker() as session:
        found = await session.scalars(
            select(OutboxEmail).where(OutboxEmail.project_id == project_id, OutboxEmail.to_address == address)
        )
        return list(found.all())


async def test_a_programme_forgets_a_pending_application_and_keeps_a_placed_one(
    time_skipping_env: WorkflowEnvironment, task_queue: str
) -> None:
    env = time_skipping_env
    recorded = RecordedActivities()
    async with stand_in_worker(env.client, task_queue, recorded):
        now = await env.get_current_time()
        programme = await open_programme(env.client, task_queue, now, 2041)
        await programme.execute_update(
            Programme.confirm_partner, PartnerConfirmation(partner_id="p1", actor=partner("p1"))
        )
        await env.sleep(timedelta(days=11))
        for application_id, organisation in APPLICATIONS:
            await programme.signal(
                Programme.note_application,
                ApplicationReceived(application_id=application_id, organisation=organisation),
            )
        await env.sleep(timedelta(days=20))  # the call closes: selection
        await programme.execute_update(
            Programme.shortlist, ShortlistingOf(application_id="extra", organisation=MUSEUM, actor=STAFF)
        )
        await programme.execute_update(
            Programme.select_applicants,
            SelectionDecision(partner_id="p1", hosted_application_id="extra", actor=partner("p1")),
        )
        before = await programme.query(Programme.status)

        await programme.signal(Programme.forget_application, ApplicationForgotten(application_id="extra"))
        after = await _settled(programme, lambda s: "extra" not in s.applications)
        await programme.signal(Programme.forget_application, ApplicationForgotten(application_id="extra"))
        await programme.signal(  # a late, mended note_application does not bring it back
            Programme.note_application, ApplicationReceived(application_id="extra", organisation=MUSEUM)
        )
        with pytest.raises(WorkflowUpdateFailedError) as refused:
            await programme.execute_update(
                Programme.shortlist, ShortlistingOf(application_id="extra", organisation=MUSEUM, actor=STAFF)
            )
        again = await programme.query(Programme.status)

        children = await place_p1s_pair(env, programme, now)
        _STARTED.extend(children)
        await programme.signal(Programme.forget_application, ApplicationForgotten(application_id="out-p1"))
        placed = await programme.query(Programme.status)
        payloads = await signal_payloads(programme, env.client.data_converter)

    assert before.applications_by_organisation() == {"p1": 1, MUSEUM: 2}
    assert after.applications_by_organisation() == {"p1": 1, MUSEUM: 1}, "counts drop by one"
    assert "extra" not in after.shortlisted and "extra" not in after.to_acknowledge
    assert after.selections[0].hosted_application_id is None
    assert refusal(refused)[0] == RefusalKind.UNKNOWN
    assert again.applications == after.applications and again.shortlisted == after.shortlisted
    assert "out-p1" in placed.applications and "out-p1" in placed.shortlisted
    assert placed.selections[0].outgoing_application_id == "out-p1"
    assert any(p.application_id == "out-p1" for p in placed.placements), "a placed application stays"
    assert recorded.exchange_events().count("application_forgotten") == 1, "only the pending one was forgotten"
    assert payloads["forget_application"] == [{"application_id": i} for i in ("extra", "extra", "out-p1")]


async def test_a_programme_forgets_its_lead_and_placements_start_without_them(
    time_skipping_env: WorkflowEnvironment, task_queue: str
) -> None:
    env = time_skipping_env
    recorded = RecordedActivities()
    async with stand_in_worker(env.client, task_queue, recorded):
        now = await env.get_current_time()
        programme = await open_programme(env.client, task_queue, now, 2042)
        await programme.execute_update(
            Programme.confirm_partner, PartnerConfirmation(partner_id="p1", actor=partner("p1"))
        )
        for _ in range(2):  # the second changes nothing
            await programme.signal(Programme.forget_lead, LeadForgotten(email_hash=email_hash(PROGRAMME_LEAD_ADDRESS)))
        forgotten = await _settled(programme, lambda s: s.lead == ERASED_PERSON)
        await env.sleep(timedelta(days=11))
        for application_id, organisation in APPLICATIONS:
            await programme.signal(
                Programme.note_application,
                ApplicationReceived(application_id=application_id, organisation=organisation),
            )
        await env.sleep(timedelta(days=20))
        children = await place_p1s_pair(env, programme, now)
        _STARTED.extend(children)
        placement = await _started(env, children[0])
        payloads = await signal_payloads(programme, env.client.data_converter)

    assert forgotten.lead == ERASED_PERSON
    assert placement.lead == ERASED_PERSON, "a placement starts from the programme's forgotten lead"
    assert recorded.exchange_events().count("lead_forgotten") == 1
    assert payloads["forget_lead"] == [{"email_hash": email_hash(PROGRAMME_LEAD_ADDRESS)}] * 2


async def _settled(
    programme: WorkflowHandle[Programme, ExchangeState], done: Any, attempts: int = 200
) -> ExchangeState:
    """Query until `done(state)`: a signal is applied in the workflow's next task."""
    for _ in range(attempts):
        state = await programme.query(Programme.status)
        if done(state):
            return state
    raise AssertionError("the programme never took the signal")


async def _started(env: WorkflowEnvironment, child: WorkflowHandle[ProjectWorkflow, ProjectState]) -> ProjectState:
    for _ in range(200):  # the programme starts children after registering them
        try:
            return await status(child)
        except Exception:
            await env.sleep(timedelta(seconds=1))
    raise AssertionError("the placement never started")
