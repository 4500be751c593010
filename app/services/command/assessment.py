"""考核评价: schemes (考核方案), periods, scores per stationed unit and per village, the
director's 加分/扣分 items, drill-down, closing and versioned correction, and 教育培训.

Rules:

- A scheme belongs to a year and lists indicators. A *computed* indicator names a rule of
  ``RULES`` (its ``code``) and gives it parameters; a *manual* one adds up the director's
  加分/扣分 items under it, held within ±weight.
- A computed indicator's figure gives its points linearly between ``worst`` (0 points) and
  ``best`` (the full weight), either way round (a rate: best 1.0; 督办次数: best 0). A target
  with no figure (nothing closed in the period, no population known) gets ``empty`` × weight.
- Open periods are computed live. Closing stores every target's scores as version 1 and
  freezes the scheme (its indicators can no longer change). A closed period is recomputed only
  by a correction, with a reason: a new version; the old ones are kept.
- Figures are counted by a few grouped queries for all targets at once (``RULES``), never by a
  loop over matters. ``drill`` lists the matters, meetings, orders or sessions behind a figure.

To add an indicator (重点人员走访按期率, say), write ``compute(session, since, until, params) ->
{target id: Figure}`` and ``drill(...)`` and add one ``Rule`` to ``RULES``.
"""

from __future__ import annotations

import hashlib
import json
import uuid
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from sqlalchemy import Date, and_, case, cast, func, or_, select
from sqlalchemy.orm import Session, aliased

from app.core import clock
from app.core.errors import NotFound, ValidationError
from app.core.ops import Change, read_op, write_op
from app.models import (
    AssessmentIndicator,
    AssessmentItem,
    AssessmentPeriod,
    AssessmentScheme,
    AssessmentScore,
    AssessmentVersion,
    AttachmentBlob,
    AttendanceKind,
    Channel,
    Grid,
    Matter,
    MatterPerson,
    MatterStatus,
    MatterTally,
    Meeting,
    MeetingAttendee,
    MeetingKind,
    MeetingStatus,
    Person,
    Satisfaction,
    SpecialPerson,
    SupervisionOrder,
    TrainingAttendee,
    TrainingSession,
    Unit,
    UnitKind,
    User,
    Village,
)
from app.models import tallies as tl
from app.services.center.reference_admin import clean_population
from app.services.center.settings import load_settings
from app.services.command import visits
from app.services.context import Actor
from app.services.security import audit
from app.services.security.permissions import Action, require
from app.services.validation import validate_text

TARGET_KINDS = {"unit": "派驻单位", "village": "村社区", "grid": "网格"}
PERIOD_KINDS = {"month": "月度", "quarter": "季度", "year": "年度"}
INDICATOR_KINDS = {"computed": "自动计算", "manual": "加分/扣分"}
MAX_ATTACHMENT = 20 * 1024 * 1024


def check_attachment_size(size: int) -> None:
    """A 加分/扣分 attachment may be at most 20 MB (the form asks before reading the file)."""
    if size > MAX_ATTACHMENT:
        raise ValidationError({"file": "附件不能超过 20 MB"})


# --- figures and rules ---------------------------------------------------------------------


@dataclass(frozen=True)
class Figure:
    """A target's figure for one indicator: the value the points come from, as printed."""

    value: float | None
    shown: str


@dataclass(frozen=True)
class DrillRow:
    """One matter, meeting, 督办单 or training session behind a figure."""

    kind: str  # 事项, 会议, 督办单, 培训
    ref: str  # its number or title
    day: date | None
    text: str
    counts: bool  # counted in the numerator (按期, 满意, 出席 …)
    note: str = ""


Compute = Callable[[Session, date, date, dict], dict[uuid.UUID, Figure]]
Drill = Callable[[Session, date, date, dict, uuid.UUID], list[DrillRow]]


@dataclass(frozen=True)
class Rule:
    name: str
    target_kind: str
    compute: Compute
    drill: Drill
    params: dict  # the defaults a new scheme starts with
    weight: float


def _rate(yes: int, total: int) -> Figure:
    if not total:
        return Figure(None, "—")
    return Figure(yes / total, f"{yes / total:.1%}（{yes}/{total}）")


def _end(until: date) -> datetime:
    """The first moment after ``until``."""
    return datetime.combine(until + timedelta(days=1), datetime.min.time())


def _start(since: date) -> datetime:
    return datetime.combine(since, datetime.min.time())


def _day_of(session: Session, column):
    """A DATETIME column's day, comparable with a DATE column on both databases."""
    if session.get_bind().dialect.name == "sqlite":
        return func.date(column)
    return cast(column, Date)


def _resolved():
    return or_(
        Matter.status.in_(tl.RESOLVED),
        and_(
            Matter.status == MatterStatus.ARCHIVED,
            or_(Matter.result.is_not(None), Matter.answer.is_not(None)),
        ),
    )


# 按期办结率: matters the unit closed (办结) in the period, done by their deadline.
def _on_time(session: Session, since: date, until: date, params: dict) -> dict[uuid.UUID, Figure]:
    on_time = case((_day_of(session, Matter.closed_at) <= Matter.deadline, 1), else_=0)
    q = (
        select(Matter.unit_id, func.count(), func.sum(on_time))
        .where(Matter.closed_at >= _start(since), Matter.closed_at < _end(until))
        .where(Matter.unit_id.is_not(None), _resolved())
        .group_by(Matter.unit_id)
    )
    return {u: _rate(int(y or 0), n) for u, n, y in session.execute(q)}


def _on_time_drill(session, since, until, params, target) -> list[DrillRow]:
    q = (
        select(Matter)
        .where(Matter.closed_at >= _start(since), Matter.closed_at < _end(until))
        .where(Matter.unit_id == target, _resolved())
        .order_by(Matter.closed_at)
    )
    return [
        DrillRow(
            "事项",
            m.number,
            m.closed_at.date(),
            m.summary[:60],
            m.closed_at.date() <= m.deadline,
            f"期限 {m.deadline.isoformat()}",
        )  # fmt: skip
        for m in session.scalars(q)
    ]


_PLEASED = (Satisfaction.SATISFIED, Satisfaction.FAIRLY)


# 满意率: the 回访 of the period: 满意 and 基本满意 among all answers.
def _satisfaction(session, since, until, params) -> dict[uuid.UUID, Figure]:
    pleased = case((Matter.satisfaction.in_(_PLEASED), 1), else_=0)
    q = (
        select(Matter.unit_id, func.count(), func.sum(pleased))
        .where(Matter.feedback_at >= _start(since), Matter.feedback_at < _end(until))
        .where(Matter.unit_id.is_not(None), Matter.satisfaction.is_not(None))
        .group_by(Matter.unit_id)
    )
    return {u: _rate(int(y or 0), n) for u, n, y in session.execute(q)}


def _satisfaction_drill(session, since, until, params, target) -> list[DrillRow]:
    q = (
        select(Matter)
        .where(Matter.feedback_at >= _start(since), Matter.feedback_at < _end(until))
        .where(Matter.unit_id == target, Matter.satisfaction.is_not(None))
        .order_by(Matter.feedback_at)
    )
    return [
        DrillRow(
            "事项",
            m.number,
            m.feedback_at.date(),
            m.summary[:60],
            m.satisfaction in _PLEASED,
            m.satisfaction.label,
        )  # fmt: skip
        for m in session.scalars(q)
    ]


