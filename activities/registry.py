"""Every activity implementation the worker registers, built from its dependencies in one place.

The names are wire names (`workflows.activity_calls.ACTIVITY_NAMES`); a test asserts the two agree.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from activities.digest import DigestActivities
from activities.email import EmailActivities
from activities.exchange import ExchangeActivities
from activities.records import RecordActivities
from activities.retention import RetentionActivities
from activities.settings import ActivitySettings
from activities.surveys import SurveyActivities, plan_follow_up_waves
from activities.webhooks import WebhookActivities


def build_activities(
    sessionmaker: async_sessionmaker[AsyncSession], settings: ActivitySettings
) -> list[Callable[..., Any]]:
    """The bound activity methods for `Worker(activities=...)`, sharing one sessionmaker."""
    records = RecordActivities(sessionmaker, settings)
    email = EmailActivities(sessionmaker, settings)
    surveys = SurveyActivities(sessionmaker, settings)
    exchange = ExchangeActivities(sessionmaker, settings)
    retention = RetentionActivities(sessionmaker, settings)
    webhooks = WebhookActivities(sessionmaker, settings)
    digest = DigestActivities(sessionmaker, settings)
    return [
        records.record_project_changes,
        email.deliver_emails,
        plan_follow_up_waves,
        surveys.open_survey_wave,
        surveys.remind_survey_wave,
        surveys.close_survey_wave,
        exchange.record_exchange_changes,
        exchange.register_placement,
        exchange.notify_unsuccessful_applicants,
        exchange.acknowledge_applications,
        retention.erase_expired_personal_data,
        webhooks.pending_deliveries,
        webhooks.deliver_webhook,
        digest.queue_weekly_digest,
    ]
