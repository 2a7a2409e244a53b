"""A person's account in their export and their erasure (store.people calls these).

Erased, an account is removed (it can no longer sign in; its sessions, unused links and calendar feed go)
and scrubbed: name and address become `[erased]`, `email_hash` `erased:<id>` (so the address no
longer finds it, and a second erasure finds nothing), and the audit trail's entries made by that
person (actor `user:<id>`) lose the name they carried. The row stays, so entries still say *an*
account acted. Never commits.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import CursorResult, delete, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from store.tables import AuditEntry, CalendarFeed, EvidenceFile, SignInLink, UserAccount, WebSession

ERASED = "[erased]"
ERASED_HASH_PREFIX = "erased:"


async def accounts_of(session: AsyncSession, digest: str) -> Sequence[UserAccount]:
    """The account (at most one: `email_hash` is unique) of the address whose hash is `digest`."""
    return list(await session.scalars(select(UserAccount).where(UserAccount.email_hash == digest)))


async def uploads_of(session: AsyncSession, digest: str) -> Sequence[EvidenceFile]:
    """The evidence files sent by this address's account (its `user:<id>`), oldest first."""
    actors = [f"user:{account.id}" for account in await accounts_of(session, digest)]
    if not actors:
        return []
    statement = (
        select(EvidenceFile)
        .where(EvidenceFile.uploaded_by.in_(actors))
        .order_by(EvidenceFile.uploaded_at, EvidenceFile.project_id, EvidenceFile.sha256)
    )
    return list(await session.scalars(statement))


async def unlink_uploads(session: AsyncSession, digest: str) -> int:
    """Forget who sent the files of this address's account (`uploaded_by` NULL); how many rows. The files
    and their rows stay: they are the projects' evidence. Call before `erase_accounts` (which unhooks the
    address from the account)."""
    actors = [f"user:{account.id}" for account in await accounts_of(session, digest)]
    if not actors:
        return 0
    result = await session.execute(
        update(EvidenceFile).where(EvidenceFile.uploaded_by.in_(actors)).values(uploaded_by=None)
    )
    assert isinstance(result, CursorResult)
    return max(result.rowcount, 0)


async def erase_accounts(session: AsyncSession, digest: str, now: datetime) -> int:
    """Remove and scrub the account of this address; how many were (0 or 1)."""
    erased = 0
    for account in await accounts_of(session, digest):
        actor = f"user:{account.id}"
        account.name, account.email = ERASED, ERASED
        account.email_hash = f"{ERASED_HASH_PREFIX}{account.id}"
        account.removed_at = account.removed_at or now
        await session.execute(delete(WebSession).where(WebSession.user_id == account.id))
        await session.execute(delete(SignInLink).where(SignInLink.user_id == account.id))
        await session.execute(delete(CalendarFeed).where(CalendarFeed.owner_key_id == actor))  # its private feed
        await session.execute(update(AuditEntry).where(AuditEntry.actor_key_id == actor).values(actor_label=ERASED))
        erased += 1
    await session.flush()
    return erased
