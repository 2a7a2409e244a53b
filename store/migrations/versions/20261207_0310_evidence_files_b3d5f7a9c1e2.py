"""evidence_file: the files of milestone submissions, stored content-addressed on disk (issue 15)

Written by hand to match store.tables.files.EvidenceFile (names follow store.tables.NAMING_CONVENTION).
Downgrade drops the table; the files stay on disk under the data directory (delete them by hand).

Revision ID: b3d5f7a9c1e2
Revises: a2c4e6f8b0d1
Create Date: 2026-12-07 03:10:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "b3d5f7a9c1e2"
down_revision: str | Sequence[str] | None = "a2c4e6f8b0d1"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "evidence_file",
        sa.Column("project_id", sa.String(length=64), nullable=False),
        sa.Column("milestone_key", sa.String(length=64), nullable=False),
        sa.Column("submission_number", sa.Integer(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("size", sa.BigInteger(), nullable=False),
        sa.Column("media_type", sa.String(length=100), nullable=False),
        sa.Column("original_name", sa.String(length=255), nullable=False),
        sa.Column("uploaded_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["project_id"], ["project.id"], name=op.f("fk_evidence_file_project_id_project"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint(
            "project_id", "milestone_key", "submission_number", "sha256", name=op.f("pk_evidence_file")
        ),
    )
    op.create_index(op.f("ix_evidence_file_sha256"), "evidence_file", ["sha256"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_evidence_file_sha256"), table_name="evidence_file")
    op.drop_table("evidence_file")
