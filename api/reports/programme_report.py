"""The Knowledge Exchange programme-year report (issue 16): one year's placements both ways, its aims as
outcomes over the follow-up waves, its budget and its case studies, for the JSON route, the page and the PDF.

Built on the programme dashboard, never beside it: the placements, stages, money spent and response rates
are `api.exchange.service.programme_board`'s (the live state, else the recorded one), the aims' answers are
grouped by `api.exchange.dashboard.answers_by_aim` (the dashboard's means come from the same grouping),
costs by `costs_of`, case studies by `api.exchange.case_study.load`. What is added here: counts by
direction, partner, days and status, each aim's distribution of 1-5 answers per wave, and the rule that a
group of fewer than `min_n` respondents is not shown (its figures null, `suppressed` with the reason).
"""

from __future__ import annotations

from collections import Counter
from datetime import UTC, date, datetime, timedelta

from api.app_services import AppServices
from api.errors import ApiError
from api.exchange import case_study, service
from api.exchange.dashboard import AimAnswers, Answered, answers_by_aim, costs_of
from api.exchange.dashboard_schemas import OffsetRate, PlacementDashboard
from api.partners import service as partner_service
from api.reports.programme_schemas import (
    AimReport,
    AimWaveFigures,
    BudgetSection,
    CaseStudyLine,
    CostLine,
    DirectionCount,
    PartnerCount,
    PlacementLine,
    PlacementsSection,
    PlacementStatus,
    ProgrammeReport,
    StatusCount,
)
from domain.exchange import EXCHANGE_AIMS, Direction
from domain.lifecycle import Stage
from domain.state import ProjectState
from store.exchange import reads as exchange_reads
from store.reports import programme_reads

DIRECTION_LABELS = {
    Direction.TO_PARTNER: "Museum staff placed with partners",
    Direction.TO_MUSEUM: "Partner staff placed at the museum",
}
COMPLETED = {Stage.FOLLOW_UP.value, Stage.CLOSED.value}
CANCELLED = {Stage.WITHDRAWN.value, Stage.DECLINED.value}


def too_few(min_n: int) -> str:
    """The words that stand in for a group's figures (the same on the page, in the PDF and in the JSON)."""
    return f"Too few answers to show safely (fewer than {min_n})"


def working_days(starts_on: date, ends_on: date) -> int:
    """Monday-to-Friday days from `starts_on` to `ends_on`, both included (0 if they are reversed)."""
    return sum(1 for n in range((ends_on - starts_on).days + 1) if (starts_on + timedelta(days=n)).weekday() < 5)


def placement_status(stage: str | None, finished: bool = False) -> PlacementStatus:
    """completed once its project reached follow-up (or closed); cancelled if withdrawn or declined."""
    if stage in CANCELLED:  # 👉 a withdrawn placement is `finished` in the programme's state too
        return "cancelled"
    if finished or stage in COMPLETED:
        return "completed"
    return "planned"


def wave_figures(group: AimAnswers | None, rate: OffsetRate | None, offset: str, min_n: int) -> AimWaveFigures:
    """One aim at one offset; its answer figures only when at least `min_n` respondents gave them."""
    n = group.responses if group else 0
    values = group.values if group else []
    shown = n >= min_n
    return AimWaveFigures(
        offset=offset,
        invited=rate.invited if rate else 0,
        answered=rate.answered if rate else 0,
        response_rate=rate.response_rate if rate else 0.0,
        n=n,
        likert_answers=len(values) if shown else None,
        mean=round(sum(values) / len(values), 2) if shown and values else None,
        distribution={str(level): values.count(level) for level in range(1, 6)} if shown and values else None,
        suppressed=not shown,
        reason=None if shown else too_few(min_n),
    )


def aim_reports(grouped: list[AimAnswers], rates: list[OffsetRate], min_n: int) -> list[AimReport]:
    """Per aim, per offset invited (in time order) and any offset only answers name, its figures."""
    by_rate = {r.offset: r for r in rates}
    offsets = [r.offset for r in rates] + [g.offset for g in grouped if g.offset not in by_rate]
    offsets = list(dict.fromkeys(offsets))
    found = {(g.aim.key, g.offset): g for g in grouped}
    return [
        AimReport(
            aim=aim.key,
            outcome=aim.outcome,
            title=aim.title,
            waves=[wave_figures(found.get((aim.key, o)), by_rate.get(o), o, min_n) for o in offsets],
        )
        for aim in EXCHANGE_AIMS
    ]


