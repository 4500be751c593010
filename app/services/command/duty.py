"""值班: the roster (值班表), the duty log (值班日志), 交接班 and 突发事件.

- The roster gives each day its 带班领导 (director or deputy), its duty staff and the duty
  phone. It is built by rotation over a list of people, skipping anyone on leave that day
  (请假, the AB岗 page's absences), and then each day can be edited. Statutory holidays come
  from the calendar and are marked as holiday duty.
- The log: entries with a time, a source and what was done. An entry becomes a matter in one
  step, registered through intake as 来电 or 网格上报, and remembers the matter.
- 交接班: the outgoing person writes a note; only the incoming person acknowledges it.
- 突发事件: an entry marked with a level. From 较大 up the 首报 is due a set number of minutes
  later (setting ``emergency_first_report_minutes``); the event stays on the 指挥研判 tab's red
  banner until a 首报 for it is signed (reports_upward).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.core import clock
from app.core.errors import NotFound, ValidationError
from app.core.ops import Change, read_op, write_op
from app.models import (
    CalendarDay,
    Channel,
    DayKind,
    DutyDay,
    DutyHandover,
    DutyLogEntry,
    EmergencyLevel,
    Matter,
    ReportStage,
    Role,
    UpwardReport,
    User,
)
from app.models.base import now
from app.services.center.settings import load_settings
from app.services.context import Actor
from app.services.reception import intake, posts
from app.services.security import audit
from app.services.security.permissions import DIRECTORS, Action, require
from app.services.validation import validate_text

WEEKDAYS = "一二三四五六日"
SOURCES = ("来电", "网格上报", "上级通知", "巡查发现", "群众来访", "其他")
# Levels whose 首报 is on a clock (the number of minutes is a setting).
CLOCKED_LEVELS = frozenset({EmergencyLevel.LARGER, EmergencyLevel.MAJOR, EmergencyLevel.GRAVE})
LONGEST_ROSTER = 62  # days built at once: a month, or two


# --- the roster ----------------------------------------------------------------------------


@dataclass(frozen=True)
class RosterDay:
    day: date
    leader_id: uuid.UUID | None
    leader: str
    staff_id: uuid.UUID | None
    staff: str
    phone: str
    holiday: str  # the statutory holiday's name (节假日值班), "" on other days
    rest_day: bool  # a weekend or holiday: not a working day
    note: str = ""

    @property
    def weekday(self) -> str:
        return f"星期{WEEKDAYS[self.day.weekday()]}"


@dataclass(frozen=True)
class BuildResult:
    days: int
    skipped: list[str]  # "12月3日 李接待（请假）" for each person passed over
    unfilled: list[date]  # days nobody in the list was free


def _days(since: date, until: date) -> list[date]:
    if until < since:
        raise ValidationError({"until": "结束日期不能早于开始日期"})
    if (until - since).days + 1 > LONGEST_ROSTER:
        raise ValidationError({"until": f"一次最多排 {LONGEST_ROSTER} 天，请缩短日期范围"})
    return [since + timedelta(days=i) for i in range((until - since).days + 1)]


def _calendar(session: Session, since: date, until: date) -> dict[date, CalendarDay]:
    return {
        c.day: c
        for c in session.scalars(
            select(CalendarDay).where(CalendarDay.day >= since, CalendarDay.day <= until)
        )
    }


def _names(session: Session) -> dict[uuid.UUID, User]:
    return {u.id: u for u in session.scalars(select(User))}


def _leader_check(user: User | None) -> None:
    if user is not None and user.role not in DIRECTORS:
        raise ValidationError({"leader": f"带班领导应为主任或常务副主任，{user.display_name}不是"})


@read_op
def roster(session: Session, actor: Actor, since: date, until: date) -> list[RosterDay]:
    """Every day of [since, until], filled from the roster where it has been made."""
    require(actor, Action.KEEP_DUTY)
    days = _days(since, until)
    cal = _calendar(session, since, until)
    users = _names(session)
    rows = {
        d.day: d
        for d in session.scalars(select(DutyDay).where(DutyDay.day >= since, DutyDay.day <= until))
    }
    out = []
    for day in days:
        c = cal.get(day)
        holiday = c.name or "节假日" if c and c.kind == DayKind.HOLIDAY else ""
        rest = bool(holiday) or (day.weekday() >= 5 and not (c and c.kind == DayKind.WORKDAY))
        r = rows.get(day)
        leader = users.get(r.leader_id) if r and r.leader_id else None
        staff = users.get(r.staff_id) if r and r.staff_id else None
        out.append(
            RosterDay(
                day,
                leader.id if leader else None,
                leader.display_name if leader else "",
                staff.id if staff else None,
                staff.display_name if staff else "",
                r.phone if r else "",
                holiday,
                rest,
                r.note if r else "",
            )
        )
    return out


def _rotate(
    session: Session, people: list[uuid.UUID], start: int, day: date, users, skipped: list[str]
) -> tuple[uuid.UUID | None, int]:
    """The next person of ``people`` from ``start`` who is not away on ``day``."""
    for k in range(len(people)):
        who = people[(start + k) % len(people)]
        if posts.is_absent(session, who, day):
            skipped.append(f"{day.month}月{day.day}日 {users[who].display_name}（请假）")
            continue
        return who, start + k + 1
    return None, start


@write_op(Change.DUTY)
def build_roster(
    session: Session,
    actor: Actor,
    since: date,
    until: date,
    leader_ids: list[uuid.UUID],
    staff_ids: list[uuid.UUID],
    phone: str = "",
) -> BuildResult:
    """Fill [since, until] by rotation over the leaders and the staff, in the order given,
    skipping anyone on leave that day (the rotation carries on with the next person).
    Days already on the roster are replaced. ``phone`` defaults to the center's phone."""
    require(actor, Action.MANAGE_ROSTER)
    days = _days(since, until)
    if not leader_ids:
        raise ValidationError({"leaders": "请至少选择一位带班领导"})
    if not staff_ids:
        raise ValidationError({"staff": "请至少选择一位值班人员"})
    users = _names(session)
    for uid in [*leader_ids, *staff_ids]:
        if uid not in users or not users[uid].active:
            raise NotFound("名单中有人员不存在或已停用，请刷新后重选。")
    for uid in leader_ids:
        _leader_check(users[uid])
    phone = validate_text(phone, "phone", "值班电话", required=False, max_len=32) or (
        load_settings(session).center_phone
    )
    existing = {
        d.day: d
        for d in session.scalars(select(DutyDay).where(DutyDay.day >= since, DutyDay.day <= until))
    }
    skipped: list[str] = []
    unfilled: list[date] = []
    li = si = 0
    for day in days:
        leader, li = _rotate(session, leader_ids, li, day, users, skipped)
        staff, si = _rotate(session, staff_ids, si, day, users, skipped)
        if leader is None or staff is None:
            unfilled.append(day)
        row = existing.get(day) or DutyDay(day=day)
        row.leader_id, row.staff_id, row.phone = leader, staff, phone
        row.updated_at = now()
        session.add(row)
    session.flush()
    audit.record(
        session,
        actor,
        "duty_roster_build",
        object_type="duty_roster",
        reason=f"{since.isoformat()}至{until.isoformat()}",
    )
    return BuildResult(len(days), skipped, unfilled)


