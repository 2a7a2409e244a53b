"""Knowledge Exchange request (`…Create`/`…Update`) and response (`…Public`) schemas.

Composed from domain.exchange, with the API's own limits (plausible dates, bounded text) so that a
request that passes here is never refused by a domain model later. Rules about *state* (is the call
open, has this partner confirmed) stay in the service and the workflow, which answer with a field and
a reason. Extra fields are refused. The dashboard's parts are in api.exchange.dashboard_schemas.
"""

from __future__ import annotations

import calendar
from datetime import date, datetime
from typing import Annotated, Self

from fastapi import Path
from pydantic import AfterValidator, BaseModel, Field, model_validator

from api.exchange.dashboard_schemas import DashboardPublic
from api.schemas import EMAIL_PATTERN, FollowUpOffset, Moment, PartnerId, Request
from domain.durations import IsoDuration
from domain.exchange import Direction, Employment, PartnerStatus, Phase, Placement, Selection
from domain.submissions import Person

#: The path parameters of every programme route and page, declared once.
YearPath = Annotated[int, Path(ge=2000, le=2099, description="The programme's year.")]
PartnerPath = Annotated[str, Path(min_length=1, max_length=32)]
PlacementPath = Annotated[str, Path(min_length=1, max_length=64)]

Year = Annotated[int, Field(ge=2000, le=2099)]
ShortText = Annotated[str, Field(min_length=1, max_length=200)]
LongText = Annotated[str, Field(min_length=1, max_length=5000)]
Area = Annotated[str, Field(min_length=1, max_length=100)]

_EARLIEST_DAY = date(2000, 1, 1)
_LATEST_DAY = date(2100, 1, 1)


def _plausible_day(day: date) -> date:
    if not _EARLIEST_DAY <= day < _LATEST_DAY:
        raise ValueError("must be between 2000-01-01 and 2100-01-01")
    return day


def _unique(values: list[str]) -> list[str]:
    return list(dict.fromkeys(values))


Day = Annotated[date, AfterValidator(_plausible_day)]


# -- programmes ----------------------------------------------------------------------------------


class ApplicationWindowCreate(Request):
    opens_at: Moment = Field(description="When the call opens; without an offset, in the museum's time zone.")
    closes_at: Moment = Field(description="When the call closes, after it opens.")

    @model_validator(mode="after")
    def _ordered(self) -> Self:
        if self.closes_at <= self.opens_at:
            raise ValueError("closes_at must be after opens_at")
        return self


class PlacementWindowCreate(Request):
    starts_on: Day = Field(description="The first day placements may take place.")
    ends_on: Day = Field(description="The last day placements may take place.")

    @model_validator(mode="after")
    def _ordered(self) -> Self:
        if self.ends_on < self.starts_on:
            raise ValueError("ends_on must not be before starts_on")
        return self


class ProgrammeCreate(Request):
    year: Year = Field(description="The programme's year; one programme per year.")
    partner_ids: Annotated[list[PartnerId], AfterValidator(_unique)] = Field(
        min_length=1, max_length=20, description="Partner organisations invited to take part."
    )
    confirm_by: Moment = Field(description="Each partner confirms its participation by then, or lapses.")
    application_window: ApplicationWindowCreate = Field(description="When the call for applications is open.")
    placement_window: PlacementWindowCreate = Field(description="When placements may take place.")
    budget: float = Field(default=0.0, ge=0, le=10_000_000, description="GBP, for travel, accommodation and so on.")
    lead: Person = Field(description="The programme lead: each placement project's lead.")


class PartnerSlotPublic(BaseModel):
    partner_id: str
    status: PartnerStatus
    confirm_by: datetime
    confirmed_at: datetime | None
    replaced_by: str | None


class ProgrammePublic(BaseModel):
    """A programme's state, as its workflow holds it (or, once it has gone, as last recorded)."""

    year: int
    phase: Phase
    partners: list[PartnerSlotPublic]
    applications_opens_at: datetime
    applications_closes_at: datetime
    placement_starts_on: date
    placement_ends_on: date
    budget: float
    applications_received: int
    applications_by_organisation: dict[str, int]
    shortlisted: list[str]
    selections: list[Selection]
    placements: list[Placement]
    applicants_told: bool


class ProgrammeSummary(BaseModel):
    year: int
    phase: Phase
    budget: float
    partner_ids: list[str]
    applications_opens_at: datetime
    applications_closes_at: datetime
    created_at: datetime
    updated_at: datetime


class ReplacementCreate(Request):
    replacement_partner_id: PartnerId = Field(description="The organisation taking the lapsed partner's place.")


class ProgrammeDetail(ProgrammePublic):
    live: bool = Field(description="True when read from the running workflow; false: the last recorded state.")
    live_reason: str | None = Field(default=None, description="Why the state is not live, in a person's words.")
    as_of: datetime
    dashboard: DashboardPublic


# -- applications --------------------------------------------------------------------------------