# 督办次数: 督办单 issued to the unit in the period (fewer is better).
def _supervisions(session, since, until, params) -> dict[uuid.UUID, Figure]:
    o = SupervisionOrder
    q = (
        select(o.unit_id, func.count())
        .where(o.issued_at >= _start(since), o.issued_at < _end(until))
        .group_by(o.unit_id)
    )
    found = {u: Figure(float(n), f"{n} 次") for u, n in session.execute(q)}
    return defaultdict(lambda: Figure(0.0, "0 次"), found)


def _supervisions_drill(session, since, until, params, target) -> list[DrillRow]:
    o = SupervisionOrder
    q = (
        select(o, Matter.number)
        .join(Matter, Matter.id == o.matter_id)
        .where(o.issued_at >= _start(since), o.issued_at < _end(until), o.unit_id == target)
        .order_by(o.issued_at)
    )
    return [
        DrillRow("督办单", s.number, s.issued_at.date(), s.requirement[:60], True, f"事项 {n}")
        for s, n in session.execute(q)
    ]


# 督办按期回复率: orders whose reply fell due in the period (or was given): replied by then.
def _reply_due(session, since, until):
    o = SupervisionOrder
    today = clock.today()
    return and_(
        o.reply_by >= since,
        o.reply_by <= until,
        or_(o.replied_at.is_not(None), o.reply_by < today),
    )


def _replies(session, since, until, params) -> dict[uuid.UUID, Figure]:
    o = SupervisionOrder
    in_time = case(
        (and_(o.replied_at.is_not(None), _day_of(session, o.replied_at) <= o.reply_by), 1),
        else_=0,
    )
    q = (
        select(o.unit_id, func.count(), func.sum(in_time))
        .where(_reply_due(session, since, until))
        .group_by(o.unit_id)
    )
    return {u: _rate(int(y or 0), n) for u, n, y in session.execute(q)}


def _replies_drill(session, since, until, params, target) -> list[DrillRow]:
    o = SupervisionOrder
    q = select(o).where(_reply_due(session, since, until), o.unit_id == target).order_by(o.reply_by)
    out = []
    for s in session.scalars(q):
        ok = s.replied_at is not None and s.replied_at.date() <= s.reply_by
        note = f"回复 {s.replied_at.date().isoformat()}" if s.replied_at else "未回复"
        out.append(DrillRow("督办单", s.number, s.reply_by, s.requirement[:60], ok, note))
    return out


# 例会、联席会议出席率: of the period's 工作例会 and 联席会议 (the current version of each
# record), those where someone of the unit was 出席. Every stationed unit is expected at each.
_MEETING_KINDS = (MeetingKind.WEEKLY, MeetingKind.JOINT)


def _meetings_of(since, until):
    return (
        Meeting.kind.in_(_MEETING_KINDS),
        Meeting.status != MeetingStatus.SUPERSEDED,
        Meeting.starts_at >= _start(since),
        Meeting.starts_at < _end(until),
    )


def _unit_names(session: Session) -> dict[str, uuid.UUID]:
    names: dict[str, uuid.UUID] = {}
    for u in session.scalars(select(Unit).where(Unit.kind == UnitKind.STATIONED)):
        names[u.name] = u.id
        if u.short_name:
            names.setdefault(u.short_name, u.id)
    return names


def _attendance(session, since, until, params) -> dict[uuid.UUID, Figure]:
    held = session.scalar(
        select(func.count()).select_from(Meeting).where(*_meetings_of(since, until))
    )
    if not held:
        return {}
    a = MeetingAttendee
    q = (
        select(a.unit, a.meeting_id)
        .join(Meeting, Meeting.id == a.meeting_id)
        .where(*_meetings_of(since, until), a.attendance == AttendanceKind.PRESENT)
        .group_by(a.unit, a.meeting_id)
    )
    names = _unit_names(session)
    present: dict[uuid.UUID, set] = defaultdict(set)
    for unit, meeting in session.execute(q):
        if (uid := names.get(unit)) is not None:
            present[uid].add(meeting)
    out = {uid: _rate(len(present.get(uid, ())), held) for uid in set(names.values())}
    return out


def _attendance_drill(session, since, until, params, target) -> list[DrillRow]:
    unit = session.get(Unit, target)
    names = {unit.name, unit.short_name} - {""} if unit else set()
    meetings = session.scalars(
        select(Meeting).where(*_meetings_of(since, until)).order_by(Meeting.starts_at)
    )
    out = []
    for m in meetings:
        mine = [x for x in m.attendees if x.unit in names]
        came = [x.name for x in mine if x.attendance == AttendanceKind.PRESENT]
        away = [
            f"{x.name}（{x.reason or '请假'}）"
            for x in mine
            if x.attendance == AttendanceKind.ABSENT
        ]
        note = (
            "出席：" + "、".join(came)
            if came
            else ("请假：" + "、".join(away) if away else "未到会")
        )
        out.append(DrillRow("会议", m.number, m.starts_at.date(), m.title, bool(came), note))
    return out


# 教育培训学时: hours of training sessions in the period, summed over the unit's attendees.
def _training(session, since, until, params) -> dict[uuid.UUID, Figure]:
    a, t = TrainingAttendee, TrainingSession
    q = (
        select(a.unit_id, func.sum(t.hours))
        .join(t, t.id == a.session_id)
        .where(t.day >= since, t.day <= until, a.unit_id.is_not(None))
        .group_by(a.unit_id)
    )
    found = {u: Figure(float(h or 0), f"{float(h or 0):g} 学时") for u, h in session.execute(q)}
    return defaultdict(lambda: Figure(0.0, "0 学时"), found)


def _training_drill(session, since, until, params, target) -> list[DrillRow]:
    a, t = TrainingAttendee, TrainingSession
    q = (
        select(t, a.name)
        .join(a, a.session_id == t.id)
        .where(t.day >= since, t.day <= until, a.unit_id == target)
        .order_by(t.day)
    )
    return [
        DrillRow("培训", s.topic, s.day, f"{name}参训，{s.hours:g} 学时", True, s.trainer)
        for s, name in session.execute(q)
    ]


# 每千人事项数: matters received in the period per 1,000 residents (from the tallies).
def _per_thousand(session, since, until, params) -> dict[uuid.UUID, Figure]:
    t = MatterTally
    q = (
        select(t.b, func.sum(t.n))
        .where(t.facet == tl.BY_VILLAGE, t.day >= since.replace(day=1), t.day <= until)
        .group_by(t.b)
    )
    counts = {k: int(n or 0) for k, n in session.execute(q) if k}
    out = {}
    for v in session.scalars(select(Village)):
        n = counts.get(str(v.id), 0)
        if not v.population:
            out[v.id] = Figure(None, f"{n} 件（未填人口）")
        else:
            rate = n * 1000 / v.population
            out[v.id] = Figure(rate, f"{rate:.2f}（{n} 件/{v.population} 人）")
    return out


def _village_matters(session, target, since, until):
    mp, p = aliased(MatterPerson), aliased(Person)
    return (
        select(Matter)
        .join(mp, and_(mp.matter_id == Matter.id, mp.position == 0))
        .join(p, p.id == mp.person_id)
        .where(p.village_id == target)
        .where(Matter.received_at >= _start(since), Matter.received_at < _end(until))
        .order_by(Matter.received_at)
    )


def _per_thousand_drill(session, since, until, params, target) -> list[DrillRow]:
    return [
        DrillRow("事项", m.number, m.received_at.date(), m.summary[:60], True, m.status.label)
        for m in session.scalars(_village_matters(session, target, since, until))
    ]


# 矛盾纠纷化解率: the village's dispute matters (category name containing ``category``,
# default 纠纷) received in the period and accepted: the share resolved (办结).
def _disputes(params: dict):
    word = str(params.get("category", "纠纷"))
    refused = (MatterStatus.REJECTED, MatterStatus.TRANSFERRED)
    return and_(Matter.category_name.contains(word), Matter.status.not_in(refused))


