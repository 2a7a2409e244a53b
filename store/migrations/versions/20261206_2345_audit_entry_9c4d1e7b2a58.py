"""audit_entry: who registered a partner, issued or revoked a key, and when (issue 14)

Written by hand to match store.tables.audit.AuditEntry (names follow store.tables.NAMING_CONVENTION).
Downgrade drops the table and with it the trail.

Revision ID: 9c4d1e7b2a58
Revises: 5b8e2f71c3a9
Create Date: 2026-12-06 23:45:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "9c4d1e7b2a58"
down_revision: str | Sequence[str] | None = "5b8e2f71c3a9"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "audit_entry",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("occurred_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("actor_key_id", sa.String(length=64), nullable=False),
        sa.Column("actor_label", sa.String(length=200), nullable=False),
        sa.Column("action", sa.String(length=32), nullable=False),
        sa.Column("target_id", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_entry")),
    )
    op.create_index(op.f("ix_audit_entry_occurred_at"), "audit_entry", ["occurred_at"], unique=False)
    op.create_index(op.f("ix_audit_entry_target_id"), "audit_entry", ["target_id"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_audit_entry_target_id"), table_name="audit_entry")
    op.drop_index(op.f("ix_audit_entry_occurred_at"), table_name="audit_entry")
    op.drop_table("audit_entry")
