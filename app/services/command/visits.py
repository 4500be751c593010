"""走访记录 of the 特殊人群 register, and what follows from them: the 最近走访 of each person
(the newest visit), the 待走访 list and the 重点人员走访按期率 of the assessment.

Each group is visited at least every ``visit_interval`` days (系统设置 → 走访周期: 严重精神障碍患者
monthly …). A person's next visit is due that many days after the last one — or after the
listing (列管日期) when there is none yet; a visit made on the due day is on time. A visit's
risk level is the person's current one: the newest visit sets the register's 风险等级, so a
visit that finds 高 risk shows on the command room's risk panel.
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.core import clock
from app.core.errors import NotFound, ValidationError
from app.core.ops import Change, read_op, write_op
from app.models import SpecialPerson, SpecialVisit, Village, VisitMethod, WatchLevel
from app.services.center.settings import CenterSettings, load_settings, visit_interval
from app.services.context import Actor
from app.services.security import audit
from app.services.security.permissions import Action, require
from app.services.validation import validate_text

FINDINGS_MAX = 1000


@dataclass(frozen=True)
class VisitRow:
    id: uuid.UUID
    visited_on: date
    visitor: str
    method: str  # 走访, 电话, 视频
    findings: str
    risk: str  # 低, 中, 高


@dataclass(frozen=True)
class DueVisit:
    """A person of the 待走访 list: when the next visit was due and how late it is."""

    person_id: uuid.UUID
    name: str
    category: str
    village: str
    helper: str
    risk: str
    last_visit_on: date | None
    due_on: date
    days_overdue: int  # negative: due in that many days

    @property
    def overdue(self) -> bool:
        return self.days_overdue > 0


def _choice(enum, value: Any, label: str):
    if isinstance(value, enum):
        return value
    text = str(value or "").strip()
    for member in enum:
        if text in (member.label, member.value):
            return member
    options = "、".join(m.label for m in enum)
    raise ValidationError({label: f"请选择{label}：{options}"})


def _person(session: Session, person_id: uuid.UUID) -> SpecialPerson:
    person = session.get(SpecialPerson, person_id)
    if person is None:
        raise NotFound("找不到这名特殊人群人员，可能已被其他终端修改，请刷新后再试。")
    return person


def clean_visit(raw: dict[str, Any], listed_on: date | None = None) -> dict[str, Any]:
    """A visit as typed (date, visitor, method, findings, risk) checked field by field;
    problems by field key (visited_on, visitor, method, findings, risk_level). With the
    person's ``listed_on`` (列管日期), a visit before it is refused: nobody is visited as a
    key person before being put on the register."""
    from app.services.command.registers import parse_date

    problems: dict[str, str] = {}
    clean: dict[str, Any] = {}
    value = raw.get("visited_on")
    try:
        if value in (None, ""):
            raise ValidationError("请填写走访日期")
        clean["visited_on"] = parse_date(value, "走访日期")
        if clean["visited_on"] > clock.today():
            problems["visited_on"] = "走访日期不能晚于今天"
        elif listed_on is not None and clean["visited_on"] < listed_on:
            problems["visited_on"] = (
                f"走访日期不能早于列管日期（{listed_on.isoformat()}），请核对走访日期"
            )
    except ValidationError as err:
        problems["visited_on"] = next(iter(err.fields.values()))
    visitor = str(raw.get("visitor") or "").strip()
    if not visitor:
        problems["visitor"] = "请填写走访人（工作人员或网格员姓名）"
    try:  # a control character pasted in (U+0000 PostgreSQL cannot even store) is refused
        clean["visitor"] = validate_text(visitor, "visitor", "走访人", required=False, max_len=64)
    except ValidationError as err:
        problems["visitor"] = next(iter(err.fields.values()))
    for key, enum, label in (
        ("method", VisitMethod, "走访方式"),
        ("risk_level", WatchLevel, "风险等级"),
    ):
        try:
            clean[key] = _choice(enum, raw.get(key), label)
        except ValidationError as err:
            problems[key] = next(iter(err.fields.values()))
    try:
        clean["findings"] = validate_text(
            str(raw.get("findings") or ""),
            "findings",
            "走访情况",
            required=False,
            max_len=FINDINGS_MAX,
        )
    except ValidationError as err:
        problems["findings"] = next(iter(err.fields.values()))
    if problems:
        raise ValidationError(problems)
    return clean


@write_op(Change.REGISTERS)
def add_visit(
    session: Session, actor: Actor, person_id: uuid.UUID, raw: dict[str, Any]
) -> uuid.UUID:
    """添加走访记录: checked, saved with an audit row. The newest visit's risk level becomes the
    person's 风险等级."""
    require(actor, Action.EDIT_REGISTERS)
    person = _person(session, person_id)
    clean = clean_visit(raw, person.listed_on)
    visit = SpecialVisit(id=uuid.uuid4(), person_id=person.id, created_by=actor.user_id, **clean)
    session.add(visit)
    session.flush()
    newest = session.scalar(
        select(func.max(SpecialVisit.visited_on)).where(SpecialVisit.person_id == person.id)
    )
    reason = f"{visit.visited_on.isoformat()} {visit.method.label}"
    if visit.visited_on >= newest and person.risk_level != visit.risk_level:
        reason += f"；风险等级 {person.risk_level.label} → {visit.risk_level.label}"
        person.risk_level = visit.risk_level
    audit.record(
        session,
        actor,
        "special_visit_add",
        object_type="special",
        object_id=person.id,
        reason=reason,
    )
    return visit.id


