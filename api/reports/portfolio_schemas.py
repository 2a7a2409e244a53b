"""The portfolio impact report's JSON (`GET /api/v1/reports/impact`): the portfolio across projects over a period.

Every figure computed from participants' answers carries `suppressed` (and `reason`): a group of fewer than
`ENGAGE_REPORT_MIN_N` respondents shows null instead of its numbers, so nobody can be picked out of it.
Levels given by staff, partners and the museum are about projects, not people, and are never suppressed.
"""

from __future__ import annotations

from datetime import date

from pydantic import BaseModel, ConfigDict, Field

#: What a suppressed figure says in its place (the page and the PDF say the same).
TOO_FEW = "Too few answers to show safely (fewer than {min_n})"
#: Which projects the counts cover (said in the JSON and on the page).
PROJECTS_COUNTED = "projects created in the period (from and to inclusive, in the museum's time zone)"
ANSWERS_COUNTED = "answers submitted in the period, to any selected project whenever it was created"
RATES_COUNTED = "waves opened in the period; answered: those invitees who answered the wave, whenever they did"
YEARS_COUNTED = "whole calendar years the period touches, and the year before it when that year has any data"


class Period(BaseModel):
    model_config = ConfigDict(populate_by_name=True, serialize_by_alias=True)

    start: date = Field(alias="from", description="The first day, inclusive.")
    end: date = Field(alias="to", description="The last day, inclusive.")
    timezone: str = Field(description="The museum's time zone, in which days and years begin.")


class Filters(BaseModel):
    template: str | None = Field(description="Only projects on this lifecycle template; null: every template.")
    partner: str | None = Field(description="Only projects this partner takes part in; null: every partner.")


class StageCount(BaseModel):
    stage: str
    projects: int


class TemplateCount(BaseModel):
    template: str
    projects: int
    stages: list[StageCount] = Field(description="This template's projects by stage (stages with none left out).")


class ProjectCounts(BaseModel):
    counted: str = Field(default=PROJECTS_COUNTED, description="Which projects these counts cover.")
    total: int
    by_stage: list[StageCount]
    by_template: list[TemplateCount]


class ParticipantFigure(BaseModel):
    """Participants' Likert answers (1-5) to one outcome's questions."""

    respondents: int | None = Field(
        description="People who answered at least one of its questions; null if suppressed."
    )
    answers: int | None = Field(description="Their Likert answers; null if suppressed.")
    mean: float | None = Field(description="The mean answer, 2 decimals; null if suppressed or none.")
    suppressed: bool = False
    reason: str | None = None


class RatingFigure(BaseModel):
    """One source's levels (1-5) for one outcome, averaged over the projects that have one."""

    projects: int
    mean: float | None = Field(description="2 decimals; null when no project has one.")


class OutcomeAcross(BaseModel):
    key: str
    title: str
    participants: ParticipantFigure
    intention: RatingFigure
    partner: RatingFigure
    museum: RatingFigure


class WaveRate(BaseModel):
    offset: str = Field(description="ISO 8601 duration after the project's end, e.g. P3M.")
    invited: int
    answered: int | None = Field(description="Null if suppressed.")
    response_rate: float | None = Field(
        description="answered / invited, 4 decimals; null if suppressed or none invited."
    )
    suppressed: bool = False
    reason: str | None = None


class YearOutcome(BaseModel):
    key: str
    participants: ParticipantFigure


class YearTrend(BaseModel):
    year: int
    in_period: bool = Field(description="False for the year before the period.")
    outcomes: list[YearOutcome]
    response: WaveRate = Field(description="Every wave opened that year together (offset: 'all').")


class PortfolioReport(BaseModel):
    """The portfolio across projects over a period: counts, outcomes, response rates, trends year on year."""

    period: Period
    filters: Filters
    min_n: int = Field(description="Groups of fewer respondents than this are not shown (ENGAGE_REPORT_MIN_N).")
    projects: ProjectCounts
    answers_counted: str = ANSWERS_COUNTED
    outcomes: list[OutcomeAcross]
    rates_counted: str = RATES_COUNTED
    response_rates: list[WaveRate]
    years_counted: str = YEARS_COUNTED
    trends: list[YearTrend]
