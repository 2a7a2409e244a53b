"""The Knowledge Exchange dashboard's response schemas: placements with their stage and overdue
milestones, the budget, follow-up response rates and outcomes per aim (built by api.exchange.dashboard,
answered inside `ProgrammeDetail` by `GET /api/v1/exchange/programmes/{year}`)."""

from __future__ import annotations

from datetime import date, datetime

from pydantic import BaseModel, Field

from domain.exchange import Direction


class OverduePublic(BaseModel):
    key: str
    title: str
    due_at: datetime


class PlacementDashboard(BaseModel):
    id: str
    project_id: str
    partner_id: str
    direction: Direction
    starts_on: date
    ends_on: date
    focus_areas: list[str]
    case_study: bool
    stage: str | None = Field(description="The placement project's stage; null until its project has started.")
    stage_title: str | None = Field(
        default=None, description="The stage as the placement template names it, e.g. 'Planning'; null with `stage`."
    )
    next_due_at: datetime | None
    overdue: list[OverduePublic]
    spent: float = Field(description="Costs submitted on this placement's milestones (GBP).")


class BudgetPublic(BaseModel):
    budget: float
    spent: float
    remaining: float
    spent_fraction: float | None = Field(description="spent / budget; null when the budget is 0.")


class WaveRate(BaseModel):
    index: int
    offset: str
    status: str
    invited: int
    answered: int
    response_rate: float


class PlacementResponses(BaseModel):
    placement_id: str
    waves: list[WaveRate]


class OffsetRate(BaseModel):
    """One follow-up offset (e.g. P6M) across every placement: invitations and answers."""

    offset: str
    invited: int
    answered: int
    response_rate: float


class ResponseRates(BaseModel):
    by_offset: list[OffsetRate]
    by_placement: list[PlacementResponses]


class AimWave(BaseModel):
    offset: str
    responses: int = Field(description="Responses at this offset that answered a question of the aim's outcome.")
    likert_answers: int
    likert_mean: float | None


class AimPublic(BaseModel):
    aim: str
    outcome: str = Field(description="The outcome of the theory-of-change framework that measures this aim.")
    title: str
    waves: list[AimWave]


class DashboardPublic(BaseModel):
    placements: list[PlacementDashboard]
    budget: BudgetPublic
    response_rates: ResponseRates
    outcomes: list[AimPublic]
