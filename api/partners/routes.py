"""Partner organisations and their API keys. Staff create them; a partner key sees only itself."""

from __future__ import annotations

from datetime import UTC, datetime

from fastapi import APIRouter, status
from sqlalchemy.exc import IntegrityError

from api.auth import Role, issue_key
from api.deps import LimitQuery, OffsetQuery, PrincipalDep, SessionDep, StaffDep
from api.errors import PARTNER_EXISTS, PARTNER_NOT_FOUND, ApiError, error_responses, not_found
from api.partners.schemas import KeyCreated, PartnerCreate, PartnerKeyCreate, PartnerPublic
from api.schemas import Page
from store.partners import reads as partner_reads
from store.partners import writes as partner_writes

router = APIRouter(prefix="/api/v1/partners", tags=["partners"])


def _already_registered() -> ApiError:
    return ApiError(
        status.HTTP_409_CONFLICT, PARTNER_EXISTS, field="name", reason="already registered", error="PartnerExists"
    )


@router.post("", status_code=status.HTTP_201_CREATED, responses=error_responses(401, 403, 409, 413, 422, 503))
async def create_partner(body: PartnerCreate, principal: StaffDep, session: SessionDep) -> PartnerPublic:
    """Register a partner organisation and its contact; a name already registered is 409."""
    if await partner_reads.find_partner_by_name(session, body.name) is not None:
        raise _already_registered()
    try:
        partner = await partner_writes.create_partner(
            session,
            name=body.name,
            contact_name=body.contact_name,
            contact_email=body.contact_email,
            now=datetime.now(UTC),
        )
        await session.commit()
    except IntegrityError:
        # 👉 Two requests raced past the check above: the unique partner.name_key decides.
        await session.rollback()
        raise _already_registered() from None
    return PartnerPublic.model_validate(partner)


@router.get("", responses=error_responses(401))
async def list_partners(
    principal: PrincipalDep, session: SessionDep, limit: LimitQuery = 50, offset: OffsetQuery = 0
) -> Page[PartnerPublic]:
    """Partners, newest first; a partner key sees only its own organisation."""
    only = None if principal.is_staff else principal.partner_id
    rows, total = await partner_reads.list_partners(session, only_id=only, limit=limit, offset=offset)
    return Page(items=[PartnerPublic.model_validate(r) for r in rows], total=total, limit=limit, offset=offset)


@router.get("/{partner_id}", responses=error_responses(401, 404))
async def read_partner(partner_id: str, principal: PrincipalDep, session: SessionDep) -> PartnerPublic:
    """One partner organisation."""
    if not principal.is_staff and partner_id != principal.partner_id:
        raise not_found(PARTNER_NOT_FOUND)
    partner = await partner_reads.get_partner(session, partner_id)
    if partner is None:
        raise not_found(PARTNER_NOT_FOUND)
    return PartnerPublic.model_validate(partner)


@router.post("/{partner_id}/keys", status_code=status.HTTP_201_CREATED, responses=error_responses(401, 403, 404, 422))
async def create_partner_key(
    partner_id: str, body: PartnerKeyCreate, principal: StaffDep, session: SessionDep
) -> KeyCreated:
    """Issue an API key for a partner; the key is in this response only."""
    if await partner_reads.get_partner(session, partner_id) is None:
        raise not_found(PARTNER_NOT_FOUND)
    row, key = await issue_key(
        session, role=Role.PARTNER, partner_id=partner_id, label=body.label, now=datetime.now(UTC)
    )
    return KeyCreated.of(row, key)
