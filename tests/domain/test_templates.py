"""Lifecycle templates: the shipped files validate, invalid ones are refused naming the field, versions pin."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest

from domain.events import EventType
from domain.lifecycle import STAGE_ORDER, LifecycleTemplate, Stage
from domain.templates import TemplateCatalog, TemplateError, parse_template
from tests.domain.builders import CATALOG, template

SHIPPED = ["co-curation", "co-designed-programme", "collections-research", "knowledge-exchange-placement"]


def test_the_shipped_catalog_holds_the_four_templates_at_version_one() -> None:
    catalog = TemplateCatalog.load_shipped()
    assert catalog.names() == SHIPPED
    assert [(t.name, t.version, t.kind) for t in catalog.all_latest()] == [
        ("co-curation", 1, "display"),
        ("co-designed-programme", 1, "programme"),
        ("collections-research", 1, "research"),
        ("knowledge-exchange-placement", 1, "placement"),
    ]
    assert [t.ref for t in catalog.all_latest()] == [
        "co-curation@1",
        "co-designed-programme@1",
        "collections-research@1",
        "knowledge-exchange-placement@1",
    ]


def test_get_and_latest_return_the_same_template_or_none_when_unknown() -> None:
    assert CATALOG.get("co-curation", 1) is CATALOG.latest("co-curation")
    assert CATALOG.get("co-curation", 2) is None
    assert CATALOG.get("no-such-template", 1) is None
    assert CATALOG.latest("no-such-template") is None


@pytest.mark.parametrize("name", SHIPPED)
def test_every_shipped_template_runs_from_proposal_to_follow_up_in_order(name: str) -> None:
    stages = [s.stage for s in template(name).stages]
    assert stages[0] is Stage.PROPOSAL
    assert stages[-1] is Stage.FOLLOW_UP
    assert stages == sorted(stages, key=STAGE_ORDER.index)
    assert len(set(stages)) == len(stages)


@pytest.mark.parametrize("name", SHIPPED)
def test_every_shipped_template_has_unique_milestone_keys_and_known_notify_events(name: str) -> None:
    tpl = template(name)
    keys = [m.key for s in tpl.stages for m in s.milestones]
    assert len(keys) == len(set(keys))
    assert set(tpl.notify) <= {e.value for e in EventType}
    assert tpl.stage(Stage.FOLLOW_UP) is not None
    assert tpl.stage(Stage.FOLLOW_UP).milestones == ()  # type: ignore[union-attr]


def test_the_co_curation_template_has_every_stage_and_a_display_that_closes_itself() -> None:
    tpl = template("co-curation")
    assert [s.stage for s in tpl.stages] == list(STAGE_ORDER)
    assert tpl.stage(Stage.DISPLAY).closes_with_display is True  # type: ignore[union-attr]
    assert tpl.stage(Stage.WORKSHOPS).min_sessions == 1  # type: ignore[union-attr]
    assert tpl.follow_up_schedule == ("P3M", "P6M", "P12M", "P24M")
    assert tpl.milestone("labels")[0].stage is Stage.DISPLAY  # type: ignore[index]
    assert tpl.milestone("nope") is None
    assert tpl.next_stage(Stage.WORKSHOPS) is Stage.DISPLAY
    assert tpl.next_stage(Stage.FOLLOW_UP) is None


def test_the_programme_and_research_templates_skip_the_display_stage() -> None:
    programme, research = template("co-designed-programme"), template("collections-research")
    assert programme.stage(Stage.DISPLAY) is None
    assert programme.next_stage(Stage.WORKSHOPS) is Stage.EVALUATION
    assert programme.stage(Stage.WORKSHOPS).min_sessions == 2  # type: ignore[union-attr]
    assert research.stage(Stage.DISPLAY) is None
    assert research.follow_up_schedule == ("P3M", "P12M")


def test_a_shipped_template_round_trips_through_json() -> None:
    tpl = template("co-curation")
    assert parse_template("again.json", tpl.model_dump_json()) == tpl


Edit = Callable[[dict[str, Any]], None]


def edited(edit: Edit) -> str:
    data = template("co-curation").model_dump(mode="json")
    edit(data)
    return json.dumps(data)


def move_workshops_first(d: dict[str, Any]) -> None:
    d["stages"].insert(0, d["stages"].pop(2))


def repeat_partnership(d: dict[str, Any]) -> None:
    d["stages"].insert(1, d["stages"][1])


def drop_proposal(d: dict[str, Any]) -> None:
    d["stages"].pop(0)


def drop_follow_up(d: dict[str, Any]) -> None:
    d["stages"].pop()


def reuse_proposal_key_in_partnership(d: dict[str, Any]) -> None:
    d["stages"][1]["milestones"].append(d["stages"][0]["milestones"][0])


def repeat_a_key_within_partnership(d: dict[str, Any]) -> None:
    d["stages"][1]["milestones"].append(d["stages"][1]["milestones"][0])


def give_a_bad_due(d: dict[str, Any]) -> None:
    d["stages"][0]["milestones"][1]["due"] = "3 weeks"


def give_a_zero_escalation(d: dict[str, Any]) -> None:
    d["stages"][0]["milestones"][0]["reminders"]["escalate_after"] = "P0D"


def sessions_in_partnership(d: dict[str, Any]) -> None:
    d["stages"][1]["min_sessions"] = 1


def session_reminder_in_evaluation(d: dict[str, Any]) -> None:
    d["stages"][4]["session_reminder"] = "P2D"


def evaluation_closes_with_display(d: dict[str, Any]) -> None:
    d["stages"][4]["closes_with_display"] = True


def add_closed_stage(d: dict[str, Any]) -> None:
    d["stages"].insert(5, {"stage": "closed", "title": "Closed"})


def version_zero(d: dict[str, Any]) -> None:
    d["version"] = 0


def unknown_field(d: dict[str, Any]) -> None:
    d["owner"] = "someone"


@pytest.mark.parametrize(
    ("edit", "where", "why"),
    [
        (move_workshops_first, "(template)", "'stages' must follow ['proposal', 'partnership', 'workshops'"),
        (repeat_partnership, "(template)", "a stage appears twice in 'stages'"),
        (drop_proposal, "(template)", "'stages' must start with proposal"),
        (drop_follow_up, "(template)", "'stages' must end with follow_up"),
        (reuse_proposal_key_in_partnership, "(template)", "milestone keys must be unique across stages: ['proposal']"),
        (repeat_a_key_within_partnership, "stages.1", "duplicate milestone keys in stage 'partnership'"),
        (give_a_bad_due, "stages.0.milestones.1.due", "'3 weeks' is not an ISO 8601 duration"),
        (give_a_zero_escalation, "stages.0.milestones.0.reminders.escalate_after", "'P0D' must be longer than zero"),
        (sessions_in_partnership, "stages.1", "min_sessions and session_reminder belong to the workshops stage"),
        (session_reminder_in_evaluation, "stages.4", "min_sessions and session_reminder belong to the workshops"),
        (evaluation_closes_with_display, "stages.4", "closes_with_display belongs to the display stage"),
        (add_closed_stage, "stages.5", "stage 'closed' is terminal and cannot be part of a template"),
        (version_zero, "version", "greater than or equal to 1"),
        (unknown_field, "owner", "Extra inputs are not permitted"),
    ],
    ids=lambda v: v.__name__ if callable(v) else None,
)
def test_an_invalid_template_is_refused_naming_the_file_and_the_field(edit: Edit, where: str, why: str) -> None:
    with pytest.raises(TemplateError) as raised:
        parse_template("x.json", edited(edit))
    message = str(raised.value)
    assert message.startswith(f"x.json: {where}: ")
    assert why in message


def test_text_that_is_not_json_is_refused_with_the_line() -> None:
    with pytest.raises(TemplateError, match=r"^x\.json: not JSON \(Expecting value at line 2\)$"):
        parse_template("x.json", '{"name":\n')


def test_a_template_without_stages_is_refused() -> None:
    with pytest.raises(TemplateError, match=r"^x\.json: stages: "):
        parse_template("x.json", edited(lambda d: d.update(stages=[])))


def test_a_catalog_refuses_the_same_name_and_version_twice() -> None:
    tpl = template("co-curation")
    with pytest.raises(TemplateError, match=r"^co-curation@1 is defined twice$"):
        TemplateCatalog([tpl, template("collections-research"), tpl.model_copy()])


def version_two(tpl: LifecycleTemplate) -> LifecycleTemplate:
    """A new version as an editor would make it: same name, one stage's milestone due later."""
    proposal = tpl.stages[0]
    later = proposal.milestones[0].model_copy(update={"due": "P28D"})
    stages = (proposal.model_copy(update={"milestones": (later, *proposal.milestones[1:])}), *tpl.stages[1:])
    return LifecycleTemplate.model_validate(tpl.model_copy(update={"version": 2, "stages": stages}).model_dump())


def test_a_new_version_becomes_latest_while_projects_keep_the_version_they_pinned() -> None:
    v1 = template("co-curation")
    v2 = version_two(v1)
    catalog = TemplateCatalog([v2, v1, template("collections-research")])
    assert catalog.latest("co-curation") is v2
    assert catalog.get("co-curation", 1) is v1
    assert catalog.get("co-curation", 2) is v2
    assert catalog.names() == ["co-curation", "collections-research"]
    assert v1.milestone("proposal")[1].due == "P21D"  # type: ignore[index]
    assert v2.milestone("proposal")[1].due == "P28D"  # type: ignore[index]
    assert v2.ref == "co-curation@2"
