"""IsoDuration: parsing, refusals, calendar-aware arithmetic, and its life inside a Pydantic model."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from pydantic import BaseModel, ValidationError

from domain.durations import IsoDuration, add_months


def utc(year: int, month: int, day: int, hour: int = 0) -> datetime:
    return datetime(year, month, day, hour, tzinfo=UTC)


@pytest.mark.parametrize(
    ("text", "months", "exact"),
    [
        ("P14D", 0, timedelta(days=14)),
        ("P3M", 3, timedelta(0)),
        ("PT10S", 0, timedelta(seconds=10)),
        ("P1Y2M3DT4H", 14, timedelta(days=3, hours=4)),
        ("P2W", 0, timedelta(weeks=2)),
        ("PT1H30M", 0, timedelta(hours=1, minutes=30)),
        ("PT0.5S", 0, timedelta(milliseconds=500)),
    ],
)
def test_a_duration_keeps_calendar_months_apart_from_exact_time(text: str, months: int, exact: timedelta) -> None:
    duration = IsoDuration(text)
    assert duration == text
    assert duration.calendar_months == months
    assert duration.exact == exact


def test_lowercase_and_surrounding_whitespace_are_normalised() -> None:
    duration = IsoDuration("  p1y2m3dt4h \n")
    assert duration == "P1Y2M3DT4H"
    assert str(duration) == "P1Y2M3DT4H"
    assert duration.calendar_months == 14


def test_m_before_t_is_months_and_after_t_is_minutes() -> None:
    assert IsoDuration("P1M").calendar_months == 1
    assert IsoDuration("P1M").exact == timedelta(0)
    assert IsoDuration("PT1M").calendar_months == 0
    assert IsoDuration("PT1M").exact == timedelta(minutes=1)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("P", "is not an ISO 8601 duration"),
        ("PT", "is not an ISO 8601 duration"),
        ("P1DT", "is not an ISO 8601 duration"),
        ("", "is not an ISO 8601 duration"),
        ("-P1D", "is not an ISO 8601 duration"),
        ("P-1D", "is not an ISO 8601 duration"),
        ("14 days", "is not an ISO 8601 duration"),
        ("P1.5M", "is not an ISO 8601 duration"),
        ("P1D2M", "is not an ISO 8601 duration"),
        ("P 1D", "is not an ISO 8601 duration"),
        ("P0D", "must be longer than zero"),
        ("PT0S", "must be longer than zero"),
        ("P0Y0M0DT0H0M0.0S", "must be longer than zero"),
    ],
)
def test_malformed_and_zero_durations_are_refused(text: str, message: str) -> None:
    with pytest.raises(ValueError, match=message) as raised:
        IsoDuration(text)
    assert repr(text) in str(raised.value)


def test_a_non_string_is_refused() -> None:
    with pytest.raises(ValueError, match="is not an ISO 8601 duration"):
        IsoDuration(14)  # type: ignore[arg-type]


def test_only_ascii_digits_are_accepted() -> None:
    with pytest.raises(ValueError):
        IsoDuration("P\u0661\u0664D")


@pytest.mark.parametrize(
    ("start", "text", "expected"),
    [
        (utc(2023, 1, 31), "P1M", utc(2023, 2, 28)),
        (utc(2024, 1, 31), "P1M", utc(2024, 2, 29)),
        (utc(2024, 2, 29), "P1Y", utc(2025, 2, 28)),
        (utc(2024, 2, 29), "P4Y", utc(2028, 2, 29)),
        (utc(2025, 11, 30), "P3M", utc(2026, 2, 28)),
        (utc(2025, 3, 31), "P1M", utc(2025, 4, 30)),
        (utc(2025, 12, 15, 9), "P14D", utc(2025, 12, 29, 9)),
        (utc(2025, 12, 31, 23), "PT2H", utc(2026, 1, 1, 1)),
    ],
)
def test_after_adds_calendar_months_clamped_to_the_months_last_day(
    start: datetime, text: str, expected: datetime
) -> None:
    assert IsoDuration(text).after(start) == expected


@pytest.mark.parametrize("start", [utc(2024, 1, 31), utc(2024, 2, 29), utc(2025, 8, 31, 17)])
def test_twelve_months_and_one_year_land_on_the_same_moment(start: datetime) -> None:
    assert IsoDuration("P12M").after(start) == IsoDuration("P1Y").after(start)
    assert IsoDuration("P12M").before(start) == IsoDuration("P1Y").before(start)


def test_months_are_added_before_days() -> None:
    # Months first: 30 Jan + 1M = 28 Feb, + 2D = 2 Mar. Days first would give 1 Mar.
    assert IsoDuration("P1M2D").after(utc(2023, 1, 30)) == utc(2023, 3, 2)


@pytest.mark.parametrize(
    ("start", "text", "expected"),
    [
        (utc(2023, 3, 31), "P1M", utc(2023, 2, 28)),
        (utc(2024, 3, 31), "P1M", utc(2024, 2, 29)),
        (utc(2026, 1, 15), "P3M", utc(2025, 10, 15)),
        (utc(2026, 3, 1, 9), "P7D", utc(2026, 2, 22, 9)),
        (utc(2023, 3, 2), "P1M1D", utc(2023, 2, 1)),
    ],
)
def test_before_subtracts_months_then_the_exact_part(start: datetime, text: str, expected: datetime) -> None:
    assert IsoDuration(text).before(start) == expected


def test_after_keeps_the_timezone() -> None:
    assert IsoDuration("P1M").after(utc(2026, 1, 31, 9)).tzinfo is UTC


def test_add_months_moves_back_across_a_year_boundary() -> None:
    assert add_months(utc(2026, 1, 31), -2) == utc(2025, 11, 30)
    assert add_months(utc(2026, 1, 31), 0) == utc(2026, 1, 31)


@pytest.mark.parametrize(
    ("text", "shorter"),
    [("PT10S", True), ("PT23H59M", True), ("PT24H", False), ("P1D", False), ("P1M", False), ("P1W", False)],
)
def test_shorter_than_a_day_counts_months_as_long(text: str, shorter: bool) -> None:
    assert IsoDuration(text).shorter_than_a_day() is shorter


def test_approximate_counts_a_month_as_thirty_days() -> None:
    assert IsoDuration("P1Y1M1D").approximate() == timedelta(days=30 * 13 + 1)


class Plan(BaseModel):
    wait: IsoDuration
    escalate: IsoDuration | None = None


def test_a_model_validates_and_normalises_a_duration_field() -> None:
    plan = Plan(wait=" p3m ")
    assert isinstance(plan.wait, IsoDuration)
    assert plan.wait == "P3M"
    assert plan.wait.calendar_months == 3


def test_a_model_refuses_a_bad_duration_naming_the_field() -> None:
    with pytest.raises(ValidationError) as raised:
        Plan(wait="P0D")
    [error] = raised.value.errors()
    assert error["loc"] == ("wait",)
    assert "must be longer than zero" in error["msg"]


def test_a_duration_serialises_as_its_text_and_round_trips() -> None:
    plan = Plan(wait="P1Y2M3DT4H", escalate="P7D")
    dumped = plan.model_dump()
    assert dumped == {"wait": "P1Y2M3DT4H", "escalate": "P7D"}
    assert type(dumped["wait"]) is str
    assert plan.model_dump_json() == '{"wait":"P1Y2M3DT4H","escalate":"P7D"}'
    again = Plan.model_validate_json(plan.model_dump_json())
    assert again == plan
    assert isinstance(again.wait, IsoDuration)
    assert again.wait.exact == timedelta(days=3, hours=4)


def test_the_json_schema_says_string_with_format_duration() -> None:
    properties = Plan.model_json_schema()["properties"]
    assert properties["wait"]["type"] == "string"
    assert properties["wait"]["format"] == "duration"
    assert {"type": "string", "format": "duration"}.items() <= properties["escalate"]["anyOf"][0].items()
