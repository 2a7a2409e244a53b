"""The sign-in pages for e-mailed links: ask for one (`POST /sign-in/email`), use one (`GET /sign-in/link/{token}`).

Asking answers with the same page and words whether the address is known or not; the e-mail, if any,
is sent after the answer (a background task), so the time taken does not tell either. Using a link
starts a server-side session and answers a short "signed in" page that moves on to the projects
(a meta refresh, not a redirect): the session cookie is SameSite=Strict, and a browser sends no
Strict cookie on a redirect that began with a click in a mail client, which is another site; a
navigation this page starts is same-site. A used, expired or unknown link gets a calm page with the
form to ask again. Both are rate-limited per client address (api.rate_limits, `sign_in_link`).
"""

from __future__ import annotations

import re
from typing import Annotated

from fastapi import APIRouter, Request, status
from fastapi.responses import Response
from starlette.background import BackgroundTask

from api.access import page_access
from api.accounts import mail, sign_in
from api.app_services import services_of
from api.pages.session import set_session_cookie
from api.pages.web import FormError, Viewer, checked_form, pages_of, render, secure_cookies, text
from api.partners.signin_pages import sign_in_form
from api.schemas import EMAIL_PATTERN

router = APIRouter(include_in_schema=False)

OptionalViewer = Annotated[Viewer | None, page_access("public")]

SENT_TITLE = "Check your e-mail"
SENT = (
    "If {email} belongs to an Engage account, we have e-mailed a sign-in link to it. The link works once, "
    "for 15 minutes. Nothing arrived? Check the address and ask again below."
)
BAD_ADDRESS = "Enter an e-mail address like name@example.org."
REFUSED_TITLE = "This sign-in link cannot be used"
REFUSED = {
    "used": "This link has already been used to sign in: each link works once. Ask for a new one below.",
    "expired": "This link has expired: links work for 15 minutes. Ask for a new one below.",
    "removed": "This link can no longer be used. Ask for a new one below, or contact the community team.",
    "unknown": "This link is not known. Check that the whole link was copied, or ask for a new one below.",
}
_TOKEN = re.compile(r"^[A-Za-z0-9_-]{16,64}$")


@router.get("/sign-in")
async def sign_in_page(request: Request, viewer: OptionalViewer) -> Response:
    """The sign-in page: the e-mailed link form, and the key form for administrators."""
    return sign_in_form(request)


@router.post("/sign-in/email", dependencies=[page_access("public")])
async def ask_for_link(request: Request) -> Response:
    """E-mail a sign-in link to a known account's address; the same answer for any address."""
    form = await checked_form(request, None)
    email = text(form, "email")
    if len(email) > 320 or not re.match(EMAIL_PATTERN, email):
        error = FormError(f"E-mail address: {BAD_ADDRESS}", {"email": BAD_ADDRESS})
        return sign_in_form(
            request, link_error=error, email=email[:320], status_code=status.HTTP_422_UNPROCESSABLE_CONTENT
        )
    services = services_of(request)
    outbox_id = await sign_in.request_link(services.sessionmaker, services.settings, email)
    response = sign_in_form(request, notice_title=SENT_TITLE, notice=SENT.format(email=email), email=email)
    if outbox_id is not None:
        response.background = BackgroundTask(mail.send_queued, services.sessionmaker, services.settings, outbox_id)
    return response


@router.get("/sign-in/link/{token}", dependencies=[page_access("public")])
async def use_link(request: Request, token: str) -> Response:
    """Sign in with an e-mailed link, once."""
    outcome = "unknown" if not _TOKEN.match(token) else await sign_in.use_link(services_of(request).sessionmaker, token)
    if isinstance(outcome, str):
        response = sign_in_form(
            request,
            notice_title=REFUSED_TITLE,
            notice=REFUSED[outcome],
            notice_kind="error",
            status_code=status.HTTP_410_GONE,  # unknown too: a link that cannot be used, whatever the reason
        )
        response.headers["Referrer-Policy"] = "no-referrer"
        return response
    pages = pages_of(request)
    token_value = pages.signer.session_token(outcome.session_id, outcome.principal.key_id, outcome.key_hash)
    response = render(request, "signed_in.html", None, name=outcome.principal.label, target="/projects")
    response.headers["Referrer-Policy"] = "no-referrer"
    set_session_cookie(response, token_value, secure=secure_cookies(request))
    return response
