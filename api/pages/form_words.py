"""What a refused form says, in words for people: "Give the organisation's name", not a validator's
"String should have at least 1 character".

The JSON API keeps pydantic's precise reasons (clients act on them); the pages translate each error
by its *type* (never by its message text) and the input it is about. The staff pages are English;
the survey pages, which are bilingual, word answer problems in survey_words.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from domain.submissions import FieldRuleError

#: What each input is, as the sentences below name it ("Give the {noun}").
FIELD_NOUNS: Mapping[str, str] = {
    "name": "organisation's name",
    "contact_name": "contact's name",
    "contact_email": "contact's e-mail address",
    "lead_name": "lead's name",
    "lead_email": "lead's e-mail address",
    "title": "title",
    "summary": "summary",
    "place": "place",
    "location": "location",
    "starts_at": "start date and time",
    "ends_at": "end date and time",
    "opens_at": "opening date and time",
    "closes_at": "closing date and time",
    "attendance": "number who came",
    "feedback": "feedback",
    "note": "note",
    "reason": "reason",
    "label": "label",
    "links": "links",
    "timezone": "time zone",
    "template": "template",
    "partner_ids": "partners",
    "email": "e-mail address",
    "organisation": "organisation",
    "role": "role",
}
#: Rules across fields, by the field a person should change.
ORDER_RULES: Mapping[str, str] = {
    "ends_at": "The session must end after it starts",
    "closes_at": "The display must close after it opens",
}


def noun(field: str) -> str:
    return FIELD_NOUNS.get(field, field.replace("_", " "))


def people_reason(error: Mapping[str, Any], field: str) -> str:
    """One pydantic error about the input `field`, as a sentence for the person filling the form."""
    kind = str(error.get("type", ""))
    ctx: Mapping[str, Any] = error.get("ctx") or {}
    cause = ctx.get("error")
    if isinstance(cause, FieldRuleError):
        return ORDER_RULES.get(cause.field, f"Check the {noun(cause.field)}")
    if kind == "missing" or (kind == "string_too_short" and ctx.get("min_length", 1) <= 1):
        return f"Give the {noun(field)}"
    if kind == "string_too_short":
        return f"The {noun(field)} needs at least {ctx.get('min_length')} characters"
    if kind in ("string_too_long", "too_long"):
        limit = ctx.get("max_length")
        return f"Keep the {noun(field)} to {limit} characters or fewer" if limit else f"The {noun(field)} is too long"
    if kind == "string_pattern_mismatch" and "email" in field:
        return "Give an e-mail address, like name@example.org"
    if kind.startswith(("datetime", "date", "timezone")):
        return f"Give the {noun(field)} as a date and time"
    if kind in ("int_parsing", "int_type", "int_from_float", "float_parsing", "float_type"):
        return f"Give the {noun(field)} as a whole number"
    if kind in ("greater_than_equal", "greater_than"):
        return f"The {noun(field)} cannot be less than {ctx.get('ge', ctx.get('gt'))}"
    if kind in ("less_than_equal", "less_than"):
        return f"The {noun(field)} cannot be more than {ctx.get('le', ctx.get('lt'))}"
    if kind.startswith("url"):
        return "Give a full web address, starting with https://"
    if kind in ("literal_error", "enum"):
        return f"Choose one of the {noun(field)} options"
    if kind == "value_error" and field == "timezone":
        return "Choose a time zone such as Europe/London"
    if kind == "value_error" and cause is not None:
        return f"Check the {noun(field)}: {str(cause)[:120]}"
    return f"Check the {noun(field)}: Engage cannot read it as it is"
