"""The database tables: the read model the API lists from, the event log, and the e-mail outbox.

Constraints:
- Every constraint and index is named by `NAMING_CONVENTION`, so migrations can drop them by name on
  PostgreSQL and SQLite alike (SQLite batch mode needs names to rebuild a table).
- Every datetime is a `UtcDateTime`: stored as UTC, always read back timezone-aware UTC. SQLite keeps no
  offset, so without it a value would come back naive and compare wrongly with aware ones.
- `project`, `milestone`, `submission`, `workshop` and `project_partner` are a projection of the
  workflow's `ProjectState`, written only by the `record_project_changes` activity (store.projects.writes_mail),
  except that the API inserts the `project` row (event_seq 0, state NULL) when it starts a project.
- `event` is append-only; `(project_id, seq)` is the idempotency key of a domain event.
- `outbox_email.dedupe_key` is the idempotency key of an e-mail: event id plus a hash of the address
  (never the address itself), so a retried activity never queues or sends one twice.
- Follow-up surveys (`respondent`, `survey_*`): written by the wave activities (activities.surveys) and by
  the API in a request (store.surveys). Raw survey tokens are never stored, only their sha256
  (`survey_token.token_hash`); a person is known across projects only by `email_hash` (sha256 of the
  trimmed, lower-cased address), which is what global suppression and the fatigue cap key on.
- Knowledge Exchange (`exchange_*`): `exchange_programme`, `exchange_event` and `exchange_placement` are a
  projection of ExchangeProgrammeWorkflow's state, written by its activities (store.exchange.writes), except
  the programme row the API inserts at start (event_seq 0). `exchange_application` is written by the API in
  the request (the call for applications is a burst: never Updates on one workflow); one per person per year
  by `(year, email_hash)`.
- `audit_entry` is append-only: the staff, partner and admin actions no workflow records (partners
  registered, keys issued and revoked, respondents added, case studies marked, signing in and out, the
  yearly schedule, people exported or erased, reads of personal data), each with the acting key and the
  time, written by the API in the action's own transaction (store.audit). Ids only, never personal data.
- `evidence_file`: which project submission holds which evidence file (store.files); the bytes are on
  disk by sha256 under the data directory, never in the database. Files belong to projects, not people.
- `outcome_rating`: the levels staff intended and the partner's and museum's reflections gave, per
  outcome of the framework (store.reports.ratings). Keys and numbers only.
- `retention_run`: one row per daily retention run (store.retention), counts and cut-off times only.
- `user_account`, `sign_in_link`: people who sign in by e-mailed link (store.accounts); only a link
  token's sha256 is stored. A `web_session` is a key's (`user_id` NULL) or a person's.
- `webhook`, `webhook_delivery`, `webhook_attempt` (issue 16): subscriptions (secret sealed), one delivery
  per event and subscription written with the event, and each HTTP attempt (store.tables.webhooks).
- `calendar_feed`: one private iCalendar feed per principal, only its token's sha256 stored;
  `calendar_item`: each calendar event's SEQUENCE by UID (store.calendars). Ids and hashes only.
"""

from __future__ import annotations

from store.tables.accounts import SignInLink, UserAccount
from store.tables.audit import AuditEntry
from store.tables.base import (
    API_KEY_ROLES,
    INVITATION_STATUSES,
    NAMING_CONVENTION,
    OUTBOX_KINDS,
    OUTBOX_STATUSES,
    SUPPRESSION_REASONS,
    WAVE_STATUSES,
    Base,
    JsonDocument,
    UtcDateTime,
    partner_name_key,
)
from store.tables.calendars import CalendarFeed, CalendarItem
from store.tables.exchange import (
    APPLICATION_STATUSES,
    DIRECTIONS,
    EMPLOYMENTS,
    ExchangeApplication,
    ExchangeEventRow,
    ExchangePlacement,
    ExchangeProgramme,
)
from store.tables.files import EvidenceFile
from store.tables.impact import OutcomeRating
from store.tables.partners import ApiKey, Partner, WebSession
from store.tables.projects import Event, Milestone, OutboxEmail, Project, ProjectPartner, Submission, Workshop
from store.tables.retention import RetentionRun
from store.tables.surveys import (
    Respondent,
    SurveyInvitation,
    SurveyResponse,
    SurveySuppression,
    SurveyToken,
    SurveyWave,
)
from store.tables.webhooks import Webhook, WebhookAttempt, WebhookDelivery

__all__ = [
    "API_KEY_ROLES",
    "APPLICATION_STATUSES",
    "DIRECTIONS",
    "EMPLOYMENTS",
    "INVITATION_STATUSES",
    "NAMING_CONVENTION",
    "OUTBOX_KINDS",
    "OUTBOX_STATUSES",
    "SUPPRESSION_REASONS",
    "WAVE_STATUSES",
    "ApiKey",
    "AuditEntry",
    "Base",
    "CalendarFeed",
    "CalendarItem",
    "Event",
    "EvidenceFile",
    "ExchangeApplication",
    "ExchangeEventRow",
    "ExchangePlacement",
    "ExchangeProgramme",
    "JsonDocument",
    "Milestone",
    "OutboxEmail",
    "OutcomeRating",
    "Partner",
    "Project",
    "ProjectPartner",
    "Respondent",
    "RetentionRun",
    "SignInLink",
    "Submission",
    "SurveyInvitation",
    "SurveyResponse",
    "SurveySuppression",
    "SurveyToken",
    "SurveyWave",
    "UserAccount",
    "UtcDateTime",
    "WebSession",
    "Webhook",
    "WebhookAttempt",
    "WebhookDelivery",
    "Workshop",
    "partner_name_key",
]
