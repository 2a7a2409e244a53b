"""The follow-up page's view model: the same reads as the JSON routes, plus what only a page needs.

`follow_up_page` gathers what `GET .../follow-up`, `GET .../respondents` and `GET .../outcomes`
answer (api.follow_up.service and respondents, the store's reports), records the respondents read
in the audit trail as the JSON list does, and renders `follow_up.html`. The outcome charts are
drawn here as plain geometry (an SVG the template writes out: no script, no image fetch, nothing
the pages' Content-Security-Policy forbids), each with a table of the same figures beside it, so a
screen reader or a printout loses nothing.
"""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime

from fastapi import Request, status
from fastapi.responses import HTMLResponse, Response
from sqlalchemy.ext.asyncio import AsyncSession

from api.app_services import services_of
from api.errors import ApiError
from api.follow_up import respondents, service
from api.follow_up.page_words import LANGUAGE_NAMES
from api.follow_up.schemas import FollowUpPublic, OutcomePublic, RespondentImport
from api.pages.web import FormError, Viewer, as_api_error, not_found_page, render, unavailable_page
from api.read_audit import record_read
from domain.lifecycle import TERMINAL_STAGES
from store.surveys import reads as survey_reads
from store.surveys import reads_reports as survey_reports
from store.surveys.reads_reports import WaveSummary
from store.tables import Respondent

#: The chart's drawing box (SVG user units) and the Likert scale it shows.
CHART_WIDTH, CHART_HEIGHT = 520, 240
PLOT_LEFT, PLOT_RIGHT, PLOT_TOP, PLOT_BOTTOM = 56, 500, 16, 184
SCALE_MAX = 5
_DURATION = re.compile(r"^P(?:(\d+)Y)?(?:(\d+)M)?(?:(\d+)W)?(?:(\d+)D)?$")
_UNITS = (("year", "years"), ("month", "months"), ("week", "weeks"), ("day", "days"))


def offset_words(offset: str) -> str:
    """An ISO 8601 offset as people say it: P3M is "3 months after the end", P0D "at the end"."""
    found = _DURATION.match(offset)
    if found is None:
        return offset
    parts = [
        f"{n} {one if int(n) == 1 else many}"
        for n, (one, many) in zip(found.groups(), _UNITS, strict=True)
        if n and int(n)
    ]
    return f"{' '.join(parts)} after the end" if parts else "at the end"


@dataclass(frozen=True)
class Bar:
    x: float
    y: float
    width: float
    height: float
    label: str  # the wave, as on the axis
    value: str  # the mean, or "no answers"
    n: int  # Likert answers behind the mean
    centre: float


@dataclass(frozen=True)
class Chart:
    """One outcome over the waves: a bar per wave, the mean Likert answer (1 to 5) and its n."""

    outcome: OutcomePublic
    bars: list[Bar]
    ticks: list[tuple[int, float]]  # scale value, its y
    baseline: float


def _y(value: float) -> float:
    return PLOT_BOTTOM - (PLOT_BOTTOM - PLOT_TOP) * value / SCALE_MAX


def outcome_chart(outcome: OutcomePublic) -> Chart:
    """Bars of equal width across the plot, one per wave, in wave order."""
    count = max(1, len(outcome.waves))
    slot = (PLOT_RIGHT - PLOT_LEFT) / count
    width = min(72.0, slot * 0.6)
    bars: list[Bar] = []
    for i, wave in enumerate(outcome.waves):
        centre = PLOT_LEFT + slot * (i + 0.5)
        mean = wave.likert_mean
        top = _y(mean) if mean is not None else PLOT_BOTTOM
        bars.append(
            Bar(
                x=round(centre - width / 2, 1),
                y=round(top, 1),
                width=round(width, 1),
                height=round(PLOT_BOTTOM - top, 1),
                label=f"Wave {wave.index + 1}",
                value=f"{mean:.2f}" if mean is not None else "no answers",
                n=wave.likert_answers,
                centre=round(centre, 1),
            )
        )
    ticks = [(v, round(_y(v), 1)) for v in range(SCALE_MAX + 1)]
    return Chart(outcome, bars, ticks, PLOT_BOTTOM)


