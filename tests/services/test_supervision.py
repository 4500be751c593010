"""督查督办: the director orders a unit to act on a matter; the reply is recorded; the 督办单."""

from __future__ import annotations

import io
from datetime import date, datetime

import pytest
from pypdf import PdfReader
from sqlalchemy import select

from app.core.errors import PermissionDenied, ValidationError
from app.models import Unit
from app.services.center.calendar import WorkCalendar
from app.services.reception import detail, intake, supervision
from tests.conftest import actor
from tests.services.test_intake import make_input


def test_order_reply_and_the_printed_order(db, receptionist):
    director, handler = actor(db, "zhuren"), actor(db, "tiaojie")
    with db.write() as s:
        mid = intake.register_matter(
            s, receptionist, make_input(db), at=datetime(2026, 11, 2, 9)
        ).id
        unit = s.scalar(select(Unit.id).where(Unit.name == "综合行政执法队"))
    with db.write() as s, pytest.raises(PermissionDenied):
        supervision.issue_order(s, receptionist, mid, unit, "尽快处理", date(2026, 11, 20))
    with db.write() as s, pytest.raises(ValidationError) as err:
        supervision.issue_order(
            s, director, mid, None, " ", date(2026, 11, 1), at=datetime(2026, 11, 10, 9)
        )
    assert set(err.value.fields) == {"unit", "requirement", "reply_by"}
    with db.write() as s:
        order = supervision.issue_order(
            s,
            director,
            mid,
            unit,
            "请三日内到现场核查并答复群众。",
            date(2026, 11, 13),
            at=datetime(2026, 11, 10, 9),
        )
        oid, number = order.id, order.number
    assert number == "BSDB2026-A-001"
    with db.read() as s:
        (row,) = supervision.list_orders(s, director)
        seen = detail.matter_detail(s, director, mid)
    assert row.late(date(2026, 11, 14)) and not row.late(date(2026, 11, 13))
    assert seen.events[-1].kind == "督办" and number in seen.events[-1].note
    with db.write() as s:
        supervision.record_reply(s, handler, oid, "已到现场核查，责令工地夜间停工。")
    with db.read() as s:
        assert supervision.list_orders(s, director) == []
    with db.write() as s, pytest.raises(ValidationError, match="已经回复过"):
        supervision.record_reply(s, handler, oid, "再次")
    with db.write() as s:
        printed, pdf = supervision.order_pdf(s, director, oid)
    text = PdfReader(io.BytesIO(pdf)).pages[0].extract_text().replace("\n", "")
    for expected in (
        "白石街道综治工作中心",
        "督　办　单",
        number,
        "综合行政执法队",
        "请三日内到现场核查并答复群众。",
        "2026年11月13日",
        "周主任",
        "已到现场核查，责令工地夜间停工。",
        "王调解",
        "王𠮷",
    ):
        assert expected in text, expected


def test_a_new_order_starts_with_the_matters_unit_and_a_working_day(db, receptionist, clock):
    """督办's form is filled with the unit the matter went to and a reply due on a working day
    (three working days on, by default): over a weekend and over the New Year holiday."""
    from app.services.reception import flow

    director = actor(db, "zhuren")
    with db.write() as s:
        mid = intake.register_matter(s, receptionist, make_input(db)).id
        police = s.scalar(select(Unit.id).where(Unit.name == "派出所"))
    with db.write() as s, pytest.raises(PermissionDenied):
        supervision.order_defaults(s, receptionist, mid)
    clock.freeze("2026-12-04")  # a Friday
    with db.read() as s:
        got = supervision.order_defaults(s, director, mid)
    assert got.unit_id is None, "a matter not yet routed: no unit is chosen for the director"
    assert got.reply_by == date(2026, 12, 9)
    with db.write() as s:
        flow.route(s, director, mid, police)
    clock.freeze("2026-12-30")  # a Wednesday: 1 January is a holiday
    with db.read() as s:
        got = supervision.order_defaults(s, director, mid)
    assert got.unit_id == police
    with db.read() as s:
        cal = WorkCalendar.load(s)
    assert cal.is_working_day(got.reply_by) and got.reply_by > date(2027, 1, 1)
    assert got.reply_by == cal.add_working_days(date(2026, 12, 30), 3)
