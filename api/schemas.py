"""What every feature's request and response schemas are built from: one `Request` base, one `Page`.

Each feature keeps its own schemas (api/projects/schemas.py, api/partners/schemas.py,
api/follow_up/schemas.py, api/exchange/schemas.py), composed from domain models.

Field limits are the domain's, so a request that passes here is never refused by a domain model
later (which would be a 500); rules about *state* stay in the workflow. Extra fields are refused
(a typo is a 422, not silently ignored). A datetime without an offset is read in the project's
time zone (or the museum's: api.local_time), and every datetime must lie in a plausible range,
so no request can arm a timer centuries away.
"""

from __future__ import annotations

import zoneinfo
from datetime import UTC, datetime, timedelta
from itertools import pairwise
from typing import Annotated, Generic, TypeVar

from pydantic import AfterValidator, BaseModel, ConfigDict, Field

from api.local_time import in_request_zone
from domain.durations import IsoDuration

_EARLIEST = datetime(2000, 1, 1, tzinfo=UTC)
_LATEST = datetime(2100, 1, 1, tzinfo=UTC)
_LONGEST_FOLLOW_UP = timedelta(days=366 * 30)

EMAIL_PATTERN = r"^[^@\s]+@[^@\s]+\.[^@\s]+$"


class Request(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


def _in_range(moment: datetime) -> datetime:
    if not _EARLIEST <= moment < _LATEST:
        raise ValueError("must be between 2000-01-01 and 2100-01-01")
    return moment


def known_timezone(name: str) -> str:
    try:
        zoneinfo.ZoneInfo(name)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError, OSError):
        raise ValueError(f"{name!r} is not an IANA time zone such as Europe/London") from None
    return name


def _sensible_offset(offset: IsoDuration) -> IsoDuration:
    try:
        too_long = offset.approximate() > _LONGEST_FOLLOW_UP
    except OverflowError:
        too_long = True
    if too_long:
        raise ValueError("a follow-up offset must be at most 30 years")
    return offset


def unique(values: list[str]) -> list[str]:
    return list(dict.fromkeys(values))


#: Offsets are compared where they land after one fixed moment, so P1M and P30D compare as calendars do.
_SCHEDULE_ANCHOR = datetime(2001, 1, 31, tzinfo=UTC)


def _strictly_increasing(offsets: list[IsoDuration]) -> list[IsoDuration]:
    """Each wave after the one before: a repeated or backwards offset would send two waves at once."""
    landings = [offset.after(_SCHEDULE_ANCHOR) for offset in offsets]
    if any(later <= earlier for earlier, later in pairwise(landings)):
        raise ValueError("the offsets must be strictly increasing: each wave comes after the one before")
    return offsets


#: A time in a request: with an offset, or without one and read in the request's zone (api.local_time).
Moment = Annotated[datetime, AfterValidator(in_request_zone), AfterValidator(_in_range)]
FollowUpOffset = Annotated[IsoDuration, AfterValidator(_sensible_offset)]
#: A follow-up schedule: offsets after the project's end, each later than the one before.
FollowUpSchedule = Annotated[list[FollowUpOffset], AfterValidator(_strictly_increasing)]
PartnerId = Annotated[str, Field(min_length=1, max_length=32)]


T = TypeVar("T")


class Page(BaseModel, Generic[T]):
    items: list[T]
    total: int = Field(description="How many items match, across all pages.")
    limit: int
    offset: int
