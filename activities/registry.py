"""Every activity implementation the worker registers, built from its dependencies in one place.

The names are wire names (`workflows.activity_calls.ACTIVITY_NAMES`); a test asserts the two agree.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from activities.email import EmailActivities
from activities.records import RecordActivities
from activities.settings import ActivitySettings


def build_activities(
    sessionmaker: async_sessionmaker[AsyncSession], settings: ActivitySettings
) -> list[Callable[..., Any]]:
    """The bound activity methods for `Worker(activities=...)`, sharing one sessionmaker."""
    records = RecordActivities(sessionmaker, settings)
    email = EmailActivities(sessionmaker, settings)
    return [records.record_project_changes, email.deliver_emails]
