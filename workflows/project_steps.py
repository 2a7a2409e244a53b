"""ProjectWorkflow's steps: the timers, gates and the timeline, apart from its Updates.

What the run loop of ProjectWorkflow (workflows/project.py) does between inputs: open the first
stage, take the dated actions that are due (reminders, due dates, escalations, session reminders,
the display opening and closing), open the next stage when a gate allows, number and record every
event (through workflows.kit), and sleep on a durable timer until the next dated action.
A base class, not a workflow: ProjectWorkflow is the only `@workflow.defn`, so wire names,
handlers and histories are exactly as before the split (issue 13).
"""

from __future__ import annotations

import contextlib
from datetime import timedelta

from temporalio import workflow

with workflow.unsafe.imports_passed_through():
    from domain import timers, transitions
    from domain.events import DomainEvent, EventType, ProjectChanges, RecordedEvent
    from domain.lifecycle import TERMINAL_STAGES, Audience, LifecycleTemplate, Stage
    from domain.state import ProjectInput, ProjectState
    from domain.submissions import Actor
    from domain.transitions import Change
    from workflows import activity_calls, kit
    from workflows.naming import ENGAGE_KIND, ENGAGE_PARTNERS, ENGAGE_STAGE

#: The workflow sets EngageKind and EngagePartners itself in its first task (the API stopped
#: sending search attributes with the start, which cost the create request ~0.55 ms; issue 6).
SEARCH_ATTRIBUTES_PATCH = "6-project-search-attributes"
#: Issue 12: an optional milestone left undone when its stage closes reads `skipped` (was `pending`).
SKIPPED_MILESTONES_PATCH = "12-skipped-milestones"
#: Issue 12: the workshops stage waits until every scheduled session is recorded or cancelled.
SESSIONS_RECORDED_PATCH = "12-sessions-recorded"

_STAGE_CHANGING = frozenset(
    {EventType.STAGE_OPENED, EventType.PROJECT_DECLINED, EventType.PROJECT_WITHDRAWN, EventType.PROJECT_CLOSED}
)


class ProjectSteps:
    """State and steps shared by the run loop and the Update handlers (set in ProjectWorkflow.__init__)."""

    _start: ProjectInput
    _template: LifecycleTemplate
    _state: ProjectState
    _queue: list[RecordedEvent]
    _deliveries: kit.Deliveries

    def _begin(self) -> None:
        if workflow.patched(SEARCH_ATTRIBUTES_PATCH):
            # 👉 For operators' visibility queries; EngageStage follows with the first stage below.
            workflow.upsert_search_attributes(
                [
                    ENGAGE_KIND.value_set(self._template.kind),
                    ENGAGE_PARTNERS.value_set(list(self._state.partner_ids)),
                ]
            )
        # 👉 Who started it: the start input carries them (issue 14); older starts read "system".
        self._emit((EventType.PROJECT_CREATED, None, {"template": self._template.ref}), actor=self._start.created_by)
        self._emit(transitions.open_stage(self._template, self._state, self._template.stages[0].stage, workflow.now()))

    def _ended(self) -> bool:
        return self._state.stage in TERMINAL_STAGES and not self._queue

    async def _wait_for_input_or_next_date(self, planned_at_seq: int) -> None:
        """Sleep until input arrives or the next dated action is due (a durable timer).

        `planned_at_seq` is the event count the timers and gates were last evaluated at; input
        that arrived while events were being recorded has moved it on, so we re-plan at once.
        """
        if self._state.stage in TERMINAL_STAGES:
            return
        upcoming = timers.pending_actions(self._template, self._state)
        timeout: timedelta | None = None
        if upcoming:
            timeout = upcoming[0].at - workflow.now()
            if timeout <= timedelta(0):
                return
        # 👉 Every handler emits an event, so a changed seq means "state changed: re-plan".
        # A timeout is the durable timer firing: some dated action is now due.
        with contextlib.suppress(TimeoutError):
            await workflow.wait_condition(lambda: self._state.event_seq != planned_at_seq, timeout=timeout)

    def _take_due_actions(self) -> None:
        now = workflow.now()
        for action in timers.pending_actions(self._template, self._state):
            if action.at > now:
                break
            change, audience = timers.fire(self._state, action)
            self._emit(change, notify=audience)

    def _open_stages_whose_gate_is_open(self) -> None:
        now = workflow.now()
        while transitions.gate_open(self._template, self._state, now, every_session_recorded=self._sessions_hold()):
            stage_template = self._template.stage(self._state.stage)
            if stage_template is not None and stage_template.closes_with_display:
                for lapsed in transitions.lapse_outstanding(self._state):
                    self._emit(lapsed)
            self._emit(
                transitions.close_stage(self._state, now, skip_optional=workflow.patched(SKIPPED_MILESTONES_PATCH))
            )
            following = transitions.following_stage(self._template, self._state.stage)
            self._emit(transitions.open_stage(self._template, self._state, following, now))

    def _sessions_hold(self) -> bool:
        """Whether an unrecorded session holds the workshops stage open (issue 12: attendance is never lost).

        👉 Patched, and asked only when a session awaits attendance at workshops, so other runs record
        no marker; a run that replays this point without the marker keeps the old gate.
        """
        if self._state.stage is not Stage.WORKSHOPS or not transitions.unrecorded_sessions(self._state):
            return False
        return workflow.patched(SESSIONS_RECORDED_PATCH)

    async def _record_changes(self) -> None:
        """Write every queued event in one activity; start e-mail delivery without waiting on SMTP."""
        while self._queue:
            batch, self._queue = tuple(self._queue), []
            result = await activity_calls.record_project_changes(ProjectChanges(events=batch, snapshot=self._state))
            if result.deliver:
                self._deliveries.start(tuple(e.event.event_id for e in batch if e.notify))

    def _emit(self, change: Change, notify: tuple[Audience, ...] | None = None, actor: Actor | None = None) -> None:
        """Number the event, queue it for recording, and keep the stage search attribute current."""
        event_type, milestone_key, detail = change
        now = workflow.now()
        seq = kit.next_seq(self._state)
        self._state.updated_at = now
        event = DomainEvent(
            project_id=self._state.project_id,
            seq=seq,
            type=event_type,
            occurred_at=now,
            stage=self._state.stage,
            actor=kit.actor_label(actor),
            milestone_key=milestone_key,
            detail=detail,
        )
        audience = notify if notify is not None else self._template.notify.get(event_type.value, ())
        self._queue.append(RecordedEvent(event=event, notify=audience))
        if event_type in _STAGE_CHANGING:
            workflow.upsert_search_attributes([ENGAGE_STAGE.value_set(self._state.stage.value)])
