"""综合信息指挥室: the director's figures, charts and risks, each with the matters behind it.

Every figure is built from one ``Select`` of matter ids (``_ids_for``), so the number shown and
the list that opens when it is clicked come from the same condition and cannot disagree.
Figure keys are plain tuples (``("overdue",)``, ``("week_category", "2026-11-02", cat_id)``),
so the view can hold them and ask for the list later.

Risks that live in other rooms (family cases with violence risk, counselling crisis alerts)
come from providers registered with ``register_risk_provider``; a provider returns counts and
matter ids only, never notes.
"""

from __future__ import annotations

import importlib
import uuid
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta

from sqlalchemy import ColumnElement, Integer, Select, and_, case, cast, exists, func, or_, select
from sqlalchemy.orm import Session, aliased

from app.core import clock
from app.core.errors import ValidationError
from app.core.ops import read_op
from app.models import (
    OPEN_STATUSES,
    CaseRoom,
    CaseStatus,
    Category,
    Matter,
    MatterPerson,
    MatterStatus,
    MatterTally,
    MediationCase,
    Person,
    Satisfaction,
    SupervisionOrder,
    Unit,
    Village,
    ViolenceRisk,
)
from app.models import tallies as tl
from app.services.center.calendar import WorkCalendar
from app.services.center.settings import load_settings
from app.services.command import visits
from app.services.context import Actor
from app.services.reception.intake import PAGE, MatterRow, matter_rows
from app.services.security.permissions import Action, require
from app.services.validation import mask_name

S = MatterStatus
FigureKey = tuple[str, ...]

WEEKS = 12  # intake-per-week chart: the last twelve weeks, Monday to Sunday
# Resolution time in calendar days from received to closed: (label, lowest day, highest day).
RESOLUTION_BUCKETS: list[tuple[str, int, int | None]] = [
    ("当日", 0, 0),
    ("1–3天", 1, 3),
    ("4–7天", 4, 7),
    ("8–15天", 8, 15),
    ("16–30天", 16, 30),
    ("30天以上", 31, None),
]
NO_VILLAGE = "（未填村社区）"
VISITS_HINT = "特殊人群超过走访周期仍未走访的人数（系统设置中按人员类别设走访周期）"
NO_UNIT = "（未交办）"


def _day_start(d: date) -> datetime:
    return datetime.combine(d, datetime.min.time())


def _open():
    return Matter.status.in_(list(OPEN_STATUSES))


def resolved_condition():
    """办结: closed with a result or an answer (不予受理 and 移送 are closed, not resolved)."""
    return or_(
        Matter.status.in_([S.DONE, S.FED_BACK, S.ANSWERED]),
        and_(
            Matter.status == S.ARCHIVED,
            or_(Matter.result.is_not(None), Matter.answer.is_not(None)),
        ),
    )


def _not_refused():
    """Matters the center took on: everything except 不予受理 and 移送 (archived or not)."""
    return ~or_(
        Matter.status.in_([S.REJECTED, S.TRANSFERRED]),
        and_(Matter.status == S.ARCHIVED, Matter.result.is_(None), Matter.answer.is_(None)),
    )


def first_village_subquery():
    """matter id → the village of its first visitor (the matter's village)."""
    return (
        select(MatterPerson.matter_id.label("matter_id"), Person.village_id.label("village_id"))
        .join(Person, Person.id == MatterPerson.person_id)
        .where(MatterPerson.position == 0)
        .subquery()
    )


def _supervised():
    return exists().where(SupervisionOrder.matter_id == Matter.id, SupervisionOrder.reply.is_(None))


# --- what the tab shows ------------------------------------------------------------------


@dataclass(frozen=True)
class Figure:
    key: FigureKey
    label: str
    value: int
    text: str  # what the tile shows: "12", "87.5%"
    hint: str = ""


@dataclass(frozen=True)
class RiskItem:
    key: FigureKey
    kind: str  # 家暴风险 / 危机预警 / 重复来访 / 群体性
    text: str
    count: int


