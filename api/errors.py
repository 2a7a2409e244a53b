"""Every error the API answers with, mapped in one place; detail strings are constants.

Why constants: tests and the OpenAPI `responses=` reuse them, and no code ever matches on an
exception's message text (Temporal's and SQLAlchemy's wording changes between releases). What a
client sent never causes a 500: validation is 422, a refusal by the workflow is the status its
`RefusalKind` names, and an outage of Temporal or the database is 503 with `Retry-After`, as is a
workflow that cannot make progress (`stuck`: its tasks fail on every attempt, e.g. after a bad deploy).
Anything else is a bug: `api.middleware` answers 500 with a correlation id and logs the rest.
`failure_to_api_error` is the one mapping: the exception handlers below and the pages both use it;
what each Temporal failure means (and its one status and code) is classified in `api.temporal_refusals`.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

from fastapi import FastAPI, Request, status
from fastapi.responses import JSONResponse
from sqlalchemy.exc import InterfaceError, OperationalError
from temporalio.client import RPCTimeoutOrCancelledError, WorkflowQueryFailedError, WorkflowUpdateFailedError
from temporalio.exceptions import WorkflowAlreadyStartedError
from temporalio.service import RPCError

from api.error_shape import error_body
from api.temporal_refusals import (
    ENDED_CODE,
    SERVER_AWAY,
    guard_refused,
    is_connect_failure,
    is_not_found,
    refusal_of,
    workflow_cannot_answer,
)
from api.validation_errors import install_validation_handlers
from domain.lifecycle import Party
from domain.rules import RefusalKind

NOT_AUTHENTICATED = "A valid API key is required: send 'Authorization: Bearer <key>'."
FORBIDDEN = "This API key's role may not do this."
PARTNER_SCOPE = "A partner key may only act for its own partner organisation."
PROJECT_NOT_FOUND = "Project not found."
PARTNER_NOT_FOUND = "Partner not found."
KEY_NOT_FOUND = "API key not found."
TEMPLATE_NOT_FOUND = "Template not found."
WORKFLOW_NOT_FOUND = "Not found."
UNKNOWN_TEMPLATE = "There is no template of that name."
UNKNOWN_PARTNER = "There is no partner with that id."
IDEMPOTENCY_KEY_REUSED = "This Idempotency-Key was already used for a different request."
ALREADY_STARTED = "That process has already been started."
PROJECT_ENDED = "The project has ended and takes no more input."
SERVICE_UNAVAILABLE = "A service Engage depends on is unavailable; retry shortly."
INTERNAL_ERROR = "Internal error; quote the correlation id when reporting it."
REQUEST_INVALID = "The request is invalid."
PARTNER_EXISTS = "A partner organisation of that name is already registered (compared ignoring case and spacing)."
RESPONDENT_EXISTS = "Someone with that e-mail address is already a respondent of this project."
SURVEY_NOT_FOUND = "This survey link is not known. Check that the whole link was copied."
SURVEY_CLOSED = "This survey has closed: its link no longer takes answers."
SURVEY_EXPIRED = "This survey link has expired."
SURVEY_ANSWERED = "This survey has already been answered with this link; the first answer is kept."
SURVEY_OPTED_OUT = "You have opted out of these surveys, so this link no longer takes answers."
FOLLOW_UP_FINISHED = "Every follow-up wave of this project has closed; there is nothing left to reschedule."
UPLOAD_TOO_LARGE = "The uploaded file is too large."
TOO_MANY_REQUESTS = (
    "Too many requests from this address, with this key or for this link: wait the seconds in Retry-After."
)
TOO_MANY = "TooManyRequests"
WORKFLOW_STUCK = (
    "This process has stopped making progress: its workflow fails each time it runs, so it cannot take "
    "input now. Nothing was changed and operators are alerted; try again later."
)
STUCK_REASON = "the workflow keeps failing, so it takes no input until it is repaired"
STUCK = "stuck"

log = logging.getLogger("engage.api.errors")

RETRY_AFTER_SECONDS = "5"
#: A stuck workflow needs a person (a fix deployed): ask clients to come back later than for an outage.
STUCK_RETRY_AFTER_SECONDS = "60"

#: Failures of a dependency that is down or unreachable, whatever their source.
OUTAGES: tuple[type[BaseException], ...] = (
    RPCTimeoutOrCancelledError,
    OperationalError,
    InterfaceError,
    ConnectionError,
    TimeoutError,
)


class ApiError(Exception):
    """An answer other than success, raised anywhere below a route and rendered by `_api_error`."""

    def __init__(
        self,
        status_code: int,
        detail: str,
        *,
        field: str | None = None,
        reason: str | None = None,
        error: str | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> None:
        super().__init__(detail)
        self.status_code = status_code
        self.detail = detail
        self.field = field
        self.reason = reason
        self.error = error
        self.headers = dict(headers or {})

    def body(self) -> dict[str, Any]:
        """The one error shape (api.error_shape): the field at fault, if one is, in `errors`."""
        errors = [(self.field, self.reason or self.detail)] if self.field is not None else []
        return error_body(self.status_code, self.detail, errors, error=self.error)


def not_found(detail: str) -> ApiError:
    return ApiError(status.HTTP_404_NOT_FOUND, detail)


def forbidden(detail: str = FORBIDDEN) -> ApiError:
    return ApiError(status.HTTP_403_FORBIDDEN, detail)


def unauthenticated() -> ApiError:
    return ApiError(status.HTTP_401_UNAUTHORIZED, NOT_AUTHENTICATED, headers={"WWW-Authenticate": "Bearer"})


def invalid(field: str, reason: str, detail: str | None = None) -> ApiError:
    """A 422 naming the field, shaped like a workflow's InvalidSubmission refusal."""
    return ApiError(
        status.HTTP_422_UNPROCESSABLE_CONTENT,
        detail or reason,
        field=field,
        reason=reason,
        error=RefusalKind.INVALID.value,
    )


