"""Follow-up surveys over months and years: when each wave goes out, and the contracts around it.

Waves fall due at `send_hour` (10:00) local time in the project's time zone, computed on local
calendar dates with zoneinfo, so a wave due on a clock-change Sunday still goes at 10:00.
Offsets shorter than a day are exact, so a demo or a test can run a whole wave in seconds;
reminder and window durations behave the same way.

zoneinfo reads the system's zone files, which the workflow sandbox refuses: `plan_waves` runs in
a local activity and the workflow keeps the plan (UTC datetimes) in its state.
"""

from __future__ import annotations

from datetime import UTC, datetime
from enum import StrEnum
from zoneinfo import ZoneInfo

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from domain.actors import Actor
from domain.durations import IsoDuration

DEFAULT_INSTRUMENT = "community-project@1"


class Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class FollowUpPolicy(Frozen):
    """How a project's follow-up runs, beyond its schedule of offsets. All defaulted."""

    instrument: str = Field(default=DEFAULT_INSTRUMENT, description="Survey instrument as name@version.")
    reminders: tuple[IsoDuration, ...] = Field(
        default=(IsoDuration("P7D"), IsoDuration("P14D")), description="Reminders this long after the invitation."
    )
    window: IsoDuration = Field(default=IsoDuration("P30D"), description="How long a wave stays open.")
    send_hour: int = Field(default=10, ge=0, le=23, description="Local hour at which day-scale sends go out.")


def local_after(moment: datetime, duration: IsoDuration, timezone: str, send_hour: int | None = None) -> datetime:
    """`moment` + `duration` on the local calendar of `timezone`, as UTC.

    Shorter than a day: exactly that much later. Otherwise the local wall-clock time moves by
    the calendar duration (so 10:00 stays 10:00 across a DST change), then snaps to `send_hour`.
    """
    if duration.shorter_than_a_day():
        return (moment + duration.exact).astimezone(UTC)
    zone = ZoneInfo(timezone)
    local = duration.after(moment.astimezone(zone))
    if send_hour is not None:
        local = local.replace(hour=send_hour, minute=0, second=0, microsecond=0)
    # Rebuilding from the naive wall time lets zoneinfo pick the right offset for that date.
    return local.replace(tzinfo=None).replace(tzinfo=zone).astimezone(UTC)


class WavePlan(Frozen):
    index: int = Field(ge=0)
    offset: IsoDuration
    due_at: AwareDatetime
    reminders_at: tuple[AwareDatetime, ...]
    closes_at: AwareDatetime


class PlanRequest(Frozen):
    """Input of the `plan_follow_up_waves` local activity."""

    anchor_at: AwareDatetime
    offsets: tuple[IsoDuration, ...]
    first_index: int = 0
    timezone: str
    policy: FollowUpPolicy


def plan_waves(request: PlanRequest) -> list[WavePlan]:
    """Every wave's send, reminder and closing times, counted from `anchor_at` (the project's end)."""
    policy, tz = request.policy, request.timezone
    plans: list[WavePlan] = []
    for n, offset in enumerate(request.offsets):
        due = local_after(request.anchor_at, offset, tz, policy.send_hour)
        plans.append(
            WavePlan(
                index=request.first_index + n,
                offset=offset,
                due_at=due,
                reminders_at=tuple(local_after(due, r, tz, policy.send_hour) for r in policy.reminders),
                closes_at=local_after(due, policy.window, tz),
            )
        )
    return plans


class WaveStatus(StrEnum):
    SCHEDULED = "scheduled"
    OPEN = "open"
    CLOSED = "closed"
    #: Never sent: the project was closed or withdrawn before the wave was due (issue 12).
    CANCELLED = "cancelled"


#: A wave in one of these statuses needs nothing more.
WAVE_DONE: frozenset[WaveStatus] = frozenset({WaveStatus.CLOSED, WaveStatus.CANCELLED})


