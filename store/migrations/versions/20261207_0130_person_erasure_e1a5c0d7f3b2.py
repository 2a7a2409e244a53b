"""person erasure: audit_entry.detail, suppression reason 'erased' (issue 14, rights of the people)

`audit_entry.detail` holds what an entry needs beyond its target id, never personal data: an erasure
records the admin's reason and the counts of what was scrubbed. `survey_suppression.reason` gains
'erased': an erased address gets no e-mail of any kind again (surveys skip every suppressed address;
project and programme mail skip 'erased' ones). Erasure scrubs fields in place and keeps each row's
status, so no other check changes. Written by hand (autogenerate sees neither check).

Downgrade drops the column and turns 'erased' suppressions into 'opted_out_everywhere' (the nearest
older reason that still stops survey mail) before restoring the old check.

Revision ID: e1a5c0d7f3b2
Revises: 9c4d1e7b2a58
Create Date: 2026-12-07 01:30:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "e1a5c0d7f3b2"
down_revision: str | Sequence[str] | None = "9c4d1e7b2a58"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Frozen copies of store.tables.base.SUPPRESSION_REASONS before and after this revision.
REASONS = "('opted_out_everywhere', 'bounced')"
REASONS_WITH_ERASED = "('opted_out_everywhere', 'bounced', 'erased')"


def upgrade() -> None:
    with op.batch_alter_table("audit_entry") as batch:
        batch.add_column(sa.Column("detail", sa.JSON().with_variant(postgresql.JSONB(), "postgresql"), nullable=True))
    with op.batch_alter_table("survey_suppression") as batch:
        batch.drop_constraint(op.f("ck_survey_suppression_reason"), type_="check")
        batch.create_check_constraint(op.f("ck_survey_suppression_reason"), f"reason IN {REASONS_WITH_ERASED}")


def downgrade() -> None:
    suppression = sa.table("survey_suppression", sa.column("reason", sa.String))
    op.execute(sa.update(suppression).where(suppression.c.reason == "erased").values(reason="opted_out_everywhere"))
    with op.batch_alter_table("survey_suppression") as batch:
        batch.drop_constraint(op.f("ck_survey_suppression_reason"), type_="check")
        batch.create_check_constraint(op.f("ck_survey_suppression_reason"), f"reason IN {REASONS}")
    with op.batch_alter_table("audit_entry") as batch:
        batch.drop_column("detail")