def ended(detail: str, field: str) -> ApiError:
    """409 `ProjectEnded` (the one code for "ended", api.temporal_refusals): a process that has completed
    takes no more input, whether a validator said so or Temporal found the run closed."""
    return ApiError(status.HTTP_409_CONFLICT, detail, field=field, reason=detail, error=ENDED_CODE)


def project_ended() -> ApiError:
    return ended(PROJECT_ENDED, "project")


def follow_up_finished() -> ApiError:
    """409 `OutOfTurn` ("already done", not "ended": the project may still be open): every wave has closed."""
    return ApiError(
        status.HTTP_409_CONFLICT,
        FOLLOW_UP_FINISHED,
        field="offsets",
        reason="every wave has closed",
        error=RefusalKind.OUT_OF_TURN.value,
    )


def unavailable() -> ApiError:
    return ApiError(
        status.HTTP_503_SERVICE_UNAVAILABLE, SERVICE_UNAVAILABLE, headers={"Retry-After": RETRY_AFTER_SECONDS}
    )


def too_many_requests(retry_after_seconds: int) -> ApiError:
    """429 `TooManyRequests` (api.rate_limits): over a rate limit; nothing was done, try again later."""
    return ApiError(
        status.HTTP_429_TOO_MANY_REQUESTS,
        TOO_MANY_REQUESTS,
        error=TOO_MANY,
        headers={"Retry-After": str(retry_after_seconds)},
    )


def stuck() -> ApiError:
    """503 for input to a workflow that cannot make progress: a person's words, and a later retry."""
    return ApiError(
        status.HTTP_503_SERVICE_UNAVAILABLE,
        WORKFLOW_STUCK,
        field="project",
        reason=STUCK_REASON,
        error=STUCK,
        headers={"Retry-After": STUCK_RETRY_AFTER_SECONDS},
    )


