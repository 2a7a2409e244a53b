"""No e-mail to an erased person: the e-mail writers of every feature drop such recipients before queuing.

Survey mail already skips every suppressed address (store.surveys.writes_wave_mail.eligible); project
and programme mail skip only addresses suppressed with reason `erased` (an opt-out from surveys must
not stop a lead's or an applicant's own business e-mail), and placeholders no one can receive: an
erased field (`[erased]`, empty) or a reserved `.invalid` address (the workflows' erased lead).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any, TypeVar

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from domain.erasure import is_erased_address
from store.hashing import email_hash
from store.in_lists import in_chunks
from store.tables import SurveySuppression

Row = TypeVar("Row", bound=Mapping[str, Any])


def undeliverable(address: str) -> bool:
    """An address that stands for an erased person rather than a mailbox."""
    return "@" not in address or is_erased_address(address)


async def erased_addresses(session: AsyncSession, addresses: Iterable[str]) -> set[str]:
    """Those of `addresses` (as given) whose person was erased: suppressed with reason `erased`."""
    by_hash: dict[str, list[str]] = {}
    for address in addresses:
        by_hash.setdefault(email_hash(address), []).append(address)
    erased: set[str] = set()
    for chunk in in_chunks(list(by_hash)):
        found = await session.scalars(
            select(SurveySuppression.email_hash).where(
                SurveySuppression.email_hash.in_(chunk), SurveySuppression.reason == "erased"
            )
        )
        for digest in found:
            erased.update(by_hash[digest])
    return erased


async def without_erased(session: AsyncSession, rows: Sequence[Row], *, address_key: str = "to_address") -> list[Row]:
    """`rows` (outbox rows about to be queued) less those addressed to an erased person or a placeholder."""
    deliverable = [row for row in rows if not undeliverable(str(row[address_key]))]
    erased = await erased_addresses(session, {str(row[address_key]) for row in deliverable})
    return [row for row in deliverable if str(row[address_key]) not in erased]
