"""Server-side confirmation of a step that cannot be undone, for the staff pages of a year.

The first post of such a form changes nothing: it answers a page saying what will happen, whose form
carries every value back (and the original nonce, so a "Yes" sent twice is applied once) with
`confirmed=yes`. Only that post sends the change. No script is involved: a confirmation that lived in
the browser would be skipped by anything that posts the form directly.
"""

from __future__ import annotations

from datetime import date, datetime

from fastapi import Request
from fastapi.responses import HTMLResponse
from starlette.datastructures import FormData

from api.pages.page_times import local_time
from api.pages.web import Viewer, render, text

#: The hidden input that says the person said yes on the confirmation page.
CONFIRMED = "confirmed"


def confirmed(form: FormData) -> bool:
    return text(form, CONFIRMED) == "yes"


def moment(value: datetime, zone: str) -> str:
    return local_time(value, zone)


def day(value: date) -> str:
    return f"{value:%A} {value.day} {value:%B %Y}"


def ask(
    request: Request,
    viewer: Viewer,
    form: FormData,
    *,
    title: str,
    lines: list[str],
    action: str,
    button: str,
    back: str,
) -> HTMLResponse:
    """The confirmation page: what will happen, and the form again with every value it was sent."""
    carried = [(k, v) for k, v in form.multi_items() if isinstance(v, str) and k not in ("csrf", CONFIRMED)]
    return render(
        request,
        "exchange_confirm.html",
        viewer,
        title=title,
        lines=lines,
        action=action,
        button=button,
        back=back,
        carried=carried,
    )