def _resolution(session, since, until, params) -> dict[uuid.UUID, Figure]:
    mp, p = aliased(MatterPerson), aliased(Person)
    done = case((_resolved(), 1), else_=0)
    q = (
        select(p.village_id, func.count(), func.sum(done))
        .select_from(Matter)
        .join(mp, and_(mp.matter_id == Matter.id, mp.position == 0))
        .join(p, p.id == mp.person_id)
        .where(Matter.received_at >= _start(since), Matter.received_at < _end(until))
        .where(_disputes(params), p.village_id.is_not(None))
        .group_by(p.village_id)
    )
    return {v: _rate(int(y or 0), n) for v, n, y in session.execute(q)}


def _resolution_drill(session, since, until, params, target) -> list[DrillRow]:
    q = _village_matters(session, target, since, until).where(_disputes(params))
    resolved = set(session.scalars(q.where(_resolved()).with_only_columns(Matter.id)))
    return [
        DrillRow(
            "事项",
            m.number,
            m.received_at.date(),
            m.summary[:60],
            m.id in resolved,
            m.status.label,
        )  # fmt: skip
        for m in session.scalars(q)
    ]


# Per grid (全科网格): the matters carry their grid (``Matter.grid_id``).
def _grid_matters(since, until):
    return (
        select(Matter)
        .where(Matter.received_at >= _start(since), Matter.received_at < _end(until))
        .order_by(Matter.received_at)
    )


# 矛盾纠纷化解率 per grid: as per village, counted by the matter's own grid.
def _grid_resolution(session, since, until, params) -> dict[uuid.UUID, Figure]:
    done = case((_resolved(), 1), else_=0)
    q = (
        select(Matter.grid_id, func.count(), func.sum(done))
        .where(Matter.received_at >= _start(since), Matter.received_at < _end(until))
        .where(_disputes(params), Matter.grid_id.is_not(None))
        .group_by(Matter.grid_id)
    )
    return {g: _rate(int(y or 0), n) for g, n, y in session.execute(q)}


def _grid_resolution_drill(session, since, until, params, target) -> list[DrillRow]:
    q = _grid_matters(since, until).where(Matter.grid_id == target, _disputes(params))
    resolved = set(session.scalars(q.where(_resolved()).with_only_columns(Matter.id)))
    return [
        DrillRow(
            "事项", m.number, m.received_at.date(), m.summary[:60], m.id in resolved, m.status.label
        )  # fmt: skip
        for m in session.scalars(q)
    ]


# 网格上报件数: matters the grid's workers reported (源头发现; more is better).
def _grid_reports(session, since, until, params) -> dict[uuid.UUID, Figure]:
    q = (
        select(Matter.grid_id, func.count())
        .where(Matter.received_at >= _start(since), Matter.received_at < _end(until))
        .where(Matter.channel == Channel.GRID, Matter.grid_id.is_not(None))
        .group_by(Matter.grid_id)
    )
    found = {g: Figure(float(n), f"{n} 件") for g, n in session.execute(q)}
    return defaultdict(lambda: Figure(0.0, "0 件"), found)


def _grid_reports_drill(session, since, until, params, target) -> list[DrillRow]:
    q = _grid_matters(since, until).where(Matter.grid_id == target, Matter.channel == Channel.GRID)
    return [
        DrillRow(
            "事项", m.number, m.received_at.date(), m.summary[:60], True, m.grid_reporter or ""
        )  # fmt: skip
        for m in session.scalars(q)
    ]


_RATE = {"best": 1.0, "worst": 0.6, "empty": 1.0}


# The indicator registry: code → rule. A new computed indicator is one entry here.
# 重点人员走访按期率 per village or grid: the visits due in the period (走访周期 of each group,
# 系统设置) and how many were made on time (``visits.visit_rates``), by the person's own
# village or grid.
def _visits_by(column: str) -> Compute:
    def compute(session, since, until, params) -> dict[uuid.UUID, Figure]:
        rates = visits.visit_rates(session, since, until)
        if not rates:
            return {}
        where = dict(
            session.execute(
                select(SpecialPerson.id, getattr(SpecialPerson, column)).where(
                    SpecialPerson.id.in_(list(rates))
                )
            ).all()
        )
        sums: dict[uuid.UUID, list[int]] = defaultdict(lambda: [0, 0])
        for person, (on_time, due) in rates.items():
            key = where.get(person)
            if key is not None:
                sums[key][0] += on_time
                sums[key][1] += due
        return {k: _rate(y, n) for k, (y, n) in sums.items()}

    return compute


def _visits_drill_by(column: str) -> Drill:
    def drill(session, since, until, params, target) -> list[DrillRow]:
        kwargs = {column: target}
        rates = visits.visit_rates(session, since, until, **kwargs)
        people = session.scalars(
            select(SpecialPerson)
            .where(SpecialPerson.id.in_(list(rates)))
            .order_by(SpecialPerson.name)
        )
        return [
            DrillRow(
                "走访",
                p.name,
                None,
                f"{p.category.label}：应走访 {rates[p.id][1]} 次，按期 {rates[p.id][0]} 次",
                rates[p.id][0] == rates[p.id][1],
            )  # fmt: skip
            for p in people
        ]

    return drill


RULES: dict[str, Rule] = {
    "on_time": Rule("按期办结率", "unit", _on_time, _on_time_drill, _RATE, 25),
    "satisfaction": Rule("满意率", "unit", _satisfaction, _satisfaction_drill, _RATE, 20),
    "supervisions": Rule(
        "督办次数",
        "unit",
        _supervisions,
        _supervisions_drill,
        {"best": 0, "worst": 5, "empty": 1.0},
        10,
    ),  # fmt: skip
    "supervision_replies": Rule("督办按期回复率", "unit", _replies, _replies_drill, _RATE, 15),
    "attendance": Rule(
        "例会、联席会议出席率",
        "unit",
        _attendance,
        _attendance_drill,
        {"best": 1.0, "worst": 0.5, "empty": 1.0},
        15,
    ),  # fmt: skip
    "training": Rule(
        "教育培训学时",
        "unit",
        _training,
        _training_drill,
        {"best": 8, "worst": 0, "empty": 0.0},
        5,
    ),  # fmt: skip
    "per_thousand": Rule(
        "每千人事项数",
        "village",
        _per_thousand,
        _per_thousand_drill,
        {"best": 5, "worst": 30, "empty": 1.0},
        30,
    ),  # fmt: skip
    "dispute_resolution": Rule(
        "矛盾纠纷化解率",
        "village",
        _resolution,
        _resolution_drill,
        {**_RATE, "category": "纠纷"},
        50,
    ),  # fmt: skip
    "key_visits": Rule(
        "重点人员走访按期率",
        "village",
        _visits_by("village_id"),
        _visits_drill_by("village_id"),
        _RATE,
        20,
    ),  # fmt: skip
    "grid_reports": Rule(
        "网格上报件数",
        "grid",
        _grid_reports,
        _grid_reports_drill,
        {"best": 10, "worst": 0, "empty": 0.0},
        30,
    ),  # fmt: skip
    "grid_disputes": Rule(
        "矛盾纠纷化解率",
        "grid",
        _grid_resolution,
        _grid_resolution_drill,
        {**_RATE, "category": "纠纷"},
        50,
    ),  # fmt: skip
    "grid_key_visits": Rule(
        "重点人员走访按期率",
        "grid",
        _visits_by("grid_id"),
        _visits_drill_by("grid_id"),
        _RATE,
        20,
    ),  # fmt: skip
}