@dataclass(frozen=True)
class VillageRow:
    village_id: uuid.UUID | None
    village: str
    received: int
    open: int
    overdue: int
    group: int
    resolved: int

    @property
    def rate(self) -> float | None:
        return self.resolved / self.received if self.received else None


@dataclass(frozen=True)
class Bar:
    key: FigureKey
    label: str
    value: int


@dataclass
class WeeklySeries:
    weeks: list[date]  # Mondays, oldest first
    categories: list[tuple[uuid.UUID, str]]
    counts: dict[tuple[date, uuid.UUID], int] = field(default_factory=dict)

    def key(self, week: date, category_id: uuid.UUID) -> FigureKey:
        return ("week_category", week.isoformat(), str(category_id))


@dataclass
class Dashboard:
    today: date
    figures: list[Figure]
    risks: list[RiskItem]
    risk_notes: list[str]  # e.g. "调解室尚未启用：家暴风险案件无从统计"
    weekly: WeeklySeries
    villages: list[VillageRow]
    overdue_by_unit: list[Bar]
    resolution_times: list[Bar]

    def figure(self, key: str) -> Figure:
        return next(f for f in self.figures if f.key[0] == key)


# --- risk providers (mediation and counselling plug in here) ----------------------------

RiskProvider = Callable[[Session, Actor, date], list[RiskItem]]
RiskIds = Callable[[Session, Actor, FigureKey, date], list[uuid.UUID] | None]


@dataclass(frozen=True)
class _Provider:
    name: str
    risks: RiskProvider
    ids: RiskIds
    missing_note: str


_PROVIDERS: dict[str, _Provider] = {}


def register_risk_provider(
    name: str, risks: RiskProvider, ids: RiskIds, *, missing_note: str = ""
) -> None:
    """A room adds its risks: ``risks`` lists them, ``ids`` answers the keys it made."""
    _PROVIDERS[name] = _Provider(name, risks, ids, missing_note)


# Shown while the rooms that feed them are not part of this program yet.
PENDING_RISKS = {
    "family_violence": "家事调解室的家暴风险案件：调解室功能启用后在此显示。",
    "crisis_alerts": "暖心工作室的危机预警（不含谈话记录）：暖心工作室功能启用后在此显示。",
}


def _violence_cases(session: Session):
    return (
        select(MediationCase.violence_risk, MediationCase.matter_id)
        .where(MediationCase.room == CaseRoom.FAMILY)
        .where(MediationCase.violence_risk.in_([ViolenceRisk.LOW, ViolenceRisk.HIGH]))
        .where(MediationCase.status.in_([CaseStatus.ACCEPTED, CaseStatus.MEDIATING]))
    )


# Rooms that register their risks when imported (the director's window may never import
# them otherwise).
PROVIDER_MODULES = ("app.services.rooms.counselling",)


def _load_providers() -> None:
    for name in PROVIDER_MODULES:
        try:
            importlib.import_module(name)
        except ImportError:  # a room this program does not have
            continue


def _family_violence_risks(session: Session, actor: Actor, today: date) -> list[RiskItem]:
    """Open family cases with a violence risk: counts only (the case file stays in the room)."""
    risks = [r for r, _m in session.execute(_violence_cases(session))]
    if not risks:
        return []
    high = sum(1 for r in risks if r == ViolenceRisk.HIGH)
    return [
        RiskItem(
            ("family_violence",),
            "家暴风险",
            f"家事调解室在办案件 {len(risks)} 件有家暴风险"
            f"（高 {high} 件、低 {len(risks) - high} 件）",
            len(risks),
        )
    ]


def _family_violence_ids(
    session: Session, actor: Actor, key: FigureKey, today: date
) -> list[uuid.UUID] | None:
    if key != ("family_violence",):
        return None
    return [m for _r, m in session.execute(_violence_cases(session)) if m is not None]


# --- the conditions behind each figure --------------------------------------------------


def _period_of_month(today: date) -> tuple[datetime, datetime]:
    start = today.replace(day=1)
    nxt = (start + timedelta(days=32)).replace(day=1)
    return _day_start(start), _day_start(nxt)


