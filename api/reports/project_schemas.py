"""The project report's JSON (`GET /api/v1/projects/{id}/report`): outputs, outcomes, quotes, case study.

Every field says what it counts, so a funder reading the JSON (or the page, which shows the same model)
knows how each figure was made. Figures over participants' answers use api.reports.schemas.
"""

from __future__ import annotations

from datetime import date, datetime

from pydantic import BaseModel, Field

from api.reports.schemas import Suppressed, WaveFigures


class PartnerName(BaseModel):
    id: str
    name: str = Field(description="The partner organisation's name (organisations only, never people).")


class CostLine(BaseModel):
    milestone: str = Field(description="The milestone's title.")
    amount: float = Field(description="GBP: its latest costed submission (a declined one does not count).")


class Outputs(BaseModel):
    """What was done: counted from the project's own record."""

    sessions_held: int = Field(description="Workshops with attendance recorded and not cancelled.")
    attendance_total: int = Field(description="Sum of the attendance recorded at those workshops.")
    participants_reached: int = Field(description="People registered for the project's follow-up surveys.")
    participants_reached_counts: str = Field(description="What participants_reached counts, in words.")
    partner_count: int
    partners: list[PartnerName]
    display_days: int = Field(
        description="Calendar days the display was open (first and last day counted, in the project's time "
        "zone), up to today while it is still open; 0 with no display or before it opens."
    )
    milestones_on_time: int = Field(description="Milestones with a due date first submitted on or before it.")
    milestones_late: int = Field(
        description="Milestones with a due date first submitted after it, or past it and still not submitted."
    )
    milestones_not_yet_due: int = Field(description="Milestones not submitted whose due date is still ahead.")
    costs_gbp: float = Field(description="Costs submitted with milestones, GBP (the sum of cost_lines).")
    cost_lines: list[CostLine]


class Participants(Suppressed):
    """Participants' level on an outcome: the mean of its Likert answers in the latest wave with enough."""

    mean: float | None = Field(description="Mean answer (1-5) in that wave, 2 decimals; null if no wave has enough.")
    n: int = Field(description="Respondents behind the mean (0 when none is shown).")
    wave_index: int | None = None
    offset: str | None = None


class OutcomeReport(BaseModel):
    key: str = Field(description="The outcome's key in the framework (e.g. confidence).")
    title: str
    intention: int | None = Field(description="The level staff intended (1-5); null if none was recorded.")
    partner: int | None = Field(description="The partner's rating at evaluation (1-5); null if none.")
    museum: int | None = Field(description="The museum's rating at evaluation (1-5); null if none.")
    participants: Participants
    waves: list[WaveFigures] = Field(description="Participants' answers on this outcome, per wave.")


class WaveResponse(BaseModel):
    index: int
    offset: str
    status: str = Field(description="open or closed")
    instrument: str = Field(description="The survey asked (name@version).")
    invited: int = Field(description="Respondents invited to this wave.")
    answered: int = Field(description="Of those, how many answered.")
    response_rate: float = Field(description="answered / invited (0 when nobody was invited), 4 decimals.")


class Quote(BaseModel):
    wave_index: int
    offset: str
    role: str = Field(description="The respondent's role (e.g. participant); never a name.")
    question: str = Field(description="The question answered.")
    text: str


class Reflection(BaseModel):
    title: str = Field(description="The milestone it was written for (the partner's or the museum's reflection).")
    by: str = Field(description="The organisation that wrote it (the partner's name, or the museum).")
    text: str


class CaseStudyRef(BaseModel):
    """The placement's case study in brief (api.exchange.case_study assembles it): who went where, when,
    on what, and both reflections; survey answers appear only as the report's own figures and quotes."""

    year: int
    placement_id: str
    url: str = Field(description="The full case study's page (staff).")
    title: str
    summary: str
    starts_on: date
    ends_on: date
    focus_areas: list[str]
    visitor_role: str = Field(description="The visiting colleague's job title, never their name.")
    reflections: list[Reflection]


class ProjectReport(BaseModel):
    project_id: str
    title: str
    template: str = Field(description="The lifecycle template the project follows (name@version).")
    stage: str
    framework: str = Field(description="The outcome framework the outcomes come from.")
    generated_at: datetime
    live: bool = Field(description="False: made from the last recorded state (the workflow did not answer).")
    min_n: int = Field(description="Groups of fewer respondents than this are not shown (ENGAGE_REPORT_MIN_N).")
    outputs: Outputs
    outcomes: list[OutcomeReport]
    waves: list[WaveResponse]
    quotes: list[Quote] = Field(description="Free-text answers of respondents who agreed to be quoted.")
    case_study: CaseStudyRef | None = Field(description="Present when the project is a placement marked a case study.")