# The manual indicators a new scheme starts with: (target kind, code, name, weight).
MANUAL_DEFAULTS = (
    ("unit", "bonus", "加分项", 5.0),
    ("unit", "deduction", "扣分项", 10.0),
    ("village", "bonus", "加分项", 10.0),
    ("village", "deduction", "扣分项", 10.0),
    ("grid", "bonus", "加分项", 10.0),
    ("grid", "deduction", "扣分项", 10.0),
)


def points_for(weight: float, figure: Figure, params: dict) -> float:
    """Points for a figure: linear from ``worst`` (0) to ``best`` (the weight), clamped."""
    if figure.value is None:
        return round(weight * float(params.get("empty", 1.0)), 2)
    best, worst = float(params.get("best", 1.0)), float(params.get("worst", 0.0))
    if best == worst:
        return round(weight if figure.value == best else 0.0, 2)
    share = min(max((figure.value - worst) / (best - worst), 0.0), 1.0)
    return round(weight * share, 2)


# --- schemes -------------------------------------------------------------------------------


@dataclass
class IndicatorInput:
    target_kind: str
    code: str
    name: str
    kind: str  # computed | manual
    weight: float
    params: dict = field(default_factory=dict)


@dataclass(frozen=True)
class IndicatorRow:
    id: uuid.UUID
    target_kind: str
    code: str
    name: str
    kind: str
    weight: float
    params: dict
    active: bool = True


@dataclass(frozen=True)
class PeriodRow:
    id: uuid.UUID
    label: str
    kind: str
    starts_on: date
    ends_on: date
    closed: bool
    version: int

    @property
    def title(self) -> str:
        return period_title(self.label)


@dataclass(frozen=True)
class SchemeRow:
    id: uuid.UUID
    year: int
    name: str
    frozen: bool
    indicators: list[IndicatorRow]
    periods: list[PeriodRow]


def default_indicators() -> list[IndicatorInput]:
    """The indicators a new scheme starts with (the director changes weights and bounds)."""
    out = [
        IndicatorInput(r.target_kind, code, r.name, "computed", float(r.weight), dict(r.params))
        for code, r in RULES.items()
    ]
    out += [IndicatorInput(k, c, n, "manual", w, {}) for k, c, n, w in MANUAL_DEFAULTS]
    return out


def _clean_indicator(ind: IndicatorInput) -> IndicatorInput:
    if ind.target_kind not in TARGET_KINDS:
        raise ValidationError({"target_kind": "考核对象应为派驻单位、村社区或网格"})
    if ind.kind not in INDICATOR_KINDS:
        raise ValidationError({"kind": "指标类型应为自动计算或加分/扣分"})
    if ind.kind == "computed":
        rule = RULES.get(ind.code)
        if rule is None or rule.target_kind != ind.target_kind:
            raise ValidationError({"code": f"没有“{ind.code}”这一自动计算规则"})
    name = validate_text(ind.name, "name", "指标名称", max_len=64)
    try:
        weight = float(ind.weight)
    except (TypeError, ValueError):
        raise ValidationError({"weight": "分值应为数字"}) from None
    if not 0 < weight <= 100:
        raise ValidationError({"weight": f"“{name}”的分值应在 0 到 100 之间"})
    params = dict(ind.params or {})
    for key in ("best", "worst", "empty"):
        if key in params and not isinstance(params[key], (int, float)):
            raise ValidationError({"params": f"“{name}”的参数 {key} 应为数字"})
    return IndicatorInput(ind.target_kind, ind.code, name, ind.kind, weight, params)


def _scheme(session: Session, scheme_id: uuid.UUID) -> AssessmentScheme:
    s = session.get(AssessmentScheme, scheme_id)
    if s is None:
        raise NotFound("找不到该考核方案，请刷新后重试。")
    return s


@write_op(Change.ASSESSMENT)
def create_scheme(
    session: Session,
    actor: Actor,
    year: int,
    name: str = "",
    indicators: list[IndicatorInput] | None = None,
) -> uuid.UUID:
    """A scheme for ``year`` (one per year) with the given indicators, or the defaults."""
    require(actor, Action.MANAGE_ASSESSMENT)
    if not isinstance(year, int) or not 2000 <= year <= 2100:
        raise ValidationError({"year": "年度应为 2000 到 2100 之间的年份"})
    if session.scalar(select(AssessmentScheme.id).where(AssessmentScheme.year == year)):
        raise ValidationError({"year": f"{year}年已有考核方案"})
    name = validate_text(name or f"{year}年度考核方案", "name", "方案名称", max_len=120)
    cleaned = [_clean_indicator(i) for i in (indicators or default_indicators())]
    seen = set()
    for i in cleaned:
        if (i.target_kind, i.code) in seen:
            raise ValidationError({"code": f"指标“{i.name}”重复"})
        seen.add((i.target_kind, i.code))
    scheme = AssessmentScheme(year=year, name=name)
    session.add(scheme)
    session.flush()
    for pos, i in enumerate(cleaned):
        session.add(
            AssessmentIndicator(
                scheme_id=scheme.id,
                target_kind=i.target_kind,
                code=i.code,
                name=i.name,
                kind=i.kind,
                weight=i.weight,
                params=json.dumps(i.params, ensure_ascii=False),
                position=pos,
            )  # fmt: skip
        )
    session.flush()
    audit.record(session, actor, "assessment_scheme_create", object_type="assessment_scheme",
                 object_id=scheme.id, reason=str(year))  # fmt: skip
    return scheme.id


# The parameters of a computed rule the director may change, with their Chinese names.
PARAM_NAMES = {"best": "满分值", "worst": "零分值", "empty": "无数据得分比例"}


@dataclass
class IndicatorChange:
    """One line of 编辑指标: the weight and parameters as typed (text or numbers)."""

    indicator_id: uuid.UUID
    weight: str | float
    active: bool = True
    params: dict[str, str | float] = field(default_factory=dict)


def _number(text: str | float, what: str) -> float:
    """``text`` as a number ≥ 0, or a ValueError carrying the Chinese message."""
    if isinstance(text, bool):
        raise ValueError(f"{what}应为数字")
    try:
        value = float(str(text).strip()) if not isinstance(text, (int, float)) else float(text)
    except ValueError:
        raise ValueError(f"{what}应为数字，如 20 或 0.5") from None
    if value != value or value in (float("inf"), float("-inf")):
        raise ValueError(f"{what}应为数字，如 20 或 0.5")
    if value < 0:
        raise ValueError(f"{what}不能为负数")
    return value


