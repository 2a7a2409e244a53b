"""Datetimes survive a round trip as aware UTC on both databases; naive ones are refused, not guessed."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy.exc import StatementError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from store.tables import Partner

Sessions = async_sessionmaker[AsyncSession]


async def test_an_aware_datetime_comes_back_as_the_same_instant_in_utc(sessionmaker: Sessions) -> None:
    in_new_york = datetime(2026, 5, 1, 8, 30, tzinfo=timezone(timedelta(hours=-4)))
    async with sessionmaker.begin() as session:
        session.add(
            Partner(id="a" * 32, name="n", contact_name="c", contact_email="c@x.example", created_at=in_new_york)
        )

    async with sessionmaker() as session:
        stored = await session.get_one(Partner, "a" * 32)

    assert stored.created_at == in_new_york
    assert stored.created_at.utcoffset() == timedelta(0)
    assert stored.created_at.hour == 12


async def test_a_naive_datetime_is_refused(sqlite_sessionmaker: Sessions) -> None:
    with pytest.raises(StatementError, match="naive datetime refused"):
        async with sqlite_sessionmaker.begin() as session:
            session.add(
                Partner(
                    id="b" * 32,
                    name="n",
                    contact_name="c",
                    contact_email="c@x.example",
                    created_at=datetime(2026, 5, 1),
                )
            )
