"""The portfolio impact report: what the query means, and the figures, from the grouped reads of
`store.reports.portfolio_reads` (called by the JSON route, the page and the PDF alike).

Days and years begin in the museum's time zone (`ENGAGE_TIMEZONE`): a report "for 2026" is the
museum's 2026. Participants' figures are the Likert answers (1-5) mapped to each outcome of the
`community-impact` framework through the instrument the response was given on; any group of fewer
than `min_n` respondents is suppressed (null, with the reason) rather than shown.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncSession

from api.reports.portfolio_schemas import (
    TOO_FEW,
    Filters,
    OutcomeAcross,
    ParticipantFigure,
    Period,
    PortfolioReport,
    ProjectCounts,
    RatingFigure,
    StageCount,
    TemplateCount,
    WaveRate,
    YearOutcome,
    YearTrend,
)
from domain.durations import IsoDuration
from domain.impact import RATING_SOURCES
from domain.instruments import InstrumentCatalog
from domain.lifecycle import STAGE_ORDER, TERMINAL_STAGES
from domain.surveys import OutcomeFramework, QuestionKind
from store.reports import portfolio_reads as reads

FRAMEWORK = "community-impact"
_STAGES = [s.value for s in STAGE_ORDER] + sorted(s.value for s in TERMINAL_STAGES)


@dataclass(frozen=True)
class PortfolioQuery:
    """The report's query, checked: a period of whole days and the optional filters."""

    start: date
    end: date
    template: str | None = None
    partner_id: str | None = None


@dataclass
class _Tally:
    """Likert answers to one outcome in one group (the period, or one year)."""

    total: int = 0
    answers: int = 0
    respondents: set[str] = field(default_factory=set)

    def add(self, respondent_id: str, value: int) -> None:
        self.total += value
        self.answers += 1
        self.respondents.add(respondent_id)

    def figure(self, min_n: int) -> ParticipantFigure:
        people = len(self.respondents)
        if 0 < people < min_n:
            return ParticipantFigure(
                respondents=None, answers=None, mean=None, suppressed=True, reason=TOO_FEW.format(min_n=min_n)
            )
        mean = round(self.total / self.answers, 2) if self.answers else None
        return ParticipantFigure(respondents=people, answers=self.answers, mean=mean)


def rate(offset: str, counts: reads.InvitedAnswered, min_n: int) -> WaveRate:
    """Invited vs answered; fewer than `min_n` invited: the answered count and rate are not shown."""
    if 0 < counts.invited < min_n:
        return WaveRate(
            offset=offset,
            invited=counts.invited,
            answered=None,
            response_rate=None,
            suppressed=True,
            reason=TOO_FEW.format(min_n=min_n),
        )
    share = round(counts.answered / counts.invited, 4) if counts.invited else None
    return WaveRate(offset=offset, invited=counts.invited, answered=counts.answered, response_rate=share)


#: (instrument ref, question key) -> outcome key.
_Mapping = dict[tuple[str, str], str]


def _likert_outcomes(instruments: InstrumentCatalog) -> _Mapping:
    """(instrument ref, question key) -> outcome key, for the framework's Likert questions."""
    return {
        (i.ref, q.key): q.outcome
        for i in instruments.all()
        if i.framework == FRAMEWORK
        for q in i.questions
        if q.kind is QuestionKind.LIKERT
    }


def _ms(day: date, zone: ZoneInfo) -> datetime:
    """Midnight starting `day` in the museum's zone, as UTC."""
    return datetime.combine(day, time(), zone).astimezone(UTC)


def _stage_counts(counts: Mapping[str, int]) -> list[StageCount]:
    ordered = [s for s in _STAGES if s in counts] + sorted(set(counts) - set(_STAGES))
    return [StageCount(stage=s, projects=counts[s]) for s in ordered]


def _project_counts(rows: Mapping[tuple[str, str], int]) -> ProjectCounts:
    by_stage: dict[str, int] = {}
    by_template: dict[str, dict[str, int]] = {}
    for (template, stage), n in rows.items():
        by_stage[stage] = by_stage.get(stage, 0) + n
        by_template.setdefault(template, {})[stage] = n
    return ProjectCounts(
        total=sum(rows.values()),
        by_stage=_stage_counts(by_stage),
        by_template=[
            TemplateCount(template=t, projects=sum(s.values()), stages=_stage_counts(s))
            for t, s in sorted(by_template.items())
        ],
    )