@write_op(Change.ASSESSMENT)
def set_indicators(
    session: Session, actor: Actor, scheme_id: uuid.UUID, changes: list[IndicatorChange]
) -> int:
    """编辑指标: every line's weight, 启用/停用 and parameters, checked all together and saved in
    one go (a bad field names itself as ``<indicator id>.weight`` / ``.<param>``, and nothing is
    saved); refused once the scheme is frozen. Returns how many indicators changed."""
    require(actor, Action.MANAGE_ASSESSMENT)
    scheme = _scheme(session, scheme_id)
    if scheme.frozen:
        raise ValidationError(
            "该考核方案已有关闭的考核期，已冻结，不能再修改指标；请新建下一年度方案"
        )
    found = {
        i.id: i
        for i in session.scalars(
            select(AssessmentIndicator).where(AssessmentIndicator.scheme_id == scheme.id)
        )
    }
    problems: dict[str, str] = {}
    planned = []
    for ch in changes:
        ind = found.get(ch.indicator_id)
        if ind is None:
            raise NotFound("找不到该考核指标，请刷新后重试。")
        key = str(ind.id)
        try:
            weight = _number(ch.weight, f"“{ind.name}”的分值")
            if not 0 < weight <= 100:
                raise ValueError(f"“{ind.name}”的分值应大于 0、不超过 100")
        except ValueError as e:
            problems[f"{key}.weight"] = str(e)
        params = json.loads(ind.params)
        for name, text in (ch.params or {}).items():
            if name not in PARAM_NAMES:
                continue
            try:
                params[name] = _number(text, f"“{ind.name}”的{PARAM_NAMES[name]}")
                if name == "empty" and params[name] > 1:
                    raise ValueError(f"“{ind.name}”的{PARAM_NAMES[name]}应在 0 到 1 之间")
            except ValueError as e:
                problems[f"{key}.{name}"] = str(e)
        if f"{key}.weight" not in problems:
            planned.append((ind, weight, bool(ch.active), params))
    if problems:
        raise ValidationError(problems)
    changed = 0
    for ind, weight, active, params in planned:
        if (ind.weight, ind.active, json.loads(ind.params)) == (weight, active, params):
            continue  # (1 and 1.0 are the same bound: a line left alone is not a change)
        text = json.dumps(params, ensure_ascii=False)
        ind.weight, ind.active, ind.params = weight, active, text
        changed += 1
        state = "启用" if active else "停用"
        what = f"{ind.name} 分值 {weight:g} {state} {text}"
        audit.record(session, actor, "assessment_indicator_edit",
                     object_type="assessment_indicator", object_id=ind.id, reason=what)  # fmt: skip
    return changed


@write_op(Change.ASSESSMENT)
def set_indicator(
    session: Session, actor: Actor, indicator_id: uuid.UUID, weight: float, params: dict
) -> None:
    """Change one indicator's weight and parameters (as :func:`set_indicators` does for the
    whole scheme); refused once the scheme is frozen."""
    require(actor, Action.MANAGE_ASSESSMENT)
    ind = session.get(AssessmentIndicator, indicator_id)
    if ind is None:
        raise NotFound("找不到该考核指标，请刷新后重试。")
    change = IndicatorChange(ind.id, weight, ind.active, params or {})
    set_indicators(session, actor, ind.scheme_id, [change])


def _indicators(
    session: Session, scheme_id: uuid.UUID, kind: str | None = None, *, include_off: bool = False
) -> list[IndicatorRow]:
    """The scheme's indicators in order: those in use (scores count only these), or all."""
    q = select(AssessmentIndicator).where(AssessmentIndicator.scheme_id == scheme_id)
    if kind:
        q = q.where(AssessmentIndicator.target_kind == kind)
    if not include_off:
        q = q.where(AssessmentIndicator.active.is_(True))
    return [
        IndicatorRow(
            i.id, i.target_kind, i.code, i.name, i.kind, i.weight, json.loads(i.params), i.active
        )  # fmt: skip
        for i in session.scalars(q.order_by(AssessmentIndicator.position))
    ]


def _period_row(p: AssessmentPeriod) -> PeriodRow:
    return PeriodRow(p.id, p.label, p.kind, p.starts_on, p.ends_on, p.closed, p.version)


@read_op
def schemes(session: Session, actor: Actor) -> list[SchemeRow]:
    """Every scheme, newest year first, with its indicators and periods."""
    require(actor, Action.VIEW_ASSESSMENT)
    out = []
    for s in session.scalars(select(AssessmentScheme).order_by(AssessmentScheme.year.desc())):
        periods = session.scalars(
            select(AssessmentPeriod)
            .where(AssessmentPeriod.scheme_id == s.id)
            .order_by(AssessmentPeriod.starts_on, AssessmentPeriod.kind)
        )
        out.append(
            SchemeRow(s.id, s.year, s.name, s.frozen, _indicators(session, s.id, include_off=True),
                      [_period_row(p) for p in periods])
        )  # fmt: skip
    return out


# --- periods -------------------------------------------------------------------------------


def parse_period(label: str) -> tuple[str, date, date]:
    """``2027Q1`` (quarter), ``2027-03`` (month) or ``2027`` (year) → kind, first, last day."""
    text = (label or "").strip().upper()
    try:
        if "Q" in text:
            y, q = text.split("Q")
            year, quarter = int(y), int(q)
            if not 1 <= quarter <= 4:
                raise ValueError
            first = date(year, 3 * quarter - 2, 1)
            last_month = 3 * quarter
            kind = "quarter"
        elif "-" in text:
            y, m = text.split("-")
            year, last_month = int(y), int(m)
            first = date(year, last_month, 1)
            kind = "month"
        else:
            year = int(text)
            first, last_month, kind = date(year, 1, 1), 12, "year"
    except ValueError:
        raise ValidationError(
            {"period": f"考核期“{label}”写法不对：季度写 2027Q1，月份写 2027-03，年度写 2027"}
        ) from None
    nxt = date(year + 1, 1, 1) if last_month == 12 else date(year, last_month + 1, 1)
    return kind, first, nxt - timedelta(days=1)


def period_title(label: str) -> str:
    kind, first, _last = parse_period(label)
    if kind == "quarter":
        return f"{first.year}年第{'一二三四'[(first.month - 1) // 3]}季度"
    if kind == "month":
        return f"{first.year}年{first.month}月"
    return f"{first.year}年度"


def _canonical(kind: str, first: date) -> str:
    if kind == "quarter":
        return f"{first.year}Q{(first.month - 1) // 3 + 1}"
    if kind == "month":
        return f"{first.year}-{first.month:02d}"
    return str(first.year)


@write_op(Change.ASSESSMENT)
def open_period(session: Session, actor: Actor, scheme_id: uuid.UUID, label: str) -> uuid.UUID:
    """The period ``label`` of a scheme (made if new; the existing one otherwise)."""
    require(actor, Action.MANAGE_ASSESSMENT)
    scheme = _scheme(session, scheme_id)
    kind, first, last = parse_period(label)
    if first.year != scheme.year:
        raise ValidationError({"period": f"考核期应在方案的年度（{scheme.year}年）内"})
    label = _canonical(kind, first)
    found = session.scalar(
        select(AssessmentPeriod).where(
            AssessmentPeriod.scheme_id == scheme_id, AssessmentPeriod.label == label
        )
    )
    if found is not None:
        return found.id
    p = AssessmentPeriod(
        scheme_id=scheme_id, kind=kind, label=label, starts_on=first, ends_on=last, version=0
    )
    session.add(p)
    session.flush()
    audit.record(session, actor, "assessment_period_open", object_type="assessment_period",
                 object_id=p.id, reason=label)  # fmt: skip
    return p.id


@read_op
def find_period(session: Session, actor: Actor, label: str) -> uuid.UUID:
    """The period named ``label`` (``2027Q1``) of its year's scheme."""
    require(actor, Action.VIEW_ASSESSMENT)
    kind, first, _last = parse_period(label)
    pid = session.scalar(
        select(AssessmentPeriod.id)
        .join(AssessmentScheme, AssessmentScheme.id == AssessmentPeriod.scheme_id)
        .where(AssessmentScheme.year == first.year)
        .where(AssessmentPeriod.label == _canonical(kind, first))
    )
    if pid is None:
        raise NotFound(f"没有考核期“{label}”，请先在考核评价中建立")
    return pid


def _period(session: Session, period_id: uuid.UUID) -> AssessmentPeriod:
    p = session.get(AssessmentPeriod, period_id)
    if p is None:
        raise NotFound("找不到该考核期，请刷新后重试。")
    return p


