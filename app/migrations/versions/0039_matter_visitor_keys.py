"""matters.visitor_keys: the visitors' names, pinyin and initials on each matter, kept by triggers

Revision ID: 0039
Revises: 0038
Create Date: 2026-12-04 13:30:00

A search matching many visitors (a surname, a letter of pinyin) tests each of the newest matters
read; the test looked up the matter's visitors, or listed every matching visitor's matters first
in each statement, which grew with the data (a surname: 8 / 26 / 37 ms at 10,000 / 100,000 /
300,000 matters). The column holds what those tests need on the matter's row
(``app.core.visitor_keys``); triggers on matter_persons and persons keep it on both backends.
Filled here for existing matters (SQLite 300,000 matters: a few seconds). On SQLite an index of
the newest matters with the column (and the number and id a window returns) lets a window be
searched for pinyin or initials from the index alone (a page of "zs" at 300,000 matters: 5 ms
instead of 21 reading the rows). And an index of each summary's last two characters: a
two-character word or name (工资, 王芳) is found from the full-text index's trigrams that begin with
it and that index, not by reading every summary (300,000 matters: 40 ms).
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from app.core import text_search, visitor_keys

revision: str = "0039"
down_revision: str | None = "0038"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    bind = op.get_bind()
    # NOT NULL with a default: an instant ALTER on both backends (no rebuild of matters).
    op.add_column(
        "matters", sa.Column("visitor_keys", sa.Text(), server_default="", nullable=False)
    )
    visitor_keys.ensure(bind)  # the triggers, then every matter's text
    if bind.dialect.name == "sqlite":
        # Each summary's last two characters (``text_search.PAIR_END_INDEX``): with the full-text
        # index's trigrams, two characters searched are found without reading every summary.
        text_search.ensure_pair_end(bind)
        # The newest matters with their visitors (and what a window's statement returns):
        # letters of pinyin tested on a window of them without reading the table.
        op.create_index(
            "ix_matters_newest_visitors",
            "matters",
            ["received_at", "number", "visitor_keys", "id"],
        )


def downgrade() -> None:
    bind = op.get_bind()
    visitor_keys.drop(bind)
    if bind.dialect.name == "sqlite":
        op.drop_index("ix_matters_newest_visitors", table_name="matters")
        bind.exec_driver_sql(f"DROP INDEX IF EXISTS {text_search.PAIR_END_INDEX}")
    with op.batch_alter_table("matters", schema=None) as batch_op:
        batch_op.drop_column("visitor_keys")
