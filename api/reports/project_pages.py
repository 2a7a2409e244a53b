"""One project's impact report as a page (`/projects/{project_id}/report`, linked from the project's page)
and as a PDF (`/projects/{project_id}/report.pdf`), both from the one template `reports/project.html`.

Who may see it: as the JSON route, staff or a partner of the project (`project_party`; any other partner
gets the 404 page). The figures are api.reports.project_report's. Each chart is inline SVG from
api.reports.charts with the table of the same figures beside it (its text alternative). The PDF is that
HTML rendered with no viewer (no navigation or forms) by WeasyPrint (A4, "Page X of Y"); where
WeasyPrint cannot load, the PDF route shows the 503 page with the reason.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Annotated

from fastapi import APIRouter, Request
from fastapi.responses import Response
from starlette.concurrency import run_in_threadpool

from api.access import page_access
from api.app_services import services_of
from api.errors import ApiError
from api.pages.web import Viewer, as_api_error, not_found_page, render, unavailable_page
from api.reports import charts
from api.reports.page_kit import report_css
from api.reports.pdf import pdf_response
from api.reports.project_report import project_report
from api.reports.project_schemas import ProjectReport

router = APIRouter(include_in_schema=False)

PartyViewer = Annotated[Viewer, page_access("project_party")]
TEMPLATE = "reports/project.html"
SOURCES = ("Intended", "Partner", "Museum", "Participants")


def report_charts(report: ProjectReport) -> dict[str, object]:
    """The comparison of levels per outcome; per outcome with answers, its means per wave and the spread
    of answers in the wave the participants' level comes from (a suppressed wave is marked "too few")."""
    outcomes = report.outcomes
    shown = sorted({x.participants.n for x in outcomes if x.participants.mean is not None})
    n_note = "participants n = " + (
        "0" if not shown else " to ".join(str(n) for n in dict.fromkeys([shown[0], shown[-1]]))
    )
    comparison = charts.comparison_chart(
        [x.title for x in outcomes],
        {
            "Intended": [x.intention for x in outcomes],
            "Partner": [x.partner for x in outcomes],
            "Museum": [x.museum for x in outcomes],
            "Participants": [x.participants.mean for x in outcomes],
        },
        title="Outcomes: intended, rated and answered",
        n_note=n_note,
    )
    means: dict[str, str] = {}
    distributions: dict[str, str] = {}
    for x in outcomes:
        if not any(w.n for w in x.waves):
            continue
        means[x.key] = charts.wave_means_chart(
            [w.offset for w in x.waves], [w.mean for w in x.waves], [w.n for w in x.waves],
            title=f"{x.title}: mean answer per wave",
        )  # fmt: skip
        chosen = next((w for w in x.waves if w.index == x.participants.wave_index), None)
        if chosen is not None and chosen.distribution is not None:
            distributions[x.key] = charts.distribution_chart(
                {int(level): count for level, count in chosen.distribution.items()},
                title=f"{x.title}, {chosen.offset}: answers",
            )
    return {"comparison": comparison, "means": means, "distributions": distributions}


async def _charts(report: ProjectReport) -> dict[str, object]:
    """`report_charts` off the event loop: a dozen charts take about a second of CPU (figures built with
    matplotlib's object API, one per call, so threads share no figure)."""
    return await run_in_threadpool(report_charts, report)


def _safe(project_id: str) -> str:
    """The id as a file name: letters, digits, - and _ only (it goes into a header), at most 32."""
    return re.sub(r"[^A-Za-z0-9_-]", "", project_id)[:32] or "project"


async def _report(request: Request, viewer: Viewer, project_id: str) -> ProjectReport | None:
    services = services_of(request)
    with as_api_error(viewer.principal):
        return await project_report(services, project_id, services.settings.report_min_n, datetime.now(UTC))


@router.get("/projects/{project_id}/report")
async def project_report_page(request: Request, viewer: PartyViewer, project_id: str) -> Response:
    """The project's impact report as a page, with a link to its PDF."""
    try:
        report = await _report(request, viewer, project_id)
    except ApiError as error:
        return unavailable_page(request, viewer, error)
    if report is None:
        return not_found_page(request, viewer)
    return render(request, TEMPLATE, viewer, r=report, c=await _charts(report), pdf=False)


@router.get("/projects/{project_id}/report.pdf")
async def project_report_pdf(request: Request, viewer: PartyViewer, project_id: str) -> Response:
    """The same report as an A4 PDF with page numbers."""
    try:
        report = await _report(request, viewer, project_id)
        if report is None:
            return not_found_page(request, viewer)
        page = render(request, TEMPLATE, None, r=report, c=await _charts(report), pdf=True, report_css=report_css())
        return await pdf_response(bytes(page.body).decode(), f"project-{_safe(project_id)}-report.pdf")
    except ApiError as error:
        return unavailable_page(request, viewer, error)
