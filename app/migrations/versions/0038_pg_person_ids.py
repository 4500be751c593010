"""PostgreSQL: a search's visitors read from the prefix indexes alone

Revision ID: 0038
Revises: 0037
Create Date: 2026-12-04 11:40:00

A search that matches thousands of visitors (a surname, an ID number's first ten digits)
collects their matters: each visitor's id from the index of the searched column, then the
visitor's rows of matter_persons. Both went on to the table: for each visitor its row (for
the id), and for each link its row (for the matter id, the index being on person_id alone);
the planner then judged reading the whole of matter_persons (1,000,000 rows) for a hash join
cheaper. 王 at 1,000,000 matters: 150 ms to collect 10,470 matters. Now the prefix indexes of
persons carry the id (INCLUDE) and matter_persons' index is on (person_id, matter_id) (0037,
both backends): the same is read from the indexes alone (index-only scans), 7,281 visitors'
matters in 20 ms. SQLite has no pattern indexes (0032): nothing to do there.
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0038"
down_revision: str | None = "0037"
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


def downgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name != "postgresql":
        return
    _pattern_indexes("")
