"""What a person's export is made of (store.people.reads): each kind of record Engage holds about an
address, with its source. Kept apart from the queries so each module stays small."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field


class Held(BaseModel):
    model_config = ConfigDict(frozen=True)


class Source(Held):
    """Where a record came from: its table, the project or programme year it belongs to, and when."""

    table: str = Field(description="The table the record is kept in, e.g. `respondent`.")
    project_id: str | None = None
    year: int | None = None
    recorded_at: datetime | None = Field(description="When the record was made (sent, for an e-mail).")


class PartnerContactHeld(Held):
    source: Source
    partner_id: str
    organisation: str
    contact_name: str
    contact_email: str


class LeadHeld(Held):
    """The lead of a project (`project_id`) or of a year's Knowledge Exchange programme (`year`)."""

    source: Source
    title: str
    lead_name: str
    lead_email: str


class AnswerHeld(Held):
    source: Source
    wave_index: int
    instrument: str
    language: str
    answers: dict[str, Any]


class RespondentHeld(Held):
    source: Source
    respondent_id: str
    name: str
    email: str
    language: str
    role: str
    opted_out_at: datetime | None
    bounced_at: datetime | None
    responses: list[AnswerHeld]


class ApplicationHeld(Held):
    source: Source
    application_id: str
    organisation: str
    name: str
    email: str
    role: str
    employment: str
    statement_of_benefit: str
    hoped_gains: str
    offer: str
    preferred_areas: list[Any]
    access_needs: str
    availability: str
    status: str


class EmailHeld(Held):
    source: Source
    email_id: int
    kind: str
    audience: str
    to_name: str
    to_address: str
    subject: str
    body: str = Field(description="As stored; a personal survey link reads `[personal survey link]`.")
    status: str


class SuppressionHeld(Held):
    source: Source
    reason: str = Field(description="opted_out_everywhere, bounced or erased.")


class AccountHeld(Held):
    """An account to sign in to the pages (issue 15)."""

    source: Source
    user_id: str
    name: str
    email: str
    role: str
    partner_id: str | None
    removed_at: datetime | None


class EvidenceFileHeld(Held):
    """A file the person sent as a project's evidence, signed in to their account (issue 15)."""

    source: Source
    milestone_key: str
    submission_number: int
    shown_name: str = Field(description="The file's name as it was sent (shown, never trusted).")
    media_type: str
    size: int
    sha256: str


class WebhookDeliveryHeld(Held):
    """A delivery to a webhook allowed personal data whose body mentions the person's address or a name
    held for them (issue 16): ids only, the body itself stays with the delivery log."""

    source: Source
    delivery_id: str
    webhook_id: str
    event_type: str
    status: str


class PersonExport(Held):
    """Everything Engage holds about one address; empty lists when it holds nothing."""

    partner_contacts: list[PartnerContactHeld] = []
    project_leads: list[LeadHeld] = []
    programme_leads: list[LeadHeld] = []
    respondents: list[RespondentHeld] = []
    applications: list[ApplicationHeld] = []
    emails: list[EmailHeld] = []
    suppressions: list[SuppressionHeld] = []
    accounts: list[AccountHeld] = []
    evidence_files: list[EvidenceFileHeld] = []
    webhook_deliveries: list[WebhookDeliveryHeld] = []

    @property
    def records(self) -> int:
        """How many records in all (a respondent's answers count with it)."""
        return sum(len(v) for v in (getattr(self, name) for name in type(self).model_fields))
