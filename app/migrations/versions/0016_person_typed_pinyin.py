"""Persons: the pinyin typed by hand for names pypinyin cannot read; keys filled in for all

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-03 16:40:00

A name such as 王𠮷 has a character pypinyin has no reading for, so its search keys lacked
that syllable and the person could not be found as "wangji". The pinyin typed for such a
name is kept in ``name_pinyin_typed`` (syllables apart, "wang ji"), and the search keys are
made from it. Existing people whose keys are empty (imported or written before pypinyin was
asked) get pypinyin's keys now.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0016"
down_revision: str | None = "0015"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BATCH = 1000


def upgrade() -> None:
    bind = op.get_bind()
    # Already there when a database stamped older is upgraded again: nothing to add.
    if "name_pinyin_typed" not in {c["name"] for c in sa.inspect(bind).get_columns("persons")}:
        with op.batch_alter_table("persons") as batch_op:
            batch_op.add_column(
                sa.Column("name_pinyin_typed", sa.String(length=255), nullable=True)
            )
    _backfill(bind)


def _backfill(bind) -> None:
    from app.services.pinyin import name_keys

    persons = sa.table(
        "persons",
        sa.column("id", sa.Uuid),
        sa.column("name", sa.String),
        sa.column("name_pinyin", sa.String),
        sa.column("name_initials", sa.String),
    )
    missing = sa.or_(
        persons.c.name_pinyin == "",
        persons.c.name_pinyin.is_(None),
        persons.c.name_initials == "",
        persons.c.name_initials.is_(None),
    )
    rows = bind.execute(sa.select(persons.c.id, persons.c.name).where(missing)).all()
    update = (
        persons.update()
        .where(persons.c.id == sa.bindparam("pid"))
        .values(name_pinyin=sa.bindparam("py"), name_initials=sa.bindparam("ini"))
    )
    for start in range(0, len(rows), BATCH):
        params = []
        for pid, name in rows[start : start + BATCH]:
            py, ini = name_keys(name or "")
            params.append({"pid": pid, "py": py, "ini": ini})
        if params:
            bind.execute(update, params)


def downgrade() -> None:
    with op.batch_alter_table("persons") as batch_op:
        batch_op.drop_column("name_pinyin_typed")
