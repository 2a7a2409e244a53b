"""Follow-up surveys, the API's side: respondents, personal links, answers, opt-outs and reports.

Everything here runs inside one HTTP request. Writes (`add_respondents`, `save_response`, `opt_out`)
commit their own unit of work, like store.commands; reads never write.

Invariants:
- A raw survey token is never stored or logged: rows are found by `hash_token(raw)` (sha256 hex).
- A person is known across projects only by `email_hash` (sha256 of the trimmed, lower-cased
  address): global suppression keys on it.
- Refusals are values (`TokenRefusal`, `RowResult.status`), never exceptions: a second answer to a
  wave is refused by the unique key (INSERT ... ON CONFLICT DO NOTHING) and the first stays intact.
The wave activities' writes live in store.waves; `wave_counts` is shared so the workflow and the
staff report count the same way.
"""

from __future__ import annotations

import hashlib
import re
import secrets
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any, Literal

from sqlalchemy import ColumnElement, Select, and_, case, func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from domain.follow_up import WaveCounts
from store.in_lists import in_chunks
from store.tables import Respondent, SurveyInvitation, SurveyResponse, SurveySuppression, SurveyToken, SurveyWave
from store.upserts import insert_ignore

#: Roles a respondent may have; the API refuses others (the domain may grow an enum for these).
RESPONDENT_ROLES: tuple[str, ...] = ("partner_staff", "participant", "museum_staff")
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s.]+$")
_LANGUAGE = re.compile(r"^[a-z]{2,3}(-[a-z0-9]{2,8})?$")


def email_hash(address: str) -> str:
    """The sha256 hex of the trimmed, lower-cased address: how a person is matched across projects."""
    return hashlib.sha256(address.strip().lower().encode()).hexdigest()


def new_token() -> str:
    """A fresh raw survey token: 192 random bits, URL-safe. Only its hash is ever stored."""
    return secrets.token_urlsafe(24)


def hash_token(raw_token: str) -> str:
    return hashlib.sha256(raw_token.encode()).hexdigest()


# -- respondents ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class NewRespondent:
    name: str
    email: str
    role: str
    language: str = "en"


@dataclass(frozen=True)
class RowResult:
    """What became of one input row: `row` is its 0-based position; `respondent_id` is the new row's
    id, or for a duplicate the id of the respondent already holding that address (None if refused)."""

    row: int
    status: Literal["added", "duplicate", "invalid"]
    respondent_id: str | None = None
    field: str | None = None
    reason: str | None = None


def _problem(row: NewRespondent) -> tuple[str, str] | None:
    if not row.name.strip() or len(row.name.strip()) > 200:
        return "name", "a name of 1 to 200 characters is required"
    if len(row.email.strip()) > 320 or not _EMAIL.match(row.email.strip()):
        return "email", "not a valid e-mail address"
    if row.role not in RESPONDENT_ROLES:
        return "role", f"must be one of {list(RESPONDENT_ROLES)}"
    if not _LANGUAGE.match(row.language.strip().lower()):
        return "language", "must be a language code such as en or cy"
    return None


async def add_respondents(
    session: AsyncSession, project_id: str, rows: Sequence[NewRespondent], now: datetime
) -> list[RowResult]:
    """Add respondents to a project (which must exist); one result per input row, in order. Commits.

    An address already on the project (or earlier in `rows`) is a `duplicate`, never an error,
    so a CSV can be uploaded twice. Checks here are the store's floor; the API may say more first.
    """
    hashes = [email_hash(r.email) for r in rows]
    known = dict(
        (
            await session.execute(
                select(Respondent.email_hash, Respondent.id).where(
                    Respondent.project_id == project_id, Respondent.email_hash.in_(set(hashes))
                )
            )
        ).all()
    )
    results: list[RowResult] = []
    for position, (row, digest) in enumerate(zip(rows, hashes, strict=True)):
        problem = _problem(row)
        if problem is not None:
            results.append(RowResult(position, "invalid", field=problem[0], reason=problem[1]))
            continue
        if digest in known:
            results.append(RowResult(position, "duplicate", known[digest], "email", "already a respondent"))
            continue
        respondent_id = uuid.uuid4().hex
        record = {
            "id": respondent_id,
            "project_id": project_id,
            "name": row.name.strip(),
            "email": row.email.strip(),
            "email_hash": digest,
            "language": row.language.strip().lower(),
            "role": row.role,
            "created_at": now,
        }
        # ON CONFLICT DO NOTHING: a concurrent upload of the same address makes this a duplicate.
        if await insert_ignore(session, Respondent, [record]):
            known[digest] = respondent_id
            results.append(RowResult(position, "added", respondent_id))
        else:
            holder = await session.scalar(
                select(Respondent.id).where(Respondent.project_id == project_id, Respondent.email_hash == digest)
            )
            results.append(RowResult(position, "duplicate", holder, "email", "already a respondent"))
    await session.commit()
    return results


