"""matters.number_reversed: the 受理编号 read backwards, indexed on both backends

Revision ID: 0036
Revises: 0035
Create Date: 2026-12-04 11:40:00

A 受理编号's sequence number typed alone ("0001", or the last digits of a phone that are also
a number's end) is a prefix of the reversed number. SQLite has no reverse(): ``LIKE '%0001'``
read the whole number index, so a tail search grew with the data (a 4-digit tail: 4 ms at
10,000 matters, 38 ms at 300,000). The column is filled here for existing matters and by the
model for new ones (``Matter.number_reversed``); SQLite searches it as a range on its ordinary
index, PostgreSQL as LIKE 'x%' on a varchar_pattern_ops index (``pattern_index``). That makes
0035's PostgreSQL-only index of ``reverse(number)`` redundant: dropped, so both backends find
a tail the same way.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0036"
down_revision: str | None = "0035"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    bind = op.get_bind()
    pg = bind.dialect.name == "postgresql"
    op.add_column("matters", sa.Column("number_reversed", sa.String(length=32), nullable=True))
    if pg:
        bind.exec_driver_sql("UPDATE matters SET number_reversed = reverse(number)")
    else:
        # SQLite has no reverse(): this connection gets one for the fill (it is not kept in
        # the schema, so no other program opening the file ever needs it).
        raw = bind.connection.dbapi_connection
        raw.create_function("zz_reverse", 1, lambda s: s[::-1], deterministic=True)
        bind.exec_driver_sql("UPDATE matters SET number_reversed = zz_reverse(number)")
    with op.batch_alter_table("matters", schema=None) as batch_op:
        batch_op.alter_column("number_reversed", existing_type=sa.String(length=32), nullable=False)
    if pg:
        bind.exec_driver_sql("DROP INDEX IF EXISTS ix_matters_number_reversed")
        op.create_index(
            "ix_matters_number_reversed_pattern",
            "matters",
            ["number_reversed"],
            postgresql_ops={"number_reversed": "varchar_pattern_ops"},
        )
    else:
        op.create_index("ix_matters_number_reversed", "matters", ["number_reversed"])


def downgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name == "postgresql":
        op.drop_index("ix_matters_number_reversed_pattern", table_name="matters")
        bind.exec_driver_sql(
            "CREATE INDEX IF NOT EXISTS ix_matters_number_reversed ON matters "
            "(reverse(number) text_pattern_ops)"
        )
    else:
        op.drop_index("ix_matters_number_reversed", table_name="matters")
    with op.batch_alter_table("matters", schema=None) as batch_op:
        batch_op.drop_column("number_reversed")
