"""What Engage holds about one address (the right of access): every record, with where it came from.

Read-only. Matching is the same as erasure's (store.people): hashed columns by `email_hash`, clear ones
by trimmed, lower-cased equality, so an export names exactly what an erasure would scrub, and an
export after erasure finds only the suppression entry. E-mail bodies are shown as stored with any
personal survey link redacted (`store.link_seal.redact_links`): an export never hands out a working link.

Evidence files (`evidence_file`, issue 15) belong to projects, not people, but the ones a person sent
signed in to their account (`uploaded_by` = `user:<id>`) are listed here with where they came from;
erasure only unlinks them (`uploaded_by` NULL), so the project keeps its evidence.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from store.accounts.erasure import accounts_of, uploads_of
from store.hashing import email_hash
from store.in_lists import in_chunks
from store.link_seal import redact_links
from store.people.held import (
    AccountHeld,
    AnswerHeld,
    ApplicationHeld,
    EmailHeld,
    EvidenceFileHeld,
    LeadHeld,
    PartnerContactHeld,
    PersonExport,
    RespondentHeld,
    Source,
    SuppressionHeld,
    WebhookDeliveryHeld,
)
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
    WebhookDelivery,
)
from store.webhooks.erasure import deliveries_mentioning

#: What others import from here (the export's models live in store.people.held).
__all__ = ["PersonExport", "held_about"]


def _same(column: Any, address: str) -> Any:
    return func.lower(func.trim(column)) == address


async def _partner_contacts(session: AsyncSession, address: str) -> list[PartnerContactHeld]:
    partners = await session.scalars(select(Partner).where(_same(Partner.contact_email, address)).order_by(Partner.id))
    return [
        PartnerContactHeld(
            source=Source(table="partner", recorded_at=p.created_at),
            partner_id=p.id,
            organisation=p.name,
            contact_name=p.contact_name,
            contact_email=p.contact_email,
        )
        for p in partners
    ]


async def _leads(session: AsyncSession, address: str) -> tuple[list[LeadHeld], list[LeadHeld]]:
    projects = await session.scalars(select(Project).where(_same(Project.lead_email, address)).order_by(Project.id))
    project_leads = [
        LeadHeld(
            source=Source(table="project", project_id=p.id, recorded_at=p.created_at),
            title=p.title,
            lead_name=p.lead_name,
            lead_email=p.lead_email,
        )
        for p in projects
    ]
    programme_leads: list[LeadHeld] = []
    for programme in await session.scalars(select(ExchangeProgramme).order_by(ExchangeProgramme.year)):
        lead = programme.state.get("lead") or {}
        if str(lead.get("email", "")).strip().lower() == address:
            programme_leads.append(
                LeadHeld(
                    source=Source(table="exchange_programme", year=programme.year, recorded_at=programme.created_at),
                    title=f"Knowledge Exchange {programme.year}",
                    lead_name=str(lead.get("name", "")),
                    lead_email=str(lead.get("email", "")),
                )
            )
    return project_leads, programme_leads


async def _respondents(session: AsyncSession, digest: str) -> list[RespondentHeld]:
    people = list(
        await session.scalars(select(Respondent).where(Respondent.email_hash == digest).order_by(Respondent.id))
    )
    responses: dict[str, list[AnswerHeld]] = {p.id: [] for p in people}
    if people:
        rows = await session.scalars(
            select(SurveyResponse)
            .where(SurveyResponse.respondent_id.in_(list(responses)))
            .order_by(SurveyResponse.submitted_at, SurveyResponse.id)
        )
        for r in rows:
            responses[r.respondent_id].append(
                AnswerHeld(
                    source=Source(table="survey_response", project_id=r.project_id, recorded_at=r.submitted_at),
                    wave_index=r.wave_index,
                    instrument=r.instrument,
                    language=r.language,
                    answers=r.answers,
                )
            )
    return [
        RespondentHeld(
            source=Source(table="respondent", project_id=p.project_id, recorded_at=p.created_at),
            respondent_id=p.id,
            name=p.name,
            email=p.email,
            language=p.language,
            role=p.role,
            opted_out_at=p.opted_out_at,
            bounced_at=p.bounced_at,
            responses=responses[p.id],
        )
        for p in people
    ]


async def _applications(session: AsyncSession, digest: str) -> list[ApplicationHeld]:
    rows = await session.scalars(
        select(ExchangeApplication)
        .where(ExchangeApplication.email_hash == digest)
        .order_by(ExchangeApplication.year, ExchangeApplication.id)
    )
    return [
        ApplicationHeld(
            source=Source(table="exchange_application", year=a.year, recorded_at=a.submitted_at),
            application_id=a.id,
            organisation=a.organisation,
            name=a.name,
            email=a.email,
            role=a.role,
            employment=a.employment,
            statement_of_benefit=a.statement_of_benefit,
            hoped_gains=a.hoped_gains,
            offer=a.offer,
            preferred_areas=list(a.preferred_areas),
            access_needs=a.access_needs,
            availability=a.availability,
            status=a.status,
        )
        for a in rows
    ]


async def _emails(session: AsyncSession, address: str, digest: str, respondent_ids: Sequence[str]) -> list[EmailHeld]:
    mine = or_(_same(OutboxEmail.to_address, address), OutboxEmail.recipient_hash == digest)
    if respondent_ids:
        mine = or_(mine, OutboxEmail.respondent_id.in_(list(respondent_ids)))
    rows = await session.scalars(select(OutboxEmail).where(mine).order_by(OutboxEmail.created_at, OutboxEmail.id))
    return [
        EmailHeld(
            source=Source(table="outbox_email", project_id=e.project_id, recorded_at=e.sent_at or e.created_at),
            email_id=e.id,
            kind=e.kind,
            audience=e.audience,
            to_name=e.to_name,
            to_address=e.to_address,
            subject=e.subject,
            body=redact_links(e.body),
            status=e.status,
        )
        for e in rows
    ]


async def _webhook_deliveries(session: AsyncSession, address: str, digest: str) -> list[WebhookDeliveryHeld]:
    ids = await deliveries_mentioning(session, address, await names_held(session, address, digest))
    rows: list[WebhookDelivery] = []
    for chunk in in_chunks(ids):
        rows += await session.scalars(select(WebhookDelivery).where(WebhookDelivery.id.in_(chunk)))
    return [
        WebhookDeliveryHeld(
            source=Source(table="webhook_delivery", project_id=d.project_id, recorded_at=d.created_at),
            delivery_id=d.id,
            webhook_id=d.webhook_id,
            event_type=d.event_type,
            status=d.status,
        )
        for d in sorted(rows, key=lambda d: (d.created_at, d.id))
    ]


async def held_about(session: AsyncSession, email: str) -> PersonExport:
    """Everything held about `email` (compared trimmed and lower-cased), each record with its source."""
    address, digest = email.strip().lower(), email_hash(email)
    project_leads, programme_leads = await _leads(session, address)
    respondents = await _respondents(session, digest)
    suppression = await session.get(SurveySuppression, digest)
    return PersonExport(
        partner_contacts=await _partner_contacts(session, address),
        project_leads=project_leads,
        programme_leads=programme_leads,
        respondents=respondents,
        applications=await _applications(session, digest),
        emails=await _emails(session, address, digest, [r.respondent_id for r in respondents]),
        accounts=[
            AccountHeld(
                source=Source(table="user_account", recorded_at=a.created_at),
                user_id=a.id,
                name=a.name,
                email=a.email,
                role=a.role,
                partner_id=a.partner_id,
                removed_at=a.removed_at,
            )
            for a in await accounts_of(session, digest)
        ],
        evidence_files=[
            EvidenceFileHeld(
                source=Source(table="evidence_file", project_id=f.project_id, recorded_at=f.uploaded_at),
                milestone_key=f.milestone_key,
                submission_number=f.submission_number,
                shown_name=f.original_name,
                media_type=f.media_type,
                size=f.size,
                sha256=f.sha256,
            )
            for f in await uploads_of(session, digest)
        ],
        webhook_deliveries=await _webhook_deliveries(session, address, digest),
        suppressions=[]
        if suppression is None
        else [
            SuppressionHeld(
                source=Source(table="survey_suppression", recorded_at=suppression.created_at),
                reason=suppression.reason,
            )
        ],
    )
