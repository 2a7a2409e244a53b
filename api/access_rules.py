"""The checks behind `api.access`'s rules: one function per rule for JSON routes, one for pages.

Kept apart from the table so `api.access` reads as the list of who may call what. Each check is a
FastAPI dependency: it authenticates (a bearer key through `api.deps.current_principal`; a page's
session through `api.pages.viewer.current_viewer`, both ending in `api.auth.principal_of`), applies
the rule, and yields the caller. Owners of a resource are found here (projects and programmes through
api.resource_owners):

- a project: `{project_id}` -> its partner ids, from the read model (`project_partner`), and when the
  read model does not list the partner yet (the moments after a start) from the workflow itself;
- a programme: `{year}` -> its active partner ids, from the programme's read-model row;
- a partner: `{partner_id}` -> itself.

Path values are read raw from the request: a value the route's own validation will refuse (a year
that is not a number) skips the lookup, so that input still gets its 422 rather than a 404.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from fastapi import Request, status

from api.auth import Principal, Role
from api.deps import PrincipalDep
from api.errors import PARTNER_NOT_FOUND, PARTNER_SCOPE, PROJECT_NOT_FOUND, ApiError, forbidden, not_found
from api.exchange.errors import PROGRAMME_NOT_FOUND
from api.files.visibility import FILE_NOT_FOUND, is_file_party
from api.pages.viewer import PageRefused, SignInRequired, Viewer, current_viewer
from api.resource_owners import is_project_party, programme_partner_ids

#: The longest partner id a path takes (as `api.exchange.schemas.PartnerPath`).
PARTNER_ID_MAX = 32


def staff_or_admin(principal: Principal) -> bool:
    """Staff and admin: every role but partner. The one place the role is turned into access."""
    return principal.role is not Role.PARTNER


def require_own_partnership(principal: Principal, partner_ids: list[str]) -> None:
    if not staff_or_admin(principal) and partner_ids != [principal.partner_id]:
        raise forbidden(PARTNER_SCOPE)


def require_acts_for(principal: Principal, partner_id: str) -> None:
    if not staff_or_admin(principal) and principal.partner_id != partner_id:
        raise not_found(PROGRAMME_NOT_FOUND)


def _year(request: Request) -> int | None:
    raw = str(request.path_params.get("year", ""))
    return int(raw) if raw.isdigit() and 2000 <= int(raw) <= 2099 else None


def _partner_id(request: Request) -> str | None:
    raw = request.path_params.get("partner_id")
    return raw if isinstance(raw, str) and 0 < len(raw) <= PARTNER_ID_MAX else None


async def _programme_party(request: Request, principal: Principal) -> bool:
    """Staff, or a partner taking part in the `{year}` programme; a 404 `ApiError` for no such year."""
    year = _year(request)
    if staff_or_admin(principal) or year is None:
        return True
    return principal.partner_id in await programme_partner_ids(request, year)


async def _project_party(request: Request, principal: Principal) -> bool:
    partner_id = principal.partner_id
    project_id = request.path_params.get("project_id")
    if staff_or_admin(principal) or not isinstance(project_id, str):
        return True
    return partner_id is not None and await is_project_party(request, project_id, partner_id)


# 👉 JSON routes: one dependency per rule (each its own function: `api.access` marks it with the rule).


async def _json_public() -> None:
    return None


async def _json_survey_token() -> None:
    return None  # the token is the credential: api.follow_up.respondents checks it


async def _json_calendar_token() -> None:
    return None  # the token is the credential: api.calendar.service checks it


async def _json_signed_in(principal: PrincipalDep) -> Principal:
    return principal


async def _json_staff(principal: PrincipalDep) -> Principal:
    if not staff_or_admin(principal):
        raise forbidden()
    return principal


async def _json_admin(principal: PrincipalDep) -> Principal:
    if principal.role is not Role.ADMIN:
        raise forbidden()
    return principal


async def _json_survey_staff(principal: PrincipalDep) -> Principal:
    # Respondents' names and addresses, their answers and the survey reports are never shown to partners.
    if not staff_or_admin(principal):
        raise not_found(PROJECT_NOT_FOUND)
    return principal


async def _json_partner_self(request: Request, principal: PrincipalDep) -> Principal:
    if not staff_or_admin(principal) and request.path_params.get("partner_id") != principal.partner_id:
        raise not_found(PARTNER_NOT_FOUND)
    return principal


async def _json_project_party(request: Request, principal: PrincipalDep) -> Principal:
    if not await _project_party(request, principal):
        raise not_found(PROJECT_NOT_FOUND)
    return principal


async def _json_programme_party(request: Request, principal: PrincipalDep) -> Principal:
    if not await _programme_party(request, principal):
        raise not_found(PROGRAMME_NOT_FOUND)
    return principal


async def _json_programme_partner(request: Request, principal: PrincipalDep) -> Principal:
    partner_id = _partner_id(request)
    if partner_id is not None:
        require_acts_for(principal, partner_id)
    return principal


async def _json_file_party(request: Request, principal: PrincipalDep) -> Principal:
    if not await is_file_party(request, principal):
        raise not_found(FILE_NOT_FOUND)
    return principal


_JSON: dict[str, Callable[..., Awaitable[Any]]] = {
    "public": _json_public,
    "survey_token": _json_survey_token,
    "calendar_token": _json_calendar_token,
    "signed_in": _json_signed_in,
    "staff": _json_staff,
    "admin": _json_admin,
    "survey_staff": _json_survey_staff,
    "partner_self": _json_partner_self,
    "project_party": _json_project_party,
    "file_party": _json_file_party,
    "programme_party": _json_programme_party,
    "programme_partner": _json_programme_partner,
}


# 👉 Pages: the same rules for a signed-in person; a refusal is a page (sign-in, "Staff only", 404).


async def _signed_in_viewer(request: Request) -> Viewer:
    viewer = await current_viewer(request)
    if viewer is None:
        raise SignInRequired
    return viewer


async def _page_public(request: Request) -> Viewer | None:
    return await current_viewer(request)


async def _page_survey_token() -> None:
    return None


async def _page_signed_in(request: Request) -> Viewer:
    return await _signed_in_viewer(request)


async def _page_staff(request: Request) -> Viewer:
    viewer = await _signed_in_viewer(request)
    if not staff_or_admin(viewer.principal):
        raise PageRefused(viewer, PageRefused.STAFF_ONLY)
    return viewer


async def _page_admin(request: Request) -> Viewer:
    # Administrators' pages (webhooks, issue 16): staff and partners get "Administrators only".
    viewer = await _signed_in_viewer(request)
    if viewer.principal.role is not Role.ADMIN:
        raise PageRefused(viewer, PageRefused.ADMIN_ONLY)
    return viewer


async def _page_partner_self(request: Request) -> Viewer:
    # A partner organisation's page (issue 15): staff, or the partner itself; any other partner gets the
    # 404 page, for an organisation that exists or not alike (no lookup needed: the path names it).
    viewer = await _signed_in_viewer(request)
    if not staff_or_admin(viewer.principal) and request.path_params.get("partner_id") != viewer.principal.partner_id:
        raise PageRefused(viewer, PageRefused.NOT_SHARED)
    return viewer


async def _refused_unless(viewer: Viewer, is_party: Awaitable[bool]) -> Viewer:
    """`viewer`, if `is_party` holds; else the 404 page, also when the lookup itself finds nothing (no such
    project or year, or an id Temporal refuses as malformed), as the page itself would answer."""
    try:
        party = await is_party
    except ApiError as error:
        if error.status_code != status.HTTP_404_NOT_FOUND:
            raise
        party = False
    if not party:
        raise PageRefused(viewer, PageRefused.NOT_SHARED)
    return viewer


async def _page_programme_party(request: Request) -> Viewer:
    viewer = await _signed_in_viewer(request)
    return await _refused_unless(viewer, _programme_party(request, viewer.principal))


async def _page_partner_in_programme(request: Request) -> Viewer:
    viewer = await _signed_in_viewer(request)
    if staff_or_admin(viewer.principal):
        raise PageRefused(viewer, PageRefused.STAFF_ONLY)  # staff act for a partner over the JSON API
    return await _refused_unless(viewer, _programme_party(request, viewer.principal))


async def _party_viewer(request: Request) -> Viewer:
    """The signed-in viewer, if a party to the project; else the 404 page."""
    viewer = await _signed_in_viewer(request)
    return await _refused_unless(viewer, _project_party(request, viewer.principal))


async def _page_project_party(request: Request) -> Viewer:
    return await _party_viewer(request)


async def _page_survey_staff(request: Request) -> Viewer:
    # As for the JSON routes: respondents and answers are never shown to partners, any partner gets the 404 page.
    viewer = await _signed_in_viewer(request)
    if not staff_or_admin(viewer.principal):
        raise PageRefused(viewer, PageRefused.NOT_SHARED)
    return viewer


async def _page_project_staff(request: Request) -> Viewer:
    # The staff part is refused by the handler (`api.access.require_staff`), on the project page.
    return await _party_viewer(request)


async def _page_file_party(request: Request) -> Viewer:
    viewer = await _signed_in_viewer(request)
    return await _refused_unless(viewer, is_file_party(request, viewer.principal))


_PAGE: dict[str, Callable[..., Awaitable[Any]]] = {
    "public": _page_public,
    "survey_token": _page_survey_token,
    "signed_in": _page_signed_in,
    "staff": _page_staff,
    "admin": _page_admin,
    "partner_in_programme": _page_partner_in_programme,
    "programme_party": _page_programme_party,
    "project_party": _page_project_party,
    "partner_self": _page_partner_self,
    "file_party": _page_file_party,
    "project_staff": _page_project_staff,
    "survey_staff": _page_survey_staff,
}


def json_check(rule: str) -> Callable[..., Awaitable[Any]]:
    if rule not in _JSON:
        raise KeyError(f"the access rule {rule!r} is for pages, not JSON routes")
    return _JSON[rule]


def page_check(rule: str) -> Callable[..., Awaitable[Any]]:
    if rule not in _PAGE:
        raise KeyError(f"the access rule {rule!r} is for JSON routes, not pages")
    return _PAGE[rule]
