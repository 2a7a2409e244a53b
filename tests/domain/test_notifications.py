"""Who gets a project e-mail: recipients per audience, each address once; and the events nobody needs
to hear about."""

from __future__ import annotations

from domain.events import DomainEvent, EventType
from domain.lifecycle import Audience, Party
from domain.notifications import Recipient, nobody_needs_telling, recipients
from domain.state import ProjectState
from tests.domain.builders import LEAD, T0, started

RIVER = ("River Contact", "river@partner.example")
GARDEN = ("Garden Contact", "garden@partner.example")


def event(state: ProjectState, kind: EventType, milestone_key: str | None = None) -> DomainEvent:
    return DomainEvent(
        project_id=state.project_id,
        seq=1,
        type=kind,
        occurred_at=T0,
        stage=state.stage,
        milestone_key=milestone_key,
    )


def test_partners_means_each_partners_contact_in_order_and_lead_means_the_project_lead() -> None:
    state = started()
    assert recipients([Audience.PARTNERS, Audience.LEAD], state, [RIVER, GARDEN]) == [
        Recipient(Audience.PARTNERS, *RIVER),
        Recipient(Audience.PARTNERS, *GARDEN),
        Recipient(Audience.LEAD, LEAD.name, LEAD.email),
    ]
    assert recipients([Audience.LEAD], state, [RIVER]) == [Recipient(Audience.LEAD, LEAD.name, LEAD.email)]
    assert recipients([], state, [RIVER]) == []


def test_an_address_named_twice_gets_one_email_under_the_first_audience_naming_it() -> None:
    state = started()
    same_as_lead = ("Lead again", f"  {LEAD.email.upper()} ")
    assert recipients([Audience.LEAD, Audience.PARTNERS], state, [same_as_lead, RIVER, RIVER]) == [
        Recipient(Audience.LEAD, LEAD.name, LEAD.email),
        Recipient(Audience.PARTNERS, *RIVER),
    ]


def test_a_project_without_partners_tells_partners_nobody() -> None:
    assert recipients([Audience.PARTNERS], started(), []) == []


def test_staff_recording_a_milestone_without_review_tells_nobody_but_a_partner_submission_tells() -> None:
    state = started()
    staff_only = next(m for m in state.milestones if m.submitter is Party.STAFF and not m.review_required)
    partner_owned = next(m for m in state.milestones if m.submitter is Party.PARTNER)
    assert nobody_needs_telling(event(state, EventType.MILESTONE_SUBMITTED, staff_only.key), state)
    assert not nobody_needs_telling(event(state, EventType.MILESTONE_SUBMITTED, partner_owned.key), state)
    assert not nobody_needs_telling(event(state, EventType.MILESTONE_SUBMITTED, "no-such-milestone"), state)
    assert not nobody_needs_telling(event(state, EventType.STAGE_OPENED), state)
