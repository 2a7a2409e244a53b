"""Partner organisations, API keys and signed-in page sessions."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    CheckConstraint,
    ForeignKey,
    String,
)
from sqlalchemy.orm import Mapped, mapped_column

from store.tables.base import API_KEY_ROLES, Base, check_in, name_key_default


class Partner(Base):
    """A partner organisation and the one contact that receives its e-mails.

    `name_key` (the name case-folded, spaces collapsed) is unique: two organisations whose names
    differ only in case or spacing are the same organisation registered twice. Filled from `name`
    on insert, so every writer gets it.
    """

    __tablename__ = "partner"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)  # uuid4().hex
    name: Mapped[str] = mapped_column(String(200))
    name_key: Mapped[str] = mapped_column(String(200), unique=True, default=name_key_default)
    contact_name: Mapped[str] = mapped_column(String(200))
    contact_email: Mapped[str] = mapped_column(String(320))
    created_at: Mapped[datetime]


class WebSession(Base):
    """A signed-in page session: the cookie names this row, so signing out (deleting it) ends the
    session on every replica at once, whatever copy of the cookie is still around."""

    __tablename__ = "web_session"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)  # secrets.token_urlsafe(32)
    key_id: Mapped[str] = mapped_column(String(64), index=True)
    created_at: Mapped[datetime]
    expires_at: Mapped[datetime]
    #: Set for a person's session (signed in by e-mailed link; `key_id` is then `user:<id>`), NULL for
    #: a key's; removing the person deletes their sessions at once.
    user_id: Mapped[str | None] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"), index=True)


class ApiKey(Base):
    """An API key, stored only as the sha256 of the full key; `prefix` lets people tell keys apart."""

    __tablename__ = "api_key"
    __table_args__ = (CheckConstraint(check_in("role", API_KEY_ROLES), name="role"),)

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    key_hash: Mapped[str] = mapped_column(String(64), unique=True)
    prefix: Mapped[str] = mapped_column(String(12))
    role: Mapped[str] = mapped_column(String(16))
    partner_id: Mapped[str | None] = mapped_column(ForeignKey("partner.id", ondelete="CASCADE"), index=True)
    label: Mapped[str] = mapped_column(String(200), default="")
    created_at: Mapped[datetime]
    revoked_at: Mapped[datetime | None]
    #: The key id of whoever issued it (`user:<id>` for a signed-in person); NULL for keys from before.
    created_by: Mapped[str | None] = mapped_column(String(64))
    #: When the key last authenticated, recorded at most once a minute per key per replica.
    last_used_at: Mapped[datetime | None]