def placements_section(rows: list[PlacementLine]) -> PlacementsSection:
    partners: dict[str, PartnerCount] = {}
    for row in rows:
        count = partners.setdefault(
            row.partner_id,
            PartnerCount(partner_id=row.partner_id, partner_name=row.partner_name, to_museum=0, to_partner=0, days=0),
        )
        if row.direction is Direction.TO_MUSEUM:
            count.to_museum += 1
        else:
            count.to_partner += 1
        count.days += row.days
    statuses = Counter(row.status for row in rows)
    return PlacementsSection(
        total=len(rows),
        days=sum(row.days for row in rows),
        by_direction=[
            DirectionCount(
                direction=d,
                label=label,
                placements=sum(1 for row in rows if row.direction is d),
                days=sum(row.days for row in rows if row.direction is d),
            )
            for d, label in DIRECTION_LABELS.items()
        ],
        by_partner=sorted(partners.values(), key=lambda p: p.partner_name.lower()),
        by_status=StatusCount(
            completed=statuses["completed"], cancelled=statuses["cancelled"], planned=statuses["planned"]
        ),
        items=rows,
    )


def budget_section(budget: float, costs: list[CostLine]) -> BudgetSection:
    spent = round(sum(c.amount for c in costs), 2)
    if not budget and not costs:
        note: str | None = "No budget and no costs are recorded for this year."
    elif not budget:
        note = "No budget is recorded for this year; the costs submitted are shown."
    elif not costs:
        note = "No costs have been submitted on the placements yet."
    else:
        note = None
    return BudgetSection(
        recorded=bool(budget or costs),
        note=note,
        budget=budget,
        spent=spent,
        remaining=round(budget - spent, 2),
        spent_fraction=round(spent / budget, 4) if budget else None,
        costs=costs,
    )


async def _case_studies(
    services: AppServices, year: int, marked: list[PlacementDashboard], names: dict[str, str]
) -> list[CaseStudyLine]:
    lines: list[CaseStudyLine] = []
    for placement in marked:
        try:
            async with services.sessionmaker() as session:
                study = await case_study.load(services, session, year, placement.id)
        except ApiError:  # not started yet: listed, with nothing to tell
            lines.append(
                CaseStudyLine(
                    placement_id=placement.id,
                    title=f"Knowledge Exchange {year}: {names.get(placement.partner_id, placement.partner_id)}",
                    summary="Marked as a case study; its placement has not started yet.",
                    partner_name=names.get(placement.partner_id, placement.partner_id),
                    direction=placement.direction,
                    stage=None,
                    reflections=[],
                    url=f"/exchange/{year}/placements/{placement.id}/case-study",
                )
            )
            continue
        lines.append(
            CaseStudyLine(
                placement_id=placement.id,
                title=study.title,
                summary=study.summary,
                partner_name=names.get(placement.partner_id, placement.partner_id),
                direction=placement.direction,
                stage=study.stage,
                reflections=[f"{r.title} ({r.by}): {r.text}" for r in study.reflections],
                url=f"/exchange/{year}/placements/{placement.id}/case-study",
            )
        )
    return lines


async def programme_report(services: AppServices, year: int, min_n: int) -> ProgrammeReport | None:
    """The year's report; None when no programme was ever opened for `year`."""
    found = await service.programme_board(services, year)
    if found is None:
        return None
    board, state = found.board, found.state
    finished = {p.id for p in state.placements if p.finished}
    project_ids = [p.project_id for p in board.placements]
    async with services.sessionmaker() as session:
        names = await partner_service.partner_names(session, sorted({p.partner_id for p in board.placements}))
        projects = await exchange_reads.placement_projects(session, project_ids)
        answered = await programme_reads.answers_with_offsets(session, project_ids)
    rows: list[PlacementLine] = []
    costs: list[CostLine] = []
    for p in board.placements:
        name = names.get(p.partner_id, p.partner_id)
        rows.append(
            PlacementLine(
                id=p.id,
                partner_id=p.partner_id,
                partner_name=name,
                direction=p.direction,
                starts_on=p.starts_on,
                ends_on=p.ends_on,
                days=working_days(p.starts_on, p.ends_on),
                status=placement_status(p.stage, p.id in finished),
                stage=p.stage_title or p.stage,
                spent=p.spent,
            )
        )
        project = projects.get(p.project_id)
        if project is not None and project.state:
            snapshot = ProjectState.model_validate(project.state)
            costs.extend(
                CostLine(placement_id=p.id, partner_name=name, direction=p.direction, milestone=m, amount=amount)
                for m, amount in costs_of(snapshot)
            )
    grouped = answers_by_aim([Answered(offset, row) for offset, row in answered], services.instruments)
    marked = [p for p in board.placements if p.case_study]
    return ProgrammeReport(
        year=year,
        phase=state.phase.value,
        live=found.live,
        generated_at=datetime.now(UTC),
        min_n=min_n,
        placements=placements_section(rows),
        outcomes=aim_reports(grouped, board.response_rates.by_offset, min_n),
        budget=budget_section(state.budget, costs),
        case_studies=await _case_studies(services, year, marked, names),
    )
