"""PostgreSQL: prefix indexes in character order (varchar_pattern_ops) for searched columns

Revision ID: 0032
Revises: 0031
Create Date: 2026-12-04 02:30:00

A search by name, pinyin, initials, ID number, phone or 受理编号 asks PostgreSQL for
``LIKE 'ab%'`` (``app.core.portable.prefix_match``). Under a C collation the columns' ordinary
indexes serve that; under the collations a server is usually set up with (zh_CN.UTF-8,
en_US.UTF-8, ICU) they cannot, and every prefix search read the whole table. These indexes
(``app.models.base.pattern_index``) compare characters, so LIKE 'ab%' reads only the prefix.
SQLite compares a prefix as a range on its ordinary index: nothing to do there.
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0032"
down_revision: str | None = "0031"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

COLUMNS = [
    ("persons", "name"),
    ("persons", "name_pinyin"),
    ("persons", "name_initials"),
    ("persons", "id_number"),
    ("persons", "phone"),
    ("matters", "number"),
]


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    for table, column in COLUMNS:
        op.create_index(
            f"ix_{table}_{column}_pattern",
            table,
            [column],
            postgresql_ops={column: "varchar_pattern_ops"},
        )


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    for table, column in COLUMNS:
        op.drop_index(f"ix_{table}_{column}_pattern", table_name=table, if_exists=True)
