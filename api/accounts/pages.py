"""Staff pages: the people who sign in (`/users`: list, add, edit, remove after a confirmation) and the
API keys (`/keys`: prefix, label, role, creator, created, last use; revoke).

Who manages whom is the service's rule (api.accounts.service): an admin every account, staff the
partner contacts; the forms parse into the JSON routes' schemas and call the same service functions,
so both refuse alike. Removing asks first, on a page of its own that says what follows (the person
is signed out at once and can no longer sign in), since it cannot be undone from here.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Request, status
from fastapi.responses import Response

from api.access import page_access
from api.accounts import keys as account_keys
from api.accounts import service
from api.accounts.schemas import UserCreate, UserUpdate
from api.app_services import services_of
from api.errors import ApiError
from api.pages.form_body import form_body
from api.pages.session import Flash
from api.pages.web import FormError, Viewer, checked_form, not_found_page, redirect, render, staff_only_page, text
from store.partners import reads as partner_reads

router = APIRouter(include_in_schema=False)

StaffViewer = Annotated[Viewer, page_access("staff")]

PAGE_SIZE = 50
ROLE_WORDS = {"admin": "Administrator", "staff": "Museum staff", "partner": "Partner contact"}


def _refusal(error: ApiError) -> FormError:
    field = error.field or "email"
    return FormError(f"{field.replace('_', ' ').capitalize()}: {error.reason or error.detail}", {field: error.detail})


async def _users(
    request: Request,
    viewer: Viewer,
    *,
    error: FormError | None = None,
    values: dict[str, str] | None = None,
    status_code: int = status.HTTP_200_OK,
) -> Response:
    async with services_of(request).sessionmaker() as session:
        rows, total = await service.list_users(session, by=viewer.principal, limit=PAGE_SIZE, offset=0)
        partners, _ = await partner_reads.list_partners(session, only_id=None, limit=200, offset=0)
    names = {p.id: p.name for p in partners}
    return render(
        request,
        "users.html",
        viewer,
        status_code=status_code,
        users=rows,
        total=total,
        partner_names=names,
        partners=[(p.id, p.name) for p in partners],
        roles=[(role, ROLE_WORDS[role]) for role in service.manageable_roles(viewer.principal)],
        role_words=ROLE_WORDS,
        error=error,
        values=values or {},
    )


@router.get("/users")
async def users_page(request: Request, viewer: StaffViewer) -> Response:
    """The accounts this viewer manages, with the form to add one (the read is audited)."""
    return await _users(request, viewer)


@router.post("/users")
async def add_user_page(request: Request, viewer: StaffViewer) -> Response:
    form = await checked_form(request, viewer)
    values = {name: text(form, name) for name in ("name", "email", "role", "partner_id")}
    fields: dict[str, Any] = {**values, "partner_id": values["partner_id"] or None}
    if values["role"] != "partner":
        fields["partner_id"] = None
    body = form_body(UserCreate, fields)
    if isinstance(body, FormError):
        return await _users(request, viewer, error=body, values=values, status_code=422)
    try:
        async with services_of(request).sessionmaker() as session:
            added = await service.add_user(session, body, by=viewer.principal)
    except ApiError as refused:
        if refused.status_code == status.HTTP_403_FORBIDDEN:
            return staff_only_page(request, viewer)
        return await _users(request, viewer, error=_refusal(refused), values=values, status_code=refused.status_code)
    flash = Flash("success", f"{added.name} added. They can now ask for a sign-in link on the sign-in page.")
    return redirect(request, "/users", flash)


async def _managed(request: Request, viewer: Viewer, user_id: str) -> Any:
    async with services_of(request).sessionmaker() as session:
        try:
            return await service.managed_user(session, user_id, by=viewer.principal)
        except ApiError as refused:
            return refused


def _refused_page(request: Request, viewer: Viewer, refused: ApiError) -> Response:
    if refused.status_code == status.HTTP_403_FORBIDDEN:
        return staff_only_page(request, viewer)
    return not_found_page(request, viewer)


@router.get("/users/{user_id}")
async def edit_user_page(request: Request, viewer: StaffViewer, user_id: str) -> Response:
    """One account: change the name or address, or go on to remove it."""
    user = await _managed(request, viewer, user_id)
    if isinstance(user, ApiError):
        return _refused_page(request, viewer, user)
    return render(request, "user_edit.html", viewer, user=user, role_words=ROLE_WORDS, error=None, values={})


@router.post("/users/{user_id}")
async def change_user_page(request: Request, viewer: StaffViewer, user_id: str) -> Response:
    form = await checked_form(request, viewer)
    values = {name: text(form, name) for name in ("name", "email")}
    user = await _managed(request, viewer, user_id)
    if isinstance(user, ApiError):
        return _refused_page(request, viewer, user)
    body = form_body(UserUpdate, values)
    if isinstance(body, FormError):
        context = {"user": user, "role_words": ROLE_WORDS, "error": body, "values": values}
        return render(request, "user_edit.html", viewer, status_code=422, **context)
    try:
        async with services_of(request).sessionmaker() as session:
            changed = await service.change_user(session, user_id, body, by=viewer.principal)
    except ApiError as refused:
        context = {"user": user, "role_words": ROLE_WORDS, "error": _refusal(refused), "values": values}
        return render(request, "user_edit.html", viewer, status_code=refused.status_code, **context)
    return redirect(request, "/users", Flash("success", f"{changed.name}'s account saved."))


@router.get("/users/{user_id}/remove")
async def confirm_remove_page(request: Request, viewer: StaffViewer, user_id: str) -> Response:
    """Ask before removing: what it does, and a button that does it."""
    user = await _managed(request, viewer, user_id)
    if isinstance(user, ApiError):
        return _refused_page(request, viewer, user)
    return render(request, "user_remove.html", viewer, user=user, role_words=ROLE_WORDS)


@router.post("/users/{user_id}/remove")
async def remove_user_page(request: Request, viewer: StaffViewer, user_id: str) -> Response:
    await checked_form(request, viewer)
    try:
        async with services_of(request).sessionmaker() as session:
            await service.remove_user(session, user_id, by=viewer.principal)
    except ApiError as refused:
        return _refused_page(request, viewer, refused)
    return redirect(request, "/users", Flash("success", "Account removed. That person has been signed out."))


@router.get("/keys")
async def keys_page(request: Request, viewer: StaffViewer) -> Response:
    """API keys for integrations: what tells them apart, who made them, when last used; revoke."""
    async with services_of(request).sessionmaker() as session:
        lines, total = await account_keys.key_lines(session, by=viewer.principal, limit=200, offset=0)
    return render(request, "keys.html", viewer, keys=lines, total=total)


@router.post("/keys/{key_id}/revoke")
async def revoke_key_page(request: Request, viewer: StaffViewer, key_id: str) -> Response:
    await checked_form(request, viewer)
    try:
        async with services_of(request).sessionmaker() as session:
            await account_keys.revoke_key(session, key_id, by=viewer.principal, cache=services_of(request).key_cache)
    except ApiError as refused:
        return _refused_page(request, viewer, refused)
    return redirect(request, "/keys", Flash("success", "Key revoked: it no longer works, from now on."))
