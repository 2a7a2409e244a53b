"""ISO 8601 durations that keep their calendar meaning.

Why not `timedelta`: Pydantic reads "P3M" as 90 days, but a follow-up "three months after the
display closed" means the same day-of-month three months later. `IsoDuration` keeps years,
months, weeks, days and the time part separately and adds them to a datetime the way a person
would (months first, clamped to the month's last day, then the exact part).

Pure and deterministic: safe inside the Temporal workflow sandbox.
"""

from __future__ import annotations

import calendar
import re
from datetime import datetime, timedelta
from typing import Annotated, Any

from pydantic import GetCoreSchemaHandler
from pydantic_core import core_schema

_PATTERN = re.compile(
    r"^P(?!$)(?:(?P<years>\d+)Y)?(?:(?P<months>\d+)M)?(?:(?P<weeks>\d+)W)?(?:(?P<days>\d+)D)?"
    r"(?:T(?=\d)(?:(?P<hours>\d+)H)?(?:(?P<minutes>\d+)M)?(?:(?P<seconds>\d+(?:\.\d+)?)S)?)?$",
    re.ASCII,
)


class IsoDuration(str):
    """A positive ISO 8601 duration such as ``P14D``, ``P3M`` or ``PT10S``, kept as its text.

    Invariant: the text matched the pattern and is not zero, so every instance can be added to
    a datetime. Subclassing ``str`` keeps it a plain string on the wire and in JSON.
    """

    __slots__ = ()

    def __new__(cls, text: str) -> IsoDuration:
        match = _PATTERN.match(text.strip().upper()) if isinstance(text, str) else None
        if match is None:
            raise ValueError(f"{text!r} is not an ISO 8601 duration such as P14D, P3M or PT10S")
        instance = super().__new__(cls, text.strip().upper())
        if instance.is_zero():
            raise ValueError(f"{text!r} must be longer than zero")
        return instance

    def _parts(self) -> dict[str, float]:
        match = _PATTERN.match(self)
        assert match is not None  # guaranteed by __new__
        return {name: float(value) for name, value in match.groupdict().items() if value}

    def is_zero(self) -> bool:
        return not any(self._parts().values())

    @property
    def calendar_months(self) -> int:
        parts = self._parts()
        return int(parts.get("years", 0)) * 12 + int(parts.get("months", 0))

    @property
    def exact(self) -> timedelta:
        """The part that is a fixed length of time (weeks, days, hours, minutes, seconds)."""
        parts = self._parts()
        return timedelta(
            weeks=parts.get("weeks", 0),
            days=parts.get("days", 0),
            hours=parts.get("hours", 0),
            minutes=parts.get("minutes", 0),
            seconds=parts.get("seconds", 0),
        )

    def shorter_than_a_day(self) -> bool:
        return self.calendar_months == 0 and self.exact < timedelta(days=1)

    def after(self, moment: datetime) -> datetime:
        """`moment` plus this duration: calendar months first (clamped), then the exact part."""
        return add_months(moment, self.calendar_months) + self.exact

    def before(self, moment: datetime) -> datetime:
        """`moment` minus this duration, the mirror of `after`."""
        return add_months(moment, -self.calendar_months) - self.exact

    def approximate(self) -> timedelta:
        """A rough length for ordering and display only (a month counted as 30 days)."""
        return timedelta(days=30 * self.calendar_months) + self.exact

    @classmethod
    def __get_pydantic_core_schema__(cls, source: Any, handler: GetCoreSchemaHandler) -> core_schema.CoreSchema:
        return core_schema.no_info_after_validator_function(
            cls,
            core_schema.str_schema(),
            serialization=core_schema.plain_serializer_function_ser_schema(str),
        )

    @classmethod
    def __get_pydantic_json_schema__(cls, schema: Any, handler: Any) -> dict[str, Any]:
        return {"type": "string", "format": "duration", "examples": ["P14D", "P3M", "PT10S"]}


def add_months(moment: datetime, months: int) -> datetime:
    """Move `moment` by whole calendar months, clamping the day (31 Jan + 1 month = 28/29 Feb)."""
    if months == 0:
        return moment
    index = moment.year * 12 + (moment.month - 1) + months
    year, month = divmod(index, 12)
    day = min(moment.day, calendar.monthrange(year, month + 1)[1])
    return moment.replace(year=year, month=month + 1, day=day)


Duration = Annotated[IsoDuration, "ISO 8601 duration"]
