"""What travels to and from a Knowledge Exchange programme: Update, signal and activity payloads,
the timeline's events, and the yearly Schedule's plan.

Each Update payload names its `actor`, and domain.exchange_rules checks that party may act
(issue 13): the workflow checks who acts, not only the API. The state these act on is in
domain.exchange_state. Pure models only: safe in the workflow sandbox.
"""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

from pydantic import AwareDatetime, Field

from domain.durations import IsoDuration
from domain.exchange_state import (
    Direction,
    ExchangeInput,
    ExchangeState,
    Frozen,
    Placement,
    PlacementWindow,
    ProgrammeWindow,
)
from domain.lifecycle import LifecycleTemplate
from domain.submissions import Actor, Person


class PartnerConfirmation(Frozen):
    partner_id: str
    actor: Actor


class PartnerReplacement(Frozen):
    partner_id: str
    replacement_partner_id: str
    actor: Actor


class ApplicationReceived(Frozen):
    """Signal: an application is durable in the database (the API validated and stored it)."""

    application_id: str
    organisation: str = Field(description="A partner id, or 'museum'.")


class Shortlisting(Frozen):
    application_id: str
    organisation: str
    actor: Actor


class SelectionDecision(Frozen):
    """A partner (or staff for it) picks its outgoing applicant and the museum colleague it hosts."""

    partner_id: str
    outgoing_application_id: str | None = None
    outgoing_organisation: str | None = Field(default=None, description="Organisation of the outgoing applicant.")
    hosted_application_id: str | None = None
    hosted_organisation: str | None = None
    actor: Actor


class PlacementPlan(Frozen):
    partner_id: str
    direction: Direction
    starts_on: date
    focus_areas: tuple[str, ...] = Field(default=(), max_length=10)


class MatchPlan(Frozen):
    placements: tuple[PlacementPlan, ...] = Field(min_length=1, max_length=40)
    actor: Actor


class PlacementDates(Frozen):
    placement_id: str
    starts_on: date
    actor: Actor


class PlacementRescheduled(Frozen):
    """Signal from the programme to a placement's ProjectWorkflow: its five days moved (issue 12)."""

    starts_on: date
    ends_on: date
    summary: str = Field(max_length=5000)


class ApplicationsToAcknowledge(Frozen):
    """Input of the `acknowledge_applications` activity: e-mail each applicant that we have their
    application (once each, by outbox key)."""

    year: int
    application_ids: tuple[str, ...] = Field(min_length=1)


def placement_summary(placement: Placement) -> str:
    """The summary of a placement's project: its five days and focus, as the project page shows it."""
    return (
        f"Five days, {placement.starts_on.isoformat()} to {placement.ends_on.isoformat()}. "
        f"Focus: {', '.join(placement.focus_areas) or 'to be agreed'}."
    )


class PlacementFinished(Frozen):
    """Signal from a placement's ProjectWorkflow to its programme when the placement ends."""

    project_id: str
    stage: str


class ApplicantsToTell(Frozen):
    """Input of the `notify_unsuccessful_applicants` activity."""

    year: int
    selected_application_ids: tuple[str, ...]


class PlacementRegistration(Frozen):
    """Input of the `register_placement` activity: the read-model rows and follow-up respondents."""

    year: int
    placement: Placement


class ExchangeEventType(StrEnum):
    """What can happen to a programme: the `type` of an ExchangeEvent (wire names, never renamed)."""

    PROGRAMME_OPENED = "programme_opened"
    APPLICATIONS_OPENED = "applications_opened"
    APPLICATIONS_CLOSED = "applications_closed"
    PROGRAMME_CLOSED = "programme_closed"
    PLACEMENT_STARTED = "placement_started"
    UNSUCCESSFUL_APPLICANTS_TOLD = "unsuccessful_applicants_told"
    APPLICANT_SHORTLISTED = "applicant_shortlisted"
    PLACEMENT_MATCHED = "placement_matched"
    PLACEMENT_FINISHED = "placement_finished"
    PARTNER_CONFIRMED = "partner_confirmed"
    PARTNER_REPLACED = "partner_replaced"
    PARTNER_LAPSED = "partner_lapsed"
    APPLICANTS_SELECTED = "applicants_selected"
    PLACEMENT_MOVED = "placement_moved"
    #: Issue 14: an erased person's application or lead left the programme (ids only on the timeline).
    APPLICATION_FORGOTTEN = "application_forgotten"
    LEAD_FORGOTTEN = "lead_forgotten"


#: A change an exchange rule makes, as the workflow emits it: what happened and its details.
ExchangeChange = tuple[ExchangeEventType, dict[str, str]]


class ExchangeEvent(Frozen):
    """One thing that happened to a programme, for its append-only timeline."""

    year: int
    seq: int = Field(ge=1)
    type: ExchangeEventType
    occurred_at: AwareDatetime
    actor: str = "system"
    detail: dict[str, str] = Field(default_factory=dict)


class ExchangeChanges(Frozen):
    """Input of `record_exchange_changes`: events in order and the programme's state after them."""

    events: tuple[ExchangeEvent, ...] = Field(min_length=1)
    snapshot: ExchangeState


class ExchangeYearPlan(Frozen):
    """Input of ExchangeLauncherWorkflow, which a yearly Temporal Schedule starts: each year's
    dates are offsets from the moment the schedule fires (e.g. 1 January)."""

    partner_ids: tuple[str, ...] = Field(min_length=1, max_length=20)
    confirm_within: IsoDuration = IsoDuration("P21D")
    applications_open_after: IsoDuration = IsoDuration("P1M")
    applications_close_after: IsoDuration = IsoDuration("P2M")
    placements_start_after: IsoDuration = IsoDuration("P3M")
    placements_end_after: IsoDuration = IsoDuration("P9M")
    budget: float = Field(default=0.0, ge=0)
    lead: Person
    placement_template: LifecycleTemplate

    def programme_input(self, now: datetime) -> ExchangeInput:
        return ExchangeInput(
            year=now.year,
            partner_ids=self.partner_ids,
            confirm_by=self.confirm_within.after(now),
            applications=ProgrammeWindow(
                opens_at=self.applications_open_after.after(now), closes_at=self.applications_close_after.after(now)
            ),
            placements=PlacementWindow(
                starts_on=self.placements_start_after.after(now).date(),
                ends_on=self.placements_end_after.after(now).date(),
            ),
            budget=self.budget,
            lead=self.lead,
            placement_template=self.placement_template,
            created_at=now,
        )
