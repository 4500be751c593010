"""Deadlines in working days: holidays skipped, 调休 weekends counted, missing years flagged."""

from __future__ import annotations

from datetime import date, datetime

from app.models import DayKind, LimitKind
from app.services.center import calendar_admin
from app.services.center.calendar import WorkCalendar, covered_years, seed_from_library


def load(db) -> WorkCalendar:
    with db.read() as s:
        return WorkCalendar.load(s)


def test_library_years_are_seeded_once(db):
    with db.write() as s:
        assert seed_from_library(s) == []  # set-up already did it
        assert {2024, 2025, 2026} <= covered_years(s)


def test_national_day_is_skipped_and_the_make_up_sunday_counts(db):
    cal = load(db)
    assert not cal.is_working_day(date(2025, 10, 1))
    assert cal.is_working_day(date(2025, 9, 28))  # Sunday, 调休 working day
    # Received Friday 26 Sep 2025: Sun 28 Sep, Mon 29, Tue 30, then the holiday to 8 Oct.
    d = cal.deadline(datetime(2025, 9, 26, 10), LimitKind.WORKING, 5)
    assert d.due == date(2025, 10, 10) and d.warning is None
    assert d.text == "5个工作日（2025年10月10日前）"


def test_plain_week(db):
    cal = load(db)
    assert cal.add_working_days(date(2026, 11, 20), 5) == date(2026, 11, 27)
    assert cal.working_days_left(date(2026, 11, 25), date(2026, 11, 27)) == 2
    assert cal.working_days_left(date(2026, 11, 27), date(2026, 11, 27)) == 0
    assert cal.working_days_left(date(2026, 11, 30), date(2026, 11, 27)) < 0


def test_calendar_days_and_same_day():
    cal = WorkCalendar(set(), set(), {2026})
    assert cal.deadline(date(2026, 11, 25), LimitKind.CALENDAR, 30).due == date(2026, 12, 25)
    same = cal.deadline(datetime(2026, 11, 25, 9), LimitKind.SAME_DAY, 0)
    assert same.due == date(2026, 11, 25) and same.text.startswith("当日办结")


def test_a_year_no_library_covers_warns_until_the_admin_enters_it(db, admin):
    cal = load(db)
    d = cal.deadline(date(2031, 1, 10), LimitKind.WORKING, 5)
    assert d.missing_years == (2031,) and "2031 年节假日未录入" in d.warning
    with db.write() as s:
        calendar_admin.set_day(s, admin, date(2031, 1, 13), DayKind.HOLIDAY, "测试假日")
        calendar_admin.mark_year_entered(s, admin, 2031)
    cal = load(db)
    d = cal.deadline(date(2031, 1, 10), LimitKind.WORKING, 5)  # Friday; Monday 13th off
    assert d.warning is None and d.due == date(2031, 1, 20)


def test_a_deadline_running_into_a_year_the_calendar_does_not_know():
    # 2026 known (New Year's Day 2027 unknown to it): weekends only, and a warning.
    cal = WorkCalendar({date(2026, 10, 1)}, set(), {2026})
    d = cal.deadline(date(2026, 12, 28), LimitKind.WORKING, 7)  # Monday
    assert d.due == date(2027, 1, 6)  # Tue 29 … Thu 31, Fri 1 Jan counted, Mon 4 – Wed 6
    assert d.missing_years == (2027,) and "2027 年节假日未录入" in d.warning


def test_holiday_weeks_and_the_next_working_day(db):
    cal = load(db)
    assert cal.is_holiday_week(date(2026, 2, 16))  # 春节: Monday to Friday all off
    assert cal.is_holiday_week(date(2026, 10, 5))  # 国庆: only Thursday and Friday worked
    assert cal.is_holiday_week(date(2025, 9, 29))  # only Monday and Tuesday before 国庆
    assert not cal.is_holiday_week(date(2026, 11, 23))  # an ordinary week
    assert not cal.is_holiday_week(date(2026, 9, 28))  # Monday to Wednesday worked
    assert cal.next_working_day(date(2026, 9, 30)) == date(2026, 10, 8)
    assert cal.next_working_day(date(2026, 11, 20)) == date(2026, 11, 23)  # Friday → Monday
    assert cal.next_working_day(date(2026, 10, 9)) == date(2026, 10, 10)  # a 调休 Saturday
