"""ProjectWorkflow: one community project, from proposal to follow-up, driven by its pinned template.

Id `project/{project_id}` (workflows.naming). The template travels in the start input, so the
process a project follows is the one it started with, whatever templates ship later.

Updates (validated; a refusal is an ApplicationError typed by `domain.rules.RefusalKind`, with
`{"field", "reason"}` details, so the API answers 4xx with both):
    submit_milestone, review_milestone, schedule_workshop, record_attendance, cancel_workshop, set_display,
    pause, resume, withdraw, close, set_follow_up_schedule
Signal: note_placement_dates(PlacementRescheduled) — from the Knowledge Exchange programme when staff
    move a placement's five days (issue 12): the summary follows.
Query: status -> ProjectState
Child: FollowUpWorkflow (`followup/{project_id}`) once the project reaches follow_up; the project
    closes itself when the child's last wave closes.
Emits (through the `record_project_changes` activity, batched, in order, gap-free `seq`):
    every `domain.events.EventType`; e-mails where the template's `notify` or a reminder policy says.

Handlers only check and change state (opening the next stage at once when their input completes
a gate, so the caller sees the new stage in the reply); they never await. The main loop records what changed,
sleeps on a durable timer until the next dated action (reminder, due date, escalation, session
reminder, display opening or closing), takes it, and opens the next stage when the gate allows.
"""

from __future__ import annotations

import asyncio
import contextlib
from datetime import timedelta

from temporalio import workflow
from temporalio.exceptions import ChildWorkflowError

with workflow.unsafe.imports_passed_through():
    from domain import rules, timers, transitions
    from domain.events import DomainEvent, EventType, ProjectChanges, RecordedEvent
    from domain.exchange import PlacementFinished, PlacementRescheduled
    from domain.follow_up import FollowUpEnding, FollowUpInput, Reschedule
    from domain.lifecycle import TERMINAL_STAGES, Audience, Stage
    from domain.state import DisplayState, MilestoneState, ProjectInput, ProjectState, WorkshopState
    from domain.submissions import (
        Actor,
        Attendance,
        Decision,
        DisplayPlan,
        MilestoneSubmission,
        ReviewDecision,
        StaffAction,
        WorkshopCancellation,
        WorkshopSession,
    )
    from domain.transitions import Change
    from workflows import activity_calls, kit
    from workflows.follow_up import FollowUpWorkflow
    from workflows.naming import ENGAGE_KIND, ENGAGE_PARTNERS, ENGAGE_STAGE, PROJECT_WORKFLOW, follow_up_workflow_id

#: Issue 3: follow_up runs FollowUpWorkflow instead of waiting for staff to close the project.
FOLLOW_UP_SURVEYS_PATCH = "3-follow-up-surveys"
#: Issue 4: a placement project signals its ExchangeProgrammeWorkflow when it ends.
PLACEMENT_TELLS_PROGRAMME_PATCH = "4-placement-tells-programme"
#: The workflow sets EngageKind and EngagePartners itself in its first task (the API stopped
#: sending search attributes with the start, which cost the create request ~0.55 ms; issue 6).
SEARCH_ATTRIBUTES_PATCH = "6-project-search-attributes"
#: Issue 12: a declined proposal reads `declined` (was `returned`).
DECLINED_MILESTONE_PATCH = "12-declined-milestone"
#: Issue 12: an optional milestone left undone when its stage closes reads `skipped` (was `pending`).
SKIPPED_MILESTONES_PATCH = "12-skipped-milestones"
#: Issue 12: the workshops stage waits until every scheduled session is recorded or cancelled.
SESSIONS_RECORDED_PATCH = "12-sessions-recorded"
#: Issue 12: closing (or withdrawing) a project in follow_up ends its surveys and waits for them to finish.
ENDING_ENDS_FOLLOW_UP_PATCH = "12-ending-ends-follow-up"
EXCHANGE_PREFIX = "exchange/"

_STAGE_CHANGING = frozenset(
    {EventType.STAGE_OPENED, EventType.PROJECT_DECLINED, EventType.PROJECT_WITHDRAWN, EventType.PROJECT_CLOSED}
)


