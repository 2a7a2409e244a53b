"""The one shape of every error answer: `{"error": code, "detail": sentence, "errors": [{"field", "reason"}]}`.

Why one module: the JSON routes, FastAPI's own validation errors, the body guards in
`api.http_guards` and the pages' error answers all render through `error_body`, so a client parses
one shape whatever refused it. `error` is a stable code (a workflow refusal's kind, such as
`InvalidSubmission` or `OutOfTurn`, or the status's code below); `detail` is a sentence for people;
`errors` names each field at fault (empty when no one field is). Nothing here quotes more than
`MAX_EXCERPT` characters of what the client sent, so an answer never echoes a megabyte back.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

#: The code of an error answer when nothing more specific names it.
STATUS_CODES: Mapping[int, str] = {
    400: "BadRequest",
    401: "NotAuthenticated",
    403: "Forbidden",
    404: "NotFound",
    405: "MethodNotAllowed",
    409: "Conflict",
    410: "Gone",
    413: "BodyTooLarge",
    415: "UnsupportedMediaType",
    422: "InvalidSubmission",
    429: "TooManyRequests",
    500: "InternalError",
    503: "Unavailable",
}
#: The longest piece of client input an error answer may quote.
MAX_EXCERPT = 40
#: The longest sentence an error answer carries (a refusal's words quoting what was sent included).
MAX_DETAIL = 300


def code_for(status_code: int) -> str:
    return STATUS_CODES.get(status_code, "Error")


def excerpt(text: str, limit: int = MAX_EXCERPT) -> str:
    """At most `limit` characters of `text`, marked when cut; unencodable characters replaced."""
    safe = text.encode("utf-8", "replace").decode("utf-8")
    return safe if len(safe) <= limit else safe[: limit - 1] + "…"


def field_path(loc: Sequence[Any]) -> str:
    """`("body", "lead", "email")` → `lead.email`; a query or header keeps its own name (`limit`)."""
    parts = [str(p) for p in loc]
    if parts and parts[0] in ("body", "query", "path", "header", "cookie") and len(parts) > 1:
        parts = parts[1:]
    return ".".join(parts) if parts else "body"


def error_body(
    status_code: int,
    detail: str,
    errors: Iterable[tuple[str, str]] = (),
    *,
    error: str | None = None,
    **extra: Any,
) -> dict[str, Any]:
    """The body of an error answer. `extra` adds keys a few answers carry (`correlation_id`)."""
    return {
        "error": error or code_for(status_code),
        # 👉 A refusal's sentence may quote a path segment or a value: never more than a short excerpt.
        "detail": excerpt(detail, MAX_DETAIL),
        "errors": [
            {"field": excerpt(field, MAX_DETAIL), "reason": excerpt(reason, MAX_DETAIL)} for field, reason in errors
        ],
        **extra,
    }
