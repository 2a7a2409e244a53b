"""The Knowledge Exchange programme: one year's cohort of two-way, five-day staff placements.

Where each part lives (issue 13 split this module by what the parts do; every name stays
importable from here, the one name workflows/, activities/, store/ and api/ import):
- domain.exchange_state: what ExchangeProgrammeWorkflow holds and starts from (phases, partner
  slots, selections, placements, `ExchangeInput`, `ExchangeState`, the placement calendar).
- domain.exchange_messages: what travels (Update payloads, each naming its `actor`; signals;
  activity inputs; the timeline's `ExchangeEventType` / `ExchangeEvent`; the yearly plan).
- domain.exchange_rules: who may do what when, and what it changes.

Pure rules and contracts only: safe in the workflow sandbox.
"""

from __future__ import annotations

from domain.exchange_messages import (
    ApplicantsToTell,
    ApplicationReceived,
    ApplicationsToAcknowledge,
    ExchangeChange,
    ExchangeChanges,
    ExchangeEvent,
    ExchangeEventType,
    ExchangeYearPlan,
    MatchPlan,
    PartnerConfirmation,
    PartnerReplacement,
    PlacementDates,
    PlacementFinished,
    PlacementPlan,
    PlacementRegistration,
    PlacementRescheduled,
    SelectionDecision,
    Shortlisting,
    placement_summary,
)
from domain.exchange_state import (
    EXCHANGE_AIMS,
    MUSEUM,
    PLACEMENT_DAYS,
    Aim,
    Direction,
    Employment,
    ExchangeInput,
    ExchangeState,
    Frozen,
    PartnerSlot,
    PartnerStatus,
    Phase,
    Placement,
    PlacementWindow,
    ProgrammeWindow,
    Selection,
    working_days_from,
)

__all__ = [
    "EXCHANGE_AIMS",
    "MUSEUM",
    "PLACEMENT_DAYS",
    "Aim",
    "ApplicantsToTell",
    "ApplicationReceived",
    "ApplicationsToAcknowledge",
    "Direction",
    "Employment",
    "ExchangeChange",
    "ExchangeChanges",
    "ExchangeEvent",
    "ExchangeEventType",
    "ExchangeInput",
    "ExchangeState",
    "ExchangeYearPlan",
    "Frozen",
    "MatchPlan",
    "PartnerConfirmation",
    "PartnerReplacement",
    "PartnerSlot",
    "PartnerStatus",
    "Phase",
    "Placement",
    "PlacementDates",
    "PlacementFinished",
    "PlacementPlan",
    "PlacementRegistration",
    "PlacementRescheduled",
    "PlacementWindow",
    "ProgrammeWindow",
    "Selection",
    "SelectionDecision",
    "Shortlisting",
    "placement_summary",
    "working_days_from",
]