@workflow.defn(name=PROJECT_WORKFLOW)
class ProjectWorkflow:
    @workflow.init
    def __init__(self, start: ProjectInput) -> None:
        self._start = start
        self._template = start.template
        self._state: ProjectState = start.carried_state or transitions.new_project(start)
        self._queue: list[RecordedEvent] = []
        self._deliveries = kit.Deliveries()
        self._follow_up: asyncio.Task[None] | None = None

    @workflow.run
    async def run(self, start: ProjectInput) -> ProjectState:
        if start.carried_state is None:
            self._begin()
        while not self._ended():
            self._take_due_actions()
            self._open_stages_whose_gate_is_open()
            self._start_follow_up_when_due()
            planned_at_seq = self._state.event_seq
            await self._record_changes()
            if kit.history_is_long(self._start.max_history_events):
                await kit.continue_as_new(self._start, self._state, self._record_changes, self._deliveries.finish)
            await self._wait_for_input_or_next_date(planned_at_seq)
        await workflow.wait_condition(workflow.all_handlers_finished)
        await self._record_changes()
        await self._end_follow_up_early()
        await self._deliveries.finish()
        await self._tell_programme_if_a_placement()
        return self._state

    # -- the steps of the story ---------------------------------------------------------------

    def _begin(self) -> None:
        if workflow.patched(SEARCH_ATTRIBUTES_PATCH):
            # 👉 For operators' visibility queries; EngageStage follows with the first stage below.
            workflow.upsert_search_attributes(
                [
                    ENGAGE_KIND.value_set(self._template.kind),
                    ENGAGE_PARTNERS.value_set(list(self._state.partner_ids)),
                ]
            )
        self._emit((EventType.PROJECT_CREATED, None, {"template": self._template.ref}))
        self._emit(transitions.open_stage(self._template, self._state, self._template.stages[0].stage, workflow.now()))

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

    # -- updates --------------------------------------------------------------------------------

    @workflow.update
    def submit_milestone(self, submission: MilestoneSubmission) -> MilestoneState:
        self._emit(transitions.apply_submission(self._state, submission, workflow.now()), actor=submission.actor)
        self._open_stages_whose_gate_is_open()
        return self._milestone(submission.milestone_key)

    @submit_milestone.validator
    def _validate_submit_milestone(self, submission: MilestoneSubmission) -> None:
        kit.refuse_unless(lambda: rules.check_submission(self._template, self._state, submission))

    @workflow.update
    def review_milestone(self, review: ReviewDecision) -> MilestoneState:
        # 👉 Patched only where it matters (a decline), so other reviews record no marker.
        declined = review.decision is not Decision.DECLINE or workflow.patched(DECLINED_MILESTONE_PATCH)
        change = transitions.apply_review(self._state, review, workflow.now(), mark_declined=declined)
        self._emit(change, actor=review.actor)
        self._open_stages_whose_gate_is_open()
        return self._milestone(review.milestone_key)

    @review_milestone.validator
    def _validate_review_milestone(self, review: ReviewDecision) -> None:
        kit.refuse_unless(lambda: rules.check_review(self._template, self._state, review))

    @workflow.update
    def schedule_workshop(self, session: WorkshopSession) -> WorkshopState:
        self._emit(transitions.add_workshop(self._state, session))
        return self._state.workshops[-1]

    @schedule_workshop.validator
    def _validate_schedule_workshop(self, session: WorkshopSession) -> None:
        kit.refuse_unless(lambda: rules.check_workshop(self._template, self._state, session, session.actor))

    @workflow.update
    def record_attendance(self, attendance: Attendance) -> WorkshopState:
        self._emit(transitions.record_attendance(self._state, attendance, workflow.now()), actor=attendance.actor)
        self._open_stages_whose_gate_is_open()
        workshop = self._state.workshop(attendance.workshop_id)
        assert workshop is not None  # the validator checked it exists
        return workshop

    @record_attendance.validator
    def _validate_record_attendance(self, attendance: Attendance) -> None:
        kit.refuse_unless(lambda: rules.check_attendance(self._state, attendance, workflow.now()))

    @workflow.update
    def cancel_workshop(self, cancellation: WorkshopCancellation) -> WorkshopState:
        change = transitions.cancel_workshop(self._state, cancellation, workflow.now())
        self._emit(change, notify=(Audience.PARTNERS,), actor=cancellation.actor)
        self._open_stages_whose_gate_is_open()
        workshop = self._state.workshop(cancellation.workshop_id)
        assert workshop is not None  # the validator checked it exists
        return workshop

    @cancel_workshop.validator
    def _validate_cancel_workshop(self, cancellation: WorkshopCancellation) -> None:
        kit.refuse_unless(lambda: rules.check_cancel_workshop(self._state, cancellation))

    @workflow.update
    def set_display(self, plan: DisplayPlan) -> DisplayState:
        self._emit(transitions.set_display(self._state, plan))
        assert self._state.display is not None
        return self._state.display

    @set_display.validator
    def _validate_set_display(self, plan: DisplayPlan) -> None:
        kit.refuse_unless(lambda: rules.check_display(self._template, self._state, plan, plan.actor))

    @workflow.update
    def pause(self, request: StaffAction) -> ProjectState:
        self._emit(transitions.pause(self._state, request.reason, workflow.now()), actor=request.actor)
        return self._state

    @pause.validator
    def _validate_pause(self, request: StaffAction) -> None:
        kit.refuse_unless(lambda: rules.check_pause(self._state, request.actor))

    @workflow.update
    def resume(self, request: StaffAction) -> ProjectState:
        self._emit(transitions.resume(self._state, workflow.now()), actor=request.actor)
        return self._state

    @resume.validator
    def _validate_resume(self, request: StaffAction) -> None:
        kit.refuse_unless(lambda: rules.check_resume(self._state, request.actor))

    @workflow.update
    def withdraw(self, request: StaffAction) -> ProjectState:
        change = transitions.end_project(self._state, Stage.WITHDRAWN, request.reason, workflow.now())
        self._emit(change, actor=request.actor)
        return self._state

    @withdraw.validator
    def _validate_withdraw(self, request: StaffAction) -> None:
        kit.refuse_unless(lambda: rules.check_withdraw(self._state, request.actor, request.reason))

    @workflow.update
    def close(self, request: StaffAction) -> ProjectState:
        change = transitions.end_project(self._state, Stage.CLOSED, request.reason, workflow.now())
        self._emit(change, actor=request.actor)
        return self._state

    @close.validator
    def _validate_close(self, request: StaffAction) -> None:
        kit.refuse_unless(lambda: rules.check_close(self._state, request.actor))

    @workflow.update
    def set_follow_up_schedule(self, change: Reschedule) -> ProjectState:
        """Before follow-up starts, change the offsets its waves will use (afterwards the API
        sends the same change to FollowUpWorkflow.reschedule)."""
        assert change.offsets is not None
        self._state.follow_up_schedule = list(change.offsets)
        self._emit((EventType.FOLLOW_UP_SCHEDULED, None, {"offsets": ",".join(change.offsets)}))
        return self._state

    @set_follow_up_schedule.validator
    def _validate_set_follow_up_schedule(self, change: Reschedule) -> None:
        kit.refuse_unless(lambda: rules.check_follow_up_schedule(self._state, change))

    @workflow.signal
    def note_placement_dates(self, moved: PlacementRescheduled) -> None:
        """The programme moved this placement (issue 12). A new handler, sent only by programmes
        patched with 12-placement-dates, so no history before it holds this signal."""
        if self._state.stage in TERMINAL_STAGES or self._state.summary == moved.summary:
            return
        self._state.summary = moved.summary
        self._emit(
            (
                EventType.PLACEMENT_RESCHEDULED,
                None,
                {"starts_on": moved.starts_on.isoformat(), "ends_on": moved.ends_on.isoformat()},
            )
        )

    @workflow.query
    def status(self) -> ProjectState:
        return self._state

    def _milestone(self, key: str) -> MilestoneState:
        milestone = self._state.milestone(key)
        assert milestone is not None  # validators refuse unknown keys
        return milestone