def failure_to_api_error(exc: BaseException, *, caller_is_partner: bool) -> ApiError | None:
    """THE mapping of Temporal's and the database's failures to an answer; None: a bug (500)."""
    if isinstance(exc, ApiError):
        return exc
    if isinstance(exc, WorkflowUpdateFailedError):
        refusal = refusal_to_api_error(exc, caller_is_partner=caller_is_partner)
        if refusal is not None:
            return refusal
        # 👉 Not a decision of the workflow's (those are typed refusals) but its workflow task failing
        # while it held the update, e.g. the worker's activation guard refusing a raced task: nothing
        # was changed, so the caller may simply try again.
        log.warning("update not taken: its workflow task failed", extra={"cause": type(exc.cause).__name__})
        return unavailable()
    if guard_refused(exc):
        return unavailable()  # a query that raced a pending task: asking again soon is answered
    if workflow_cannot_answer(exc):
        return stuck()  # reads fall back to the read model before this; anything left cannot proceed
    if isinstance(exc, RPCError):
        if is_not_found(exc):
            return not_found(WORKFLOW_NOT_FOUND)
        return unavailable() if exc.status in SERVER_AWAY else None
    if isinstance(exc, WorkflowAlreadyStartedError):
        return ApiError(status.HTTP_409_CONFLICT, ALREADY_STARTED)
    if isinstance(exc, OUTAGES) or is_connect_failure(exc):
        return unavailable()
    return None


def refusal_to_api_error(exc: WorkflowUpdateFailedError, *, caller_is_partner: bool) -> ApiError | None:
    """The answer to a workflow's refusal, or None when the failure is not a refusal (a bug).

    A partner acting on a project it is not part of gets 404 like any stranger: the refusal
    ("this partner is not part of the project") would reveal that the project exists.
    """
    refused = refusal_of(exc)
    if refused is None:
        return None
    if caller_is_partner and refused.kind == RefusalKind.WRONG_PARTY.value and refused.field == "actor":
        return not_found(PROJECT_NOT_FOUND)
    return ApiError(
        refused.status_code, refused.message, field=refused.field, reason=refused.reason, error=refused.kind
    )


def _render(error: ApiError) -> JSONResponse:
    return JSONResponse(error.body(), status_code=error.status_code, headers=error.headers or None)


async def _api_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, ApiError)
    return _render(exc)


async def _mapped(request: Request, exc: Exception) -> JSONResponse:
    principal = getattr(request.state, "principal", None)
    error = failure_to_api_error(exc, caller_is_partner=getattr(principal, "party", None) is Party.PARTNER)
    if error is None:
        raise exc  # not a refusal or an outage: a bug, answered 500 by the correlation middleware
    return _render(error)


def install_error_handlers(app: FastAPI) -> None:
    """Register the mapping. Unexpected exceptions are left to `api.middleware.RequestContext`."""
    app.add_exception_handler(ApiError, _api_error)
    for mapped in (
        WorkflowUpdateFailedError,
        RPCError,
        WorkflowAlreadyStartedError,
        WorkflowQueryFailedError,
        RuntimeError,
        *OUTAGES,
    ):
        app.add_exception_handler(mapped, _mapped)
    install_validation_handlers(app)  # FastAPI's own 422/400/404/405 and pydantic's, in the same shape


def error_responses(*codes: int) -> dict[int | str, dict[str, Any]]:
    """OpenAPI `responses=` for the error codes a route can answer, with their meaning."""
    described = {
        401: NOT_AUTHENTICATED,
        403: FORBIDDEN,
        404: "Unknown, or not visible to this key.",
        409: "Out of turn, already done, or the project has ended.",
        410: "Gone: closed, expired or opted out.",
        413: UPLOAD_TOO_LARGE,
        422: REQUEST_INVALID,
        429: TOO_MANY_REQUESTS,
        503: f"{SERVICE_UNAVAILABLE} Or (error `stuck`): {WORKFLOW_STUCK}",
    }
    return {code: {"description": described.get(code, REQUEST_INVALID)} for code in codes}