def _period_of_year(today: date) -> tuple[datetime, datetime]:
    return _day_start(date(today.year, 1, 1)), _day_start(date(today.year + 1, 1, 1))


def _due_soon_deadlines(session: Session, today: date, cal: WorkCalendar) -> list[date]:
    """Deadlines of open matters that fall within two working days from today."""
    deadlines = session.scalars(
        select(Matter.deadline).where(_open(), Matter.deadline >= today).distinct()
    )
    return [d for d in deadlines if 0 <= cal.working_days_left(today, d) <= 2]


def _repeat_people(session: Session, today: date) -> list[tuple[uuid.UUID, str, int]]:
    settings = load_settings(session)
    since = _day_start(today - timedelta(days=settings.repeat_visit_days - 1))
    # Count visits per person first; only the few who came often are looked up by name.
    visits = (
        select(MatterPerson.person_id.label("person_id"), func.count().label("visits"))
        .join(Matter, Matter.id == MatterPerson.matter_id)
        .where(Matter.received_at >= since, Matter.received_at < _day_start(today) + timedelta(1))
        .group_by(MatterPerson.person_id)
        .having(func.count() >= settings.repeat_visit_min)
        .subquery()
    )
    q = (
        select(Person.id, Person.name, visits.c.visits)
        .join(visits, visits.c.person_id == Person.id)
        .order_by(visits.c.visits.desc(), Person.name)
    )
    return [(r[0], r[1], r[2]) for r in session.execute(q)]


# Figures whose condition reads the matters table alone: the dashboard counts them all in
# one pass (``sum(case(...))``), the lists select by the same condition.
SCANNED_FIGURES = ("today", "open", "due_soon", "overdue", "resolved_month", "rate", "satisfaction")


def _figure_condition(session: Session, kind: str, today: date) -> ColumnElement[bool]:
    day = _day_start(today)
    if kind == "today":
        return and_(Matter.received_at >= day, Matter.received_at < day + timedelta(1))
    if kind == "open":
        return _open()
    if kind == "due_soon":
        cal = WorkCalendar.load(session)
        return and_(_open(), Matter.deadline.in_(_due_soon_deadlines(session, today, cal)))
    if kind == "overdue":
        return and_(_open(), Matter.deadline < today)
    if kind == "resolved_month":
        start, end = _period_of_month(today)
        return and_(resolved_condition(), Matter.closed_at >= start, Matter.closed_at < end)
    if kind == "rate":  # the denominator: this year's matters the center took on
        start, end = _period_of_year(today)
        return and_(Matter.received_at >= start, Matter.received_at < end, _not_refused())
    if kind == "satisfaction":
        start, end = _period_of_year(today)
        return and_(
            Matter.satisfaction.is_not(None), Matter.feedback_at >= start, Matter.feedback_at < end
        )
    raise ValidationError(f"看不懂的统计项：{kind}")


def _with_first_village(q: Select) -> tuple[Select, ColumnElement]:
    """Outer-join each matter's first visitor to ``q``; returns ``q`` and their village column.

    Joined directly (not through ``first_village_subquery``), so SQLite looks each matter's
    visitor up by index instead of building the whole matter → village table per query.
    """
    mp, p = aliased(MatterPerson), aliased(Person)
    q = q.outerjoin(mp, and_(mp.matter_id == Matter.id, mp.position == 0)).outerjoin(
        p, p.id == mp.person_id
    )
    return q, p.village_id


