"""首办责任: a routed matter is worked by its handler (or their B), its unit's staff, or the
director, nobody else; archived matters stay read-only for every kind of write."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from app.core import clock
from app.core.errors import PermissionDenied, ValidationError
from app.models import (
    ArrangementKind,
    AuditEntry,
    Matter,
    MatterEvent,
    MatterStatus,
    Role,
    SupervisionOrder,
    Team,
    Unit,
    User,
)
from app.services.reception import arrangements, flow, intake, posts, supervision, work_rules
from app.services.reception.flow import Move
from app.services.security import auth
from tests.conftest import STAFF_PASSWORD, actor
from tests.services.test_intake import make_input


def ids(db, *usernames):
    with db.read() as s:
        return [s.scalar(select(User.id).where(User.username == u)) for u in usernames]


def unit(db, name="司法所"):
    with db.read() as s:
        return s.scalar(select(Unit.id).where(Unit.name == name))


def routed(db, receptionist, **kw):
    with db.write() as s:
        mid = intake.register_matter(s, receptionist, make_input(db)).id
        flow.route(s, receptionist, mid, unit(db), **kw)
    return mid


def moves(db, who, mid):
    with db.read() as s:
        return flow.moves_for(s, who, mid)


def test_only_the_handler_their_b_and_the_director_work_a_matter_routed_to_a_person(
    db, receptionist, admin
):
    mediator, director = actor(db, "tiaojie"), actor(db, "zhuren")
    (tiaojie_id,) = ids(db, "tiaojie")
    mid = routed(db, receptionist, handler_user_id=tiaojie_id)
    # The window routed it; it is not the window's to accept or hand back.
    assert Move.ACCEPT not in moves(db, receptionist, mid)
    assert Move.RETURN not in moves(db, receptionist, mid)
    with db.write() as s, pytest.raises(PermissionDenied, match="由王调解承办"):
        flow.accept(s, receptionist, mid)
    with db.read() as s:
        assert s.get(Matter, mid).status == MatterStatus.ROUTED, "a refused move changes nothing"
    assert {Move.ACCEPT, Move.RETURN} <= set(moves(db, mediator, mid))
    with db.write() as s:
        flow.accept(s, mediator, mid)
    # The handler goes on leave: the B of their post now covers, the window still does not.
    with db.write() as s:
        b_id = auth.create_user(s, admin, "tiaojie2", "李调解", Role.MEDIATOR, STAFF_PASSWORD).id
        posts.set_post(s, admin, "调解员", tiaojie_id, b_id)
        posts.add_absence(
            s, admin, tiaojie_id, clock.today(), clock.today() + timedelta(days=2), "年假"
        )
    b_mediator = actor(db, "tiaojie2")  # the B
    assert Move.PROGRESS in moves(db, b_mediator, mid)
    assert Move.PROGRESS not in moves(db, receptionist, mid)
    with db.write() as s:
        flow.add_progress(s, b_mediator, mid, "B岗代为约谈双方")
        flow.add_progress(s, director, mid, "主任过问")
    with db.write() as s, pytest.raises(PermissionDenied, match="B岗"):
        flow.complete(s, receptionist, mid, "越权办结")
    with db.read() as s:
        m = s.get(Matter, mid)
        assert m.status == MatterStatus.IN_PROGRESS and m.result is None


def test_a_matter_routed_to_a_unit_is_worked_by_that_units_staff(db, receptionist, admin):
    mediator = actor(db, "tiaojie")
    (jiedai_id,) = ids(db, "jiedai")
    # 司法所 has no accounts yet: the center's staff record its work for it.
    mid = routed(db, receptionist)
    assert Move.ACCEPT in moves(db, mediator, mid)
    # Now 司法所 has a member of staff on the system: the matter is theirs.
    with db.write() as s:
        auth.set_unit(s, admin, jiedai_id, unit(db))
    assert Move.ACCEPT not in moves(db, mediator, mid)
    with db.write() as s, pytest.raises(PermissionDenied, match="只有该单位的工作人员或主任"):
        flow.return_matter(s, mediator, mid, "不属于我们")
    with db.write() as s:
        flow.accept(s, receptionist, mid)
        flow.complete(s, receptionist, mid, "已为群众出具证明。")
    with db.read() as s:
        assert s.get(Matter, mid).status == MatterStatus.DONE


def test_the_supervised_unit_replies_to_its_order(db, receptionist, admin):
    director, mediator = actor(db, "zhuren"), actor(db, "tiaojie")
    (jiedai_id,) = ids(db, "jiedai")
    mid = routed(db, receptionist)
    with db.write() as s:
        auth.set_unit(s, admin, jiedai_id, unit(db))
        oid = supervision.issue_order(
            s, director, mid, unit(db), "请三日内答复", clock.today() + timedelta(days=3)
        ).id
    with db.read() as s:
        assert [o.can_reply for o in supervision.list_orders(s, receptionist)] == [True]
        assert [o.can_reply for o in supervision.list_orders(s, mediator)] == [False]
        assert [o.can_reply for o in supervision.list_orders(s, director)] == [True]
    with db.write() as s, pytest.raises(PermissionDenied, match="督办的是司法所"):
        supervision.record_reply(s, mediator, oid, "代为回复")
    with db.write() as s:
        supervision.record_reply(s, receptionist, oid, "已答复群众。")
    with db.read() as s:
        assert s.get(SupervisionOrder, oid).reply == "已答复群众。"


def test_archived_matters_take_no_more_writes(db, receptionist, admin):
    director = actor(db, "zhuren")
    (director_id,) = ids(db, "zhuren")
    with db.write() as s:
        answered = make_input(db, category="咨询")
        answered.answer = "已当场解答"
        mid = intake.register_matter(s, receptionist, answered).id
        item = arrangements.arrange(
            s,
            receptionist,
            mid,
            ArrangementKind.APPOINTMENT,
            clock.now() + timedelta(days=1),
            "司法所",
        )
        flow.archive(s, receptionist, mid)
        item_id = item.id
    with db.read() as s:
        events = s.scalar(select(func.count()).select_from(MatterEvent))
        audits = s.scalar(select(func.count()).select_from(AuditEntry))
    attempts = [
        lambda s: supervision.issue_order(
            s, director, mid, unit(db), "督办", clock.today() + timedelta(days=3)
        ),
        lambda s: work_rules.mark_received_by_leader(s, receptionist, mid, director_id),
        lambda s: work_rules.form_team(s, receptionist, "服务团", "网格员", matter_id=mid),
        lambda s: arrangements.record_outcome(s, receptionist, item_id, "已见面"),
    ]
    for attempt in attempts:
        with db.write() as s, pytest.raises(ValidationError, match="已归档，只能查看"):
            attempt(s)
    with db.read() as s:
        assert s.scalar(select(func.count()).select_from(MatterEvent)) == events
        assert s.scalar(select(func.count()).select_from(AuditEntry)) == audits
        assert s.scalar(select(func.count()).select_from(SupervisionOrder)) == 0
        assert s.scalar(select(func.count()).select_from(Team)) == 0
        assert s.get(Matter, mid).leader_id is None
