"""People who sign in to the pages: user accounts and their e-mailed single-use sign-in links (issue 15)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from store.tables.base import API_KEY_ROLES, Base, check_in


class UserAccount(Base):
    """A person who signs in with an e-mailed link: an admin, a staff member or a partner's contact.

    `email_hash` (sha256 of the trimmed, lower-cased address, as for respondents) is unique and is how
    a sign-in request finds the account without comparing addresses. A removed account keeps its row
    (`removed_at` set: it can no longer sign in, its sessions are gone) so the audit trail still names
    who acted; erasing the person scrubs `name` and `email`. Invariant: `partner_id` is set exactly
    when `role` is partner. `created_by` is the acting key id (`user:<id>` for a signed-in person).
    """

    __tablename__ = "user_account"
    __table_args__ = (
        CheckConstraint(check_in("role", API_KEY_ROLES), name="role"),
        CheckConstraint("(role = 'partner') = (partner_id IS NOT NULL)", name="partner_iff_role"),
    )

    id: Mapped[str] = mapped_column(String(32), primary_key=True)  # uuid4().hex
    name: Mapped[str] = mapped_column(String(200))
    email: Mapped[str] = mapped_column(String(320))
    email_hash: Mapped[str] = mapped_column(String(64), unique=True)
    role: Mapped[str] = mapped_column(String(16))
    partner_id: Mapped[str | None] = mapped_column(ForeignKey("partner.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime]
    created_by: Mapped[str] = mapped_column(String(64))
    removed_at: Mapped[datetime | None]


class SignInLink(Base):
    """A single-use sign-in link: only the sha256 of its token is stored, never the token itself.

    Valid until `expires_at` and only while `used_at` is NULL; using it sets `used_at` in the same
    transaction that opens the session, so a second use is refused."""

    __tablename__ = "sign_in_link"

    token_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[str] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime]
    expires_at: Mapped[datetime]
    used_at: Mapped[datetime | None]