@dataclass(frozen=True)
class RespondentCounts:
    total: int
    opted_out: int
    bounced: int


@dataclass(frozen=True)
class FollowUpSummary:
    """What the project page says of follow-up, for staff: counts from the database, never a name
    (so it is not a read of respondents' data for the audit trail, and asks Temporal nothing)."""

    respondents: int
    opted_out: int
    waves: list[WaveSummary]


async def follow_up_summary(session: AsyncSession, project_id: str) -> FollowUpSummary:
    people = await survey_reads.list_respondents(session, project_id)
    waves = await survey_reports.wave_report(session, project_id)
    opted_out = sum(1 for p in people if p.opted_out_at is not None)
    return FollowUpSummary(respondents=len(people), opted_out=opted_out, waves=waves)


async def follow_up_page(
    request: Request,
    viewer: Viewer,
    project_id: str,
    *,
    errors: dict[str, FormError] | None = None,
    values: dict[str, dict[str, str]] | None = None,
    report: RespondentImport | None = None,
    status_code: int = status.HTTP_200_OK,
) -> Response:
    """The follow-up page; after a refusal with the reason beside its form, after an import with the report."""
    services = services_of(request)
    try:
        async with services.sessionmaker() as session:
            with as_api_error(viewer.principal):
                found = await respondents.project_survey(services, session, project_id)
                follow_up = await service.read_follow_up(services.client, session, services.sessionmaker, project_id)
            await record_read(session, viewer.principal, "respondents_read", project_id)
            people = await survey_reads.list_respondents(session, project_id)
            rows = await survey_reports.responses_for_csv(session, project_id)
            summaries = await survey_reports.wave_report(session, project_id)
    except ApiError as error:
        if error.status_code == status.HTTP_404_NOT_FOUND:
            return not_found_page(request, viewer)
        return unavailable_page(request, viewer, error)
    outcomes = service.outcomes_over_time(rows, summaries, found.instrument, services.instruments)
    return _render(
        request,
        viewer,
        found,
        follow_up,
        people,
        [outcome_chart(o) for o in outcomes.outcomes],
        errors=errors or {},
        values=values or {},
        report=report,
        status_code=status_code,
        responses=len(rows),
    )


def _render(
    request: Request,
    viewer: Viewer,
    found: respondents.ProjectSurvey,
    follow_up: FollowUpPublic,
    people: list[Respondent],
    charts: list[Chart],
    *,
    errors: dict[str, FormError],
    values: dict[str, dict[str, str]],
    report: RespondentImport | None,
    status_code: int,
    responses: int,
) -> HTMLResponse:
    project = found.project
    counts = RespondentCounts(
        total=len(people),
        opted_out=sum(1 for p in people if p.opted_out_at is not None),
        bounced=sum(1 for p in people if p.bounced_at is not None),
    )
    return render(
        request,
        "follow_up.html",
        viewer,
        status_code=status_code,
        project=project,
        tz=project.timezone,
        follow_up=follow_up,
        pending=[w for w in follow_up.waves if w.status.value == "scheduled"],
        people=people,
        counts=counts,
        charts=charts,
        chart_box=(CHART_WIDTH, CHART_HEIGHT, PLOT_LEFT, PLOT_RIGHT),
        responses=responses,
        languages=list(found.instrument.languages),
        language_pairs=[(code, LANGUAGE_NAMES.get(code, code)) for code in found.instrument.languages],
        roles=list(respondents.ROLES),
        offset_words=offset_words,
        errors=errors,
        values=values,
        report=report,
        ended=project.stage in {s.value for s in TERMINAL_STAGES},
        max_upload_mb=respondents.MAX_UPLOAD_BYTES // (1024 * 1024),
        max_rows=respondents.MAX_UPLOAD_ROWS,
        now=datetime.now(UTC),
        nonce=secrets.token_urlsafe(12),
    )
