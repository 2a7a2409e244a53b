"""partner.name_key: a partner's name case-folded with spaces collapsed, unique

Written by hand (autogenerate would add a NOT NULL column with no values). Upgrade adds the column
nullable, fills it from `name` in Python (the same `partner_name_key` the tables use, so SQLite and
PostgreSQL agree on case folding), then makes it NOT NULL and unique in batch mode (SQLite rebuilds
the table). Organisations already registered twice keep their rows: the second and later get their
id appended to the key, so the upgrade never fails on old data while a new duplicate is refused.
Downgrade drops the constraint and the column.

Revision ID: 3c1f9a7e52d4
Revises: 8b3d75f60abd
Create Date: 2026-12-06 20:30:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "3c1f9a7e52d4"
down_revision: str | Sequence[str] | None = "8b3d75f60abd"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _name_key(name: str) -> str:
    # Kept in step with store.tables.partner_name_key; a migration never imports the live models.
    return " ".join(name.casefold().split())


def upgrade() -> None:
    with op.batch_alter_table("partner") as batch:
        batch.add_column(sa.Column("name_key", sa.String(length=200), nullable=True))
    partner = sa.table("partner", sa.column("id", sa.String), sa.column("name", sa.String), sa.column("name_key"))
    connection = op.get_bind()
    seen: set[str] = set()
    rows = connection.execute(sa.select(partner.c.id, partner.c.name).order_by(partner.c.id)).all()
    for partner_id, name in rows:
        key = _name_key(name)
        if key in seen:
            key = f"{key[:160]} #{partner_id}"
        seen.add(key)
        connection.execute(sa.update(partner).where(partner.c.id == partner_id).values(name_key=key))
    with op.batch_alter_table("partner") as batch:
        batch.alter_column("name_key", existing_type=sa.String(length=200), nullable=False)
        batch.create_unique_constraint(batch.f("uq_partner_name_key"), ["name_key"])


def downgrade() -> None:
    with op.batch_alter_table("partner") as batch:
        batch.drop_constraint(batch.f("uq_partner_name_key"), type_="unique")
        batch.drop_column("name_key")
