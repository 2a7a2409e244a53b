"""Follow-up surveys, written by the API in a request: respondents, answers, opt-outs; and a bounce,
written by the `deliver_emails` activity.

Every function runs in the caller's transaction and never commits (store/__init__). A second answer to
a wave is refused by the unique key (INSERT ... ON CONFLICT DO NOTHING) and the first stays intact;
refusals are values (`TokenRefusal`, `RowResult.status`), never exceptions. Which rows may be added is
domain.respondents' rule.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from domain.respondents import TokenProblem, respondent_problem
from store.hashing import email_hash, hash_token
from store.surveys.reads import TokenRefusal, resolve_token
from store.tables import (
    Respondent,
    SurveyResponse,
    SurveySuppression,
    SurveyToken,
)
from store.upserts import insert_ignore


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


async def add_respondents(
    session: AsyncSession, project_id: str, rows: Sequence[NewRespondent], now: datetime
) -> list[RowResult]:
    """Add respondents to a project (which must exist); one result per input row, in order.

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
        problem = respondent_problem(name=row.name, email=row.email, role=row.role, language=row.language)
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
    return results


async def add_respondent(session: AsyncSession, project_id: str, row: NewRespondent, now: datetime) -> RowResult:
    """One respondent; see `add_respondents`."""
    return (await add_respondents(session, project_id, [row], now))[0]


@dataclass(frozen=True)
class SavedResponse:
    response_id: int
    respondent_id: str
    project_id: str
    wave_index: int


async def save_response(
    session: AsyncSession, raw_token: str, answers: dict[str, Any], language: str, now: datetime
) -> SavedResponse | TokenRefusal:
    """Store one answer for the token's respondent and wave, in the caller's transaction.

    `answers` must already be validated (domain.surveys.validate_answers against `wave.instrument`).
    The token is resolved again inside this transaction, so a wave that closed since the page was
    shown refuses. A second answer (even a concurrent one) is `TokenRefusal(ANSWERED)`: the unique
    key makes the insert a no-op and the first answer is untouched.
    """
    resolved = await resolve_token(session, raw_token, now)
    if isinstance(resolved, TokenRefusal):
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
        return TokenRefusal(TokenProblem.ANSWERED, wave, respondent)
    response_id = await session.scalar(
        select(SurveyResponse.id).where(
            SurveyResponse.project_id == wave.project_id,
            SurveyResponse.wave_index == wave.wave_index,
            SurveyResponse.respondent_id == respondent.id,
        )
    )
    assert response_id is not None
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
    project. Idempotent: the first opt-out time is kept.

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
    return OptedOut(respondent.id, respondent.project_id, everywhere)


async def mark_bounced(session: AsyncSession, respondent_id: str, now: datetime) -> None:
    """A permanent SMTP refusal: the address is marked bounced on every project and suppressed
    globally, so no project mails it again (keeping the first time and an earlier opt-out reason)."""
    digest = await session.scalar(select(Respondent.email_hash).where(Respondent.id == respondent_id))
    if digest is None:
        return
    await session.execute(
        update(Respondent)
        .where(Respondent.email_hash == digest, Respondent.bounced_at.is_(None))
        .values(bounced_at=now)
    )
    await insert_ignore(session, SurveySuppression, [{"email_hash": digest, "reason": "bounced", "created_at": now}])
