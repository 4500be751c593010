"""The 信访 procedure: the 15-day 受理 clock in lists, 暂停计时 (paused time moves the deadline
by working days for a working-day rule — holidays in the pause do not — and by days for a
calendar-day rule), 复查 within 30 days of the 处理意见 then 复核, each with its own 30-day
limit and its own opinion document."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest
from sqlalchemy import select

from app.core.errors import ValidationError
from app.models import (
    AuditEntry,
    Category,
    EventKind,
    LimitKind,
    Matter,
    MatterEvent,
    ReviewKind,
    Unit,
)
from app.services.center.calendar import WorkCalendar
from app.services.reception import documents, flow, intake, petitions
from app.services.reception.documents import DocKind
from tests.conftest import actor
from tests.services.test_intake import make_input

RECEIVED = datetime(2026, 11, 2, 9)  # a Monday; no holiday in November


@pytest.fixture(autouse=True)
def _frozen(clock):
    clock.freeze("2026-11-03 10:00")


def petition(db, *, routed: bool = False, category: str = "信访事项"):
    """Registered on 2 November; a 信访 letter waits for the 受理 decision (its category has
    no usual unit here, so registering does not route — i.e. accept — it at once)."""
    with db.write() as s:
        s.scalar(select(Category).where(Category.name == "信访事项")).default_unit_id = None
        m = intake.register_matter(
            s, actor(db, "jiedai"), make_input(db, category=category), at=RECEIVED
        )
        mid = m.id
        matter = s.get(Matter, mid)
        if matter.status.value != "registered" and not routed:
            raise AssertionError("expected a registered matter")
        if routed:
            unit = s.scalar(select(Unit.id).where(Unit.name == "司法所"))
            flow.route(s, actor(db, "zhuren"), mid, unit)
    return mid


def test_the_acceptance_clock_shows_in_lists_and_turns_red_when_late(db, clock):
    mid = petition(db)
    with db.read() as s:
        row = intake.matter_rows(s, actor(db, "zhuren"), [mid])[0]
        assert petitions.acceptance_due(s.get(Matter, mid)) == date(2026, 11, 17)
    assert (row.mark, row.alert) == ("待受理·剩14日", False)
    clock.freeze("2026-11-19")
    with db.read() as s:
        row = intake.matter_rows(s, actor(db, "zhuren"), [mid])[0]
    assert (row.mark, row.overdue) == ("受理超期2日", True)


def test_a_pause_while_waiting_for_acceptance_moves_the_15_days(db, clock):
    mid = petition(db)
    director = actor(db, "zhuren")
    with db.write() as s:
        petitions.pause(s, director, mid, "等待当事人补充材料")
    clock.freeze("2026-11-08 10:00")
    with db.write() as s:
        petitions.resume(s, director, mid)
    with db.read() as s:
        assert petitions.acceptance_due(s.get(Matter, mid)) == date(2026, 11, 22)
        row = intake.matter_rows(s, director, [mid])[0]
    assert row.mark == "待受理·剩14日"  # as on the day it was paused


def test_an_ordinary_matter_has_no_acceptance_clock(db):
    mid = petition(db, category="投诉")
    with db.read() as s:
        assert intake.matter_rows(s, actor(db, "zhuren"), [mid])[0].mark == ""


def test_pause_stops_the_clock_and_resume_moves_the_deadline_by_the_days_paused(db, clock):
    mid = petition(db, routed=True)
    director = actor(db, "zhuren")
    with db.read() as s:
        before = s.get(Matter, mid).deadline  # 60 calendar days
    assert before == date(2027, 1, 1)
    with db.write() as s:
        petitions.pause(s, director, mid, "等待当事人补充材料")
    with db.read() as s:
        row = intake.matter_rows(s, director, [mid])[0]
    assert row.mark == "暂停中" and row.days_left is None
    with db.write() as s, pytest.raises(ValidationError, match="已暂停计时"):
        petitions.pause(s, director, mid, "再次暂停")
    clock.freeze("2026-11-13 16:00")  # ten days later
    with db.write() as s:
        assert petitions.resume(s, director, mid) == date(2027, 1, 11)
    with db.read() as s:
        notes = [
            (e.kind, e.note)
            for e in s.scalars(select(MatterEvent).where(MatterEvent.matter_id == mid))
            if e.kind in (EventKind.PAUSED, EventKind.RESUMED)
        ]
        audited = set(s.scalars(select(AuditEntry.event)))
        m = s.get(Matter, mid)
        assert m.paused_at is None and m.pause_reason is None
    assert notes[0] == (EventKind.PAUSED, "暂停计时：等待当事人补充材料")
    assert "2027-01-01 顺延至 2027-01-11" in notes[1][1]
    assert {"matter_pause", "matter_resume"} <= audited


def test_completing_a_paused_matter_ends_the_pause(db):
    mid = petition(db, routed=True)
    director = actor(db, "zhuren")
    with db.write() as s:
        petitions.pause(s, director, mid, "等待当事人补充材料")
        flow.accept(s, director, mid)
        flow.complete(s, director, mid, "已答复。")
    with db.read() as s:
        assert s.get(Matter, mid).paused_at is None
        assert intake.matter_rows(s, director, [mid])[0].mark == ""


def test_resume_without_pause_and_an_empty_reason_are_refused(db):
    mid = petition(db, routed=True)
    director = actor(db, "zhuren")
    with db.write() as s, pytest.raises(ValidationError, match="没有暂停计时"):
        petitions.resume(s, director, mid)
    with db.write() as s, pytest.raises(ValidationError) as err:
        petitions.pause(s, director, mid, "  ")
    assert "暂停的理由" in err.value.fields["text"]


def test_paused_working_days_skip_the_holidays_in_the_pause():
    """国庆: 1–7 October are holidays, Saturday 10 October is a working day. Paused from
    Wednesday 30 September to Friday 9 October: the working days in the pause are 30 Sept
    and 8 Oct only, so a working-day deadline moves two working days."""
    holidays = {date(2026, 10, d) for d in range(1, 8)}
    cal = WorkCalendar(holidays, {date(2026, 10, 10)}, {2026})
    due = date(2026, 10, 9)  # a Friday
    moved = petitions.shifted_deadline(
        cal, due, LimitKind.WORKING, date(2026, 9, 30), date(2026, 10, 9)
    )
    assert moved == date(2026, 10, 12)  # Sat 10 Oct (调休) and Mon 12 Oct
    # the same pause under a calendar-day rule: nine days
    assert petitions.shifted_deadline(
        cal, due, LimitKind.CALENDAR, date(2026, 9, 30), date(2026, 10, 9)
    ) == due + timedelta(days=9)
    # a pause entirely inside the holiday moves a working-day deadline not at all
    assert (
        petitions.shifted_deadline(
            cal, due, LimitKind.WORKING, date(2026, 10, 2), date(2026, 10, 6)
        )
        == due
    )
    # paused and resumed on one day: nothing
    assert (
        petitions.shifted_deadline(
            cal, due, LimitKind.CALENDAR, date(2026, 9, 30), date(2026, 9, 30)
        )
        == due
    )


def complete(db, mid, when: str, clock) -> None:
    clock.freeze(when)
    handler = actor(db, "zhuren")
    with db.write() as s:
        flow.accept(s, handler, mid)
        flow.complete(s, handler, mid, "经核实，已责令施工单位22时后停止施工。")


def test_review_within_thirty_days_then_recheck_each_with_its_own_limit_and_opinion(db, clock):
    mid = petition(db, routed=True)
    complete(db, mid, "2026-11-20 10:00", clock)
    director = actor(db, "zhuren")
    clock.freeze("2026-12-30")
    with db.write() as s, pytest.raises(ValidationError) as err:
        petitions.request_review(s, director, mid, "区信访局", "不服处理意见", date(2026, 12, 21))
    assert "30日内" in err.value.fields["on"] and "2026-12-20" in err.value.fields["on"]
    with db.write() as s:
        r = petitions.request_review(
            s, director, mid, "区信访局", "不服处理意见", date(2026, 12, 18)
        )
        assert (r.kind, r.due) == (ReviewKind.REVIEW, date(2027, 1, 17))
    with db.write() as s, pytest.raises(ValidationError, match="复查正在办理"):
        petitions.request_review(s, director, mid, "市信访局", "再请求", date(2026, 12, 30))
    with db.write() as s:
        petitions.decide_review(s, director, r.id, "维持原处理意见。", date(2026, 12, 30))
    with db.write() as s:
        r2 = petitions.request_review(
            s, director, mid, "市信访局", "不服复查意见", date(2026, 12, 30)
        )
        assert (r2.kind, r2.due) == (ReviewKind.RECHECK, date(2027, 1, 29))
        petitions.decide_review(s, director, r2.id, "维持复查意见。", date(2026, 12, 30))
    with db.write() as s, pytest.raises(ValidationError, match="最终意见"):
        petitions.request_review(s, director, mid, "省信访局", "再请求", date(2026, 12, 30))
    with db.read() as s:
        docs = documents.list_documents(s, director, mid)
        titles = [d.title for d in docs]
        assert {"处理意见书", "复查意见书", "复核意见书"} <= set(titles)
        for d in docs:
            if d.kind in (DocKind.OPINION, DocKind.REVIEW):
                title, pdf = documents.render_document_pdf(s, director, mid, d.key)
                assert pdf.startswith(b"%PDF")
        lines = [v.line for v in petitions.list_reviews(s, director, mid)]
    assert lines[0].startswith("复查：2026-12-18 向区信访局提出") and "维持原处理意见" in lines[0]


def test_no_review_before_the_opinion_or_for_an_ordinary_matter(db, clock):
    director = actor(db, "zhuren")
    mid = petition(db, routed=True)
    with db.write() as s, pytest.raises(ValidationError, match="还没有出具处理意见"):
        petitions.request_review(s, director, mid, "区信访局", "不服", date(2026, 11, 3))
    other = petition(db, category="投诉")
    with db.write() as s, pytest.raises(ValidationError, match="只有信访事项"):
        petitions.request_review(s, director, other, "区信访局", "不服", date(2026, 11, 3))
