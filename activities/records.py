"""The `record_project_changes` activity: one batch of a project's events into the database.

Thin on purpose: the idempotent write lives in `store.projects.writes.apply_project_changes`; this class
supplies the transaction, the e-mail renderer and the SMTP switch, and wakes the webhook workflows
whose deliveries the batch queued (activities.webhooks). Safe to retry at any point: a
retry of a committed batch writes nothing and queues no e-mail twice.
"""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from temporalio import activity

from activities.rendering import TemplateRenderer
from activities.settings import ActivitySettings
from activities.webhooks import wake_webhooks
from domain.events import ProjectChanges, RecordResult
from store.projects.writes import apply_project_changes


class RecordActivities:
    def __init__(self, sessionmaker: async_sessionmaker[AsyncSession], settings: ActivitySettings) -> None:
        self._sessionmaker = sessionmaker
        self._settings = settings
        self._render = TemplateRenderer.create(settings.base_url)

    @activity.defn(name="record_project_changes")
    async def record_project_changes(self, changes: ProjectChanges) -> RecordResult:
        """Append the events, upsert the read model, queue e-mails: one transaction."""
        webhooks_queued: set[str] = set()
        async with self._sessionmaker.begin() as session:
            result = await apply_project_changes(
                session,
                changes,
                self._render,
                workflow_id=activity.info().workflow_id or "",
                smtp_configured=self._settings.smtp_configured,
                webhooks_queued=webhooks_queued,
            )
        # 👉 After the commit, so a woken webhook workflow finds the deliveries (best effort, never raises).
        await wake_webhooks(webhooks_queued)
        activity.logger.info(
            "recorded project changes",
            extra={
                "project_id": changes.snapshot.project_id,
                "event_seq": changes.snapshot.event_seq,
                "events_written": result.events_written,
                "emails_queued": result.emails_queued,
            },
        )
        return result
