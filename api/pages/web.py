"""What every page shares: rendering, CSRF-checked forms, redirects, refusals.

Who is signed in is `api.pages.viewer`; which pages need whom is `api.access`.

Page routes answer HTML for everything a person can cause: a refusal or bad input re-renders the
form with the field and reason (409/422/403), an unknown or someone else's project is the 404
page, an outage is the 503 page. Only a bug is a 500 (`api.middleware`). Nothing here logs: a
page's form carries names, e-mail addresses and evidence, none of which may reach the logs.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import quote

import jinja2
from fastapi import Request, status
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import ValidationError
from starlette.datastructures import FormData

from api.access import is_partner
from api.auth import Principal
from api.errors import ApiError, failure_to_api_error
from api.pages.form_words import people_reason
from api.pages.page_times import local_input, local_time
from api.pages.session import FLASH_COOKIE, PRE_SESSION_COOKIE, Flash
from api.pages.viewer import Pages as Pages
from api.pages.viewer import SignInRequired as SignInRequired
from api.pages.viewer import Viewer as Viewer
from api.pages.viewer import current_viewer as current_viewer
from api.pages.viewer import pages_of as pages_of
from api.pages.viewer import viewer_name as viewer_name
from domain.submissions import FieldRuleError
from store.link_seal import redact_links

TEMPLATES_DIR = Path(__file__).parent / "templates"
STATIC_DIR = Path(__file__).parent / "static"

#: Pages load only our own stylesheet: no scripts at all, no framing, forms post only to us.
SECURITY_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; "
        "frame-ancestors 'none'; base-uri 'none'"
    ),
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "Cache-Control": "no-store",
}

FIELD_LABELS = {
    "summary": "Summary",
    "links": "Links",
    "note": "Note",
    "decision": "Decision",
    "reason": "Reason",
    "title": "Title",
    "place": "Place",
    "location": "Location",
    "starts_at": "Starts",
    "ends_at": "Ends",
    "opens_at": "Opens",
    "closes_at": "Closes",
    "attendance": "Attendance",
    "feedback": "Feedback",
    "lead_name": "Lead's name",
    "lead_email": "Lead's e-mail",
    "partner_ids": "Partners",
    "timezone": "Time zone",
    "template": "Template",
    "milestone_key": "Milestone",
    "workshop_id": "Workshop",
    "project": "Project",
    "key": "API key",
    "name": "Name",
    "contact_name": "Contact name",
    "contact_email": "Contact e-mail",
    "label": "Label",
    "form": "Form",
}


def field_label(name: str) -> str:
    return FIELD_LABELS.get(name, name.replace("_", " ").capitalize())


@dataclass
class FormError:
    """Why a form was refused: one message, and per input the reason (shown beside that input)."""

    message: str
    fields: dict[str, str] = field(default_factory=dict)

    @classmethod
    def of(cls, error: ApiError) -> FormError:
        reason = error.reason or error.detail
        if error.field:
            return cls(f"{field_label(error.field)}: {reason}", {error.field: reason})
        return cls(reason)

    @classmethod
    def invalid_input(cls, exc: ValidationError, rename: Mapping[str, str] | None = None) -> FormError:
        """Pydantic's complaints, by input name (`lead.email` is the input `lead_email`)."""
        fields: dict[str, str] = {}
        for e in exc.errors():
            parts = [str(p) for p in e["loc"] if not isinstance(p, int)]
            name = "_".join(parts) or "form"
            name = (rename or {}).get(name, name)
            cause = (e.get("ctx") or {}).get("error")
            if isinstance(cause, FieldRuleError):  # a rule across inputs names the one to change
                name = (rename or {}).get(cause.field, cause.field)
            # 👉 Words for people, by the error's type and input (api.pages.form_words), not pydantic's.
            fields.setdefault(name, people_reason(e, name))
        described = "; ".join(fields.values())
        return cls(f"Please correct this: {described}.", fields)


class CsrfRejected(Exception):
    """A POST without this session's form token: answered 403, nothing done."""


def build_env() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATES_DIR),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["local"] = local_time
    env.filters["local_input"] = local_input
    env.filters["iso"] = lambda m: m.isoformat() if m is not None else ""
    env.filters["label"] = field_label
    env.filters["human"] = lambda s: str(s).replace("_", " ")
    env.filters["no_survey_links"] = redact_links  # outbox rows queued before links were sealed (issue 14)
    return env


