"""The e-mail outbox: every message Engage wrote, sent or held (staff only).

Survey e-mails show `[personal survey link]` where the respondent's link goes (store.link_seal): no
staff view ever shows a working survey token."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from api.access import access
from api.auth import Principal
from api.deps import LimitQuery, OffsetQuery, SessionDep
from api.errors import error_responses
from api.projects.schemas import OutboxEmailPublic
from api.read_audit import record_read
from api.schemas import Page
from store.link_seal import redact_links
from store.projects import reads as project_reads
from store.projects.reads import OutboxFilter
from store.tables import OUTBOX_KINDS

router = APIRouter(prefix="/api/v1/outbox", tags=["outbox"])

#: `kind=` takes one of the outbox's kinds (store.tables.OUTBOX_KINDS); anything else is a 422.
KIND_PATTERN = "^(" + "|".join(OUTBOX_KINDS) + ")$"


@router.get("", responses=error_responses(401, 403))
async def list_outbox(
    principal: Annotated[Principal, access("staff")],
    session: SessionDep,
    project_id: Annotated[str | None, Query(max_length=64)] = None,
    recipient: Annotated[
        str | None, Query(min_length=2, max_length=320, description="Part of the address or name, any case.")
    ] = None,
    kind: Annotated[
        str | None, Query(pattern=KIND_PATTERN, description="project, survey, exchange or account.")
    ] = None,
    limit: LimitQuery = 50,
    offset: OffsetQuery = 0,
) -> Page[OutboxEmailPublic]:
    """E-mails written to the outbox, newest first, optionally narrowed by project, recipient and kind.

    Each read is audited (`outbox_read`, naming the project or `all`; never the recipient searched for).
    """
    await record_read(session, principal, "outbox_read", project_id)
    filters = OutboxFilter(project_id=project_id, kind=kind, recipient=recipient)
    rows, total = await project_reads.list_outbox(
        session, project_id=project_id, limit=limit, offset=offset, filters=filters
    )
    items = [
        OutboxEmailPublic(
            id=r.id,
            project_id=r.project_id,
            event_id=r.event_id,
            audience=r.audience,
            kind=r.kind,
            to=r.to_address,
            to_name=r.to_name,
            subject=r.subject,
            body=redact_links(r.body),  # rows queued before links were sealed still hold one
            status=r.status,
            attempts=r.attempts,
            created_at=r.created_at,
            sent_at=r.sent_at,
        )
        for r in rows
    ]
    return Page(items=items, total=total, limit=limit, offset=offset)
