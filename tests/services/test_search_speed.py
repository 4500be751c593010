"""Search and the list at scale: prefix ranges use both bounds of their index, summaries are
found by the full-text index as by LIKE, the list pages by key, the estimate of a broad list."""

from __future__ import annotations

import re
from datetime import datetime

import pytest
from sqlalchemy import select, text

from app.core import text_search
from app.core.portable import prefix_match, rows_estimated
from app.models import OPEN_STATUSES, Matter, Person
from app.services.reception import intake
from app.services.reception.intake import MatterFilter, VisitorInput
from tests.services.test_intake import make_input, register

PREFIXES = [
    (Person.name, "张伟", "ix_persons_name"),
    (Person.name_pinyin, "zhangwei", "ix_persons_name_pinyin"),
    (Person.name_initials, "zw", "ix_persons_name_initials"),
    (Person.phone, "13800", "ix_persons_phone"),
    (Person.id_number, "330382", "ix_persons_id_number"),
]


def col_name(column) -> str:
    return f"{column.table.name}.{column.key}"


@pytest.mark.parametrize(("column", "typed", "index"), PREFIXES)
def test_a_prefix_search_reads_its_index_between_both_bounds(db, column, typed, index):
    """SQLAlchemy used to write ``col >= ? AND col < ? = 1``: the ``= 1`` hid the upper bound
    from SQLite, which then read the index from the prefix to its end."""
    q = select(column.table.c.id).where(prefix_match(column, typed))
    sql = str(q.compile(db.engine, compile_kwargs={"literal_binds": True}))
    assert "= 1" not in sql
    if db.engine.dialect.name == "postgresql":
        # PostgreSQL orders text by the server's collation, where a range would miss rows: it
        # is LIKE 'typed%' there (whether its index serves it depends on that collation).
        assert re.search(rf"\b{re.escape(col_name(column))} LIKE '{typed}%+'", sql), sql
        return
    with db.read() as s:
        plan = " ".join(r[-1] for r in s.execute(text("EXPLAIN QUERY PLAN " + sql)))
    col = column.key
    assert "SEARCH persons USING" in plan and index in plan, plan
    assert f"({col}>? AND {col}<?)" in plan, plan


def test_a_surnames_visitors_are_listed_from_the_name_index_alone(db):
    """Their matters are listed in each window a search reads (migration 0037): the people's
    ids and their matters' ids come from two indexes, not from each person's and link's row."""
    if db.engine.dialect.name == "postgresql":
        return  # its prefix search reads the varchar_pattern_ops index
    q = intake._people_matters(prefix_match(Person.name, "张"))
    sql = str(q.compile(db.engine, compile_kwargs={"literal_binds": True}))
    with db.read() as s:
        plan = " ".join(r[-1] for r in s.execute(text("EXPLAIN QUERY PLAN " + sql)))
    assert "SEARCH persons USING COVERING INDEX ix_persons_name (name>? AND name<?)" in plan, plan
    link = "SEARCH matter_persons USING COVERING INDEX ix_matter_persons_person_id (person_id=?)"
    assert link in plan, plan


def test_a_number_prefix_reads_the_number_index_between_both_bounds(db):
    q = select(Matter.id).where(prefix_match(Matter.number, "BS2026-A-0"))
    sql = str(q.compile(db.engine, compile_kwargs={"literal_binds": True}))
    assert "= 1" not in sql
    if db.engine.dialect.name == "postgresql":
        assert re.search(r"\bnumber LIKE 'BS2026-A-0%+'", sql), sql
        return
    with db.read() as s:
        plan = " ".join(r[-1] for r in s.execute(text("EXPLAIN QUERY PLAN " + sql)))
    assert "SEARCH matters USING" in plan and "(number>? AND number<?)" in plan, plan


