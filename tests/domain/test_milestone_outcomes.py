"""How a milestone reads once its stage or its project is over (issue 12): a declined proposal
reads `declined`, an optional milestone nobody did reads `skipped`, never `returned` or `pending`."""

from __future__ import annotations

from domain import transitions
from domain.lifecycle import Stage
from domain.rules import RefusalKind, check_submission
from domain.state import OUTSTANDING, MilestoneStatus
from domain.submissions import Decision
from tests.domain.builders import STAFF, T0, days, refused, review, started, submission, submit, template


def test_a_declined_proposal_reads_declined_not_returned() -> None:
    state = started()
    submit(state, "proposal", T0)
    transitions.apply_review(state, review("proposal", Decision.DECLINE, "Out of scope."), T0 + days(5))
    proposal = state.milestone("proposal")
    assert proposal is not None
    assert proposal.status is MilestoneStatus.DECLINED
    assert proposal.status not in OUTSTANDING


def test_an_optional_milestone_left_undone_reads_skipped_when_its_stage_closes() -> None:
    state = started()
    submit(state, "proposal", T0)
    transitions.apply_review(state, review("proposal"), T0 + days(1))
    assert state.milestone("proposal_review_notes").required is False  # type: ignore[union-attr]

    transitions.close_stage(state, T0 + days(1), skip_optional=True)

    assert state.milestone("proposal_review_notes").status is MilestoneStatus.SKIPPED  # type: ignore[union-attr]
    assert state.milestone("proposal").status is MilestoneStatus.ACCEPTED  # type: ignore[union-attr]
    assert state.milestone("partnership_agreement").status is MilestoneStatus.PENDING  # type: ignore[union-attr]


def test_an_optional_milestone_done_before_its_stage_closes_keeps_its_status() -> None:
    state = started()
    submit(state, "proposal", T0)
    transitions.apply_review(state, review("proposal"), T0 + days(1))
    transitions.apply_submission(state, submission("proposal_review_notes", actor=STAFF), T0 + days(1))
    transitions.close_stage(state, T0 + days(1), skip_optional=True)
    assert state.milestone("proposal_review_notes").status is MilestoneStatus.SUBMITTED  # type: ignore[union-attr]


def test_runs_without_the_patch_close_a_stage_as_before() -> None:
    state = started()
    transitions.close_stage(state, T0 + days(1), skip_optional=False)
    assert state.milestone("proposal_review_notes").status is MilestoneStatus.PENDING  # type: ignore[union-attr]


def test_a_skipped_milestone_is_refused_with_a_reason_if_submitted_later() -> None:
    state = started()
    transitions.close_stage(state, T0 + days(1), skip_optional=True)
    state.stage = Stage.PROPOSAL  # as if looking at it in its own stage: the status check answers
    kind, field = refused(lambda: check_submission(template(), state, submission("proposal_review_notes", actor=STAFF)))
    assert (kind, field) == (RefusalKind.OUT_OF_TURN, "milestone_key")
