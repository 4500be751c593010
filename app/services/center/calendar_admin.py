"""The admin's side of the working-day calendar: permission-checked and audited edits."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy.orm import Session

from app.core.errors import ValidationError
from app.core.ops import Change, read_op, write_op
from app.models import CalendarYear, DayKind
from app.services.center import calendar
from app.services.context import Actor
from app.services.security import audit
from app.services.security.permissions import Action, require
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
