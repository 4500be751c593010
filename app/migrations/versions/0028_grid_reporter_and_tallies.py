"""the grid in the matter tallies (事项汇总: ``by_grid`` and ``open_grid``), counted afresh

The 网格上报 reporter (``matters.grid_reporter``) is already a column (0025); what changes is
the tallies' facets: the grid dimension is counted from the matters already stored.

Revision ID: 0028
Revises: 0027
Create Date: 2026-12-04 02:20:00

"""

from collections.abc import Sequence

revision: str = "0028"
down_revision: str | None = "0027"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    from alembic import op

    from app.models.tallies import rebuild

    rebuild(op.get_bind())


def downgrade() -> None:
    # The older program reads only its own facets; the grid rows are left over and harmless,
    # but a rebuild drops them so that 'zongzhi check' there agrees with its recount.
    from alembic import op

    from app.models.tallies import MatterTally

    op.get_bind().execute(
        MatterTally.__table__.delete().where(MatterTally.facet.in_(["by_grid", "open_grid"]))
    )
