"""Partner organisations and their API keys. Staff create them; a partner key sees only itself."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, status

from api.access import access, partner_scope
from api.auth import Principal
from api.deps import LimitQuery, OffsetQuery, SessionDep
from api.errors import PARTNER_NOT_FOUND, error_responses, not_found
from api.partners import service
from api.partners.schemas import KeyCreated, PartnerCreate, PartnerKeyCreate, PartnerPublic, PartnerUpdate
from api.read_audit import record_read
from api.schemas import Page
from store.partners import reads as partner_reads

router = APIRouter(prefix="/api/v1/partners", tags=["partners"])


@router.post("", status_code=status.HTTP_201_CREATED, responses=error_responses(401, 403, 409, 413, 422, 503))
async def create_partner(
    body: PartnerCreate, principal: Annotated[Principal, access("staff")], session: SessionDep
) -> PartnerPublic:
    """Register a partner organisation and its contact; a name already registered is 409."""
    return PartnerPublic.model_validate(await service.register_partner(session, body, by=principal))


@router.get("", responses=error_responses(401))
async def list_partners(
    principal: Annotated[Principal, access("signed_in")],
    session: SessionDep,
    limit: LimitQuery = 50,
    offset: OffsetQuery = 0,
) -> Page[PartnerPublic]:
    """Partners, newest first; a partner key sees only its own organisation. Each read is audited (contacts)."""
    only = partner_scope(principal)
    await record_read(session, principal, "partners_read", only)
    rows, total = await partner_reads.list_partners(session, only_id=only, limit=limit, offset=offset)
    return Page(items=[PartnerPublic.model_validate(r) for r in rows], total=total, limit=limit, offset=offset)


@router.get("/{partner_id}", responses=error_responses(401, 404))
async def read_partner(
    partner_id: str, principal: Annotated[Principal, access("partner_self")], session: SessionDep
) -> PartnerPublic:
    """One partner organisation (its contact: the read is audited)."""
    partner = await partner_reads.get_partner(session, partner_id)
    if partner is None:
        raise not_found(PARTNER_NOT_FOUND)
    await record_read(session, principal, "partners_read", partner_id)
    return PartnerPublic.model_validate(partner)


@router.patch("/{partner_id}", responses=error_responses(401, 403, 404, 409, 422))
async def change_partner(
    partner_id: str, body: PartnerUpdate, principal: Annotated[Principal, access("staff")], session: SessionDep
) -> PartnerPublic:
    """Change a partner's name or its contact's name and e-mail (audited: `partner_changed`, naming the
    fields); a name another partner has is 409. Its projects' next e-mails go to the new contact."""
    return PartnerPublic.model_validate(await service.change_partner(session, partner_id, body, by=principal))


@router.post("/{partner_id}/keys", status_code=status.HTTP_201_CREATED, responses=error_responses(401, 403, 404, 422))
async def create_partner_key(
    partner_id: str, body: PartnerKeyCreate, principal: Annotated[Principal, access("staff")], session: SessionDep
) -> KeyCreated:
    """Issue an API key for a partner; the key is in this response only."""
    issued = await service.issue_partner_key(session, partner_id, body, by=principal)
    return KeyCreated.of(issued.row, issued.key)