def _ids_for(session: Session, key: FigureKey, today: date) -> Select:
    """The ids of the matters behind a figure (one condition per key)."""
    q = select(Matter.id)
    kind = key[0]
    day = _day_start(today)
    if kind in SCANNED_FIGURES:
        return q.where(_figure_condition(session, kind, today))
    if kind == "supervised":
        return q.where(_supervised())
    if kind == "week_category":
        monday = date.fromisoformat(key[1])
        q = q.where(
            Matter.received_at >= _day_start(monday),
            Matter.received_at < _day_start(monday + timedelta(7)),
        )
        if len(key) > 2 and key[2]:
            q = q.where(Matter.category_id == uuid.UUID(key[2]))
        return q
    if kind == "village":  # ("village", village_id or "", column)
        start, end = _period_of_year(today)
        vid = uuid.UUID(key[1]) if key[1] else None
        q, village = _with_first_village(q)
        q = q.where(Matter.received_at >= start, Matter.received_at < end).where(
            village == vid if vid else village.is_(None)
        )
        column = key[2]
        if column == "open":
            q = q.where(_open())
        elif column == "overdue":
            q = q.where(_open(), Matter.deadline < today)
        elif column == "group":
            q = q.where(Matter.is_group.is_(True))
        elif column == "resolved":
            q = q.where(resolved_condition())
        return q
    if kind == "overdue_unit":
        uid = uuid.UUID(key[1]) if key[1] else None
        return q.where(
            _open(),
            Matter.deadline < today,
            Matter.unit_id == uid if uid else Matter.unit_id.is_(None),
        )
    if kind == "resolution":
        _label, lo, hi = RESOLUTION_BUCKETS[int(key[1])]
        days = _days_between(session)
        q = q.where(_resolved_this_year(today), days >= lo)
        return q.where(days <= hi) if hi is not None else q
    if kind == "repeat":
        settings = load_settings(session)
        since = _day_start(today - timedelta(days=settings.repeat_visit_days - 1))
        return (
            q.join(MatterPerson, MatterPerson.matter_id == Matter.id)
            .where(MatterPerson.person_id == uuid.UUID(key[1]))
            .where(Matter.received_at >= since, Matter.received_at < day + timedelta(1))
        )
    if kind == "group":  # ("group", category_id, village_id or "")
        vid = uuid.UUID(key[2]) if key[2] else None
        q, village = _with_first_village(q)
        return q.where(
            _open(),
            Matter.is_group.is_(True),
            Matter.category_id == uuid.UUID(key[1]),
            village == vid if vid else village.is_(None),
        )
    raise ValidationError(f"看不懂的统计项：{kind}")


def _days_between(session: Session):
    """Whole calendar days from received to closed, in SQL (SQLite and PostgreSQL)."""
    if session.get_bind().dialect.name == "postgresql":
        return cast(
            func.date_part(
                "day",
                func.date_trunc("day", Matter.closed_at)
                - func.date_trunc("day", Matter.received_at),
            ),
            Integer,
        )
    return cast(
        func.julianday(func.date(Matter.closed_at)) - func.julianday(func.date(Matter.received_at)),
        Integer,
    )


def _count(session: Session, q: Select) -> int:
    return session.scalar(select(func.count()).select_from(q.subquery())) or 0


@read_op
def matter_ids_for(
    session: Session, actor: Actor, key: FigureKey, *, today: date | None = None
) -> list[uuid.UUID]:
    """The matters behind a figure, a bar or a risk, newest first."""
    require(actor, Action.VIEW_COMMAND)
    today = today or clock.today()
    if key and key[0] not in _KNOWN_KEYS:
        _load_providers()
        for p in _PROVIDERS.values():
            ids = p.ids(session, actor, key, today)
            if ids is not None:
                return ids
        raise ValidationError(f"看不懂的统计项：{key[0]}")
    sub = _ids_for(session, key, today).subquery()
    q = (
        select(Matter.id)
        .where(Matter.id.in_(select(sub.c.id)))
        .order_by(Matter.received_at.desc(), Matter.number.desc())
    )
    return list(session.scalars(q))


# Keys whose matters are a condition on the matters table alone (no join: one row each).
_ON_MATTERS_ALONE = {*SCANNED_FIGURES, "supervised", "week_category", "overdue_unit", "resolution"}


def _behind(session: Session, actor: Actor, key: FigureKey, today: date) -> ColumnElement:
    """The matters behind a key, as a condition on ``Matter.id`` (a room's risk: its ids)."""
    if key and key[0] not in _KNOWN_KEYS:
        return Matter.id.in_(matter_ids_for(session, actor, key, today=today))
    return Matter.id.in_(select(_ids_for(session, key, today).subquery().c.id))


