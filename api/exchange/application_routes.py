"""The call for applications: anyone may apply (no key) while the window is open; staff and partners list.

👉 Applications arrive in bursts near the deadline, so an application is never a Temporal Update on
the one programme workflow (the server admits ~10 in flight per workflow, ARCHITECTURE.md): it is
validated and stored in ONE database transaction, answered 201, and only then signalled to the
programme, best effort. The same code path serves the public form (api.exchange.apply_pages).
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, status

from api.access import access
from api.auth import Principal
from api.deps import LimitQuery, OffsetQuery, SessionDep, TemporalDep
from api.errors import error_responses
from api.exchange import service
from api.exchange.schemas import ApplicationCreate, ApplicationPublic, ApplicationReceipt, YearPath
from api.read_audit import record_read
from api.schemas import Page

router = APIRouter(prefix="/api/v1/exchange/programmes/{year}/applications", tags=["exchange"])


@router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    responses=error_responses(404, 409, 422, 503),
    dependencies=[access("public")],
)
async def submit_application(
    year: YearPath, body: ApplicationCreate, client: TemporalDep, session: SessionDep
) -> ApplicationReceipt:
    """Apply for a placement while the call is open (no key needed): one application per person per year."""
    applied = await service.submit_application(year, body, client=client, session=session)
    a = applied.application
    return ApplicationReceipt(
        id=a.id, year=a.year, organisation=a.organisation, status=a.status, submitted_at=a.submitted_at
    )


@router.get("", responses=error_responses(401, 404, 422, 503))
async def list_applications(
    year: YearPath,
    principal: Annotated[Principal, access("programme_party")],
    session: SessionDep,
    limit: LimitQuery = 50,
    offset: OffsetQuery = 0,
) -> Page[ApplicationPublic]:
    """Staff: every application. A partner: its own staff's, and the museum colleagues it may host."""
    await service.programme_row_state(session, year)  # 404 when there is no such programme
    await record_read(session, principal, "applications_read", str(year))
    # 👉 One year's call is hundreds of applications at most: paged here, like every other list.
    visible = await service.visible_applications(session, year, principal)
    return Page(items=visible[offset : offset + limit], total=len(visible), limit=limit, offset=offset)
