"""Follow-up survey waves, written by the `close_survey_wave` activity: the wave closed and its links
expired, in the caller's transaction (never commits). Idempotent: the first closing time is kept.

Its held e-mails (no SMTP: shown, never sent) are given up: their sealed links are dropped, so the
outbox keeps no personal link of a closed wave (store.link_seal).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, update
from sqlalchemy.ext.asyncio import AsyncSession

from domain.follow_up import WaveReport, WaveTask
from store.surveys.writes_wave_mail import wave_reports
from store.tables import (
    OutboxEmail,
    SurveyToken,
    SurveyWave,
)
from store.upserts import insert_ignore


async def close_wave(session: AsyncSession, task: WaveTask, now: datetime, smtp_configured: bool) -> WaveReport:
    """Mark the wave closed (keeping the first closing time) and expire its links now."""
    plan = task.plan
    await insert_ignore(
        session,
        SurveyWave,
        [
            {
                "project_id": task.project_id,
                "wave_index": plan.index,
                "offset": str(plan.offset),
                "due_at": plan.due_at,
                "closes_at": plan.closes_at,
                "reminders_at": [r.isoformat() for r in plan.reminders_at],
                "instrument": task.instrument,
                "status": "closed",
                "closed_at": now,
            }
        ],
    )
    await session.execute(
        update(SurveyWave)
        .where(SurveyWave.project_id == task.project_id, SurveyWave.wave_index == plan.index)
        .values(status="closed", closed_at=func.coalesce(SurveyWave.closed_at, now))
    )
    await session.execute(
        update(SurveyToken)
        .where(
            SurveyToken.project_id == task.project_id,
            SurveyToken.wave_index == plan.index,
            SurveyToken.expires_at > now,
        )
        .values(expires_at=now)
    )
    await session.execute(
        update(OutboxEmail)
        .where(
            OutboxEmail.project_id == task.project_id,
            OutboxEmail.event_id.like(f"followup/{task.project_id}:w{plan.index}:%"),
            OutboxEmail.status == "held",
            OutboxEmail.sealed_link.is_not(None),
        )
        .values(sealed_link=None)
    )
    return (await wave_reports(session, [(task, "", 0, False)], deferrals=False))[0]
