"""AB岗: routing to an absent A goes to B; matters waiting on an absent A show who covers."""

from __future__ import annotations

from datetime import date, datetime

import pytest
from sqlalchemy import select

from app.core.errors import PermissionDenied, ValidationError
from app.models import Matter, Role, Unit
from app.services.reception import flow, intake, posts
from app.services.security import auth
from tests.conftest import actor
from tests.services.test_intake import make_input


def test_absent_a_is_covered_by_b(db, receptionist, admin):
    director = actor(db, "zhuren")
    with db.write() as s:
        b = auth.create_user(s, admin, "tiaojie2", "李调解", Role.MEDIATOR, "Tiaojie#2027")
        a_id, b_id = actor(db, "tiaojie").user_id, b.id
        unit = s.scalar(select(Unit.id).where(Unit.name == "矛盾纠纷调解室"))
    with db.write() as s, pytest.raises(PermissionDenied):
        posts.set_post(s, receptionist, "调解员", a_id, b_id)
    with db.write() as s:
        posts.set_post(s, director, "调解员", a_id, b_id)
        with pytest.raises(ValidationError, match="结束日期"):
            posts.add_absence(s, director, a_id, date(2026, 11, 20), date(2026, 11, 18), "年假")
        posts.add_absence(s, director, a_id, date(2026, 11, 16), date(2026, 11, 20), "培训")
    with db.write() as s:
        before = intake.register_matter(
            s, receptionist, make_input(db), at=datetime(2026, 11, 13, 9)
        ).id
        flow.route(
            s, receptionist, before, unit, handler_user_id=a_id, at=datetime(2026, 11, 13, 10)
        )  # A at work: A handles it
        during = intake.register_matter(
            s, receptionist, make_input(db), at=datetime(2026, 11, 17, 9)
        ).id
        flow.route(
            s, receptionist, during, unit, handler_user_id=a_id, at=datetime(2026, 11, 17, 10)
        )  # A away: B handles it
    with db.read() as s:
        assert s.get(Matter, before).handler_user_id == a_id
        m = s.get(Matter, during)
        assert m.handler_user_id == b_id and m.handler_name == "李调解"
        assert "A岗 王调解 不在岗，由B岗 李调解 承办" in m.events[-1].note
        waiting = posts.waiting_on_absent(s, director, date(2026, 11, 18))
        assert [(w.number, w.absent, w.covered_by) for w in waiting] == [
            ("BS2026-A-000001", "王调解", "李调解")
        ]
        assert posts.waiting_on_absent(s, director, date(2026, 11, 23)) == []
