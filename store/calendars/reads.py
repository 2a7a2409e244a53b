"""Reads for calendars: a feed by its token's hash or its owner, and the dated rows a calendar shows.

`partner_id` narrows every list to one partner's own projects and placements; None lists all.
Projects that were declined or withdrawn are left out: nothing of theirs will take place.
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from store.in_lists import in_chunks
from store.tables import CalendarFeed, CalendarItem, ExchangePlacement, Milestone, Project, ProjectPartner

#: Stages whose dates no longer stand: their events leave every calendar.
GONE_STAGES = ("declined", "withdrawn")


async def feed_by_token_hash(session: AsyncSession, token_hash: str) -> CalendarFeed | None:
    return (
        await session.execute(select(CalendarFeed).where(CalendarFeed.token_hash == token_hash))
    ).scalar_one_or_none()


async def feed_of(session: AsyncSession, owner_key_id: str) -> CalendarFeed | None:
    return (
        await session.execute(select(CalendarFeed).where(CalendarFeed.owner_key_id == owner_key_id))
    ).scalar_one_or_none()


async def dated_projects(session: AsyncSession, partner_id: str | None) -> list[Project]:
    """Projects whose workshops, display and due dates a calendar shows (a partner's own, or all)."""
    query = select(Project).where(Project.stage.not_in(GONE_STAGES), Project.state.is_not(None))
    if partner_id is not None:
        query = query.join(ProjectPartner, ProjectPartner.project_id == Project.id).where(
            ProjectPartner.partner_id == partner_id
        )
    return list((await session.execute(query.order_by(Project.id))).scalars())


async def due_milestones(session: AsyncSession, project_ids: Sequence[str]) -> list[Milestone]:
    """Milestones with a due date in these projects (their status says whether one is still owed)."""
    found: list[Milestone] = []
    for batch in in_chunks(list(project_ids)):
        query = select(Milestone).where(Milestone.project_id.in_(batch), Milestone.due_at.is_not(None))
        found.extend((await session.execute(query)).scalars())
    return found


async def placements(session: AsyncSession, partner_id: str | None) -> list[ExchangePlacement]:
    """Knowledge Exchange placements (a partner's own, or all), by year and id."""
    query = select(ExchangePlacement)
    if partner_id is not None:
        query = query.where(ExchangePlacement.partner_id == partner_id)
    return list((await session.execute(query.order_by(ExchangePlacement.year, ExchangePlacement.id))).scalars())


async def items(session: AsyncSession, uids: Sequence[str]) -> dict[str, CalendarItem]:
    found: dict[str, CalendarItem] = {}
    for batch in in_chunks(list(uids)):
        for row in (await session.execute(select(CalendarItem).where(CalendarItem.uid.in_(batch)))).scalars():
            found[row.uid] = row
    return found
