"""ProjectWorkflow and the workflows around it: its follow-up surveys and its Knowledge Exchange programme.

In follow_up a project runs FollowUpWorkflow as a child (`followup/{project_id}`) and closes when
the last wave closes; closed or withdrawn early, it tells the child to end its waves. A placement
project (a child of `exchange/{year}`) tells its programme when it finishes. Split from
workflows/project.py by what it does (issue 13); ProjectWorkflow is still the only workflow here.
"""

from __future__ import annotations

import asyncio

from temporalio import workflow
from temporalio.exceptions import ChildWorkflowError

with workflow.unsafe.imports_passed_through():
    from domain import transitions
    from domain.events import EventType
    from domain.exchange import PlacementFinished
    from domain.follow_up import FollowUpEnding, FollowUpInput
    from domain.lifecycle import Stage
    from workflows.follow_up import FollowUpWorkflow
    from workflows.naming import follow_up_workflow_id
    from workflows.project_steps import ProjectSteps

#: Issue 3: follow_up runs FollowUpWorkflow instead of waiting for staff to close the project.
FOLLOW_UP_SURVEYS_PATCH = "3-follow-up-surveys"
#: Issue 4: a placement project signals its ExchangeProgrammeWorkflow when it ends.
PLACEMENT_TELLS_PROGRAMME_PATCH = "4-placement-tells-programme"
#: Issue 12: closing (or withdrawing) a project in follow_up ends its surveys and waits for them to finish.
ENDING_ENDS_FOLLOW_UP_PATCH = "12-ending-ends-follow-up"
EXCHANGE_PREFIX = "exchange/"


class ProjectRelations(ProjectSteps):
    """The follow-up child and the programme parent of a project."""

    _follow_up: asyncio.Task[None] | None

    def _start_follow_up_when_due(self) -> None:
        """In follow_up, run the survey waves as a child workflow; when the last closes, close.

        👉 Patched (issue 3): projects that reached follow_up before surveys existed replay
        without the marker and keep the old behaviour, waiting for staff to close them.
        """
        if self._state.stage is not Stage.FOLLOW_UP or self._follow_up is not None:
            return
        if workflow.patched(FOLLOW_UP_SURVEYS_PATCH):
            self._follow_up = asyncio.create_task(self._run_follow_up())

    async def _run_follow_up(self) -> None:
        start = FollowUpInput(
            project_id=self._state.project_id,
            anchor_at=workflow.now(),
            timezone=self._state.timezone,
            offsets=tuple(self._state.follow_up_schedule),
            policy=self._template.follow_up,
        )
        self._emit((EventType.FOLLOW_UP_STARTED, None, {"waves": len(start.offsets)}))
        try:
            # 👉 REQUEST_CANCEL: withdrawing or closing the project early stops its surveys too.
            await workflow.execute_child_workflow(
                FollowUpWorkflow.run,
                start,
                id=follow_up_workflow_id(self._state.project_id),
                parent_close_policy=workflow.ParentClosePolicy.REQUEST_CANCEL,
            )
        except ChildWorkflowError:
            workflow.logger.warning("follow-up ended without completing; staff can close the project")
            return
        if self._state.stage is Stage.FOLLOW_UP:
            self._emit(
                transitions.end_project(self._state, Stage.CLOSED, "the last follow-up wave closed", workflow.now())
            )

    async def _end_follow_up_early(self) -> None:
        """Closed or withdrawn while surveys still run: tell FollowUpWorkflow to end them (open waves
        close, later ones are cancelled) and wait until it has, so no invitation or reminder follows.

        👉 Patched (issue 12): before it, the project returned at once and the child was only sent a
        cancellation request by the parent-close policy, leaving its open waves' links alive.
        """
        if self._follow_up is None or self._follow_up.done():
            return
        if not workflow.patched(ENDING_ENDS_FOLLOW_UP_PATCH):
            return
        ending = FollowUpEnding(reason=self._state.ended_reason)
        try:
            child = workflow.get_external_workflow_handle(follow_up_workflow_id(self._state.project_id))
            await child.signal(FollowUpWorkflow.end_follow_up, ending)
        except Exception:  # the child finished or was terminated meanwhile: nothing left to end
            workflow.logger.warning("could not tell follow-up to end; it may have finished already")
        await self._follow_up

    async def _tell_programme_if_a_placement(self) -> None:
        """A Knowledge Exchange placement tells its programme it has finished (issue 4)."""
        parent = workflow.info().parent
        if parent is None or not parent.workflow_id.startswith(EXCHANGE_PREFIX):
            return
        if not workflow.patched(PLACEMENT_TELLS_PROGRAMME_PATCH):
            return
        finished = PlacementFinished(project_id=self._state.project_id, stage=self._state.stage.value)
        try:
            await workflow.get_external_workflow_handle(parent.workflow_id).signal("note_placement_finished", finished)
        except Exception:  # the programme may have been terminated by an operator: nothing to tell
            workflow.logger.warning("could not tell the programme that a placement finished")
