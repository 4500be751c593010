"""Summary text on PostgreSQL: LIKE for text without cased letters (Chinese, digits), ILIKE
only where case matters, two-character words from the index of two-character runs (0035); the
kinds never share a cached statement; all find what SQLite finds."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.dialects import postgresql

from app.core.portable import contains_ci, exists_per_row
from app.models import Matter, MatterPerson
from app.services.reception import intake
from app.services.reception.intake import MatterFilter, VisitorInput
from tests.services.test_intake import make_input, register


def _where(text: str) -> str:
    q = select(Matter.id).where(contains_ci(Matter.summary, text))
    return str(q.compile(dialect=postgresql.dialect())).split("WHERE", 1)[1]


def test_chinese_is_compared_by_like_and_latin_letters_by_ilike_on_postgresql():
    assert " LIKE " in _where("物业") and "ILIKE" not in _where("物业")
    assert " LIKE " in _where("1号楼") and "ILIKE" not in _where("1号楼")
    assert "ILIKE" in _where("abc") and "ILIKE" in _where("物业ABC")
    key = lambda t: select(Matter.id).where(contains_ci(Matter.summary, t))._generate_cache_key()  # noqa: E731
    assert key("物业").key != key("wuye").key  # never the other's compiled statement
    assert key("物业").key == key("噪音").key  # the same statement for the same kind
    # Two characters: PostgreSQL's index of two-character runs (migration 0035) first.
    assert "zz_bigrams(matters.summary) @>" in _where("物业")
    assert "zz_bigrams" not in _where("养老保险") and "zz_bigrams" not in _where("a1")
    few = select(Matter.id).where(contains_ci(Matter.summary, "物业", indexed=False))
    assert "zz_bigrams" not in str(few.compile(dialect=postgresql.dialect()))
    assert key("物业").key != key("物业保险").key


def test_a_visitor_test_asked_of_each_row_is_never_collected_into_a_hash_on_postgresql():
    """``exists_per_row``: PostgreSQL would turn an EXISTS into a hash of every matching row;
    a scalar subquery it asks row by row. SQLite's EXISTS is asked row by row already."""
    from sqlalchemy.dialects import sqlite

    visitor = select(MatterPerson.matter_id).where(MatterPerson.matter_id == Matter.id)
    q = select(Matter.id).where(exists_per_row(visitor))
    pg = str(q.compile(dialect=postgresql.dialect())).split("WHERE", 1)[1]
    assert "EXISTS" not in pg and "LIMIT" in pg and pg.strip().endswith("IS NOT NULL"), pg
    assert "matter_persons.matter_id = matters.id" in pg  # still asked of each matter
    lite = str(q.compile(dialect=sqlite.dialect())).split("WHERE", 1)[1]
    assert lite.strip().startswith("EXISTS"), lite


def test_summary_words_are_found_whatever_the_case_of_their_letters(db, receptionist):
    visitor = VisitorInput(name="赵六", phone="13900001111")
    data = make_input(db, visitors=[visitor], summary="小区物业ABC栋漏水")
    register(db, receptionist, data, at=datetime(2026, 3, 2, 9))
    with db.read() as s:
        for query in ("物业", "abc栋", "业Abc", "栋漏水"):
            assert len(intake.list_matter_ids(s, receptionist, MatterFilter(query=query))) == 1
        assert intake.list_matter_ids(s, receptionist, MatterFilter(query="物管")) == []
        number = s.scalar(select(Matter.number))
        found = intake.list_matter_ids(s, receptionist, MatterFilter(query=number[-4:]))
        assert len(found) == 1
    if db.engine.dialect.name == "postgresql":  # the two-character word is read from its index
        query = select(Matter.id).where(contains_ci(Matter.summary, "漏水"))
        with db.engine.connect() as conn:
            conn.exec_driver_sql("SET enable_seqscan = off")  # a tiny table: show the index
            sql = query.compile(conn, compile_kwargs={"literal_binds": True})
            plan = "\n".join(r[0] for r in conn.exec_driver_sql(f"EXPLAIN {sql}"))
        assert "ix_matters_summary_bigrams" in plan, plan