@write_op(Change.DUTY)
def set_roster_day(
    session: Session,
    actor: Actor,
    day: date,
    leader_id: uuid.UUID | None,
    staff_id: uuid.UUID | None,
    phone: str = "",
    note: str = "",
) -> None:
    """Edit one day of the roster (after a rotation, or instead of one)."""
    require(actor, Action.MANAGE_ROSTER)
    leader = session.get(User, leader_id) if leader_id else None
    staff = session.get(User, staff_id) if staff_id else None
    if (leader_id and leader is None) or (staff_id and staff is None):
        raise NotFound("找不到该工作人员，请刷新后重选。")
    _leader_check(leader)
    problems: dict[str, str] = {}
    for who, key, label in ((leader, "leader", "带班领导"), (staff, "staff", "值班人员")):
        if who is not None and posts.is_absent(session, who.id, day):
            problems[key] = f"{who.display_name}{day.month}月{day.day}日请假，不能排为{label}"
    if problems:
        raise ValidationError(problems)
    phone = validate_text(phone, "phone", "值班电话", required=False, max_len=32)
    note = validate_text(note, "note", "备注", required=False, max_len=120)
    row = session.scalar(select(DutyDay).where(DutyDay.day == day)) or DutyDay(day=day)
    row.leader_id, row.staff_id, row.phone, row.note = leader_id, staff_id, phone, note
    row.updated_at = now()
    session.add(row)
    session.flush()
    audit.record(
        session, actor, "duty_roster_edit", object_type="duty_day", object_id=row.id,
        reason=day.isoformat(),
    )  # fmt: skip


@dataclass(frozen=True)
class Person:
    id: uuid.UUID
    name: str
    role: Role


