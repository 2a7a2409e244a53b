"""RetentionWorkflow: one day's erasure of the personal data that has outlived its retention period.

Started daily by the Temporal Schedule `engage-retention` (api/retention/schedule.py, written at worker
start-up), with the id `retention-<fire time>`. No handlers: nothing talks to it while it runs.
Activity: erase_expired_personal_data(RetentionRequest) -> RetentionResult — the cut-offs are measured
from this workflow's clock (`workflow.now()`, the start time: the same on every replay), and the run's
id (stable across the activity's retries) keys its `retention_run` row. No personal data in the input,
the result or the id: the history holds counts and times only.
"""

from __future__ import annotations

from temporalio import workflow

with workflow.unsafe.imports_passed_through():
    from domain.retention import RetentionRequest, RetentionResult
    from workflows import activity_calls
    from workflows.naming import RETENTION_WORKFLOW


@workflow.defn(name=RETENTION_WORKFLOW)
class RetentionWorkflow:
    @workflow.run
    async def run(self) -> RetentionResult:
        info = workflow.info()
        request = RetentionRequest(now=workflow.now(), run_id=info.run_id, workflow_id=info.workflow_id)
        return await activity_calls.erase_expired_personal_data(request)
