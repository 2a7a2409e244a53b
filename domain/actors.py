"""Who acts: the parties of a project and the actor every Update's input names (issue 13).

Kept apart from domain.lifecycle and domain.submissions so any payload (a follow-up reschedule
too) can name its actor without an import cycle; both modules re-export what they always did.
"""

from __future__ import annotations

from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field


class Party(StrEnum):
    """Who submits a milestone."""

    PARTNER = "partner"
    STAFF = "staff"


class Actor(BaseModel):
    """Who did something: the party, and for partners which organisation. `label` is for timelines."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    party: Party
    partner_id: str | None = None
    label: str = Field(default="", max_length=200)
