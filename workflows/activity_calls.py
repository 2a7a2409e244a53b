"""Typed wrappers for every activity the workflows call: name, timeouts and retry policy in one place.

Workflows never import activity implementations (they would drag SQLAlchemy into the sandbox);
they call activities by name through these helpers. `ACTIVITY_NAMES` is asserted equal to what
worker.py registers, so a renamed activity fails CI instead of wedging workflows in production.
"""

from __future__ import annotations

from datetime import timedelta

from temporalio import workflow
from temporalio.common import RetryPolicy

with workflow.unsafe.imports_passed_through():
    from domain.events import EmailDelivery, ProjectChanges, RecordResult

RECORD_PROJECT_CHANGES = "record_project_changes"
DELIVER_EMAILS = "deliver_emails"
ACTIVITY_NAMES = frozenset({RECORD_PROJECT_CHANGES, DELIVER_EMAILS})

# 👉 No maximum_attempts: a database outage must delay the read model, never lose an event.
# The backoff caps at one minute so the read model catches up soon after the database returns.
_RECORD_RETRY = RetryPolicy(initial_interval=timedelta(seconds=1), maximum_interval=timedelta(minutes=1))
_DELIVERY_RETRY = RetryPolicy(
    initial_interval=timedelta(seconds=5),
    maximum_interval=timedelta(minutes=10),
    non_retryable_error_types=["InvalidAddress"],
)


async def record_project_changes(changes: ProjectChanges) -> RecordResult:
    """Append the events, upsert the read model and queue e-mails, in one transaction."""
    result: RecordResult = await workflow.execute_activity(
        RECORD_PROJECT_CHANGES,
        changes,
        result_type=RecordResult,
        # A batch commits in milliseconds; a worker that died mid-write is noticed after this.
        start_to_close_timeout=timedelta(seconds=10),
        retry_policy=_RECORD_RETRY,
    )
    return result


async def deliver_emails(delivery: EmailDelivery) -> None:
    """Send the queued e-mails of these events over SMTP; already-sent ones are skipped."""
    await workflow.execute_activity(
        DELIVER_EMAILS,
        delivery,
        start_to_close_timeout=timedelta(minutes=2),
        retry_policy=_DELIVERY_RETRY,
    )
