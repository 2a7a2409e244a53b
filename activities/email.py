"""The `deliver_emails` activity: send what the outbox holds for some events, each message at most once.

The outbox row is the unit of idempotency. Only 'queued' rows are sent, and each row is marked 'sent'
in its own transaction right after the server accepts it, so a retry (or a late duplicate attempt)
skips it. A crash between the SMTP acceptance and that commit can still repeat one message; its
Message-ID is derived from the row's dedupe key, so the receiving side can drop the copy.

Failures:
- the server refuses the recipient or the message with 5xx: the row becomes 'failed' with the reply as
  `last_error`, and is never tried again (another attempt would be refused the same way);
- a 4xx reply: the row stays 'queued' with the reply recorded, and the activity fails once the other
  rows are done so Temporal retries later;
- connection and protocol errors propagate at once: Temporal's retry policy owns the backoff.

Survey e-mails (rows with a respondent): a 5xx refusal also marks the respondent bounced and
suppresses the address for every project, in the same transaction as the row; and a survey e-mail
whose respondent answered, opted out or bounced since it was queued is 'cancelled', not sent.
Logs carry outbox ids, event ids and SMTP codes only, never addresses or names.

Personal survey links: a survey row's body says `[personal survey link]`; the real link is sealed in
`sealed_link` (store.link_seal). The e-mail sent carries the unsealed link; once the row is sent,
refused for good or cancelled, `sealed_link` is set to NULL, so the outbox keeps no working link. A
row whose link no key of ours unseals (ENGAGE_OUTBOX_KEY changed) is 'failed', never sent without it.
A survey row queued before links were sealed still has its link in the body: it is sent as it is, and
its body is redacted when it is marked sent.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import aiosmtplib
from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from temporalio import activity
from temporalio.exceptions import ApplicationError

from activities.settings import ActivitySettings
from domain.events import EmailDelivery
from store.link_seal import personal_body, redact_links
from store.outbox_mail import SmtpTarget, build_message
from store.surveys.reads import withdrawn_survey_emails
from store.surveys.writes import mark_bounced
from store.tables import OutboxEmail


class EmailActivities:
    def __init__(self, sessionmaker: async_sessionmaker[AsyncSession], settings: ActivitySettings) -> None:
        self._sessionmaker = sessionmaker
        self._settings = settings
        self._smtp = SmtpTarget.parse(settings.smtp_url) if settings.smtp_url else None
        self._seal = settings.link_seal

    @activity.defn(name="deliver_emails")
    async def deliver_emails(self, delivery: EmailDelivery) -> None:
        """Send the queued e-mails of these events; sent and failed ones are left alone."""
        if self._smtp is None:
            return
        async with self._sessionmaker() as session:
            rows = list(
                await session.scalars(
                    select(OutboxEmail)
                    .where(OutboxEmail.event_id.in_(delivery.event_ids), OutboxEmail.status == "queued")
                    .order_by(OutboxEmail.id)
                )
            )
            withdrawn = await withdrawn_survey_emails(session, rows)
        if withdrawn:
            await self._cancel(withdrawn)
        rows = [r for r in rows if r.id not in withdrawn]
        if not rows:
            return
        deferred: list[int] = []
        async with self._smtp.client() as smtp:
            for row in rows:
                if await self._send_one(smtp, row):
                    deferred.append(row.id)
        if deferred:
            raise ApplicationError(
                f"{len(deferred)} e-mail(s) temporarily refused; will retry",
                {"outbox_ids": deferred},
                type="SmtpDeferred",
            )

    async def _send_one(self, smtp: aiosmtplib.SMTP, row: OutboxEmail) -> bool:
        """Send one row and record the outcome; True when the server deferred it (4xx)."""
        now = datetime.now(UTC)
        body = row.body
        if row.sealed_link is not None:
            link = self._seal.unseal(row.sealed_link, row.dedupe_key)
            if link is None:
                await self._mark(row, status="failed", last_error="the personal survey link could not be unsealed")
                activity.logger.warning("survey link not unsealed", extra={"outbox_id": row.id})
                return False
            body = personal_body(row.body, link)
        try:
            await smtp.send_message(build_message(row, self._settings.smtp_from, now, body))
        except aiosmtplib.SMTPRecipientsRefused as exc:
            code = min((r.code for r in exc.recipients), default=550)
            return await self._refused(row, code, "; ".join(f"{r.code} {r.message}" for r in exc.recipients))
        except (aiosmtplib.SMTPDataError, aiosmtplib.SMTPRecipientRefused) as exc:
            return await self._refused(row, exc.code, f"{exc.code} {exc.message}")
        except Exception as exc:
            await self._mark(row, attempts=row.attempts + 1, last_error=f"{type(exc).__name__}: {exc}")
            raise
        sent: dict[str, Any] = {"status": "sent", "attempts": row.attempts + 1, "sent_at": now, "last_error": None}
        if row.kind == "survey" and row.sealed_link is None:
            sent["body"] = redact_links(row.body)  # queued before links were sealed
        await self._mark(row, **sent)
        activity.logger.info("e-mail sent", extra={"outbox_id": row.id, "event_id": row.event_id})
        return False

    async def _refused(self, row: OutboxEmail, code: int, reply: str) -> bool:
        permanent = code >= 500
        values: dict[str, Any] = {"attempts": row.attempts + 1, "last_error": reply[:2000]}
        if permanent:
            values["status"] = "failed"
        await self._mark(row, bounced=permanent and row.respondent_id is not None, **values)
        activity.logger.warning(
            "e-mail refused", extra={"outbox_id": row.id, "event_id": row.event_id, "smtp_code": code}
        )
        return not permanent

    async def _mark(self, row: OutboxEmail, *, bounced: bool = False, **values: Any) -> None:
        if values.get("status") in ("sent", "failed"):
            values["sealed_link"] = None  # delivered or given up: the working link goes
        async with self._sessionmaker.begin() as session:
            # The status guard keeps a late duplicate attempt from overwriting a row another attempt sent.
            await session.execute(
                update(OutboxEmail).where(OutboxEmail.id == row.id, OutboxEmail.status == "queued").values(**values)
            )
            if bounced and row.respondent_id is not None:
                await mark_bounced(session, row.respondent_id, datetime.now(UTC))
        row.attempts = values.get("attempts", row.attempts)
        if bounced:
            activity.logger.info("survey respondent bounced", extra={"respondent_id": row.respondent_id})

    async def _cancel(self, withdrawn: dict[int, str]) -> None:
        """Mark withdrawn survey e-mails 'cancelled' (one transaction), with the reason as last_error."""
        async with self._sessionmaker.begin() as session:
            for reason in set(withdrawn.values()):
                ids = [outbox_id for outbox_id, why in withdrawn.items() if why == reason]
                await session.execute(
                    update(OutboxEmail)
                    .where(OutboxEmail.id.in_(ids), OutboxEmail.status == "queued")
                    .values(status="cancelled", last_error=reason, sealed_link=None)
                )
        activity.logger.info("survey e-mails withdrawn", extra={"outbox_ids": sorted(withdrawn)})