@read_op
def duty_people(session: Session, actor: Actor) -> list[Person]:
    """Active staff who can be on the roster (the admin account is not)."""
    require(actor, Action.KEEP_DUTY)
    return [
        Person(u.id, u.display_name, u.role)
        for u in session.scalars(
            select(User).where(User.active.is_(True)).order_by(User.display_name)
        )
        if u.role != Role.ADMIN
    ]


def _roster_data(session: Session, actor: Actor, since: date, until: date):
    from app.reports.duty import RosterData, RosterRow

    days = roster(session, actor, since, until)
    rows = [
        RosterRow(d.day, d.leader, d.staff, d.phone, d.holiday, d.rest_day, d.note) for d in days
    ]
    return RosterData(load_settings(session).center_name, since, until, rows)


@write_op()
def roster_pdf(session: Session, actor: Actor, since: date, until: date) -> bytes:
    """The roster on one A4 page (audited: it names the staff and their phone)."""
    from app.reports.duty import render_roster

    data = _roster_data(session, actor, since, until)
    audit.record(
        session, actor, "duty_roster_print", object_type="duty_roster",
        reason=f"{since.isoformat()}至{until.isoformat()}",
    )  # fmt: skip
    return render_roster(data)


@write_op()
def roster_xlsx(session: Session, actor: Actor, since: date, until: date) -> bytes:
    from app.reports.duty import roster_workbook

    data = _roster_data(session, actor, since, until)
    audit.record(
        session, actor, "duty_roster_export", object_type="duty_roster",
        reason=f"{since.isoformat()}至{until.isoformat()}",
    )  # fmt: skip
    return roster_workbook(data)


# --- the log ---------------------------------------------------------------------------------


@dataclass
class EntryInput:
    at: datetime
    source: str
    content: str
    action: str = ""
    caller: str = ""
    phone: str = ""


@dataclass(frozen=True)
class EntryRow:
    id: uuid.UUID
    at: datetime
    source: str
    caller: str
    phone: str
    content: str
    action: str
    recorded_by: str
    matter_id: uuid.UUID | None
    matter_number: str
    level: EmergencyLevel | None
    first_report_due: datetime | None
    first_report: str  # the signed 首报's number, "" while none


def _clean_entry(data: EntryInput) -> EntryInput:
    problems: dict[str, str] = {}

    def text(key: str, label: str, required: bool = False, max_len: int = 2000) -> str:
        try:
            return validate_text(getattr(data, key), key, label, required=required, max_len=max_len)
        except ValidationError as err:
            problems.update(err.fields)
            return ""

    source = text("source", "来源", True, 32)
    content = text("content", "事由", True)
    action = text("action", "处置情况")
    caller = text("caller", "来电人/报告人", max_len=64)
    phone = text("phone", "联系电话", max_len=32)
    if data.at > clock.now() + timedelta(minutes=5):
        problems["at"] = "时间不能晚于现在"
    if problems:
        raise ValidationError(problems)
    return EntryInput(data.at.replace(second=0, microsecond=0), source, content, action, caller,
                      phone)  # fmt: skip


def _entry(session: Session, entry_id: uuid.UUID) -> DutyLogEntry:
    e = session.get(DutyLogEntry, entry_id)
    if e is None:
        raise NotFound("找不到该值班记录，请刷新列表。")
    return e


@write_op(Change.DUTY)
def log_entry(session: Session, actor: Actor, data: EntryInput) -> uuid.UUID:
    require(actor, Action.KEEP_DUTY)
    data = _clean_entry(data)
    e = DutyLogEntry(
        at=data.at,
        source=data.source,
        caller=data.caller,
        phone=data.phone,
        content=data.content,
        action=data.action,
        recorded_by=actor.user_id,
    )
    session.add(e)
    session.flush()
    audit.record(session, actor, "duty_log", object_type="duty_entry", object_id=e.id)
    return e.id


@write_op(Change.DUTY)
def update_entry(session: Session, actor: Actor, entry_id: uuid.UUID, action: str) -> None:
    """Add what was done since (处置情况) to an entry."""
    require(actor, Action.KEEP_DUTY)
    e = _entry(session, entry_id)
    e.action = validate_text(action, "action", "处置情况", required=False, max_len=2000)
    session.flush()
    audit.record(session, actor, "duty_log_update", object_type="duty_entry", object_id=e.id)


def _first_reports(session: Session, ids: list[uuid.UUID]) -> dict[uuid.UUID, str]:
    if not ids:
        return {}
    return dict(
        session.execute(
            select(UpwardReport.duty_entry_id, UpwardReport.number).where(
                UpwardReport.duty_entry_id.in_(ids),
                UpwardReport.stage == ReportStage.FIRST,
                UpwardReport.signed_at.is_not(None),
            )
        ).all()
    )


