"""domain.exchange: placements last five working days, a yearly plan becomes one programme's dates,
and every aim of the programme is measured by an outcome the survey framework defines."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from pydantic import ValidationError

from domain.durations import IsoDuration
from domain.exchange import EXCHANGE_AIMS, ExchangeYearPlan, PlacementWindow, ProgrammeWindow, working_days_from
from domain.instruments import InstrumentCatalog
from tests.domain.builders import LEAD, template

INSTRUMENTS = InstrumentCatalog.load_shipped()


@pytest.mark.parametrize(
    ("start", "end"),
    [
        (date(2027, 5, 10), date(2027, 5, 14)),  # Monday → Friday
        (date(2027, 5, 12), date(2027, 5, 18)),  # Wednesday → Tuesday, skipping the weekend
        (date(2027, 5, 14), date(2027, 5, 20)),  # Friday → Thursday
        (date(2027, 12, 29), date(2028, 1, 4)),  # across the new year
    ],
)
def test_five_working_days_end_on_the_fifth_weekday_counting_the_first(start: date, end: date) -> None:
    assert working_days_from(start) == end


def test_a_single_working_day_ends_the_day_it_starts_and_ten_span_two_weekends() -> None:
    assert working_days_from(date(2027, 5, 12), days=1) == date(2027, 5, 12)
    assert working_days_from(date(2027, 5, 12), days=10) == date(2027, 5, 25)


@pytest.mark.parametrize("weekend", [date(2027, 5, 15), date(2027, 5, 16)])
def test_a_placement_cannot_start_on_a_weekend(weekend: date) -> None:
    with pytest.raises(ValueError, match=f"{weekend.isoformat()} is a weekend day"):
        working_days_from(weekend)


def year_plan(**fields: object) -> ExchangeYearPlan:
    return ExchangeYearPlan.model_validate(
        {
            "partner_ids": ("docks", "mill"),
            "lead": LEAD,
            "placement_template": template("knowledge-exchange-placement"),
            "budget": 12_500.0,
        }
        | fields
    )


def test_a_yearly_plan_dates_the_programme_from_the_moment_the_schedule_fires() -> None:
    now = datetime(2027, 1, 1, 9, 0, tzinfo=UTC)
    start = year_plan().programme_input(now)
    assert start.year == 2027
    assert start.partner_ids == ("docks", "mill")
    assert start.confirm_by == datetime(2027, 1, 22, 9, 0, tzinfo=UTC)
    assert start.applications == ProgrammeWindow(
        opens_at=datetime(2027, 2, 1, 9, 0, tzinfo=UTC), closes_at=datetime(2027, 3, 1, 9, 0, tzinfo=UTC)
    )
    assert start.placements == PlacementWindow(starts_on=date(2027, 4, 1), ends_on=date(2027, 10, 1))
    assert (start.budget, start.lead, start.created_at) == (12_500.0, LEAD, now)
    assert start.placement_template.ref == "knowledge-exchange-placement@1"


def test_a_yearly_plan_firing_on_31_january_clamps_each_month_to_its_end() -> None:
    start = year_plan().programme_input(datetime(2027, 1, 31, 9, 0, tzinfo=UTC))
    assert start.applications.opens_at == datetime(2027, 2, 28, 9, 0, tzinfo=UTC)
    assert start.applications.closes_at == datetime(2027, 3, 31, 9, 0, tzinfo=UTC)
    assert start.placements == PlacementWindow(starts_on=date(2027, 4, 30), ends_on=date(2027, 10, 31))


def test_a_yearly_plan_whose_windows_run_backwards_is_refused_when_it_fires() -> None:
    now = datetime(2027, 1, 1, 9, 0, tzinfo=UTC)
    shut = year_plan(applications_close_after=IsoDuration("P1M"))
    with pytest.raises(ValidationError, match="closes_at must be after opens_at"):
        shut.programme_input(now)
    backwards = year_plan(placements_end_after=IsoDuration("P2M"))
    with pytest.raises(ValidationError, match="ends_on must not be before starts_on"):
        backwards.programme_input(now)


def test_a_yearly_plan_needs_a_partner() -> None:
    with pytest.raises(ValidationError):
        year_plan(partner_ids=())


def test_the_four_aims_are_each_measured_by_an_outcome_of_the_community_impact_framework() -> None:
    framework = INSTRUMENTS.frameworks["community-impact"]
    assert [a.key for a in EXCHANGE_AIMS] == [
        "knowledge_and_skills",
        "relationships",
        "museum_insight",
        "sustainable_sharing",
    ]
    assert [framework.outcome(a.outcome) is not None for a in EXCHANGE_AIMS] == [True] * 4


def test_the_placement_survey_asks_about_every_aim_of_the_programme() -> None:
    survey = INSTRUMENTS.get("knowledge-exchange-placement@1")
    assert survey is not None
    measured = {q.outcome for q in survey.questions}
    assert {a.outcome for a in EXCHANGE_AIMS} <= measured
