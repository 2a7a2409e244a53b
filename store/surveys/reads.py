"""Survey e-mails at delivery time: which queued ones to withdraw, and what a permanent refusal means.

Used by the `deliver_emails` activity. Between queueing and sending (seconds, or hours while SMTP
defers) a respondent may answer, opt out or bounce elsewhere; the issue wants reminders to stop the
moment that happens, so such e-mails are withdrawn ('cancelled') instead of sent. A 5xx refusal
marks the address bounced on every project and suppresses it globally. Ids only in logs.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from store.tables import OutboxEmail, Respondent, SurveyResponse, SurveySuppression
from store.upserts import insert_ignore


def parse_delivery_key(key: str) -> tuple[str, int] | None:
    """(project_id, wave_index) of a wave e-mail's event id: the inverse of store.waves.invite_key/remind_key."""
    if not key.startswith("followup/"):
        return None
    project_id, _, rest = key.removeprefix("followup/").rpartition(":w")
    index, _, _what = rest.partition(":")
    return (project_id, int(index)) if project_id and index.isdigit() else None


async def withdrawn_survey_emails(session: AsyncSession, rows: Sequence[OutboxEmail]) -> dict[int, str]:
    """Queued survey e-mails that must no longer go out, by outbox id, with the reason.

    Between queueing and sending (seconds, or hours while SMTP defers) a respondent may answer,
    opt out or bounce elsewhere; the issue wants reminders to stop the moment that happens.
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
        if respondent is None:
            withdrawn[outbox_id] = "not sent: respondent removed"
        elif respondent.opted_out_at is not None or suppressed == "opted_out_everywhere":
            withdrawn[outbox_id] = "not sent: respondent opted out"
        elif respondent.bounced_at is not None or suppressed == "bounced":
            withdrawn[outbox_id] = "not sent: address bounced"
        elif wave is not None and (*wave, respondent.id) in answered:
            withdrawn[outbox_id] = "not sent: respondent already answered"
    return withdrawn


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
