"""Retention: how long personal data is kept once its purpose is over, and what a daily run erased.

Two periods (settings `ENGAGE_RETENTION_RESPONDENTS`, default P3Y, and `ENGAGE_RETENTION_APPLICANTS`,
default P1Y) start from a moment the records hold, never from the day a row was written:
- respondents: when their project's LAST survey wave closed (every wave closed and the project ended),
  because until then the follow-up may still write to them;
- unsuccessful applicants: when their programme told them they were not selected (the
  `unsuccessful_applicants_told` event's time), the decision that ends the application's purpose.

Pure: RetentionWorkflow builds `RetentionRequest` from `workflow.now()`, the activity answers with a
`RetentionResult` that holds counts and cut-off times only (never a name or an address), which is
also what the history keeps.
"""

from __future__ import annotations

from datetime import datetime

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from domain.durations import IsoDuration

DEFAULT_RESPONDENTS_PERIOD = IsoDuration("P3Y")
DEFAULT_APPLICANTS_PERIOD = IsoDuration("P1Y")


class Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class RetentionRequest(Frozen):
    """Input of `erase_expired_personal_data`: the run's clock and its id (the workflow's run id,
    stable across the activity's retries, so a retried run adds to the same `retention_run` row)."""

    now: AwareDatetime
    run_id: str = Field(min_length=1, max_length=64)
    workflow_id: str = Field(default="", max_length=200)


class RetentionResult(Frozen):
    """What one run erased, and the cut-offs it used: counts and times only."""

    run_id: str
    respondents_erased: int = Field(ge=0)
    applicants_erased: int = Field(ge=0)
    respondents_cutoff_at: AwareDatetime
    applicants_cutoff_at: AwareDatetime


def retention_period(text: str) -> IsoDuration:
    """Parse a retention setting; ValueError (in words) for anything not a duration of a day or more.

    A day at least: a typo such as PT3M (three minutes) for P3M would otherwise erase every finished
    project's respondents on the next run."""
    period = IsoDuration(text)
    if period.shorter_than_a_day():
        raise ValueError(f"{text!r} is shorter than a day: give a retention period such as P3Y, P18M or P90D")
    return period


def cutoff(now: datetime, period: IsoDuration) -> datetime:
    """Data whose clock started before this moment has been kept `period` and is erased now."""
    return period.before(now)
