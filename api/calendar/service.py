"""What a calendar holds for whom, and a person's private feed: called by the JSON routes and the page.

Who sees what (decided here, said in the README): a partner, its own projects (workshops, display
opening and closing, due dates still owed) and its own placements; staff and admins, every project not
declined or withdrawn and every placement (the community team works across all of them, and no project
names its lead by key or account). A feed shows what its owner may see at the time it is read: a feed
whose owner's key is revoked (or account removed) answers 404, as an unknown token does.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime

from pydantic import SecretStr
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from api.access import partner_scope
from api.auth import Principal, audit_trail, principal_by_key_id
from api.calendar import entries as make
from api.calendar.entries import Entry
from api.calendar.ics import render
from api.errors import PROJECT_NOT_FOUND, not_found
from store.calendars import reads, writes
from store.exchange import reads as exchange_reads
from store.hashing import hash_token
from store.projects import reads as project_reads
from store.tables import Project

FEED_PATH = "/calendar/{token}.ics"
WORKSHOP_NOT_FOUND = "Workshop not found."
NO_DISPLAY = "This project has no display yet."


@dataclass(frozen=True)
class NewFeed:
    """A feed just made: its URL holds the token, shown this once (only its hash is kept)."""

    url: str
    created_at: datetime


def feed_url(base_url: str, token: str) -> str:
    return base_url.rstrip("/") + FEED_PATH.format(token=token)


async def create_feed(session: AsyncSession, principal: Principal, base_url: str, now: datetime) -> NewFeed:
    """A new feed for the caller, replacing (so revoking) any older one; audited, committed."""
    token = secrets.token_urlsafe(32)
    feed = await writes.replace_feed(session, owner_key_id=principal.key_id, token_hash=hash_token(token), now=now)
    await audit_trail(session, principal, "calendar_feed_created", feed.id, now)
    await session.commit()
    return NewFeed(url=feed_url(base_url, token), created_at=now)


async def revoke_feed(session: AsyncSession, principal: Principal, now: datetime) -> bool:
    """Revoke the caller's feed (its URL answers 404 from now on); False when there was none."""
    feed = await reads.feed_of(session, principal.key_id)
    if feed is None:
        return False
    await writes.revoke_feed(session, principal.key_id)
    await audit_trail(session, principal, "calendar_feed_revoked", feed.id, now)
    await session.commit()
    return True


async def feed_made_at(session: AsyncSession, principal: Principal) -> datetime | None:
    """When the caller's feed was made, or None: the URL itself cannot be shown again."""
    feed = await reads.feed_of(session, principal.key_id)
    return feed.created_at if feed is not None else None


async def _calendar(session: AsyncSession, name: str, found: list[Entry], now: datetime) -> bytes:
    versions = await writes.versions(session, {entry.uid: entry.fingerprint() for entry in found}, now)
    await session.commit()
    return render(name, found, versions)


async def _entries_for(session: AsyncSession, principal: Principal) -> list[Entry]:
    scope = partner_scope(principal)
    projects = await reads.dated_projects(session, scope)
    by_id = {project.id: project for project in projects}
    found: list[Entry] = []
    for project in projects:
        found.extend(make.workshop_entry(project, workshop) for workshop in make.workshops(project))
        shown = make.display(project)
        if shown is not None:
            found.extend(make.display_entries(project, shown))
    for milestone in await reads.due_milestones(session, list(by_id)):
        entry = make.milestone_entry(by_id[milestone.project_id], milestone)
        if entry is not None:
            found.append(entry)
    placements = await reads.placements(session, scope)
    titles = await exchange_reads.placement_projects(session, [placement.id for placement in placements])
    for placement in placements:
        row = titles.get(placement.id)
        found.append(make.placement_entry(placement, row.title if row is not None else placement.id))
    return found


async def feed_calendar(
    sessionmaker: async_sessionmaker[AsyncSession], admin_key: SecretStr | None, token: str, now: datetime
) -> bytes | None:
    """The feed a token opens, generated now from the read model; None for an unknown or revoked token,
    or one whose owner may no longer sign in."""
    async with sessionmaker() as session:
        feed = await reads.feed_by_token_hash(session, hash_token(token))
    if feed is None:
        return None
    found = await principal_by_key_id(feed.owner_key_id, admin_key=admin_key, sessionmaker=sessionmaker)
    if found is None:
        return None
    async with sessionmaker() as session:
        return await _calendar(session, "Engage", await _entries_for(session, found[0]), now)


async def _project(session: AsyncSession, project_id: str) -> Project:
    project = await project_reads.get_project(session, project_id)
    if project is None:
        raise not_found(PROJECT_NOT_FOUND)
    return project


async def workshop_calendar(session: AsyncSession, project_id: str, workshop_id: str, now: datetime) -> bytes:
    """One session as a calendar file (the same UID and SEQUENCE as in every feed)."""
    project = await _project(session, project_id)
    for workshop in make.workshops(project):
        if workshop.id == workshop_id:
            return await _calendar(session, workshop.title, [make.workshop_entry(project, workshop)], now)
    raise not_found(WORKSHOP_NOT_FOUND)


async def display_calendar(session: AsyncSession, project_id: str, now: datetime) -> bytes:
    """The display's opening and closing as a calendar file."""
    project = await _project(session, project_id)
    shown = make.display(project)
    if shown is None:
        raise not_found(NO_DISPLAY)
    return await _calendar(session, shown.title, make.display_entries(project, shown), now)