async def add_respondent(session: AsyncSession, project_id: str, row: NewRespondent, now: datetime) -> RowResult:
    """One respondent; see `add_respondents`."""
    return (await add_respondents(session, project_id, [row], now))[0]


async def list_respondents(session: AsyncSession, project_id: str) -> list[Respondent]:
    """A project's respondents, oldest first."""
    rows = await session.scalars(
        select(Respondent).where(Respondent.project_id == project_id).order_by(Respondent.created_at, Respondent.id)
    )
    return list(rows)


# -- tokens, answers, opt-outs ---------------------------------------------------------------------


class TokenProblem(StrEnum):
    UNKNOWN = "unknown"
    EXPIRED = "expired"
    CLOSED = "closed"
    ANSWERED = "answered"
    OPTED_OUT = "opted_out"


@dataclass(frozen=True)
class ResolvedToken:
    """A link that may be answered now: its token row, the respondent and the (open) wave."""

    token: SurveyToken
    respondent: Respondent
    wave: SurveyWave


@dataclass(frozen=True)
class TokenRefusal:
    """Why a link cannot be answered; `wave`/`respondent` are set unless the token is unknown
    (so a polite page can still name the project)."""

    problem: TokenProblem
    wave: SurveyWave | None = None
    respondent: Respondent | None = None


async def _suppressed(session: AsyncSession, digest: str, reason: str | None = None) -> bool:
    condition = SurveySuppression.email_hash == digest
    if reason is not None:
        condition = and_(condition, SurveySuppression.reason == reason)
    return (await session.scalar(select(SurveySuppression.email_hash).where(condition))) is not None


async def resolve_token(session: AsyncSession, raw_token: str, now: datetime) -> ResolvedToken | TokenRefusal:
    """Who and which wave a raw token is for, or why it cannot be answered.

    Checked in this order: unknown, answered, opted out (here or everywhere), wave closed, expired.
    A closed wave's tokens are also expired (close_survey_wave expires them); `closed` wins so the
    page can say the survey has closed rather than that the link is old.
    """
    found = (
        await session.execute(
            select(SurveyToken, Respondent, SurveyWave)
            .join(Respondent, Respondent.id == SurveyToken.respondent_id)
            .join(
                SurveyWave,
                and_(SurveyWave.project_id == SurveyToken.project_id, SurveyWave.wave_index == SurveyToken.wave_index),
            )
            .where(SurveyToken.token_hash == hash_token(raw_token))
        )
    ).first()
    if found is None:
        return TokenRefusal(TokenProblem.UNKNOWN)
    token, respondent, wave = found
    answered = await session.scalar(
        select(SurveyResponse.id).where(
            SurveyResponse.project_id == wave.project_id,
            SurveyResponse.wave_index == wave.wave_index,
            SurveyResponse.respondent_id == respondent.id,
        )
    )
    if answered is not None:
        return TokenRefusal(TokenProblem.ANSWERED, wave, respondent)
    if respondent.opted_out_at is not None or await _suppressed(session, respondent.email_hash, "opted_out_everywhere"):
        return TokenRefusal(TokenProblem.OPTED_OUT, wave, respondent)
    if wave.status == "closed":
        return TokenRefusal(TokenProblem.CLOSED, wave, respondent)
    if token.expires_at <= now:
        return TokenRefusal(TokenProblem.EXPIRED, wave, respondent)
    return ResolvedToken(token, respondent, wave)


@dataclass(frozen=True)
class SavedResponse:
    response_id: int
    respondent_id: str
    project_id: str
    wave_index: int


