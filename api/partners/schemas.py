"""Partners and keys: what staff send to add a partner or issue a key, and what they get back."""

from __future__ import annotations

from datetime import datetime
from typing import Literal, Self

from pydantic import BaseModel, ConfigDict, Field, model_validator

from api.schemas import EMAIL_PATTERN, Request
from domain.submissions import FieldRuleError


class PartnerCreate(Request):
    name: str = Field(
        min_length=1, max_length=200, description="The organisation's name; unique, ignoring case and spacing."
    )
    contact_name: str = Field(min_length=1, max_length=200, description="The person who receives its e-mails.")
    contact_email: str = Field(min_length=3, max_length=320, pattern=EMAIL_PATTERN, description="Where its e-mails go.")


class PartnerUpdate(Request):
    """`PATCH /api/v1/partners/{id}` (issue 15): send only what changes; an absent field stays as it is."""

    name: str | None = Field(
        default=None, min_length=1, max_length=200, description="A new name; unique, ignoring case and spacing."
    )
    contact_name: str | None = Field(default=None, min_length=1, max_length=200, description="The new contact.")
    contact_email: str | None = Field(
        default=None, min_length=3, max_length=320, pattern=EMAIL_PATTERN, description="Where its e-mails go now."
    )

    @model_validator(mode="after")
    def _something(self) -> Self:
        if self.name is None and self.contact_name is None and self.contact_email is None:
            raise FieldRuleError("name", "name at least one of name, contact_name, contact_email to change")
        return self


class PartnerPublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: str
    name: str
    contact_name: str
    contact_email: str
    created_at: datetime


class PartnerKeyCreate(Request):
    label: str = Field(default="", max_length=200, description="What the key is for; shown in timelines.")


class KeyCreate(Request):
    role: Literal["staff", "admin"] = Field(description="`staff` (everything but keys) or `admin` (also issues keys).")
    label: str = Field(
        default="", max_length=200, description="Who holds the key, for people reading lists and timelines."
    )


class KeyCreated(BaseModel):
    """A new key. `key` is shown only in this response: only its hash is stored."""

    model_config = ConfigDict(from_attributes=True)

    id: str
    key: str
    prefix: str
    role: str
    partner_id: str | None
    label: str
    created_at: datetime

    @classmethod
    def of(cls, row: object, key: str) -> KeyCreated:
        """From a stored `api_key` row plus the key itself (which the row does not hold)."""
        fields = ("id", "prefix", "role", "partner_id", "label", "created_at")
        return cls.model_validate({**{name: getattr(row, name) for name in fields}, "key": key})
