"""evidence_file.uploaded_by: who sent each file (the principal's key id, `user:<id>` for an account) (issue 15)

Lets a person's export list the files they uploaded and an erasure unlink them (the column becomes
NULL; the file stays, it is the project's evidence). Rows written before this have no uploader.
Written by hand to match store.tables.files (names follow store.tables.NAMING_CONVENTION).

Revision ID: d6a8c0e2f4b5
Revises: c4e6a8b0d2f3
Create Date: 2026-12-07 03:30:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "d6a8c0e2f4b5"
down_revision: str | Sequence[str] | None = "c4e6a8b0d2f3"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("evidence_file") as batch:
        batch.add_column(sa.Column("uploaded_by", sa.String(length=100), nullable=True))
        batch.create_index(batch.f("ix_evidence_file_uploaded_by"), ["uploaded_by"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("evidence_file") as batch:
        batch.drop_index(batch.f("ix_evidence_file_uploaded_by"))
        batch.drop_column("uploaded_by")
