"""Signing in with an API key, and out again.

The key is checked by `api.auth.authenticate`, exactly as a bearer token is, then forgotten: the
session cookie names the key's id and is signed (api.pages.session). It is HttpOnly, so no script
can read it, and SameSite=Strict, so no other site's link or form carries it.
"""

from __future__ import annotations

import secrets
from datetime import UTC, datetime, timedelta
from typing import Annotated, Any

from fastapi import APIRouter, Request, status
from fastapi.responses import Response

from api.access import page_access
from api.app_services import services_of
from api.auth import ENV_ADMIN_KEY_ID, audit_trail, authenticate, hash_key
from api.errors import ApiError
from api.pages.session import (
    PRE_SESSION_COOKIE,
    SESSION_COOKIE,
    SESSION_SECONDS,
    Flash,
    new_session_id,
    set_session_cookie,
)
from api.pages.web import (
    FormError,
    Viewer,
    checked_form,
    pages_of,
    redirect,
    render,
    secure_cookies,
    text,
    viewer_name,
)
from store import audit as store_audit
from store.partners import writes as partner_writes

router = APIRouter(include_in_schema=False)

OptionalViewer = Annotated[Viewer | None, page_access("public")]

#: The target of a refused sign-in's audit entry: the sign-in form itself (no key was recognised).
SIGN_IN_TARGET = "sign-in"
SIGN_IN_REFUSED = "That key was not recognised, or it has been revoked. Check it and paste it again."


def _safe_next(target: str | None) -> str:
    """Only a path on this site: never `//elsewhere` or a full URL (no open redirect)."""
    if target and target.startswith("/") and not target.startswith(("//", "/\\")) and len(target) < 300:
        return target
    return "/projects"


#: What the sign-in page shows when no one says otherwise (the templates refuse undefined names).
SIGN_IN_PAGE_DEFAULTS: dict[str, Any] = {
    "notice": None,
    "notice_title": None,
    "notice_kind": None,
    "link_error": None,
    "email": "",
}


def sign_in_form(
    request: Request, *, error: FormError | None = None, status_code: int = 200, **context: Any
) -> Response:
    """The sign-in page: the e-mailed link form first, the API key form for administrators below it
    (`context`: what api.accounts.link_pages adds: a notice, the link form's error and address)."""
    pre_session = request.cookies.get(PRE_SESSION_COOKIE) or secrets.token_urlsafe(24)
    response = render(
        request,
        "sign_in.html",
        None,
        status_code=status_code,
        pre_session=pre_session,
        error=error,
        next=_safe_next(request.query_params.get("next")),
        **{**SIGN_IN_PAGE_DEFAULTS, **context},
    )
    response.set_cookie(
        PRE_SESSION_COOKIE,
        pre_session,
        path="/",
        httponly=True,
        samesite="strict",
        secure=secure_cookies(request),
    )
    return response


async def _record_refused_sign_in(request: Request) -> None:
    """A sign-in with a key no one recognises, in the audit trail: when, and nothing of the key or the
    visitor (no prefix, no address): a burst of these is what an administrator looks for."""
    async with services_of(request).sessionmaker.begin() as session:
        await store_audit.record(
            session,
            actor_key_id=store_audit.SIGN_IN_REFUSED_ACTOR,
            actor_label="unrecognised key",
            action="sign_in_refused",
            target_id=SIGN_IN_TARGET,
            now=datetime.now(UTC),
        )


@router.get("/")
async def home(request: Request, viewer: OptionalViewer) -> Response:
    """The sign-in form, or the dashboard for someone signed in."""
    if viewer is not None:
        return redirect(request, "/projects")
    return sign_in_form(request)


@router.post("/sign-in", dependencies=[page_access("public")])
async def sign_in(request: Request) -> Response:
    """Check the pasted key and start a session naming its id."""
    form = await checked_form(request, None)
    key = text(form, "key")
    pages = pages_of(request)
    try:
        principal = await authenticate(
            key,
            admin_key=pages.settings.admin_key,
            cache=services_of(request).key_cache,
            sessionmaker=services_of(request).sessionmaker,
        )
    except ApiError:
        await _record_refused_sign_in(request)
        error = FormError(f"API key: {SIGN_IN_REFUSED}", {"key": SIGN_IN_REFUSED})
        return sign_in_form(request, error=error, status_code=status.HTTP_401_UNAUTHORIZED)
    key_hash = hash_key(key)
    session_id, now = new_session_id(), datetime.now(UTC)
    async with services_of(request).sessionmaker.begin() as session:
        await partner_writes.start_web_session(
            session, session_id, principal.key_id, now, now + timedelta(seconds=SESSION_SECONDS)
        )
        await audit_trail(session, principal, "signed_in", principal.key_id, now)
    token = pages.signer.session_token(session_id, principal.key_id, key_hash)
    who = (
        "with the administrator key"
        if principal.key_id == ENV_ADMIN_KEY_ID
        else f"as {await viewer_name(request, principal)}"
    )
    response = redirect(request, _safe_next(text(form, "next")), Flash("success", f"Signed in {who}."))
    set_session_cookie(response, token, secure=secure_cookies(request))
    return response


@router.post("/sign-out")
async def sign_out(request: Request, viewer: OptionalViewer) -> Response:
    """End the session on the server, so no copy of its cookie works again (the key stays valid)."""
    if viewer is not None:
        await checked_form(request, viewer)
        async with services_of(request).sessionmaker.begin() as session:
            await partner_writes.end_web_session(session, viewer.session_id)
            await audit_trail(session, viewer.principal, "signed_out", viewer.principal.key_id, datetime.now(UTC))
    response = redirect(request, "/", Flash("success", "Signed out."))
    response.delete_cookie(SESSION_COOKIE, path="/", httponly=True, samesite="strict", secure=secure_cookies(request))
    return response