async def checked_form(request: Request, viewer: Viewer | None) -> FormData:
    """The posted form, once its CSRF token matches this session (or the pre-session cookie)."""
    form = await request.form()
    binding = viewer.session_token if viewer is not None else request.cookies.get(PRE_SESSION_COOKIE)
    submitted = form.get("csrf")
    if not pages_of(request).signer.csrf_ok(binding, submitted if isinstance(submitted, str) else None):
        raise CsrfRejected
    return form


def text(form: FormData, name: str) -> str:
    value = form.get(name)
    return value.strip() if isinstance(value, str) else ""


def texts(form: FormData, name: str) -> list[str]:
    return [v.strip() for v in form.getlist(name) if isinstance(v, str) and v.strip()]


def secure_cookies(request: Request) -> bool:
    return request.url.scheme == "https" or pages_of(request).settings.base_url.startswith("https://")


def render(
    request: Request,
    template: str,
    viewer: Viewer | None,
    *,
    status_code: int = status.HTTP_200_OK,
    pre_session: str | None = None,
    **context: Any,
) -> HTMLResponse:
    """Render `template` with what every page needs: viewer, CSRF token, and any flash message.

    Signed out, forms are bound to `pre_session` (the sign-in page's pre-session cookie).
    """
    pages = pages_of(request)
    flash = pages.signer.read_flash(request.cookies.get(FLASH_COOKIE))
    binding = viewer.session_token if viewer is not None else pre_session
    csrf = pages.signer.csrf_token(binding) if binding else ""
    html = pages.env.get_template(template).render(
        viewer=viewer, csrf=csrf, flash=flash, path=request.url.path, **context
    )
    response = HTMLResponse(html, status_code=status_code, headers=SECURITY_HEADERS)
    if FLASH_COOKIE in request.cookies:
        response.delete_cookie(FLASH_COOKIE, path="/", httponly=True, samesite="strict")
    return response


def error_page(request: Request, viewer: Viewer | None, status_code: int, title: str, message: str) -> HTMLResponse:
    return render(request, "error.html", viewer, status_code=status_code, title=title, message=message)


def not_found_page(request: Request, viewer: Viewer | None) -> HTMLResponse:
    return error_page(
        request,
        viewer,
        status.HTTP_404_NOT_FOUND,
        "Page not found",
        "There is nothing here, or it is not shared with you.",
    )


def staff_only_page(request: Request, viewer: Viewer) -> HTMLResponse:
    return error_page(
        request,
        viewer,
        status.HTTP_403_FORBIDDEN,
        "Staff only",
        "This page is for museum staff. Partners: see Projects.",
    )


def admin_only_page(request: Request, viewer: Viewer) -> HTMLResponse:
    """The refusal of an administrators' page (webhooks) to staff and partners."""
    return error_page(
        request,
        viewer,
        status.HTTP_403_FORBIDDEN,
        "Administrators only",
        "This page is for Engage's administrators. Ask one if you need a change made here.",
    )


def redirect(request: Request, location: str, flash: Flash | None = None) -> Response:
    """303 See Other (a POST's answer becomes a GET), with an optional message for the next page."""
    response = RedirectResponse(location, status_code=status.HTTP_303_SEE_OTHER, headers=SECURITY_HEADERS)
    if flash is not None:
        response.set_cookie(
            FLASH_COOKIE,
            pages_of(request).signer.flash(flash),
            max_age=60,
            path="/",
            httponly=True,
            samesite="strict",
            secure=secure_cookies(request),
        )
    return response


def sign_in_redirect(request: Request) -> Response:
    """To the sign-in form, then back here (a form's target is not a page: back to the list then)."""
    target = request.url.path if request.method == "GET" else "/projects"
    return RedirectResponse(f"/?next={quote(target, safe='/')}", status_code=status.HTTP_303_SEE_OTHER)


@contextmanager
def as_api_error(principal: Principal) -> Iterator[None]:
    """Turn Temporal's and the database's failures into the `ApiError` the JSON API would answer.

    The same mapping as `api.errors` (`failure_to_api_error`), so a page and the JSON API refuse
    alike; a failure that is neither a refusal nor an outage (a bug) propagates and becomes a 500
    with a correlation id.
    """
    try:
        yield
    except ApiError:
        raise
    except Exception as exc:
        error = failure_to_api_error(exc, caller_is_partner=is_partner(principal))
        if error is None:
            raise
        raise error from None


def unavailable_page(request: Request, viewer: Viewer | None, error: ApiError) -> HTMLResponse:
    response = error_page(request, viewer, error.status_code, "Please try again shortly", error.detail)
    response.headers.update(error.headers)
    return response
