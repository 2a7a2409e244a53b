"""Staff and admin API keys (admin only), and revocation of any key by whoever may issue it."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

from fastapi import APIRouter, Response, status

from api.access import access, require_may_revoke
from api.auth import Principal, Role, audit_trail, issue_key
from api.deps import KeyCacheDep, SessionDep
from api.errors import KEY_NOT_FOUND, error_responses, not_found
from api.partners.schemas import KeyCreate, KeyCreated
from store.partners import reads as partner_reads
from store.partners import writes as partner_writes

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
    row = await partner_reads.get_api_key(session, key_id)
    if row is None:
        raise not_found(KEY_NOT_FOUND)
    require_may_revoke(principal, Role(row.role))
    now = datetime.now(UTC)
    await partner_writes.revoke_api_key(session, key_id, now)
    await audit_trail(session, principal, "key_revoked", key_id, now)
    await session.commit()
    cache.forget(key_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)
