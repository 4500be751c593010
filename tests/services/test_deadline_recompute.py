"""Deadlines computed while a year's holidays were missing are recomputed on request."""

from __future__ import annotations

from datetime import date, datetime

import pytest
from sqlalchemy import select

from app.core import clock
from app.core.errors import PermissionDenied
from app.models import AuditEntry, EventKind, Matter, MatterEvent, Unit
from app.services.center import calendar_admin, deadline_recompute
from app.services.center.holiday_notice import read_notice
from app.services.reception import flow, intake
from tests.conftest import actor
from tests.services.test_intake import make_input

NOTICE_2027 = (
    "国务院办公厅关于2027年部分节假日安排的通知\n"
    "一、元旦：1月1日（周五）至3日（周日）放假，共3天。\n"
    "二、春节：2月5日（农历除夕、周五）至13日（周六）放假调休，共9天。2月14日（周日）上班。\n"
)


def register(db, who, at: datetime):
    with db.write() as s:  # 投诉: 7 working days
        return intake.register_matter(s, who, make_input(db), at=at).id


def enter_2027(db, admin):
    rows = [calendar_admin.DayRow(r.day, r.kind, r.name) for r in read_notice(NOTICE_2027).rows]
    with db.write() as s:
        calendar_admin.replace_year(s, admin, 2027, rows)


def deadline(db, mid) -> date:
    with db.read() as s:
        return s.get(Matter, mid).deadline


def matters_in_2027(db, receptionist):
    director = actor(db, "zhuren")
    across = register(db, receptionist, datetime(2026, 12, 28, 9))  # Monday
    spring = register(db, receptionist, datetime(2027, 1, 29, 9))  # Friday before 春节
    extended = register(db, receptionist, datetime(2027, 1, 29, 10))
    earlier = register(db, receptionist, datetime(2026, 11, 2, 9))
    with db.write() as s:
        unit = s.scalar(select(Unit.id).where(Unit.name == "司法所"))
        flow.route(s, director, extended, unit, "王调解")
        with clock.frozen_at("2027-01-29T11:00"):  # asked and approved on the day
            flow.request_extension(s, director, extended, date(2027, 3, 1), "需等待鉴定结果")
            flow.extend(s, director, extended)
    return across, spring, extended, earlier


def test_weekend_only_deadlines_move_once_the_year_is_entered(db, admin, receptionist):
    across, spring, extended, earlier = matters_in_2027(db, receptionist)
    # Counted while 2027 was missing: weekends only.
    assert deadline(db, across) == date(2027, 1, 6)
    assert deadline(db, spring) == date(2027, 2, 9)
    with db.read() as s:
        assert deadline_recompute.preview(s, admin, 2027) == []  # 2027 not entered yet
    enter_2027(db, admin)
    with db.read() as s:
        preview = deadline_recompute.preview(s, admin, 2027)
    numbers = {mid: n for mid, n in ((m.matter_id, m.number) for m in preview)}
    assert [(m.matter_id, m.old, m.new) for m in preview] == [
        (across, date(2027, 1, 6), date(2027, 1, 7)),  # 1 Jan off
        (spring, date(2027, 2, 9), date(2027, 2, 16)),  # 春节 off, Sunday 14 Feb worked
    ]
    assert deadline(db, across) == date(2027, 1, 6)  # a preview moves nothing

    with pytest.raises(PermissionDenied), db.write() as s:
        deadline_recompute.recompute(s, receptionist, 2027)
    with db.write() as s:
        moved = deadline_recompute.recompute(s, admin, 2027)
    assert moved == preview
    assert deadline(db, across) == date(2027, 1, 7)
    assert deadline(db, spring) == date(2027, 2, 16)
    assert deadline(db, extended) == date(2027, 3, 1)  # approved by the director: kept
    assert deadline(db, earlier) == date(2026, 11, 11)  # not in 2027: untouched
    with db.read() as s:
        notes = s.scalars(
            select(MatterEvent.note).where(
                MatterEvent.matter_id == across, MatterEvent.kind == EventKind.NOTE
            )
        ).all()
        audit = s.execute(
            select(AuditEntry.event, AuditEntry.object_id).order_by(AuditEntry.seq.desc())
        ).first()
        assert deadline_recompute.preview(s, admin, 2027) == []  # once only
    assert notes == ["2027年节假日录入后重算期限：由 2027-01-06 改为 2027-01-07"]
    assert tuple(audit) == ("deadlines_recomputed", "2027")
    assert numbers[across].startswith("BS2026") and numbers[spring].startswith("BS2027")


def test_a_deadline_set_by_another_rule_is_left_alone(db, admin, receptionist):
    mid = register(db, receptionist, datetime(2027, 1, 29, 9))
    with db.write() as s:
        s.get(Matter, mid).deadline = date(2027, 2, 20)  # not what weekends-only gave
    enter_2027(db, admin)
    with db.write() as s:
        assert deadline_recompute.recompute(s, admin, 2027) == []
    assert deadline(db, mid) == date(2027, 2, 20)
