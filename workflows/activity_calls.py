"""Typed wrappers for every activity the workflows call: name, timeouts and retry policy in one place.

Workflows never import activity implementations (they would drag SQLAlchemy into the sandbox);
they call activities by name through these helpers. `ACTIVITY_NAMES` is asserted equal to what
worker.py registers, so a renamed activity fails CI instead of wedging workflows in production.
"""

from __future__ import annotations

from datetime import timedelta

from temporalio import workflow
from temporalio.common import RetryPolicy

from workflows.webhook_calls import WEBHOOK_ACTIVITY_NAMES

with workflow.unsafe.imports_passed_through():
    from domain.digest import DigestRequest, DigestResult
    from domain.events import EmailDelivery, ProjectChanges, RecordResult
    from domain.exchange import ApplicantsToTell, ApplicationsToAcknowledge, ExchangeChanges, PlacementRegistration
    from domain.follow_up import PlanRequest, WavePlans, WaveReport, WaveTask
    from domain.retention import RetentionRequest, RetentionResult

RECORD_PROJECT_CHANGES = "record_project_changes"
DELIVER_EMAILS = "deliver_emails"
PLAN_FOLLOW_UP_WAVES = "plan_follow_up_waves"
OPEN_SURVEY_WAVE = "open_survey_wave"
REMIND_SURVEY_WAVE = "remind_survey_wave"
CLOSE_SURVEY_WAVE = "close_survey_wave"
RECORD_EXCHANGE_CHANGES = "record_exchange_changes"
REGISTER_PLACEMENT = "register_placement"
NOTIFY_UNSUCCESSFUL_APPLICANTS = "notify_unsuccessful_applicants"
ACKNOWLEDGE_APPLICATIONS = "acknowledge_applications"
ERASE_EXPIRED_PERSONAL_DATA = "erase_expired_personal_data"
QUEUE_WEEKLY_DIGEST = "queue_weekly_digest"
ACTIVITY_NAMES = frozenset(
    {
        RECORD_PROJECT_CHANGES,
        DELIVER_EMAILS,
        PLAN_FOLLOW_UP_WAVES,
        OPEN_SURVEY_WAVE,
        REMIND_SURVEY_WAVE,
        CLOSE_SURVEY_WAVE,
        RECORD_EXCHANGE_CHANGES,
        REGISTER_PLACEMENT,
        NOTIFY_UNSUCCESSFUL_APPLICANTS,
        ACKNOWLEDGE_APPLICATIONS,
        ERASE_EXPIRED_PERSONAL_DATA,
        *WEBHOOK_ACTIVITY_NAMES,  # issue 16 (workflows.webhook_calls)
        QUEUE_WEEKLY_DIGEST,
    }
)

# 👉 No maximum_attempts: a database outage must delay the read model, never lose an event.
# The backoff caps at one minute so the read model catches up soon after the database returns.
_RECORD_RETRY = RetryPolicy(initial_interval=timedelta(seconds=1), maximum_interval=timedelta(minutes=1))
_DELIVERY_RETRY = RetryPolicy(
    initial_interval=timedelta(seconds=5),
    maximum_interval=timedelta(minutes=10),
    non_retryable_error_types=["InvalidAddress"],
)


async def record_project_changes(changes: ProjectChanges) -> RecordResult:
    """Append the events, upsert the read model and queue e-mails, in one transaction."""
    result: RecordResult = await workflow.execute_activity(
        RECORD_PROJECT_CHANGES,
        changes,
        result_type=RecordResult,
        # A batch commits in milliseconds; a worker that died mid-write is noticed after this.
        start_to_close_timeout=timedelta(seconds=10),
        retry_policy=_RECORD_RETRY,
    )
    return result


async def deliver_emails(delivery: EmailDelivery) -> None:
    """Send the queued e-mails of these events over SMTP; already-sent ones are skipped."""
    await workflow.execute_activity(
        DELIVER_EMAILS,
        delivery,
        start_to_close_timeout=timedelta(minutes=2),
        retry_policy=_DELIVERY_RETRY,
    )


async def plan_follow_up_waves(request: PlanRequest) -> WavePlans:
    """Wave dates on the project's local calendar (zoneinfo), as a local activity: the sandbox
    cannot read zone files, and a local activity costs no extra round trip to the server."""
    result: WavePlans = await workflow.execute_local_activity(
        PLAN_FOLLOW_UP_WAVES,
        request,
        result_type=WavePlans,
        start_to_close_timeout=timedelta(seconds=10),
    )
    return result


# 👉 Wave activities touch every respondent of a project (hundreds): they get a longer timeout; like
# recording, they retry until the database is back. As local activities (the default since patch
# 6-wave-local) they cost one workflow task instead of two plus an activity task, and waves due
# together share transactions in the worker (activities.surveys); the worker keeps a long one's
# workflow task alive. As ordinary activities (histories from before the patch) they heartbeat.
_WAVE_RETRY = RetryPolicy(initial_interval=timedelta(seconds=2), maximum_interval=timedelta(minutes=2))
_WAVE_TIMEOUT = timedelta(minutes=2)


