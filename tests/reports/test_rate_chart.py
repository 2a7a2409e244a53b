"""The response-rate chart (api.reports.charts.rate_chart, used by the portfolio report): percent of those
invited who answered, "answered of invited" on each bar, n = everyone invited, a suppressed group marked."""

from __future__ import annotations

from api.reports import charts
from tests.reports.test_charts_and_pdf import texts_of


def test_rate_chart_labels_both_axes_and_says_each_share_and_n_and_marks_a_suppressed_group() -> None:
    svg = charts.rate_chart(["P3M", "P6M", "P12M"], [17, 4, 6], [16, None, 3], title="Response rate per wave")
    assert svg.startswith("<svg ") and 'aria-label="Response rate per wave"' in svg
    words = " ".join(texts_of(svg).split())
    assert "Follow-up wave (time after the project's end)" in words
    assert "Answered (% of invited)" in words
    assert "94% 16 of 17" in words and "50% 3 of 6" in words
    assert "too few (n = 4)" in words
    assert "(n = 27 invited)" in words
    assert "style=" not in svg  # the pages' CSP refuses inline styles
