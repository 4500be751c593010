"""The admin's side of the working-day calendar: permission-checked and audited edits."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import delete
from sqlalchemy.orm import Session

from app.core import clock
from app.core.errors import ValidationError
from app.core.ops import Change, read_op, write_op
from app.models import CalendarDay, CalendarYear, DayKind
from app.services.center import calendar
from app.services.context import Actor
from app.services.security import audit
from app.services.security.permissions import Action, allowed, require
from app.services.validation import validate_text


@dataclass(frozen=True)
class DayRow:
    day: date
    kind: DayKind
    name: str


@dataclass(frozen=True)
class YearView:
    year: int
    source: str | None  # library | admin | None (not entered)
    days: list[DayRow]


@read_op
def year_view(session: Session, actor: Actor, year: int) -> YearView:
    require(actor, Action.MANAGE_CALENDAR)
    entry = session.get(CalendarYear, year)
    days = [DayRow(d.day, d.kind, d.name or "") for d in calendar.list_days(session, year)]
    return YearView(year, entry.source if entry else None, days)


@write_op(Change.CALENDAR)
def set_day(session: Session, actor: Actor, day: date, kind: DayKind, name: str) -> None:
    require(actor, Action.MANAGE_CALENDAR)
    if kind == DayKind.WORKDAY and day.weekday() < 5:
        raise ValidationError({"day": f"{day:%Y-%m-%d} 本来就是工作日，调休上班只用于周末"})
    name = validate_text(name, "name", "节假日名称", required=False, max_len=32)
    calendar.set_day(session, day, DayKind(kind), name or None)
    audit.record(session, actor, "calendar_set", object_type="calendar", object_id=day.isoformat())


@write_op(Change.CALENDAR)
def clear_day(session: Session, actor: Actor, day: date) -> None:
    require(actor, Action.MANAGE_CALENDAR)
    calendar.clear_day(session, day)
    audit.record(
        session, actor, "calendar_clear", object_type="calendar", object_id=day.isoformat()
    )


@write_op(Change.CALENDAR)
def mark_year_entered(session: Session, actor: Actor, year: int) -> None:
    require(actor, Action.MANAGE_CALENDAR)
    calendar.mark_year_entered(session, year)
    audit.record(session, actor, "calendar_year", object_type="calendar", object_id=str(year))


@write_op(Change.CALENDAR)
def replace_year(session: Session, actor: Actor, year: int, rows: list[DayRow]) -> int:
    """The year's holidays and 调休 working weekends become ``rows`` (read from the State
    Council's notice and confirmed by the admin): the year's earlier rows go, the year counts
    as entered. Returns how many rows were saved. All or nothing."""
    require(actor, Action.MANAGE_CALENDAR)
    if not rows:
        raise ValidationError({"rows": "没有可保存的日期：请先解析通知"})
    problems = []
    first, last = date(year, 1, 1), date(year, 12, 31)
    for r in rows:
        # A notice may name a 调休 day of late December before, e.g. "2011年12月31日上班".
        if not first - timedelta(days=31) <= r.day <= last + timedelta(days=31):
            problems.append(f"{r.day:%Y-%m-%d} 不在{year}年")
        elif DayKind(r.kind) == DayKind.WORKDAY and r.day.weekday() < 5:
            problems.append(f"{r.day:%Y-%m-%d} 本来就是工作日，调休上班只用于周末")
    if len({r.day for r in rows}) != len(rows):
        problems.append("同一天出现了两次")
    if problems:
        raise ValidationError({"rows": "；".join(problems)})
    session.execute(
        delete(CalendarDay).where(
            CalendarDay.day >= date(year, 1, 1), CalendarDay.day <= date(year, 12, 31)
        )
    )
    for r in rows:  # the days next to the year (another year's rows) are set, not replaced
        name = validate_text(r.name, "name", "节假日名称", required=False, max_len=32)
        session.merge(CalendarDay(day=r.day, kind=DayKind(r.kind), name=name or None))
    entry = session.get(CalendarYear, year)
    if entry is None:
        session.add(CalendarYear(year=year, source="admin"))
    else:
        entry.source = "admin"
    session.flush()
    audit.record(
        session,
        actor,
        "calendar_notice",
        object_type="calendar",
        object_id=str(year),
        reason=f"按国务院通知录入{len(rows)}天",
    )
    return len(rows)


@read_op
def reminders(session: Session, actor: Actor) -> list[str]:
    """What the director and the admin are told on log-in about the calendar: e.g.
    "2027年节假日尚未录入，办理期限暂按周末计算" from 1 November (nothing for other roles)."""
    if not allowed(actor, Action.MANAGE_CALENDAR):
        return []
    return [calendar.missing_year_text(y) for y in calendar.years_to_enter(session, clock.today())]
