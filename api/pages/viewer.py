"""Who is signed in to the pages: the session cookie, re-checked against its key on every request.

A session names its API key by id and carries a fingerprint of the key's hash; the key becomes a
principal through `api.auth` (`principal_by_key_id`), the same path a bearer key takes, so a page and
the JSON API see the same caller. Which pages need a viewer, and which viewer, is `api.access`'s
table; page handlers declare the rule there and never look a viewer up themselves.
"""

from __future__ import annotations

import hmac
from dataclasses import dataclass
from datetime import UTC, datetime

import jinja2
from fastapi import Request

from api.app_services import services_of
from api.auth import ENV_ADMIN_KEY_ID, USER_KEY_PREFIX, Principal, Role, principal_by_key_id
from api.pages.session import SESSION_COOKIE, Signer
from api.settings import ApiSettings
from store.partners import reads as partner_reads


class SignInRequired(Exception):
    """Raised when a page needs someone signed in; answered with a redirect to the sign-in form."""


class PageRefused(Exception):
    """A signed-in person may not open this page (`api.access`): answered "Staff only" (403) or, for
    someone else's project, the 404 page, so a stranger never learns the project exists."""

    STAFF_ONLY = "staff_only"
    ADMIN_ONLY = "admin_only"
    NOT_SHARED = "not_shared"

    def __init__(self, viewer: Viewer, kind: str) -> None:
        super().__init__(kind)
        self.viewer = viewer
        self.kind = kind


@dataclass(frozen=True)
class Pages:
    """Kept on `app.state.pages` by `install_pages`."""

    settings: ApiSettings
    signer: Signer
    env: jinja2.Environment


def pages_of(request: Request) -> Pages:
    return services_of(request).pages


@dataclass(frozen=True)
class Viewer:
    principal: Principal
    session_token: str
    #: The server-side session row (`web_session`) the cookie names; signing out deletes it.
    session_id: str = ""
    #: Who is signed in, in words: a partner's organisation name, else the staff key's label (issue 12).
    name: str = ""

    @property
    def is_staff(self) -> bool:
        """For the templates only (it shows the staff links); handlers ask `api.access` instead."""
        return self.principal.role is not Role.PARTNER


async def _session_principal(request: Request, pages: Pages, key_id: str, fingerprint: str) -> Principal | None:
    """The principal a session names, if its key still exists unrevoked and is the key signed in with."""
    found = await principal_by_key_id(
        key_id, admin_key=pages.settings.admin_key, sessionmaker=services_of(request).sessionmaker
    )
    if found is None:
        return None
    principal, key_hash = found
    if not hmac.compare_digest(pages.signer.key_fingerprint(key_hash), fingerprint):
        return None
    return principal


async def current_viewer(request: Request) -> Viewer | None:
    """Who is signed in (re-checked against the key on every request), or None."""
    pages = pages_of(request)
    token = request.cookies.get(SESSION_COOKIE)
    claims = pages.signer.read_session(token)
    if token is None or claims is None:
        return None
    async with services_of(request).sessionmaker() as session:
        if not await partner_reads.web_session_active(session, claims.session_id, datetime.now(UTC)):
            return None  # signed out (or never started here): the cookie is a dead copy
    principal = await _session_principal(request, pages, claims.key_id, claims.key_fingerprint)
    if principal is None:
        return None
    # 👉 api.errors reads this to answer a partner's refusal on someone else's project with 404.
    request.state.principal = principal
    return Viewer(
        principal=principal,
        session_token=token,
        session_id=claims.session_id,
        name=await viewer_name(request, principal),
    )


async def viewer_name(request: Request, principal: Principal) -> str:
    """A partner key reads as its organisation, never the key's label; staff as the key's label. A person
    signed in by e-mailed link reads as their name (a partner's contact: and their organisation)."""
    person = principal.key_id.startswith(USER_KEY_PREFIX)
    if principal.partner_id is not None:
        async with services_of(request).sessionmaker() as session:
            partner = await partner_reads.get_partner(session, principal.partner_id)
        if partner is not None:
            return f"{principal.label}, {partner.name}" if person else partner.name
    if principal.key_id == ENV_ADMIN_KEY_ID or not principal.label:
        return "Partner organisation" if principal.partner_id is not None else "Museum staff"
    return principal.label