class WaveCounts(Frozen):
    invited: int = 0
    reminded: int = 0
    answered: int = 0
    opted_out: int = 0
    bounced: int = 0
    deferred: int = 0

    @property
    def response_rate(self) -> float:
        return round(self.answered / self.invited, 4) if self.invited else 0.0


class WaveState(BaseModel):
    model_config = ConfigDict(extra="forbid")

    plan: WavePlan
    status: WaveStatus = WaveStatus.SCHEDULED
    opened_at: datetime | None = None
    closed_at: datetime | None = None
    reminder_rounds: int = 0
    counts: WaveCounts = WaveCounts()
    deferred_until: datetime | None = None


class FollowUpInput(Frozen):
    """Start input of FollowUpWorkflow (id `followup/{project_id}`)."""

    project_id: str
    anchor_at: AwareDatetime = Field(description="When the project's evaluation completed: offsets count from here.")
    timezone: str = "Europe/London"
    offsets: tuple[IsoDuration, ...]
    policy: FollowUpPolicy = FollowUpPolicy()
    carried_state: FollowUpState | None = None
    max_history_events: int = Field(default=5_000, ge=100)


class FollowUpState(BaseModel):
    model_config = ConfigDict(extra="forbid")

    project_id: str
    anchor_at: datetime
    timezone: str
    policy: FollowUpPolicy
    waves: list[WaveState] = Field(default_factory=list)
    answers_signalled: int = 0
    opt_outs_signalled: int = 0
    finished: bool = False
    #: Why follow-up was ended before its schedule ran out (the project closed or was withdrawn).
    ended_early: str = ""

    def wave(self, index: int) -> WaveState | None:
        return next((w for w in self.waves if w.plan.index == index), None)

    def pending(self) -> list[WaveState]:
        return [w for w in self.waves if w.status is WaveStatus.SCHEDULED]


class FollowUpEnding(Frozen):
    """Signal payload: the project ended during follow-up, so its surveys end now (issue 12)."""

    reason: str = Field(default="", max_length=2000)


def end_early(state: FollowUpState, reason: str) -> list[WaveState]:
    """Cancel every wave not yet sent and return the open ones, which the workflow closes now.

    A closed wave's links are expired by close_survey_wave, so a late answer gets 410; a cancelled
    wave never sent a link. Waves already closed keep their record.
    """
    state.ended_early = reason or "the project ended"
    for wave in state.pending():
        wave.status = WaveStatus.CANCELLED
    return [w for w in state.waves if w.status is WaveStatus.OPEN]


FollowUpInput.model_rebuild()


class Reschedule(Frozen):
    """Update payload: new offsets for the waves not yet sent, and/or a moved project end date."""

    offsets: tuple[IsoDuration, ...] | None = Field(default=None, max_length=24)
    anchor_at: AwareDatetime | None = None
    #: Who asks (issue 13): staff only. Optional on the wire only so that histories recorded
    #: before it decode; a new request without it is refused (domain.rules).
    actor: Actor | None = None


class SurveyAnswered(Frozen):
    """Signal payload: a respondent answered (the answer is already durable in the database)."""

    respondent_id: str
    wave_index: int


class RespondentOptedOut(Frozen):
    respondent_id: str
    everywhere: bool = False


class WaveTask(Frozen):
    """Input of open_survey_wave / remind_survey_wave / close_survey_wave."""

    project_id: str
    plan: WavePlan
    instrument: str
    round: int = Field(default=0, ge=0, description="Reminder round (1-based) for remind_survey_wave.")
    now: AwareDatetime | None = Field(
        default=None, description="The workflow's clock, so fatigue windows and deferrals agree with its timers."
    )


class WaveReport(Frozen):
    """What a wave activity did; `delivery_key` groups its e-mails for deliver_emails."""

    counts: WaveCounts
    emails_queued: int = 0
    deliver: bool = False
    delivery_key: str = ""
    deferred_until: AwareDatetime | None = None


class WavePlans(Frozen):
    """Result of the `plan_follow_up_waves` local activity."""

    plans: tuple[WavePlan, ...]