# --- scores --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Cell:
    code: str
    name: str
    value: float | None
    shown: str
    points: float


@dataclass(frozen=True)
class TargetScore:
    target_id: uuid.UUID
    name: str
    cells: list[Cell]
    total: float
    rank: int


@dataclass(frozen=True)
class ScoreTable:
    period: PeriodRow
    scheme_name: str
    target_kind: str
    indicators: list[IndicatorRow]
    rows: list[TargetScore]
    version: int  # 0: computed live (open period)
    version_reason: str = ""

    @property
    def full_marks(self) -> float:
        return sum(i.weight for i in self.indicators if i.kind == "computed")


def _targets(session: Session, kind: str) -> list[tuple[uuid.UUID, str]]:
    if kind == "unit":
        q = (
            select(Unit.id, Unit.name)
            .where(Unit.kind == UnitKind.STATIONED, Unit.active.is_(True))
            .order_by(Unit.sort, Unit.name)
        )
    elif kind == "grid":
        q = (
            select(Grid.id, Grid.name)
            .join(Village, Village.id == Grid.village_id)
            .where(Grid.active.is_(True))
            .order_by(Village.sort, Village.name, Grid.sort, Grid.code)
        )
    else:
        q = (
            select(Village.id, Village.name)
            .where(Village.active.is_(True), Village.merged_into_id.is_(None))
            .order_by(Village.sort, Village.name)
        )
    return [(i, n) for i, n in session.execute(q)]


def _item_sums(session: Session, period_id: uuid.UUID, kind: str) -> dict[tuple, float]:
    i = AssessmentItem
    q = (
        select(i.target_id, i.code, func.sum(i.points))
        .where(i.period_id == period_id, i.target_kind == kind)
        .group_by(i.target_id, i.code)
    )
    return {(t, c): float(s or 0) for t, c, s in session.execute(q)}


def _ranked(rows: list[tuple[uuid.UUID, str, list[Cell]]]) -> list[TargetScore]:
    totals = [
        (tid, name, cells, round(sum(c.points for c in cells), 2)) for tid, name, cells in rows
    ]
    totals.sort(key=lambda r: (-r[3], r[1]))
    out, rank, last = [], 0, None
    for pos, (tid, name, cells, total) in enumerate(totals, 1):
        if total != last:
            rank, last = pos, total
        out.append(TargetScore(tid, name, cells, total, rank))
    return out


def _compute(
    session: Session, period: AssessmentPeriod, kind: str, indicators: list[IndicatorRow]
) -> list[TargetScore]:
    """Every target's cells for the period, counted afresh (a few grouped queries per rule)."""
    since, until = period.starts_on, period.ends_on
    figures: dict[str, dict] = {}
    for ind in indicators:
        if ind.kind == "computed":
            figures[ind.code] = RULES[ind.code].compute(session, since, until, ind.params)
    items = _item_sums(session, period.id, kind)
    rows = []
    for tid, name in _targets(session, kind):
        cells = []
        for ind in indicators:
            if ind.kind == "computed":
                found = figures[ind.code]  # a defaultdict: a count that is 0 when absent
                fig = found[tid] if isinstance(found, defaultdict) else found.get(tid)
                fig = fig or Figure(None, "—")
                cells.append(Cell(ind.code, ind.name, fig.value, fig.shown,
                                  points_for(ind.weight, fig, ind.params)))  # fmt: skip
            else:
                total = items.get((tid, ind.code), 0.0)
                pts = round(min(max(total, -ind.weight), ind.weight), 2)
                cells.append(Cell(ind.code, ind.name, total, f"{total:+g}" if total else "—", pts))
        rows.append((tid, name, cells))
    return _ranked(rows)


def _stored(
    session: Session, period: AssessmentPeriod, kind: str, version: int, codes: list[str]
) -> list[TargetScore]:
    """A version's stored cells, in the scheme's order of indicators."""
    s = AssessmentScore
    order = {c: i for i, c in enumerate(codes)}
    got: dict[uuid.UUID, tuple[str, list[Cell]]] = {}
    q = (
        select(s)
        .where(s.period_id == period.id, s.version == version, s.target_kind == kind)
        .order_by(s.target_name)
    )
    for r in session.scalars(q):
        entry = got.setdefault(r.target_id, (r.target_name, []))
        entry[1].append(Cell(r.code, r.name, r.value, r.shown, r.points))
    for _name, cells in got.values():
        cells.sort(key=lambda c: order.get(c.code, len(order)))
    return _ranked([(tid, name, cells) for tid, (name, cells) in got.items()])


def _table(
    session: Session, period: AssessmentPeriod, kind: str, version: int | None = None
) -> ScoreTable:
    if kind not in TARGET_KINDS:
        raise ValidationError(
            {"kind": "考核对象应为派驻单位（unit）、村社区（village）或网格（grid）"}
        )
    scheme = _scheme(session, period.scheme_id)
    indicators = _indicators(session, scheme.id, kind)
    if period.closed:
        v = version or period.version
        rows = _stored(session, period, kind, v, [i.code for i in indicators])
        reason = session.scalar(
            select(AssessmentVersion.reason).where(
                AssessmentVersion.period_id == period.id, AssessmentVersion.version == v
            )
        )
        return ScoreTable(_period_row(period), scheme.name, kind, indicators, rows, v, reason or "")
    return ScoreTable(
        _period_row(period), scheme.name, kind, indicators,
        _compute(session, period, kind, indicators), 0,
    )  # fmt: skip


@read_op
def compute_scores(
    session: Session, actor: Actor, period_id: uuid.UUID, kind: str
) -> list[TargetScore]:
    """The period's scores counted afresh from the data, closed or not (what closing or a
    correction would store; the benchmark times this)."""
    require(actor, Action.VIEW_ASSESSMENT)
    period = _period(session, period_id)
    return _compute(session, period, kind, _indicators(session, period.scheme_id, kind))


@read_op
def scores(
    session: Session, actor: Actor, period_id: uuid.UUID, kind: str, version: int | None = None
) -> ScoreTable:
    """The period's scores for units or villages, ranked: stored ones (the current version,
    or ``version``) for a closed period, computed live for an open one."""
    require(actor, Action.VIEW_ASSESSMENT)
    return _table(session, _period(session, period_id), kind, version)


def _store(session: Session, period: AssessmentPeriod, version: int) -> None:
    rows = []
    for kind in TARGET_KINDS:
        indicators = _indicators(session, period.scheme_id, kind)
        for t in _compute(session, period, kind, indicators):
            for c in t.cells:
                rows.append(
                    dict(id=uuid.uuid4(), period_id=period.id, version=version, target_kind=kind,
                         target_id=t.target_id, target_name=t.name, code=c.code, name=c.name,
                         value=c.value, shown=c.shown, points=c.points)
                )  # fmt: skip
    if rows:
        session.execute(AssessmentScore.__table__.insert(), rows)


@write_op(Change.ASSESSMENT)
def close_period(session: Session, actor: Actor, period_id: uuid.UUID) -> int:
    """Store every target's scores as version 1, close the period and freeze the scheme."""
    require(actor, Action.MANAGE_ASSESSMENT)
    period = _period(session, period_id)
    if period.closed:
        raise ValidationError(f"{period_title(period.label)}已关闭；要重算请作更正并写明理由")
    if period.ends_on >= clock.today():
        raise ValidationError(f"{period_title(period.label)}尚未结束，不能关闭")
    _store(session, period, 1)
    session.add(AssessmentVersion(period_id=period.id, version=1, reason="关闭考核期",
                                  made_by=actor.user_id))  # fmt: skip
    period.closed, period.version = True, 1
    period.closed_at, period.closed_by = clock.now().replace(microsecond=0), actor.user_id
    _scheme(session, period.scheme_id).frozen = True
    session.flush()
    audit.record(session, actor, "assessment_period_close", object_type="assessment_period",
                 object_id=period.id, reason=period.label)  # fmt: skip
    return 1


