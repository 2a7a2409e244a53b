"""An update that fails without a refusal (its workflow task failed while holding it) is retryable."""

from __future__ import annotations

from temporalio.client import WorkflowUpdateFailedError
from temporalio.exceptions import ApplicationError

from api.errors import SERVICE_UNAVAILABLE, failure_to_api_error
from domain.rules import RefusalKind


def test_an_update_whose_task_failed_answers_503_with_retry_after() -> None:
    # What the client sees when the worker's activation guard refuses the task that held the update.
    failed = WorkflowUpdateFailedError(ApplicationError("Engage refused an activation built from history ..."))
    error = failure_to_api_error(failed, caller_is_partner=False)
    assert error is not None
    assert error.status_code == 503
    assert error.detail == SERVICE_UNAVAILABLE
    assert error.headers is not None and error.headers["Retry-After"].isdigit()


def test_a_refusal_still_answers_with_its_own_status() -> None:
    refused = WorkflowUpdateFailedError(
        ApplicationError("not now", {"field": "milestone_key", "reason": "not now"}, type=RefusalKind.OUT_OF_TURN.value)
    )
    error = failure_to_api_error(refused, caller_is_partner=False)
    assert error is not None and error.status_code == 409
