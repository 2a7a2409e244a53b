"""The milestone submission route's body, JSON or multipart, read into one request schema.

JSON stays exactly as it was (`SubmissionCreate`). A multipart body carries the same fields as form
fields (`summary`; `links`, repeated; `cost`; `on_behalf_of`; an evaluation reflection's levels as
`outcome_ratings.<outcome key>`, issue 16) and the evidence in `files` (repeated):
the same model validates both, so a field's 422 reads the same either way. The route documents both
(`SUBMISSION_BODY`, its `openapi_extra`).
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from fastapi import Request
from fastapi.exceptions import RequestValidationError
from pydantic import ValidationError
from starlette.datastructures import FormData, UploadFile

from api.errors import invalid
from api.files.uploads import MAX_REFERENCES, Upload
from api.projects.input_schemas import SubmissionCreate
from api.upload_guard import MAX_FILES, is_multipart
from domain.outcome_ratings import MAX_OUTCOMES
from store.files.kinds import ACCEPTED_IN_WORDS

#: An evaluation reflection's level of one outcome, as a multipart field: `outcome_ratings.confidence=4`.
RATINGS_PREFIX = "outcome_ratings."
_JSON_SCHEMA = SubmissionCreate.model_json_schema(ref_template="#/components/schemas/{model}")
_MULTIPART_SCHEMA: dict[str, Any] = {
    "type": "object",
    "required": ["summary"],
    "properties": {
        "summary": _JSON_SCHEMA["properties"]["summary"],
        "links": {
            "type": "array",
            "items": {"type": "string", "format": "uri"},
            "description": "Web addresses of the evidence, one field each.",
        },
        "cost": _JSON_SCHEMA["properties"]["cost"],
        "on_behalf_of": {"type": "string", "description": _JSON_SCHEMA["properties"]["on_behalf_of"]["description"]},
        "outcome_ratings.{outcome key}": {
            "type": "integer",
            "minimum": 1,
            "maximum": 5,
            "description": "One field per outcome rated, e.g. `outcome_ratings.confidence=4`: "
            + _JSON_SCHEMA["properties"]["outcome_ratings"]["description"],
        },
        "files": {
            "type": "array",
            "items": {"type": "string", "format": "binary"},
            "description": f"Evidence files, one field each (at most {MAX_FILES}, and {MAX_REFERENCES} with the "
            f"links): {ACCEPTED_IN_WORDS}, each at most ENGAGE_MAX_UPLOAD_BYTES (25 MB unless set). The type "
            "is read from the content, not the name. Each appears in the submission's links as "
            "`sha256:<hex>`, fetched at GET /api/v1/files/{sha256}.",
        },
    },
}
#: The route's `openapi_extra`: both bodies it takes.
SUBMISSION_BODY: dict[str, Any] = {
    "requestBody": {
        "required": True,
        "content": {
            "application/json": {"schema": _JSON_SCHEMA},
            "multipart/form-data": {"schema": _MULTIPART_SCHEMA},
        },
    }
}


def uploads_of(form: FormData, name: str = "files") -> list[Upload]:
    """The files of the form's field `name`; a browser's empty file input (no name, no bytes) is none."""
    found: list[Upload] = []
    for value in form.getlist(name):
        if isinstance(value, UploadFile) and (value.filename or value.size):
            found.append(Upload(value.filename or "", value.file))
    return found


def _validated(data: Any, *, from_json: bool) -> SubmissionCreate:
    try:
        if from_json:
            return SubmissionCreate.model_validate_json(data)
        return SubmissionCreate.model_validate(data)
    except ValidationError as error:
        raise RequestValidationError([{**e, "loc": ("body", *e["loc"])} for e in error.errors()]) from None


def _form_fields(form: FormData) -> dict[str, Any]:
    def one(name: str) -> str | None:
        value = form.get(name)
        return value if isinstance(value, str) and value.strip() else None

    fields: dict[str, Any] = {"summary": one("summary") or ""}
    fields["links"] = [v.strip() for v in form.getlist("links") if isinstance(v, str) and v.strip()]
    for name in ("cost", "on_behalf_of"):
        if (value := one(name)) is not None:
            fields[name] = value
    ratings = {
        name.removeprefix(RATINGS_PREFIX): value.strip()
        for name, value in form.multi_items()
        if name.startswith(RATINGS_PREFIX) and isinstance(value, str) and value.strip()
    }
    if ratings:
        fields["outcome_ratings"] = ratings
    return fields


@asynccontextmanager
async def submission_input(request: Request) -> AsyncIterator[tuple[SubmissionCreate, list[Upload]]]:
    """The body as a `SubmissionCreate` and its files (none for JSON); uploads are closed on exit."""
    if not is_multipart(request.headers.get("content-type", "")):
        yield _validated(await request.body(), from_json=True), []
        return
    try:
        form = await request.form(max_files=MAX_FILES, max_fields=2 * MAX_REFERENCES + 10 + MAX_OUTCOMES)
    except Exception as exc:  # Starlette's multipart errors carry no stable type across versions
        raise invalid(
            "files", f"the body could not be read as multipart/form-data (at most {MAX_FILES} files)"
        ) from exc
    try:
        yield _validated(_form_fields(form), from_json=False), uploads_of(form)
    finally:
        await form.close()