@read_op
def command_matter_page(
    session: Session,
    actor: Actor,
    key: FigureKey,
    *,
    after: tuple[datetime, str] | None = None,
    limit: int = PAGE,
    today: date | None = None,
) -> list[MatterRow]:
    """A page of the list behind a figure, newest first, after the key (received_at, number)
    of the last row shown (``None``: the first page): paged by key, never every id."""
    require(actor, Action.VIEW_COMMAND)
    today = today or clock.today()
    if key and key[0] in _ON_MATTERS_ALONE:  # read in the list's order, stopping when full
        q = _ids_for(session, key, today)
    else:
        q = select(Matter.id).where(_behind(session, actor, key, today))
    if after is not None:
        at, number = after
        q = q.where(Matter.received_at <= at, or_(Matter.received_at < at, Matter.number < number))
    q = q.order_by(Matter.received_at.desc(), Matter.number.desc()).limit(limit)
    return command_matter_rows(session, actor, list(session.scalars(q)), today=today)


# The list behind a figure is counted up to this many; beyond, it says "10000 件以上" (a
# year's matters at a busy center: counting them all took 6 s at 300,000).
COUNT_UP_TO = 10_000


@read_op
def count_matters_for(
    session: Session,
    actor: Actor,
    key: FigureKey,
    *,
    today: date | None = None,
    up_to: int = COUNT_UP_TO,
) -> int:
    """How many matters are behind a figure, counted no further than ``up_to`` (a result of
    ``up_to`` means at least that many); in the database, no ids loaded."""
    require(actor, Action.VIEW_COMMAND)
    today = today or clock.today()
    q = select(Matter.id).where(_behind(session, actor, key, today)).limit(up_to)
    return _count(session, q)


@read_op
def command_matter_rows(
    session: Session,
    actor: Actor,
    ids: list[uuid.UUID],
    *,
    today: date | None = None,
    calendar: WorkCalendar | None = None,
) -> list[MatterRow]:
    """A page of the list behind a figure: names masked (张*), no summary (a shared screen)."""
    require(actor, Action.VIEW_COMMAND)
    rows = matter_rows(session, actor, ids, today=today, calendar=calendar)
    names: dict[uuid.UUID, list[str]] = defaultdict(list)
    for mid, name in session.execute(
        select(MatterPerson.matter_id, Person.name)
        .join(Person, Person.id == MatterPerson.person_id)
        .where(MatterPerson.matter_id.in_(ids))
        .order_by(MatterPerson.matter_id, MatterPerson.position)
    ):
        names[mid].append(mask_name(name))
    return [replace(r, persons="、".join(names[r.id]), summary="") for r in rows]


_KNOWN_KEYS = {
    "today",
    "open",
    "due_soon",
    "overdue",
    "supervised",
    "resolved_month",
    "rate",
    "satisfaction",
    "week_category",
    "village",
    "overdue_unit",
    "resolution",
    "repeat",
    "group",
}


# --- the dashboard -----------------------------------------------------------------------


def _pct(n: int, d: int) -> str:
    return f"{100 * n / d:.1f}%" if d else "—"


