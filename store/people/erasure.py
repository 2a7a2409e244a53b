"""Erasure of a person's contact details and free text: respondents, applicants, one whole address.

Runs in the caller's one transaction and never commits, so an erasure and its audit entry are committed
together or not at all. Every function is idempotent: an erased row no longer matches (its `email_hash`
is `erased:<id>`, its address gone), so a second call scrubs nothing and counts 0.

What stays, on purpose: the rows themselves, numbers and choices (survey answers' likert/number/choice
values, an application's organisation, employment and areas, its status), so response rates, outcome
reports and programme counts stay true. What goes: names, addresses, free text, survey links, e-mail
bodies, and the personal fields of webhook bodies that mention the person (store.webhooks.erasure: the
names are collected first, before the scrubs overwrite them). An erased address is added to
`survey_suppression` with reason `erased`, which the e-mail writers of every feature honour
(store.people.suppressed).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict
from sqlalchemy import ColumnElement, CursorResult, delete, false, func, literal, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from store.accounts.erasure import erase_accounts, unlink_uploads
from store.hashing import email_hash
from store.in_lists import in_chunks
from store.people.free_text import keep_anonymous_answers
from store.people.names import names_held
from store.tables import (
    ExchangeApplication,
    ExchangeProgramme,
    OutboxEmail,
    Partner,
    Project,
    Respondent,
    SurveyResponse,
    SurveySuppression,
    SurveyToken,
)
from store.upserts import upsert
from store.webhooks.erasure import scrub_deliveries

#: What a scrubbed clear field says (partner contact, outbox address, name and body).
ERASED = "[erased]"
#: The lead of a project or programme after erasure: the same placeholder the workflows put in their
#: state (a valid `domain.submissions.Person`, so a stored snapshot still validates; `.invalid` is never mailed).
ERASED_LEAD: dict[str, str] = {"name": "Erased", "email": "erased@erased.invalid"}
ERASED_HASH_PREFIX = "erased:"


class ErasedCounts(BaseModel):
    """How many records of each kind one erasure scrubbed (0 everywhere: nothing was left)."""

    model_config = ConfigDict(frozen=True)

    respondents: int = 0
    applications: int = 0
    partner_contacts: int = 0
    project_leads: int = 0
    programme_leads: int = 0
    outbox_emails: int = 0
    suppressions: int = 0
    accounts: int = 0
    evidence_files: int = 0
    #: Personal-data webhook bodies mentioning the person, rewritten without personal data (ids kept).
    webhook_deliveries: int = 0

    @property
    def total(self) -> int:
        return sum(self.model_dump().values())


class ErasureTargets(BaseModel):
    """The workflows in flight that hold the address, found before scrubbing: ids only."""

    model_config = ConfigDict(frozen=True)

    lead_of_projects: list[str] = []
    lead_of_programmes: list[int] = []
    applications: list[tuple[int, str]] = []


class ErasureCounts(ErasureTargets):
    """What `erase_person` did: the counts per kind, and the workflow targets it found first."""

    counts: ErasedCounts = ErasedCounts()


def _normalised(column: Any) -> ColumnElement[str]:
    return func.lower(func.trim(column))


def _rowcount(result: Any) -> int:
    assert isinstance(result, CursorResult)
    return max(result.rowcount, 0)


async def _scrub_outbox(session: AsyncSession, condition: ColumnElement[bool]) -> int:
    """Cancel the matching e-mails still queued, then blank their address, name, body and sealed link."""
    await session.execute(
        update(OutboxEmail).where(condition, OutboxEmail.status == "queued").values(status="cancelled")
    )
    result = await session.execute(
        update(OutboxEmail)
        .where(condition, OutboxEmail.to_address != ERASED)
        .values(to_name=ERASED, to_address=ERASED, body=ERASED, sealed_link=None, recipient_hash=None)
    )
    return _rowcount(result)


async def _live(session: AsyncSession, column: Any, hash_column: Any, ids: Sequence[str]) -> list[str]:
    found: list[str] = []
    for chunk in in_chunks(list(ids)):
        found += await session.scalars(
            select(column).where(column.in_(chunk), ~hash_column.startswith(ERASED_HASH_PREFIX))
        )
    return found


async def _scrub_respondents(session: AsyncSession, ids: Sequence[str], now: datetime) -> tuple[int, int]:
    live = await _live(session, Respondent.id, Respondent.email_hash, ids)
    outbox = 0
    for chunk in in_chunks(live):
        await session.execute(
            update(Respondent)
            .where(Respondent.id.in_(chunk))
            .values(
                name="",
                email="",
                email_hash=literal(ERASED_HASH_PREFIX).concat(Respondent.id),
                opted_out_at=func.coalesce(Respondent.opted_out_at, now),
            )
        )
        for response in await session.scalars(select(SurveyResponse).where(SurveyResponse.respondent_id.in_(chunk))):
            kept = keep_anonymous_answers(response.instrument, response.answers)
            if kept != response.answers:
                response.answers = kept
        await session.execute(delete(SurveyToken).where(SurveyToken.respondent_id.in_(chunk)))
        outbox += await _scrub_outbox(session, OutboxEmail.respondent_id.in_(chunk))
    await session.flush()
    return len(live), outbox


async def scrub_respondents(session: AsyncSession, respondent_ids: Sequence[str], now: datetime) -> int:
    """Erase these respondents' name and address (opted out from now, so no wave invites them), the free
    text of their answers (numbers and choices stay), their survey links and their e-mails. Returns how
    many were scrubbed: 0 for ids already scrubbed or unknown."""
    scrubbed, _ = await _scrub_respondents(session, respondent_ids, now)
    return scrubbed


def _application_mail(chunk: Sequence[str]) -> ColumnElement[bool]:
    # 👉 An applicant's e-mails are keyed `exchange/{year}:{what}:{application id}` (store.exchange.writes_mail).
    return (OutboxEmail.kind == "exchange") & or_(false(), *(OutboxEmail.dedupe_key.endswith(f":{i}") for i in chunk))


async def _scrub_applications(session: AsyncSession, ids: Sequence[str]) -> tuple[int, int]:
    live = await _live(session, ExchangeApplication.id, ExchangeApplication.email_hash, ids)
    outbox = 0
    for chunk in in_chunks(live):
        await session.execute(
            update(ExchangeApplication)
            .where(ExchangeApplication.id.in_(chunk))
            .values(
                name="",
                email="",
                email_hash=literal(ERASED_HASH_PREFIX).concat(ExchangeApplication.id),
                role="",
                statement_of_benefit="",
                hoped_gains="",
                offer="",
                access_needs="",
                availability="",
            )
        )
        outbox += await _scrub_outbox(session, _application_mail(chunk))
    return len(live), outbox


async def scrub_applications(session: AsyncSession, application_ids: Sequence[str], now: datetime) -> int:
    """Erase these applications' name, address, role and every free-text answer (organisation, employment,
    areas and status stay) and the e-mails sent to them. Returns how many were scrubbed (0 when done before).

    `now` is taken for symmetry with `scrub_respondents` (retention calls both the same way)."""
    del now
    scrubbed, _ = await _scrub_applications(session, application_ids)
    return scrubbed


async def workflow_targets(session: AsyncSession, email: str) -> ErasureTargets:
    """The projects and programmes the address leads and the applications it made: what the API tells
    the workflows in flight before the database forgets which ones they were."""
    address = email.strip().lower()
    projects = await session.scalars(
        select(Project.id).where(_normalised(Project.lead_email) == address).order_by(Project.id)
    )
    applications = await session.execute(
        select(ExchangeApplication.year, ExchangeApplication.id)
        .where(ExchangeApplication.email_hash == email_hash(email))
        .order_by(ExchangeApplication.year, ExchangeApplication.id)
    )
    return ErasureTargets(
        lead_of_projects=list(projects),
        lead_of_programmes=[p.year for p in await _programmes_led(session, address)],
        applications=[(year, application_id) for year, application_id in applications],
    )


async def _programmes_led(session: AsyncSession, address: str) -> list[ExchangeProgramme]:
    # One row per year: few enough to read whole (the lead lives only in the state document).
    programmes = await session.scalars(select(ExchangeProgramme).order_by(ExchangeProgramme.year))
    return [p for p in programmes if str((p.state.get("lead") or {}).get("email", "")).strip().lower() == address]


async def _scrub_leads(session: AsyncSession, address: str) -> tuple[int, int]:
    projects = list(await session.scalars(select(Project).where(_normalised(Project.lead_email) == address)))
    for project in projects:
        project.lead_name, project.lead_email = ERASED_LEAD["name"], ERASED_LEAD["email"]
        if project.state is not None:
            project.state = {**project.state, "lead": dict(ERASED_LEAD)}
    programmes = await _programmes_led(session, address)
    for programme in programmes:
        programme.state = {**programme.state, "lead": dict(ERASED_LEAD)}
    return len(projects), len(programmes)


async def _suppress(session: AsyncSession, digest: str, now: datetime) -> int:
    """The address's suppression becomes `erased` (an earlier `bounced` or `opted_out_everywhere` is
    replaced: `erased` stops those e-mails too and more, and the old reason is itself about the person)."""
    return await upsert(
        session,
        SurveySuppression,
        [{"email_hash": digest, "reason": "erased", "created_at": now}],
        ["email_hash"],
        ["reason", "created_at"],
        where=lambda new: SurveySuppression.reason != "erased",
    )


async def erase_person(
    session: AsyncSession, email: str, now: datetime, *, names_known: Sequence[str] = ()
) -> ErasureCounts:
    """Erase everything Engage holds about one address and suppress every later e-mail to it.

    `names_known`: names the caller read earlier (the API reads them before telling the workflows,
    which may overwrite a lead's name first), looked for in webhook bodies with the ones still held.

    Invariant afterwards: `store.people.reads.held_about(email)` finds only the suppression entry. The
    returned targets were found before scrubbing; the counts are 0 when a previous call left nothing.
    """
    targets = await workflow_targets(session, email)
    digest, address = email_hash(email), email.strip().lower()
    names = {*names_known, *await names_held(session, address, digest)}  # before the scrubs overwrite them
    respondent_ids = list(await session.scalars(select(Respondent.id).where(Respondent.email_hash == digest)))
    respondents, respondent_mail = await _scrub_respondents(session, respondent_ids, now)
    application_ids = [application_id for _, application_id in targets.applications]
    applications, application_mail = await _scrub_applications(session, application_ids)
    contacts = await session.execute(
        update(Partner)
        .where(_normalised(Partner.contact_email) == address)
        .values(contact_name=ERASED, contact_email=ERASED)
    )
    project_leads, programme_leads = await _scrub_leads(session, address)
    other_mail = await _scrub_outbox(
        session, or_(_normalised(OutboxEmail.to_address) == address, OutboxEmail.recipient_hash == digest)
    )
    suppressions = await _suppress(session, digest, now)
    evidence_files = await unlink_uploads(session, digest)  # before the account forgets the address
    accounts = await erase_accounts(session, digest, now)
    webhook_deliveries = await scrub_deliveries(session, address, names)
    await session.flush()
    counts = ErasedCounts(
        respondents=respondents,
        applications=applications,
        partner_contacts=_rowcount(contacts),
        project_leads=project_leads,
        programme_leads=programme_leads,
        outbox_emails=respondent_mail + application_mail + other_mail,
        suppressions=suppressions,
        accounts=accounts,
        evidence_files=evidence_files,
        webhook_deliveries=webhook_deliveries,
    )
    return ErasureCounts(**targets.model_dump(), counts=counts)
