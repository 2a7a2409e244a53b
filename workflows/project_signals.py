"""What other workflows and erasure tell a project, by signal: ProjectWorkflow's signal handlers.

`note_placement_dates` comes from the Knowledge Exchange programme when staff move a placement's five
days (issue 12); `forget_lead` from a person's erasure (issue 14). Neither awaits: each changes state
and emits an event, which wakes the run loop to record it. Split from workflows/project.py by what it
does (issue 16); ProjectWorkflow is still the only workflow, and the handlers keep their names.
"""

from __future__ import annotations

from temporalio import workflow

with workflow.unsafe.imports_passed_through():
    from domain import erasure
    from domain.events import EventType
    from domain.exchange import PlacementRescheduled
    from domain.lifecycle import TERMINAL_STAGES
    from workflows.project_relations import ProjectRelations


class ProjectSignals(ProjectRelations):
    """The signals a project takes from outside: a moved placement, a forgotten lead."""

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

    @workflow.signal
    def forget_lead(self, forgotten: erasure.LeadForgotten) -> None:
        """Erasure (issue 14): forget the lead if the hash is theirs; a second signal finds nothing.

        The state, and the start input a continue-as-new copies, get the placeholder; its event wakes
        the loop, which records the new snapshot over the read model's. A new handler: no history
        before it holds this signal, and no existing path changes, so no patch.
        """
        if not erasure.is_person(self._state.lead, forgotten.email_hash):
            return
        self._state.lead = erasure.ERASED_PERSON
        self._start = self._start.model_copy(update={"lead": erasure.ERASED_PERSON})
        self._emit((EventType.LEAD_FORGOTTEN, None, {}))