def _ratings(sums: Mapping[tuple[str, str], reads.RatingSum], outcome: str) -> dict[str, RatingFigure]:
    figures: dict[str, RatingFigure] = {}
    for source in RATING_SOURCES:
        found = sums.get((source, outcome))
        figures[source] = (
            RatingFigure(projects=found.projects, mean=round(found.total / found.projects, 2))
            if found and found.projects
            else RatingFigure(projects=0, mean=None)
        )
    return figures


def _sum_rates(rates: Iterable[reads.InvitedAnswered]) -> reads.InvitedAnswered:
    listed = list(rates)
    return reads.InvitedAnswered(sum(r.invited for r in listed), sum(r.answered for r in listed))


@dataclass(frozen=True)
class _Window:
    """The report's times as UTC instants: the period `[start, end)` and whole years `years`."""

    start: datetime
    end: datetime
    years: list[int]
    zone: ZoneInfo

    def year(self, year: int) -> tuple[datetime, datetime]:
        return _ms(date(year, 1, 1), self.zone), _ms(date(year + 1, 1, 1), self.zone)


async def _tally_answers(
    session: AsyncSession, selection: reads.Selection, window: _Window, outcomes: list[str], mapping: _Mapping
) -> tuple[dict[str, _Tally], dict[int, dict[str, _Tally]]]:
    """Participants' Likert answers per outcome over the period, and per calendar year: one streamed read."""
    period = {key: _Tally() for key in outcomes}
    by_year = {y: {key: _Tally() for key in outcomes} for y in window.years}
    first, last = window.year(window.years[0])[0], window.year(window.years[-1])[1]
    async for batch in reads.answers_between(session, selection, first, last):
        for row in batch:
            groups = [by_year[row.submitted_at.astimezone(window.zone).year]]
            if window.start <= row.submitted_at < window.end:
                groups.append(period)
            for question, value in row.answers.items():
                outcome = mapping.get((row.instrument, question))
                if outcome not in period or isinstance(value, bool) or not isinstance(value, int):
                    continue
                for group in groups:
                    group[outcome].add(row.respondent_id, value)
    return period, by_year


async def _trends(
    session: AsyncSession,
    selection: reads.Selection,
    window: _Window,
    by_year: dict[int, dict[str, _Tally]],
    min_n: int,
) -> list[YearTrend]:
    """Per calendar year: participants' figures and the response rate of the waves opened that year; the
    year before the period only when it has answers or waves."""
    trends: list[YearTrend] = []
    for index, year in enumerate(window.years):
        year_rates = await reads.wave_rates(session, selection, *window.year(year))
        tallies = by_year[year]
        if index == 0 and not year_rates and not any(t.answers for t in tallies.values()):
            continue
        trends.append(
            YearTrend(
                year=year,
                in_period=index > 0,
                outcomes=[YearOutcome(key=k, participants=t.figure(min_n)) for k, t in tallies.items()],
                response=rate("all", _sum_rates(year_rates.values()), min_n),
            )
        )
    return trends


async def portfolio_report(
    session: AsyncSession, query: PortfolioQuery, *, instruments: InstrumentCatalog, zone: ZoneInfo, min_n: int
) -> PortfolioReport:
    """The whole report: a handful of grouped reads, whatever the number of projects."""
    framework: OutcomeFramework = instruments.frameworks[FRAMEWORK]
    selection = reads.Selection(template=query.template, partner_id=query.partner_id)
    window = _Window(
        start=_ms(query.start, zone),
        end=_ms(query.end + timedelta(days=1), zone),
        years=list(range(query.start.year - 1, query.end.year + 1)),
        zone=zone,
    )
    keys = [o.key for o in framework.outcomes]
    period, by_year = await _tally_answers(session, selection, window, keys, _likert_outcomes(instruments))
    sums = await reads.rating_sums(session, selection, window.start, window.end)
    outcomes = [
        OutcomeAcross(key=o.key, title=o.title, participants=period[o.key].figure(min_n), **_ratings(sums, o.key))
        for o in framework.outcomes
    ]
    offsets = await reads.wave_rates(session, selection, window.start, window.end)
    return PortfolioReport(
        period=Period(start=query.start, end=query.end, timezone=zone.key),
        filters=Filters(template=query.template, partner=query.partner_id),
        min_n=min_n,
        projects=_project_counts(await reads.project_counts(session, selection, window.start, window.end)),
        outcomes=outcomes,
        response_rates=[rate(o, offsets[o], min_n) for o in sorted(offsets, key=_offset_order)],
        trends=await _trends(session, selection, window, by_year, min_n),
    )


def _offset_order(offset: str) -> tuple[float, str]:
    """P3M before P12M before P2Y (by approximate length); text that is no duration last."""
    try:
        return IsoDuration(offset).approximate().total_seconds(), offset
    except ValueError:
        return float("inf"), offset
