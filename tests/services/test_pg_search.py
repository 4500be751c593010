"""Summary text on PostgreSQL: LIKE for text without cased letters (Chinese, digits), ILIKE
only where case matters; the two never share a cached statement; both find what SQLite finds."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.dialects import postgresql

from app.core.portable import contains_ci
from app.models import Matter
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


def test_summary_words_are_found_whatever_the_case_of_their_letters(db, receptionist):
    visitor = VisitorInput(name="赵六", phone="13900001111")
    data = make_input(db, visitors=[visitor], summary="小区物业ABC栋漏水")
    register(db, receptionist, data, at=datetime(2026, 3, 2, 9))
    with db.read() as s:
        for query in ("物业", "abc栋", "业Abc", "栋漏水"):
            assert len(intake.list_matter_ids(s, receptionist, MatterFilter(query=query))) == 1
        assert intake.list_matter_ids(s, receptionist, MatterFilter(query="物管")) == []