@read_op
def dashboard(
    session: Session,
    actor: Actor,
    *,
    today: date | None = None,
    villages: bool = True,
    repeats: bool = True,
) -> Dashboard:
    """Everything the tab shows. ``villages=False`` leaves the table by village empty and
    ``repeats=False`` the repeat visitors out of the risks: the tab asks for them separately
    (``village_rows``, ``repeat_risks``: each reads matters, not tallies), so the rest is
    drawn while they are counted."""
    require(actor, Action.VIEW_COMMAND)
    today = today or clock.today()

    # Every figure but 督办中 comes from the tallies (``app/models/tallies.py``): a few hundred
    # rows kept with each write, instead of a pass over every matter.
    got, took = _tallied_figures(session, today)
    got["supervised"] = (
        session.scalar(
            select(func.count(func.distinct(SupervisionOrder.matter_id))).where(
                SupervisionOrder.reply.is_(None)
            )
        )
        or 0
    )
    taken, resolved_year = got["rate"], got["resolved_year"]
    sat = {level: got[f"sat_{level.name}"] for level in Satisfaction}
    sat_total = sum(sat.values())
    pleased = sat.get(Satisfaction.SATISFIED, 0) + sat.get(Satisfaction.FAIRLY, 0)
    figures = []
    for key, label, hint in [
        ("today", "今日受理", "今天登记的事项"),
        ("open", "在办", "已登记、已分流、办理中"),
        ("due_soon", "即将到期", "两个工作日内到期的在办事项"),
        ("overdue", "超期", "超过办理期限仍未办结"),
        ("supervised", "督办中", "督办单尚未回复"),
        ("resolved_month", "本月办结", "本月办结（含当场办结）"),
    ]:
        v = got[key]
        figures.append(Figure((key,), label, v, str(v), hint))
    figures.append(
        Figure(
            ("rate",),
            "本年办结率",
            resolved_year,
            _pct(resolved_year, taken),
            f"本年受理 {taken} 件（不含不予受理、移送），已办结 {resolved_year} 件",
        )
    )
    figures.append(
        Figure(
            ("satisfaction",),
            "本年满意率",
            pleased,
            _pct(pleased, sat_total),
            f"回访 {sat_total} 件：满意 {sat.get(Satisfaction.SATISFIED, 0)}、基本满意 "
            f"{sat.get(Satisfaction.FAIRLY, 0)}、不满意 {sat.get(Satisfaction.DISSATISFIED, 0)}",
        )
    )
    due_visits = visits.overdue_count(session, today)
    figures.append(Figure(("visits_overdue",), "待走访", due_visits, str(due_visits), VISITS_HINT))
    risks, notes = _risks(session, actor, today, repeats)
    return Dashboard(
        today=today,
        figures=figures,
        risks=risks,
        risk_notes=notes,
        weekly=_weekly(session, today),
        villages=_villages(session, today) if villages else [],
        overdue_by_unit=_overdue_by_unit(session, today),
        resolution_times=_resolution_bars(took),
    )


# --- reading the tallies -------------------------------------------------------------------


def _tally(facet: str, *columns, where=()):
    """``select`` of the tally rows of ``facet`` (summed by ``columns``)."""
    t = MatterTally
    q = select(*columns, func.sum(t.n), func.sum(t.heads)).where(t.facet == facet, *where)
    return q.group_by(*columns) if columns else q


def _year_days(today: date) -> tuple[date, date]:
    return date(today.year, 1, 1), date(today.year + 1, 1, 1)


def _open_by_deadline(session: Session) -> list[tuple[date, int]]:
    """Open matters by deadline: (deadline, count)."""
    t = MatterTally
    return [(d, int(n)) for d, n, _h in session.execute(_tally(tl.OPEN, t.day)) if n]


def _overdue_by(session: Session, today: date, column, *where) -> dict[str, int]:
    """Open matters past their deadline, by ``column`` of the open tallies."""
    t = MatterTally
    q = _tally(tl.OPEN, column, where=[t.day < today, *where])
    return {k: int(n) for k, n, _h in session.execute(q) if n}


def _tallied_figures(session: Session, today: date) -> tuple[dict[str, int], dict[int, int]]:
    """The figures that the tallies answer, and this year's resolved matters by days taken."""
    t = MatterTally
    got: dict[str, int] = defaultdict(int)
    first, after = _year_days(today)
    month, next_month = (d.date() for d in _period_of_month(today))
    in_year = (t.day >= first, t.day < after)
    got["today"] = int(session.execute(_tally(tl.RECEIVED, where=[t.day == today])).one()[0] or 0)
    for klass, n, _h in session.execute(_tally(tl.BY_VILLAGE, t.c, where=in_year)):
        klass = klass.rstrip("g")
        if klass != "refused":
            got["rate"] += n
        if klass == "resolved":
            got["resolved_year"] += n
    opened = _open_by_deadline(session)
    got["open"] = sum(n for _d, n in opened)
    got["overdue"] = sum(n for d, n in opened if d < today)
    cal = WorkCalendar.load(session)
    # Two working days never span a month, so later deadlines need no counting of days.
    month_on = today + timedelta(days=31)
    got["due_soon"] = sum(
        n for d, n in opened if today <= d <= month_on and cal.working_days_left(today, d) <= 2
    )
    took: dict[int, int] = defaultdict(int)
    for days, n, _h in session.execute(_tally(tl.CLOSED, t.a, where=in_year)):
        took[int(days)] += n
    in_month = (t.day >= month, t.day < next_month)
    got["resolved_month"] = int(session.execute(_tally(tl.CLOSED, where=in_month)).one()[0] or 0)
    for level, n, _h in session.execute(_tally(tl.FEEDBACK, t.a, where=in_year)):
        got["satisfaction"] += n
        got[f"sat_{level}"] += n
    return got, took


