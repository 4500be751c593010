"""事项详情: one matter as the reception window, the handling room and the printed documents
show it (persons, timeline, deadline, grid), and a matter found by its 受理编号.

Kept apart from ``intake`` (registration and search) so that printing one document — the
command line's ``zongzhi print receipt`` — need not import the search (issue 17).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field, replace
from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.core.errors import NotFound, PermissionDenied
from app.core.ops import read_op
from app.models import Category, Channel, Grid, Matter, MatterStatus, Person, Unit, User, Village
from app.services.center.calendar import WorkCalendar
from app.services.center.grids import grid_scope
from app.services.context import Actor
from app.services.reception.sealed import sealed_lines
from app.services.security.permissions import Action, allowed
from app.services.validation import mask_id_number, mask_phone


@dataclass(frozen=True)
class PersonView:
    name: str
    id_number: str  # masked unless the role may see it whole
    phone: str
    address: str
    village: str
    # 性别 · 民族 · 出生日期 (ordinary, like the name); 签发机关 and 有效期限 as read from the
    # card, shown in the matter's detail only.
    sex: str = ""
    nation: str = ""
    # 1949-12-31; only the year (1949年) where the ID number is masked, since the whole date
    # is the very part of the number the mask hides.
    birth: str = ""
    authority: str = ""
    validity: str = ""  # 2020.01.01-2040.01.01 / 2020.01.01-长期


def _birth_text(person: Person, show_whole: bool) -> str:
    born = person.birth_date
    if born is None:
        return ""
    return born.isoformat() if show_whole or not person.id_number else f"{born.year}年"


def _validity_text(person: Person) -> str:
    if person.id_valid_from is None and person.id_valid_until is None:
        return ""
    start = person.id_valid_from.strftime("%Y.%m.%d") if person.id_valid_from else ""
    end = person.id_valid_until.strftime("%Y.%m.%d") if person.id_valid_until else "长期"
    return f"{start}-{end}"


@dataclass(frozen=True)
class EventView:
    at: datetime
    kind: str
    who: str
    note: str
    to_status: str


@dataclass(frozen=True)
class MatterDetail:
    id: uuid.UUID
    number: str
    received_at: datetime
    channel: Channel
    category: str
    summary: str
    unit: str
    handler: str
    receptionist: str
    status: MatterStatus
    deadline: date
    deadline_text: str
    answer: str | None
    is_group: bool
    head_count: int | None
    persons: list[PersonView] = field(default_factory=list)
    events: list[EventView] = field(default_factory=list)
    grid: str = ""  # 名称（编码）
    grid_reporter: str = ""


def _load(session: Session, matter_id: uuid.UUID) -> Matter:
    matter = session.get(Matter, matter_id)
    if matter is None:
        raise NotFound("找不到该事项，可能已被撤销，请刷新列表。")
    return matter


@read_op
def matter_detail(
    session: Session, actor: Actor, matter_id: uuid.UUID, *, masked: bool = True
) -> MatterDetail:
    scope = grid_scope(session, actor)
    m = _load(session, matter_id)
    if scope is not None and m.grid_id != scope:
        raise PermissionDenied("这个事项不属于您的网格：网格员只有查看本网格事项的权限。")
    show_whole = not masked and allowed(actor, Action.VIEW_PERSONAL_DATA)
    category = session.get(Category, m.category_id)
    unit = session.get(Unit, m.unit_id) if m.unit_id else None
    receptionist = session.get(User, m.receptionist_id)
    villages = dict(session.execute(select(Village.id, Village.name)).all())
    users = dict(session.execute(select(User.id, User.display_name)).all())
    persons = [
        PersonView(
            mp.person.name,
            (mp.person.id_number or "") if show_whole else mask_id_number(mp.person.id_number),
            (mp.person.phone or "") if show_whole else mask_phone(mp.person.phone),
            mp.person.address or "",
            villages.get(mp.person.village_id, ""),
            mp.person.sex or "",
            mp.person.nation or "",
            _birth_text(mp.person, show_whole),
            mp.person.id_authority or "",
            _validity_text(mp.person),
        )
        for mp in m.persons
    ]
    events = [
        EventView(
            e.at,
            e.kind.label,
            users.get(e.user_id, "系统"),
            e.note or "",
            e.to_status.label if e.to_status else "",
        )
        for e in m.events
    ]
    summary, answer = m.summary, m.answer
    if (line := sealed_lines(session, actor, [m.id]).get(m.id)) is not None:
        # In a room this user is not of: that it is there and its status, no facts or notes.
        summary, answer = line, None
        events = [replace(e, note="") for e in events]
    if m.status == MatterStatus.ANSWERED:
        deadline_text = "当场办结"
    else:
        rule = WorkCalendar.load(session).deadline(
            m.received_at, category.limit_kind, category.limit_days
        )
        # A deadline moved since registration (extension, re-routing) is shown as a date.
        deadline_text = (
            rule.text
            if rule.due == m.deadline
            else (f"{m.deadline.year}年{m.deadline.month}月{m.deadline.day}日前")
        )
    grid = session.get(Grid, m.grid_id) if m.grid_id else None
    return MatterDetail(
        m.id,
        m.number,
        m.received_at,
        m.channel,
        m.category_name or category.name,  # the names it was made with, whatever came later
        summary,
        (m.unit_name or unit.name) if unit else "",
        m.handler_name or "",
        receptionist.display_name if receptionist else "",
        m.status,
        m.deadline,
        deadline_text,
        answer,
        m.is_group,
        m.head_count,
        persons,
        events,
        f"{grid.name}（{grid.code}）" if grid is not None else "",
        m.grid_reporter or "",
    )


@read_op
def find_matter_id(session: Session, actor: Actor, number: str) -> uuid.UUID:
    scope = grid_scope(session, actor)
    q = select(Matter.id).where(Matter.number == number.strip().upper())
    if scope is not None:
        q = q.where(Matter.grid_id == scope)
    mid = session.scalar(q)
    if mid is None:
        raise NotFound(f"找不到受理编号为“{number.strip()}”的事项，请核对编号。")
    return mid
