"""Whether a workflow can make progress: what the API and `make reconcile` ask when it will not answer.

A workflow is *stuck* when its workflow tasks fail on every attempt (a nondeterminism error after a
bad deploy, a bug that raises in workflow code): Temporal retries the task for ever, queries fail or
are refused, and Updates are never accepted. Two signs, read from Temporal, never from an error
message: the pending workflow task is past its first attempt (`describe`), or the most recent
workflow-task outcome in the history is a failure (the first failure of a task is recorded; its
retries are not, so this also catches a task that failed while the server still shows attempt 1).
"""

from __future__ import annotations

import asyncio

from temporalio.api.common.v1 import WorkflowExecution
from temporalio.api.enums.v1 import WorkflowTaskFailedCause
from temporalio.api.workflowservice.v1 import GetWorkflowExecutionHistoryReverseRequest
from temporalio.client import Client

#: How far back from the end of a history to look for the last workflow-task outcome.
TAIL_EVENTS = 100
TIMEOUT_SECONDS = 10.0


async def last_task_failure(client: Client, workflow_id: str) -> str | None:
    """The cause Temporal recorded ("NON_DETERMINISTIC_ERROR") when the workflow's most recent
    workflow-task outcome is a failure; None when it completed (or timed out: a worker went away).

    Only the cause, an enum: never the failure's message, which can quote the workflow's data.
    """
    request = GetWorkflowExecutionHistoryReverseRequest(
        namespace=client.namespace,
        execution=WorkflowExecution(workflow_id=workflow_id),
        maximum_page_size=TAIL_EVENTS,
    )
    async with asyncio.timeout(TIMEOUT_SECONDS):
        tail = await client.workflow_service.get_workflow_execution_history_reverse(request)
    for event in tail.history.events:
        if event.HasField("workflow_task_failed_event_attributes"):
            cause = event.workflow_task_failed_event_attributes.cause
            return WorkflowTaskFailedCause.Name(cause).removeprefix("WORKFLOW_TASK_FAILED_CAUSE_")
        if event.HasField("workflow_task_completed_event_attributes") or event.HasField(
            "workflow_task_timed_out_event_attributes"
        ):
            return None
    return None


async def is_stuck(client: Client, workflow_id: str) -> bool:
    """True when the workflow's tasks are failing (see the module's two signs)."""
    async with asyncio.timeout(TIMEOUT_SECONDS):
        described = await client.get_workflow_handle(workflow_id).describe()
    raw = described.raw_description
    if raw.HasField("pending_workflow_task") and raw.pending_workflow_task.attempt > 1:
        return True
    return await last_task_failure(client, workflow_id) is not None
