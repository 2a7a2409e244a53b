"""What staff send to export or erase a person's data, and what they get back.

The export is `store.people.reads.PersonExport` as it stands (each record with its source); the
erasure answers counts and ids only, never the address it was given.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from api.schemas import EMAIL_PATTERN, Request
from store.people.erasure import ErasedCounts
from store.people.reads import PersonExport

__all__ = ["EMAIL_DESCRIPTION", "ErasureDone", "ErasureRequest", "PersonExport", "WorkflowsTold"]

EMAIL_DESCRIPTION = "The person's e-mail address (compared ignoring case and surrounding spaces)."


class ErasureRequest(Request):
    email: str = Field(min_length=3, max_length=320, pattern=EMAIL_PATTERN, description=EMAIL_DESCRIPTION)
    reason: str = Field(
        min_length=1,
        max_length=500,
        description="Why the data is erased (e.g. the person's request and its date), kept in the audit trail.",
    )


class WorkflowsTold(BaseModel):
    """How many running workflows took the signal to forget the person (an ended one has nothing to forget)."""

    model_config = ConfigDict(frozen=True)

    projects: int = Field(description="Projects whose lead the person was.")
    programmes: int = Field(description="Knowledge Exchange programmes whose lead the person was.")
    applications: int = Field(description="Programmes that held one of the person's applications.")


class ErasureDone(BaseModel):
    """What one erasure did. Nothing in it identifies the person."""

    erasure_id: str = Field(description="The audit trail's target id for this erasure (`person_erased`).")
    counts: ErasedCounts = Field(description="Records scrubbed, per kind.")
    workflows_told: WorkflowsTold
    nothing_left: bool = Field(description="True when nothing was left to erase (a repeated call).")
