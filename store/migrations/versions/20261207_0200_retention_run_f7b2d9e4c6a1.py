"""retention_run: what each daily retention run erased, and the cut-offs it used (issue 14)

Written by hand to match store.tables.retention.RetentionRun (names follow store.tables.NAMING_CONVENTION).
Downgrade drops the table and with it the record of past runs (the erasures themselves stay done).

Revision ID: f7b2d9e4c6a1
Revises: e1a5c0d7f3b2
Create Date: 2026-12-07 02:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "f7b2d9e4c6a1"
down_revision: str | Sequence[str] | None = "e1a5c0d7f3b2"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "retention_run",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("workflow_id", sa.String(length=200), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("respondents_cutoff_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("applicants_cutoff_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("respondents_erased", sa.Integer(), server_default="0", nullable=False),
        sa.Column("applicants_erased", sa.Integer(), server_default="0", nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_retention_run")),
    )
    op.create_index(op.f("ix_retention_run_started_at"), "retention_run", ["started_at"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_retention_run_started_at"), table_name="retention_run")
    op.drop_table("retention_run")
