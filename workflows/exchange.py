"""ExchangeProgrammeWorkflow: one year's Knowledge Exchange, from partners confirming to the
last placement's follow-up.

Id `exchange/{year}`. Partners confirm by their deadline (a lapsed partner can be replaced);
the call for applications opens and closes by itself on its dates; staff shortlist, each
partner selects the colleague it sends and the museum colleague it hosts; staff match them
into placements, each a child ProjectWorkflow (`project/kx{year}-{partner}-in|out`) on the
`knowledge-exchange-placement` template, left running on its own (ABANDON) so the programme
can continue-as-new while placements and their follow-ups run for years. Each applicant is
acknowledged by e-mail once their application is noted; once everyone is placed each applicant
is told the outcome (selected, with host and dates, or not); the programme closes when every
placement has. A placement moved after its project started tells that project its new dates.

Updates: confirm_partner, replace_partner, shortlist, select_applicants, match_placements,
    move_placement
Signals: note_application(ApplicationReceived) — applications arrive in bursts near the
    deadline, so the API stores each (validated) and signals; never Updates on this one workflow.
    note_placement_finished(PlacementFinished) — from each placement's ProjectWorkflow.
    forget_application(ApplicationForgotten), forget_lead(LeadForgotten) — erasure (issue 14): an
    unplaced application leaves the programme; a lead whose address has that hash becomes a placeholder.
Query: status -> ExchangeState
Activities: record_exchange_changes, register_placement, notify_unsuccessful_applicants (every
    applicant's outcome), acknowledge_applications.
Signals sent: note_placement_dates(PlacementRescheduled) to a started placement that moved.

Who acts is checked here, not only by the API (issue 13): every Update's input names its actor, and
the validators (domain.exchange_rules) let a partner confirm and select only for itself, and only
staff replace partners, shortlist, match and move placements.

This module holds the two workflows, the programme's run loop and its handlers; the loop's steps
(dates, placements, e-mails, the timeline) are in workflows/exchange_steps.py.
"""

from __future__ import annotations

from temporalio import workflow
from temporalio.common import WorkflowIDReusePolicy
from temporalio.exceptions import WorkflowAlreadyStartedError

with workflow.unsafe.imports_passed_through():
    from domain import erasure
    from domain import exchange_rules as rules
    from domain.exchange import (
        ApplicationReceived,
        ExchangeEventType,
        ExchangeInput,
        ExchangeState,
        ExchangeYearPlan,
        MatchPlan,
        PartnerConfirmation,
        PartnerReplacement,
        Phase,
        PlacementDates,
        PlacementFinished,
        SelectionDecision,
        Shortlisting,
    )
    from workflows import kit

    # 👉 The loop's steps live in a base class, split by what they do (issue 13).
    from workflows.exchange_steps import ACKNOWLEDGE_BATCH, SEARCH_ATTRIBUTES_PATCH, ExchangeSteps
    from workflows.naming import (
        EXCHANGE_LAUNCHER_WORKFLOW,
        EXCHANGE_WORKFLOW,
        exchange_workflow_id,
    )

__all__ = [
    "ACKNOWLEDGE_BATCH",
    "APPLICANT_EMAILS_PATCH",
    "PLACEMENT_DATES_PATCH",
    "SEARCH_ATTRIBUTES_PATCH",
    "ExchangeLauncherWorkflow",
    "ExchangeProgrammeWorkflow",
]

#: Issue 12: a started placement that moves is told its new dates (its summary follows).
PLACEMENT_DATES_PATCH = "12-placement-dates"
#: Issue 12: each application is acknowledged by e-mail once noted.
APPLICANT_EMAILS_PATCH = "12-applicant-emails"