@read_op
def list_visits(session: Session, actor: Actor, person_id: uuid.UUID) -> list[VisitRow]:
    """A person's visit history, newest first."""
    require(actor, Action.VIEW_LEDGERS)
    _person(session, person_id)
    q = (
        select(SpecialVisit)
        .where(SpecialVisit.person_id == person_id)
        .order_by(SpecialVisit.visited_on.desc(), SpecialVisit.created_at.desc())
    )
    return [
        VisitRow(v.id, v.visited_on, v.visitor, v.method.label, v.findings, v.risk_level.label)
        for v in session.scalars(q)
    ]


@read_op
def last_visits(session: Session) -> dict[uuid.UUID, date]:
    """Each person's 最近走访 (the newest visit of the log)."""
    q = select(SpecialVisit.person_id, func.max(SpecialVisit.visited_on)).group_by(
        SpecialVisit.person_id
    )
    return dict(session.execute(q).all())


@dataclass(frozen=True)
class EarlyVisit:
    """A 走访记录 dated before its person's 列管日期 (``zongzhi check`` reports it)."""

    person_id: uuid.UUID
    name: str
    id_number: str | None
    category: str
    village: str
    listed_on: date
    visited_on: date
    visitor: str


@read_op
def visits_before_listing(session: Session) -> list[EarlyVisit]:
    """走访记录 whose 走访日期 is earlier than the person's 列管日期: ``add_visit`` refuses them,
    but records imported before that rule (or a 列管日期 changed since) may be so. Only read:
    which date is wrong is for a person to find out. By person, then visit date."""
    q = (
        select(SpecialPerson, SpecialVisit, Village.name)
        .join(SpecialVisit, SpecialVisit.person_id == SpecialPerson.id)
        .outerjoin(Village, Village.id == SpecialPerson.village_id)
        .where(SpecialVisit.visited_on < SpecialPerson.listed_on)
        .order_by(
            SpecialPerson.name,
            SpecialPerson.id,
            SpecialVisit.visited_on,
            SpecialVisit.created_at,
            SpecialVisit.id,
        )
    )
    return [
        EarlyVisit(
            person.id,
            person.name,
            person.id_number,
            person.category.label,
            village or "",
            person.listed_on,
            visit.visited_on,
            visit.visitor,
        )
        for person, visit, village in session.execute(q)
    ]


def _active(q, on: date):
    return q.where(
        SpecialPerson.listed_on <= on,
        (SpecialPerson.released_on.is_(None)) | (SpecialPerson.released_on > on),
    )


def _due_on(settings: CenterSettings, person: SpecialPerson, last: date | None) -> date:
    days = visit_interval(settings, person.category.value)
    return (last or person.listed_on) + timedelta(days=days)


@read_op
def due_visits(session: Session, today: date, *, within: int = 0) -> list[DueVisit]:
    """The people of the register still listed whose next visit is due by ``today + within``
    days, the longest overdue first (no permission check: counts for the dashboard)."""
    settings = load_settings(session)
    last = last_visits(session)
    q = _active(
        select(SpecialPerson, Village.name).outerjoin(
            Village, Village.id == SpecialPerson.village_id
        ),
        today,
    )
    rows = []
    for person, village in session.execute(q):
        seen = last.get(person.id)
        due = _due_on(settings, person, seen)
        late = (today - due).days
        if late >= -within:
            rows.append(
                DueVisit(
                    person.id,
                    person.name,
                    person.category.label,
                    village or "",
                    person.helper,
                    person.risk_level.label,
                    seen,
                    due,
                    late,
                )
            )
    rows.sort(key=lambda r: (-r.days_overdue, r.name))
    return rows


