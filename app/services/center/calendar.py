"""Working days: Monday–Friday, less statutory holidays, plus 调休 working weekends.

Holidays live in the ``calendar_days`` table, seeded from the ``chinese_calendar`` library
for the years it covers and entered by the admin for later years (the State Council
announces each year's plan late in the year before). Where a year is missing, weekends only
are skipped and the deadline carries a warning saying so.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from app.core.ops import Change, read_op, write_op
from app.models import CalendarDay, CalendarYear, DayKind, LimitKind

_HOLIDAY_NAMES = {
    "New Year's Day": "元旦",
    "Spring Festival": "春节",
    "Tomb-sweeping Day": "清明节",
    "Labour Day": "劳动节",
    "Dragon Boat Festival": "端午节",
    "National Day": "国庆节",
    "Mid-autumn Festival": "中秋节",
    "Anti-Fascist 70th Day": "抗战胜利70周年纪念日",
}


def library_days() -> tuple[dict[date, str], dict[date, str], set[int]]:
    """(holidays, 调休 working days, years covered) from chinese_calendar."""
    import chinese_calendar

    holidays = {d: _HOLIDAY_NAMES.get(n, n) for d, n in chinese_calendar.holidays.items()}
    workdays = {d: "调休" for d in chinese_calendar.workdays if d.weekday() >= 5}
    years = {d.year for d in holidays}
    return holidays, workdays, years


@write_op(Change.CALENDAR)
def seed_from_library(session: Session, years: Iterable[int] | None = None) -> list[int]:
    """Add the library's holidays for years not yet in the table (idempotent)."""
    holidays, workdays, covered = library_days()
    have = set(session.scalars(select(CalendarYear.year)))
    wanted = sorted((set(years) if years is not None else covered) & covered - have)
    for year in wanted:
        for d, name in holidays.items():
            if d.year == year:
                session.merge(CalendarDay(day=d, kind=DayKind.HOLIDAY, name=name))
        for d, name in workdays.items():
            if d.year == year:
                session.merge(CalendarDay(day=d, kind=DayKind.WORKDAY, name=name))
        session.add(CalendarYear(year=year, source="library"))
    session.flush()
    return wanted


@read_op
def covered_years(session: Session) -> set[int]:
    return set(session.scalars(select(CalendarYear.year)))


@read_op
def list_days(session: Session, year: int) -> list[CalendarDay]:
    return list(
        session.scalars(
            select(CalendarDay)
            .where(CalendarDay.day >= date(year, 1, 1), CalendarDay.day <= date(year, 12, 31))
            .order_by(CalendarDay.day)
        )
    )


@write_op(Change.CALENDAR)
def set_day(session: Session, d: date, kind: DayKind, name: str | None) -> None:
    session.merge(CalendarDay(day=d, kind=kind, name=name))
    session.flush()


@write_op(Change.CALENDAR)
def clear_day(session: Session, d: date) -> None:
    session.execute(delete(CalendarDay).where(CalendarDay.day == d))


@write_op(Change.CALENDAR)
def mark_year_entered(session: Session, year: int) -> None:
    row = session.get(CalendarYear, year)
    if row is None:
        session.add(CalendarYear(year=year, source="admin"))
    else:
        row.source = "admin" if row.source != "library" else row.source
    session.flush()


# From this month on, next year's holidays are due (the notice comes out in November or so).
REMIND_FROM_MONTH = 11


def missing_year_text(year: int) -> str:
    return f"{year}年节假日尚未录入，办理期限暂按周末计算"


@read_op
def years_to_enter(session: Session, today: date) -> list[int]:
    """The years whose holidays are wanted and not entered: this year always, and from
    1 November next year too (an empty table means deadlines count weekends only)."""
    wanted = [today.year] + ([today.year + 1] if today.month >= REMIND_FROM_MONTH else [])
    have = covered_years(session)
    return [y for y in wanted if y not in have]


def _cn(d: date) -> str:
    return f"{d.year}年{d.month}月{d.day}日"


@dataclass(frozen=True)
class Deadline:
    due: date
    kind: LimitKind
    days: int
    missing_years: tuple[int, ...] = ()

    @property
    def warning(self) -> str | None:
        if not self.missing_years:
            return None
        years = "、".join(str(y) for y in self.missing_years)
        return f"{years} 年节假日未录入，期限仅按周末计算，请管理员录入"

    @property
    def text(self) -> str:
        if self.kind == LimitKind.SAME_DAY:
            return f"当日办结（{_cn(self.due)}）"
        if self.kind == LimitKind.CALENDAR:
            return f"{self.days}日（自然日，{_cn(self.due)}前）"
        return f"{self.days}个工作日（{_cn(self.due)}前）"


class WorkCalendar:
    """The calendar loaded once (a few hundred rows); pure lookups afterwards."""

    def __init__(self, holidays: set[date], workdays: set[date], years: set[int]):
        self.holidays = holidays
        self.workdays = workdays
        self.years = years

    @classmethod
    def load(cls, session: Session) -> WorkCalendar:
        holidays, workdays = set(), set()
        for d, kind in session.execute(select(CalendarDay.day, CalendarDay.kind)):
            (holidays if kind == DayKind.HOLIDAY else workdays).add(d)
        return cls(holidays, workdays, covered_years(session))

    def is_working_day(self, d: date) -> bool:
        if d in self.workdays:
            return True
        if d in self.holidays:
            return False
        return d.weekday() < 5

    def is_holiday_week(self, monday: date) -> bool:
        """A week given over to a holiday (the 国庆 or 春节 week): fewer than 3 of its Monday to
        Friday are working days. No weekly meeting is due in it."""
        return sum(self.is_working_day(monday + timedelta(days=i)) for i in range(5)) < 3

    def next_working_day(self, d: date) -> date:
        """The first working day after ``d``."""
        return self.add_working_days(d, 1)

    def add_working_days(self, start: date, n: int) -> date:
        """The n-th working day after ``start`` (the day of receipt does not count)."""
        d = start
        left = n
        while left > 0:
            d += timedelta(days=1)
            if self.is_working_day(d):
                left -= 1
        return d

    def deadline(self, received: datetime | date, kind: LimitKind, days: int) -> Deadline:
        start = received.date() if isinstance(received, datetime) else received
        kind = LimitKind(kind)
        if kind == LimitKind.SAME_DAY:
            due = start
        elif kind == LimitKind.CALENDAR:
            # 信访工作条例 and 人民调解 count calendar days: the due day stays as it falls.
            due = start + timedelta(days=days)
        else:
            due = self.add_working_days(start, days)
        missing = ()
        if kind == LimitKind.WORKING:
            missing = tuple(y for y in range(start.year, due.year + 1) if y not in self.years)
        return Deadline(due, kind, days, missing)

    def working_days_left(self, today: date, due: date) -> int:
        """0 when due today, n working days still left, negative when overdue."""
        if due == today:
            return 0
        step = 1 if due > today else -1
        d, count = today, 0
        while d != due:
            d += timedelta(days=step)
            if self.is_working_day(d) or d == due:
                count += step
        return count
