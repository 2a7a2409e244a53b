"""The OpenAPI document says every status a route can answer, in the one error shape, and what
every parameter means.

Why a pass over the generated document: some answers do not come from a route's own code but from
what the route is built on, and are the same for every route so built. A route that reads a body
can be answered 413 (api.http_guards) and 422 (validation); one behind a key, 401; anything that
touches the database or Temporal, 503 when they are away (only `/healthz` touches neither). Routes
still declare their own 403/404/409/410 with `error_responses(...)`. Each error answer is described
with the `ErrorBody` schema (api.error_shape), replacing FastAPI's `HTTPValidationError`, which is
not what the API sends. Path and query parameters named the same way mean the same thing
everywhere, so they are described once, here, unless a route describes its own.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi
from pydantic import BaseModel, Field

from api.access import NOTES, ROUTES, RULES
from api.errors import error_responses
from api.validation_errors import BODY_UNREADABLE

BODY_TOO_LARGE = "The body is larger than this API accepts (ENGAGE_MAX_BODY_BYTES, 1 MiB by default)."
#: Routes that touch neither the database nor Temporal: never 503.
NO_DEPENDENCIES = frozenset({"/healthz"})

PARAMETERS: Mapping[str, str] = {
    "project_id": "The project's id, as `POST /projects` or a list gave it.",
    "partner_id": "A partner organisation's id.",
    "key_id": "An API key's id (never the key itself).",
    "name": "A template's name, e.g. `co-curation`.",
    "version": "A template version; the latest when absent.",
    "stage": "Only projects at this stage.",
    "template": "Only projects on this template.",
    "partner": "Only projects this partner organisation (id) takes part in.",
    "overdue": "Only projects with a milestone past its due date.",
    "limit": "Items per page.",
    "offset": "Items to skip.",
    "milestone_key": "The milestone's key in the project's template, e.g. `proposal`.",
    "workshop_id": "The session's id, as scheduling it gave it.",
    "token": "The survey link's token, as in the e-mail (never logged).",
    "year": "The programme's year.",
    "application_id": "An application's id.",
    "placement_id": "A placement's id.",
    "format": "`markdown` or `html`; else chosen from the Accept header.",
    "accept": "`text/markdown` or `text/html`, when `format` is not given.",
    "Idempotency-Key": "Send the same value when retrying: the request then takes effect at most once.",
}


class ErrorItem(BaseModel):
    field: str = Field(description="The input at fault, as a dotted path (`lead.email`, `answers.confidence`).")
    reason: str = Field(description="What is wrong with it.")


class ErrorBody(BaseModel):
    """Every error answer of the API (api.error_shape)."""

    error: str = Field(description="A stable code: a refusal's kind (`OutOfTurn`, `InvalidSubmission`, ...).")
    detail: str = Field(description="What happened, as a sentence for people.")
    errors: list[ErrorItem] = Field(description="Each input at fault; empty when no one input is.")


_ERROR_REF = {"$ref": "#/components/schemas/ErrorBody"}


def _error_content() -> dict[str, Any]:
    return {"application/json": {"schema": dict(_ERROR_REF)}}


def _complete(path: str, operation: dict[str, Any]) -> None:
    responses: dict[str, Any] = operation.setdefault("responses", {})
    codes: set[int] = set()
    if operation.get("parameters") or operation.get("requestBody"):
        codes.add(422)
    body = (operation.get("requestBody") or {}).get("content", {})
    if any(kind.endswith("json") or kind.endswith("x-www-form-urlencoded") for kind in body):
        codes |= {400, 413}  # 400: a body that cannot be read as JSON (api.validation_errors)
    if operation.get("security"):
        codes.add(401)
    if path not in NO_DEPENDENCIES:
        codes.add(503)
    for code, described in error_responses(*sorted(codes)).items():
        responses.setdefault(str(code), described)
    if "413" in responses and body and not any(kind.startswith(("multipart", "text/")) for kind in body):
        responses["413"]["description"] = BODY_TOO_LARGE
    if "400" in responses:
        responses["400"]["description"] = BODY_UNREADABLE
    for code, response in responses.items():
        if code[:1] in ("4", "5"):
            response["content"] = _error_content()
    for parameter in operation.get("parameters", []):
        if not parameter.get("description") and parameter.get("name") in PARAMETERS:
            parameter["description"] = PARAMETERS[parameter["name"]]


def _say_who_may_call(method: str, path: str, operation: dict[str, Any]) -> None:
    """The access table's words for the operation (api.access: its rule, described, and its note), in its
    description for people and as `x-engage-access` for tools. A route with no rule gets none: the
    access test (tests/api/test_access_table.py) fails on it instead."""
    key = f"{method.upper()} {path}"
    rule = ROUTES.get(key)
    if rule is None:
        return
    note = NOTES.get(key)
    operation["x-engage-access"] = {"rule": rule, "who": RULES[rule]} | ({"note": note} if note else {})
    words = f"**Who may call** (`{rule}`): {RULES[rule].rstrip('.')}." + (f" Here: {note.rstrip('.')}." if note else "")
    description = operation.get("description")
    operation["description"] = f"{description}\n\n{words}" if description else words


def install_openapi(app: FastAPI) -> None:
    """Generate the document once, completed as the module docstring says."""

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            spec = get_openapi(
                title=app.title, version=app.version, summary=app.summary, routes=app.routes, servers=app.servers
            )
            schemas = spec.setdefault("components", {}).setdefault("schemas", {})
            for model in (ErrorItem, ErrorBody):
                schemas[model.__name__] = model.model_json_schema(ref_template="#/components/schemas/{model}")
            schemas["ErrorBody"].pop("$defs", None)
            for path, operations in spec.get("paths", {}).items():
                for method, operation in operations.items():
                    _complete(path, operation)
                    _say_who_may_call(method, path, operation)
            for unused in ("HTTPValidationError", "ValidationError"):
                schemas.pop(unused, None)
            app.openapi_schema = spec
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]
