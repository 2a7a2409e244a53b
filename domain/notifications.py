"""Who gets a project e-mail: the recipients of a template's `Audience`s, and the events nobody needs
to be told about.

The workflow names audiences only (never addresses); store/ fetches the partners' contacts from the
read model and asks these rules whom to write to. Pure: no database, no rendering.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from domain.erasure import is_erased_address
from domain.events import DomainEvent, EventType
from domain.lifecycle import Audience, Party
from domain.state import ProjectState


@dataclass(frozen=True)
class Recipient:
    """One e-mail's addressee, under the audience that named them."""

    audience: Audience
    name: str
    address: str


def recipients(
    audiences: Sequence[Audience], snapshot: ProjectState, partner_contacts: Sequence[tuple[str, str]]
) -> list[Recipient]:
    """The addressees of one event: each audience in order (partners: each partner's contact, as
    `(name, address)` in the project's partner order; lead: the project lead), each address once, under
    the first audience that names it (compared trimmed and case-insensitively). An erased person's
    placeholder (an address in `.invalid`, domain.erasure) is never an addressee (issue 14)."""
    candidates: list[Recipient] = []
    for audience in audiences:
        if audience is Audience.PARTNERS:
            candidates.extend(Recipient(Audience.PARTNERS, name, address) for name, address in partner_contacts)
        elif audience is Audience.LEAD:
            candidates.append(Recipient(Audience.LEAD, snapshot.lead.name, snapshot.lead.email))
    seen: set[str] = set()
    unique: list[Recipient] = []
    for recipient in candidates:
        address = recipient.address.strip().lower()
        if address not in seen and not is_erased_address(address):
            seen.add(address)
            unique.append(recipient)
    return unique


def nobody_needs_telling(event: DomainEvent, snapshot: ProjectState) -> bool:
    """Staff recording their own milestone that needs no review: the lead has no decision to make
    and the staff member already knows (issue 12). Decided when recording, not in the workflow, so runs
    in flight keep their recorded activity inputs and replay."""
    if event.type is not EventType.MILESTONE_SUBMITTED or event.milestone_key is None:
        return False
    milestone = snapshot.milestone(event.milestone_key)
    return milestone is not None and milestone.submitter is Party.STAFF and not milestone.review_required