@write_op(Change.ASSESSMENT)
def correct_period(session: Session, actor: Actor, period_id: uuid.UUID, reason: str) -> int:
    """Recompute a closed period as a new version, with the reason; the old ones are kept."""
    require(actor, Action.MANAGE_ASSESSMENT)
    period = _period(session, period_id)
    if not period.closed:
        raise ValidationError("考核期尚未关闭，得分随数据实时计算，无需更正")
    reason = validate_text(reason, "reason", "更正理由", max_len=500)
    version = period.version + 1
    _store(session, period, version)
    session.add(AssessmentVersion(period_id=period.id, version=version, reason=reason,
                                  made_by=actor.user_id))  # fmt: skip
    period.version = version
    session.flush()
    audit.record(session, actor, "assessment_period_correct", object_type="assessment_period",
                 object_id=period.id, reason=f"v{version}")  # fmt: skip
    return version


@dataclass(frozen=True)
class VersionRow:
    version: int
    reason: str
    made_at: datetime
    made_by: str


@read_op
def versions(session: Session, actor: Actor, period_id: uuid.UUID) -> list[VersionRow]:
    require(actor, Action.VIEW_ASSESSMENT)
    v = AssessmentVersion
    q = (
        select(v, User.display_name)
        .outerjoin(User, User.id == v.made_by)
        .where(v.period_id == period_id)
        .order_by(v.version)
    )
    return [VersionRow(r.version, r.reason, r.made_at, n or "系统") for r, n in session.execute(q)]


@read_op
def drill(
    session: Session,
    actor: Actor,
    period_id: uuid.UUID,
    kind: str,
    target_id: uuid.UUID,
    code: str,
) -> list[DrillRow]:
    """The matters, meetings, orders, sessions or 加分/扣分 items behind one figure (as the
    data stands now: a closed period's stored figure may differ if data changed later)."""
    require(actor, Action.VIEW_ASSESSMENT)
    period = _period(session, period_id)
    ind = next(
        (
            i
            for i in _indicators(session, period.scheme_id, kind, include_off=True)
            if i.code == code
        ),
        None,
    )
    if ind is None:
        raise NotFound("该方案没有这一指标")
    if ind.kind == "manual":
        return [
            DrillRow(
                "加分" if r.points >= 0 else "扣分",
                f"{r.points:+g}",
                r.entered_at.date(),
                r.reason,
                True,
                r.file_name or "",
            )  # fmt: skip
            for r in _items(session, period_id, kind, target_id, code)
        ]
    return RULES[code].drill(session, period.starts_on, period.ends_on, ind.params, target_id)


# --- 加分/扣分 items ---------------------------------------------------------------------------


@dataclass
class ItemInput:
    period_id: uuid.UUID
    target_kind: str
    target_id: uuid.UUID
    code: str  # a manual indicator of the scheme
    points: float
    reason: str
    file_name: str | None = None
    data: bytes | None = None  # the attachment's bytes


@dataclass(frozen=True)
class ItemRow:
    id: uuid.UUID
    target_id: uuid.UUID
    code: str
    points: float
    reason: str
    file_name: str | None
    entered_at: datetime
    entered_by: str = ""


def _items(session, period_id, kind, target_id=None, code=None):
    q = select(AssessmentItem).where(
        AssessmentItem.period_id == period_id, AssessmentItem.target_kind == kind
    )
    if target_id is not None:
        q = q.where(AssessmentItem.target_id == target_id)
    if code is not None:
        q = q.where(AssessmentItem.code == code)
    return list(session.scalars(q.order_by(AssessmentItem.entered_at)))


@write_op(Change.ASSESSMENT)
def add_item(session: Session, actor: Actor, data: ItemInput) -> uuid.UUID:
    """The director's 加分 (positive) or 扣分 (negative) item, with a reason and optionally an
    attachment. On a closed period it counts from the next correction."""
    require(actor, Action.SCORE_ITEMS)
    period = _period(session, data.period_id)
    ind = next(
        (i for i in _indicators(session, period.scheme_id, data.target_kind)
         if i.code == data.code and i.kind == "manual"),
        None,
    )  # fmt: skip
    if ind is None:
        raise ValidationError({"code": "请选择方案中的一项加分/扣分指标"})
    if data.target_id not in {t for t, _n in _targets(session, data.target_kind)}:
        raise ValidationError({"target": "请选择考核对象"})
    try:
        pts = float(data.points)
    except (TypeError, ValueError):
        raise ValidationError({"points": "分数应为数字，扣分写负数"}) from None
    if pts == 0 or abs(pts) > ind.weight:
        raise ValidationError({"points": f"分数应不为 0，且绝对值不超过该指标分值 {ind.weight:g}"})
    reason = validate_text(data.reason, "reason", "加减分理由", max_len=500)
    sha = name = None
    if data.data is not None:
        check_attachment_size(len(data.data))
        name = validate_text(data.file_name or "附件", "file", "附件名", max_len=255)
        sha = hashlib.sha256(data.data).hexdigest()
        if session.get(AttachmentBlob, sha) is None:
            session.add(AttachmentBlob(sha256=sha, size=len(data.data), data=data.data))
    item = AssessmentItem(
        period_id=period.id, target_kind=data.target_kind, target_id=data.target_id,
        code=ind.code, points=pts, reason=reason, file_name=name, sha256=sha,
        entered_by=actor.user_id,
    )  # fmt: skip
    session.add(item)
    session.flush()
    audit.record(session, actor, "assessment_item_add", object_type="assessment_item",
                 object_id=item.id)  # fmt: skip
    return item.id


@read_op
def items(
    session: Session,
    actor: Actor,
    period_id: uuid.UUID,
    kind: str,
    target_id: uuid.UUID | None = None,
) -> list[ItemRow]:
    """The period's 加分/扣分 items for one kind of target (or one target), oldest first."""
    require(actor, Action.VIEW_ASSESSMENT)
    rows = _items(session, period_id, kind, target_id)
    users = {u: None for u in (i.entered_by for i in rows) if u is not None}
    if users:
        names = session.execute(select(User.id, User.display_name).where(User.id.in_(users)))
        users.update(dict(names.all()))
    return [
        ItemRow(
            i.id,
            i.target_id,
            i.code,
            i.points,
            i.reason,
            i.file_name,
            i.entered_at,
            users.get(i.entered_by) or "",
        )  # fmt: skip
        for i in rows
    ]


@write_op(Change.ASSESSMENT)
def withdraw_item(session: Session, actor: Actor, item_id: uuid.UUID, reason: str) -> None:
    """撤销 a 加分/扣分 item, with a reason (kept in the audit log with what it was), while
    its period is open; once closed, the stored scores stand and only a correction changes them."""
    require(actor, Action.SCORE_ITEMS)
    item = session.get(AssessmentItem, item_id)
    if item is None:
        raise NotFound("找不到该加减分项，可能已被撤销，请刷新后重试。")
    period = _period(session, item.period_id)
    if period.closed:
        raise ValidationError(
            f"{period_title(period.label)}已关闭，加减分项不能再撤销；"
            "得分有误请用“更正…”重新计算并写明理由"
        )
    why = validate_text(reason, "reason", "撤销理由", max_len=500)
    what = f"{item.code} {item.points:+g}：{item.reason}"[:300]
    audit.record(session, actor, "assessment_item_withdraw", object_type="assessment_item",
                 object_id=item.id, reason=f"{why}（原项 {what}）")  # fmt: skip
    session.delete(item)
    session.flush()


