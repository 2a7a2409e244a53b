"""What each failure of a Temporal call means, decided once: the table `api.errors` answers from.

Every call to Temporal goes through `api.temporal_calls`; when one fails, the failure means one of a
few things, and each meaning has ONE HTTP status and ONE `error` code, whichever workflow (project,
follow-up, programme, schedule) and whichever surface (JSON route or page) met it:

| meaning | how it is recognised | answer |
|---|---|---|
| unknown | NOT_FOUND, and `describe()` agrees there is no such run | 404 `NotFound` |
| ended | NOT_FOUND from an update to a run that exists (completed); a validator's refusal | 409 `ProjectEnded` |
| stuck | the workflow's tasks fail on every attempt (`api.workflow_health`) | 503 `stuck`, Retry-After 60 |
| away | Temporal restarting, gone or busy (SERVER_AWAY), our bound expired, no connection | 503 `Unavailable`, 5 |
| refused | a validator's typed refusal (`domain.rules.RefusalKind`) | REFUSAL_STATUS, code = the kind |
| already started | WorkflowAlreadyStartedError | 409 `Conflict` |

This module only classifies (it imports nothing of `api`), so `api.errors` can build the answers from
it and `api.temporal_calls` can decide a read's fallback from it. Never by an exception's message.
"""

from __future__ import annotations

import os
import traceback
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from fastapi import status
from temporalio.client import WorkflowQueryFailedError, WorkflowUpdateFailedError
from temporalio.exceptions import ApplicationError
from temporalio.service import RPCError, RPCStatusCode

from domain.rules import RefusalKind
from workflows.activation_guard import REFUSAL_MESSAGE

#: gRPC statuses that mean "the server went away, is restarting or is overloaded". UNKNOWN is what an
#: in-flight call gets when its connection drops under it ("transport error", seen just after
#: Temporal's SIGTERM); CANCELLED, a stream cut by the server going down.
SERVER_AWAY: frozenset[RPCStatusCode] = frozenset(
    {
        RPCStatusCode.UNKNOWN,
        RPCStatusCode.CANCELLED,
        RPCStatusCode.UNAVAILABLE,
        RPCStatusCode.DEADLINE_EXCEEDED,
        RPCStatusCode.RESOURCE_EXHAUSTED,
    }
)
#: Temporal is up but cannot get a query answered now (no worker took it in time; the one query it
#: holds for a pending task is taken: "consistent query buffer is full").
BUSY: frozenset[RPCStatusCode] = frozenset({RPCStatusCode.DEADLINE_EXCEEDED, RPCStatusCode.RESOURCE_EXHAUSTED})

#: The HTTP status of each refusal a workflow validator can raise (`ApplicationError.type`).
REFUSAL_STATUS: Mapping[str, int] = {
    RefusalKind.INVALID.value: status.HTTP_422_UNPROCESSABLE_CONTENT,
    RefusalKind.OUT_OF_TURN.value: status.HTTP_409_CONFLICT,
    RefusalKind.ENDED.value: status.HTTP_409_CONFLICT,
    RefusalKind.WRONG_PARTY.value: status.HTTP_403_FORBIDDEN,
    RefusalKind.UNKNOWN.value: status.HTTP_404_NOT_FOUND,
}
#: The one code for "this process has ended and takes no more input", for every workflow: the code
#: the validators already raise (`RefusalKind.ENDED`), so a client sees one code however Temporal said it.
ENDED_CODE = RefusalKind.ENDED.value

#: Why a read is not live (`ProjectPublic.live_reason`, and the programme's and follow-up's alike).
NOT_LIVE_STUCK = (
    "The workflow could not answer (it keeps failing, so it cannot make progress): this is the last "
    "recorded state, which may be behind; input is refused until it is repaired."
)
NOT_LIVE_ARCHIVED = "The workflow has ended and Temporal no longer keeps it: this is the last recorded state."
NOT_LIVE_CATCHING_UP = (
    "The workflow is catching up after a worker restart: this is the last recorded state, which may be "
    "behind for a moment."
)
NOT_LIVE_SLOW = (
    "No worker answered in time (a deploy or an outage?): this is the last recorded state, which may be behind."
)


def is_not_found(exc: BaseException) -> bool:
    """Temporal holds no such workflow run (or schedule), or no longer accepts input for it."""
    return isinstance(exc, RPCError) and exc.status == RPCStatusCode.NOT_FOUND


def guard_refused(exc: BaseException) -> bool:
    """A query the worker's activation guard failed because it raced a pending workflow task
    (workflows/activation_guard.py): momentary, the task itself runs and the next query is answered.
    Told by the guard's own message, the only thing a failed query carries back."""
    return isinstance(exc, WorkflowQueryFailedError) and REFUSAL_MESSAGE in exc.message


def workflow_cannot_answer(exc: BaseException) -> bool:
    """A query the workflow cannot answer because it cannot make progress (a read falls back then).

    Either its worker fails the query (`WorkflowQueryFailedError`: replaying it fails, e.g. with a
    nondeterminism error), or Temporal refuses it because the workflow task keeps failing
    (FAILED_PRECONDITION, "Workflow Task in failed state"): both are seen on a wedged project.
    """
    if isinstance(exc, WorkflowQueryFailedError):
        return not guard_refused(exc)
    return isinstance(exc, RPCError) and exc.status == RPCStatusCode.FAILED_PRECONDITION


def is_connect_failure(exc: BaseException) -> bool:
    """The SDK's lazy client failing to (re)connect: a bare RuntimeError raised from its connect step.

    Recognised by where it was raised (the SDK's `_connected_client`), never by its message.
    """
    if type(exc) is not RuntimeError:
        return False
    return any(
        frame.name == "_connected_client" and frame.filename.endswith(f"temporalio{os.sep}service.py")
        for frame in traceback.extract_tb(exc.__traceback__)
    )


def why_not_live(exc: BaseException, *, bound_expired: bool) -> str | None:
    """Why a failed query should fall back to the read model (a NOT_LIVE_* reason), or None: raise it.

    Our own bound expired or Temporal is busy: slow; the workflow cannot answer: stuck; Temporal no
    longer keeps the run: archived. Anything else (Temporal gone) is the caller's to map (503).
    """
    if bound_expired or (isinstance(exc, RPCError) and exc.status in BUSY):
        return NOT_LIVE_SLOW
    if guard_refused(exc):
        return NOT_LIVE_CATCHING_UP
    if workflow_cannot_answer(exc):
        return NOT_LIVE_STUCK
    if is_not_found(exc):
        return NOT_LIVE_ARCHIVED
    return None


@dataclass(frozen=True)
class Refused:
    """A validator's typed refusal, read from the update's failure: what `api.errors` answers with."""

    kind: str
    status_code: int
    message: str
    field: str | None
    reason: str


def refusal_of(exc: WorkflowUpdateFailedError) -> Refused | None:
    """The refusal a workflow's validator raised, or None when the failure is not a typed refusal."""
    cause = exc.cause
    if not isinstance(cause, ApplicationError):
        return None
    status_code = REFUSAL_STATUS.get(cause.type or "")
    if status_code is None:
        return None
    first = cause.details[0] if cause.details else None
    details: Mapping[str, Any] = first if isinstance(first, Mapping) else {}
    field = str(details.get("field")) if details.get("field") is not None else None
    return Refused(cause.type or "", status_code, cause.message, field, str(details.get("reason", cause.message)))
