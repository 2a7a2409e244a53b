"""The Knowledge Exchange activities: record the programme's changes, register a placement, acknowledge
each application, and tell every applicant the outcome (a placement with its host and dates, or not).

Thin on purpose, like activities.records: the idempotent writes live in store.exchange.writes; this
class supplies the one transaction per call, the clock, the renderer and the SMTP switch. Each is safe
to retry at any point: a retry of a committed call writes nothing and queues no e-mail twice.

Delivery of the applicants' e-mails: the programme workflow does not call `deliver_emails` after
`notify_unsuccessful_applicants` or `acknowledge_applications`, so with SMTP configured each sends
them itself, after its transaction commits, through the same code as `deliver_emails` (EmailActivities, by outbox
`event_id`; each row is sent at most once and marked 'sent'). A 4xx from the server fails the
activity and Temporal retries it: the retry queues nothing new and sends only what is still queued.
Without SMTP the rows are 'held' and shown in the outbox, like every other e-mail.
Logs carry years, placement ids and counts, never names or addresses.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, StrictUndefined
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from temporalio import activity

from activities.email import EmailActivities
from activities.settings import ActivitySettings
from domain.events import EmailDelivery, RecordResult
from domain.exchange import ApplicantsToTell, ApplicationsToAcknowledge, ExchangeChanges, PlacementRegistration
from domain.placements import placement_title
from domain.templates import TemplateCatalog
from store.exchange.writes import (
    PLACEMENT_TEMPLATE,
    PlacementProject,
    apply_exchange_changes,
    register_placement,
)
from store.exchange.writes_mail import (
    Offer,
    acknowledge_applications,
    offer_placements,
    received_event_id,
    selected_event_id,
    tell_unsuccessful_applicants,
    unsuccessful_event_id,
)
from store.outbox import RenderedEmail
from store.tables import ExchangeApplication
from workflows.naming import project_workflow_id

TEMPLATES = Path(__file__).resolve().parent / "exchange_templates"
#: Who hosts a partner's colleague, as the offer of a placement names it.
MUSEUM_HOST = "the museum"


def _utc_now() -> datetime:
    return datetime.now(UTC)


class ApplicantMail:
    """Renders an applicant's e-mails (exchange_templates/): 'not this time' (calling the object, as
    before), `received` (the acknowledgement) and `selected` (the offer, with host and dates)."""

    def __init__(self, year: int, folder: Path = TEMPLATES) -> None:
        self._year = year
        self._env = Environment(
            loader=FileSystemLoader(folder),
            undefined=StrictUndefined,
            autoescape=False,  # plain-text mail
            trim_blocks=True,
            lstrip_blocks=True,
            keep_trailing_newline=True,
        )

    def _render(self, name: str, application: ExchangeApplication, **values: object) -> RenderedEmail:
        text = self._env.get_template(name).render(
            recipient_name=application.name, year=self._year, next_year=self._year + 1, **values
        )
        first, _, rest = text.partition("\n")
        return RenderedEmail(subject=first.removeprefix("Subject:").strip(), body=rest.strip("\n") + "\n")

    def __call__(self, application: ExchangeApplication) -> RenderedEmail:
        return self._render("unsuccessful.txt", application)

    def received(self, application: ExchangeApplication) -> RenderedEmail:
        return self._render("received.txt", application)

    def selected(self, application: ExchangeApplication, offer: Offer) -> RenderedEmail:
        return self._render(
            "selected.txt",
            application,
            host=offer.host,
            starts_on=_day(offer.starts_on),
            ends_on=_day(offer.ends_on),
        )


def _day(day: date) -> str:
    return f"{day:%A} {day.day} {day:%B %Y}"


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
        async with self._sessionmaker.begin() as session:
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
        """Tell every applicant of the year the outcome, once each: a kind 'not this time' to those not
        placed, and to those placed the offer with their host and dates (issue 12); then send them."""
        mail, smtp, now = ApplicantMail(applicants.year), self._settings.smtp_configured, self._clock()
        async with self._sessionmaker.begin() as session:
            told = await tell_unsuccessful_applicants(session, applicants, mail, smtp_configured=smtp, now=now)
            offered = await offer_placements(
                session, applicants.year, MUSEUM_HOST, mail.selected, smtp_configured=smtp, now=now
            )
        queued = told.emails_queued + offered.emails_queued
        activity.logger.info("told applicants the outcome", extra={"year": applicants.year, "emails_queued": queued})
        if smtp and (told.awaiting_delivery or offered.awaiting_delivery):
            event_ids = (unsuccessful_event_id(applicants.year), selected_event_id(applicants.year))
            await self._email.deliver_emails(EmailDelivery(event_ids=event_ids))
        return RecordResult(emails_queued=queued, deliver=False)

    @activity.defn(name="acknowledge_applications")
    async def acknowledge_applications(self, applications: ApplicationsToAcknowledge) -> RecordResult:
        """Queue one 'we have your application' e-mail per application (once each), then send them."""
        mail, smtp = ApplicantMail(applications.year), self._settings.smtp_configured
        async with self._sessionmaker.begin() as session:
            queued = await acknowledge_applications(
                session,
                applications.year,
                applications.application_ids,
                mail.received,
                smtp_configured=smtp,
                now=self._clock(),
            )
        activity.logger.info(
            "acknowledged applications", extra={"year": applications.year, "emails_queued": queued.emails_queued}
        )
        if smtp and queued.awaiting_delivery:
            await self._email.deliver_emails(EmailDelivery(event_ids=(received_event_id(applications.year),)))
        return RecordResult(emails_queued=queued.emails_queued, deliver=False)

    def _placement_template_version(self) -> int:
        """The version the placeholder project row names until the project's first record replaces it."""
        if self._template_version is None:
            latest = TemplateCatalog.load_shipped().latest(PLACEMENT_TEMPLATE)
            self._template_version = latest.version if latest is not None else 1
        return self._template_version
