"""Who may be a follow-up survey respondent: each check names its field, and a good row passes."""

from __future__ import annotations

import pytest

from domain.respondents import RESPONDENT_ROLES, TokenProblem, respondent_problem, token_problem, withdrawal_reason

GOOD = {"name": "Ada", "email": "ada@community.example", "role": "participant", "language": "en"}


def test_a_good_row_passes_with_any_known_role_and_a_regional_language_code() -> None:
    for role in RESPONDENT_ROLES:
        assert respondent_problem(**{**GOOD, "role": role}) is None
    assert respondent_problem(**{**GOOD, "language": " CY ", "email": "  ada@community.example "}) is None
    assert respondent_problem(**{**GOOD, "language": "en-gb"}) is None


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"name": "   "}, "name"),
        ({"name": "x" * 201}, "name"),
        ({"email": "not-an-address"}, "email"),
        ({"email": "a@b"}, "email"),
        ({"email": f"{'a' * 320}@x.example"}, "email"),
        ({"role": "visitor"}, "role"),
        ({"language": "english"}, "language"),
    ],
)
def test_a_bad_row_is_refused_naming_the_field(change: dict[str, str], field: str) -> None:
    problem = respondent_problem(**{**GOOD, **change})
    assert problem is not None and problem[0] == field and problem[1]


def test_the_first_problem_is_the_one_reported() -> None:
    assert respondent_problem(name="", email="bad", role="visitor", language="??") == (
        "name",
        "a name of 1 to 200 characters is required",
    )


def test_a_queued_survey_email_goes_only_to_someone_still_reachable_who_has_not_answered() -> None:
    def reason(**change: bool) -> str | None:
        return withdrawal_reason(**{"exists": True, "opted_out": False, "bounced": False, "answered": False, **change})

    assert reason() is None
    assert reason(exists=False) == "not sent: respondent removed"
    assert reason(opted_out=True) == "not sent: respondent opted out"
    assert reason(bounced=True) == "not sent: address bounced"
    assert reason(answered=True) == "not sent: respondent already answered"
    assert reason(opted_out=True, bounced=True, answered=True) == "not sent: respondent opted out"


def test_a_link_answered_opted_out_closed_or_expired_is_refused_in_that_order() -> None:
    def problem(**change: bool) -> TokenProblem | None:
        facts = {"answered": False, "opted_out": False, "wave_closed": False, "expired": False}
        return token_problem(**{**facts, **change})

    assert problem() is None
    assert problem(expired=True) is TokenProblem.EXPIRED
    assert problem(wave_closed=True, expired=True) is TokenProblem.CLOSED  # closing expires links: say closed
    assert problem(opted_out=True, wave_closed=True) is TokenProblem.OPTED_OUT
    assert problem(answered=True, opted_out=True, wave_closed=True, expired=True) is TokenProblem.ANSWERED
