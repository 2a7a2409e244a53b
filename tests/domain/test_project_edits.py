"""Editing a project's particulars (issue 15): who may, when partners may change, what the timeline says."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from domain import transitions
from domain.events import EventType
from domain.lifecycle import Stage
from domain.project_edits import ProjectEdit, apply_edit, check_edit
from domain.rules import RefusalKind
from domain.submissions import Person
from tests.domain.builders import PARTNER, PARTNER_ID, STAFF, at_stage, refused, started, template


def test_staff_change_every_field_and_the_event_names_fields_title_and_partners_but_no_person() -> None:
    state = started()
    edit = ProjectEdit(
        actor=STAFF,
        title="Voices of the Estuary",
        summary="New summary",
        lead=Person(name="Nia Lead", email="nia@museum.example"),
        partner_ids=("partner-mill",),
    )
    check_edit(state, edit)
    change = apply_edit(state, edit)
    assert change is not None
    kind, key, detail = change
    assert kind is EventType.PROJECT_EDITED and key is None
    assert detail == {
        "fields": "title,summary,lead,partner_ids",
        "title": "Voices of the Estuary",
        "partners_added": "partner-mill",
        "partners_removed": PARTNER_ID,
    }
    assert "nia" not in str(detail).lower()
    assert (state.title, state.summary, state.lead.name, state.partner_ids) == (
        "Voices of the Estuary",
        "New summary",
        "Nia Lead",
        ["partner-mill"],
    )


def test_an_edit_to_the_same_values_changes_nothing_and_records_nothing() -> None:
    state = started()
    assert apply_edit(state, ProjectEdit(actor=STAFF, title=state.title, partner_ids=(PARTNER_ID,))) is None


def test_a_partner_may_not_edit_and_an_ended_project_takes_no_edit() -> None:
    state = started()
    assert refused(lambda: check_edit(state, ProjectEdit(actor=PARTNER, title="Ours"))) == (
        RefusalKind.WRONG_PARTY,
        "actor",
    )
    transitions.end_project(state, Stage.WITHDRAWN, "stopped", state.created_at)
    assert refused(lambda: check_edit(state, ProjectEdit(actor=STAFF, title="Late")))[0] is RefusalKind.ENDED


def test_partners_change_until_the_display_stage_opens_but_the_title_still_may() -> None:
    tpl = template()
    check_edit(at_stage(tpl, Stage.WORKSHOPS), ProjectEdit(actor=STAFF, partner_ids=("partner-mill",)))
    at_display = at_stage(tpl, Stage.DISPLAY)
    assert refused(lambda: check_edit(at_display, ProjectEdit(actor=STAFF, partner_ids=()))) == (
        RefusalKind.OUT_OF_TURN,
        "partner_ids",
    )
    check_edit(at_display, ProjectEdit(actor=STAFF, title="Renamed", partner_ids=(PARTNER_ID,)))


def test_a_placements_partner_is_the_programmes_choice() -> None:
    state = started(template("knowledge-exchange-placement"))
    edit = ProjectEdit(actor=STAFF, partner_ids=("partner-mill",))
    assert refused(lambda: check_edit(state, edit)) == (RefusalKind.OUT_OF_TURN, "partner_ids")
    check_edit(state, ProjectEdit(actor=STAFF, title="A better title"))


def test_an_edit_must_name_something_and_each_partner_once() -> None:
    with pytest.raises(ValidationError):
        ProjectEdit(actor=STAFF)
    edit = ProjectEdit(actor=STAFF, partner_ids=("partner-mill", "partner-mill"))
    assert refused(lambda: check_edit(started(), edit)) == (RefusalKind.INVALID, "partner_ids")
