"""The API keys page's list: every key with what tells keys apart, never the key or its hash."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from store.paging import count_rows
from store.tables import ApiKey


async def list_keys(session: AsyncSession, *, limit: int, offset: int) -> tuple[list[ApiKey], int]:
    """Keys in use first (newest first), then revoked ones."""
    query = select(ApiKey)
    total = await count_rows(session, query)
    rows = await session.scalars(
        query.order_by(ApiKey.revoked_at.is_not(None), ApiKey.created_at.desc(), ApiKey.id).limit(limit).offset(offset)
    )
    return list(rows), total