async def save_response(
    session: AsyncSession, raw_token: str, answers: dict[str, Any], language: str, now: datetime
) -> SavedResponse | TokenRefusal:
    """Store one answer for the token's respondent and wave, in one transaction. Commits.

    `answers` must already be validated (domain.surveys.validate_answers against `wave.instrument`).
    The token is resolved again inside this transaction, so a wave that closed since the page was
    shown refuses. A second answer (even a concurrent one) is `TokenRefusal(ANSWERED)`: the unique
    key makes the insert a no-op and the first answer is untouched.
    """
    resolved = await resolve_token(session, raw_token, now)
    if isinstance(resolved, TokenRefusal):
        await session.rollback()
        return resolved
    wave, respondent = resolved.wave, resolved.respondent
    written = await insert_ignore(
        session,
        SurveyResponse,
        [
            {
                "project_id": wave.project_id,
                "wave_index": wave.wave_index,
                "respondent_id": respondent.id,
                "instrument": wave.instrument,
                "language": language,
                "answers": answers,
                "submitted_at": now,
            }
        ],
    )
    if not written:
        await session.rollback()
        return TokenRefusal(TokenProblem.ANSWERED, wave, respondent)
    response_id = await session.scalar(
        select(SurveyResponse.id).where(
            SurveyResponse.project_id == wave.project_id,
            SurveyResponse.wave_index == wave.wave_index,
            SurveyResponse.respondent_id == respondent.id,
        )
    )
    assert response_id is not None
    await session.commit()
    return SavedResponse(response_id, respondent.id, wave.project_id, wave.wave_index)


@dataclass(frozen=True)
class OptedOut:
    respondent_id: str
    project_id: str
    everywhere: bool


async def opt_out(
    session: AsyncSession,
    *,
    raw_token: str | None = None,
    respondent_id: str | None = None,
    everywhere: bool,
    now: datetime,
) -> OptedOut | TokenRefusal:
    """Stop every later survey e-mail to this person on the project, or (`everywhere`) from any
    project. Commits. Idempotent: the first opt-out time is kept.

    Any known token works, even an expired one or one of a closed wave: people opt out from old
    e-mails. `everywhere` also marks the person's respondent rows on other projects and adds a
    global suppression (a 'bounced' suppression already there is kept).
    """
    if raw_token is not None:
        respondent_id = await session.scalar(
            select(SurveyToken.respondent_id).where(SurveyToken.token_hash == hash_token(raw_token))
        )
    respondent = await session.get(Respondent, respondent_id) if respondent_id else None
    if respondent is None:
        return TokenRefusal(TokenProblem.UNKNOWN)
    scope = Respondent.email_hash == respondent.email_hash if everywhere else Respondent.id == respondent.id
    await session.execute(update(Respondent).where(scope, Respondent.opted_out_at.is_(None)).values(opted_out_at=now))
    if everywhere:
        await insert_ignore(
            session,
            SurveySuppression,
            [{"email_hash": respondent.email_hash, "reason": "opted_out_everywhere", "created_at": now}],
        )
    await session.commit()
    return OptedOut(respondent.id, respondent.project_id, everywhere)


# -- reports ---------------------------------------------------------------------------------------


def _count(condition: ColumnElement[bool]) -> ColumnElement[int]:
    return func.coalesce(func.sum(case((condition, 1), else_=0)), 0)


async def wave_counts(session: AsyncSession, project_id: str, wave_index: int | None = None) -> dict[int, WaveCounts]:
    """Counts per wave, over the respondents with an invitation row for it (invited or deferred).

    invited: invitations sent; reminded: of those, reminded at least once; answered: responses;
    opted_out / bounced: invitees now opted out (here or everywhere) / bounced; deferred: held back
    by the fatigue cap. One grouped query over the invitation primary key.
    """
    statement = _wave_counts_statement().where(SurveyInvitation.project_id == project_id)
    if wave_index is not None:
        statement = statement.where(SurveyInvitation.wave_index == wave_index)
    return {index: counts for (_, index), counts in (await _wave_counts(session, statement)).items()}


async def wave_counts_for(session: AsyncSession, waves: Sequence[tuple[str, int]]) -> dict[tuple[str, int], WaveCounts]:
    """`wave_counts` of many projects' waves at once, keyed by (project id, wave index): one grouped
    query per `IN_LIST_SIZE` projects (the worker opens the waves due together in one go)."""
    wanted = set(waves)
    counts: dict[tuple[str, int], WaveCounts] = {}
    project_ids = sorted({project_id for project_id, _ in wanted})
    indexes = sorted({index for _, index in wanted})
    for chunk in in_chunks(project_ids):
        statement = _wave_counts_statement().where(
            SurveyInvitation.project_id.in_(chunk),
            SurveyInvitation.wave_index.in_(indexes),
        )
        counts.update((key, c) for key, c in (await _wave_counts(session, statement)).items() if key in wanted)
    return counts


