"""Charts for the impact reports: matplotlib (Agg, no pyplot) rendered to SVG text to inline in pages and PDFs.

Why SVG text with real <text> elements (`svg.fonttype = "none"`): the page and the PDF stay sharp at any
size, screen readers and text extraction see the labels, and tests can check the axis labels and the
"n = ..." on each chart. Every chart here has both axes labelled with their unit, and says how many
answers it stands on; a report shows a table of the same figures beside it (the text alternative).

Matplotlib is configured once at import: the Agg backend (no display), a private config/cache directory
(`MPLCONFIGDIR`, a temp folder if unset: the home directory may be read-only), DejaVu Sans (shipped by
matplotlib and by Debian's fonts-dejavu-core), and a fixed SVG hash salt and no date so the same figures
give the same SVG. Nothing is fetched from the network. Figures are built with the object API
(`matplotlib.figure.Figure`), never pyplot, so no global figure state is shared between requests.
"""

from __future__ import annotations

import functools
import hashlib
import io
import os
import re
import tempfile
import textwrap
import threading
from collections.abc import Callable, Mapping, Sequence
from html import escape
from typing import ParamSpec, TypeVar

os.environ.setdefault("MPLCONFIGDIR", os.path.join(tempfile.gettempdir(), f"engage-matplotlib-{os.getuid()}"))

# MPLCONFIGDIR must be set before matplotlib is imported.
import matplotlib

matplotlib.use("Agg")
matplotlib.rcParams.update(
    {
        "svg.fonttype": "none",
        "svg.hashsalt": "engage-report",
        "font.family": "DejaVu Sans",
        "font.size": 9,
        "axes.spines.top": False,
        "axes.spines.right": False,
    }
)

from matplotlib.axes import Axes  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402

_MATPLOTLIB = threading.Lock()
P = ParamSpec("P")
R = TypeVar("R")


def _one_at_a_time(chart: Callable[P, R]) -> Callable[P, R]:
    """Matplotlib is not thread-safe (its cached FreeType fonts are shared): pages draw charts in worker
    threads (off the event loop), so one chart is drawn at a time per process."""

    @functools.wraps(chart)
    def drawn(*args: P.args, **kwargs: P.kwargs) -> R:
        with _MATPLOTLIB:
            return chart(*args, **kwargs)

    return drawn


#: The 1-5 scale every Likert question and every outcome rating uses (domain.impact LEVEL_MIN..LEVEL_MAX).
SCALE = (1, 2, 3, 4, 5)
SCALE_LABEL = "Level (1 = not at all, 5 = fully)"
#: Colours distinguishable with the common colour-vision deficiencies (Okabe-Ito), in series order.
PALETTE = ("#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00")
SUPPRESSED_MARK = "too few"
#: Characters per line of a chart's title at the default width (6.4 in at 10 pt).
TITLE_WIDTH = 64


@_one_at_a_time
def wave_means_chart(waves: Sequence[str], means: Sequence[float | None], ns: Sequence[int], *, title: str) -> str:
    """Per follow-up wave: the mean answer on the 1-5 scale, with n on each bar.

    A wave whose mean is None (suppressed: too few answers, or none yet) gets no bar and the words
    "too few" instead, so the reader sees the wave exists. `waves`, `means` and `ns` are parallel.
    """
    _same_length(waves, means, ns)
    fig, ax = _figure()
    positions = list(range(len(waves)))
    for pos, mean, n in zip(positions, means, ns, strict=True):
        if mean is None:
            ax.text(pos, 0.1, f"{SUPPRESSED_MARK}\n(n = {n})", ha="center", va="bottom", fontsize=8)
            continue
        ax.bar(pos, mean, color=PALETTE[0], width=0.6)
        ax.text(pos, mean + 0.08, f"{mean:.2f}\nn = {n}", ha="center", va="bottom", fontsize=8)
    ax.set_xticks(positions, list(waves))
    ax.set_ylim(0, 5.9)
    ax.set_yticks(range(0, 6))
    ax.set_xlabel("Follow-up wave")
    ax.set_ylabel("Mean answer (1-5 scale)")
    _title(ax, title, f"n = {sum(ns)} over {len(ns)} wave{'' if len(ns) == 1 else 's'}, each bar's n on it")
    return _svg(fig, title)


