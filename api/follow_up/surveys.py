"""The respondent's side of follow-up surveys: one code path behind the JSON API and the survey pages.

A personal link's token is the only credential. It is checked for shape before the database is
asked, and resolved by its hash (store.surveys). Why answers never go through a Temporal Update:
the server admits about ten in-flight Updates per workflow, so a wave of answers to one project
would queue behind each other for seconds (ARCHITECTURE.md). Instead an answer is validated
against the wave's pinned instrument and stored in ONE database transaction before we answer;
only then is FollowUpWorkflow signalled, best effort: a lost signal costs nothing, because the
reminder activities read who answered from the database. The same holds for opt-outs.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from datetime import UTC, datetime

from fastapi import status
from sqlalchemy.ext.asyncio import AsyncSession
from temporalio.client import Client

from api import temporal_calls
from api.errors import (
    SURVEY_ANSWERED,
    SURVEY_CLOSED,
    SURVEY_EXPIRED,
    SURVEY_NOT_FOUND,
    SURVEY_OPTED_OUT,
    ApiError,
    invalid,
)
from api.follow_up.schemas import (
    AnswerAccepted,
    ChoicePublic,
    QuestionPublic,
    ScalePoint,
    SurveyPublic,
    SurveyWavePublic,
)
from domain.follow_up import RespondentOptedOut, SurveyAnswered
from domain.instruments import InstrumentCatalog
from domain.respondents import TokenProblem
from domain.surveys import Answer, AnswerError, QuestionKind, SurveyInstrument, validate_answers
from store.projects import reads as project_reads
from store.surveys import reads as survey_reads
from store.surveys import writes as survey_writes
from store.surveys.reads import ResolvedToken, TokenRefusal
from workflows.follow_up import FollowUpWorkflow

#: Tokens are URL-safe base64 (store.surveys.new_token: 32 characters). Anything else is not a
#: token, so it is "not found" without asking the database.
TOKEN_SHAPE = re.compile(r"^[A-Za-z0-9_-]{16,128}$")

REFUSALS: dict[TokenProblem, tuple[int, str]] = {
    TokenProblem.UNKNOWN: (status.HTTP_404_NOT_FOUND, SURVEY_NOT_FOUND),
    TokenProblem.EXPIRED: (status.HTTP_410_GONE, SURVEY_EXPIRED),
    TokenProblem.CLOSED: (status.HTTP_410_GONE, SURVEY_CLOSED),
    TokenProblem.ANSWERED: (status.HTTP_409_CONFLICT, SURVEY_ANSWERED),
    TokenProblem.OPTED_OUT: (status.HTTP_410_GONE, SURVEY_OPTED_OUT),
}

#: Likert points as the respondent reads them, per language (the instrument's help names the ends).
LIKERT_LABELS: dict[str, tuple[str, str, str, str, str]] = {
    "en": ("Strongly disagree", "Disagree", "Neither agree nor disagree", "Agree", "Strongly agree"),
    "cy": ("Anghytuno'n gryf", "Anghytuno", "Ddim yn cytuno nac yn anghytuno", "Cytuno", "Cytuno'n gryf"),
}


def refusal_error(refusal: TokenRefusal) -> ApiError:
    status_code, detail = REFUSALS[refusal.problem]
    return ApiError(status_code, detail, field="token", reason=refusal.problem.value, error="SurveyUnavailable")


async def resolve(session: AsyncSession, token: str, now: datetime) -> ResolvedToken | TokenRefusal:
    """The link's respondent and open wave, or why it cannot be answered (never raises)."""
    if not TOKEN_SHAPE.match(token):
        return TokenRefusal(TokenProblem.UNKNOWN)
    return await survey_reads.resolve_token(session, token, now)


async def known_token(session: AsyncSession, token: str) -> ResolvedToken | TokenRefusal:
    """Like `resolve`, for pages that work on any known link (opt-out, thank-you)."""
    return await resolve(session, token, datetime.now(UTC))


