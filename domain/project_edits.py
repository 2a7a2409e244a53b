"""Editing a project's particulars (issue 15): title, summary, lead and partners; and (issue 16) the
outcomes it aims at.

The payload of ProjectWorkflow's `edit_project` Update, the rule its validator applies and the change
its handler makes, kept apart from domain.rules and domain.transitions (both near 300 lines).

Who may edit: museum staff only, as for every whole-project decision (pause, withdraw, close).

Partners may be added or removed only before the display stage opens (proposal, partnership,
workshops), and never on a Knowledge Exchange placement. Why: the partners are the parties who submit
the proposal, run the workshops and plan the display with us, so changing who they are is part of
setting the project up. Once the display stage opens the work has been done and the evidence, the
display and the follow-up are attributed to the organisations that did it: changing them afterwards
would rewrite who did the work (and who sees the project's evidence). A placement's partner is the
one its programme matched (the programme owns that choice), so it is never edited here. Title,
summary and lead can change at any time until the project ends (a new lead after a staff change is
ordinary).
"""

from __future__ import annotations

from typing import Self

from pydantic import Field, model_validator

from domain.actors import Actor, Party
from domain.events import EventType, JsonScalar
from domain.lifecycle import TERMINAL_STAGES, Stage
from domain.outcome_ratings import Levels, levels_text
from domain.rules import Refusal, RefusalKind
from domain.state import ProjectState
from domain.submissions import Contract, Person

#: Stages in which the partners may still change (see the module docstring).
PARTNERS_EDITABLE_IN: frozenset[Stage] = frozenset({Stage.PROPOSAL, Stage.PARTNERSHIP, Stage.WORKSHOPS})

#: The kind of the projects a Knowledge Exchange programme starts (the placement template's `kind`):
#: their partner is the programme's choice.
PLACEMENT_KIND = "placement"

#: Field names, in the order the timeline lists them (`intended_outcomes`: issue 16).
EDITABLE_FIELDS: tuple[str, ...] = ("title", "summary", "lead", "partner_ids", "intended_outcomes")


class ProjectEdit(Contract):
    """Input of the `edit_project` Update: the fields to change (None leaves one as it is)."""

    actor: Actor
    title: str | None = Field(default=None, min_length=1, max_length=200)
    summary: str | None = Field(default=None, max_length=5000)
    lead: Person | None = None
    partner_ids: tuple[str, ...] | None = Field(default=None, max_length=50)
    #: Issue 16: the whole new set of aims (outcome key -> level 1-5); `{}` clears them.
    intended_outcomes: Levels | None = None

    @model_validator(mode="after")
    def _something(self) -> Self:
        if all(getattr(self, name) is None for name in EDITABLE_FIELDS):
            raise ValueError("name at least one of title, summary, lead, partner_ids, intended_outcomes to change")
        return self


def check_edit(state: ProjectState, edit: ProjectEdit) -> None:
    """Staff only; not once the project has ended; partners only before the display stage."""
    if edit.actor.party is not Party.STAFF:
        raise Refusal(RefusalKind.WRONG_PARTY, "actor", "only museum staff may edit a project")
    if state.stage in TERMINAL_STAGES:
        raise Refusal(RefusalKind.ENDED, "project", f"the project is {state.stage.value} and takes no more input")
    if edit.partner_ids is None or sorted(edit.partner_ids) == sorted(state.partner_ids):
        return
    if len(set(edit.partner_ids)) != len(edit.partner_ids):
        raise Refusal(RefusalKind.INVALID, "partner_ids", "each partner may be named once")
    if state.kind == PLACEMENT_KIND:
        raise Refusal(RefusalKind.OUT_OF_TURN, "partner_ids", "a placement's partner is the one its programme matched")
    if state.stage not in PARTNERS_EDITABLE_IN:
        raise Refusal(RefusalKind.OUT_OF_TURN, "partner_ids", "partners can change only before the display stage opens")


def changed_fields(state: ProjectState, edit: ProjectEdit) -> list[str]:
    """The fields `edit` would really change, in EDITABLE_FIELDS order."""
    changed: list[str] = []
    if edit.title is not None and edit.title != state.title:
        changed.append("title")
    if edit.summary is not None and edit.summary != state.summary:
        changed.append("summary")
    if edit.lead is not None and edit.lead != state.lead:
        changed.append("lead")
    if edit.partner_ids is not None and sorted(edit.partner_ids) != sorted(state.partner_ids):
        changed.append("partner_ids")
    if edit.intended_outcomes is not None and edit.intended_outcomes != state.intended_outcomes:
        changed.append("intended_outcomes")
    return changed


def apply_edit(state: ProjectState, edit: ProjectEdit) -> tuple[EventType, None, dict[str, JsonScalar]] | None:
    """Change `state`; the `project_edited` event to record, or None when nothing changed.

    The event's detail names the changed fields, the new title and the partners added and removed
    (organisation ids). Never the lead's name or address: the timeline is kept after a person's
    erasure, so personal data stays in the state alone.
    """
    fields = changed_fields(state, edit)
    if not fields:
        return None
    detail: dict[str, JsonScalar] = {"fields": ",".join(fields)}
    if edit.title is not None and "title" in fields:
        state.title = edit.title
        detail["title"] = edit.title
    if edit.summary is not None and "summary" in fields:
        state.summary = edit.summary
    if edit.lead is not None and "lead" in fields:
        state.lead = edit.lead
    if edit.partner_ids is not None and "partner_ids" in fields:
        before, after = set(state.partner_ids), set(edit.partner_ids)
        detail["partners_added"] = ",".join(sorted(after - before))
        detail["partners_removed"] = ",".join(sorted(before - after))
        state.partner_ids = list(edit.partner_ids)
    if edit.intended_outcomes is not None and "intended_outcomes" in fields:
        state.intended_outcomes = dict(edit.intended_outcomes)
        # Keys and numbers only: the timeline keeps what the aims were before the next edit.
        detail["intended_outcomes"] = levels_text(state.intended_outcomes)
    return EventType.PROJECT_EDITED, None, detail
