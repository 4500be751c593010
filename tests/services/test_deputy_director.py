"""常务副主任: the director's rights everywhere, and named as itself."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import select

from app.core import clock
from app.core.errors import PermissionDenied
from app.core.ops import op
from app.models import AuditEntry, Role, Unit, User
from app.services.reception import flow, intake, supervision, work_rules
from app.services.rooms.mediation import printing
from app.services.security import auth
from app.services.security.permissions import PERMISSIONS, Action, allowed, oversees_all
from tests.conftest import STAFF_PASSWORD, actor
from tests.services.test_intake import make_input


def add_deputy(db, admin):
    with db.write() as s:
        auth.create_user(s, admin, "fuzhuren", "吴副主任", Role.DEPUTY_DIRECTOR, STAFF_PASSWORD)
    return actor(db, "fuzhuren")


def test_the_deputy_has_every_right_of_the_director(db, admin):
    deputy, director = add_deputy(db, admin), actor(db, "zhuren")
    assert Role.DEPUTY_DIRECTOR.label == "常务副主任"
    for action in Action:
        assert allowed(deputy, action) == allowed(director, action), action
    assert oversees_all(deputy)
    assert [a for a in PERMISSIONS if Role.DIRECTOR in PERMISSIONS[a]] == [
        a for a in PERMISSIONS if Role.DEPUTY_DIRECTOR in PERMISSIONS[a]
    ]


def test_the_deputy_approves_supervises_and_receives_and_is_named_as_itself(
    db, admin, receptionist
):
    deputy = add_deputy(db, admin)
    with db.write() as s:
        mid = intake.register_matter(
            s, receptionist, make_input(db), at=datetime(2026, 11, 2, 9)
        ).id
        unit = s.scalar(select(Unit.id).where(Unit.name == "司法所"))
        flow.route(s, deputy, mid, unit, "王调解")
        with clock.frozen_at("2026-11-02T10:00"):  # asked and approved on the day
            flow.request_extension(s, deputy, mid, date(2026, 12, 10), "需等待鉴定结果")
            flow.extend(s, deputy, mid)
        order = supervision.issue_order(
            s, deputy, mid, unit, "尽快处理", date(2026, 12, 1), at=datetime(2026, 11, 3, 9)
        )
        work_rules.schedule_leader_day(s, admin, deputy.user_id, date(2026, 12, 7), "接待室")
    with db.read() as s:
        roles = set(
            s.scalars(select(AuditEntry.role).where(AuditEntry.username == "fuzhuren")).all()
        )
        issued_by = s.get(type(order), order.id).issued_by
        choices = [name for _id, name in printing.mediator_choices(s, deputy)]
    assert roles == {"deputy_director"}
    assert issued_by == deputy.user_id
    assert "吴副主任" in choices  # may mediate, as the director may

    outcome = db.run(op(auth.login, "fuzhuren", STAFF_PASSWORD, "A")).value
    assert outcome.actor.role == Role.DEPUTY_DIRECTOR


def test_the_refusal_names_the_role(db, admin):
    deputy = add_deputy(db, admin)
    try:
        with db.write() as s:
            auth.create_user(s, deputy, "x1", "某", Role.RECEPTIONIST, STAFF_PASSWORD)
    except PermissionDenied as exc:
        assert str(exc).startswith("常务副主任没有“管理用户”的权限")
    else:
        raise AssertionError("the deputy may not manage users")
    with db.read() as s:
        assert s.scalar(select(User.role).where(User.username == "fuzhuren")) == (
            Role.DEPUTY_DIRECTOR
        )
