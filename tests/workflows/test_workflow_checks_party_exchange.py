"""The Knowledge Exchange programme checks who acts for every Update (issue 13), not only the API.

Sent straight to Temporal with raw JSON, the way any client that can reach the server could: a
partner of the programme cannot confirm or select for ANOTHER partner, nor replace a partner,
shortlist, match or move placements (staff work); it is refused `WrongParty` by the workflow's own
validators and nothing changes. The rightful actor then does each of them: a partner confirms and
selects for itself, staff confirm for a partner and do the rest.

Runs on the real dev server (the time-skipping test server stops skipping after a rejected update),
so the programme's dates are set around the real clock: applications have already closed (the
programme is in selection at once) and partners have a few seconds to confirm.
"""

from __future__ import annotations

import asyncio
import contextlib
from datetime import date, datetime, timedelta
from typing import Any

import pytest
from temporalio.client import WorkflowUpdateFailedError
from temporalio.service import RPCError
from temporalio.testing import WorkflowEnvironment

from domain.exchange import ExchangeInput, ExchangeState, PartnerStatus, Phase, PlacementWindow, ProgrammeWindow
from domain.rules import RefusalKind
from domain.submissions import Person
from tests.api.exchange_support import fresh_year
from tests.workflows.support import _STARTED, CATALOG, RecordedActivities, refusal, stand_in_worker
from workflows.exchange import ExchangeProgrammeWorkflow
from workflows.naming import exchange_workflow_id, project_workflow_id

#: A year no other test opens on the shared dev server (a year's workflow id is `exchange/{year}`):
#: drawn from the same pool as the HTTP tests' years, so the two can never meet.
YEAR = fresh_year()
CONFIRM_WITHIN = timedelta(seconds=8)
STAFF_ACTOR = {"party": "staff", "label": "Programme lead"}


def partner(partner_id: str) -> dict[str, str]:
    return {"party": "partner", "partner_id": partner_id, "label": partner_id.upper()}


def monday_after(moment: datetime, days: int) -> date:
    day = (moment + timedelta(days=days)).date()
    return day + timedelta(days=(7 - day.weekday()) % 7)


async def _refused(handle: Any, update: str, payload: dict[str, Any]) -> tuple[str | None, str]:
    """Send `update` straight to Temporal; it must be refused. Returns the refusal's (type, field)."""
    with pytest.raises(WorkflowUpdateFailedError) as err:
        await handle.execute_update(update, payload, result_type=dict)
    kind, detail = refusal(err)
    return kind, detail["field"]


async def _programme(handle: Any) -> ExchangeState:
    state: ExchangeState = await handle.query("status", result_type=ExchangeState)
    return state