@read_op
def repeat_risks(session: Session, actor: Actor, *, today: date | None = None) -> list[RiskItem]:
    """The repeat visitors among the risks (``dashboard(repeats=False)`` leaves them out):
    the people who came ``repeat_visit_min`` times within ``repeat_visit_days``."""
    require(actor, Action.VIEW_COMMAND)
    today = today or clock.today()
    settings = load_settings(session)
    return [
        RiskItem(
            ("repeat", str(pid)),
            "重复来访",
            f"{name}：{settings.repeat_visit_days} 天内来访 {count} 次",
            count,
        )
        for pid, name, count in _repeat_people(session, today)
    ]


# The risks listed after the repeat visitors (``_risks``' order), by the first part of a key.
AFTER_REPEATS = frozenset({"special_high", "group"})


def with_repeats(risks: list[RiskItem], repeats: list[RiskItem]) -> list[RiskItem]:
    """The risks with the repeat visitors in their place (after the rooms' risks, before
    those of ``AFTER_REPEATS``), replacing any shown before."""
    rest = [r for r in risks if r.key[0] != "repeat"]
    at = next((i for i, r in enumerate(rest) if r.key[0] in AFTER_REPEATS), len(rest))
    return rest[:at] + list(repeats) + rest[at:]


def _risks(
    session: Session, actor: Actor, today: date, repeats: bool = True
) -> tuple[list[RiskItem], list[str]]:
    items: list[RiskItem] = []
    notes: list[str] = []
    _load_providers()
    for name, note in PENDING_RISKS.items():
        p = _PROVIDERS.get(name)
        if p is None:
            notes.append(note)
        else:
            items += p.risks(session, actor, today)
    if repeats:
        items += repeat_risks(session, actor, today=today)
    for p in visits.high_risk_people(session, today):
        seen = f"，{p.since:%m月%d日}走访" if p.since else ""
        text = f"{p.name}（{p.category}{'·' + p.village if p.village else ''}）风险等级高{seen}"
        items.append(RiskItem(("special_high", str(p.person_id)), "重点人员", text, 1))
    t = MatterTally
    cats = dict(session.execute(select(Category.id, Category.name)).all())
    names = dict(session.execute(select(Village.id, Village.name)).all())
    groups = []
    for cid, vid, count, people in session.execute(_tally(tl.OPEN_GROUP, t.a, t.b)):
        cid, vid = tl.uuid_of(cid), tl.uuid_of(vid)
        if count and cid in cats:
            groups.append((cid, cats[cid], vid, names.get(vid) if vid else None, count, people))
    groups.sort(key=lambda g: (-g[4], g[1]))
    for cid, cname, vid, vname, count, people in groups:
        items.append(
            RiskItem(
                ("group", str(cid), str(vid or "")),
                "群体性",
                f"{vname or NO_VILLAGE} · {cname}：在办 {count} 件，涉及约 {people} 人",
                int(count),
            )
        )
    return items, notes


