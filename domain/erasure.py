"""Erasure from workflows in flight (issue 14): what a running workflow forgets of a person, and how.

A person's right to erasure reaches the processes that are still running: a project whose lead they
are, a programme they lead or applied to. The API erases the records and then signals each workflow
(`forget_lead`, `forget_application`); these are the signals' payloads and the pure rules the handlers
apply. Payloads carry ids and a hash only, never an address or a name: a signal is written into the
workflow's history, and an erasure must not write the person back into it.

- A lead is matched by `email_hash` (sha256 of the trimmed, lower-cased address, exactly as
  `store.hashing.email_hash`, which domain/ may not import; a test holds the two together) and
  replaced by `ERASED_PERSON`, whose address is in `.invalid` (RFC 2606): no mail is ever queued to it
  (`is_erased_address`, checked where project e-mails are addressed).
- An application leaves the programme unless it is placed: a placement is real work done, and holds
  only the application's id. Its id is remembered (`ExchangeState.forgotten_applications`), so a late
  `note_application` for it never brings it back.

Pure and deterministic (hashlib only): safe in the workflow sandbox. Forgetting twice changes nothing.
"""

from __future__ import annotations

import hashlib

from pydantic import Field

from domain.exchange_state import ExchangeState
from domain.submissions import Contract, Person

#: The name and address a forgotten person is replaced by (`.invalid` can never be delivered to).
ERASED_NAME = "Erased"
ERASED_ADDRESS = "erased@erased.invalid"
ERASED_PERSON = Person(name=ERASED_NAME, email=ERASED_ADDRESS)

_SHA256_HEX = r"^[0-9a-f]{64}$"


class LeadForgotten(Contract):
    """Signal `forget_lead`: forget the lead whose address hashes to `email_hash` (no address on the wire)."""

    email_hash: str = Field(pattern=_SHA256_HEX, description="sha256 hex of the trimmed, lower-cased address.")


class ApplicationForgotten(Contract):
    """Signal `forget_application`: the programme forgets this application (unless it is placed)."""

    application_id: str = Field(min_length=1, max_length=64)


def email_hash(address: str) -> str:
    """The sha256 hex of the trimmed, lower-cased address (the same function as store.hashing.email_hash)."""
    return hashlib.sha256(address.strip().lower().encode()).hexdigest()


def is_erased_address(address: str) -> bool:
    """An address in the reserved `.invalid` domain: an erased person's placeholder; never mailed."""
    return address.strip().lower().rstrip(".").endswith(".invalid")


def is_person(person: Person | None, hashed: str) -> bool:
    """Whether `person` is the one whose address hashes to `hashed` (the placeholder never is)."""
    return person is not None and not is_erased_address(person.email) and email_hash(person.email) == hashed


def forget_application(state: ExchangeState, application_id: str) -> bool:
    """Remove an unplaced application from the programme's state; True when the programme's view changed.

    It leaves `applications`, `shortlisted` and `to_acknowledge`, and any selection not yet matched into a
    placement names no one in its place. A placed application stays whole (its selection, shortlisting
    and application are what the placement was made from).
    """
    if any(p.application_id == application_id for p in state.placements):
        return False
    if application_id not in state.forgotten_applications:
        state.forgotten_applications.append(application_id)  # remembered even if never noted here
    changed = state.applications.pop(application_id, None) is not None
    for kept in (state.shortlisted, state.to_acknowledge):
        while application_id in kept:
            kept.remove(application_id)
            changed = True
    for selection in state.selections:
        if selection.outgoing_application_id == application_id:
            selection.outgoing_application_id = None
            changed = True
        if selection.hosted_application_id == application_id:
            selection.hosted_application_id = None
            changed = True
    return changed
