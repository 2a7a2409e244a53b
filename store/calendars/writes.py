"""Writes for calendars: a person's feed replaced or revoked, and events' SEQUENCE grown as they change.

Never commits (the transaction rule in store/): the API service commits once per request.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from datetime import datetime

from sqlalchemy import delete, update
from sqlalchemy.ext.asyncio import AsyncSession

from store.calendars.reads import items
from store.tables import CalendarFeed, CalendarItem
from store.upserts import insert_ignore


async def replace_feed(session: AsyncSession, *, owner_key_id: str, token_hash: str, now: datetime) -> CalendarFeed:
    """The owner's one feed, new: any older one is deleted in the same transaction, so its URL stops working."""
    await session.execute(delete(CalendarFeed).where(CalendarFeed.owner_key_id == owner_key_id))
    feed = CalendarFeed(id=uuid.uuid4().hex, owner_key_id=owner_key_id, token_hash=token_hash, created_at=now)
    session.add(feed)
    await session.flush()
    return feed


async def revoke_feed(session: AsyncSession, owner_key_id: str) -> bool:
    """Delete the owner's feed; False when there was none."""
    result = await session.execute(delete(CalendarFeed).where(CalendarFeed.owner_key_id == owner_key_id))
    return bool(getattr(result, "rowcount", 0))


async def versions(
    session: AsyncSession, fingerprints: Mapping[str, str], now: datetime
) -> dict[str, tuple[int, datetime]]:
    """(SEQUENCE, DTSTAMP) of each event by UID, given a hash of what it says now.

    A UID seen for the first time starts at 0; one whose hash differs from the stored one grows by one.
    The update names the old hash, so two requests that see the same change grow it once, not twice.
    """
    await insert_ignore(
        session,
        CalendarItem,
        [{"uid": uid, "fingerprint": fp, "sequence": 0, "changed_at": now} for uid, fp in fingerprints.items()],
    )
    stored = await items(session, list(fingerprints))
    for uid, row in stored.items():
        if row.fingerprint != fingerprints[uid]:
            await session.execute(
                update(CalendarItem)
                .where(CalendarItem.uid == uid, CalendarItem.fingerprint == row.fingerprint)
                .values(fingerprint=fingerprints[uid], sequence=CalendarItem.sequence + 1, changed_at=now)
                .execution_options(synchronize_session=False)
            )
    session.expire_all()
    fresh = await items(session, list(fingerprints))
    return {uid: (row.sequence, row.changed_at) for uid, row in fresh.items()}
