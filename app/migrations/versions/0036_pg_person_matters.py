"""PostgreSQL: a search's visitors and their matters read from indexes alone

Revision ID: 0036
Revises: 0035
Create Date: 2026-12-04 11:40:00

A search that matches thousands of visitors (a surname, an ID number's first ten digits)
collects their matters: each visitor's id from the index of the searched column, then the
visitor's rows of matter_persons. Both went on to the table: for each visitor its row (for
the id), and for each link its row (for the matter id, the index being on person_id alone);
the planner then judged reading the whole of matter_persons (1,000,000 rows) for a hash join
cheaper. 王 at 1,000,000 matters: 150 ms to collect 10,470 matters. Now the prefix indexes of
persons carry the id (INCLUDE) and matter_persons has an index on (person_id, matter_id): the
same is read from the indexes alone (index-only scans), 7,281 visitors' matters in 20 ms.
The model keeps its index on person_id (SQLite's indexes are unchanged).
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0036"
down_revision: str | None = "0035"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# The prefix-searched columns of persons (``app.models.people.PREFIX_SEARCHED``, 0032).
SEARCHED = ("name", "name_pinyin", "name_initials", "id_number", "phone")


def _pattern_indexes(include: str) -> None:
    bind = op.get_bind()
    for column in SEARCHED:
        name = f"ix_persons_{column}_pattern"
        bind.exec_driver_sql(f"DROP INDEX IF EXISTS {name}")
        bind.exec_driver_sql(
            f"CREATE INDEX {name} ON persons ({column} varchar_pattern_ops){include}"
        )


def upgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name != "postgresql":
        return
    _pattern_indexes(" INCLUDE (id)")
    bind.exec_driver_sql(
        "CREATE INDEX IF NOT EXISTS ix_matter_persons_person_matter "
        "ON matter_persons (person_id, matter_id)"
    )


def downgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name != "postgresql":
        return
    bind.exec_driver_sql("DROP INDEX IF EXISTS ix_matter_persons_person_matter")
    _pattern_indexes("")
