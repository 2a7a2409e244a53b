"""ExchangeProgrammeWorkflow's steps: dates, placements, e-mails and the timeline, apart from its handlers.

What the run loop of ExchangeProgrammeWorkflow (workflows/exchange.py) does between inputs: take the
partners' and the call's dates as they come, start each matched placement as a child ProjectWorkflow,
tell moved placements their dates, e-mail applicants, number and record every event (workflows.kit),
keep the search attributes current, and sleep until the next date. A base class, not a workflow:
split from workflows/exchange.py by what it does (issue 13), with the same commands in the same order.
"""

from __future__ import annotations

import contextlib
from datetime import datetime, timedelta

from temporalio import workflow

with workflow.unsafe.imports_passed_through():
    from domain import exchange_rules as rules
    from domain.exchange import (
        ApplicantsToTell,
        ApplicationsToAcknowledge,
        ExchangeChanges,
        ExchangeEvent,
        ExchangeEventType,
        ExchangeInput,
        ExchangeState,
        PartnerStatus,
        Phase,
        Placement,
        PlacementRegistration,
        PlacementRescheduled,
        placement_summary,
    )
    from domain.state import ProjectInput
    from domain.submissions import Actor
    from workflows import activity_calls, kit
    from workflows.naming import ENGAGE_KIND, ENGAGE_PARTNERS, ENGAGE_STAGE, project_workflow_id
    from workflows.project import ProjectWorkflow

#: Issue 4 follow-up: the programme keeps its search attributes current itself.
SEARCH_ATTRIBUTES_PATCH = "4-exchange-search-attributes"
#: At most this many acknowledgements per activity: a burst before the deadline is sent in batches.
ACKNOWLEDGE_BATCH = 100


class ExchangeSteps:
    """State and steps shared by the run loop and the handlers (set in ExchangeProgrammeWorkflow.__init__)."""

    _start: ExchangeInput
    _state: ExchangeState
    _queue: list[ExchangeEvent]
    _attributes_phase: Phase | None

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
