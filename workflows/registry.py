"""Every workflow the worker runs, and the sandbox they run in.

Kept apart from worker.py so tests can build a worker with stand-in activities without
importing the real activity implementations (and their database drivers).
"""

from __future__ import annotations

from collections.abc import Sequence

from temporalio import workflow
from temporalio.worker.workflow_sandbox import SandboxedWorkflowRunner, SandboxRestrictions

from workflows.exchange import ExchangeLauncherWorkflow, ExchangeProgrammeWorkflow
from workflows.follow_up import FollowUpWorkflow
from workflows.project import ProjectWorkflow

#: Names are wire names: never rename a workflow's `name=` in place.
WORKFLOWS: Sequence[type] = (ProjectWorkflow, FollowUpWorkflow, ExchangeProgrammeWorkflow, ExchangeLauncherWorkflow)


def sandbox_runner(*, strict: bool) -> SandboxedWorkflowRunner:
    """The sandbox; `strict` turns a forgotten `imports_passed_through()` into an error (tests, CI)."""
    restrictions = SandboxRestrictions.default
    if strict:
        restrictions = restrictions.with_import_notification_policy(
            workflow.SandboxImportNotificationPolicy.RAISE_ON_UNINTENTIONAL_PASSTHROUGH
        )
    return SandboxedWorkflowRunner(restrictions=restrictions)
