"""The fatigue cap as a rule: who is held back, and until when."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from domain.fatigue import FATIGUE_WINDOW, fatigue_holds

NOW = datetime(2026, 3, 1, 10, tzinfo=UTC)


def test_an_address_under_the_cap_is_not_held() -> None:
    assert fatigue_holds({"a": [NOW - timedelta(days=1)]}, now=NOW, cap=2) == {}


def test_an_address_at_the_cap_waits_until_its_oldest_counted_email_leaves_the_window() -> None:
    oldest = NOW - timedelta(days=20)
    holds = fatigue_holds({"a": [oldest, NOW - timedelta(days=2)]}, now=NOW, cap=2)
    assert holds == {"a": oldest + FATIGUE_WINDOW}


def test_over_the_cap_the_wait_lasts_until_the_count_drops_below_it() -> None:
    times = [NOW - timedelta(days=d) for d in (25, 20, 10, 1)]
    # cap 2 with 4 counted: the count is below 2 once the three oldest have left, i.e. the 3rd oldest.
    assert fatigue_holds({"a": times}, now=NOW, cap=2) == {"a": times[2] + FATIGUE_WINDOW}


def test_emails_older_than_the_window_do_not_count() -> None:
    times = [NOW - FATIGUE_WINDOW, NOW - timedelta(days=31), NOW - timedelta(days=3)]
    assert fatigue_holds({"a": times}, now=NOW, cap=2) == {}


def test_each_address_is_judged_on_its_own() -> None:
    busy = [NOW - timedelta(days=5)]
    holds = fatigue_holds({"busy": busy, "quiet": []}, now=NOW, cap=1)
    assert holds == {"busy": busy[0] + FATIGUE_WINDOW}
