"""The Knowledge Exchange programme-year report's JSON (`GET /api/v1/exchange/programmes/{year}/report`),
also what its page and PDF render: the year's placements both ways, the programme's aims as outcomes over
the follow-up waves, the budget and the case studies. Built by api.reports.programme_report.

A figure computed from fewer than `min_n` respondents' answers is null, with `suppressed: true` and the
reason in words; counts of invitations and answers are shown, they say nothing of what anyone answered.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Literal

from pydantic import BaseModel, Field

from domain.exchange import Direction

PlacementStatus = Literal["completed", "cancelled", "planned"]


class PlacementLine(BaseModel):
    id: str
    partner_id: str
    partner_name: str
    direction: Direction
    starts_on: date
    ends_on: date
    days: int = Field(description="Working days (Monday to Friday) from starts_on to ends_on.")
    status: PlacementStatus = Field(
        description="completed: its project reached follow-up or closed; cancelled: withdrawn or declined; "
        "planned: anything before (not started, planning, the week itself, reflections)."
    )
    stage: str | None
    spent: float = Field(description="Costs submitted on its milestones (GBP).")


class DirectionCount(BaseModel):
    direction: Direction
    label: str
    placements: int
    days: int


class PartnerCount(BaseModel):
    partner_id: str
    partner_name: str
    to_museum: int = Field(description="Placements of the partner's staff at the museum.")
    to_partner: int = Field(description="Placements of museum staff hosted by the partner.")
    days: int


class StatusCount(BaseModel):
    completed: int
    cancelled: int
    planned: int


class PlacementsSection(BaseModel):
    total: int
    days: int
    by_direction: list[DirectionCount]
    by_partner: list[PartnerCount]
    by_status: StatusCount
    items: list[PlacementLine]


class AimWaveFigures(BaseModel):
    """One aim at one follow-up offset, across every placement of the year."""

    offset: str
    invited: int = Field(description="Invitations sent at this offset, every placement together.")
    answered: int
    response_rate: float = Field(description="answered / invited (0 when nobody was invited).")
    n: int = Field(description="Respondents whose answers spoke to this aim's outcome.")
    likert_answers: int | None = Field(description="Answers on the 1-5 scale; null when suppressed.")
    mean: float | None = Field(description="Mean of those answers, to 2 decimals; null when suppressed or none.")
    distribution: dict[str, int] | None = Field(
        description="How many answers gave each level '1'..'5'; null when suppressed or none."
    )
    suppressed: bool
    reason: str | None = Field(description="Why the figures are not shown, in words; null when shown.")


class AimReport(BaseModel):
    aim: str
    outcome: str = Field(description="The outcome of the theory-of-change framework that measures this aim.")
    title: str
    waves: list[AimWaveFigures]


class CostLine(BaseModel):
    placement_id: str
    partner_name: str
    direction: Direction
    milestone: str
    amount: float


class BudgetSection(BaseModel):
    recorded: bool = Field(description="False when the year has neither a budget nor any cost submitted.")
    note: str | None = Field(description="In words, when nothing (or only part) is recorded.")
    budget: float
    spent: float
    remaining: float
    spent_fraction: float | None
    costs: list[CostLine]


class CaseStudyLine(BaseModel):
    placement_id: str
    title: str
    summary: str
    partner_name: str
    direction: Direction
    stage: str | None = Field(description="Where the placement stands; null when its project has not started.")
    reflections: list[str] = Field(description="The partner's and the museum's reflections, by organisation.")
    url: str = Field(description="The full case study (staff page).")


class ProgrammeReport(BaseModel):
    year: int
    phase: str
    live: bool = Field(description="False: from the last recorded state (the programme's workflow did not answer).")
    generated_at: datetime
    min_n: int = Field(description="Groups of fewer respondents than this are not shown (ENGAGE_REPORT_MIN_N).")
    placements: PlacementsSection
    outcomes: list[AimReport]
    budget: BudgetSection
    case_studies: list[CaseStudyLine]
