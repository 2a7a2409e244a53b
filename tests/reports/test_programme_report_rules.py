"""The programme-year report's own rules as plain functions (no Temporal, no database): working days, a
placement's status from its project's stage, and the small-group rule exactly at its edge (min_n shown,
one fewer suppressed), with the figures worked out by hand."""

from __future__ import annotations

from datetime import date

from api.exchange.dashboard import AimAnswers
from api.exchange.dashboard_schemas import OffsetRate
from api.reports.programme_report import (
    aim_reports,
    budget_section,
    placement_status,
    too_few,
    wave_figures,
    working_days,
)
from api.reports.programme_schemas import CostLine
from domain.exchange import EXCHANGE_AIMS, Direction

SKILLS = EXCHANGE_AIMS[0]
P7D = OffsetRate(offset="P7D", invited=8, answered=5, response_rate=0.625)


def test_working_days_count_monday_to_friday_both_ends_included() -> None:
    assert working_days(date(2027, 1, 18), date(2027, 1, 22)) == 5  # Monday to Friday
    assert working_days(date(2027, 1, 22), date(2027, 1, 25)) == 2  # Friday, (weekend), Monday
    assert working_days(date(2027, 1, 22), date(2027, 1, 18)) == 0


def test_a_placement_is_completed_cancelled_or_planned_by_its_projects_stage() -> None:
    assert [placement_status(s) for s in ("follow_up", "closed", "withdrawn", "declined")] == [
        "completed", "completed", "cancelled", "cancelled"
    ]  # fmt: skip
    assert [placement_status(s) for s in (None, "proposal", "partnership", "workshops", "evaluation")] == [
        "planned"
    ] * 5
    assert placement_status("evaluation", finished=True) == "completed"
    assert placement_status("withdrawn", finished=True) == "cancelled"  # the programme marks both finished


def test_a_group_of_exactly_min_n_respondents_is_shown_and_one_fewer_is_not() -> None:
    five = AimAnswers(SKILLS, "P7D", responses=5, values=[5, 4, 4, 2, 1])
    shown = wave_figures(five, P7D, "P7D", min_n=5)
    assert (shown.n, shown.likert_answers, shown.mean, shown.suppressed, shown.reason) == (5, 5, 3.2, False, None)
    assert shown.distribution == {"1": 1, "2": 1, "3": 0, "4": 2, "5": 1}
    assert (shown.invited, shown.answered, shown.response_rate) == (8, 5, 0.625)

    four = AimAnswers(SKILLS, "P7D", responses=4, values=[5, 4, 4, 2])
    hidden = wave_figures(four, P7D, "P7D", min_n=5)
    assert (hidden.n, hidden.likert_answers, hidden.mean, hidden.distribution) == (4, None, None, None)
    assert hidden.suppressed is True and hidden.reason == too_few(5) == "Too few answers to show safely (fewer than 5)"
    # The setting moves the edge: with ENGAGE_REPORT_MIN_N=4 the same four are shown.
    assert wave_figures(four, P7D, "P7D", min_n=4).mean == 3.75


def test_every_aim_gets_every_offset_invited_even_with_no_answers_yet() -> None:
    p6m = OffsetRate(offset="P6M", invited=3, answered=0, response_rate=0.0)
    aims = aim_reports([AimAnswers(SKILLS, "P7D", 6, [3] * 6)], [P7D, p6m], min_n=5)
    assert [a.aim for a in aims] == [a.key for a in EXCHANGE_AIMS]
    assert [(w.offset, w.n, w.mean, w.suppressed) for w in aims[0].waves] == [
        ("P7D", 6, 3.0, False),
        ("P6M", 0, None, True),
    ]
    assert [(w.offset, w.n) for w in aims[1].waves] == [("P7D", 0), ("P6M", 0)]


def test_the_budget_says_what_is_not_recorded() -> None:
    cost = CostLine(
        placement_id="p", partner_name="Harbour", direction=Direction.TO_MUSEUM, milestone="Travel", amount=120
    )
    assert budget_section(0, []).note == "No budget and no costs are recorded for this year."
    assert budget_section(0, []).recorded is False
    assert budget_section(0, [cost]).note == "No budget is recorded for this year; the costs submitted are shown."
    assert budget_section(1000, []).note == "No costs have been submitted on the placements yet."
    full = budget_section(1000, [cost, cost])
    assert (full.note, full.spent, full.remaining, full.spent_fraction) == (None, 240, 760, 0.24)