async def test_a_partner_cannot_act_for_another_partner_nor_do_staff_work_on_a_programme_even_via_temporal(
    temporal_dev_env: WorkflowEnvironment, task_queue: str
) -> None:
    env = temporal_dev_env
    now = await env.get_current_time()
    template = CATALOG.latest("knowledge-exchange-placement")
    assert template is not None
    start = ExchangeInput(
        year=YEAR,
        partner_ids=("p1", "p2", "p3"),
        confirm_by=now + CONFIRM_WITHIN,
        applications=ProgrammeWindow(opens_at=now - timedelta(days=2), closes_at=now - timedelta(days=1)),
        placements=PlacementWindow(
            starts_on=(now + timedelta(days=30)).date(), ends_on=(now + timedelta(days=120)).date()
        ),
        lead=Person(name="Programme Lead", email="kx@museum.example"),
        placement_template=template,
        created_at=now,
    )
    starts_on = monday_after(now, 31)
    placement_id = f"kx{YEAR}-p1-in"
    async with stand_in_worker(env.client, task_queue, RecordedActivities()):
        _STARTED.append(
            await env.client.start_workflow(
                ExchangeProgrammeWorkflow.run, start, id=exchange_workflow_id(YEAR), task_queue=task_queue
            )
        )
        handle = env.client.get_workflow_handle(exchange_workflow_id(YEAR))
        try:
            selection = {"partner_id": "p1", "outgoing_application_id": "out-p1", "hosted_application_id": "host-p1"}
            match = {"placements": [{"partner_id": "p1", "direction": "to_museum", "starts_on": starts_on.isoformat()}]}
            move = {"placement_id": placement_id, "starts_on": (starts_on + timedelta(days=7)).isoformat()}
            refusals = {
                "confirm_partner for another": await _refused(
                    handle, "confirm_partner", {"partner_id": "p1", "actor": partner("p2")}
                ),
                "select_applicants for another": await _refused(
                    handle, "select_applicants", {**selection, "actor": partner("p2")}
                ),
                "replace_partner": await _refused(
                    handle,
                    "replace_partner",
                    {"partner_id": "p3", "replacement_partner_id": "p4", "actor": partner("p1")},
                ),
                "shortlist": await _refused(
                    handle, "shortlist", {"application_id": "out-p1", "organisation": "p1", "actor": partner("p1")}
                ),
                "match_placements": await _refused(handle, "match_placements", {**match, "actor": partner("p1")}),
                "move_placement": await _refused(handle, "move_placement", {**move, "actor": partner("p1")}),
            }
            unchanged = await _programme(handle)

            # The rightful actors, each in turn: the same programme accepts every one.
            await handle.execute_update("confirm_partner", {"partner_id": "p1", "actor": partner("p1")})
            await handle.execute_update("confirm_partner", {"partner_id": "p2", "actor": STAFF_ACTOR})
            await handle.signal("note_application", {"application_id": "out-p1", "organisation": "p1"})
            await handle.signal("note_application", {"application_id": "host-p1", "organisation": "museum"})
            for application_id, organisation in (("out-p1", "p1"), ("host-p1", "museum")):
                listing = {"application_id": application_id, "organisation": organisation, "actor": STAFF_ACTOR}
                await handle.execute_update("shortlist", listing)
            await handle.execute_update("select_applicants", {**selection, "actor": partner("p1")})
            await handle.execute_update("match_placements", {**match, "actor": STAFF_ACTOR})
            await handle.execute_update("move_placement", {**move, "actor": STAFF_ACTOR})
            for _ in range(400):  # p3 never confirms: it lapses at its deadline, a few seconds away
                slot = (await _programme(handle)).slot("p3")
                if slot is not None and slot.status is PartnerStatus.LAPSED:
                    break
                await asyncio.sleep(0.05)
            replacement = {"partner_id": "p3", "replacement_partner_id": "p4", "actor": STAFF_ACTOR}
            await handle.execute_update("replace_partner", replacement)
            done = await _programme(handle)
        finally:
            with contextlib.suppress(RPCError):  # the placement's own project, started by the match
                await env.client.get_workflow_handle(project_workflow_id(placement_id)).terminate("test finished")

    assert refusals == {
        "confirm_partner for another": (RefusalKind.WRONG_PARTY, "partner_id"),
        "select_applicants for another": (RefusalKind.WRONG_PARTY, "partner_id"),
        "replace_partner": (RefusalKind.WRONG_PARTY, "actor"),
        "shortlist": (RefusalKind.WRONG_PARTY, "actor"),
        "match_placements": (RefusalKind.WRONG_PARTY, "actor"),
        "move_placement": (RefusalKind.WRONG_PARTY, "actor"),
    }
    assert unchanged.phase is Phase.SELECTION
    assert [s.status for s in unchanged.partners] == [PartnerStatus.PENDING] * 3
    assert (unchanged.shortlisted, unchanged.selections, unchanged.placements) == ([], [], [])
    assert [(s.partner_id, s.status) for s in done.partners] == [
        ("p1", PartnerStatus.CONFIRMED),
        ("p2", PartnerStatus.CONFIRMED),
        ("p3", PartnerStatus.REPLACED),
        ("p4", PartnerStatus.PENDING),
    ]
    assert done.shortlisted == ["out-p1", "host-p1"]
    assert [(s.partner_id, s.outgoing_application_id, s.hosted_application_id) for s in done.selections] == [
        ("p1", "out-p1", "host-p1")
    ]
    assert [(p.id, p.starts_on) for p in done.placements] == [(placement_id, starts_on + timedelta(days=7))]
