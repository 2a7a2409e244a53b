"""Stand-in workflows for tests/replay/test_replay_exported.py, in a module of their own because
the sandbox re-imports a workflow's module and must not run the test module's file-system setup."""

from __future__ import annotations

from datetime import timedelta

from temporalio import workflow

with workflow.unsafe.imports_passed_through():
    from domain.state import ProjectInput, ProjectState
    from workflows.naming import PROJECT_WORKFLOW
    from workflows.project import ProjectWorkflow


@workflow.defn(name=PROJECT_WORKFLOW)
class DifferentProjectWorkflow(ProjectWorkflow):
    """A deploy that changed ProjectWorkflow's first command: no recorded project replays on it."""

    @workflow.run
    async def run(self, start: ProjectInput) -> ProjectState:
        await workflow.sleep(timedelta(days=1))
        return await super().run(start)


@workflow.defn(name="ExportProbe")
class ExportProbe:
    """Continues as new once, then starts a child: what the export must follow without visibility."""

    @workflow.run
    async def run(self, generation: int) -> None:
        if generation == 0:
            workflow.continue_as_new(1)
        if generation == 1:
            await workflow.execute_child_workflow(ExportProbe.run, 2, id=f"{workflow.info().workflow_id}/child")