def _rows(session: Session, entries: list[DutyLogEntry]) -> list[EntryRow]:
    users = _names(session)
    numbers = dict(
        session.execute(
            select(Matter.id, Matter.number).where(
                Matter.id.in_([e.matter_id for e in entries if e.matter_id])
            )
        ).all()
    )
    firsts = _first_reports(session, [e.id for e in entries if e.emergency_level])
    return [
        EntryRow(
            e.id,
            e.at,
            e.source,
            e.caller,
            e.phone,
            e.content,
            e.action,
            users[e.recorded_by].display_name if e.recorded_by in users else "",
            e.matter_id,
            numbers.get(e.matter_id, ""),
            e.emergency_level,
            e.first_report_due,
            firsts.get(e.id, ""),
        )
        for e in entries
    ]


@read_op
def day_log(session: Session, actor: Actor, day: date) -> list[EntryRow]:
    require(actor, Action.KEEP_DUTY)
    start = datetime.combine(day, time.min)
    entries = list(
        session.scalars(
            select(DutyLogEntry)
            .where(DutyLogEntry.at >= start, DutyLogEntry.at < start + timedelta(days=1))
            .order_by(DutyLogEntry.at)
        )
    )
    return _rows(session, entries)


@dataclass
class MatterFromEntry:
    channel: Channel  # 来电 or 网格上报
    category_id: uuid.UUID | None
    name: str  # the caller or the grid worker's report's person
    phone: str = ""
    summary: str = ""


@write_op(Change.DUTY, Change.MATTERS)
def entry_to_matter(
    session: Session, actor: Actor, entry_id: uuid.UUID, data: MatterFromEntry
) -> intake.Registered:
    """Register the entry as a matter through intake (its rules, numbering and routing)."""
    require(actor, Action.KEEP_DUTY)
    e = _entry(session, entry_id)
    if e.matter_id is not None:
        raise ValidationError("这条值班记录已经登记为事项了。")
    if data.channel not in (Channel.CALL, Channel.GRID):
        raise ValidationError({"channel": "值班记录只能登记为“来电”或“网格上报”"})
    registered = intake.register_matter(
        session,
        actor,
        intake.IntakeInput(
            channel=data.channel,
            visitors=[intake.VisitorInput(name=data.name, phone=data.phone)],
            category_id=data.category_id,
            summary=data.summary or e.content,
        ),
        at=e.at,  # received when the call came
    )
    e.matter_id = registered.id
    session.flush()
    audit.record(
        session, actor, "duty_log_to_matter", object_type="duty_entry", object_id=e.id,
        reason=registered.number,
    )  # fmt: skip
    return registered


# --- 突发事件 ----------------------------------------------------------------------------------


@write_op(Change.DUTY)
def mark_emergency(
    session: Session, actor: Actor, entry_id: uuid.UUID, level: EmergencyLevel
) -> datetime | None:
    """Mark an entry 突发事件; from 较大 up, the 首报 is due the set minutes from now."""
    require(actor, Action.KEEP_DUTY)
    e = _entry(session, entry_id)
    at = now()
    if e.emergency_level is None:
        e.emergency_at = at
    e.emergency_level = level
    minutes = load_settings(session).emergency_first_report_minutes
    e.first_report_due = (
        (e.emergency_at or at) + timedelta(minutes=minutes) if level in CLOCKED_LEVELS else None
    )
    session.flush()
    audit.record(
        session, actor, "emergency_mark", object_type="duty_entry", object_id=e.id,
        reason=level.label,
    )  # fmt: skip
    return e.first_report_due


@dataclass(frozen=True)
class EmergencyAlert:
    entry_id: uuid.UUID
    at: datetime
    level: EmergencyLevel
    content: str
    due: datetime | None
    overdue: bool

    @property
    def text(self) -> str:
        head = f"{self.level.label}突发事件（{self.at:%m月%d日 %H:%M}）{self.content[:30]}"
        if self.due is None:
            return f"{head}：尚未报送首报"
        if self.overdue:
            return f"{head}：首报已超时（应于 {self.due:%H:%M} 前报送）"
        return f"{head}：首报应于 {self.due:%H:%M} 前报送"