def _wave_counts_statement() -> Select[*tuple[Any, ...]]:
    opted = or_(Respondent.opted_out_at.is_not(None), SurveySuppression.reason == "opted_out_everywhere")
    bounced = or_(Respondent.bounced_at.is_not(None), SurveySuppression.reason == "bounced")
    return (
        select(
            SurveyInvitation.project_id,
            SurveyInvitation.wave_index,
            _count(SurveyInvitation.status == "invited"),
            _count(SurveyInvitation.reminders > 0),
            _count(SurveyResponse.id.is_not(None)),
            _count(opted),
            _count(bounced),
            _count(SurveyInvitation.status == "deferred"),
        )
        .join(Respondent, Respondent.id == SurveyInvitation.respondent_id)
        .outerjoin(SurveySuppression, SurveySuppression.email_hash == Respondent.email_hash)
        .outerjoin(
            SurveyResponse,
            and_(
                SurveyResponse.project_id == SurveyInvitation.project_id,
                SurveyResponse.wave_index == SurveyInvitation.wave_index,
                SurveyResponse.respondent_id == SurveyInvitation.respondent_id,
            ),
        )
        .group_by(SurveyInvitation.project_id, SurveyInvitation.wave_index)
    )


async def _wave_counts(session: AsyncSession, statement: Select[*tuple[Any, ...]]) -> dict[tuple[str, int], WaveCounts]:
    counts: dict[tuple[str, int], WaveCounts] = {}
    for project_id, index, invited, reminded, answered, opted_out, bounced, deferred in (
        await session.execute(statement)
    ).all():
        counts[(str(project_id), int(index))] = WaveCounts(
            invited=int(invited),
            reminded=int(reminded),
            answered=int(answered),
            opted_out=int(opted_out),
            bounced=int(bounced),
            deferred=int(deferred),
        )
    return counts


@dataclass(frozen=True)
class WaveSummary:
    """One row of the staff report (GET /api/v1/projects/{id}/follow-up)."""

    wave_index: int
    offset: str
    instrument: str
    due_at: datetime
    closes_at: datetime
    status: str
    opened_at: datetime | None
    closed_at: datetime | None
    counts: WaveCounts

    @property
    def response_rate(self) -> float:
        return self.counts.response_rate


async def wave_report(session: AsyncSession, project_id: str) -> list[WaveSummary]:
    """Every wave the worker has recorded for the project (opened or closed), by index, with counts.

    Waves still only scheduled live in FollowUpWorkflow's state until they open.
    """
    waves = await session.scalars(
        select(SurveyWave).where(SurveyWave.project_id == project_id).order_by(SurveyWave.wave_index)
    )
    counts = await wave_counts(session, project_id)
    return [
        WaveSummary(
            wave_index=w.wave_index,
            offset=w.offset,
            instrument=w.instrument,
            due_at=w.due_at,
            closes_at=w.closes_at,
            status=w.status,
            opened_at=w.opened_at,
            closed_at=w.closed_at,
            counts=counts.get(w.wave_index, WaveCounts()),
        )
        for w in waves
    ]


@dataclass(frozen=True)
class ResponseRow:
    """One answer for the CSV export: pseudonymous (respondent id and role, no name or address)."""

    wave_index: int
    respondent_id: str
    role: str
    instrument: str
    language: str
    submitted_at: datetime
    answers: dict[str, Any]


async def responses_for_csv(session: AsyncSession, project_id: str) -> list[ResponseRow]:
    """Every response of the project, by wave then submission time."""
    rows = await session.execute(
        select(SurveyResponse, Respondent.role)
        .join(Respondent, Respondent.id == SurveyResponse.respondent_id)
        .where(SurveyResponse.project_id == project_id)
        .order_by(SurveyResponse.wave_index, SurveyResponse.submitted_at, SurveyResponse.id)
    )
    return [
        ResponseRow(
            wave_index=r.wave_index,
            respondent_id=r.respondent_id,
            role=role,
            instrument=r.instrument,
            language=r.language,
            submitted_at=r.submitted_at,
            answers=dict(r.answers),
        )
        for r, role in rows.all()
    ]