@pytest.fixture
def twenty(db, receptionist):
    """Twenty matters, two at each moment (ties are ordered by number)."""
    names = ["张三", "张伟", "李四", "王芳"]
    for i in range(20):
        visitor = VisitorInput(name=names[i % 4], phone=f"1380000{i:04d}")
        summary = "小区物业噪音扰民" if i % 3 == 0 else "咨询养老保险补缴"
        at = datetime(2026, 1, 1 + i // 2, 9)
        register(db, receptionist, make_input(db, visitors=[visitor], summary=summary), at=at)
    return db


def paged_by_three(s, receptionist, f: MatterFilter) -> list:
    """Every matching id, read as the list reads them: pages of three, each after the last."""
    paged, after = [], None
    while True:
        rows = intake.matter_page(s, receptionist, f, after=after, limit=3)
        paged += [r.id for r in rows]
        if len(rows) < 3:
            return paged
        after = (rows[-1].received_at, rows[-1].number)


QUERIES = ["", "张", "zhang", "zs", "物业噪音", "养老", "13800", "0003", "BS2026", "王芳", "无此人"]


@pytest.mark.parametrize("window", [3, 50])
def test_paging_by_key_through_the_whole_list_gives_the_whole_list(
    twenty, receptionist, monkeypatch, window
):
    monkeypatch.setattr(intake, "RECENT_WINDOW", window)
    monkeypatch.setattr(intake, "MANY", 2)
    monkeypatch.setattr(intake, "MANY_PEOPLE", 2)
    with twenty.read() as s:
        for query in QUERIES:
            for f in (
                MatterFilter(query=query),
                MatterFilter(query=query, statuses=frozenset(OPEN_STATUSES)),
            ):
                everything = intake.list_matter_ids(s, receptionist, f)
                assert paged_by_three(s, receptionist, f) == everything, (query, f.statuses)


def test_a_broad_list_is_estimated_a_narrow_one_counted(twenty, receptionist, monkeypatch):
    if twenty.engine.dialect.name == "postgresql":
        with twenty.engine.begin() as conn:
            conn.exec_driver_sql("ANALYZE matters")  # the planner's count of matters is used
        with twenty.read() as s:
            assert rows_estimated(s, "matters") == 20
    else:
        with twenty.read() as s:
            assert rows_estimated(s, "matters") is None  # the tallies are used
    monkeypatch.setattr(intake, "RECENT_WINDOW", 8)
    monkeypatch.setattr(intake, "MANY", 2)
    monkeypatch.setattr(intake, "MANY_PEOPLE", 2)
    monkeypatch.setattr(intake, "EXACT_UP_TO", 6)
    with twenty.read() as s:
        broad = intake.estimate_matters(s, receptionist, MatterFilter(query="zhang"))
        narrow = intake.estimate_matters(s, receptionist, MatterFilter(query="王芳"))
        nothing = intake.estimate_matters(s, receptionist, MatterFilter(query="无此人"))
    assert not broad.exact and 5 <= broad.count <= 20 and broad.text().startswith("约 ")
    assert narrow == intake.Estimate(5, True) and narrow.text() == "共 5 件"
    assert nothing == intake.Estimate(0, True)
    # Text too short for the full-text index would be counted by reading every summary: a
    # list longer than a page is estimated instead.
    monkeypatch.setattr(intake, "PAGE", 3)
    with twenty.read() as s:
        short_text = intake.estimate_matters(s, receptionist, MatterFilter(query="物"))
    assert not short_text.exact and 4 <= short_text.count <= 12
    # Numbers and text are "many" from MANY matches, visitors only from MANY_PEOPLE: fewer (an
    # ID number's first ten digits), their matters are collected and counted, "共 N 件".
    # (On SQLite letters are "many" from fewer, ``_many_letters``: as many as MANY_PEOPLE here.)
    monkeypatch.setattr(intake, "MANY_PEOPLE", 1000)
    monkeypatch.setattr(intake, "LETTERS_RATIO", 1000.0)
    with twenty.read() as s:
        people = intake.estimate_matters(s, receptionist, MatterFilter(query="zhang"))
        page = intake.list_matter_ids(s, receptionist, MatterFilter(query="zhang"), limit=4)
        every = intake.list_matter_ids(s, receptionist, MatterFilter(query="zhang"))
    assert people == intake.Estimate(10, True) and people.text() == "共 10 件"
    assert page == every[:4]


def test_a_list_without_a_query_is_counted_from_the_tallies_and_a_matter_once(twenty, receptionist):
    """No query, no filter: every matter, "共 20 件" (read from the tallies of matters received
    per day). A matter two of whose visitors match is one match."""
    with twenty.read() as s:
        assert intake.estimate_matters(s, receptionist, MatterFilter()) == intake.Estimate(20, True)
    two = [
        VisitorInput(name="张三", phone="13900000001"),
        VisitorInput(name="张伟", phone="13900000002"),
    ]
    register(twenty, receptionist, make_input(twenty, visitors=two), at=datetime(2026, 1, 11, 9))
    with twenty.read() as s:
        assert intake.estimate_matters(s, receptionist, MatterFilter()).count == 21
        zhang = intake.estimate_matters(s, receptionist, MatterFilter(query="zhang"))
        assert zhang == intake.Estimate(11, True)
        assert len(intake.list_matter_ids(s, receptionist, MatterFilter(query="zhang"))) == 11


def test_a_search_collecting_its_visitors_matters_pages_like_one_asking_each_row(
    twenty, receptionist, monkeypatch
):
    """PostgreSQL collects the matters of a query's visitors (digits: a phone, an ID number)
    once when that reads less than asking each matter read about its visitors
    (``_people_plan``); the pages are the same."""
    if twenty.engine.dialect.name == "postgresql":
        with twenty.engine.begin() as conn:
            conn.exec_driver_sql("ANALYZE persons")  # the share of visitors matching
    monkeypatch.setattr(intake, "RECENT_WINDOW", 3)
    monkeypatch.setattr(intake, "MANY_PEOPLE", 2)
    monkeypatch.setattr(intake, "PAGES_PER_VISITOR", 0)  # collecting always reads less
    plan, planned = intake._people_plan, []

    def spy(session, lk, limit):
        planned.append((lk.visitor_key is not None, plan(session, lk, limit)[1]))
        return plan(session, lk, limit)

    monkeypatch.setattr(intake, "_people_plan", spy)
    with twenty.read() as s:
        for query in ["张", "zhang", "zs", "王芳", "13800"]:
            for f in (
                MatterFilter(query=query),
                MatterFilter(query=query, statuses=frozenset(OPEN_STATUSES)),
            ):
                everything = intake.list_matter_ids(s, receptionist, f)
                assert paged_by_three(s, receptionist, f) == everything, (query, f.statuses)
    # Each row asked on SQLite. On PostgreSQL names and letters are asked of each row too,
    # from the row's own column (the visitors' names on the matter); digits are collected.
    sqlite = twenty.engine.dialect.name == "sqlite"
    assert {keyed for keyed, _ in planned} == {True, False}
    assert all(asked == (sqlite or keyed) for keyed, asked in planned), planned


def test_visitors_are_many_from_fewer_for_a_smaller_page():
    """A window reads rows in proportion to the page, a list of matters in proportion to the
    matches: ``search``'s 50 rows look in windows from half as many visitors as a page."""
    assert intake._many_people(intake.PAGE) == intake._many_people(None) == intake.MANY_PEOPLE
    assert intake._many_people(50) == intake.MANY_PEOPLE // 2 == intake.MANY
    assert intake._many_people(1) >= 1


def test_a_broad_number_prefix_is_tested_on_the_newest_rows(db):
    """The newest matters' window reads the received_at index and tests the 受理编号 on each
    row: through the number index, SQLite read every match of BS2026 and sorted them all."""
    lk = intake._search_lookups("BS2026")
    q = (
        select(Matter.id)
        .where(intake._matches_row(lk, False), Matter.received_at >= datetime(2026, 12, 1))
        .order_by(*intake._NEWEST_FIRST)
        .limit(200)
    )
    if db.engine.dialect.name == "postgresql":
        return  # the planner there has the table's statistics
    sql = str(q.compile(db.engine, compile_kwargs={"literal_binds": True}))
    with db.read() as s:
        plan = " ".join(r[-1] for r in s.execute(text("EXPLAIN QUERY PLAN " + sql)))
    # (ix_matters_received_at, or ix_matters_newest_visitors that begins with received_at)
    assert "(received_at>" in plan and "(number>" not in plan, plan


def test_estimates_read_like_a_person_would_say_them():
    assert intake.Estimate(224_816, False).text() == "约 22 万件"
    assert intake.Estimate(15_300, False).text() == "约 1.5 万件"
    assert intake.Estimate(3_412, False).text() == "约 3400 件"
    assert intake.Estimate(12, True).text() == "共 12 件"


SUMMARIES = [
    "小区物业噪音扰民，要求物业处理",
    "物业费纠纷",
    "楼上装修噪音",
    "Wi-Fi 信号塔辐射担忧",
    "反映WIFI收费问题",
    "咨询养老保险补缴 100% 比例",
    "低保申请_材料",
    "邻里纠纷\n要求调解",
    "𠮷字姓名登记错误",
    "停车",  # two characters, the whole summary
]
TEXTS = ["物业噪音", "物业", "噪音", "纠纷", "wi-fi", "WiFi", "wifi", "保险补缴", "100%", "_材料"]
TEXTS += ["申请_", "纠纷\n要求", "𠮷字姓", "信号塔辐射", "无此摘要词", "物", "险补", '"引号"', "a"]
TEXTS += ["停车", "调解", "要求", "𠮷字", "00", "无此", "a区"]  # at the end, whole, nowhere …


def test_summaries_found_by_the_full_text_index_are_those_like_finds(db, receptionist):
    """The trigram index answers three characters or more; shorter text stays LIKE. Both give
    the same matters, Chinese or mixed, whatever the case of Latin letters."""
    for i, summary in enumerate(SUMMARIES):
        at = datetime(2026, 3, 1 + i, 9)
        visitor = VisitorInput(name="赵六", phone=f"1390000{i:04d}")
        register(db, receptionist, make_input(db, visitors=[visitor], summary=summary), at=at)
    with db.read() as s:
        fts = intake._prepared(s, receptionist, MatterFilter()).fts
        assert fts == (db.engine.dialect.name == "sqlite")
        for query in TEXTS:
            # Two characters without case: the trigrams that begin with them, and the index of
            # each summary's last two characters (SQLite); others as before.
            pair = intake._prepared(s, receptionist, MatterFilter(query=query)).pair_terms
            assert (pair is not None) == (fts and text_search.pair_searchable(query)), query
            lookups = intake._Lookups(summary=query, fts=fts, pair_terms=pair)
            by_index = select(Matter.id).where(lookups.summary_match(indexed=True))
            by_like = select(Matter.id).where(lookups.summary_match(indexed=False))
            assert set(s.scalars(by_index)) == set(s.scalars(by_like)), query
            # Text with no cased letters is compared as it is (instr on SQLite), the rest
            # ignoring the case of Latin letters: either way, the summaries that contain it.
            every = s.execute(select(Matter.id, Matter.summary)).all()
            expected = {mid for mid, summary in every if query.lower() in summary.lower()}
            assert set(s.scalars(by_like)) == expected, query
            by_whole = select(Matter.id).where(lookups.summary_match(whole=True))
            assert set(s.scalars(by_whole)) == expected, query
        found = intake.list_matter_ids(s, receptionist, MatterFilter(query="物业噪音"))
        assert len(found) == 1
        if fts:
            indexed = intake._Lookups(summary="物业噪音", fts=True).summary_match()
            sql = (
                select(Matter.id)
                .where(indexed)
                .compile(db.engine, compile_kwargs={"literal_binds": True})
            )
            plan = " ".join(r[-1] for r in s.execute(text(f"EXPLAIN QUERY PLAN {sql}")))
            assert "SEARCH matters USING INTEGER PRIMARY KEY" in plan, plan
            assert "SCAN matters_fts VIRTUAL TABLE INDEX" in plan, plan
            # Two characters among every matter: the summaries' own index, not the table.
            short = intake._Lookups(summary="物业", fts=True).summary_match(whole=True)
            sql = (
                select(Matter.id)
                .where(short)
                .compile(db.engine, compile_kwargs={"literal_binds": True})
            )
            plan = " ".join(r[-1] for r in s.execute(text(f"EXPLAIN QUERY PLAN {sql}")))
            assert "COVERING INDEX ix_matters_summary" in plan, plan
            # … and found from the indexes when its trigrams are known: no summary read.
            pair = intake._prepared(s, receptionist, MatterFilter(query="物业")).pair_terms
            assert pair == ("物业噪", "物业处", "物业费")
            short = intake._Lookups(summary="物业", fts=True, pair_terms=pair).summary_match()
            sql = (
                select(Matter.id)
                .where(short)
                .compile(db.engine, compile_kwargs={"literal_binds": True})
            )
            plan = " ".join(r[-1] for r in s.execute(text(f"EXPLAIN QUERY PLAN {sql}")))
            assert "ix_matters_summary_end" in plan and "SCAN matters " not in plan, plan


def test_the_full_text_index_follows_edits_and_deletes(db, receptionist):
    """On SQLite the FTS5 index and its triggers; on PostgreSQL the same searches through the
    pg_trgm index, which the database keeps itself (the rebuild below is then a no-op)."""
    made = register(db, receptionist, make_input(db, summary="小区物业噪音扰民"))
    with db.engine.connect() as conn:  # as the search asks (``intake._prepared``)
        fts = text_search.available(db.engine, conn)
    assert fts == (db.engine.dialect.name == "sqlite")
    lookups = intake._Lookups(summary="物业噪音", fts=fts)

    def found():
        with db.read() as s:
            return list(s.scalars(select(Matter.id).where(lookups.summary_match())))

    assert found() == [made.id]
    with db.engine.begin() as conn:  # as migration 0021 on a database with matters in it
        text_search.drop(conn)
        text_search.ensure(conn)
    assert found() == [made.id]
    with db.write() as s:
        s.get(Matter, made.id).summary = "路灯不亮"
    assert found() == []
    with db.write() as s:
        s.get(Matter, made.id).summary = "物业噪音又来了"
    assert found() == [made.id]
    if db.engine.dialect.name != "sqlite":
        return  # deleting by hand below is SQLite's PRAGMA; PostgreSQL's index is its own
    with db.engine.connect() as conn:  # matters are never deleted by the program: by hand
        conn.exec_driver_sql("PRAGMA foreign_keys=OFF")
        conn.exec_driver_sql("DELETE FROM matters")
        conn.commit()
        conn.exec_driver_sql("PRAGMA foreign_keys=ON")
    assert found() == []


def test_a_renamed_visitor_is_found_among_the_newest_by_the_new_name_only(
    twenty, receptionist, monkeypatch
):
    """A window of the newest matters tests each row's own copy of its visitors' names
    (``matters.visitor_keys``, kept by triggers): a visitor renamed — with the pinyin and
    initials that go with the name — is found by the new name, pinyin and initials at once,
    and no longer by the old; the page is the list's first rows."""
    from app.services.pinyin import name_keys

    monkeypatch.setattr(intake, "RECENT_WINDOW", 3)
    monkeypatch.setattr(intake, "MANY", 1)
    monkeypatch.setattr(intake, "MANY_PEOPLE", 1)
    with twenty.write() as s:
        renamed = s.scalars(select(Person).where(Person.name == "李四")).all()
        for p in renamed:
            p.name = "欧阳修远"
            p.name_pinyin, p.name_initials = name_keys("欧阳修远")
    with twenty.read() as s:
        theirs = [
            m.id
            for m in s.scalars(select(Matter).order_by(*intake._NEWEST_FIRST))
            if any(mp.person_id in {p.id for p in renamed} for mp in m.persons)
        ]
        assert len(theirs) == 5
        for query in ["欧阳", "欧阳修远", "ouyang", "oyxy", "OYX"]:
            f = MatterFilter(query=query)
            # Found in the windows themselves (not by collecting every match after them).
            pf = intake._prepared(s, receptionist, f)
            lk = intake._search_lookups(pf.query, pf.sealed, pf.fts)
            assert intake._among_newest(s, pf, lk, True, 3) == theirs[:3], query
            assert intake.list_matter_ids(s, receptionist, f, limit=3) == theirs[:3], query
            assert intake.list_matter_ids(s, receptionist, f) == theirs, query
        assert intake.list_matter_ids(s, receptionist, MatterFilter(query="李四"), limit=3) == []
        assert intake.list_matter_ids(s, receptionist, MatterFilter(query="lisi"), limit=3) == []


def test_a_numbers_year_is_counted_not_guessed_from_the_newest(twenty, receptionist, monkeypatch):
    """BS2026 holds one year's 受理编号: counted in the number index, "共 20 件" — the newest
    matters (all of 2026) would say every matter of a database that keeps other years."""
    register(twenty, receptionist, make_input(twenty), at=datetime(2025, 6, 1, 9))
    monkeypatch.setattr(intake, "RECENT_WINDOW", 8)
    monkeypatch.setattr(intake, "MANY", 2)
    monkeypatch.setattr(intake, "EXACT_UP_TO", 6)
    with twenty.read() as s:
        assert intake.estimate_matters(s, receptionist, MatterFilter(query="BS2026")) == (
            intake.Estimate(20, True)
        )
        assert intake.estimate_matters(s, receptionist, MatterFilter(query="bs2025")) == (
            intake.Estimate(1, True)
        )
        # With a filter, as before: the matches among the filtered matters.
        open_only = MatterFilter(query="BS2026", statuses=frozenset(OPEN_STATUSES))
        assert intake.estimate_matters(s, receptionist, open_only).count <= 20


def test_matches_collected_at_once_are_sorted_not_found_by_walking_the_newest(twenty, receptionist):
    """A search whose matches are few is collected and sorted; neither backend may turn it
    into a walk of the received_at index testing every row (PostgreSQL did, trusting a guess
    of 1% for a LIKE it had no statistics of: a 受理编号 tail at 1,000,000 matters, 0.8 s)."""
    with twenty.read() as s:
        f = intake._prepared(s, receptionist, MatterFilter(query="0003"))
        q = intake._filtered(f).order_by(*intake._sorted_after_reading(s)).limit(3)
        sql = str(q.compile(twenty.engine, compile_kwargs={"literal_binds": True}))
        if twenty.engine.dialect.name == "postgresql":
            s.execute(text("SET LOCAL enable_seqscan = off"))  # a small table: show the indexes
            plan = " ".join(r[0] for r in s.execute(text("EXPLAIN " + sql)))
        else:
            plan = " ".join(r[-1] for r in s.execute(text("EXPLAIN QUERY PLAN " + sql)))
        assert "ix_matters_received_at" not in plan and "newest_visitors" not in plan, plan
        every = intake.list_matter_ids(s, receptionist, MatterFilter(query="0003"))
        assert list(s.scalars(q)) == every[:3] and len(every) == 2


def test_two_characters_are_read_from_the_summaries_where_the_end_index_is_missing(
    twenty, receptionist
):
    """Without the index of summaries' last two characters (a batch migration dropped it and
    no upgrade has put it back yet), two characters are looked for as before — every summary
    read — rather than through a condition that would read every summary's end."""
    from app.db import Database

    if twenty.engine.dialect.name != "sqlite":
        return  # PostgreSQL has its own index of two-character runs (0035)
    with twenty.engine.begin() as conn:
        conn.exec_driver_sql(f"DROP INDEX {text_search.PAIR_END_INDEX}")
    fresh = Database(twenty.url)  # a new engine: asks again whether the index is there
    try:
        with fresh.read() as s:
            f = intake._prepared(s, receptionist, MatterFilter(query="物业"))
            assert f.fts and f.pair_terms is None
            assert len(intake.list_matter_ids(s, receptionist, MatterFilter(query="物业"))) == 7
    finally:
        fresh.dispose()
        with twenty.engine.begin() as conn:
            text_search.ensure_pair_end(conn)
    with twenty.read() as s:
        assert intake._prepared(s, receptionist, MatterFilter(query="物业")).pair_terms
