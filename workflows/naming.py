"""Wire names shared by the worker, the API and operators: task queue, workflow ids, search attributes.

Ids come only from these builders, each with its inverse parser, so an id seen in the Temporal
UI or CLI always leads back to the record it belongs to. Importing this module must stay cheap:
it is imported by the API, which must not load workflow modules (see tests/test_imports.py).
"""

from __future__ import annotations

from typing import Any

from temporalio.common import SearchAttributeKey

TASK_QUEUE = "engage"

PROJECT_WORKFLOW = "ProjectWorkflow"
FOLLOW_UP_WORKFLOW = "FollowUpWorkflow"
EXCHANGE_WORKFLOW = "ExchangeProgrammeWorkflow"
EXCHANGE_LAUNCHER_WORKFLOW = "ExchangeLauncherWorkflow"
RETENTION_WORKFLOW = "RetentionWorkflow"
#: The daily Temporal Schedule that runs RetentionWorkflow (written at worker start-up).
RETENTION_SCHEDULE_ID = "engage-retention"
#: RetentionWorkflow's id as the schedule gives it; the server appends the fire time:
#: `retention-2026-12-08T03:00:00Z`. A run started by hand may use `retention-<anything>`.
RETENTION_WORKFLOW_ID = "retention"
WEEKLY_DIGEST_WORKFLOW = "WeeklyDigestWorkflow"
#: The weekly Temporal Schedule that runs WeeklyDigestWorkflow (written at worker start-up).
DIGEST_SCHEDULE_ID = "engage-weekly-digest"
#: WeeklyDigestWorkflow's id as the schedule gives it; the server appends the fire time:
#: `digest-2026-12-14T07:00:00Z`. A run started by hand may use `digest-<anything>`.
DIGEST_WORKFLOW_ID = "digest"
_PROJECT_PREFIX = "project/"
_FOLLOW_UP_PREFIX = "followup/"
_EXCHANGE_PREFIX = "exchange/"

#: Keyword: what kind of workflow or work ("display", "research", "programme", ...).
ENGAGE_KIND = SearchAttributeKey.for_keyword("EngageKind")
#: Keyword: the project's current stage, upserted on every stage change.
ENGAGE_STAGE = SearchAttributeKey.for_keyword("EngageStage")
#: Keyword list: partner ids taking part, for `EngagePartners = '<id>'` in the CLI.
ENGAGE_PARTNERS = SearchAttributeKey.for_keyword_list("EngagePartners")

#: Every custom search attribute. The dev server, docker-compose.yml and the test env register these.
REGISTRY: tuple[SearchAttributeKey[Any], ...] = (
    ENGAGE_KIND,
    ENGAGE_STAGE,
    ENGAGE_PARTNERS,
)


def _parse(workflow_id: str, prefix: str) -> str:
    if not workflow_id.startswith(prefix) or len(workflow_id) == len(prefix):
        raise ValueError(f"{workflow_id!r} is not a {prefix}<id> workflow id")
    return workflow_id[len(prefix) :]


def project_workflow_id(project_id: str) -> str:
    return f"{_PROJECT_PREFIX}{project_id}"


def parse_project_workflow_id(workflow_id: str) -> str:
    return _parse(workflow_id, _PROJECT_PREFIX)


def follow_up_workflow_id(project_id: str) -> str:
    return f"{_FOLLOW_UP_PREFIX}{project_id}"


def parse_follow_up_workflow_id(workflow_id: str) -> str:
    return _parse(workflow_id, _FOLLOW_UP_PREFIX)


def exchange_workflow_id(year: int) -> str:
    return f"{_EXCHANGE_PREFIX}{year}"


def parse_exchange_workflow_id(workflow_id: str) -> int:
    text = _parse(workflow_id, _EXCHANGE_PREFIX)
    if not text.isdigit():
        raise ValueError(f"{workflow_id!r} does not end in a year")
    return int(text)


#: Issue 16: one WebhookDeliveryWorkflow per webhook, `webhook-<webhook id>`, started when the webhook is
#: created, cancelled when it is deleted; the record activity signals it when deliveries are queued.
WEBHOOK_WORKFLOW = "WebhookDeliveryWorkflow"
DELIVERIES_QUEUED_SIGNAL = "deliveries_queued"
_WEBHOOK_PREFIX = "webhook-"


def webhook_workflow_id(webhook_id: str) -> str:
    return f"{_WEBHOOK_PREFIX}{webhook_id}"


def parse_webhook_workflow_id(workflow_id: str) -> str:
    return _parse(workflow_id, _WEBHOOK_PREFIX)
