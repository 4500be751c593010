"""Registering at the window: stored matter, numbers, nothing half-saved, earlier visits, search."""

from __future__ import annotations

import re
from datetime import date, datetime

import pytest
from sqlalchemy import event, func, select

from app.core.errors import PermissionDenied, ValidationError
from app.models import (
    OPEN_STATUSES,
    AuditEntry,
    Category,
    Channel,
    Matter,
    MatterStatus,
    NumberCounter,
    Person,
)
from app.services.reception import detail, intake
from app.services.reception.intake import IntakeInput, MatterFilter, VisitorInput
from tests.conftest import actor

VALID_ID = "11010519491231002X"


def category_id(db, name):
    with db.read() as s:
        return s.scalar(select(Category.id).where(Category.name == name))


def make_input(db, **kw) -> IntakeInput:
    visitors = kw.pop("visitors", None) or [
        VisitorInput(name="王𠮷", id_number=VALID_ID, phone="13812345678", address="白石村1号")
    ]
    return IntakeInput(
        channel=kw.pop("channel", Channel.VISIT),
        visitors=visitors,
        category_id=kw.pop("category_id", None) or category_id(db, kw.pop("category", "投诉")),
        summary=kw.pop("summary", "反映工地夜间施工噪音扰民，要求限制施工时间。"),
        **kw,
    )


def register(db, who, data, at=None):
    with db.write() as s:
        return intake.register_matter(s, who, data, at=at)


def counts(db):
    with db.read() as s:
        return tuple(
            s.scalar(select(func.count()).select_from(t))
            for t in (Matter, Person, AuditEntry, NumberCounter)
        )


def test_register_stores_the_matter_the_person_the_timeline_and_an_audit_row(db, receptionist):
    at = datetime(2026, 11, 20, 9, 30)  # a Friday
    result = register(db, receptionist, make_input(db), at=at)
    assert result.number == "BS2026-A-000001"
    assert result.status == MatterStatus.REGISTERED  # 投诉 has no default unit: awaits routing
    with db.read() as s:
        m = s.get(Matter, result.id)
        assert m.summary.startswith("反映工地夜间施工")
        assert m.receptionist_id == receptionist.user_id
        assert [mp.person.name for mp in m.persons] == ["王𠮷"]
        assert m.persons[0].person.id_number == VALID_ID
        assert m.persons[0].person.phone_tail == "5678"
        assert m.deadline == date(2026, 12, 1)  # 7 working days after Friday 20 Nov
        assert [e.kind.value for e in m.events][0] == "registered"
        row = s.scalars(select(AuditEntry).order_by(AuditEntry.seq.desc())).first()
        assert (row.event, row.object_id, row.username) == (
            "matter_register",
            str(m.id),
            "jiedai",
        )
        assert "王" not in (row.reason or "")  # no personal data in the audit log


def test_numbers_are_gap_free_per_year_and_a_refused_registration_uses_none(db, receptionist):
    first = register(db, receptionist, make_input(db), at=datetime(2026, 3, 2, 10))
    before = counts(db)
    with pytest.raises(ValidationError):
        register(db, receptionist, make_input(db, summary="  "), at=datetime(2026, 3, 2, 11))
    assert counts(db) == before, "a refused registration writes nothing"
    second = register(db, receptionist, make_input(db), at=datetime(2026, 3, 2, 12))
    next_year = register(db, receptionist, make_input(db), at=datetime(2027, 1, 4, 9))
    assert [first.number, second.number, next_year.number] == [
        "BS2026-A-000001",
        "BS2026-A-000002",
        "BS2027-A-000001",
    ]


def test_every_problem_is_reported_with_a_message_saying_what_to_fix(db, receptionist):
    bad = make_input(
        db,
        visitors=[VisitorInput(name="", id_number="110105194912310021", phone="12345")],
        summary="",
    )
    bad.category_id = None
    with pytest.raises(ValidationError) as err:
        register(db, receptionist, bad)
    fields = err.value.fields
    assert set(fields) >= {
        "visitors[0].name",
        "visitors[0].id_number",
        "visitors[0].phone",
        "category",
        "summary",
    }
    assert "校验" in fields["visitors[0].id_number"]
    assert "类别" in fields["category"]
    assert counts(db)[0] == 0


