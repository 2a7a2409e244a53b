"""The weekly digest e-mail to each staff member (issue 16): what it is keyed by and what it carries.

WeeklyDigestWorkflow (started every Monday morning by the Temporal Schedule `engage-weekly-digest`)
builds a `DigestRequest` from its own clock; the `queue_weekly_digest` activity answers with a
`DigestResult` holding counts only, which is also all the history keeps: no name, address or title.

One digest per person per ISO week, ever: the outbox row's dedupe key is `digest:<account id>:<week>`,
so a retried activity, a re-run workflow or a second trigger in the same week queues nothing new.
The week is the ISO week of the run in the digest's time zone (Europe/London by default): Monday
07:00 there is always inside the week it starts.
"""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

#: The time zone the digest's week and dates are read in (the museum's).
DEFAULT_DIGEST_TIMEZONE = "Europe/London"


class Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class DigestRequest(Frozen):
    """Input of `queue_weekly_digest`: the run's clock (`workflow.now()`, the same on every replay)."""

    now: AwareDatetime
    workflow_id: str = Field(default="", max_length=200)


class DigestResult(Frozen):
    """What one run queued: the week, how many staff had something to hear, how many e-mails are new
    this run, and how many of the week's digests still wait to be sent (the workflow sends those)."""

    week: str
    event_id: str
    recipients: int = Field(ge=0)
    queued: int = Field(ge=0)
    awaiting_delivery: int = Field(ge=0)


def iso_week(now: datetime, timezone: str = DEFAULT_DIGEST_TIMEZONE) -> str:
    """`2026-W50`: the ISO year and week of `now` on the local calendar of `timezone`."""
    year, week, _ = now.astimezone(ZoneInfo(timezone)).isocalendar()
    return f"{year}-W{week:02d}"


def digest_event_id(week: str) -> str:
    """The outbox `event_id` every digest of one week shares (deliver_emails sends by it)."""
    return f"digest:{week}"


def digest_dedupe_key(account_id: str, week: str) -> str:
    """One digest per account per week: the outbox row's unique key."""
    return f"digest:{account_id}:{week}"
