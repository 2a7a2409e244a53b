"""FastAPI's and Starlette's own refusals, in the one error shape (api/error_shape.py).

Why: without these, a malformed body came back as FastAPI's `{"detail": [{"loc", "msg", "input"}]}`
(echoing the input, a megabyte of it if that is what was sent), a bad body encoding as
`{"detail": "There was an error parsing the body"}`, and an unknown path as `{"detail": "Not Found"}`:
three shapes besides ours. Here each becomes `{"error", "detail", "errors": [{"field", "reason"}]}`
with the field as a dotted path (`lead.email`, `follow_up_schedule.1`) and the validator's reason,
never the input itself.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from fastapi import FastAPI, Request, status
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import ValidationError
from starlette.exceptions import HTTPException as StarletteHTTPException

from api.error_shape import error_body, field_path
from domain.submissions import FieldRuleError

REQUEST_INVALID = "The request is invalid: see `errors` for each field and what is wrong with it."
BODY_UNREADABLE = "The request body could not be read: send JSON with `Content-Type: application/json`."
#: Sentences for Starlette's own answers (its `detail` is a bare status phrase).
STATUS_SENTENCES: Mapping[int, str] = {
    400: BODY_UNREADABLE,
    404: "Nothing is at this address.",
    405: "This address does not take that method: the Allow header lists those it takes.",
}
_VALUE_ERROR_PREFIXES = ("Value error, ", "Assertion failed, ")


def _reason(error: Mapping[str, Any]) -> str:
    message = str(error.get("msg", "is invalid"))
    for prefix in _VALUE_ERROR_PREFIXES:
        message = message.removeprefix(prefix)
    return message


def _loc(error: Mapping[str, Any]) -> list[Any]:
    """Where the error is; a rule across fields (domain FieldRuleError) names the field to change."""
    loc = list(error.get("loc", ()))
    cause = (error.get("ctx") or {}).get("error")
    if isinstance(cause, FieldRuleError):
        loc.append(cause.field)
    return loc


def field_errors(errors: Iterable[Mapping[str, Any]], *, prefix: Sequence[Any] = ()) -> list[tuple[str, str]]:
    """(field, reason) for each pydantic error, without its `input`."""
    return [(field_path([*prefix, *_loc(error)]), _reason(error)) for error in errors]


def invalid_response(errors: list[tuple[str, str]]) -> JSONResponse:
    return JSONResponse(
        error_body(status.HTTP_422_UNPROCESSABLE_CONTENT, REQUEST_INVALID, errors),
        status_code=status.HTTP_422_UNPROCESSABLE_CONTENT,
    )


async def _request_invalid(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    return invalid_response(field_errors(exc.errors()))


async def _model_invalid(request: Request, exc: Exception) -> JSONResponse:
    """A domain model refusing values inside a handler: still the client's input, so 422."""
    assert isinstance(exc, ValidationError)
    return invalid_response(field_errors(exc.errors()))


async def _http_exception(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StarletteHTTPException)
    detail = STATUS_SENTENCES.get(exc.status_code) or (exc.detail if isinstance(exc.detail, str) else "")
    return JSONResponse(error_body(exc.status_code, detail), status_code=exc.status_code, headers=exc.headers)


def install_validation_handlers(app: FastAPI) -> None:
    app.add_exception_handler(RequestValidationError, _request_invalid)
    app.add_exception_handler(ValidationError, _model_invalid)
    app.add_exception_handler(StarletteHTTPException, _http_exception)
