"""Partners and keys: what staff send to add a partner or issue a key, and what they get back."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from api.schemas import EMAIL_PATTERN, Request


class PartnerCreate(Request):
    name: str = Field(
        min_length=1, max_length=200, description="The organisation's name; unique, ignoring case and spacing."
    )
    contact_name: str = Field(min_length=1, max_length=200, description="The person who receives its e-mails.")
    contact_email: str = Field(min_length=3, max_length=320, pattern=EMAIL_PATTERN, description="Where its e-mails go.")


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
