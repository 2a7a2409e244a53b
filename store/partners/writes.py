"""The few writes the API makes itself: partners, API keys, and the project's first read-model row.

Everything else in the read model is written by the `record_project_changes` activity. The
project row is inserted with ON CONFLICT DO NOTHING because that activity may already have
written a newer one (it creates the row too): the API's insert never overwrites it. Each
function commits its own unit of work.
"""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import delete, update
from sqlalchemy.ext.asyncio import AsyncSession

from domain.state import ProjectState
from store.tables import ApiKey, Partner, Project, ProjectPartner, WebSession
from store.upserts import insert_ignore


async def create_partner(
    session: AsyncSession, *, name: str, contact_name: str, contact_email: str, now: datetime
) -> Partner:
    partner = Partner(
        id=uuid.uuid4().hex, name=name, contact_name=contact_name, contact_email=contact_email, created_at=now
    )
    session.add(partner)
    await session.commit()
    return partner


async def create_api_key(
    session: AsyncSession,
    *,
    key_hash: str,
    prefix: str,
    role: str,
    partner_id: str | None,
    label: str,
    now: datetime,
) -> ApiKey:
    """Store a new key by its hash only; the caller shows the key itself once and forgets it."""
    key = ApiKey(
        id=uuid.uuid4().hex,
        key_hash=key_hash,
        prefix=prefix,
        role=role,
        partner_id=partner_id,
        label=label,
        created_at=now,
        revoked_at=None,
    )
    session.add(key)
    await session.commit()
    return key


async def start_web_session(
    session: AsyncSession, session_id: str, key_id: str, now: datetime, expires_at: datetime
) -> None:
    """Record a page sign-in; expired rows of any key are swept on the way (they accept nothing)."""
    await session.execute(delete(WebSession).where(WebSession.expires_at <= now))
    session.add(WebSession(id=session_id, key_id=key_id, created_at=now, expires_at=expires_at))
    await session.commit()


async def end_web_session(session: AsyncSession, session_id: str) -> None:
    """Sign out: the session's cookie is refused from now on, by every replica."""
    await session.execute(delete(WebSession).where(WebSession.id == session_id))
    await session.commit()


async def revoke_api_key(session: AsyncSession, key_id: str, now: datetime) -> None:
    """Mark the key revoked; revoking twice keeps the first time."""
    await session.execute(update(ApiKey).where(ApiKey.id == key_id, ApiKey.revoked_at.is_(None)).values(revoked_at=now))
    await session.commit()


async def insert_project(session: AsyncSession, state: ProjectState, *, workflow_id: str) -> None:
    """The project's first read-model row (event_seq 0, no snapshot) and its partner links."""
    row = {
        "id": state.project_id,
        "workflow_id": workflow_id,
        "template_name": state.template_name,
        "template_version": state.template_version,
        "kind": state.kind,
        "title": state.title,
        "summary": state.summary,
        "lead_name": state.lead.name,
        "lead_email": state.lead.email,
        "stage": state.stage.value,
        "paused": False,
        "timezone": state.timezone,
        "next_due_at": state.next_due_at(),
        "created_at": state.created_at,
        "updated_at": state.updated_at,
        "event_seq": 0,
        "state": None,
    }
    await insert_ignore(session, Project, [row])
    links = [{"project_id": state.project_id, "partner_id": pid} for pid in state.partner_ids]
    if links:
        await insert_ignore(session, ProjectPartner, links)
    await session.commit()
