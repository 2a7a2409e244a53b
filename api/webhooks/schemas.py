"""What the webhook routes take and answer. The secret is in the create answer only (`WebhookCreated`),
never in a read: it is stored sealed and only the delivery activity unseals it to sign."""

from __future__ import annotations

import re
from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field, model_validator

from api.schemas import Request
from domain.events import EventType
from domain.submissions import FieldRuleError
from domain.webhooks import SECRET_PREFIX, DeliveryStatus

#: `whsec_` and standard base64 of 24 to 64 bytes (the Standard Webhooks secret format).
SECRET_PATTERN = re.compile(rf"^{SECRET_PREFIX}[A-Za-z0-9+/]{{32,88}}={{0,2}}$")


class WebhookCreate(Request):
    url: str = Field(min_length=1, max_length=2000, description="https; http only to loopback (or if allowed).")
    event_types: list[EventType] = Field(min_length=1, max_length=len(EventType), description="Events to receive.")
    secret: str | None = Field(
        default=None,
        max_length=100,
        description="`whsec_` + base64 of 24-64 random bytes; absent: generated and returned once.",
    )
    include_personal_data: bool = Field(
        default=False, description="Bodies carry the event's whole detail and actor (names, notes), not ids only."
    )
    personal_data_reason: str | None = Field(
        default=None, max_length=500, description="Why this receiver needs personal data (required with it)."
    )

    @model_validator(mode="after")
    def _reason_with_personal_data(self) -> WebhookCreate:
        if self.include_personal_data and not (self.personal_data_reason or "").strip():
            # A rule across fields names the one to fill (the JSON error's field, the form's input).
            raise FieldRuleError("personal_data_reason", "say why the receiver needs personal data")
        return self


class WebhookPublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: str
    url: str
    event_types: list[str]
    include_personal_data: bool
    personal_data_allowed_by: str | None = Field(description="The admin key id that allowed personal data.")
    personal_data_reason: str | None
    created_at: datetime
    created_by: str = Field(description="The admin key id that created it.")


class WebhookCreated(WebhookPublic):
    secret: str = Field(description="Shown in this answer only: keep it to verify signatures.")


class AttemptPublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    number: int
    at: datetime
    status_code: int | None = Field(description="The receiver's HTTP status; unset when it was not reached.")
    error: str | None = Field(description="Why it was not reached (an error class), or unset.")
    duration_ms: int


class DeliveryPublic(BaseModel):
    id: str = Field(description="The `webhook-id` header receivers de-duplicate by.")
    project_id: str
    event_seq: int
    event_type: str
    status: DeliveryStatus
    attempts: int
    created_at: datetime
    delivered_at: datetime | None
    last_attempts: list[AttemptPublic] = Field(description="The latest attempts, newest first.")