@_one_at_a_time
def distribution_chart(counts: Mapping[int, int], *, title: str) -> str:
    """How many respondents gave each answer 1..5 (a missing level counts 0), with n = their total."""
    fig, ax = _figure()
    values = [counts.get(level, 0) for level in SCALE]
    total = sum(values)
    ax.bar(SCALE, values, color=PALETTE[0], width=0.6)
    for level, value in zip(SCALE, values, strict=True):
        ax.text(level, value, str(value), ha="center", va="bottom", fontsize=8)
    ax.set_xticks(SCALE)
    ax.set_xlabel("Answer (1 = not at all / strongly disagree, 5 = fully / strongly agree)")
    ax.set_ylabel("Respondents (count)")
    ax.set_ylim(0, max([*values, 1]) * 1.2)
    _title(ax, title, f"n = {total}")
    return _svg(fig, title)


@_one_at_a_time
def comparison_chart(
    outcomes: Sequence[str], series: Mapping[str, Sequence[float | None]], *, title: str, n_note: str
) -> str:
    """Grouped bars: per outcome, one bar per source (e.g. intention, partner, museum, participants).

    `series` maps a source's label to its levels, parallel to `outcomes`; None is "not recorded" or
    suppressed and draws no bar. `n_note` says what the bars stand on (e.g. "participants n = 12"), as
    every chart must say its n.
    """
    _same_length(outcomes, *series.values())
    fig, ax = _figure(width=7.2)
    count = max(len(series), 1)
    width = 0.8 / count
    for index, (label, levels) in enumerate(series.items()):
        xs = [pos - 0.4 + width * (index + 0.5) for pos in range(len(outcomes))]
        heights = [level if level is not None else 0.0 for level in levels]
        bars = ax.bar(xs, heights, width=width, label=label, color=PALETTE[index % len(PALETTE)])
        for bar, level in zip(bars, levels, strict=True):
            text = "-" if level is None else f"{level:.1f}"
            ax.text(bar.get_x() + bar.get_width() / 2, bar.get_height() + 0.05, text, ha="center", fontsize=7)
    ax.set_xticks(range(len(outcomes)), [_wrap(name) for name in outcomes])
    ax.set_ylim(0, 5.9)
    ax.set_yticks(range(0, 6))
    ax.set_xlabel("Outcome")
    ax.set_ylabel(SCALE_LABEL)
    _title(ax, title, n_note)
    ax.legend(loc="upper right", fontsize=7, ncols=min(count, 4), frameon=False)
    return _svg(fig, title)


@_one_at_a_time
def count_chart(labels: Sequence[str], values: Sequence[float], *, title: str, x_label: str, y_label: str) -> str:
    """A plain bar chart of counts or amounts (e.g. projects by stage); n = the sum of `values`.

    Give the unit in `y_label` ("Projects (count)", "Cost (GBP)"); each bar carries its value.
    """
    _same_length(labels, values)
    fig, ax = _figure()
    positions = list(range(len(labels)))
    ax.bar(positions, list(values), color=PALETTE[0], width=0.6)
    for pos, value in zip(positions, values, strict=True):
        ax.text(pos, value, f"{value:g}", ha="center", va="bottom", fontsize=8)
    ax.set_xticks(positions, [_wrap(label) for label in labels])
    ax.set_xlabel(x_label)
    ax.set_ylabel(y_label)
    ax.set_ylim(0, max([*values, 1]) * 1.2)
    _title(ax, title, f"n = {sum(values):g}")
    return _svg(fig, title)


@_one_at_a_time
def rate_chart(labels: Sequence[str], invited: Sequence[int], answered: Sequence[int | None], *, title: str) -> str:
    """Response rates: per group (e.g. a wave offset) the share of those invited who answered, in percent,
    with "answered of invited" on each bar; n = everyone invited. An `answered` of None (suppressed: too
    few invited) draws no bar and says "too few" with its n instead."""
    _same_length(labels, invited, answered)
    fig, ax = _figure()
    for pos, (asked, came) in enumerate(zip(invited, answered, strict=True)):
        if came is None or not asked:
            ax.text(pos, 2, f"{SUPPRESSED_MARK}\n(n = {asked})", ha="center", va="bottom", fontsize=8)
            continue
        share = 100 * came / asked
        ax.bar(pos, share, color=PALETTE[0], width=0.6)
        ax.text(pos, share + 1, f"{share:.0f}%\n{came} of {asked}", ha="center", va="bottom", fontsize=8)
    ax.set_xticks(range(len(labels)), [_wrap(label) for label in labels])
    ax.set_ylim(0, 125)
    ax.set_yticks(range(0, 101, 20))
    ax.set_xlabel("Follow-up wave (time after the project's end)")
    ax.set_ylabel("Answered (% of invited)")
    _title(ax, title, f"n = {sum(invited)} invited")
    return _svg(fig, title)


