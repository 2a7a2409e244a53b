"""`/api/v1/users`: the accounts of the people who sign in by e-mailed link (api.accounts.service)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Response, status

from api.access import access
from api.accounts import service
from api.accounts.schemas import UserCreate, UserPublic, UserUpdate
from api.auth import Principal
from api.deps import LimitQuery, OffsetQuery, SessionDep
from api.errors import error_responses
from api.schemas import Page

router = APIRouter(prefix="/api/v1/users", tags=["users"])

UserId = Annotated[str, Path(min_length=1, max_length=64, description="The account's id.")]


@router.post("", status_code=status.HTTP_201_CREATED, responses=error_responses(401, 403, 409, 413, 422, 429))
async def create_user(
    body: UserCreate, principal: Annotated[Principal, access("staff")], session: SessionDep
) -> UserPublic:
    """Add an account: admins add staff and admins, staff add partner contacts. An address in use is 409."""
    return UserPublic.model_validate(await service.add_user(session, body, by=principal))


@router.get("", responses=error_responses(401, 403))
async def list_users(
    principal: Annotated[Principal, access("staff")],
    session: SessionDep,
    limit: LimitQuery = 50,
    offset: OffsetQuery = 0,
) -> Page[UserPublic]:
    """Accounts by name: every one for an admin, partner contacts for staff. Each read is audited."""
    rows, total = await service.list_users(session, by=principal, limit=limit, offset=offset)
    return Page(items=[UserPublic.model_validate(r) for r in rows], total=total, limit=limit, offset=offset)


@router.patch("/{user_id}", responses=error_responses(401, 403, 404, 409, 413, 422, 429))
async def update_user(
    user_id: UserId, body: UserUpdate, principal: Annotated[Principal, access("staff")], session: SessionDep
) -> UserPublic:
    """Change an account's name or e-mail address (only the fields sent)."""
    return UserPublic.model_validate(await service.change_user(session, user_id, body, by=principal))


@router.delete("/{user_id}", status_code=status.HTTP_204_NO_CONTENT, responses=error_responses(401, 403, 404, 429))
async def delete_user(
    user_id: UserId, principal: Annotated[Principal, access("staff")], session: SessionDep
) -> Response:
    """Remove an account: it can no longer sign in, and every session of that person ends at once."""
    await service.remove_user(session, user_id, by=principal)
    return Response(status_code=status.HTTP_204_NO_CONTENT)
