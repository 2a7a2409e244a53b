"""Survey instruments and the theory-of-change outcome framework they measure.

An instrument is versioned data (domain/instruments/*.json): questions of five kinds, each
mapped to one outcome of the framework (or to none, like consent to be quoted), with translations
per language. `validate_answers` is the one place answers are checked, so the JSON API, the web
form and the tests agree on what a valid response is (a 422 names the question key and the reason).
"""

from __future__ import annotations

import contextlib
import math
from enum import StrEnum
from typing import Self

from pydantic import BaseModel, ConfigDict, Field, model_validator

Answer = int | float | str | list[str]


class Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Outcome(Frozen):
    key: str = Field(pattern=r"^[a-z][a-z0-9_]{1,63}$")
    title: str
    description: str = ""
    indicators: tuple[str, ...] = ()


class OutcomeFramework(Frozen):
    """The theory of change: what lasting difference the work aims to make."""

    name: str
    version: int = Field(ge=1)
    title: str
    outcomes: tuple[Outcome, ...] = Field(min_length=1)

    def outcome(self, key: str) -> Outcome | None:
        return next((o for o in self.outcomes if o.key == key), None)


class QuestionKind(StrEnum):
    LIKERT = "likert"  # 1 (strongly disagree) .. 5 (strongly agree)
    SINGLE_CHOICE = "single_choice"
    MULTIPLE_CHOICE = "multiple_choice"
    NUMBER = "number"
    TEXT = "text"


class Choice(Frozen):
    key: str = Field(pattern=r"^[a-z0-9_]{1,64}$")
    label: str


class QuestionText(Frozen):
    """A question's words in one language; choice labels by choice key."""

    text: str
    help: str = ""
    choices: dict[str, str] = Field(default_factory=dict)


class Question(Frozen):
    key: str = Field(pattern=r"^[a-z][a-z0-9_]{1,63}$")
    kind: QuestionKind
    text: str
    help: str = ""
    required: bool = True
    outcome: str = Field(
        default="",
        description=(
            "The outcome (framework key) this question is evidence for; empty for a question that is "
            "evidence for none, such as consent to be quoted (`quote_consent`, issue 16)."
        ),
    )
    choices: tuple[Choice, ...] = ()
    minimum: float | None = None
    maximum: float | None = None
    max_length: int = Field(default=5000, ge=1, le=20_000)
    translations: dict[str, QuestionText] = Field(default_factory=dict)

    @model_validator(mode="after")
    def _check(self) -> Self:
        choice_kinds = (QuestionKind.SINGLE_CHOICE, QuestionKind.MULTIPLE_CHOICE)
        if (self.kind in choice_kinds) != bool(self.choices):
            raise ValueError(f"question {self.key!r}: choices belong to (and are needed by) choice questions")
        for language, words in self.translations.items():
            unknown = set(words.choices) - {c.key for c in self.choices}
            if unknown:
                raise ValueError(f"question {self.key!r}: {language} translates unknown choices {sorted(unknown)}")
        return self

    def words(self, language: str) -> QuestionText:
        """The question in `language`, falling back to the instrument's own language."""
        return self.translations.get(language) or QuestionText(
            text=self.text, help=self.help, choices={c.key: c.label for c in self.choices}
        )


class InstrumentText(Frozen):
    title: str
    introduction: str = ""


class SurveyInstrument(Frozen):
    name: str = Field(pattern=r"^[a-z][a-z0-9-]{1,63}$")
    version: int = Field(ge=1)
    language: str = "en"
    title: str
    introduction: str = ""
    framework: str = Field(description="Name of the OutcomeFramework its questions map to.")
    questions: tuple[Question, ...] = Field(min_length=1)
    translations: dict[str, InstrumentText] = Field(default_factory=dict)

    @model_validator(mode="after")
    def _check(self) -> Self:
        keys = [q.key for q in self.questions]
        if len(set(keys)) != len(keys):
            raise ValueError("question keys must be unique")
        return self

    @property
    def ref(self) -> str:
        return f"{self.name}@{self.version}"

    @property
    def languages(self) -> tuple[str, ...]:
        return (self.language, *sorted(set(self.translations) - {self.language}))

    def text(self, language: str) -> InstrumentText:
        return self.translations.get(language) or InstrumentText(title=self.title, introduction=self.introduction)

    def check_outcomes(self, framework: OutcomeFramework) -> None:
        """Every question that measures an outcome must name one the framework defines."""
        missing = sorted({q.outcome for q in self.questions if q.outcome} - {o.key for o in framework.outcomes})
        if missing:
            raise ValueError(f"{self.ref} maps questions to outcomes {framework.name} lacks: {missing}")


