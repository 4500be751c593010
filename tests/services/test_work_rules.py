"""领导接访 and 组团服务; "my matters" for a handler."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select

from app.core.errors import ValidationError
from app.models import Unit, Village
from app.services.reception import detail, flow, intake, work_rules
from app.services.reception.intake import MatterFilter
from app.services.security import auth
from tests.conftest import actor
from tests.services.test_intake import make_input


def test_leader_days_and_matters_received_by_a_leader(db, receptionist, clock):
    clock.freeze("2026-12-02")  # the leader's day, when the matter is received
    director = actor(db, "zhuren")
    with db.write() as s:
        with pytest.raises(ValidationError, match="领导"):
            work_rules.schedule_leader_day(s, director, receptionist.user_id, date(2026, 12, 2))
        work_rules.schedule_leader_day(s, director, director.user_id, date(2026, 12, 2), "接待室")
        mid = intake.register_matter(s, receptionist, make_input(db)).id
        work_rules.mark_received_by_leader(s, receptionist, mid, director.user_id)
    with db.read() as s:
        days = work_rules.leader_days(s, receptionist, date(2026, 12, 1), date(2026, 12, 31))
        by_leader = work_rules.matters_by_leader(s, director)
        note = detail.matter_detail(s, receptionist, mid).events[-1].note
    assert [(d.day, d.leader, d.place) for d in days] == [(date(2026, 12, 2), "周主任", "接待室")]
    assert by_leader == {"周主任": ["BS2026-A-000001"]} and note == "领导接访：周主任"


def test_teams_go_to_a_matter_or_a_village(db, receptionist, clock):
    clock.freeze("2026-12-02")
    with db.write() as s:
        mid = intake.register_matter(s, receptionist, make_input(db)).id
        village = s.scalar(select(Village.id).where(Village.name == "白石村"))
        with pytest.raises(ValidationError, match="二选一"):
            work_rules.form_team(s, receptionist, "白石服务团", "网格员张某、司法所李某")
        work_rules.form_team(
            s, receptionist, "白石服务团", "网格员张某、司法所李某", village_id=village
        )
        work_rules.form_team(s, receptionist, "噪音专班", "执法队王某", matter_id=mid)
    with db.read() as s:
        teams = work_rules.list_teams(s, receptionist)
    assert [(t.name, t.target) for t in teams] == [
        ("白石服务团", "白石村"),
        ("噪音专班", "BS2026-A-000001"),
    ]


def test_my_matters(db, receptionist):
    handler = actor(db, "tiaojie")
    with db.write() as s:
        unit = s.scalar(select(Unit.id).where(Unit.name == "司法所"))
        mine = intake.register_matter(s, receptionist, make_input(db)).id
        intake.register_matter(s, receptionist, make_input(db))
        flow.route(s, receptionist, mine, unit, handler_user_id=handler.user_id)
    with db.read() as s:
        ids = intake.list_matter_ids(s, handler, MatterFilter(handler_user_id=handler.user_id))
    assert ids == [mine]


def test_my_units_matters_and_leader_list(db, receptionist, admin):
    handler = actor(db, "tiaojie")
    with db.write() as s:
        unit = s.scalar(select(Unit.id).where(Unit.name == "司法所"))
        auth.set_unit(s, admin, handler.user_id, unit)
        ours = intake.register_matter(s, receptionist, make_input(db)).id
        intake.register_matter(s, receptionist, make_input(db))
        flow.route(s, receptionist, ours, unit)
        work_rules.mark_received_by_leader(s, receptionist, ours, actor(db, "zhuren").user_id)
    with db.read() as s:
        mine = intake.list_matter_ids(
            s, handler, MatterFilter(unit_id=auth.unit_of(s, handler.user_id))
        )
        led = intake.list_matter_ids(s, handler, MatterFilter(leader_only=True))
    assert mine == [ours] and led == [ours]
