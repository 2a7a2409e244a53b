"""Follow-up survey waves, written by the `remind_survey_wave` activity: one reminder round, in the
caller's transaction (never commits).

A round is claimed by raising `reminders` to the round number (WHERE reminders < n) in the same
transaction as its e-mails, so a retry reminds nobody twice. Over the fatigue cap (domain.fatigue) a
person simply skips the round.

A reminder is the resend: its fresh token retires the person's earlier tokens of the wave
(`retired_at`), so an old link (say, an invitation forwarded on) no longer opens the survey; it still
opts out, like every known link.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import exists, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from domain.fatigue import counting_since, fatigue_holds
from domain.follow_up import WaveReport, WaveTask
from store.in_lists import in_chunks
from store.surveys.writes_wave_mail import (
    Outgoing,
    WaveMail,
    eligible,
    project_mailings,
    queue_wave_mail,
    recent_survey_mail,
    remind_key,
    this_wave,
    wave_key,
    wave_reports,
)
from store.tables import (
    Respondent,
    SurveyInvitation,
    SurveyResponse,
    SurveyToken,
    SurveyWave,
)


async def retire_tokens(session: AsyncSession, task: WaveTask, respondent_ids: list[str], now: datetime) -> None:
    """Retire these people's live tokens of the wave: called just before their fresh ones are issued."""
    for chunk in in_chunks(respondent_ids):
        await session.execute(
            update(SurveyToken)
            .where(
                SurveyToken.project_id == task.project_id,
                SurveyToken.wave_index == task.plan.index,
                SurveyToken.respondent_id.in_(chunk),
                SurveyToken.retired_at.is_(None),
            )
            .values(retired_at=now)
        )


async def remind_wave(session: AsyncSession, task: WaveTask, mail: WaveMail) -> WaveReport:
    """Queue reminder round `task.round` to invitees who have neither answered nor opted out.

    Each reminder carries a fresh token with the wave's expiry; the person's earlier links of the
    wave are retired. Over the fatigue cap, a person skips this round. Round n runs at most once
    per person: `reminders` is raised to n in the same transaction as the e-mail.
    """
    if task.round < 1:
        raise ValueError("reminder rounds count from 1")
    key = remind_key(task)
    project = (await project_mailings(session, {task.project_id}))[task.project_id]
    wave = await session.get(SurveyWave, (task.project_id, task.plan.index))
    if wave is None or wave.status != "open":
        return (await wave_reports(session, [(task, key, 0, mail.smtp_configured)]))[0]
    answered = exists().where(
        SurveyResponse.project_id == SurveyInvitation.project_id,
        SurveyResponse.wave_index == SurveyInvitation.wave_index,
        SurveyResponse.respondent_id == SurveyInvitation.respondent_id,
    )
    candidates = list(
        await session.scalars(
            select(Respondent)
            .join(SurveyInvitation, SurveyInvitation.respondent_id == Respondent.id)
            .where(
                this_wave(task),
                SurveyInvitation.status == "invited",
                SurveyInvitation.reminders < task.round,
                eligible(),
                ~answered,
            )
            .order_by(Respondent.created_at, Respondent.id)
        )
    )
    sent = await recent_survey_mail(session, [r.email_hash for r in candidates], since=counting_since(mail.now))
    holds = fatigue_holds(sent, now=mail.now, cap=mail.fatigue_cap)
    wanted = [r.id for r in candidates if r.email_hash not in holds]
    claimed: set[str] = set()
    for chunk in in_chunks(wanted):
        result = await session.execute(
            update(SurveyInvitation)
            .where(this_wave(task), SurveyInvitation.respondent_id.in_(chunk), SurveyInvitation.reminders < task.round)
            .values(reminders=task.round, last_reminded_at=mail.now)
            .returning(SurveyInvitation.respondent_id)
        )
        claimed.update(result.scalars())
    reminded = [r for r in candidates if r.id in claimed]
    await retire_tokens(session, task, [r.id for r in reminded], mail.now)
    queued = await queue_wave_mail(session, [Outgoing(task, project, reminded, "reminder", key, wave.closes_at, mail)])
    return (await wave_reports(session, [(task, key, queued.get(wave_key(task), 0), mail.smtp_configured)]))[0]
