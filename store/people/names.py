"""The names Engage holds for one address: what a webhook body may carry about the person besides the
address itself (an event's actor label or detail), so erasure and the export look for them too.

Read before erasure overwrites them (`store.people.erasure.erase_person` calls this first). The
placeholders erasure writes (`[erased]`, `Erased`, empty) are never names.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from store.accounts.erasure import accounts_of
from store.tables import ExchangeApplication, ExchangeProgramme, Partner, Project, Respondent

#: What erasure leaves where a name was: never looked for.
PLACEHOLDERS: frozenset[str] = frozenset({"", "[erased]", "erased"})


def _same(column: Any, address: str) -> Any:
    return func.lower(func.trim(column)) == address


async def names_held(session: AsyncSession, address: str, digest: str) -> list[str]:
    """Every distinct name held for the address (trimmed, lower-cased `address`; `digest` its hash):
    partner contact, project and programme lead, respondent, applicant and account names."""
    names: list[str] = []
    names += await session.scalars(select(Partner.contact_name).where(_same(Partner.contact_email, address)))
    names += await session.scalars(select(Project.lead_name).where(_same(Project.lead_email, address)))
    for state in await session.scalars(select(ExchangeProgramme.state)):
        lead = (state or {}).get("lead") or {}
        if str(lead.get("email", "")).strip().lower() == address:
            names.append(str(lead.get("name", "")))
    names += await session.scalars(select(Respondent.name).where(Respondent.email_hash == digest))
    names += await session.scalars(select(ExchangeApplication.name).where(ExchangeApplication.email_hash == digest))
    names += [account.name for account in await accounts_of(session, digest)]
    return sorted({n.strip() for n in names if n and n.strip().lower() not in PLACEHOLDERS})
