"""Follow-up surveys, read: respondents, what a personal link is for (or why it cannot be answered),
and which queued survey e-mails must be withdrawn at delivery time.

Refusals are values (`TokenRefusal`), never exceptions. Functions only read; they never commit.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import and_, select
from sqlalchemy.ext.asyncio import AsyncSession

from domain.respondents import TokenProblem, token_problem, withdrawal_reason
from store.hashing import hash_token
from store.tables import (
    OutboxEmail,
    Respondent,
    SurveyResponse,
    SurveySuppression,
    SurveyToken,
    SurveyWave,
)


async def list_respondents(session: AsyncSession, project_id: str) -> list[Respondent]:
    """A project's respondents, oldest first."""
    rows = await session.scalars(
        select(Respondent).where(Respondent.project_id == project_id).order_by(Respondent.created_at, Respondent.id)
    )
    return list(rows)


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

    An unknown token is UNKNOWN; otherwise we fetch the facts and domain.respondents' `token_problem`
    decides (answered, opted out here or everywhere, wave closed, expired: in that order).
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
    opted_out = respondent.opted_out_at is not None or await _suppressed(
        session, respondent.email_hash, "opted_out_everywhere"
    )
    problem = token_problem(
        answered=answered is not None,
        opted_out=opted_out,
        wave_closed=wave.status == "closed",
        expired=token.expires_at <= now or token.retired_at is not None,
    )
    if problem is not None:
        return TokenRefusal(problem, wave, respondent)
    return ResolvedToken(token, respondent, wave)


def parse_delivery_key(key: str) -> tuple[str, int] | None:
    """(project_id, wave_index) of a wave e-mail's event id: the inverse of `invite_key`/`remind_key`
    (store.surveys.writes_wave_mail)."""
    if not key.startswith("followup/"):
        return None
    project_id, _, rest = key.removeprefix("followup/").rpartition(":w")
    index, _, _what = rest.partition(":")
    return (project_id, int(index)) if project_id and index.isdigit() else None


async def withdrawn_survey_emails(session: AsyncSession, rows: Sequence[OutboxEmail]) -> dict[int, str]:
    """Queued survey e-mails that must no longer go out, by outbox id, with the reason.

    We fetch what became of each addressee; whether that stops the e-mail is domain.respondents'
    rule (`withdrawal_reason`).
    """
    survey = {r.id: r for r in rows if r.respondent_id is not None}
    if not survey:
        return {}
    respondent_ids = {r.respondent_id for r in survey.values()}
    people = {
        respondent.id: (respondent, suppressed)
        for respondent, suppressed in (
            await session.execute(
                select(Respondent, SurveySuppression.reason)
                .outerjoin(SurveySuppression, SurveySuppression.email_hash == Respondent.email_hash)
                .where(Respondent.id.in_(respondent_ids))
            )
        ).all()
    }
    answered = set(
        (
            await session.execute(
                select(SurveyResponse.project_id, SurveyResponse.wave_index, SurveyResponse.respondent_id).where(
                    SurveyResponse.respondent_id.in_(respondent_ids)
                )
            )
        ).all()
    )
    withdrawn: dict[int, str] = {}
    for outbox_id, row in survey.items():
        respondent, suppressed = people.get(row.respondent_id or "", (None, None))
        wave = parse_delivery_key(row.event_id)
        reason = withdrawal_reason(
            exists=respondent is not None,
            opted_out=respondent is not None
            and (respondent.opted_out_at is not None or suppressed == "opted_out_everywhere"),
            bounced=respondent is not None and (respondent.bounced_at is not None or suppressed == "bounced"),
            answered=respondent is not None and wave is not None and (*wave, respondent.id) in answered,
        )
        if reason is not None:
            withdrawn[outbox_id] = reason
    return withdrawn
