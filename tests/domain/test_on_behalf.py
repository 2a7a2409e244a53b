"""Staff submit a partner's milestone on the partner's behalf (issue 12: the partner e-mailed it in).

The workflow checks who acts from the actor in the update input: only staff may act for a partner,
only for a milestone the partner submits, and only for a partner of the project.
"""

from __future__ import annotations

from domain import rules, transitions
from domain.lifecycle import Party
from domain.rules import RefusalKind
from domain.state import MilestoneStatus
from domain.submissions import Actor, MilestoneSubmission
from tests.domain.builders import PARTNER, PARTNER_ID, STAFF, T0, refused, started, template


def on_behalf(key: str = "proposal", partner_id: str = PARTNER_ID, actor: Actor = STAFF) -> MilestoneSubmission:
    return MilestoneSubmission(milestone_key=key, actor=actor, summary="Sent by e-mail.", on_behalf_of=partner_id)


def test_staff_may_submit_a_partners_milestone_for_a_partner_of_the_project() -> None:
    state = started()
    rules.check_submission(template(), state, on_behalf())

    change = transitions.apply_submission(state, on_behalf(), T0)

    assert change[2] == {"submission": 1, "on_behalf_of": PARTNER_ID}
    proposal = state.milestone("proposal")
    assert proposal is not None and proposal.status is MilestoneStatus.SUBMITTED
    record = proposal.submissions[0]
    assert (record.actor.party, record.on_behalf_of) == (Party.STAFF, PARTNER_ID)


def test_acting_for_a_partner_is_refused_to_partners_for_strangers_and_for_staff_milestones() -> None:
    state, tpl = started(), template()
    assert refused(lambda: rules.check_submission(tpl, state, on_behalf(actor=PARTNER))) == (
        RefusalKind.WRONG_PARTY,
        "on_behalf_of",
    )
    assert refused(lambda: rules.check_submission(tpl, state, on_behalf(partner_id="partner-elsewhere"))) == (
        RefusalKind.INVALID,
        "on_behalf_of",
    )
    assert refused(lambda: rules.check_submission(tpl, state, on_behalf("proposal_review_notes"))) == (
        RefusalKind.INVALID,
        "on_behalf_of",
    )


def test_a_plain_staff_submission_of_a_partners_milestone_is_still_refused() -> None:
    state = started()
    plain = MilestoneSubmission(milestone_key="proposal", actor=STAFF, summary="Sent by e-mail.")
    assert refused(lambda: rules.check_submission(template(), state, plain)) == (
        RefusalKind.WRONG_PARTY,
        "milestone_key",
    )


def test_a_submission_of_ones_own_carries_no_on_behalf_detail() -> None:
    state = started()
    mine = MilestoneSubmission(milestone_key="proposal", actor=PARTNER, summary="Ours.")
    assert transitions.apply_submission(state, mine, T0)[2] == {"submission": 1}
