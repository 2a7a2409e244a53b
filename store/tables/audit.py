"""The audit trail of the actions no workflow records: partners, keys, respondents, signing in and out,
the yearly schedule, people's rights, and reads of personal data (store.audit.ACTIONS)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from store.tables.base import Base


class AuditEntry(Base):
    """One staff, partner or admin action outside the workflows: who (the key's id and label), what, on
    what, when.

    Project and programme actions are already in `event` / `exchange_event` with their actor; this
    table holds the rest. Append-only, and never personal data: `target_id` is an id (a partner's, a
    key's, a project's, a year), never a name or an address. A refused sign-in names no key
    (`store.audit.SIGN_IN_REFUSED_ACTOR`).
    """

    __tablename__ = "audit_entry"

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=True)
    occurred_at: Mapped[datetime] = mapped_column(index=True)
    actor_key_id: Mapped[str] = mapped_column(String(64))
    actor_label: Mapped[str] = mapped_column(String(200))
    action: Mapped[str] = mapped_column(String(32))
    target_id: Mapped[str] = mapped_column(String(64), index=True)
    #: What the action needs said beyond its target, never personal data (an erasure: the admin's
    #: reason and the counts of what was scrubbed).
    detail: Mapped[dict[str, Any] | None]
