"""A deliberately incompatible ProjectWorkflow, registered under the real name, to wedge a project.

What a bad deploy looks like to Temporal: the new code's first command (a timer) is not the
recorded one (the search attributes and the first activity), so every replay of an existing
project fails with a nondeterminism error and its workflow tasks fail over and over. Used only
by tests, with `max_cached_workflows=0` so every task (query, update) replays from the start.
"""

from __future__ import annotations

from datetime import timedelta

from temporalio import workflow

with workflow.unsafe.imports_passed_through():
    from domain.exchange import ExchangeInput, ExchangeState
    from domain.state import ProjectInput, ProjectState
    from workflows.exchange import ExchangeProgrammeWorkflow
    from workflows.naming import EXCHANGE_WORKFLOW, PROJECT_WORKFLOW
    from workflows.project import ProjectWorkflow


@workflow.defn(name=PROJECT_WORKFLOW)
class IncompatibleProjectWorkflow(ProjectWorkflow):
    @workflow.run
    async def run(self, start: ProjectInput) -> ProjectState:
        await workflow.sleep(timedelta(days=1))  # not what any recorded history did first
        return await super().run(start)


@workflow.defn(name=EXCHANGE_WORKFLOW)
class IncompatibleExchangeProgrammeWorkflow(ExchangeProgrammeWorkflow):
    @workflow.run
    async def run(self, start: ExchangeInput) -> ExchangeState:
        await workflow.sleep(timedelta(days=1))  # not what any recorded history did first
        return await super().run(start)
