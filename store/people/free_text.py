"""Which survey answers are free text, and so personal: the words a person wrote go at erasure,
their numbers and choices stay (anonymised, they keep reports true).

The instrument a response names (`name@version`) says which questions are `text`; the shipped
catalogue is loaded once per process. A response naming an instrument we no longer ship loses every
string answer (its choices too: without the instrument they cannot be told from text), since erasure
errs on the side of removing.
"""

from __future__ import annotations

from functools import cache
from typing import Any

from domain.instruments import InstrumentCatalog
from domain.surveys import QuestionKind


@cache
def _catalog() -> InstrumentCatalog:
    return InstrumentCatalog.load_shipped()


def free_text_keys(instrument_ref: str) -> frozenset[str] | None:
    """The keys of the instrument's free-text questions; None when the instrument is unknown."""
    instrument = _catalog().get(instrument_ref)
    if instrument is None:
        return None
    return frozenset(q.key for q in instrument.questions if q.kind is QuestionKind.TEXT)


def keep_anonymous_answers(instrument_ref: str, answers: dict[str, Any]) -> dict[str, Any]:
    """`answers` without the free text: every text question's answer removed (or, for an unknown
    instrument, every string answer), numbers, likert values and choices kept as they were."""
    free = free_text_keys(instrument_ref)
    if free is None:
        return {k: v for k, v in answers.items() if not isinstance(v, str)}
    return {k: v for k, v in answers.items() if k not in free}