class ApplicationCreate(Request):
    """The application form: the same fields on the public page and in the JSON API."""

    name: ShortText = Field(description="The applicant's name.")
    email: str = Field(
        min_length=3, max_length=320, pattern=EMAIL_PATTERN, description="Where the acknowledgement and outcome go."
    )
    organisation: str = Field(min_length=1, max_length=32, description="'museum', or the id of a partner.")
    role: ShortText = Field(description="The applicant's job title.")
    employment: Employment = Field(description="How the applicant is employed; volunteers are not eligible.")
    statement_of_benefit: LongText = Field(description="Why the exchange would benefit you.")
    hoped_gains: LongText = Field(description="What you hope to gain.")
    offer: LongText = Field(description="What you could offer your host.")
    preferred_areas: Annotated[list[Area], AfterValidator(_unique)] = Field(
        default_factory=list, max_length=10, description="Areas of work the applicant would like to see."
    )
    access_needs: str = Field(default="", max_length=2000, description="Anything the host should arrange.")
    availability: str = Field(default="", max_length=2000, description="When the applicant could go.")


class ApplicationReceipt(BaseModel):
    id: str
    year: int
    organisation: str
    status: str
    submitted_at: datetime


class ApplicationPublic(BaseModel):
    """`email` and `access_needs` are shown only to staff and to the applicant's own organisation."""

    id: str
    year: int
    organisation: str
    name: str
    email: str | None
    role: str
    employment: str
    statement_of_benefit: str
    hoped_gains: str
    offer: str
    preferred_areas: list[str]
    access_needs: str | None
    availability: str
    submitted_at: datetime
    status: str


class SelectionCreate(Request):
    partner_id: PartnerId = Field(description="The partner organisation choosing.")
    outgoing_application_id: str | None = Field(
        default=None, min_length=1, max_length=32, description="Its own applicant who goes to the museum."
    )
    hosted_application_id: str | None = Field(
        default=None, min_length=1, max_length=32, description="The museum colleague it will host."
    )


class PlacementPlanCreate(Request):
    partner_id: PartnerId = Field(description="The partner organisation of the placement.")
    direction: Direction = Field(description="Who visits whom: museum staff to the partner, or the other way.")
    starts_on: Day = Field(description="The first of its five days (a Monday).")
    focus_areas: Annotated[list[Area], AfterValidator(_unique)] = Field(
        default_factory=list, max_length=10, description="What the placement concentrates on."
    )


class MatchCreate(Request):
    placements: list[PlacementPlanCreate] = Field(min_length=1, max_length=40, description="The placements to start.")


class PlacementDatesUpdate(Request):
    starts_on: Day = Field(description="The placement's new first day (a Monday); its five days follow.")


class CaseStudyMarked(BaseModel):
    placement_id: str
    case_study: bool


# -- the yearly schedule -------------------------------------------------------------------------


class ScheduleCreate(Request):
    """When each year's programme opens (a calendar day, UTC midnight), and its plan (offsets from then)."""

    month: int = Field(ge=1, le=12, description="The month each year's programme opens.")
    day: int = Field(ge=1, le=31, description="The day of that month.")
    partner_ids: Annotated[list[PartnerId], AfterValidator(_unique)] = Field(
        min_length=1, max_length=20, description="Partner organisations invited each year."
    )
    confirm_within: FollowUpOffset = Field(
        default=IsoDuration("P21D"), description="How long partners have to confirm (ISO 8601 duration)."
    )
    applications_open_after: FollowUpOffset = Field(
        default=IsoDuration("P1M"), description="When the call opens, after the programme does."
    )
    applications_close_after: FollowUpOffset = Field(
        default=IsoDuration("P2M"), description="When the call closes, after the programme opens."
    )
    placements_start_after: FollowUpOffset = Field(
        default=IsoDuration("P3M"), description="When placements may start, after the programme opens."
    )
    placements_end_after: FollowUpOffset = Field(
        default=IsoDuration("P9M"), description="When placements must be over, after the programme opens."
    )
    budget: float = Field(default=0.0, ge=0, le=10_000_000, description="GBP for each year's travel and so on.")
    lead: Person = Field(description="Each year's programme lead.")

    @model_validator(mode="after")
    def _a_day_every_year_has(self) -> Self:
        # 👉 A calendar spec for 29 February fires only in leap years: refuse it rather than skip years.
        if self.day > calendar.monthrange(2001, self.month)[1]:
            raise ValueError(f"month {self.month} does not have a day {self.day} every year")
        return self


class SchedulePublic(BaseModel):
    id: str
    month: int
    day: int
    paused: bool
    partner_ids: list[str]
    confirm_within: str
    applications_open_after: str
    applications_close_after: str
    placements_start_after: str
    placements_end_after: str
    budget: float
    lead: Person
    placement_template: str = Field(description="name@version pinned by the schedule's plan.")
    next_runs: list[datetime]
    recent_runs: list[str] = Field(description="Workflow ids of the launcher runs the schedule started.")
