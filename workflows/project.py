"""ProjectWorkflow: one community project, from proposal to follow-up, driven by its pinned template.

Id `project/{project_id}` (workflows.naming). The template travels in the start input, so the
process a project follows is the one it started with, whatever templates ship later.

Updates (validated; a refusal is an ApplicationError typed by `domain.rules.RefusalKind`, with
`{"field", "reason"}` details, so the API answers 4xx with both):
    submit_milestone, review_milestone, schedule_workshop, record_attendance, cancel_workshop, set_display,
    pause, resume, withdraw, close, set_follow_up_schedule, edit_project (issue 15)
Signals: note_placement_dates(PlacementRescheduled) — from the Knowledge Exchange programme when staff
    move a placement's five days (issue 12): the summary follows.
    forget_lead(LeadForgotten) — erasure (issue 14): a lead whose address has that hash becomes
    `domain.erasure.ERASED_PERSON` in the state and in the input a continued run starts from.
Query: status -> ProjectState
Child: FollowUpWorkflow (`followup/{project_id}`) once the project reaches follow_up; the project
    closes itself when the child's last wave closes.
Emits (through the `record_project_changes` activity, batched, in order, gap-free `seq`):
    every `domain.events.EventType`; e-mails where the template's `notify` or a reminder policy says.

Handlers only check and change state (opening the next stage at once when their input completes
a gate, so the caller sees the new stage in the reply); they never await. The main loop records what changed,
sleeps on a durable timer until the next dated action (reminder, due date, escalation, session
reminder, display opening or closing), takes it, and opens the next stage when the gate allows.

Who acts is checked here, not only by the API: every Update's input names its actor, and the
validators refuse a wrong party or no actor at all (issue 13). This module holds the workflow, its
run loop and its updates and query; the loop's steps are in workflows/project_steps.py (timers, gates, the
timeline) and workflows/project_relations.py (the follow-up child, the programme parent), and the signals
other workflows and erasure send in workflows/project_signals.py.
"""

from __future__ import annotations

from temporalio import workflow

with workflow.unsafe.imports_passed_through():
    from domain import rules, transitions
    from domain.events import EventType
    from domain.follow_up import Reschedule
    from domain.lifecycle import Audience, Stage
    from domain.project_edits import ProjectEdit, apply_edit, check_edit
    from domain.state import DisplayState, MilestoneState, ProjectInput, ProjectState, WorkshopState
    from domain.submissions import (
        Attendance,
        Decision,
        DisplayPlan,
        MilestoneSubmission,
        ReviewDecision,
        StaffAction,
        WorkshopCancellation,
        WorkshopSession,
    )
    from workflows import kit
    from workflows.naming import ENGAGE_PARTNERS, PROJECT_WORKFLOW

    # 👉 The steps live in base classes, split by what they do (issues 13, 16); every patch name stays
    # importable from here, where the replay tests and operators look for them.
    from workflows.project_relations import (
        ENDING_ENDS_FOLLOW_UP_PATCH,
        EXCHANGE_PREFIX,
        FOLLOW_UP_SURVEYS_PATCH,
        PLACEMENT_TELLS_PROGRAMME_PATCH,
    )
    from workflows.project_signals import ProjectSignals
    from workflows.project_steps import SEARCH_ATTRIBUTES_PATCH, SESSIONS_RECORDED_PATCH, SKIPPED_MILESTONES_PATCH

__all__ = [
    "DECLINED_MILESTONE_PATCH",
    "ENDING_ENDS_FOLLOW_UP_PATCH",
    "EXCHANGE_PREFIX",
    "FOLLOW_UP_SURVEYS_PATCH",
    "OUTCOME_RATINGS_PATCH",
    "PLACEMENT_TELLS_PROGRAMME_PATCH",
    "SEARCH_ATTRIBUTES_PATCH",
    "SESSIONS_RECORDED_PATCH",
    "SKIPPED_MILESTONES_PATCH",
    "ProjectWorkflow",
]

#: Issue 12: a declined proposal reads `declined` (was `returned`).
DECLINED_MILESTONE_PATCH = "12-declined-milestone"
#: Issue 16: reflections' outcome ratings and edited intended outcomes are kept (patched only where they come).
OUTCOME_RATINGS_PATCH = "16-outcome-ratings"


@workflow.defn(name=PROJECT_WORKFLOW)
class ProjectWorkflow(ProjectSignals):
    @workflow.init
    def __init__(self, start: ProjectInput) -> None:
        self._start = start
        self._template = start.template
        self._state = start.carried_state or transitions.new_project(start)
        self._queue = []
        self._deliveries = kit.Deliveries()
        self._follow_up = None

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
                # 👉 The input is read after the flush: a forget_lead taken meanwhile is carried (issue 14).
                await kit.continue_as_new(
                    lambda: self._start, self._state, self._record_changes, self._deliveries.finish
                )
            await self._wait_for_input_or_next_date(planned_at_seq)
        await workflow.wait_condition(workflow.all_handlers_finished)
        await self._record_changes()
        await self._end_follow_up_early()
        await self._deliveries.finish()
        await self._tell_programme_if_a_placement()
        return self._state

    # -- updates --------------------------------------------------------------------------------

    @workflow.update
    def submit_milestone(self, submission: MilestoneSubmission) -> MilestoneState:
        if submission.outcome_ratings and not workflow.patched(OUTCOME_RATINGS_PATCH):  # only where ratings come
            submission = submission.model_copy(update={"outcome_ratings": {}})
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
        self._emit(transitions.add_workshop(self._state, session), actor=session.actor)
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
        self._emit(transitions.set_display(self._state, plan), actor=plan.actor)
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
        self._emit((EventType.FOLLOW_UP_SCHEDULED, None, {"offsets": ",".join(change.offsets)}), actor=change.actor)
        return self._state

    @set_follow_up_schedule.validator
    def _validate_set_follow_up_schedule(self, change: Reschedule) -> None:
        kit.refuse_unless(lambda: rules.check_follow_up_schedule(self._state, change))

    @workflow.update
    def edit_project(self, edit: ProjectEdit) -> ProjectState:
        """Staff change title, summary, lead, partners (issue 15; no patch: a new handler) or intended outcomes
        (issue 16, patched where they come). The start input follows: a continued run carries no former lead."""
        if edit.intended_outcomes is not None and not workflow.patched(OUTCOME_RATINGS_PATCH):
            edit = edit.model_copy(update={"intended_outcomes": None})
        change = apply_edit(self._state, edit)
        if change is None:
            return self._state
        self._start = self._start.model_copy(
            update={
                "title": self._state.title,
                "summary": self._state.summary,
                "lead": self._state.lead,
                "partner_ids": tuple(self._state.partner_ids),
                "intended_outcomes": dict(self._state.intended_outcomes),
            }
        )
        self._emit(change, actor=edit.actor)
        if "partner_ids" in str(change[2]["fields"]):
            workflow.upsert_search_attributes([ENGAGE_PARTNERS.value_set(list(self._state.partner_ids))])
        return self._state

    @edit_project.validator
    def _validate_edit_project(self, edit: ProjectEdit) -> None:
        kit.refuse_unless(lambda: check_edit(self._state, edit))

    @workflow.query
    def status(self) -> ProjectState:
        return self._state

    def _milestone(self, key: str) -> MilestoneState:
        milestone = self._state.milestone(key)
        assert milestone is not None  # validators refuse unknown keys
        return milestone