@read_op
def item_attachment(session: Session, actor: Actor, item_id: uuid.UUID) -> tuple[str, bytes]:
    require(actor, Action.VIEW_ASSESSMENT)
    item = session.get(AssessmentItem, item_id)
    if item is None or item.sha256 is None:
        raise NotFound("该加减分项没有附件")
    blob = session.get(AttachmentBlob, item.sha256)
    if blob is None or hashlib.sha256(blob.data).hexdigest() != item.sha256:
        raise NotFound("附件内容缺失或已损坏")
    return item.file_name or "附件", blob.data


# --- 教育培训 ----------------------------------------------------------------------------------


@dataclass
class TrainingInput:
    day: date
    topic: str
    trainer: str
    hours: float
    attendees: list[tuple[str, uuid.UUID | None]]  # name, unit


@dataclass(frozen=True)
class TrainingRow:
    id: uuid.UUID
    day: date
    topic: str
    trainer: str
    hours: float
    attendees: list[str]


def parse_attendees(text: str, units: list[Choice]) -> list[tuple[str, uuid.UUID | None]]:
    """参训人员 typed one a line, "姓名 单位" (the unit optional, by its name): name, unit."""
    names = {c.name: c.id for c in units}
    out = []
    for line in (text or "").splitlines():
        parts = line.replace("，", " ").replace(",", " ").split()
        if not parts:
            continue
        if len(parts) > 1 and parts[-1] in names:
            out.append((" ".join(parts[:-1]), names[parts[-1]]))
        else:
            out.append((" ".join(parts), None))
    return out


@write_op(Change.ASSESSMENT)
def record_training(session: Session, actor: Actor, data: TrainingInput) -> uuid.UUID:
    """A 教育培训 session with its attendees (each attendee's unit earns its hours)."""
    require(actor, Action.MANAGE_ASSESSMENT)
    problems: dict[str, str] = {}
    if not isinstance(data.day, date):
        problems["day"] = "请填写培训日期"
    elif data.day > clock.today():
        problems["day"] = "培训日期不能晚于今天"
    try:
        hours = float(data.hours)
        if not 0 < hours <= 24:
            problems["hours"] = "学时应在 0 到 24 之间"
    except (TypeError, ValueError):
        problems["hours"] = "学时应为数字"
        hours = 0.0
    people = [(n.strip(), u) for n, u in data.attendees or [] if n and n.strip()]
    if not people:
        problems["attendees"] = "请至少填写一位参训人员"
    try:
        topic = validate_text(data.topic, "topic", "培训主题", max_len=120)
    except ValidationError as e:
        problems.update(e.fields)
        topic = ""
    try:
        trainer = validate_text(data.trainer, "trainer", "授课人", required=False, max_len=64)
    except ValidationError as e:
        problems.update(e.fields)
        trainer = ""
    if problems:
        raise ValidationError(problems)
    units = {u for _n, u in people if u is not None}
    if units and len(session.scalars(select(Unit.id).where(Unit.id.in_(units))).all()) != len(
        units
    ):
        raise NotFound("参训人员的单位不存在，请刷新后重选。")
    s = TrainingSession(day=data.day, topic=topic, trainer=trainer, hours=hours,
                        created_by=actor.user_id)  # fmt: skip
    session.add(s)
    session.flush()
    for pos, (name, unit) in enumerate(people):
        validate_text(name, "attendees", "参训人员姓名", max_len=64)
        session.add(TrainingAttendee(session_id=s.id, position=pos, name=name, unit_id=unit))
    session.flush()
    audit.record(session, actor, "training_record", object_type="training_session",
                 object_id=s.id)  # fmt: skip
    return s.id


@read_op
def trainings(session: Session, actor: Actor, since: date, until: date) -> list[TrainingRow]:
    require(actor, Action.VIEW_ASSESSMENT)
    q = (
        select(TrainingSession)
        .where(TrainingSession.day >= since, TrainingSession.day <= until)
        .order_by(TrainingSession.day.desc())
    )
    sessions = list(session.scalars(q))
    names: dict[uuid.UUID, list[str]] = defaultdict(list)
    if sessions:
        a = TrainingAttendee
        for sid, name in session.execute(
            select(a.session_id, a.name)
            .where(a.session_id.in_([s.id for s in sessions]))
            .order_by(a.position)
        ):
            names[sid].append(name)
    return [TrainingRow(s.id, s.day, s.topic, s.trainer, s.hours, names[s.id]) for s in sessions]


@dataclass(frozen=True)
class Choice:
    id: uuid.UUID
    name: str


@read_op
def targets(session: Session, actor: Actor, kind: str) -> list[Choice]:
    """The stationed units or the villages that are assessed."""
    require(actor, Action.VIEW_ASSESSMENT)
    return [Choice(i, n) for i, n in _targets(session, kind)]


@write_op(Change.REFERENCE)
def set_population(
    session: Session, actor: Actor, village_id: uuid.UUID, population: int | None
) -> None:
    """A village's 常住人口 (for matters per 1,000 residents), kept in 中心资料."""
    require(actor, Action.MANAGE_REFERENCE)
    v = session.get(Village, village_id)
    if v is None:
        raise NotFound("找不到该村社区，请刷新后重试。")
    try:
        v.population = clean_population(population)
    except ValidationError as e:
        raise ValidationError({"population": str(e)}) from None
    audit.record(session, actor, "village_population", object_type="village", object_id=v.id)


# --- reports -------------------------------------------------------------------------------


def _report_data(session: Session, table: ScoreTable, target_id: uuid.UUID | None):
    from app.reports.assessment import AssessmentReport, ReportRow

    rows = [
        ReportRow(t.name, t.rank, t.total, [(c.name, c.shown, c.points) for c in t.cells])
        for t in table.rows
        if target_id is None or t.target_id == target_id
    ]
    if target_id is not None and not rows:
        raise NotFound("该考核对象不在这一考核期的得分中")
    return AssessmentReport(
        center_name=load_settings(session).center_name,
        scheme_name=table.scheme_name,
        period=period_title(table.period.label),
        target_kind=TARGET_KINDS[table.target_kind],
        indicators=[(i.name, i.weight, INDICATOR_KINDS[i.kind]) for i in table.indicators],
        rows=rows,
        version=table.version,
        version_reason=table.version_reason,
        printed_on=clock.today(),
    )


@write_op()
def export(
    session: Session,
    actor: Actor,
    period_id: uuid.UUID,
    kind: str,
    fmt: str,
    target_id: uuid.UUID | None = None,
) -> bytes:
    """考核评分表 (one target, ``target_id``) or the ranking table (all), as PDF or XLSX."""
    from app.reports import assessment as report

    require(actor, Action.VIEW_ASSESSMENT)
    if fmt not in ("pdf", "xlsx"):
        raise ValidationError({"format": "格式应为 pdf 或 xlsx"})
    table = _table(session, _period(session, period_id), kind)
    data = _report_data(session, table, target_id)
    audit.record(session, actor, "assessment_export", object_type="assessment_period",
                 object_id=period_id, reason=f"{kind} {fmt}")  # fmt: skip
    if target_id is not None:
        return report.render_sheet(data) if fmt == "pdf" else report.workbook(data)
    return report.render_ranking(data) if fmt == "pdf" else report.workbook(data)
