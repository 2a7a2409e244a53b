"""Impact on one framework: what staff intended, and how the partner and the museum rate each outcome.

The sector's toolkit for participatory work compares what organisers intended with what participants
and peers report, on the same dimensions. Engage keeps all three on the theory-of-change framework the
project's survey instrument names (`community-impact`), and on the same 1-5 scale as its Likert
questions, so one report can set intention, partner, museum and participants side by side.
"""

from __future__ import annotations

from typing import Literal

#: Who gave a level: staff's intention at the start, the partner's and the museum's reflections at
#: evaluation. Participants' levels are never stored here: they are their survey answers.
RatingSource = Literal["intention", "partner", "museum"]

RATING_SOURCES: tuple[RatingSource, ...] = ("intention", "partner", "museum")

#: The scale of every rating: the Likert scale of the instruments (1 = not at all, 5 = fully).
LEVEL_MIN = 1
LEVEL_MAX = 5

#: Outcome key of the framework -> level.
OutcomeLevels = dict[str, int]


def is_level(value: object) -> bool:
    """A rating on the shared scale (bool is not a level, though Python counts it an int)."""
    return isinstance(value, int) and not isinstance(value, bool) and LEVEL_MIN <= value <= LEVEL_MAX
