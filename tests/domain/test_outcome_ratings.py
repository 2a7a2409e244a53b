"""Intentions and reflection ratings (issue 16): the levels' scale, the rule that only a milestone whose
template `rates_outcomes` takes ratings, which side each rating is, and edits of the intended outcomes."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from domain import rules, transitions
from domain.lifecycle import LifecycleTemplate, Stage
from domain.outcome_ratings import LEVEL_WORDS, levels_text, milestone_rates_outcomes, reflection_ratings
from domain.project_edits import ProjectEdit, apply_edit
from domain.rules import RefusalKind
from domain.state import ProjectInput
from domain.submissions import Actor, MilestoneSubmission
from domain.templates import TemplateCatalog
from tests.domain.builders import LEAD, PARTNER, PARTNER_ID, STAFF, T0, at_stage, days, refused, template

REFLECTIONS = {
    "co-curation": ("partner_reflection", "staff_reflection"),
    "co-designed-programme": ("partner_reflection", "staff_reflection"),
    "collections-research": ("partner_reflection", "staff_reflection"),
    "knowledge-exchange-placement": ("partner_reflection", "museum_reflection"),
}


def rated(key: str, levels: dict[str, int], actor: Actor = PARTNER) -> MilestoneSubmission:
    return MilestoneSubmission(milestone_key=key, actor=actor, summary="We learned a lot.", outcome_ratings=levels)


@pytest.mark.parametrize("name", sorted(REFLECTIONS))
def test_every_shipped_template_rates_outcomes_at_its_two_evaluation_reflections_only(name: str) -> None:
    tpl = TemplateCatalog.load_shipped().latest(name)
    assert tpl is not None
    rating = {m.key for s in tpl.stages for m in s.milestones if m.rates_outcomes}
    assert rating == set(REFLECTIONS[name])
    evaluation = tpl.stage(Stage.EVALUATION)
    assert evaluation is not None and rating <= {m.key for m in evaluation.milestones}


def test_a_template_without_the_flag_still_parses_and_rates_nothing() -> None:
    raw = template().model_dump(mode="json")
    for stage in raw["stages"]:
        for milestone in stage["milestones"]:
            milestone.pop("rates_outcomes")
    old = LifecycleTemplate.model_validate(raw)
    assert not milestone_rates_outcomes(old, "partner_reflection")


@pytest.mark.parametrize("level", [0, 6, -1, 100])
def test_a_level_outside_one_to_five_is_refused_with_the_outcome_named(level: int) -> None:
    with pytest.raises(ValidationError) as raised:
        rated("partner_reflection", {"confidence": level})
    error = raised.value.errors()[0]
    assert error["loc"] == ("outcome_ratings", "confidence") and LEVEL_WORDS in error["msg"]
    with pytest.raises(ValidationError):
        ProjectEdit(actor=STAFF, intended_outcomes={"confidence": level})


def test_ratings_on_a_reflection_are_accepted_and_elsewhere_refused_naming_the_field() -> None:
    state = at_stage(template(), Stage.EVALUATION)
    rules.check_submission(template(), state, rated("partner_reflection", {"confidence": 4}))
    rules.check_submission(template(), state, rated("staff_reflection", {"confidence": 2}, STAFF))
    proposal = at_stage(template(), Stage.PROPOSAL)
    assert refused(lambda: rules.check_submission(template(), proposal, rated("proposal", {"confidence": 4}))) == (
        RefusalKind.INVALID,
        "outcome_ratings",
    )
    # The same milestone without ratings is fine: nothing is required of old forms and clients.
    rules.check_submission(template(), proposal, rated("proposal", {}))


def test_a_partner_cannot_rate_the_museums_reflection() -> None:
    state = at_stage(template(), Stage.EVALUATION)
    kind, field = refused(lambda: rules.check_submission(template(), state, rated("staff_reflection", {"x": 1})))
    assert kind is RefusalKind.WRONG_PARTY and field == "milestone_key"


def test_the_partner_and_museum_reflections_are_the_two_sources_and_a_resubmission_replaces() -> None:
    state = at_stage(template(), Stage.EVALUATION)
    assert reflection_ratings(state) == {}
    transitions.apply_submission(state, rated("partner_reflection", {"confidence": 2, "relationships": 3}), T0)
    transitions.apply_submission(state, rated("staff_reflection", {"confidence": 4}, STAFF), T0 + days(1))
    assert reflection_ratings(state) == {
        "partner": ({"confidence": 2, "relationships": 3}, T0),
        "museum": ({"confidence": 4}, T0 + days(1)),
    }
    # Returned and resubmitted: the later levels are the partner's now, the dropped outcome gone.
    transitions.apply_submission(state, rated("partner_reflection", {"confidence": 5}), T0 + days(3))
    assert reflection_ratings(state)["partner"] == ({"confidence": 5}, T0 + days(3))


def test_staff_sending_the_partners_reflection_for_them_is_still_the_partners_rating() -> None:
    state = at_stage(template(), Stage.EVALUATION)
    for_them = MilestoneSubmission(
        milestone_key="partner_reflection",
        actor=STAFF,
        summary="Sent by e-mail.",
        on_behalf_of=PARTNER_ID,
        outcome_ratings={"confidence": 3},
    )
    rules.check_submission(template(), state, for_them)
    transitions.apply_submission(state, for_them, T0)
    assert reflection_ratings(state) == {"partner": ({"confidence": 3}, T0)}


def test_intentions_start_with_the_project_and_an_edit_replaces_them_on_the_timeline() -> None:
    start = ProjectInput(
        project_id="p",
        template=template(),
        title="Voices",
        lead=LEAD,
        partner_ids=(PARTNER_ID,),
        follow_up_schedule=(),
        created_at=T0,
        intended_outcomes={"confidence": 4, "skills_knowledge": 3},
    )
    state = transitions.new_project(start)
    assert state.intended_outcomes == {"confidence": 4, "skills_knowledge": 3}
    change = apply_edit(state, ProjectEdit(actor=STAFF, intended_outcomes={"relationships": 5}))
    assert change is not None and change[2]["fields"] == "intended_outcomes"
    assert change[2]["intended_outcomes"] == "relationships=5"
    assert state.intended_outcomes == {"relationships": 5}
    assert apply_edit(state, ProjectEdit(actor=STAFF, intended_outcomes={"relationships": 5})) is None
    cleared = apply_edit(state, ProjectEdit(actor=STAFF, intended_outcomes={}))
    assert cleared is not None and state.intended_outcomes == {}


def test_an_old_start_input_and_state_decode_without_intentions_or_ratings() -> None:
    state = at_stage(template(), Stage.EVALUATION)
    raw = state.model_dump(mode="json")
    raw.pop("intended_outcomes")
    for milestone in raw["milestones"]:
        milestone.pop("rates_outcomes")
    old = type(state).model_validate(raw)
    assert old.intended_outcomes == {} and not any(m.rates_outcomes for m in old.milestones)
    assert levels_text({"b": 2, "a": 1}) == "a=1,b=2"
