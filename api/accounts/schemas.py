"""People who sign in: what staff and admins send to add or change an account, and what they get back."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from api.schemas import EMAIL_PATTERN, Request

RoleName = Literal["admin", "staff", "partner"]


class UserCreate(Request):
    name: str = Field(min_length=1, max_length=200, description="The person's name, shown in timelines and the audit.")
    email: str = Field(
        min_length=3, max_length=320, pattern=EMAIL_PATTERN, description="Where their sign-in links go; unique."
    )
    role: RoleName = Field(
        description="`admin` or `staff` (added by an admin), or `partner`: a partner organisation's contact "
        "(added by staff, with `partner_id`)."
    )
    partner_id: str | None = Field(
        default=None, min_length=1, max_length=32, description="The partner organisation; only for role partner."
    )


class UserUpdate(Request):
    """Only what is sent changes; the role and partner stay (remove the account and add another)."""

    name: str | None = Field(default=None, min_length=1, max_length=200, description="The person's new name.")
    email: str | None = Field(
        default=None,
        min_length=3,
        max_length=320,
        pattern=EMAIL_PATTERN,
        description="The address their sign-in links go to from now on; unique.",
    )


class UserPublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: str
    name: str
    email: str
    role: str
    partner_id: str | None
    created_at: datetime
    created_by: str
    removed_at: datetime | None
