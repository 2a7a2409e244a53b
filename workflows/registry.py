"""Every workflow the worker runs, and the sandbox they run in.

Kept apart from worker.py so tests can build a worker with stand-in activities without
importing the real activity implementations (and their database drivers).
"""

from __future__ import annotations

from collections.abc import Sequence

from temporalio import workflow
from temporalio.worker.workflow_sandbox import SandboxedWorkflowRunner, SandboxRestrictions

from workflows.activation_guard import GuardedWorkflowRunner, OnRefused
from workflows.digest import WeeklyDigestWorkflow
from workflows.exchange import ExchangeLauncherWorkflow, ExchangeProgrammeWorkflow
from workflows.follow_up import FollowUpWorkflow
from workflows.project import ProjectWorkflow
from workflows.retention import RetentionWorkflow
from workflows.webhooks import WebhookDeliveryWorkflow

#: Names are wire names: never rename a workflow's `name=` in place.
WORKFLOWS: Sequence[type] = (
    ProjectWorkflow,
    FollowUpWorkflow,
    ExchangeProgrammeWorkflow,
    ExchangeLauncherWorkflow,
    RetentionWorkflow,
    WebhookDeliveryWorkflow,
    WeeklyDigestWorkflow,
)


def sandbox_runner(*, strict: bool, on_refused: OnRefused | None = None) -> GuardedWorkflowRunner:
    """The sandbox, behind the activation guard (workflows/activation_guard.py says why every worker
    needs it); `strict` turns a forgotten `imports_passed_through()` into an error (tests, CI)."""
    restrictions = SandboxRestrictions.default
    if strict:
        restrictions = restrictions.with_import_notification_policy(
            workflow.SandboxImportNotificationPolicy.RAISE_ON_UNINTENTIONAL_PASSTHROUGH
        )
    return GuardedWorkflowRunner(SandboxedWorkflowRunner(restrictions=restrictions), on_refused)
