"""How the staff forms of a year send their change and answer, written once for every such form.

`send` sends the form's change under its nonce (its Idempotency-Key: a double submit, or a
confirmation sent twice, is applied once, as a retried JSON request is) with the viewer as caller,
then answers 303 to the next page with what was done, or the form's page again with the refusal's
status, field and reason (`again`); an unknown programme is the 404 page.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from fastapi import Request, status
from fastapi.responses import Response
from starlette.datastructures import FormData

from api.app_services import services_of
from api.callers import Caller
from api.errors import ApiError
from api.exchange import board_view
from api.pages.session import Flash
from api.pages.web import FormError, Viewer, as_api_error, not_found_page, redirect, text

#: A form's work, sent as `caller`: answers what the page then says was done.
Perform = Callable[[Caller], Awaitable[str]]
#: The form's page again, with why it was refused and the status to answer.
Again = Callable[[FormError, int], Awaitable[Response]]


def typed(form: FormData) -> dict[str, Any]:
    """What was typed, to show again beside a refusal."""
    return {k: v for k, v in form.items() if isinstance(v, str) and k not in ("csrf", "nonce", "confirmed")}


def board_again(request: Request, viewer: Viewer, year: int, form: FormData, form_id: str) -> Again:
    """The year's dashboard again, the refusal beside the form `form_id`."""

    async def again(error: FormError, code: int) -> Response:
        return await board_view.staff_board(
            request, viewer, year, errors={form_id: error}, values={form_id: typed(form)}, status_code=code
        )

    return again


async def send(
    request: Request,
    viewer: Viewer,
    form: FormData,
    form_id: str,
    perform: Perform,
    *,
    done_at: str,
    again: Again,
    explain: Callable[[ApiError], FormError] = FormError.of,
) -> Response:
    """Send the change; 303 to `done_at` saying what was done, or `again` with the refusal."""
    nonce = text(form, "nonce")
    caller = Caller(services_of(request).client, viewer.principal, f"page:{nonce}:{form_id}" if nonce else None)
    try:
        with as_api_error(viewer.principal):
            message = await perform(caller)
    except ApiError as refused:
        if refused.status_code == status.HTTP_404_NOT_FOUND and refused.field is None:
            return not_found_page(request, viewer)
        return await again(explain(refused), refused.status_code)
    return redirect(request, done_at, Flash("success", message))
