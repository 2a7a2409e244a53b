"""Report pieces every impact report shares: a figure over participants' answers, shown or suppressed.

Why one shape: a figure computed from fewer than `ENGAGE_REPORT_MIN_N` respondents' answers is never
shown (its value is null), and the JSON says so the same way everywhere: `suppressed: true` and the
reason in words, which the pages and PDFs print in the figure's place.
"""

from __future__ import annotations

from pydantic import BaseModel, Field

#: Levels of the shared 1-5 scale, as the JSON keys of a distribution ("1".."5").
LEVELS: tuple[str, ...] = ("1", "2", "3", "4", "5")


def too_few(min_n: int) -> str:
    """The words a report prints instead of a group too small to show safely."""
    return f"Too few answers to show safely (fewer than {min_n})"


class Suppressed(BaseModel):
    """Whether the figures beside it are withheld because too few respondents gave them."""

    suppressed: bool = Field(description="True: the figures are null because fewer than min_n respondents answered.")
    reason: str | None = Field(default=None, description="Why the figures are withheld, in words; null when shown.")


class WaveFigures(Suppressed):
    """Participants' answers on one outcome in one follow-up wave."""

    index: int = Field(description="The wave's index (0 = the first wave).")
    offset: str = Field(description="When the wave went out after the project ended (ISO 8601, e.g. P3M).")
    n: int = Field(description="Respondents who answered at least one Likert question of this outcome.")
    answers: int = Field(description="Likert answers (1-5) to this outcome's questions, from those respondents.")
    mean: float | None = Field(description="Mean of those answers (1-5), 2 decimals; null when suppressed or none.")
    distribution: dict[str, int] | None = Field(
        description="How many answers gave each level, keys '1'..'5'; null when suppressed or none."
    )


def level_counts(values: list[int]) -> dict[str, int]:
    """Counts of each level 1..5 in `values` (levels outside the scale are not counted)."""
    return {level: sum(1 for v in values if str(v) == level) for level in LEVELS}
