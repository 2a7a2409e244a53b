"""The Knowledge Exchange activities: record the programme's changes, register a placement, tell the
applicants who were not placed.

Thin on purpose, like activities.records: the idempotent writes live in store.exchange_records; this
class supplies the one transaction per call, the clock, the renderer and the SMTP switch. Each is safe
to retry at any point: a retry of a committed call writes nothing and queues no e-mail twice.

Delivery of the applicants' e-mails: the programme workflow does not call `deliver_emails` after
`notify_unsuccessful_applicants`, so with SMTP configured this activity sends them itself, after its
transaction commits, through the same code as `deliver_emails` (EmailActivities, by outbox
`event_id`; each row is sent at most once and marked 'sent'). A 4xx from the server fails the
activity and Temporal retries it: the retry queues nothing new and sends only what is still queued.
Without SMTP the rows are 'held' and shown in the outbox, like every other e-mail.
Logs carry years, placement ids and counts, never names or addresses.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, StrictUndefined
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from temporalio import activity

from activities.email import EmailActivities
from activities.settings import ActivitySettings
from domain.events import EmailDelivery, RecordResult
from domain.exchange import ApplicantsToTell, ExchangeChanges, PlacementRegistration
from domain.templates import TemplateCatalog
from store.exchange_records import (
    PLACEMENT_TEMPLATE,
    PlacementProject,
    apply_exchange_changes,
    placement_title,
    register_placement,
    tell_unsuccessful_applicants,
    unsuccessful_event_id,
)
from store.records import RenderedEmail
from store.tables import ExchangeApplication
from workflows.naming import project_workflow_id

TEMPLATES = Path(__file__).resolve().parent / "exchange_templates"


def _utc_now() -> datetime:
    return datetime.now(UTC)


class ApplicantMail:
    """Renders the 'not this time' e-mail (exchange_templates/unsuccessful.txt) for one application."""

    def __init__(self, year: int, folder: Path = TEMPLATES) -> None:
        self._year = year
        self._template = Environment(
            loader=FileSystemLoader(folder),
            undefined=StrictUndefined,
            autoescape=False,  # plain-text mail
            trim_blocks=True,
            lstrip_blocks=True,
            keep_trailing_newline=True,
        ).get_template("unsuccessful.txt")

    def __call__(self, application: ExchangeApplication) -> RenderedEmail:
        text = self._template.render(recipient_name=application.name, year=self._year, next_year=self._year + 1)
        first, _, rest = text.partition("\n")
        return RenderedEmail(subject=first.removeprefix("Subject:").strip(), body=rest.strip("\n") + "\n")


class ExchangeActivities:
    def __init__(
        self,
        sessionmaker: async_sessionmaker[AsyncSession],
        settings: ActivitySettings,
        *,
        clock: Callable[[], datetime] = _utc_now,
    ) -> None:
        self._sessionmaker = sessionmaker
        self._settings = settings
        self._clock = clock
        self._email = EmailActivities(sessionmaker, settings)
        self._template_version: int | None = None

    @activity.defn(name="record_exchange_changes")
    async def record_exchange_changes(self, changes: ExchangeChanges) -> None:
        """Append the programme's events and upsert its read-model row: one transaction."""
        async with self._sessionmaker.begin() as session:
            written = await apply_exchange_changes(session, changes, self._clock())
        activity.logger.info(
            "recorded exchange changes",
            extra={"year": changes.snapshot.year, "event_seq": changes.snapshot.event_seq, "events_written": written},
        )

    @activity.defn(name="register_placement")
    async def register_placement(self, registration: PlacementRegistration) -> None:
        """Write the placement's row and make its visitor and host contact its follow-up respondents."""
        placement = registration.placement
        project = PlacementProject(
            workflow_id=project_workflow_id(placement.project_id),
            template_version=self._placement_template_version(),
            title=placement_title(registration.year, placement.direction),
        )
        # 👉 Not `begin()`: store.surveys.add_respondents commits the whole unit itself.
        async with self._sessionmaker() as session:
            results = await register_placement(session, registration.year, placement, project, self._clock())
        activity.logger.info(
            "registered placement",
            extra={
                "year": registration.year,
                "placement_id": placement.id,
                "respondents_added": sum(r.status == "added" for r in results),
                "respondents_refused": sum(r.status == "invalid" for r in results),
            },
        )

    @activity.defn(name="notify_unsuccessful_applicants")
    async def notify_unsuccessful_applicants(self, applicants: ApplicantsToTell) -> RecordResult:
        """Queue one kind e-mail to each applicant of the year not placed (once each), then send them."""
        async with self._sessionmaker.begin() as session:
            told = await tell_unsuccessful_applicants(
                session,
                applicants,
                ApplicantMail(applicants.year),
                smtp_configured=self._settings.smtp_configured,
                now=self._clock(),
            )
        activity.logger.info(
            "told unsuccessful applicants", extra={"year": applicants.year, "emails_queued": told.emails_queued}
        )
        if self._settings.smtp_configured and told.awaiting_delivery:
            await self._email.deliver_emails(EmailDelivery(event_ids=(unsuccessful_event_id(applicants.year),)))
        return RecordResult(emails_queued=told.emails_queued, deliver=False)

    def _placement_template_version(self) -> int:
        """The version the placeholder project row names until the project's first record replaces it."""
        if self._template_version is None:
            latest = TemplateCatalog.load_shipped().latest(PLACEMENT_TEMPLATE)
            self._template_version = latest.version if latest is not None else 1
        return self._template_version