@workflow.defn(name=EXCHANGE_WORKFLOW)
class ExchangeProgrammeWorkflow(ExchangeSteps):
    @workflow.init
    def __init__(self, start: ExchangeInput) -> None:
        self._start = start
        self._state = start.carried_state or rules.new_programme(start)
        self._queue = []
        self._attributes_phase = None

    @workflow.run
    async def run(self, start: ExchangeInput) -> ExchangeState:
        if start.carried_state is None:
            # 👉 Who opened it: the start input carries them (issue 14); older starts read "system".
            opened = {"partners": str(len(start.partner_ids))}
            self._emit(ExchangeEventType.PROGRAMME_OPENED, opened, actor=start.created_by)
        while self._state.phase is not Phase.CLOSED:
            self._take_due_dates()
            self._close_when_every_placement_has()
            self._keep_search_attributes_current()
            planned_at_seq = self._state.event_seq
            await self._record()
            await self._start_new_placements()
            await self._tell_moved_placements()
            await self._tell_unsuccessful_applicants_once_everyone_is_placed()
            await self._acknowledge_applications()
            if kit.history_is_long(self._start.max_history_events):
                await kit.continue_as_new(lambda: self._start, self._state, self._record)  # read after the flush
            await self._wait_for_input_or_next_date(planned_at_seq)
        await workflow.wait_condition(workflow.all_handlers_finished)
        await self._record()
        return self._state

    # -- updates and signals ----------------------------------------------------------------------

    @workflow.update
    def confirm_partner(self, confirmation: PartnerConfirmation) -> ExchangeState:
        self._emit(*rules.confirm(self._state, confirmation, workflow.now()), actor=confirmation.actor)
        return self._state

    @confirm_partner.validator
    def _validate_confirm_partner(self, confirmation: PartnerConfirmation) -> None:
        kit.refuse_unless(lambda: rules.check_confirm(self._state, confirmation, workflow.now()))

    @workflow.update
    def replace_partner(self, replacement: PartnerReplacement) -> ExchangeState:
        self._emit(*rules.replace(self._state, replacement, workflow.now()), actor=replacement.actor)
        return self._state

    @replace_partner.validator
    def _validate_replace_partner(self, replacement: PartnerReplacement) -> None:
        kit.refuse_unless(lambda: rules.check_replace(self._state, replacement))

    @workflow.update
    def shortlist(self, shortlisting: Shortlisting) -> ExchangeState:
        self._state.shortlisted.append(shortlisting.application_id)
        self._emit(
            ExchangeEventType.APPLICANT_SHORTLISTED, {"application_id": shortlisting.application_id}, shortlisting.actor
        )
        return self._state

    @shortlist.validator
    def _validate_shortlist(self, shortlisting: Shortlisting) -> None:
        kit.refuse_unless(lambda: rules.check_shortlist(self._state, shortlisting))

    @workflow.update
    def select_applicants(self, decision: SelectionDecision) -> ExchangeState:
        self._emit(*rules.select(self._state, decision), actor=decision.actor)
        return self._state

    @select_applicants.validator
    def _validate_select_applicants(self, decision: SelectionDecision) -> None:
        kit.refuse_unless(lambda: rules.check_selection(self._state, decision))

    @workflow.update
    def match_placements(self, plan: MatchPlan) -> ExchangeState:
        for placement in rules.match(self._state, plan):
            self._emit(ExchangeEventType.PLACEMENT_MATCHED, {"placement_id": placement.id}, plan.actor)
        return self._state

    @match_placements.validator
    def _validate_match_placements(self, plan: MatchPlan) -> None:
        kit.refuse_unless(lambda: rules.check_match(self._state, plan))

    @workflow.update
    def move_placement(self, dates: PlacementDates) -> ExchangeState:
        self._emit(*rules.move(self._state, dates), actor=dates.actor)
        placement = self._state.placement(dates.placement_id)
        if (
            placement is not None
            and placement.started
            and placement.id not in self._state.moved_untold
            and workflow.patched(PLACEMENT_DATES_PATCH)
        ):
            self._state.moved_untold.append(placement.id)
        return self._state

    @move_placement.validator
    def _validate_move_placement(self, dates: PlacementDates) -> None:
        kit.refuse_unless(lambda: rules.check_move(self._state, dates))

    @workflow.signal
    def note_application(self, application: ApplicationReceived) -> None:
        # The API decided the application was in time; its signal may land just after closing.
        # 👉 An erased application stays forgotten (issue 14): the list is empty in runs before it.
        if (
            self._state.phase is not Phase.CLOSED
            and application.application_id not in self._state.forgotten_applications
        ):
            new = application.application_id not in self._state.applications
            rules.note_application(self._state, application)
            if new and workflow.patched(APPLICANT_EMAILS_PATCH):
                self._state.to_acknowledge.append(application.application_id)

    @workflow.signal
    def note_placement_finished(self, finished: PlacementFinished) -> None:
        placement = next((p for p in self._state.placements if p.project_id == finished.project_id), None)
        if placement is not None and not placement.finished:
            placement.finished = True
            self._emit(ExchangeEventType.PLACEMENT_FINISHED, {"placement_id": placement.id, "stage": finished.stage})

    @workflow.signal
    def forget_application(self, forgotten: erasure.ApplicationForgotten) -> None:
        """Erasure (issue 14): an unplaced application leaves every list; a second signal finds nothing.
        A new handler, so no history before it holds this signal and no patch is needed."""
        if erasure.forget_application(self._state, forgotten.application_id):
            self._emit(ExchangeEventType.APPLICATION_FORGOTTEN, {"application_id": forgotten.application_id})

    @workflow.signal
    def forget_lead(self, forgotten: erasure.LeadForgotten) -> None:
        """Erasure (issue 14): the programme's lead, if the hash is theirs, becomes the placeholder, in the
        state and in the input placements and a continued run are made from."""
        hashed = forgotten.email_hash
        if not (erasure.is_person(self._state.lead, hashed) or erasure.is_person(self._start.lead, hashed)):
            return
        self._state.lead = erasure.ERASED_PERSON
        self._start = self._start.model_copy(update={"lead": erasure.ERASED_PERSON})
        self._emit(ExchangeEventType.LEAD_FORGOTTEN, {})

    @workflow.query
    def status(self) -> ExchangeState:
        return self._state


@workflow.defn(name=EXCHANGE_LAUNCHER_WORKFLOW)
class ExchangeLauncherWorkflow:
    """Started by the yearly Temporal Schedule: opens `exchange/{year}` for the year it fires in.

    A Schedule names its runs `<schedule id>-<timestamp>`, so this small launcher gives the
    programme its proper id. Starting a year that already exists (a re-fired schedule, or
    staff opened it by hand) is a no-op.
    """

    @workflow.run
    async def run(self, plan: ExchangeYearPlan) -> str:
        start = plan.programme_input(workflow.now())
        programme_id = exchange_workflow_id(start.year)
        try:
            await workflow.start_child_workflow(
                ExchangeProgrammeWorkflow.run,
                start,
                id=programme_id,
                parent_close_policy=workflow.ParentClosePolicy.ABANDON,
                # A year runs once, even when the schedule fires again after it has closed.
                id_reuse_policy=WorkflowIDReusePolicy.REJECT_DUPLICATE,
            )
        except WorkflowAlreadyStartedError:
            workflow.logger.info("programme already open", extra={"programme": programme_id})
        return programme_id