def _weekly(session: Session, today: date) -> WeeklySeries:
    this_monday = today - timedelta(days=today.weekday())
    weeks = [this_monday - timedelta(weeks=WEEKS - 1 - i) for i in range(WEEKS)]
    cats = [
        (c.id, c.name)
        for c in session.scalars(select(Category).order_by(Category.sort, Category.name))
    ]
    series = WeeklySeries(weeks, cats)
    t = MatterTally
    rows = session.execute(
        _tally(
            tl.RECEIVED,
            t.day,
            t.a,
            where=[t.day >= weeks[0], t.day < this_monday + timedelta(7)],
        )
    )
    for d, cid, count, _h in rows:
        if not count:
            continue
        monday = d - timedelta(days=d.weekday())
        key = (monday, uuid.UUID(cid))
        series.counts[key] = series.counts.get(key, 0) + int(count)
    used = {cid for (_w, cid) in series.counts}
    series.categories = [c for c in cats if c[0] in used]
    return series


@read_op
def village_rows(session: Session, actor: Actor, *, today: date | None = None) -> list[VillageRow]:
    """This year's matters by the first visitor's village (the slowest part of the dashboard:
    every matter of the year is joined to its visitor)."""
    require(actor, Action.VIEW_COMMAND)
    return _villages(session, today or clock.today())


def _villages(session: Session, today: date) -> list[VillageRow]:
    t = MatterTally
    first, after = _year_days(today)
    # village → [received, open, overdue, group, resolved]
    counts: dict[uuid.UUID | None, list[int]] = defaultdict(lambda: [0, 0, 0, 0, 0])
    q = _tally(tl.BY_VILLAGE, t.b, t.c, where=[t.day >= first, t.day < after])
    for vid, klass, n, _h in session.execute(q):
        c = counts[tl.uuid_of(vid)]
        c[0] += n
        c[1] += n if klass.startswith("open") else 0
        c[3] += n if klass.endswith("g") else 0
        c[4] += n if klass.startswith("resolved") else 0
    for vid, n in _overdue_by(session, today, t.b, t.c == str(today.year)).items():
        counts[tl.uuid_of(vid)][2] += n
    got = {vid: (vid, *c) for vid, c in counts.items() if c[0]}
    rows = []
    for village in session.scalars(select(Village).order_by(Village.sort, Village.name)):
        r = got.pop(village.id, None)
        rows.append(_village_row(village.id, village.name, r))
    if None in got:
        rows.append(_village_row(None, NO_VILLAGE, got.pop(None)))
    return rows


def _village_row(vid, name, r) -> VillageRow:
    if r is None:
        return VillageRow(vid, name, 0, 0, 0, 0, 0)
    return VillageRow(vid, name, r[1], r[2] or 0, r[3] or 0, r[4] or 0, r[5] or 0)


def _sum_case(cond):
    return func.sum(case((cond, 1), else_=0))


def _overdue_by_unit(session: Session, today: date) -> list[Bar]:
    counts = _overdue_by(session, today, MatterTally.a)
    names = dict(session.execute(select(Unit.id, Unit.name)).all())
    bars = [(tl.uuid_of(u), n) for u, n in counts.items() if n]
    named = [(uid, names.get(uid) if uid else None, n) for uid, n in bars]
    # The order SQL gave: most first, then by name (no unit, NULL, first).
    named.sort(key=lambda b: (-b[2], b[1] is not None, b[1] or ""))
    return [Bar(("overdue_unit", str(uid or "")), name or NO_UNIT, n) for uid, name, n in named]


def _resolved_this_year(today: date) -> ColumnElement[bool]:
    """Resolved with a closing time this year: the matters of the resolution-time chart."""
    start, end = _period_of_year(today)
    return and_(resolved_condition(), Matter.closed_at >= start, Matter.closed_at < end)


def _resolution_bars(took: dict[int, int]) -> list[Bar]:
    """Bars of the resolution-time chart from the count of matters per number of days."""
    bars = []
    for i, (label, lo, hi) in enumerate(RESOLUTION_BUCKETS):
        total = sum(c for d, c in took.items() if d >= lo and (hi is None or d <= hi))
        bars.append(Bar(("resolution", str(i)), label, total))
    return bars


register_risk_provider("family_violence", _family_violence_risks, _family_violence_ids)
