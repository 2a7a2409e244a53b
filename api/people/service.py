"""Export and erase one person's data: the store does the reading and scrubbing, this module orders the
steps so that an erasure is durable, and records each action in the audit trail.

Erasure, in this order:
1. read which workflows in flight hold the person (project and programme leads, applications: ids);
2. tell each of them to forget the person (signals that must reach; Temporal away is a 503 and
   nothing has been erased yet, so the admin simply retries);
3. one transaction: scrub every record and suppress the address (`store.people.erasure.erase_person`)
   and write the `person_erased` audit entry (the admin's reason and the counts, never the address);
4. any workflow target found only in step 3 (an application that arrived meanwhile) is told then.
A workflow told in step 2 whose activity rewrites the read model afterwards writes the placeholder the
workflow now holds, so steps 2-3 never resurrect the person. Repeating the call is safe: everything
is idempotent, and a repeat says `nothing_left`.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

from sqlalchemy.ext.asyncio import AsyncSession
from temporalio.client import Client

from api.auth import Principal, audit_trail
from api.people import calls as people_calls
from api.people.schemas import ErasureDone, ErasureRequest, PersonExport, WorkflowsTold
from store.hashing import email_hash
from store.people.erasure import ErasedCounts, ErasureCounts, ErasureTargets, erase_person, workflow_targets
from store.people.names import names_held
from store.people.reads import held_about


async def export_person(session: AsyncSession, email: str, *, by: Principal) -> PersonExport:
    """Everything held about `email`, committed with a `person_exported` entry (how many records, not whose)."""
    held = await held_about(session, email)
    now = datetime.now(UTC)
    await audit_trail(session, by, "person_exported", uuid.uuid4().hex, now, detail={"records": held.records})
    await session.commit()
    return held


async def _tell(client: Client, targets: ErasureTargets, digest: str) -> WorkflowsTold:
    projects = [await people_calls.forget_lead(client, p, digest) for p in targets.lead_of_projects]
    programmes = [await people_calls.forget_programme_lead(client, y, digest) for y in targets.lead_of_programmes]
    applications = [await people_calls.forget_application(client, y, a) for y, a in targets.applications]
    return WorkflowsTold(projects=sum(projects), programmes=sum(programmes), applications=sum(applications))


def _not_yet_told(found: ErasureTargets, told: ErasureTargets) -> ErasureTargets:
    return ErasureTargets(
        lead_of_projects=[p for p in found.lead_of_projects if p not in told.lead_of_projects],
        lead_of_programmes=[y for y in found.lead_of_programmes if y not in told.lead_of_programmes],
        applications=[a for a in found.applications if a not in told.applications],
    )


def _with_leads_forgotten(erased: ErasureCounts, told: ErasureTargets) -> ErasedCounts:
    """The counts, with every project and programme the person led counted as erased: a workflow told in
    step 2 may already have written its placeholder lead into the read model before step 3 looked."""
    projects = set(erased.lead_of_projects) | set(told.lead_of_projects)
    programmes = set(erased.lead_of_programmes) | set(told.lead_of_programmes)
    return erased.counts.model_copy(update={"project_leads": len(projects), "programme_leads": len(programmes)})


async def erase(session: AsyncSession, client: Client, body: ErasureRequest, *, by: Principal) -> ErasureDone:
    """Erase the person everywhere (records, outbox, workflows in flight) and suppress their address."""
    digest = email_hash(body.email)
    targets = await workflow_targets(session, body.email)
    names = await names_held(session, body.email.strip().lower(), digest)  # before a workflow overwrites one
    await session.rollback()  # end the read: no transaction held open while Temporal is called
    told = await _tell(client, targets, digest)
    now = datetime.now(UTC)
    erased = await erase_person(session, body.email, now, names_known=names)
    counts = _with_leads_forgotten(erased, targets)
    erasure_id = uuid.uuid4().hex
    detail = {"reason": body.reason, "counts": counts.model_dump()}
    await audit_trail(session, by, "person_erased", erasure_id, now, detail=detail)
    await session.commit()
    late = await _tell(client, _not_yet_told(erased, targets), digest)
    return ErasureDone(
        erasure_id=erasure_id,
        counts=counts,
        workflows_told=WorkflowsTold(
            projects=told.projects + late.projects,
            programmes=told.programmes + late.programmes,
            applications=told.applications + late.applications,
        ),
        nothing_left=counts.total == 0,
    )