@read_op
def pending_first_reports(session: Session, actor: Actor) -> list[EmergencyAlert]:
    """突发事件 whose 首报 has not been signed and sent: the red banner."""
    require(actor, Action.KEEP_DUTY)
    entries = list(
        session.scalars(
            select(DutyLogEntry)
            .where(DutyLogEntry.emergency_level.is_not(None))
            .order_by(DutyLogEntry.at)
        )
    )
    sent = _first_reports(session, [e.id for e in entries])
    t = clock.now()
    return [
        EmergencyAlert(
            e.id,
            e.at,
            e.emergency_level,
            e.content,
            e.first_report_due,
            e.first_report_due is not None and t > e.first_report_due,
        )
        for e in entries
        if e.id not in sent
    ]


@read_op
def emergencies(session: Session, actor: Actor, since: date) -> list[EntryRow]:
    require(actor, Action.KEEP_DUTY)
    entries = list(
        session.scalars(
            select(DutyLogEntry)
            .where(
                DutyLogEntry.emergency_level.is_not(None),
                DutyLogEntry.at >= datetime.combine(since, time.min),
            )
            .order_by(DutyLogEntry.at.desc())
        )
    )
    return _rows(session, entries)


# --- 交接班 ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class HandoverRow:
    id: uuid.UUID
    day: date
    from_user: str
    to_user: str
    to_user_id: uuid.UUID
    note: str
    written_at: datetime
    acknowledged_at: datetime | None


@write_op(Change.DUTY)
def write_handover(
    session: Session, actor: Actor, to_user_id: uuid.UUID, note: str, day: date | None = None
) -> uuid.UUID:
    """The outgoing person's note to the incoming one."""
    require(actor, Action.KEEP_DUTY)
    note = validate_text(note, "note", "交接班记录", required=True, max_len=2000)
    incoming = session.get(User, to_user_id)
    if incoming is None:
        raise NotFound("找不到接班人，请刷新后重选。")
    if to_user_id == actor.user_id:
        raise ValidationError({"to_user": "接班人不能是自己"})
    h = DutyHandover(
        day=day or clock.today(),
        from_user_id=actor.user_id,
        to_user_id=to_user_id,
        note=note,
        written_at=now(),
    )
    session.add(h)
    session.flush()
    audit.record(session, actor, "duty_handover", object_type="duty_handover", object_id=h.id)
    return h.id


@write_op(Change.DUTY)
def acknowledge_handover(session: Session, actor: Actor, handover_id: uuid.UUID) -> None:
    """The incoming person, and only they, acknowledges the note (接班确认)."""
    require(actor, Action.KEEP_DUTY)
    h = session.get(DutyHandover, handover_id)
    if h is None:
        raise NotFound("找不到该交接班记录，请刷新。")
    if h.to_user_id != actor.user_id:
        raise ValidationError("只有接班人本人才能确认接班。")
    if h.acknowledged_at is not None:
        raise ValidationError("这次交接班已经确认过了。")
    h.acknowledged_at = now()
    session.flush()
    audit.record(session, actor, "duty_handover_ack", object_type="duty_handover", object_id=h.id)


@read_op
def handovers(session: Session, actor: Actor, day: date) -> list[HandoverRow]:
    require(actor, Action.KEEP_DUTY)
    users = _names(session)
    return [
        HandoverRow(
            h.id,
            h.day,
            users[h.from_user_id].display_name,
            users[h.to_user_id].display_name,
            h.to_user_id,
            h.note,
            h.written_at,
            h.acknowledged_at,
        )
        for h in session.scalars(
            select(DutyHandover).where(DutyHandover.day == day).order_by(DutyHandover.written_at)
        )
    ]


@write_op()
def day_log_pdf(session: Session, actor: Actor, day: date) -> bytes:
    from app.reports.duty import HandoverNote, LogData, LogEntry, render_log

    entries = day_log(session, actor, day)
    notes = handovers(session, actor, day)
    r = roster(session, actor, day, day)[0]
    data = LogData(
        load_settings(session).center_name,
        day,
        r.leader,
        r.staff,
        r.phone,
        r.holiday,
        [
            LogEntry(
                e.at,
                e.source,
                e.caller,
                e.content,
                e.action,
                e.recorded_by,
                e.matter_number,
                e.level.label if e.level else "",
                e.first_report,
            )
            for e in entries
        ],
        [
            HandoverNote(h.from_user, h.to_user, h.note, h.written_at, h.acknowledged_at)
            for h in notes
        ],
    )
    audit.record(session, actor, "duty_log_print", object_type="duty_log", reason=day.isoformat())
    return render_log(data)


__all__ = [
    "SOURCES",
    "BuildResult",
    "EmergencyAlert",
    "EntryInput",
    "EntryRow",
    "HandoverRow",
    "MatterFromEntry",
    "Person",
    "RosterDay",
]
