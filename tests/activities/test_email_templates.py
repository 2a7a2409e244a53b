"""Every e-mail template renders: a subject line, the recipient, the project and its link, no leftovers."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Literal

import pytest

from activities.rendering import TEMPLATES, TemplateRenderer, format_when, project_zone
from activities.survey_rendering import SurveyTemplateRenderer
from domain import transitions
from domain.events import DomainEvent, EventType
from domain.instruments import InstrumentCatalog
from domain.lifecycle import Audience
from domain.submissions import DisplayPlan, WorkshopSession
from store.projects.writes_mail import EmailContext
from store.surveys.writes_wave_mail import SurveyEmailContext
from tests.activities.builders import ProjectStory

NAMED = [
    "stage_opened",
    "milestone_submitted",
    "milestone_accepted",
    "milestone_returned",
    "milestone_reminder",
    "milestone_overdue",
    "milestone_escalated",
    "workshop_reminder",
    "workshop_scheduled",
    "workshop_cancelled",
    "display_set",
    "display_opened",
    "project_declined",
    "project_withdrawn",
    "project_paused",
    "project_resumed",
    "project_closed",
    "default",
    "survey_invitation",
    "survey_reminder",
]
SURVEY_LANGUAGES = ["cy"]
RENDER = TemplateRenderer.create("https://engage.example/")


def context_for(event_type: EventType) -> EmailContext:
    story = ProjectStory(["p1"])
    story.begin()
    opens = datetime(2026, 7, 1, 9, 0, tzinfo=UTC)
    transitions.add_workshop(
        story.state,
        WorkshopSession(title="Object handling", starts_at=opens, ends_at=opens + timedelta(hours=2), place="Studio 2"),
    )
    transitions.set_display(
        story.state,
        DisplayPlan(title="Voices", location="Gallery 4", opens_at=opens, closes_at=opens + timedelta(days=60)),
    )
    detail = {"workshop_id": "w1", "note": "Please add dates.", "reason": "Funding ended.", "submission": 2}
    event = DomainEvent(
        project_id=story.project_id,
        seq=9,
        type=event_type,
        occurred_at=opens,
        stage=story.state.stage,
        milestone_key="proposal",
        detail=detail,
    )
    return EmailContext(event=event, snapshot=story.state, audience=Audience.PARTNERS, recipient_name="Sam Partner")


def test_every_named_template_ships() -> None:
    shipped = sorted(p.stem for p in Path(TEMPLATES).glob("*.txt"))

    assert shipped == sorted(NAMED)


@pytest.mark.parametrize("event_type", list(EventType), ids=lambda t: t.value)
def test_every_event_type_renders_a_complete_plain_text_email(event_type: EventType) -> None:
    context = context_for(event_type)

    email = RENDER(context)

    assert email.subject and "\n" not in email.subject and "{" not in email.subject
    assert email.body.startswith("Dear Sam Partner,\n")
    assert f"https://engage.example/projects/{context.snapshot.project_id}" in email.body
    assert "{{" not in email.body and "{%" not in email.body
    assert "\n\n\n" not in email.body
    assert "Voices of the Docks" in email.subject + email.body


def test_a_returned_milestone_email_carries_the_reviewers_note_and_the_due_date() -> None:
    email = RENDER(context_for(EventType.MILESTONE_RETURNED))

    assert email.subject == 'Voices of the Docks: "Project proposal" needs a few changes'
    assert "Please add dates." in email.body
    assert "It is due by Monday 23 March 2026 at 09:00 GMT." in email.body


def test_a_stage_opened_email_names_the_first_due_date_of_that_stage() -> None:
    context = context_for(EventType.STAGE_OPENED)
    opened = replace(context, event=context.event.model_copy(update={"milestone_key": None, "detail": {}}))

    email = RENDER(opened)

    assert email.subject == "Voices of the Docks: the proposal stage has begun"
    assert "needed by Monday 23 March 2026 at 09:00 GMT." in email.body


def test_a_workshop_email_gives_the_session_in_local_summer_time() -> None:
    email = RENDER(context_for(EventType.WORKSHOP_SCHEDULED))

    assert "When: Wednesday 1 July 2026 at 10:00 BST" in email.body
    assert "Where: Studio 2" in email.body


def test_an_unknown_timezone_falls_back_to_utc() -> None:
    assert format_when(datetime(2026, 1, 5, 8, 30, tzinfo=UTC), project_zone("Mars/Olympus")) == (
        "Monday 5 January 2026 at 08:30 UTC"
    )


def test_every_survey_template_has_its_translations() -> None:
    shipped = {p.stem for p in Path(TEMPLATES).glob("survey_*.txt")}

    for language in SURVEY_LANGUAGES:
        assert {p.stem for p in (Path(TEMPLATES) / language).glob("*.txt")} == shipped


@pytest.mark.parametrize("language", ["en", *SURVEY_LANGUAGES])
@pytest.mark.parametrize("kind", ["invitation", "reminder"])
def test_every_survey_email_renders_with_both_links_and_the_closing_time(
    kind: Literal["invitation", "reminder"], language: str
) -> None:
    render = SurveyTemplateRenderer.create(InstrumentCatalog.load_shipped())
    context = SurveyEmailContext(
        kind=kind,
        round=1,
        language=language,
        recipient_name="Sam Respondent",
        project_title="Voices of the Docks",
        timezone="Europe/London",
        closes_at=datetime(2026, 12, 11, 17, 0, tzinfo=UTC),
        instrument="community-project@1",
        link="https://engage.example/s/TOKEN",
        opt_out_link="https://engage.example/s/TOKEN/opt-out",
    )

    email = render(context)

    assert email.subject and "\n" not in email.subject and "Voices of the Docks" in email.subject
    assert "Sam Respondent" in email.body.splitlines()[0]
    assert "https://engage.example/s/TOKEN\n" in email.body
    assert "https://engage.example/s/TOKEN/opt-out\n" in email.body
    closes = "Dydd Gwener 11 Rhagfyr 2026 am 17:00 GMT" if language == "cy" else "Friday 11 December 2026 at 17:00 GMT"
    assert closes in email.body
    assert "{{" not in email.body and "\n\n\n" not in email.body