@read_op
def overdue_visits(
    session: Session, actor: Actor, today: date, *, within: int = 0
) -> list[DueVisit]:
    """待走访: the people whose visit is overdue (``days_overdue`` > 0), longest overdue first;
    with ``within`` also those due in the next that many days (after the overdue ones)."""
    require(actor, Action.VIEW_LEDGERS)
    rows = due_visits(session, today, within=within)
    return rows if within else [r for r in rows if r.overdue]


@read_op
def overdue_count(session: Session, today: date) -> int:
    """How many listed people are overdue for a visit (the dashboard's figure)."""
    return sum(1 for r in due_visits(session, today) if r.overdue)


@read_op
def visit_on_time_rate(
    session: Session,
    start: date,
    end: date,
    village_id: uuid.UUID | None = None,
    grid_id: uuid.UUID | None = None,
) -> tuple[int, int]:
    """重点人员走访按期率 of a period: (visits due in it made on time, visits due in it).

    Every listed person's visits fall due one interval after the previous visit (the first
    one interval after 列管日期). A due day in [start, end] — and not after today, nor after
    the person was released — counts once; it is on time when a visit was made after the
    previous one and on or before the due day. A late or missing visit counts as due and not
    on time; the schedule then goes on from the late visit (or, with none within another
    interval, from the missed due day, so a person left unvisited misses every interval).
    Narrowed to a village or a grid by the person's own village or grid.
    """
    rates = visit_rates(session, start, end, village_id=village_id, grid_id=grid_id)
    return sum(r[0] for r in rates.values()), sum(r[1] for r in rates.values())


@read_op
def visit_rates(
    session: Session,
    start: date,
    end: date,
    village_id: uuid.UUID | None = None,
    grid_id: uuid.UUID | None = None,
) -> dict[uuid.UUID, tuple[int, int]]:
    """``visit_on_time_rate``'s counts per listed person (on time, due), people with nothing
    due left out: one query for the people and one for their visits, so the assessment gets
    every village's or grid's rate from one call."""
    settings = load_settings(session)
    end = min(end, clock.today())
    if end < start:
        return {}
    q = select(SpecialPerson).where(SpecialPerson.listed_on <= end)
    q = q.where((SpecialPerson.released_on.is_(None)) | (SpecialPerson.released_on >= start))
    if village_id is not None:
        q = q.where(SpecialPerson.village_id == village_id)
    if grid_id is not None:
        q = q.where(SpecialPerson.grid_id == grid_id)
    people = list(session.scalars(q))
    if not people:
        return {}
    visits: dict[uuid.UUID, list[date]] = defaultdict(list)
    vq = (
        select(SpecialVisit.person_id, SpecialVisit.visited_on)
        .where(SpecialVisit.person_id.in_([p.id for p in people]))
        .order_by(SpecialVisit.visited_on)
    )
    for person_id, on in session.execute(vq):
        visits[person_id].append(on)
    out: dict[uuid.UUID, tuple[int, int]] = {}
    for person in people:
        on_time = due = 0
        step = timedelta(days=visit_interval(settings, person.category.value))
        stop = min(end, person.released_on) if person.released_on else end
        days = visits[person.id]
        anchor, i = person.listed_on, 0
        while True:
            deadline = anchor + step
            if deadline > stop:
                break
            while i < len(days) and days[i] <= anchor:
                i += 1  # visits on or before the anchor do not meet the next due day
            nxt = days[i] if i < len(days) else None
            made = nxt is not None and nxt <= deadline
            if deadline >= start:
                due += 1
                on_time += made
            late_but_made = nxt is not None and nxt <= deadline + step
            anchor = nxt if made or late_but_made else deadline
        if due:
            out[person.id] = (on_time, due)
    return out


@dataclass(frozen=True)
class HighRisk:
    person_id: uuid.UUID
    name: str
    category: str
    village: str
    since: date | None  # the visit that found it, if a visit did


@read_op
def high_risk_people(session: Session, today: date) -> list[HighRisk]:
    """The listed people whose 风险等级 is 高 (set on the register or by the newest visit), for
    the command room's risk panel."""
    q = _active(
        select(SpecialPerson, Village.name)
        .outerjoin(Village, Village.id == SpecialPerson.village_id)
        .where(SpecialPerson.risk_level == WatchLevel.HIGH)
        .order_by(SpecialPerson.name),
        today,
    )
    last = last_visits(session)
    return [
        HighRisk(p.id, p.name, p.category.label, village or "", last.get(p.id))
        for p, village in session.execute(q)
    ]
