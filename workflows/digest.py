"""WeeklyDigestWorkflow: this week's digest e-mail to every staff member with something to hear.

Started every Monday at 07:00 Europe/London by the Temporal Schedule `engage-weekly-digest`
(api/digest/schedule.py, written at worker start-up), with the id `digest-<fire time>`. No handlers.
Activities: queue_weekly_digest(DigestRequest) -> DigestResult — reads what waits on each person's
projects as of this workflow's clock (`workflow.now()`, the start time: the same on every replay) and
queues one outbox row per person, keyed by account and ISO week, so a re-run week queues nothing
new; then deliver_emails(EmailDelivery) sends the week's queued rows (skipped when none wait, e.g.
with no SMTP configured: the digests are then only shown in the dashboard's outbox).
The history holds the week and counts only: no name, address or project title.
"""

from __future__ import annotations

from temporalio import workflow

with workflow.unsafe.imports_passed_through():
    from domain.digest import DigestRequest, DigestResult
    from domain.events import EmailDelivery
    from workflows import activity_calls
    from workflows.naming import WEEKLY_DIGEST_WORKFLOW


@workflow.defn(name=WEEKLY_DIGEST_WORKFLOW)
class WeeklyDigestWorkflow:
    @workflow.run
    async def run(self) -> DigestResult:
        request = DigestRequest(now=workflow.now(), workflow_id=workflow.info().workflow_id)
        result = await activity_calls.queue_weekly_digest(request)
        if result.awaiting_delivery:
            await activity_calls.deliver_emails(EmailDelivery(event_ids=(result.event_id,)))
        return result
