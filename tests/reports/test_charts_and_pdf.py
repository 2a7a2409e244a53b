"""The shared report plumbing: charts are SVG text with labelled axes, units and n; PDFs are A4 and numbered.

Real matplotlib and real WeasyPrint (with Debian's pango): the PDF's text is extracted with pypdf. The one
test of a missing WeasyPrint makes its import fail (as on a machine without pango) and expects the 503.
"""

from __future__ import annotations

import io
import logging
import re
import sys

import pypdf
import pytest

from api.errors import ApiError
from api.reports import charts, pdf


def texts_of(svg: str) -> str:
    """The words a reader (or screen reader) gets from the SVG's <text> elements, joined by spaces."""
    return " ".join(re.sub(r"<[^>]+>", " ", part) for part in re.findall(r"<text[^>]*>.*?</text>", svg, re.S))


def test_wave_chart_labels_both_axes_and_shows_n_on_each_bar_and_marks_a_suppressed_wave() -> None:
    svg = charts.wave_means_chart(["End", "+3 months"], [3.4, None], [6, 3], title="I feel heard")
    assert svg.startswith("<svg ")
    assert 'role="img" aria-label="I feel heard"' in svg
    words = " ".join(texts_of(svg).split())
    assert "Follow-up wave" in words
    assert "Mean answer (1-5 scale)" in words
    assert "3.40 n = 6" in words
    assert "too few (n = 3)" in words
    assert "(n = 9 over 2 waves, each bar's n on it)" in words


def test_distribution_chart_counts_each_level_and_its_total() -> None:
    words = " ".join(texts_of(charts.distribution_chart({1: 1, 3: 2, 5: 4}, title="Answers")).split())
    assert "Respondents (count)" in words
    assert "Answer (1 = not at all / strongly disagree, 5 = fully / strongly agree)" in words
    assert "Answers (n = 7)" in words


def test_comparison_chart_names_each_source_and_says_its_n() -> None:
    svg = charts.comparison_chart(
        ["Voice and agency", "Skills"],
        {"Intention": [4, 5], "Partner": [3, None], "Participants": [3.5, None]},
        title="Outcomes",
        n_note="participants n = 7",
    )
    words = " ".join(texts_of(svg).split())
    for expected in ("Outcome", "Level (1 = not at all, 5 = fully)", "Intention", "Partner", "Participants"):
        assert expected in words
    assert "Outcomes (participants n = 7)" in words
    assert "3.5" in words


def test_count_chart_and_parallel_series_are_checked() -> None:
    words = " ".join(
        texts_of(
            charts.count_chart(["a", "b"], [2, 3], title="Projects", x_label="Stage", y_label="Projects (count)")
        ).split()
    )
    assert "Stage" in words and "Projects (count)" in words and "Projects (n = 5)" in words
    with pytest.raises(ValueError):
        charts.wave_means_chart(["End"], [1.0, 2.0], [5], title="x")


def test_same_figures_give_the_same_svg() -> None:
    one = charts.distribution_chart({2: 5}, title="Same")
    assert one == charts.distribution_chart({2: 5}, title="Same")


def test_pdf_is_a4_numbered_page_x_of_y_and_keeps_the_charts_text() -> None:
    svg = charts.distribution_chart({4: 6}, title="Answers")
    html = f"<html><body><h1>A report</h1>{svg}<p style='break-before: page'>Second page</p></body></html>"
    reader = pypdf.PdfReader(io.BytesIO(pdf.html_to_pdf(html)))
    assert len(reader.pages) == 2
    width, height = float(reader.pages[0].mediabox.width), float(reader.pages[0].mediabox.height)
    assert (round(width), round(height)) == (595, 842)  # A4 in points
    first = reader.pages[0].extract_text()
    assert "A report" in first and "Respondents (count)" in first and "Page 1 of 2" in first
    assert "Page 2 of 2" in reader.pages[1].extract_text()


def test_pdf_fetches_nothing_and_answers_the_pages_stylesheet_link_quietly(caplog: pytest.LogCaptureFixture) -> None:
    head = '<head><link rel="stylesheet" href="/static/engage.css"></head>'
    html = f'<html>{head}<body><h1>Offline</h1><img src="http://192.0.2.1/x.png" alt="x"></body></html>'
    with caplog.at_level(logging.WARNING, logger="weasyprint"):
        text = pypdf.PdfReader(io.BytesIO(pdf.html_to_pdf(html, "https://engage.example/"))).pages[0].extract_text()
    assert "Offline" in text
    errors = [r.getMessage() for r in caplog.records if r.name.startswith("weasyprint")]
    assert not [e for e in errors if "engage.css" in e], errors  # answered empty, no error logged
    assert [e for e in errors if "192.0.2.1" in e and "refused" in e], errors  # never fetched


async def test_without_weasyprint_the_pdf_is_a_503_with_a_plain_reason(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "weasyprint", None)  # what importing it does where pango is missing
    with pytest.raises(pdf.PdfUnavailableError):
        pdf.html_to_pdf("<p>x</p>")
    with pytest.raises(ApiError) as caught:
        await pdf.render_pdf("<p>x</p>")
    assert caught.value.status_code == 503
    assert caught.value.body()["error"] == pdf.PDF_UNAVAILABLE_CODE
    assert "pango" in caught.value.detail


def test_charts_obey_the_pages_csp_and_share_no_ids_on_one_page() -> None:
    """No inline style (the pages' CSP refuses it: bars would turn black), colours as attributes instead;
    two charts on one page never share an id, and every reference points at its own chart's ids."""
    first = charts.distribution_chart({1: 5}, title="One")
    second = charts.wave_means_chart(["End"], [4.0], [5], title="Two")
    for svg in (first, second):
        assert "style" not in svg
        assert 'fill="#0072b2"' in svg.lower()
        ids = set(re.findall(r'\bid="([^"]+)"', svg))
        assert set(re.findall(r'(?:url\(#|href="#)([^")]+)', svg)) <= ids
    assert not set(re.findall(r'\bid="([^"]+)"', first)) & set(re.findall(r'\bid="([^"]+)"', second))


async def test_charts_drawn_in_many_threads_at_once_are_the_charts_drawn_alone() -> None:
    """Pages draw charts in worker threads; matplotlib is not thread-safe, so charts draw one at a time."""
    import asyncio

    from starlette.concurrency import run_in_threadpool

    alone = [
        charts.distribution_chart({level: n}, title=f"Chart {n}")
        for n, level in zip(range(8), [1, 2, 3, 4, 5, 1, 2, 3], strict=True)
    ]
    together = await asyncio.gather(
        *(run_in_threadpool(charts.distribution_chart, {level: n}, title=f"Chart {n}")
          for n, level in zip(range(8), [1, 2, 3, 4, 5, 1, 2, 3], strict=True))
    )  # fmt: skip
    assert list(together) == alone
