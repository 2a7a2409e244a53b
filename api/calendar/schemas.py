"""The calendar feed's JSON: the URL once when made, and afterwards only whether one is active."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, Field


class CalendarFeedPublic(BaseModel):
    active: bool = Field(description="Whether the caller has a feed now.")
    url: str | None = Field(
        default=None,
        description="The private feed URL (webcal clients subscribe to it). Shown only in the answer that "
        "made it: only a hash of its token is kept. Anyone holding it reads the calendar; revoke it if shared.",
    )
    created_at: datetime | None = Field(default=None, description="When the current feed was made.")
