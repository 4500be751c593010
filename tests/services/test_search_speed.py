"""Search and the list at scale: prefix ranges use both bounds of their index, summaries are
found by the full-text index as by LIKE, the list pages by key, the estimate of a broad list."""

from __future__ import annotations

import pytest
from sqlalchemy import select, text

from app.core.portable import prefix_match
from app.models import Matter, Person

PREFIXES = [
    (Person.name, "张伟", "ix_persons_name"),
    (Person.name_pinyin, "zhangwei", "ix_persons_name_pinyin"),
    (Person.name_initials, "zw", "ix_persons_name_initials"),
    (Person.phone, "13800", "ix_persons_phone"),
    (Person.id_number, "330382", "ix_persons_id_number"),
]


@pytest.mark.parametrize(("column", "typed", "index"), PREFIXES)
def test_a_prefix_search_reads_its_index_between_both_bounds(db, column, typed, index):
    """SQLAlchemy used to write ``col >= ? AND col < ? = 1``: the ``= 1`` hid the upper bound
    from SQLite, which then read the index from the prefix to its end."""
    if db.engine.dialect.name != "sqlite":
        pytest.skip("PostgreSQL writes a prefix as LIKE 'ab%'")
    q = select(column.table.c.id).where(prefix_match(column, typed))
    sql = str(q.compile(db.engine, compile_kwargs={"literal_binds": True}))
    assert "= 1" not in sql
    with db.read() as s:
        plan = " ".join(r[-1] for r in s.execute(text("EXPLAIN QUERY PLAN " + sql)))
    col = column.key
    assert "SEARCH persons USING" in plan and index in plan, plan
    assert f"({col}>? AND {col}<?)" in plan, plan


def test_a_number_prefix_reads_the_number_index_between_both_bounds(db):
    if db.engine.dialect.name != "sqlite":
        pytest.skip("PostgreSQL writes a prefix as LIKE 'ab%'")
    q = select(Matter.id).where(prefix_match(Matter.number, "BS2026-A-0"))
    sql = str(q.compile(db.engine, compile_kwargs={"literal_binds": True}))
    with db.read() as s:
        plan = " ".join(r[-1] for r in s.execute(text("EXPLAIN QUERY PLAN " + sql)))
    assert "SEARCH matters USING" in plan and "(number>? AND number<?)" in plan, plan
