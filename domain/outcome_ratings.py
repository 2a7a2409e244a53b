"""Intentions and reflection ratings on the project's outcome framework (issue 16): the input side.

Staff say at the start (or in an edit) which outcomes of the framework a project aims at, and the
level they hope for; at evaluation the partner's and the museum's reflections rate the same outcomes.
All on the Likert scale of the survey questions (domain.impact: 1 = not at all, 5 = fully), so a
report can set intention, partner, museum and participants side by side.

Here: the level type both the API's schemas and the workflow's payloads use (so a 422 reads the same
from either), the rule that only a milestone whose template says `rates_outcomes` takes ratings, and
which source each recorded rating is (what the records activity writes to `outcome_rating`).
Which outcome keys exist is the framework's, loaded at start-up: the API checks keys
(api.projects.outcomes), since a workflow never reads files.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Annotated

from pydantic import AfterValidator, Field

from domain.impact import LEVEL_MAX, LEVEL_MIN, RatingSource
from domain.lifecycle import LifecycleTemplate, Party

if TYPE_CHECKING:  # domain.state imports domain.submissions, which imports this module's Levels
    from domain.state import ProjectState

LEVEL_WORDS = f"a level is a whole number from {LEVEL_MIN} (not at all) to {LEVEL_MAX} (fully)"
#: More outcomes than any framework has: bounds what one request may carry.
MAX_OUTCOMES = 64


def _level(value: int) -> int:
    if not LEVEL_MIN <= value <= LEVEL_MAX:
        raise ValueError(LEVEL_WORDS)
    return value


#: One level on the shared scale; out of range is refused with `LEVEL_WORDS`.
Level = Annotated[int, AfterValidator(_level)]
#: Outcome key -> level, as every payload and request carries them.
Levels = Annotated[dict[Annotated[str, Field(min_length=1, max_length=64)], Level], Field(max_length=MAX_OUTCOMES)]


def milestone_rates_outcomes(template: LifecycleTemplate, milestone_key: str) -> bool:
    """Whether the pinned template asks for outcome ratings with this milestone."""
    found = template.milestone(milestone_key)
    return found is not None and found[1].rates_outcomes


def unknown_outcomes(levels: dict[str, int], known: set[str] | frozenset[str]) -> list[str]:
    """The keys of `levels` the framework does not define, sorted (the API names the first)."""
    return sorted(set(levels) - set(known))


def levels_text(levels: dict[str, int]) -> str:
    """`confidence=4,skills_knowledge=3`: levels as one event detail value (keys sorted)."""
    return ",".join(f"{key}={level}" for key, level in sorted(levels.items()))


def source_of(submitter: Party) -> RatingSource:
    """A partner's reflection is the partner's rating (also when staff sent it in for them); staff's is the museum's."""
    return "partner" if submitter is Party.PARTNER else "museum"


def reflection_ratings(state: ProjectState) -> dict[RatingSource, tuple[dict[str, int], datetime]]:
    """Per source, the levels its latest reflection gave and when.

    A milestone counts when its template asks for ratings (or a submission carries some); its latest
    submission is what that side says now, so a resubmission replaces the earlier levels. Several such
    milestones of one side are merged in template order.
    """
    found: dict[RatingSource, tuple[dict[str, int], datetime]] = {}
    for milestone in state.milestones:
        subs = milestone.submissions
        if not subs or not (milestone.rates_outcomes or any(s.outcome_ratings for s in subs)):
            continue
        latest = subs[-1]
        source = source_of(milestone.submitter)
        before = found.get(source)
        merged = {**(before[0] if before else {}), **latest.outcome_ratings}
        found[source] = (merged, max(latest.submitted_at, before[1]) if before else latest.submitted_at)
    return found
