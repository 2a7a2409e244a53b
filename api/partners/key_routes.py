"""Staff and admin API keys (admin only), and revocation of any key by whoever may issue it."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

from fastapi import APIRouter, Response, status

from api.access import access
from api.accounts import keys as account_keys
from api.auth import Principal, Role, issue_key
from api.deps import KeyCacheDep, SessionDep
from api.errors import error_responses
from api.partners.schemas import KeyCreate, KeyCreated

router = APIRouter(prefix="/api/v1/keys", tags=["keys"])


@router.post("", status_code=status.HTTP_201_CREATED, responses=error_responses(401, 403, 422))
async def create_key(
    body: KeyCreate, principal: Annotated[Principal, access("admin")], session: SessionDep
) -> KeyCreated:
    """Issue a staff or admin API key; the key is in this response only."""
    now = datetime.now(UTC)
    row, key = await issue_key(session, role=Role(body.role), partner_id=None, label=body.label, now=now, by=principal)
    return KeyCreated.of(row, key)


@router.delete("/{key_id}", status_code=status.HTTP_204_NO_CONTENT, responses=error_responses(401, 403, 404))
async def revoke_key(
    key_id: str, principal: Annotated[Principal, access("staff")], session: SessionDep, cache: KeyCacheDep
) -> Response:
    """Revoke a key at once on this replica (elsewhere within the key cache's TTL)."""
    await account_keys.revoke_key(session, key_id, by=principal, cache=cache)
    return Response(status_code=status.HTTP_204_NO_CONTENT)
