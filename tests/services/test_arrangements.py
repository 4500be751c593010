"""预约联动、信访陪访、代理服务: arranged for a matter, listed for the day, outcome recorded."""

from __future__ import annotations

from datetime import date, datetime

import pytest

from app.core.errors import ValidationError
from app.models import ArrangementKind
from app.services.reception import arrangements, detail, intake
from tests.services.test_intake import make_input


def test_appointments_escorts_and_proxy_service(db, receptionist):
    with db.write() as s:
        mid = intake.register_matter(s, receptionist, make_input(db)).id
        appt = arrangements.arrange(
            s,
            receptionist,
            mid,
            ArrangementKind.APPOINTMENT,
            datetime(2026, 12, 1, 9, 30),
            "司法所、派出所",
            "李接待",
        )
        arrangements.arrange(
            s,
            receptionist,
            mid,
            ArrangementKind.ESCORT,
            datetime(2026, 12, 3, 8, 0),
            "市信访局",
            "王调解",
        )
        with pytest.raises(ValidationError, match="承诺办结日期"):
            arrangements.arrange(
                s, receptionist, mid, ArrangementKind.PROXY, datetime(2026, 12, 1, 14), "陈咨询"
            )
        arrangements.arrange(
            s,
            receptionist,
            mid,
            ArrangementKind.PROXY,
            datetime(2026, 12, 1, 14),
            "陈咨询",
            promised_by=date(2026, 12, 10),
        )
        appt_id = appt.id
    with db.read() as s:
        today = arrangements.list_arrangements(s, receptionist, day=date(2026, 12, 1))
    assert [(r.kind, r.parties) for r in today] == [
        (ArrangementKind.APPOINTMENT, "司法所、派出所"),
        (ArrangementKind.PROXY, "陈咨询"),
    ]
    with db.write() as s:
        arrangements.record_outcome(s, receptionist, appt_id, "三方现场协调，达成一致意见。")
        with pytest.raises(ValidationError, match="已经记录过结果"):
            arrangements.record_outcome(s, receptionist, appt_id, "再次")
    with db.read() as s:
        rows = arrangements.list_arrangements(s, receptionist, matter_id=mid)
        notes = [e.note for e in detail.matter_detail(s, receptionist, mid).events]
    assert rows[0].outcome.startswith("三方现场协调")
    assert any(n.startswith("信访陪访：2026-12-03 08:00 市信访局") for n in notes)
    assert notes[-1] == "预约联动结果：三方现场协调，达成一致意见。"
