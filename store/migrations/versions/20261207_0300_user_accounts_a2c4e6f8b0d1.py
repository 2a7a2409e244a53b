"""user_account, sign_in_link; web_session.user_id; api_key.created_by, last_used_at; outbox kind `account` (issue 15)

Written by hand to match store.tables.accounts and store.tables.partners (names follow
store.tables.NAMING_CONVENTION). Downgrade drops the accounts, their links and their sessions (people
then sign in with keys again), and the sign-in e-mails of kind `account` from the outbox.

Revision ID: a2c4e6f8b0d1
Revises: f7b2d9e4c6a1
Create Date: 2026-12-07 03:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "a2c4e6f8b0d1"
down_revision: str | Sequence[str] | None = "f7b2d9e4c6a1"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

KINDS = "('project', 'survey', 'exchange')"
KINDS_WITH_ACCOUNT = "('project', 'survey', 'exchange', 'account')"


def upgrade() -> None:
    op.create_table(
        "user_account",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("email", sa.String(length=320), nullable=False),
        sa.Column("email_hash", sa.String(length=64), nullable=False),
        sa.Column("role", sa.String(length=16), nullable=False),
        sa.Column("partner_id", sa.String(length=32), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_by", sa.String(length=64), nullable=False),
        sa.Column("removed_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint("role IN ('admin', 'staff', 'partner')", name=op.f("ck_user_account_role")),
        sa.CheckConstraint(
            "(role = 'partner') = (partner_id IS NOT NULL)", name=op.f("ck_user_account_partner_iff_role")
        ),
        sa.ForeignKeyConstraint(
            ["partner_id"], ["partner.id"], name=op.f("fk_user_account_partner_id_partner"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_user_account")),
        sa.UniqueConstraint("email_hash", name=op.f("uq_user_account_email_hash")),
    )
    op.create_index(op.f("ix_user_account_partner_id"), "user_account", ["partner_id"], unique=False)
    op.create_table(
        "sign_in_link",
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("user_id", sa.String(length=32), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("used_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["user_id"], ["user_account.id"], name=op.f("fk_sign_in_link_user_id_user_account"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("token_hash", name=op.f("pk_sign_in_link")),
    )
    op.create_index(op.f("ix_sign_in_link_user_id"), "sign_in_link", ["user_id"], unique=False)

    with op.batch_alter_table("web_session") as batch_op:
        batch_op.add_column(sa.Column("user_id", sa.String(length=32), nullable=True))
        batch_op.create_index(batch_op.f("ix_web_session_user_id"), ["user_id"], unique=False)
        batch_op.create_foreign_key(
            batch_op.f("fk_web_session_user_id_user_account"), "user_account", ["user_id"], ["id"], ondelete="CASCADE"
        )
    with op.batch_alter_table("api_key") as batch_op:
        batch_op.add_column(sa.Column("created_by", sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column("last_used_at", sa.DateTime(timezone=True), nullable=True))
    with op.batch_alter_table("outbox_email") as batch_op:
        batch_op.drop_constraint(op.f("ck_outbox_email_kind"), type_="check")
        batch_op.create_check_constraint(op.f("ck_outbox_email_kind"), f"kind IN {KINDS_WITH_ACCOUNT}")


def downgrade() -> None:
    op.execute("DELETE FROM outbox_email WHERE kind = 'account'")
    with op.batch_alter_table("outbox_email") as batch_op:
        batch_op.drop_constraint(op.f("ck_outbox_email_kind"), type_="check")
        batch_op.create_check_constraint(op.f("ck_outbox_email_kind"), f"kind IN {KINDS}")
    with op.batch_alter_table("api_key") as batch_op:
        batch_op.drop_column("last_used_at")
        batch_op.drop_column("created_by")
    op.execute("DELETE FROM web_session WHERE user_id IS NOT NULL")
    with op.batch_alter_table("web_session") as batch_op:
        batch_op.drop_constraint(batch_op.f("fk_web_session_user_id_user_account"), type_="foreignkey")
        batch_op.drop_index(batch_op.f("ix_web_session_user_id"))
        batch_op.drop_column("user_id")
    op.drop_index(op.f("ix_sign_in_link_user_id"), table_name="sign_in_link")
    op.drop_table("sign_in_link")
    op.drop_index(op.f("ix_user_account_partner_id"), table_name="user_account")
    op.drop_table("user_account")