def instrument_of(instruments: InstrumentCatalog, ref: str) -> SurveyInstrument:
    instrument = instruments.get(ref)
    if instrument is None:
        # A wave pinned to an instrument this build does not ship: a deployment bug, not the respondent's.
        raise RuntimeError(f"survey instrument {ref!r} is not shipped")
    return instrument


def choose_language(instrument: SurveyInstrument, *preferences: str | None) -> str:
    """The first preference the instrument offers (`?lang=`, then the respondent's), else its own."""
    for preference in preferences:
        if preference and preference.lower() in instrument.languages:
            return preference.lower()
    return instrument.language


def likert_labels(language: str) -> tuple[str, ...]:
    return LIKERT_LABELS.get(language, LIKERT_LABELS["en"])


def questions_in(instrument: SurveyInstrument, language: str) -> list[QuestionPublic]:
    questions: list[QuestionPublic] = []
    for q in instrument.questions:
        words = q.words(language)
        likert = q.kind is QuestionKind.LIKERT
        questions.append(
            QuestionPublic(
                key=q.key,
                kind=q.kind,
                text=words.text,
                help=words.help,
                required=q.required,
                choices=[ChoicePublic(key=c.key, label=words.choices.get(c.key, c.label)) for c in q.choices],
                scale=[ScalePoint(value=n, label=label) for n, label in enumerate(likert_labels(language), 1)]
                if likert
                else [],
                minimum=q.minimum,
                maximum=q.maximum,
                max_length=q.max_length if q.kind is QuestionKind.TEXT else None,
            )
        )
    return questions


@dataclass(frozen=True)
class OpenSurvey:
    """Everything a survey form shows, in the chosen language."""

    resolved: ResolvedToken
    instrument: SurveyInstrument
    language: str
    project_title: str
    timezone: str

    def public(self) -> SurveyPublic:
        words = self.instrument.text(self.language)
        wave = self.resolved.wave
        return SurveyPublic(
            instrument=self.instrument.ref,
            title=words.title,
            introduction=words.introduction,
            language=self.language,
            languages=list(self.instrument.languages),
            project_title=self.project_title,
            wave=SurveyWavePublic(index=wave.wave_index, offset=wave.offset, closes_at=wave.closes_at),
            questions=questions_in(self.instrument, self.language),
        )


async def open_survey(
    session: AsyncSession, instruments: InstrumentCatalog, token: str, lang: str | None
) -> OpenSurvey | TokenRefusal:
    resolved = await resolve(session, token, datetime.now(UTC))
    if isinstance(resolved, TokenRefusal):
        return resolved
    return await survey_view(session, resolved, instrument_of(instruments, resolved.wave.instrument), lang)


async def survey_view(
    session: AsyncSession, resolved: ResolvedToken, instrument: SurveyInstrument, lang: str | None
) -> OpenSurvey:
    """What the form shows for a resolved link: the project's title and time zone, the language."""
    project = await project_reads.get_project(session, resolved.wave.project_id)
    return OpenSurvey(
        resolved=resolved,
        instrument=instrument,
        language=choose_language(instrument, lang, resolved.respondent.language),
        project_title=project.title if project is not None else "",
        timezone=project.timezone if project is not None else "UTC",
    )


def problems(instrument: SurveyInstrument, answers: dict[str, object]) -> dict[str, AnswerError]:
    """Every answer's problem by question key (the form shows them all at once, each in the
    respondent's words: api.follow_up.page_words; the JSON API says the first)."""
    found: dict[str, AnswerError] = {}
    known = {q.key for q in instrument.questions}
    for key in answers:
        if key not in known:
            found[key] = AnswerError(key, "this survey has no such question", code="unknown")
    for question in instrument.questions:
        # 👉 One question at a time through the one validator, so the form and the API agree.
        alone = instrument.model_copy(update={"questions": (question,)})
        try:
            cleaned = validate_answers(alone, {question.key: answers.get(question.key)})
        except AnswerError as exc:
            found[exc.question] = exc
            continue
        value = cleaned.get(question.key)
        if isinstance(value, float) and not math.isfinite(value):
            found[question.key] = AnswerError(question.key, "must be a number", code="number")
    return found