class AnswerError(ValueError):
    """An answer that does not fit its question; `question` is the key, for a field-level 422.

    `reason` is the API's English; `code` (and `limit`) let a page say it in the respondent's
    language and words (api.follow_up.page_words)."""

    def __init__(self, question: str, reason: str, *, code: str = "invalid", limit: float | None = None) -> None:
        super().__init__(f"{question}: {reason}")
        self.question = question
        self.reason = reason
        self.code = code
        self.limit = limit


def validate_answers(instrument: SurveyInstrument, answers: dict[str, object]) -> dict[str, Answer]:
    """Check `answers` against the instrument; return them cleaned (trimmed, typed, ordered).

    Invariants of the result: only known keys, every required question answered, each value of
    its question's type and range. Raises `AnswerError` for the first problem, naming the key.
    """
    known = {q.key for q in instrument.questions}
    for key in answers:
        if key not in known:
            raise AnswerError(key, "this survey has no such question", code="unknown")
    cleaned: dict[str, Answer] = {}
    for question in instrument.questions:
        raw = answers.get(question.key)
        if raw is None or raw == [] or (isinstance(raw, str) and not raw.strip()):
            if question.required:
                raise AnswerError(question.key, "an answer is required", code="required")
            continue
        cleaned[question.key] = _clean(question, raw)
    return cleaned


def _clean(question: Question, raw: object) -> Answer:
    kind = question.kind
    if kind is QuestionKind.LIKERT:
        value = _as_number(question, raw)
        if value not in (1, 2, 3, 4, 5):
            raise AnswerError(question.key, "choose a whole number from 1 to 5", code="likert")
        return int(value)
    if kind is QuestionKind.NUMBER:
        value = _as_number(question, raw)
        if question.minimum is not None and value < question.minimum:
            raise AnswerError(
                question.key, f"must be at least {question.minimum:g}", code="min", limit=question.minimum
            )
        if question.maximum is not None and value > question.maximum:
            raise AnswerError(question.key, f"must be at most {question.maximum:g}", code="max", limit=question.maximum)
        return int(value) if float(value).is_integer() else value
    choices = {c.key for c in question.choices}
    if kind is QuestionKind.SINGLE_CHOICE:
        if not isinstance(raw, str) or raw not in choices:
            raise AnswerError(question.key, f"choose one of {sorted(choices)}", code="choose_one")
        return raw
    if kind is QuestionKind.MULTIPLE_CHOICE:
        picked = [raw] if isinstance(raw, str) else raw
        if not isinstance(picked, list) or not all(isinstance(p, str) and p in choices for p in picked):
            raise AnswerError(question.key, f"choose any of {sorted(choices)}", code="choose_any")
        return sorted(set(picked), key=[c.key for c in question.choices].index)
    if not isinstance(raw, str):
        raise AnswerError(question.key, "must be text", code="text")
    text = raw.strip()
    if len(text) > question.max_length:
        raise AnswerError(
            question.key,
            f"must be at most {question.max_length} characters",
            code="too_long",
            limit=question.max_length,
        )
    if not text and question.required:
        raise AnswerError(question.key, "an answer is required", code="required")
    return text


def _as_number(question: Question, raw: object) -> float:
    if isinstance(raw, bool):
        raise AnswerError(question.key, "must be a number", code="number")
    value: float | None = None
    if isinstance(raw, int | float):
        value = float(raw)
    elif isinstance(raw, str):
        with contextlib.suppress(ValueError):
            value = float(raw.strip())
    if value is None or not math.isfinite(value):
        raise AnswerError(question.key, "must be a number", code="number")
    return value
