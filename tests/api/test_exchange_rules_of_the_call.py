"""The pure parts of the Knowledge Exchange API: who may apply when, what counts as spent, and how answers
become the programme's aims over time. No server, no database."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from api.errors import ApiError
from api.exchange.dashboard import Answered, costs_of, outcomes_by_aim
from api.exchange.errors import CALL_CLOSED, CALL_NOT_OPEN, NOT_A_PARTNER, VOLUNTEERS_NOT_ELIGIBLE
from api.exchange.schemas import ApplicationCreate
from api.exchange.service import check_application
from domain.exchange import ExchangeState, PartnerSlot, PartnerStatus, PlacementWindow
from domain.instruments import InstrumentCatalog
from domain.lifecycle import Party
from domain.state import ProjectInput, ProjectState, SubmissionRecord
from domain.submissions import Actor, Decision, Person
from domain.templates import TemplateCatalog
from domain.transitions import new_project
from store.surveys.reads_reports import ResponseRow

OPENS = datetime(2031, 2, 1, 9, tzinfo=UTC)
CLOSES = datetime(2031, 3, 1, 17, tzinfo=UTC)
INSTRUMENT = "knowledge-exchange-placement@1"


def state() -> ExchangeState:
    slots = [
        PartnerSlot(partner_id="p1", status=PartnerStatus.CONFIRMED, confirm_by=OPENS),
        PartnerSlot(partner_id="p2", status=PartnerStatus.PENDING, confirm_by=OPENS),
        PartnerSlot(partner_id="p3", status=PartnerStatus.LAPSED, confirm_by=OPENS),
        PartnerSlot(partner_id="p4", status=PartnerStatus.REPLACED, confirm_by=OPENS, replaced_by="p5"),
    ]
    return ExchangeState(
        year=2031,
        partners=slots,
        applications_opens_at=OPENS,
        applications_closes_at=CLOSES,
        placement_window=PlacementWindow(starts_on=date(2031, 4, 1), ends_on=date(2031, 9, 30)),
        budget=1000,
    )


def form(**changes: object) -> ApplicationCreate:
    body: dict[str, object] = {
        "name": "Alex",
        "email": "alex@p1.example",
        "organisation": "p1",
        "role": "Curator",
        "employment": "employed",
        "statement_of_benefit": "Why",
        "hoped_gains": "What",
        "offer": "Offer",
    }
    return ApplicationCreate.model_validate({**body, **changes})


def refusal(at: datetime, **changes: object) -> tuple[int, str | None, str | None]:
    with pytest.raises(ApiError) as refused:
        check_application(state(), form(**changes), at)
    return refused.value.status_code, refused.value.field, refused.value.reason


def test_the_call_refuses_applications_before_it_opens_and_from_the_moment_it_closes() -> None:
    assert refusal(OPENS - timedelta(seconds=1)) == (409, "application_window", CALL_NOT_OPEN)
    assert refusal(CLOSES) == (409, "application_window", CALL_CLOSED)
    check_application(state(), form(), OPENS)
    check_application(state(), form(), CLOSES - timedelta(seconds=1))


def test_volunteers_are_not_eligible_and_only_the_museum_and_active_partners_may_apply() -> None:
    during = OPENS + timedelta(days=1)
    assert refusal(during, employment="volunteer") == (422, "employment", VOLUNTEERS_NOT_ELIGIBLE)
    for organisation in ("p3", "p4", "elsewhere"):
        assert refusal(during, organisation=organisation) == (422, "organisation", NOT_A_PARTNER)
    for organisation in ("museum", "p1", "p2"):
        check_application(state(), form(organisation=organisation, employment="freelance"), during)


def test_the_latest_costed_submission_of_each_milestone_counts_unless_declined() -> None:
    template = TemplateCatalog.load_shipped().latest("knowledge-exchange-placement")
    assert template is not None
    project: ProjectState = new_project(
        ProjectInput(
            project_id="kx",
            template=template,
            title="t",
            lead=Person(name="L", email="l@museum.example"),
            partner_ids=("p1",),
            follow_up_schedule=(),
            created_at=OPENS,
        )
    )
    staff = Actor(party=Party.STAFF, label="staff")
    travel, accommodation, agenda = (project.milestone(k) for k in ("travel_booked", "accommodation_booked", "agenda"))
    assert travel is not None and accommodation is not None and agenda is not None
    travel.submissions = [
        SubmissionRecord(number=1, actor=staff, summary="first quote", cost=200, submitted_at=OPENS),
        SubmissionRecord(number=2, actor=staff, summary="booked", cost=150, submitted_at=OPENS),
    ]
    accommodation.submissions = [
        SubmissionRecord(number=1, actor=staff, summary="x", cost=90, submitted_at=OPENS, decision=Decision.DECLINE)
    ]
    agenda.submissions = [SubmissionRecord(number=1, actor=staff, summary="no cost", submitted_at=OPENS)]

    assert costs_of(project) == [("Travel booked", 150)]


def response(wave: int, **answers: object) -> ResponseRow:
    return ResponseRow(wave, "r", "partner_staff", INSTRUMENT, "en", OPENS, dict(answers))


def test_answers_become_each_aims_likert_mean_per_offset_in_time_order() -> None:
    answers = [
        Answered("P6M", response(1, skills_applied=4, relationship_status="in_touch")),
        Answered("P7D", response(0, skills_applied=2, museum_insight=5, knowledge_shared=40)),
        Answered("P7D", response(0, skills_applied=3)),
    ]

    aims = {a.outcome: a for a in outcomes_by_aim(answers, InstrumentCatalog.load_shipped())}

    skills = aims["skills_knowledge"]
    assert [(w.offset, w.responses, w.likert_mean) for w in skills.waves] == [("P7D", 2, 2.5), ("P6M", 1, 4.0)]
    relationships = aims["relationships"].waves
    assert [(w.offset, w.responses, w.likert_answers) for w in relationships] == [("P7D", 0, 0), ("P6M", 1, 0)]
    sharing = aims["sustained_collaboration"].waves  # a count of colleagues is not averaged as agreement
    assert [(w.responses, w.likert_mean) for w in sharing] == [(1, None), (0, None)]