async def _wave_activity(name: str, task: WaveTask, *, local: bool) -> WaveReport:
    result: WaveReport
    if local:
        result = await workflow.execute_local_activity(
            name, task, result_type=WaveReport, start_to_close_timeout=_WAVE_TIMEOUT, retry_policy=_WAVE_RETRY
        )
        return result
    result = await workflow.execute_activity(
        name,
        task,
        result_type=WaveReport,
        start_to_close_timeout=_WAVE_TIMEOUT,
        heartbeat_timeout=timedelta(seconds=30),
        retry_policy=_WAVE_RETRY,
    )
    return result


async def open_survey_wave(task: WaveTask, *, local: bool) -> WaveReport:
    """Issue tokens and queue invitations for every respondent not yet invited to this wave.
    Calling it again invites only newcomers and releases invitations deferred by the fatigue cap."""
    return await _wave_activity(OPEN_SURVEY_WAVE, task, local=local)


async def remind_survey_wave(task: WaveTask, *, local: bool) -> WaveReport:
    """Queue reminder round `task.round` to invitees who have neither answered nor opted out."""
    return await _wave_activity(REMIND_SURVEY_WAVE, task, local=local)


async def close_survey_wave(task: WaveTask, *, local: bool) -> WaveReport:
    """Mark the wave closed (its links now show the closed page) and return its final counts."""
    return await _wave_activity(CLOSE_SURVEY_WAVE, task, local=local)


async def record_exchange_changes(changes: ExchangeChanges) -> None:
    """Append the programme's events and upsert its read-model row, in one transaction."""
    await workflow.execute_activity(
        RECORD_EXCHANGE_CHANGES,
        changes,
        start_to_close_timeout=timedelta(seconds=10),
        retry_policy=_RECORD_RETRY,
    )


async def register_placement(registration: PlacementRegistration) -> None:
    """Write the placement's row and make its visitor and host the respondents of its follow-up."""
    await workflow.execute_activity(
        REGISTER_PLACEMENT,
        registration,
        start_to_close_timeout=timedelta(seconds=10),
        retry_policy=_RECORD_RETRY,
    )


async def notify_unsuccessful_applicants(applicants: ApplicantsToTell) -> RecordResult:
    """Queue a kind e-mail to every applicant of the year who was not selected (once each)."""
    result: RecordResult = await workflow.execute_activity(
        NOTIFY_UNSUCCESSFUL_APPLICANTS,
        applicants,
        result_type=RecordResult,
        start_to_close_timeout=timedelta(minutes=1),
        retry_policy=_RECORD_RETRY,
    )
    return result


async def acknowledge_applications(applications: ApplicationsToAcknowledge) -> RecordResult:
    """Queue (and with SMTP, send) one "we have your application" e-mail per applicant, once each."""
    result: RecordResult = await workflow.execute_activity(
        ACKNOWLEDGE_APPLICATIONS,
        applications,
        result_type=RecordResult,
        start_to_close_timeout=timedelta(minutes=1),
        retry_policy=_RECORD_RETRY,
    )
    return result


# 👉 No maximum_attempts either: a database outage delays the erasure, and the run picks up where it
# stopped (scrubbed rows are skipped). The schedule's overlap SKIP keeps the next day's run from
# starting beside a run still retrying. Heartbeats after each batch of 500: a worker lost mid-run
# is noticed in two minutes, not at the end of the hour.
_RETENTION_RETRY = RetryPolicy(initial_interval=timedelta(seconds=10), maximum_interval=timedelta(minutes=10))


async def erase_expired_personal_data(request: RetentionRequest) -> RetentionResult:
    """Scrub the respondents and unsuccessful applicants past their retention period; record the run."""
    result: RetentionResult = await workflow.execute_activity(
        ERASE_EXPIRED_PERSONAL_DATA,
        request,
        result_type=RetentionResult,
        start_to_close_timeout=timedelta(hours=1),
        heartbeat_timeout=timedelta(minutes=2),
        retry_policy=_RETENTION_RETRY,
    )
    return result


# 👉 A few grouped reads, one status query per follow-up project led by staff (16 at a time) and one
# insert: five minutes leave room for thousands of projects in follow-up. Retried until the database is
# back (the outbox keys make a retry queue nothing twice); the schedule's overlap SKIP keeps next week's
# run from starting beside one still retrying.
_DIGEST_RETRY = RetryPolicy(initial_interval=timedelta(seconds=10), maximum_interval=timedelta(minutes=10))


async def queue_weekly_digest(request: DigestRequest) -> DigestResult:
    """Queue this week's digest e-mail for every staff member with something to hear (once each)."""
    result: DigestResult = await workflow.execute_activity(
        QUEUE_WEEKLY_DIGEST,
        request,
        result_type=DigestResult,
        start_to_close_timeout=timedelta(minutes=5),
        retry_policy=_DIGEST_RETRY,
    )
    return result
