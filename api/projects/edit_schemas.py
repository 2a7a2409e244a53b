"""The body of `PATCH /api/v1/projects/{id}` (issue 15): the particulars staff may change.

Kept apart from api.projects.schemas (near 300 lines). Field limits are the domain's
(domain.project_edits.ProjectEdit), so a body that passes here is never refused by the payload model;
whether partners may still change is the workflow's rule (a 409 naming `partner_ids`).
"""

from __future__ import annotations

from typing import Annotated, Self

from pydantic import AfterValidator, Field, model_validator

from api.schemas import PartnerId, Request, unique
from domain.outcome_ratings import Levels
from domain.project_edits import EDITABLE_FIELDS, ProjectEdit
from domain.submissions import Actor, FieldRuleError, Person


class ProjectEditRequest(Request):
    """Send only what changes; an absent field stays as it is."""

    title: str | None = Field(default=None, min_length=1, max_length=200, description="The new title.")
    summary: str | None = Field(default=None, max_length=5000, description="The new summary ('' clears it).")
    lead: Person | None = Field(default=None, description="The museum's new lead for the project.")
    partner_ids: Annotated[list[PartnerId], AfterValidator(unique)] | None = Field(
        default=None,
        max_length=50,
        description="The whole new list of partner ids (only before the display stage opens; never on a placement).",
    )
    intended_outcomes: Levels | None = Field(
        default=None,
        description="The whole new set of aims: outcome key of the project's framework -> hoped-for level 1-5 "
        "(`{}` clears them).",
    )

    @model_validator(mode="after")
    def _something(self) -> Self:
        if all(getattr(self, name) is None for name in EDITABLE_FIELDS):
            raise FieldRuleError(
                "title", "name at least one of title, summary, lead, partner_ids, intended_outcomes to change"
            )
        return self

    def edit(self, actor: Actor) -> ProjectEdit:
        """The Update's payload, with the caller as actor."""
        partners = tuple(self.partner_ids) if self.partner_ids is not None else None
        return ProjectEdit(
            actor=actor,
            title=self.title,
            summary=self.summary,
            lead=self.lead,
            partner_ids=partners,
            intended_outcomes=self.intended_outcomes,
        )
