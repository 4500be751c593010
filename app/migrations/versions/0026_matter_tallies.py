"""matter tallies (事项汇总) for the command room, counted from the matters already stored

Revision ID: 0026
Revises: 0025
Create Date: 2026-12-03 22:10:00

"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0026"
down_revision: str | None = "0025"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "matter_tallies",
        sa.Column("facet", sa.String(length=16), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("a", sa.String(length=40), nullable=False),
        sa.Column("b", sa.String(length=40), nullable=False),
        sa.Column("c", sa.String(length=16), nullable=False),
        sa.Column("n", sa.Integer(), nullable=False),
        sa.Column("heads", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("facet", "day", "a", "b", "c", name=op.f("pk_matter_tallies")),
        sqlite_with_rowid=False,
    )
    # The tallies of the matters already stored (the app keeps them from now on). Counted by
    # the program's own rules; a later revision that adds a dimension calls rebuild again.
    from app.models.tallies import rebuild

    rebuild(op.get_bind())


def downgrade() -> None:
    op.drop_table("matter_tallies")
