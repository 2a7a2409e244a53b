"""Counting the rows of a list query, for paginated answers (items, total, limit, offset)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Select, func, select
from sqlalchemy.ext.asyncio import AsyncSession


async def count_rows(session: AsyncSession, statement: Select[Any]) -> int:
    counted = await session.execute(select(func.count()).select_from(statement.order_by(None).subquery()))
    return int(counted.scalar_one())
