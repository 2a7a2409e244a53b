"""Reads of personal data go in the audit trail: who read which project's respondents, which year's
applications, the outbox, a decoded history (issue 14: "every staff, partner and admin action").

One entry per request, naming only the target (a project id, a year, `all`): never what was read.
It is committed before the data is answered, so a read the trail cannot record is not answered
(the caller gets the database's error, as for any write that fails), and no read goes unrecorded.
"""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from api.auth import Principal, audit_trail

#: The target of a read of everything of its kind (the whole outbox, no project filter).
EVERYTHING = "all"


async def record_read(session: AsyncSession, by: Principal, action: str, target_id: str | None) -> None:
    """Record in `session` that `by` read `target_id` (`EVERYTHING` when None), and commit."""
    await audit_trail(session, by, action, target_id or EVERYTHING, datetime.now(UTC))
    await session.commit()


async def record_read_apart(
    sessionmaker: async_sessionmaker[AsyncSession], by: Principal, action: str, target_id: str | None
) -> None:
    """`record_read` in a session of its own, for a route that holds none."""
    async with sessionmaker() as session:
        await record_read(session, by, action, target_id)
