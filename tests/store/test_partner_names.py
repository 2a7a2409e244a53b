"""One row per organisation: partner.name_key is unique, and the migration keeps old duplicates."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import select, text
from sqlalchemy.exc import IntegrityError

from store.migrate import downgrade_to, upgrade_to_head
from store.session import create_engine, create_sessionmaker
from store.settings import StoreSettings
from store.tables import Partner

BEFORE_NAME_KEY = "8b3d75f60abd"
NOW = datetime(2026, 12, 6, 20, 30, tzinfo=UTC)


async def test_the_upgrade_keeps_organisations_registered_twice_and_then_refuses_a_third(
    store_settings: StoreSettings,
) -> None:
    await upgrade_to_head(store_settings)
    await downgrade_to(store_settings, BEFORE_NAME_KEY)
    engine = create_engine(store_settings)
    try:
        async with engine.begin() as connection:
            for partner_id, name in (("a" * 32, "Harbour Heritage"), ("b" * 32, "  harbour HERITAGE ")):
                await connection.execute(
                    text(
                        "INSERT INTO partner (id, name, contact_name, contact_email, created_at) "
                        "VALUES (:id, :name, 'C', 'c@x.example', :now)"
                    ),
                    {"id": partner_id, "name": name, "now": NOW},
                )
        await upgrade_to_head(store_settings)
        sessions = create_sessionmaker(engine)
        async with sessions() as session:
            keys = {row[0]: row[1] for row in await session.execute(select(Partner.id, Partner.name_key))}
        assert keys == {"a" * 32: "harbour heritage", "b" * 32: f"harbour heritage #{'b' * 32}"}
        with pytest.raises(IntegrityError):
            async with sessions.begin() as session:
                session.add(
                    Partner(
                        id="c" * 32,
                        name="HARBOUR  Heritage",
                        contact_name="C",
                        contact_email="c@x.example",
                        created_at=NOW,
                    )
                )
    finally:
        await engine.dispose()
