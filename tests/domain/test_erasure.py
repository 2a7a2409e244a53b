"""domain.erasure: what a workflow in flight forgets of an erased person (issue 14), as pure rules."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from domain import exchange_rules as kx
from domain.erasure import (
    ERASED_PERSON,
    ApplicationForgotten,
    LeadForgotten,
    email_hash,
    forget_application,
    is_erased_address,
    is_person,
)
from domain.exchange import Direction, MatchPlan, PlacementPlan
from domain.lifecycle import Audience
from domain.notifications import Recipient, recipients
from domain.submissions import Person
from tests.domain.builders import KX_WINDOW, LEAD, STAFF, hosted, outgoing, selected, started


def test_a_lead_is_recognised_by_the_hash_of_their_trimmed_lower_cased_address_only() -> None:
    assert is_person(LEAD, email_hash(f"  {LEAD.email.upper()} "))
    assert not is_person(LEAD, email_hash("someone.else@museum.example"))
    assert not is_person(None, email_hash(LEAD.email))
    assert not is_person(ERASED_PERSON, email_hash(ERASED_PERSON.email)), "the placeholder is no one"


def test_the_placeholder_is_a_valid_person_in_a_domain_that_is_never_mailed() -> None:
    assert Person.model_validate(ERASED_PERSON.model_dump()) == ERASED_PERSON
    assert is_erased_address(ERASED_PERSON.email) and is_erased_address(" X@Y.INVALID. ")
    assert not is_erased_address(LEAD.email) and not is_erased_address("someone@invalid.example")


def test_the_signals_carry_a_hash_or_an_id_never_an_address() -> None:
    assert set(LeadForgotten.model_fields) == {"email_hash"}
    assert set(ApplicationForgotten.model_fields) == {"application_id"}
    with pytest.raises(ValidationError):
        LeadForgotten(email_hash=LEAD.email)
    with pytest.raises(ValidationError):
        LeadForgotten(email_hash=email_hash(LEAD.email).upper())


def test_a_forgotten_lead_is_never_an_addressee() -> None:
    state = started()
    state.lead = ERASED_PERSON
    partner = ("River Contact", "river@partner.example")
    assert recipients([Audience.LEAD, Audience.PARTNERS], state, [partner]) == [Recipient(Audience.PARTNERS, *partner)]


def test_a_pending_application_leaves_every_list_and_its_unmatched_selection() -> None:
    state = selected(partners=("docks",))
    state.to_acknowledge.append(outgoing("docks"))
    counts = state.applications_by_organisation()

    assert forget_application(state, outgoing("docks")) is True

    assert outgoing("docks") not in state.applications
    assert outgoing("docks") not in state.shortlisted and outgoing("docks") not in state.to_acknowledge
    [selection] = state.selections
    assert (selection.outgoing_application_id, selection.hosted_application_id) == (None, hosted("docks"))
    assert state.applications_by_organisation().get("docks", 0) == counts["docks"] - 1
    assert state.forgotten_applications == [outgoing("docks")]
    assert forget_application(state, outgoing("docks")) is False, "a second time changes nothing"
    assert state.forgotten_applications == [outgoing("docks")]


def test_a_placed_application_stays_whole() -> None:
    state = selected(partners=("docks",))
    plan = MatchPlan(
        placements=(PlacementPlan(partner_id="docks", direction=Direction.TO_MUSEUM, starts_on=KX_WINDOW.starts_on),),
        actor=STAFF,
    )
    kx.match(state, plan)
    before = state.model_copy(deep=True)

    assert forget_application(state, outgoing("docks")) is False

    assert state == before
    assert forget_application(state, hosted("docks")) is True, "its unmatched twin is still forgotten"
    assert state.selections[0].outgoing_application_id == outgoing("docks")


def test_an_id_the_programme_never_noted_is_remembered_but_changes_no_view() -> None:
    state = selected(partners=())
    assert forget_application(state, "app-never-noted") is False
    assert state.forgotten_applications == ["app-never-noted"]
