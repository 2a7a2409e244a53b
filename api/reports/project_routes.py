"""One project's impact report as JSON: `GET /api/v1/projects/{project_id}/report`.

Staff, or a partner of the project (the access table's `project_party`: any other partner is answered
404 'Project not found.', as for a project that does not exist). The figures are
api.reports.project_report's, the same the page and its PDF show.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

from fastapi import APIRouter

from api.access import access
from api.auth import Principal
from api.deps import ServicesDep
from api.errors import PROJECT_NOT_FOUND, error_responses, not_found
from api.reports.project_report import project_report
from api.reports.project_schemas import ProjectReport

router = APIRouter(prefix="/api/v1/projects/{project_id}", tags=["reports"])


@router.get("/report", responses=error_responses(401, 404, 503))
async def read_project_report(
    project_id: str,
    principal: Annotated[Principal, access("project_party")],
    services: ServicesDep,
) -> ProjectReport:
    """The project's impact report: outputs, outcomes (intended, rated, answered), quotes, case study."""
    report = await project_report(services, project_id, services.settings.report_min_n, datetime.now(UTC))
    if report is None:
        raise not_found(PROJECT_NOT_FOUND)
    return report
