"""领导接访 (leaders' reception days, matters received by a leader) and 组团服务 (teams)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.core.errors import NotFound, ValidationError
from app.core.ops import Change, read_op, write_op
from app.models import EventKind, LeaderDay, Matter, Role, Team, User, Village
from app.models.base import now
from app.services.context import Actor
from app.services.reception import timeline
from app.services.reception.flow import ensure_writable
from app.services.security import audit
from app.services.security.permissions import Action, require
from app.services.validation import validate_text

LEADER_ROLES = {Role.DIRECTOR, Role.DEPUTY_DIRECTOR}


@write_op(Change.USERS, Change.MATTERS)
def schedule_leader_day(
    session: Session, actor: Actor, leader_id: uuid.UUID, day: date, place: str = ""
) -> LeaderDay:
    require(actor, Action.MANAGE_POSTS)
    leader = session.get(User, leader_id)
    if leader is None or leader.role not in LEADER_ROLES:
        raise ValidationError({"leader": "请选择一位领导（主任）"})
    place = validate_text(place, "place", "接访地点", required=False, max_len=64)
    row = LeaderDay(leader_id=leader_id, day=day, place=place)
    session.add(row)
    session.flush()
    audit.record(session, actor, "leader_day", object_type="user", object_id=leader_id)
    return row


@dataclass(frozen=True)
class LeaderDayRow:
    day: date
    leader_id: uuid.UUID
    leader: str
    place: str


@read_op
def leader_days(session: Session, actor: Actor, since: date, until: date) -> list[LeaderDayRow]:
    require(actor, Action.VIEW_MATTERS)
    names = dict(session.execute(select(User.id, User.display_name)).all())
    return [
        LeaderDayRow(d.day, d.leader_id, names.get(d.leader_id, ""), d.place)
        for d in session.scalars(
            select(LeaderDay)
            .where(LeaderDay.day >= since, LeaderDay.day <= until)
            .order_by(LeaderDay.day)
        )
    ]


@write_op(Change.MATTERS)
def mark_received_by_leader(
    session: Session,
    actor: Actor,
    matter_id: uuid.UUID,
    leader_id: uuid.UUID,
    *,
    at: datetime | None = None,
) -> None:
    """The matter was received by a leader on a reception day (shown and listed as such)."""
    require(actor, Action.REGISTER_MATTER)
    m = session.get(Matter, matter_id)
    leader = session.get(User, leader_id)
    if m is None:
        raise NotFound("找不到该事项，请刷新列表。")
    ensure_writable(m, "标记领导接访")
    if leader is None or leader.role not in LEADER_ROLES:
        raise ValidationError({"leader": "请选择接访的领导"})
    m.leader_id = leader.id
    at = (at or now()).replace(microsecond=0)
    timeline.record(
        session,
        actor,
        m,
        EventKind.NOTE,
        f"领导接访：{leader.display_name}",
        audit_event="leader_reception",
        at=at,
    )


@read_op
def matters_by_leader(session: Session, actor: Actor) -> dict[str, list[str]]:
    """受理编号 of matters received by each leader."""
    require(actor, Action.VIEW_MATTERS)
    out: dict[str, list[str]] = {}
    rows = session.execute(
        select(User.display_name, Matter.number)
        .join(Matter, Matter.leader_id == User.id)
        .order_by(Matter.number)
    )
    for name, number in rows:
        out.setdefault(name, []).append(number)
    return out


@write_op(Change.MATTERS)
def form_team(
    session: Session,
    actor: Actor,
    name: str,
    members: str,
    *,
    matter_id: uuid.UUID | None = None,
    village_id: uuid.UUID | None = None,
    at: datetime | None = None,
) -> Team:
    require(actor, Action.ROUTE_MATTER)
    problems: dict[str, str] = {}
    try:
        name = validate_text(name, "name", "服务团名称", max_len=64)
        members = validate_text(members, "members", "成员（网格员、单位人员）", max_len=255)
    except ValidationError as err:
        problems.update(err.fields)
    if (matter_id is None) == (village_id is None):
        problems["target"] = "服务团要指派给一件事项或一个村（社区），二选一"
    if matter_id is not None:
        matter = session.get(Matter, matter_id)
        if matter is None:
            problems["target"] = "找不到该事项"
        else:
            ensure_writable(matter, "指派服务团")
    if village_id is not None and session.get(Village, village_id) is None:
        problems["target"] = "找不到该村（社区）"
    if problems:
        raise ValidationError(problems)
    at = (at or now()).replace(microsecond=0)
    team = Team(
        name=name, members=members, matter_id=matter_id, village_id=village_id, created_at=at
    )
    session.add(team)
    session.flush()
    if matter_id is None:
        audit.record(session, actor, "team_form", object_type="team", object_id=team.id, at=at)
    else:
        timeline.record(
            session,
            actor,
            session.get(Matter, matter_id),
            EventKind.NOTE,
            f"组团服务：{name}（{members}）",
            audit_event="team_form",
            at=at,
            object_type="team",
            object_id=team.id,
        )
    return team


@dataclass(frozen=True)
class TeamRow:
    name: str
    members: str
    target: str


@read_op
def list_teams(session: Session, actor: Actor) -> list[TeamRow]:
    require(actor, Action.VIEW_MATTERS)
    numbers = dict(
        session.execute(
            select(Matter.id, Matter.number).join(Team, Team.matter_id == Matter.id)
        ).all()
    )
    villages = dict(session.execute(select(Village.id, Village.name)).all())
    return [
        TeamRow(t.name, t.members, numbers.get(t.matter_id) or villages.get(t.village_id, ""))
        for t in session.scalars(select(Team).order_by(Team.created_at))
    ]
