"""sealed survey links: outbox_email.sealed_link, survey_token.retired_at, clear links redacted

Survey e-mails now keep `[personal survey link]` in their readable body and the real link sealed in
`sealed_link` until delivery (store.link_seal); a reminder's fresh token retires the earlier ones of its
wave (`retired_at`). Rows written before this revision have the working link in `body`: those no longer
waiting to be sent (sent, failed, cancelled, held) are redacted here; a queued one keeps it until its
delivery, which sends it and then redacts it. Downgrade drops both columns (the redaction stays).

Revision ID: 5b8e2f71c3a9
Revises: 7d2e4b9c1a60
Create Date: 2026-12-06 23:30:00
"""

from __future__ import annotations

import re
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "5b8e2f71c3a9"
down_revision: str | Sequence[str] | None = "7d2e4b9c1a60"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Frozen copy of store.link_seal's redaction as it was at this revision (migrations never change).
_CLEAR_LINK = re.compile(r"\S*/s/[A-Za-z0-9_-]{16,}(/opt-out)?")


def redact_links(body: str) -> str:
    return _CLEAR_LINK.sub(lambda m: "[personal opt-out link]" if m.group(1) else "[personal survey link]", body)


def upgrade() -> None:
    with op.batch_alter_table("outbox_email") as batch:
        batch.add_column(sa.Column("sealed_link", sa.Text(), nullable=True))
    with op.batch_alter_table("survey_token") as batch:
        batch.add_column(sa.Column("retired_at", sa.DateTime(timezone=True), nullable=True))
    outbox = sa.table(
        "outbox_email",
        sa.column("id", sa.Integer),
        sa.column("body", sa.Text),
        sa.column("kind", sa.String),
        sa.column("status", sa.String),
    )
    bind = op.get_bind()
    rows = bind.execute(
        sa.select(outbox.c.id, outbox.c.body).where(outbox.c.kind == "survey", outbox.c.status != "queued")
    ).all()
    for row_id, body in rows:
        redacted = redact_links(body)
        if redacted != body:
            bind.execute(sa.update(outbox).where(outbox.c.id == row_id).values(body=redacted))


def downgrade() -> None:
    with op.batch_alter_table("survey_token") as batch:
        batch.drop_column("retired_at")
    with op.batch_alter_table("outbox_email") as batch:
        batch.drop_column("sealed_link")
