"""store.upserts on both databases: batched rows are counted exactly as row-by-row ones were.

The counts are how activities tell a first run from a retry, so a multi-row statement must report
only the rows it really inserted (DO NOTHING) or inserted and updated (DO UPDATE where the
condition held), and a batch naming one key twice must still work on PostgreSQL.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select

from store.tables import SurveySuppression
from store.upserts import insert_ignore, upsert
from tests.store.survey_builders import Sessions

NOW = datetime(2027, 3, 1, 10, 0, tzinfo=UTC)


def _row(digest: str, reason: str = "opted_out_everywhere") -> dict[str, Any]:
    return {"email_hash": digest, "reason": reason, "created_at": NOW}


async def _reasons(sessionmaker: Sessions) -> dict[str, str]:
    async with sessionmaker() as session:
        rows = await session.execute(select(SurveySuppression.email_hash, SurveySuppression.reason))
        return {digest: reason for digest, reason in rows.all()}


async def test_insert_ignore_counts_only_the_rows_it_inserted(sessionmaker: Sessions) -> None:
    async with sessionmaker.begin() as session:
        assert await insert_ignore(session, SurveySuppression, [_row("a"), _row("b")]) == 2
    async with sessionmaker.begin() as session:
        # One new, one existing, one repeated inside the batch: only "c" is written.
        written = await insert_ignore(session, SurveySuppression, [_row("a", "bounced"), _row("c"), _row("c")])
        assert await insert_ignore(session, SurveySuppression, []) == 0
    assert written == 1
    assert await _reasons(sessionmaker) == {
        "a": "opted_out_everywhere",
        "b": "opted_out_everywhere",
        "c": "opted_out_everywhere",
    }


async def test_upsert_counts_inserts_and_the_updates_its_condition_allowed(sessionmaker: Sessions) -> None:
    async with sessionmaker.begin() as session:
        await insert_ignore(session, SurveySuppression, [_row("a"), _row("b", "bounced")])
    async with sessionmaker.begin() as session:
        written = await upsert(
            session,
            SurveySuppression,
            [_row("a", "bounced"), _row("b", "opted_out_everywhere"), _row("c", "bounced")],
            ["email_hash"],
            ["reason"],
            # Only "bounced" may overwrite: "a" changes, "b" keeps its reason and is not counted.
            where=lambda new: new.reason == "bounced",
        )
    assert written == 2
    assert await _reasons(sessionmaker) == {"a": "bounced", "b": "bounced", "c": "bounced"}


async def test_upsert_with_one_key_twice_in_a_batch_applies_both_in_order(sessionmaker: Sessions) -> None:
    async with sessionmaker.begin() as session:
        written = await upsert(
            session, SurveySuppression, [_row("a"), _row("a", "bounced")], ["email_hash"], ["reason"]
        )
    assert written == 2  # inserted, then updated
    assert await _reasons(sessionmaker) == {"a": "bounced"}
