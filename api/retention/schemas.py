"""What the retention routes answer: one recorded run, counts and times only (never who was erased)."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, Field


class RetentionRunPublic(BaseModel):
    id: str = Field(description="The RetentionWorkflow run's id.")
    workflow_id: str = Field(description="e.g. retention-2026-12-08T03:00:00Z (the schedule's fire time).")
    started_at: datetime
    finished_at: datetime | None = Field(description="Unset while the run goes on, or if it stopped part way.")
    respondents_cutoff_at: datetime = Field(
        description="Respondents of projects whose last survey wave closed before this were erased."
    )
    applicants_cutoff_at: datetime = Field(description="Unsuccessful applicants told before this were erased.")
    respondents_erased: int
    applicants_erased: int