def test_consultation_answered_on_the_spot_is_closed_in_one_step(db, receptionist):
    data = make_input(db, category="咨询", summary="咨询城乡居民养老保险补缴政策")
    data.answer = "可在每年缴费期内到社保所补缴，需带身份证和户口簿。"
    result = register(db, receptionist, data)
    with db.read() as s:
        m = s.get(Matter, result.id)
        assert m.status == MatterStatus.ANSWERED
        assert m.answer.startswith("可在每年缴费期内")
        assert m.closed_at is not None
        assert [e.kind.value for e in m.events] == ["registered", "answered"]
    assert result.deadline_text.startswith("当场办结")


def test_same_id_number_links_to_the_same_person_and_shows_earlier_visits(db, receptionist):
    register(db, receptionist, make_input(db), at=datetime(2026, 5, 6, 9))
    register(db, receptionist, make_input(db), at=datetime(2026, 6, 8, 9))
    with db.read() as s:
        assert s.scalar(select(func.count()).select_from(Person)) == 1
        by_id = intake.earlier_visits(s, receptionist, id_number=VALID_ID.lower())
        by_phone = intake.earlier_visits(s, receptionist, phone="138-1234-5678")
        by_name = intake.earlier_visits(s, receptionist, name="王𠮷")
        wide = str.maketrans("0123456789Xx-", "０１２３４５６７８９ＸＸ－")  # 全角 typing
        by_wide_id = intake.earlier_visits(s, receptionist, id_number=VALID_ID.translate(wide))
        by_wide_phone = intake.earlier_visits(s, receptionist, phone="１３８－１２３４－５６７８")
    assert len(by_wide_id) == 2 and len(by_wide_phone) == 2
    assert len(by_id) == 2 and by_id[0].matched_by == "身份证号"
    assert by_id[0].row.received_at > by_id[1].row.received_at
    assert len(by_phone) == 2 and by_phone[0].matched_by == "电话"
    assert len(by_name) == 2


@pytest.mark.parametrize(
    "query",
    [
        "BS2026-A-000001",
        "张三",
        "zhangsan",
        "zs",
        "zhang",
        "5678",
        "养老保险",
        "13812345678",
        "５６７８",  # typed in an input method's 全角 mode
        "ｚｓ",
        "ｂｓ２０２６－Ａ－０００００１",
    ],
)
def test_search_finds_by_number_name_pinyin_initials_phone_tail_and_summary(
    db, receptionist, query
):
    register(
        db,
        receptionist,
        make_input(
            db,
            visitors=[VisitorInput(name="张三", phone="13812345678")],
            summary="咨询养老保险补缴",
        ),
        at=datetime(2026, 11, 20, 9, 30),  # so its number is BS2026-A-000001 in any year
    )
    register(
        db,
        receptionist,
        make_input(db, visitors=[VisitorInput(name="李四", phone="13900001111")]),
        at=datetime(2026, 11, 20, 10),
    )
    with db.read() as s:
        rows = intake.search(s, receptionist, query)
    assert [r.persons for r in rows] == ["张三"]