def clean(instrument: SurveyInstrument, answers: dict[str, object]) -> dict[str, Answer]:
    """`validate_answers`, plus a finite-number check; a problem is a 422 naming the question."""
    try:
        cleaned = validate_answers(instrument, answers)
    except AnswerError as exc:
        raise invalid(exc.question, exc.reason) from None
    for key, value in cleaned.items():
        if isinstance(value, float) and not math.isfinite(value):
            raise invalid(key, "must be a number")
    return cleaned


async def submit_answers(
    session: AsyncSession,
    client: Client,
    instruments: InstrumentCatalog,
    token: str,
    answers: dict[str, object],
    language: str | None,
) -> AnswerAccepted:
    """Validate and store one response in one transaction, then signal the workflow (best effort).

    Raises `ApiError`: 404/409/410 for a link that cannot be answered, 422 naming the question.
    Once this returns, the answer is committed.
    """
    resolved = await resolve(session, token, datetime.now(UTC))
    if isinstance(resolved, TokenRefusal):
        raise refusal_error(resolved)
    instrument = instrument_of(instruments, resolved.wave.instrument)
    return await save_answers(session, client, token, resolved, instrument, answers, language)


async def save_answers(
    session: AsyncSession,
    client: Client,
    token: str,
    resolved: ResolvedToken,
    instrument: SurveyInstrument,
    answers: dict[str, object],
    language: str | None,
) -> AnswerAccepted:
    """The second half of `submit_answers`, for a caller that has resolved the link in this session."""
    now = datetime.now(UTC)
    cleaned = clean(instrument, answers)
    chosen = choose_language(instrument, language, resolved.respondent.language)
    # save_response resolves the token again in this same transaction, so a wave that closed or an
    # answer that arrived meanwhile is refused, and the unique key refuses a concurrent duplicate.
    saved = await survey_writes.save_response(session, token, dict(cleaned), chosen, now)
    await session.commit()
    if isinstance(saved, TokenRefusal):
        raise refusal_error(saved)
    await _signal_answer(client, saved)
    return AnswerAccepted(wave_index=saved.wave_index, submitted_at=now)


async def opt_out(
    session: AsyncSession, client: Client, token: str, *, everywhere: bool
) -> survey_writes.OptedOut | TokenRefusal:
    """Stop this person's surveys (any known link works, even an old one), then signal (best effort)."""
    if not TOKEN_SHAPE.match(token):
        return TokenRefusal(TokenProblem.UNKNOWN)
    done = await survey_writes.opt_out(session, raw_token=token, everywhere=everywhere, now=datetime.now(UTC))
    await session.commit()
    if isinstance(done, survey_writes.OptedOut):
        # 👉 Best effort (api.temporal_calls.signal logs a failure, never raises): the opt-out is
        # committed, and the wave activities read it from the database.
        opted_out = RespondentOptedOut(respondent_id=done.respondent_id, everywhere=everywhere)
        follow_up = temporal_calls.follow_up(client, done.project_id)
        await temporal_calls.signal(follow_up, FollowUpWorkflow.note_opt_out, opted_out)
    return done


async def _signal_answer(client: Client, saved: survey_writes.SavedResponse) -> None:
    """Best effort, like the opt-out's: the answer is committed; the workflow may also have finished."""
    answered = SurveyAnswered(respondent_id=saved.respondent_id, wave_index=saved.wave_index)
    await temporal_calls.signal(
        temporal_calls.follow_up(client, saved.project_id), FollowUpWorkflow.note_answer, answered
    )