def _title(ax: Axes, title: str, note: str) -> None:
    """The chart's title, wrapped to the chart's width, with its n on a line of its own (a long title
    in one line ran off both sides of the chart)."""
    ax.set_title(f"{textwrap.fill(title, TITLE_WIDTH)}\n({note})", fontsize=10)


def _figure(width: float = 6.4, height: float = 3.4) -> tuple[Figure, Axes]:
    fig = Figure(figsize=(width, height), layout="constrained")
    return fig, fig.add_subplot()


def _svg(fig: Figure, title: str) -> str:
    """The figure as an inline <svg> element: no XML prolog, DOCTYPE or metadata, named for assistive
    technology, and styled by presentation attributes only.

    Why no `style`: the pages' Content-Security-Policy (`style-src 'self'`, api.pages.web) refuses inline
    styles, which would leave every bar black. Matplotlib writes `style="fill: #0072b2; stroke: ..."`;
    each of those properties is also an SVG presentation attribute (`fill="#0072b2"`), which CSP does not
    govern and WeasyPrint reads the same. Its one <style> rule (`* {stroke-linejoin; stroke-linecap}`)
    becomes attributes of the root, which every shape inherits.
    """
    buffer = io.StringIO()
    fig.savefig(buffer, format="svg", metadata={"Date": None, "Creator": None})
    text = buffer.getvalue()
    text = text[text.index("<svg") :]
    text = _METADATA.sub("", text)
    text = _STYLE_ELEMENT.sub("", text)
    text = _STYLE_ATTRIBUTE.sub(lambda found: _attributes(found.group(1)), text)
    text = _unique_ids(text)
    label = escape(title, quote=True)
    root = f'<svg role="img" aria-label="{label}" stroke-linejoin="round" stroke-linecap="butt" '
    return text.replace("<svg ", root, 1)


def _unique_ids(svg: str) -> str:
    """Every id (and each reference to it) prefixed by a digest of the chart: several charts inline on one
    page must not share ids such as matplotlib's `figure_1`, and the same chart still gives the same SVG."""
    prefix = "c" + hashlib.sha256(svg.encode()).hexdigest()[:8] + "-"
    return _ID_OR_REFERENCE.sub(lambda found: f"{found.group(1)}{prefix}{found.group(2)}", svg)


_ID_OR_REFERENCE = re.compile(r'(\bid="|url\(#|href="#)([^"()]+)')
_METADATA = re.compile(r"<metadata>.*?</metadata>\s*", re.S)
_STYLE_ELEMENT = re.compile(r"<style[^>]*>.*?</style>\s*", re.S)
_STYLE_ATTRIBUTE = re.compile(r'style="([^"]*)"')
#: The properties matplotlib's SVG writer puts in `style`, all of them SVG presentation attributes.
_PRESENTATION = frozenset(
    {
        "fill",
        "fill-opacity",
        "font-family",
        "font-size",
        "font-style",
        "font-weight",
        "opacity",
        "stroke",
        "stroke-dasharray",
        "stroke-dashoffset",
        "stroke-linecap",
        "stroke-linejoin",
        "stroke-opacity",
        "stroke-width",
        "text-anchor",
    }
)


def _attributes(style: str) -> str:
    """`fill: #fff; font-family: 'DejaVu Sans'` as `fill="#fff" font-family="DejaVu Sans"`.

    A property that is not a presentation attribute is dropped rather than kept as a style CSP refuses."""
    pairs = []
    for declaration in style.split(";"):
        name, _, value = declaration.partition(":")
        name, value = name.strip(), value.strip().strip("'")
        if name in _PRESENTATION and value:
            pairs.append(f'{name}="{escape(value, quote=True)}"')
    return " ".join(pairs)


def _wrap(label: str, width: int = 14) -> str:
    """Long tick labels on two or more lines, at word breaks, so grouped bars stay readable."""
    words, lines, line = label.split(), [], ""
    for word in words:
        if line and len(line) + 1 + len(word) > width:
            lines.append(line)
            line = word
        else:
            line = f"{line} {word}".strip()
    lines.append(line)
    return "\n".join(lines)


def _same_length(*sequences: Sequence[object]) -> None:
    if len({len(seq) for seq in sequences}) > 1:
        raise ValueError("chart series must be parallel: every sequence needs one item per bar")
