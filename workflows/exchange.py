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
Query: status -> ExchangeState
Activities: record_exchange_changes, register_placement, notify_unsuccessful_applicants (every
    applicant's outcome), acknowledge_applications.
Signals sent: note_placement_dates(PlacementRescheduled) to a started placement that moved.
"""

from __future__ import annotations

import contextlib
from datetime import datetime, timedelta

from temporalio import workflow
from temporalio.common import WorkflowIDReusePolicy
from temporalio.exceptions import WorkflowAlreadyStartedError

with workflow.unsafe.imports_passed_through():
    from domain import exchange_rules as rules
    from domain.exchange import (
        ApplicantsToTell,
        ApplicationReceived,
        ApplicationsToAcknowledge,
        ExchangeChanges,
        ExchangeEvent,
        ExchangeEventType,
        ExchangeInput,
        ExchangeState,
        ExchangeYearPlan,
        MatchPlan,
        PartnerConfirmation,
        PartnerReplacement,
        PartnerStatus,
        Phase,
        Placement,
        PlacementDates,
        PlacementFinished,
        PlacementRegistration,
        PlacementRescheduled,
        SelectionDecision,
        Shortlisting,
        placement_summary,
    )
    from domain.state import ProjectInput
    from domain.submissions import Actor
    from workflows import activity_calls, kit
    from workflows.naming import (
        ENGAGE_KIND,
        ENGAGE_PARTNERS,
        ENGAGE_STAGE,
        EXCHANGE_LAUNCHER_WORKFLOW,
        EXCHANGE_WORKFLOW,
        exchange_workflow_id,
        project_workflow_id,
    )
    from workflows.project import ProjectWorkflow

#: Issue 4 follow-up: the programme keeps its search attributes current itself.
SEARCH_ATTRIBUTES_PATCH = "4-exchange-search-attributes"
#: Issue 12: a started placement that moves is told its new dates (its summary follows).
PLACEMENT_DATES_PATCH = "12-placement-dates"
#: Issue 12: each application is acknowledged by e-mail once noted.
APPLICANT_EMAILS_PATCH = "12-applicant-emails"
#: At most this many acknowledgements per activity: a burst before the deadline is sent in batches.
ACKNOWLEDGE_BATCH = 100


@workflow.defn(name=EXCHANGE_WORKFLOW)
class ExchangeProgrammeWorkflow:
    @workflow.init
    def __init__(self, start: ExchangeInput) -> None:
        self._start = start
        self._state: ExchangeState = start.carried_state or rules.new_programme(start)
        self._queue: list[ExchangeEvent] = []
        self._attributes_phase: Phase | None = None

    @workflow.run
    async def run(self, start: ExchangeInput) -> ExchangeState:
        if start.carried_state is None:
            self._emit(ExchangeEventType.PROGRAMME_OPENED, {"partners": str(len(start.partner_ids))})
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
                await kit.continue_as_new(self._start, self._state, self._record)
            await self._wait_for_input_or_next_date(planned_at_seq)
        await workflow.wait_condition(workflow.all_handlers_finished)
        await self._record()
        return self._state

    # -- the steps of the story ---------------------------------------------------------------

    def _next_date(self) -> datetime | None:
        state = self._state
        dates = [p.confirm_by for p in state.partners if p.status is PartnerStatus.PENDING]
        if state.phase is Phase.CONFIRMING:
            dates.append(state.applications_opens_at)
        if state.phase in (Phase.CONFIRMING, Phase.APPLICATIONS):
            dates.append(state.applications_closes_at)
        return min(dates) if dates else None

    def _take_due_dates(self) -> None:
        now, state = workflow.now(), self._state
        for change in rules.lapse_unconfirmed(state, now):
            self._emit(*change)
        if state.phase is Phase.CONFIRMING and state.applications_opens_at <= now:
            state.phase = Phase.APPLICATIONS
            self._emit(ExchangeEventType.APPLICATIONS_OPENED, {})
        if state.phase is Phase.APPLICATIONS and state.applications_closes_at <= now:
            state.phase = Phase.SELECTION
            self._emit(ExchangeEventType.APPLICATIONS_CLOSED, {"received": str(len(state.applications))})

    def _keep_search_attributes_current(self) -> None:
        """EngageKind/EngageStage/EngagePartners for operators, whoever started the programme
        (the API sets them at start; a yearly Schedule's launcher does not)."""
        if self._attributes_phase is self._state.phase or not workflow.patched(SEARCH_ATTRIBUTES_PATCH):
            return
        self._attributes_phase = self._state.phase
        workflow.upsert_search_attributes(
            [
                ENGAGE_KIND.value_set("exchange"),
                ENGAGE_STAGE.value_set(self._state.phase.value),
                ENGAGE_PARTNERS.value_set(self._state.active_partner_ids()),
            ]
        )

    def _close_when_every_placement_has(self) -> None:
        state = self._state
        if (
            state.phase is Phase.PLACEMENTS
            and rules.everyone_placed(state)
            and all(p.finished for p in state.placements)
        ):
            state.phase = Phase.CLOSED
            self._emit(ExchangeEventType.PROGRAMME_CLOSED, {"placements": str(len(state.placements))})

    async def _start_new_placements(self) -> None:
        for placement in [p for p in self._state.placements if not p.started]:
            await activity_calls.register_placement(PlacementRegistration(year=self._state.year, placement=placement))
            # 👉 ABANDON: a placement (and its follow-up surveys) outlives this run of the
            # programme, which continues-as-new and may close years before the last survey.
            await workflow.start_child_workflow(
                ProjectWorkflow.run,
                self._placement_input(placement),
                id=project_workflow_id(placement.project_id),
                parent_close_policy=workflow.ParentClosePolicy.ABANDON,
            )
            placement.started = True
            self._emit(ExchangeEventType.PLACEMENT_STARTED, {"placement_id": placement.id})
        await self._record()

    def _placement_input(self, placement: Placement) -> ProjectInput:
        template = self._start.placement_template
        towards = "to the museum" if placement.direction.value == "to_museum" else "to the partner"
        return ProjectInput(
            project_id=placement.project_id,
            template=template,
            title=f"Knowledge Exchange {self._state.year}: placement {towards}",
            summary=placement_summary(placement),
            lead=self._start.lead,
            partner_ids=(placement.partner_id,),
            follow_up_schedule=template.follow_up_schedule,
            created_at=workflow.now(),
        )

    async def _tell_moved_placements(self) -> None:
        """Signal each started placement that moved since it was last told (patched: 12-placement-dates)."""
        while self._state.moved_untold:
            placement = self._state.placement(self._state.moved_untold.pop(0))
            if placement is None:
                continue
            moved = PlacementRescheduled(
                starts_on=placement.starts_on, ends_on=placement.ends_on, summary=placement_summary(placement)
            )
            child = workflow.get_external_workflow_handle(project_workflow_id(placement.project_id))
            try:
                await child.signal("note_placement_dates", moved)
            except Exception:  # ended or terminated by an operator: nothing left to tell
                workflow.logger.warning("could not tell a placement its new dates", extra={"placement": placement.id})

    async def _acknowledge_applications(self) -> None:
        """E-mail each newly noted applicant that we have their application (patched: 12-applicant-emails)."""
        while self._state.to_acknowledge:
            batch = tuple(self._state.to_acknowledge[:ACKNOWLEDGE_BATCH])
            await activity_calls.acknowledge_applications(
                ApplicationsToAcknowledge(year=self._state.year, application_ids=batch)
            )
            del self._state.to_acknowledge[: len(batch)]

    async def _tell_unsuccessful_applicants_once_everyone_is_placed(self) -> None:
        if self._state.applicants_told or not rules.everyone_placed(self._state):
            return
        told = ApplicantsToTell(
            year=self._state.year, selected_application_ids=rules.selected_application_ids(self._state)
        )
        result = await activity_calls.notify_unsuccessful_applicants(told)
        self._state.applicants_told = True
        self._emit(ExchangeEventType.UNSUCCESSFUL_APPLICANTS_TOLD, {"emails": str(result.emails_queued)})
        await self._record()

    async def _record(self) -> None:
        while self._queue:
            batch, self._queue = tuple(self._queue), []
            await activity_calls.record_exchange_changes(ExchangeChanges(events=batch, snapshot=self._state))

    async def _wait_for_input_or_next_date(self, planned_at_seq: int) -> None:
        if self._state.phase is Phase.CLOSED:
            return
        next_date = self._next_date()
        timeout = None if next_date is None else next_date - workflow.now()
        if timeout is not None and timeout <= timedelta(0):
            return
        with contextlib.suppress(TimeoutError):
            # 👉 Applications to acknowledge wake the loop too (always empty in runs before 12-applicant-emails).
            await workflow.wait_condition(
                lambda: (
                    self._state.event_seq != planned_at_seq
                    or kit.history_is_long(self._start.max_history_events)
                    or bool(self._state.to_acknowledge)
                ),
                timeout=timeout,
            )

    def _emit(self, event_type: ExchangeEventType, detail: dict[str, str], actor: Actor | None = None) -> None:
        self._queue.append(
            ExchangeEvent(
                year=self._state.year,
                seq=kit.next_seq(self._state),
                type=event_type,
                occurred_at=workflow.now(),
                actor=kit.actor_label(actor),
                detail=detail,
            )
        )

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
        if self._state.phase is not Phase.CLOSED:
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
