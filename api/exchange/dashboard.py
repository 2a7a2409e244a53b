"""The programme dashboard: per placement its project stage and what is overdue, the budget spent,
survey response rates, and the programme's aims measured over time.

Everything comes from the read model, never from one query per placement to Temporal:
- stage and overdue milestones from the placement projects' `project`/`milestone` rows;
- money spent from the projects' state snapshots (`project.state`): the `submission` table has no
  cost column, the snapshot's `SubmissionRecord.cost` does. Per milestone the latest submission's
  cost counts (a resubmission replaces the earlier figure), unless staff declined it;
- response rates from store.surveys.reads_reports.wave_report per placement project, and summed per offset;
- outcomes: survey answers mapped through the outcome framework (each question names its outcome),
  grouped by the programme's aims and by wave offset (P7D, P6M, ...), Likert means per group.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from api.exchange.dashboard_schemas import (
    AimPublic,
    AimWave,
    BudgetPublic,
    DashboardPublic,
    OffsetRate,
    OverduePublic,
    PlacementDashboard,
    PlacementResponses,
    ResponseRates,
    WaveRate,
)
from api.projects.views import catalog_stage_title
from domain.durations import IsoDuration
from domain.exchange import EXCHANGE_AIMS, Aim, ExchangeState
from domain.instruments import InstrumentCatalog
from domain.state import ProjectState
from domain.submissions import Decision
from domain.surveys import QuestionKind
from domain.templates import TemplateCatalog
from store.exchange import reads as exchange_reads
from store.surveys import reads_reports as survey_reports
from store.surveys.reads_reports import ResponseRow, WaveSummary


def costs_of(state: ProjectState) -> list[tuple[str, float]]:
    """(milestone title, cost) for each milestone whose latest costed submission counts."""
    spent: list[tuple[str, float]] = []
    for milestone in state.milestones:
        costed = [s for s in milestone.submissions if s.cost is not None]
        if costed and costed[-1].decision is not Decision.DECLINE:
            cost = costed[-1].cost
            assert cost is not None
            spent.append((milestone.title, cost))
    return spent


def _offset_order(offset: str) -> tuple[int, float, str]:
    try:
        return (0, IsoDuration(offset).approximate().total_seconds(), offset)
    except (ValueError, OverflowError):
        return (1, 0.0, offset)


@dataclass(frozen=True)
class Answered:
    """One response, with the offset of the wave it answered."""

    offset: str
    row: ResponseRow


@dataclass(frozen=True)
class AimAnswers:
    """One aim at one offset: responses that spoke to its outcome, and their Likert values (1-5)."""

    aim: Aim
    offset: str
    responses: int
    values: list[int]


def answers_by_aim(answers: Sequence[Answered], instruments: InstrumentCatalog) -> list[AimAnswers]:
    """Per aim (in EXCHANGE_AIMS order), per offset (in time order): the responses and Likert values that
    measure it. The one grouping behind the dashboard's means and the programme report's distributions."""
    outcome_of: dict[tuple[str, str], str] = {}
    likert: set[tuple[str, str]] = set()
    for ref in {a.row.instrument for a in answers}:
        instrument = instruments.get(ref)
        for question in instrument.questions if instrument else ():
            outcome_of[(ref, question.key)] = question.outcome
            if question.kind is QuestionKind.LIKERT:
                likert.add((ref, question.key))
    offsets = sorted({a.offset for a in answers}, key=_offset_order)
    grouped: list[AimAnswers] = []
    for aim in EXCHANGE_AIMS:
        for offset in offsets:
            responses, values = 0, list[int]()
            for answered in (a for a in answers if a.offset == offset):
                row = answered.row
                mine = [k for k in row.answers if outcome_of.get((row.instrument, k)) == aim.outcome]
                responses += bool(mine)
                values.extend(v for k in mine if (row.instrument, k) in likert and isinstance(v := row.answers[k], int))
            grouped.append(AimAnswers(aim, offset, responses, values))
    return grouped


def outcomes_by_aim(answers: Sequence[Answered], instruments: InstrumentCatalog) -> list[AimPublic]:
    """Per aim, per offset: responses that spoke to its outcome, and the mean of their Likert answers."""
    grouped = answers_by_aim(answers, instruments)
    return [
        AimPublic(
            aim=aim.key,
            outcome=aim.outcome,
            title=aim.title,
            waves=[
                AimWave(
                    offset=g.offset,
                    responses=g.responses,
                    likert_answers=len(g.values),
                    likert_mean=round(sum(g.values) / len(g.values), 3) if g.values else None,
                )
                for g in grouped
                if g.aim == aim
            ],
        )
        for aim in EXCHANGE_AIMS
    ]


def _rates(placement_id: str, summaries: Iterable[WaveSummary]) -> PlacementResponses:
    return PlacementResponses(
        placement_id=placement_id,
        waves=[
            WaveRate(
                index=s.wave_index,
                offset=s.offset,
                status=s.status,
                invited=s.counts.invited,
                answered=s.counts.answered,
                response_rate=s.response_rate,
            )
            for s in summaries
        ],
    )


def _by_offset(placements: Iterable[PlacementResponses]) -> list[OffsetRate]:
    invited: dict[str, int] = defaultdict(int)
    answered: dict[str, int] = defaultdict(int)
    for placement in placements:
        for wave in placement.waves:
            invited[wave.offset] += wave.invited
            answered[wave.offset] += wave.answered
    return [
        OffsetRate(
            offset=offset,
            invited=invited[offset],
            answered=answered[offset],
            response_rate=round(answered[offset] / invited[offset], 4) if invited[offset] else 0.0,
        )
        for offset in sorted(invited, key=_offset_order)
    ]


async def dashboard(
    session: AsyncSession,
    state: ExchangeState,
    instruments: InstrumentCatalog,
    now: datetime,
    catalog: TemplateCatalog,
) -> DashboardPublic:
    placements = state.placements
    project_ids = [p.project_id for p in placements]
    projects = await exchange_reads.placement_projects(session, project_ids)
    marked = {p.id: p.case_study for p in await exchange_reads.list_placements(session, state.year)}
    overdue: dict[str, list[OverduePublic]] = defaultdict(list)
    for m in await exchange_reads.overdue_milestones(session, project_ids, now):
        overdue[m.project_id].append(OverduePublic(key=m.key, title=m.title, due_at=m.due_at))
    rows: list[PlacementDashboard] = []
    rates: list[PlacementResponses] = []
    answers: list[Answered] = []
    for placement in placements:
        project = projects.get(placement.project_id)
        snapshot = ProjectState.model_validate(project.state) if project and project.state else None
        rows.append(
            PlacementDashboard(
                id=placement.id,
                project_id=placement.project_id,
                partner_id=placement.partner_id,
                direction=placement.direction,
                starts_on=placement.starts_on,
                ends_on=placement.ends_on,
                focus_areas=list(placement.focus_areas),
                case_study=marked.get(placement.id, False),
                stage=project.stage if project else None,
                stage_title=(
                    catalog_stage_title(catalog, project.template_name, project.template_version, project.stage)
                    if project
                    else None
                ),
                next_due_at=project.next_due_at if project else None,
                overdue=overdue.get(placement.project_id, []),
                spent=round(sum(cost for _, cost in costs_of(snapshot)), 2) if snapshot else 0.0,
            )
        )
        summaries = await survey_reports.wave_report(session, placement.project_id)
        rates.append(_rates(placement.id, summaries))
        offsets = {s.wave_index: s.offset for s in summaries}
        answers.extend(
            Answered(offsets.get(r.wave_index, ""), r)
            for r in await survey_reports.responses_for_csv(session, placement.project_id)
        )
    spent = round(sum(r.spent for r in rows), 2)
    budget = BudgetPublic(
        budget=state.budget,
        spent=spent,
        remaining=round(state.budget - spent, 2),
        spent_fraction=round(spent / state.budget, 4) if state.budget else None,
    )
    return DashboardPublic(
        placements=rows,
        budget=budget,
        response_rates=ResponseRates(by_offset=_by_offset(rates), by_placement=rates),
        outcomes=outcomes_by_aim(answers, instruments),
    )
