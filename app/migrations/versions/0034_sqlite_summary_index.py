"""SQLite: an index of matter summaries, read instead of the table for short search text

Revision ID: 0034
Revises: 0033
Create Date: 2026-12-04 05:20:00

One or two characters (a 2-character name, 工资) have no trigram in ``matters_fts``: every
summary is read. From the table that is every matter's whole row (166 MB at 300,000 matters);
this index holds the summaries alone (21 MB), so the same search reads a seventh of it (严东 at
300,000 matters: 60 ms to 22). PostgreSQL has the pg_trgm index (0014), and a B-tree there
would refuse long summaries: nothing to do there.
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0034"
down_revision: str | None = "0033"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    if op.get_bind().dialect.name != "sqlite":
        return
    op.create_index("ix_matters_summary", "matters", ["summary"])


def downgrade() -> None:
    if op.get_bind().dialect.name != "sqlite":
        return
    op.drop_index("ix_matters_summary", table_name="matters", if_exists=True)