def test_a_page_of_search_results_is_the_first_page_of_all_results(db, receptionist, monkeypatch):
    """Found among the newest matters or by collecting every match, a search returns the same
    matters, newest first (ties by number); the limit is applied in the query itself."""
    names = ["张三", "张伟", "李四", "王芳"]
    for i in range(16):
        visitor = VisitorInput(name=names[i % 4], phone=f"1380000{i:04d}")
        summary = "邻里纠纷，要求调解" if i % 3 == 0 else "咨询养老保险补缴"
        at = datetime(2026, 1, 1 + i // 2, 9)  # two matters at each moment
        register(db, receptionist, make_input(db, visitors=[visitor], summary=summary), at=at)
    # Small enough that both ways are taken here: a "window" of 5 newest, "many" from 2.
    monkeypatch.setattr(intake, "RECENT_WINDOW", 5)
    monkeypatch.setattr(intake, "MANY", 2)
    monkeypatch.setattr(intake, "WINDOW_TRIES", 1)
    among_newest, answered_there = intake._among_newest, []

    def spy(*args):
        found = among_newest(*args)
        answered_there.append(found is not None)
        return found

    monkeypatch.setattr(intake, "_among_newest", spy)
    statements = []
    event.listen(db.engine, "before_cursor_execute", lambda *a: statements.append(a[2]))
    queries = ["张", "zhang", "zs", "纠纷", "养老", "13800", "0003", "BS2026", "BS2026-A-00001"]
    with db.read() as s:
        for query in [*queries, "王芳", "无此人"]:
            everything = intake.list_matter_ids(s, receptionist, MatterFilter(query=query))
            for limit in (1, 3, 8, 50):
                page = intake.list_matter_ids(
                    s, receptionist, MatterFilter(query=query), limit=limit
                )
                assert page == everything[:limit], (query, limit)
            statements.clear()
            rows = intake.search(s, receptionist, query, limit=3)
            assert [r.id for r in rows] == everything[:3]
            assert all(
                "LIMIT" in sql for sql in statements if "ORDER BY matters.received_at" in sql
            )
    assert True in answered_there and False in answered_there  # both ways were taken


def test_a_search_narrowed_by_status_or_category_finds_the_same_matters(db, receptionist):
    """With a status or a category chosen, text is tested on those matters only; the answer
    is the unfiltered one, filtered."""
    names = ["张三", "李四"]
    for i in range(8):
        data = make_input(
            db,
            visitors=[VisitorInput(name=names[i % 2], phone=f"1380000{i:04d}")],
            summary="邻里纠纷，要求调解" if i % 2 else "问路",
            category="咨询" if i % 3 == 0 else "投诉",
        )
        if i % 3 == 0:
            data.answer = "已当场解答"  # closed on the spot
        register(db, receptionist, data, at=datetime(2026, 2, 1 + i, 9))
    consult = category_id(db, "咨询")
    with db.read() as s:
        for query in ["纠纷", "问路", "张", "zs", "0003", "13800", "BS2026", "lisi"]:
            every = intake.matter_rows(
                s, receptionist, intake.list_matter_ids(s, receptionist, MatterFilter(query=query))
            )
            open_only = MatterFilter(query=query, statuses=frozenset(OPEN_STATUSES))
            assert intake.list_matter_ids(s, receptionist, open_only) == [
                r.id for r in every if r.status in OPEN_STATUSES
            ], query
            by_category = MatterFilter(query=query, category_id=consult)
            assert intake.list_matter_ids(s, receptionist, by_category) == [
                r.id for r in every if r.category == "咨询"
            ], query


def test_list_filters_open_overdue_and_today(db, receptionist):
    old = register(db, receptionist, make_input(db), at=datetime(2026, 1, 5, 9))
    data = make_input(db, category="咨询", summary="问路")
    data.answer = "在二楼"
    done = register(db, receptionist, data, at=datetime(2026, 1, 5, 10))
    today = date(2026, 3, 2)
    with db.read() as s:
        overdue = intake.list_matter_ids(
            s, receptionist, MatterFilter(overdue_only=True, today=today)
        )
        window = intake.list_matter_ids(
            s, receptionist, MatterFilter(open_or_today=True, today=today)
        )
        rows = intake.matter_rows(s, receptionist, overdue, today=today)
    assert overdue == [old.id] and window == [old.id]
    assert done.id not in window
    assert rows[0].overdue and rows[0].days_left < 0


def test_roles_without_intake_are_refused(db):
    with pytest.raises(PermissionDenied, match="没有"):
        register(db, actor(db, "zixun"), make_input(db))
    with pytest.raises(PermissionDenied):
        register(db, actor(db, "admin"), make_input(db))


def test_detail_masks_id_and_phone(db, receptionist):
    r = register(db, receptionist, make_input(db))
    with db.read() as s:
        d = detail.matter_detail(s, receptionist, r.id)
    assert d.persons[0].id_number == "110105********002X"
    assert d.persons[0].phone == "138****5678"
    assert re.search(r"\d+个工作日", d.deadline_text)
