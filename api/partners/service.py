"""Registering partner organisations and issuing their keys: the one code path behind
`POST /api/v1/partners`, `POST /api/v1/partners/{id}/keys` and the staff partners page's forms.

A name already registered (whatever its capitals or spacing) is refused with 409 `PartnerExists`
on `name`, checked first and, when two requests race past the check, by the unique constraint.
Refusals are `ApiError`s: the route answers them, the page renders them beside the form.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from fastapi import status
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from api.auth import Principal, Role, audit_trail, issue_key
from api.errors import PARTNER_EXISTS, PARTNER_NOT_FOUND, ApiError, not_found
from api.partners.schemas import PartnerCreate, PartnerKeyCreate, PartnerUpdate
from store.partners import reads as partner_reads
from store.partners import writes as partner_writes
from store.tables import ApiKey, Partner, partner_name_key


@dataclass(frozen=True)
class IssuedKey:
    """A partner's new key: the stored row, the key itself (shown once, never stored) and whose it is."""

    partner: Partner
    row: ApiKey
    key: str


def already_registered() -> ApiError:
    return ApiError(
        status.HTTP_409_CONFLICT, PARTNER_EXISTS, field="name", reason="already registered", error="PartnerExists"
    )


async def register_partner(session: AsyncSession, body: PartnerCreate, *, by: Principal) -> Partner:
    """Register a partner organisation and its contact, committed with who did it (the audit trail);
    409 if the name is taken."""
    if await partner_reads.find_partner_by_name(session, body.name) is not None:
        raise already_registered()
    now = datetime.now(UTC)
    try:
        partner = await partner_writes.create_partner(
            session, name=body.name, contact_name=body.contact_name, contact_email=body.contact_email, now=now
        )
        await audit_trail(session, by, "partner_registered", partner.id, now)
        await session.commit()
    except IntegrityError:
        # 👉 Two requests raced past the check above: the unique partner.name_key decides.
        await session.rollback()
        raise already_registered() from None
    return partner


async def change_partner(session: AsyncSession, partner_id: str, body: PartnerUpdate, *, by: Principal) -> Partner:
    """Change a partner's name or its contact (issue 15), committed with a `partner_changed` audit entry
    naming the fields changed (never their values); 404 for no such partner, 409 if the new name is
    another partner's. Nothing changed, nothing recorded."""
    partner = await partner_reads.get_partner(session, partner_id)
    if partner is None:
        raise not_found(PARTNER_NOT_FOUND)
    wanted = body.model_dump(exclude_none=True)
    fields = [name for name, value in wanted.items() if getattr(partner, name) != value]
    if not fields:
        return partner
    if "name" in fields:
        taken = await partner_reads.find_partner_by_name(session, wanted["name"])
        if taken is not None and taken.id != partner.id:
            raise already_registered()
        partner.name_key = partner_name_key(wanted["name"])
    for name in fields:
        setattr(partner, name, wanted[name])
    try:
        await audit_trail(session, by, "partner_changed", partner.id, datetime.now(UTC), detail={"fields": fields})
        await session.commit()
    except IntegrityError:
        # 👉 Another request took the name meanwhile: the unique partner.name_key decides.
        await session.rollback()
        raise already_registered() from None
    return partner


async def issue_partner_key(
    session: AsyncSession, partner_id: str, body: PartnerKeyCreate, *, by: Principal
) -> IssuedKey:
    """Issue an API key for a partner (404 if there is no such partner); the key is returned once."""
    partner = await partner_reads.get_partner(session, partner_id)
    if partner is None:
        raise not_found(PARTNER_NOT_FOUND)
    row, key = await issue_key(
        session, role=Role.PARTNER, partner_id=partner_id, label=body.label, now=datetime.now(UTC), by=by
    )
    return IssuedKey(partner, row, key)


async def partner_names(session: AsyncSession, partner_ids: Sequence[str]) -> dict[str, str]:
    """Partner id → name, in the order given, in one query; an id with no partner shows as itself."""
    found = await partner_reads.partner_names(session, partner_ids)
    return {partner_id: found.get(partner_id, partner_id) for partner_id in partner_ids}
