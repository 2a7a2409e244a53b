"""Who did it, in words people use: the partner organisation's name, the staff member, or Engage itself.

Events and submissions record a label (`Actor.label or party`: a key's label, or "partner"/"staff"),
which named the key, not the person (issue 12: a partner's step showed as "partner portal"). We keep
recording exactly that, so histories and payloads stay the same, and resolve a name when reading:
- an `Actor` with a partner id → that partner's name, after the person's when a person signed in
  acted (issue 15: an account's label is its holder's name, which no key carries): "Ana Lopez, Harbour
  Heritage";
- a recorded label that is a partner key's → that partner's name (preferring the project's partners);
- "partner" with no label → the project's partner when it has one, else "A partner organisation";
- "staff"/"admin" (a key without a label, the bootstrap key) → "Museum staff"; a staff key's label is
  the name of the staff member it was issued to, so it stays;
- "system" → "Engage" (a step taken by the process itself: a date reached, a stage opened).
"""

from __future__ import annotations

from collections.abc import Collection, Iterable
from dataclasses import dataclass, field

from sqlalchemy.ext.asyncio import AsyncSession

from domain.lifecycle import Party
from domain.submissions import Actor
from store.partners import reads as partner_reads

STAFF_NAME = "Museum staff"
SYSTEM_NAME = "Engage"
SOME_PARTNER = "A partner organisation"
_STAFF_LABELS = frozenset({"staff", "admin", ""})


@dataclass(frozen=True)
class ActorNames:
    """Names for the labels and actors of one page or answer; anything unknown reads as recorded."""

    by_label: dict[str, str] = field(default_factory=dict)
    partners: dict[str, str] = field(default_factory=dict)
    #: Labels some API key carries: a key's label names the key, never a person who signed in.
    key_labels: frozenset[str] = frozenset()

    def of_label(self, label: str) -> str:
        return self.by_label.get(label, label)

    def of(self, actor: Actor) -> str:
        if actor.party is Party.PARTNER:
            if actor.partner_id is not None and actor.partner_id in self.partners:
                organisation = self.partners[actor.partner_id]
                person = actor.label
                if person and person not in self.key_labels and person not in ("partner", organisation):
                    return f"{person}, {organisation}"
                return organisation
            return self.of_label(actor.label or actor.party.value)
        return STAFF_NAME if actor.label in _STAFF_LABELS else self.of_label(actor.label)


async def resolve(
    session: AsyncSession,
    labels: Iterable[str],
    *,
    partner_ids: Collection[str] = (),
    actors_seen: Iterable[Actor] = (),
) -> ActorNames:
    """Names for recorded `labels` and `actors_seen`, in the context of a project's `partner_ids`."""
    wanted = set(labels)
    seen = list(actors_seen)
    wanted.update(a.label for a in seen if a.label)
    holders = await partner_reads.key_holders(session, wanted - {"system", "partner", *_STAFF_LABELS})
    ids = (
        set(partner_ids)
        | {h.partner_id for h in holders if h.partner_id}
        | {a.partner_id for a in seen if a.partner_id}
    )
    partners = await partner_reads.partner_names(session, ids)
    by_label: dict[str, str] = {"system": SYSTEM_NAME, "staff": STAFF_NAME, "admin": STAFF_NAME}
    own = [partners[p] for p in partner_ids if p in partners]
    by_label["partner"] = own[0] if len(own) == 1 else SOME_PARTNER
    for label in wanted - set(by_label):
        keys = [h for h in holders if h.label == label]
        partner_keys = [h.partner_id for h in keys if h.partner_id is not None and h.partner_id in partners]
        ours = [p for p in partner_keys if p in partner_ids]
        if ours:
            by_label[label] = partners[ours[0]]
        elif partner_keys and all(h.role == "partner" for h in keys):
            by_label[label] = partners[partner_keys[0]]
    return ActorNames(by_label=by_label, partners=partners, key_labels=frozenset(h.label for h in holders))
