"""outcome_rating: intention, partner and museum levels per project and outcome (issue 16)

Keys and numbers only. Written by hand to match store.tables.impact (names follow
store.tables.NAMING_CONVENTION).

Revision ID: e7b9d1f3a5c7
Revises: d6a8c0e2f4b5
Create Date: 2026-12-07 04:50:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "e7b9d1f3a5c7"
down_revision: str | Sequence[str] | None = "d6a8c0e2f4b5"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "outcome_rating",
        sa.Column("project_id", sa.String(length=64), nullable=False),
        sa.Column("source", sa.String(length=16), nullable=False),
        sa.Column("outcome_key", sa.String(length=64), nullable=False),
        sa.Column("level", sa.Integer(), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("source IN ('intention', 'partner', 'museum')", name=op.f("ck_outcome_rating_source")),
        sa.CheckConstraint("level BETWEEN 1 AND 5", name=op.f("ck_outcome_rating_level")),
        sa.ForeignKeyConstraint(
            ["project_id"],
            ["project.id"],
            name=op.f("fk_outcome_rating_project_id_project"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("project_id", "source", "outcome_key", name=op.f("pk_outcome_rating")),
    )


def downgrade() -> None:
    op.drop_table("outcome_rating")
