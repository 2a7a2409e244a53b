"""Who may be a follow-up survey respondent, whether their personal link may be answered now, and when
a queued survey e-mail may no longer go to them.

The API refuses a bad row with the field and reason given here (one per CSV row, or a 422 for one
person); store/ writes only rows that pass. For a link, store/ fetches the facts and `token_problem`
says why it cannot be answered. At delivery time store/ fetches what became of each addressee and
withdraws the e-mails `withdrawal_reason` names. Pure: no database.
"""

from __future__ import annotations

import re
from enum import StrEnum

#: Roles a respondent may have; the API refuses others.
RESPONDENT_ROLES: tuple[str, ...] = ("partner_staff", "participant", "museum_staff")

_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s.]+$")
_LANGUAGE = re.compile(r"^[a-z]{2,3}(-[a-z0-9]{2,8})?$")


def respondent_problem(*, name: str, email: str, role: str, language: str) -> tuple[str, str] | None:
    """The first problem with a respondent's row as (field, reason), or None when it may be added.

    Names and addresses are judged trimmed, the language code lower-cased, as they are stored.
    """
    if not name.strip() or len(name.strip()) > 200:
        return "name", "a name of 1 to 200 characters is required"
    if len(email.strip()) > 320 or not _EMAIL.match(email.strip()):
        return "email", "not a valid e-mail address"
    if role not in RESPONDENT_ROLES:
        return "role", f"must be one of {list(RESPONDENT_ROLES)}"
    if not _LANGUAGE.match(language.strip().lower()):
        return "language", "must be a language code such as en or cy"
    return None


def withdrawal_reason(*, exists: bool, opted_out: bool, bounced: bool, answered: bool) -> str | None:
    """Why a queued survey e-mail must not be sent after all, or None to send it.

    Between queueing and sending (seconds, or hours while SMTP defers) a respondent may answer, opt
    out (here or everywhere) or bounce elsewhere; reminders stop the moment that happens. Checked in
    this order, so the reason recorded is the weightiest.
    """
    if not exists:
        return "not sent: respondent removed"
    if opted_out:
        return "not sent: respondent opted out"
    if bounced:
        return "not sent: address bounced"
    if answered:
        return "not sent: respondent already answered"
    return None


class TokenProblem(StrEnum):
    """Why a personal survey link cannot be answered."""

    UNKNOWN = "unknown"
    EXPIRED = "expired"
    CLOSED = "closed"
    ANSWERED = "answered"
    OPTED_OUT = "opted_out"


def token_problem(*, answered: bool, opted_out: bool, wave_closed: bool, expired: bool) -> TokenProblem | None:
    """Why a known link cannot be answered now, or None when it can.

    Checked in this order: answered, opted out (here or everywhere), wave closed, expired. A closed
    wave's links are also expired (closing a wave expires them); `closed` wins so the page can say the
    survey has closed rather than that the link is old. (An unknown link is UNKNOWN before any of this.)
    """
    if answered:
        return TokenProblem.ANSWERED
    if opted_out:
        return TokenProblem.OPTED_OUT
    if wave_closed:
        return TokenProblem.CLOSED
    if expired:
        return TokenProblem.EXPIRED
    return None
