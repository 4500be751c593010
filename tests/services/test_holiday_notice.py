"""Reading the State Council's 部分节假日安排 notice (../shared/HOLIDAYS.md has the facts)."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import pytest

from app.models import DayKind
from app.services.center.calendar import library_days
from app.services.center.holiday_notice import NoticeRow, notice_year, read_notice

NOTICES = Path(__file__).parent.parent / "data" / "holiday_notices"


def notice(year: int) -> str:
    return (NOTICES / f"{year}.txt").read_text(encoding="utf-8")


def days(first: str, last: str | None = None) -> set[date]:
    a = date.fromisoformat(first)
    b = date.fromisoformat(last or first)
    return {a + timedelta(days=i) for i in range((b - a).days + 1)}


# The tables of HOLIDAYS.md: days off (ranges) and weekend days worked.
FACTS = {
    2026: (
        days("2026-01-01", "2026-01-03")
        | days("2026-02-15", "2026-02-23")
        | days("2026-04-04", "2026-04-06")
        | days("2026-05-01", "2026-05-05")
        | days("2026-06-19", "2026-06-21")
        | days("2026-09-25", "2026-09-27")
        | days("2026-10-01", "2026-10-07"),
        days("2026-01-04")
        | days("2026-02-14")
        | days("2026-02-28")
        | days("2026-05-09")
        | days("2026-09-20")
        | days("2026-10-10"),
    ),
    2025: (
        days("2025-01-01")
        | days("2025-01-28", "2025-02-04")
        | days("2025-04-04", "2025-04-06")
        | days("2025-05-01", "2025-05-05")
        | days("2025-05-31", "2025-06-02")
        | days("2025-10-01", "2025-10-08"),
        days("2025-01-26")
        | days("2025-02-08")
        | days("2025-04-27")
        | days("2025-09-28")
        | days("2025-10-11"),
    ),
    2017: (
        days("2017-01-01", "2017-01-02")
        | days("2017-01-27", "2017-02-02")
        | days("2017-04-02", "2017-04-04")
        | days("2017-05-01")
        | days("2017-05-28", "2017-05-30")
        | days("2017-10-01", "2017-10-08"),
        days("2017-01-22")
        | days("2017-02-04")
        | days("2017-04-01")
        | days("2017-05-27")
        | days("2017-09-30"),
    ),
}


@pytest.mark.parametrize("year", sorted(FACTS))
def test_each_notice_gives_the_facts(year):
    reading = read_notice(notice(year))
    assert reading.year == year
    assert reading.unread == [] and reading.warnings == []
    holidays, workdays = FACTS[year]
    assert set(reading.holidays) == holidays
    assert reading.workdays == workdays


def test_the_2026_notice_gives_exactly_the_library_rows():
    holidays, workdays, _ = library_days()
    reading = read_notice(notice(2026))
    expected = sorted(
        [NoticeRow(d, DayKind.HOLIDAY, n) for d, n in holidays.items() if d.year == 2026]
        + [NoticeRow(d, DayKind.WORKDAY, n) for d, n in workdays.items() if d.year == 2026],
        key=lambda r: r.day,
    )
    assert reading.rows == expected


@pytest.mark.parametrize("year", [2025, 2017])
def test_earlier_notices_give_the_library_dates(year):
    holidays, workdays, _ = library_days()
    reading = read_notice(notice(year))
    assert set(reading.holidays) == {d for d in holidays if d.year == year}
    assert reading.workdays == {d for d in workdays if d.year == year}


def test_joined_festivals_and_the_older_wordings():
    r2025 = read_notice(notice(2025))
    assert r2025.holidays[date(2025, 10, 6)] == "国庆节、中秋节"
    assert r2025.holidays[date(2025, 1, 1)] == "元旦"  # 放假1天，不调休
    r2017 = read_notice(notice(2017))
    assert r2017.holidays[date(2017, 1, 2)] == "元旦"  # 补休
    # 与周末连休: only the day itself; the weekend is a weekend anyway.
    assert [d for d, n in r2017.holidays.items() if n == "劳动节"] == [date(2017, 5, 1)]


def messy(text: str) -> str:
    """A repost: half-width punctuation, stray spaces and breaks, 星期日, traditional 節/調."""
    text = (
        text.replace("（", "(")
        .replace("）", ")")
        .replace("：", ":")
        .replace("，", ", ")
        .replace("周日", "星期天")
        .replace("周六", "星期六")
        .replace("节", "節")
        .replace("调休", "調休")
    )
    text = text.replace("至", " 至\n").replace("上班", " 上 班")
    return text.replace("放假", "放\u3000假")


@pytest.mark.parametrize("year", sorted(FACTS))
def test_messy_reposts_read_the_same(year):
    clean = read_notice(notice(year))
    reading = read_notice(messy(notice(year)))
    assert reading.year == year and reading.unread == [] and reading.warnings == []
    assert reading.rows == clean.rows


def test_range_across_months_with_day_alone_and_brackets_with_lunar_dates():
    text = (
        "关于2031年部分节假日安排的通知\n"
        "二、春节：1月22日（农历腊月二十九、星期三）至28日（农历正月初六、星期二）放假调休，共7天。"
        "1月19日（周日）、2月8日（周六）上班。\n"
        "三、国庆节：9月30日（周二）至10月7日（周二）放假调休，共8天。"
    )
    reading = read_notice(text)
    assert reading.year == 2031 and not reading.unread and not reading.warnings
    assert set(reading.holidays) == days("2031-01-22", "2031-01-28") | days(
        "2031-09-30", "2031-10-07"
    )
    assert reading.workdays == {date(2031, 1, 19), date(2031, 2, 8)}


def test_a_weekday_that_contradicts_the_date_is_flagged():
    text = "关于2026年部分节假日安排的通知\n一、元旦：1月1日（周五）至3日（周六）放假调休，共3天。"
    reading = read_notice(text)
    assert set(reading.holidays) == days("2026-01-01", "2026-01-03")
    assert len(reading.warnings) == 1
    assert "1月1日 写作周五" in reading.warnings[0] and "是周四" in reading.warnings[0]
    assert not reading.clean


def test_a_count_that_disagrees_with_the_range_is_flagged():
    text = (
        "关于2026年部分节假日安排的通知\n四、劳动节：5月1日（周五）至5日（周二）放假调休，共4天。"
    )
    reading = read_notice(text)
    assert any("共4天" in w and "5天" in w for w in reading.warnings)


def test_lines_it_cannot_read_are_named():
    text = (
        "关于2026年部分节假日安排的通知\n"
        "一、元旦：1月1日（周四）至3日（周六）放假调休，共3天。1月4日（周日）上班。\n"
        "三、清明节：4月4日起休息几天，具体另行通知。\n"
        "五、端午节：另行通知。\n"
    )
    reading = read_notice(text)
    assert set(reading.holidays) == days("2026-01-01", "2026-01-03")
    assert reading.unread == ["清明节:4月4日起休息几天,具体另行通知", "端午节:另行通知"]


def test_a_working_weekday_is_flagged_and_left_out():
    text = "关于2026年部分节假日安排的通知\n一、元旦：1月1日（周四）放假。1月5日（周一）上班。"
    reading = read_notice(text)
    assert reading.workdays == set()
    assert any("1月5日 是周一" in w for w in reading.warnings)


def test_the_year_comes_from_the_heading_or_from_the_caller():
    assert notice_year(notice(2017)) == 2017
    lines = "一、元旦：1月1日（周四）至3日（周六）放假调休，共3天。"
    assert read_notice(lines).year is None and read_notice(lines).unread
    assert set(read_notice(lines, 2026).holidays) == days("2026-01-01", "2026-01-03")
    with_heading = read_notice(notice(2026), 2027)
    assert with_heading.year == 2026 and any("2026年" in w for w in with_heading.warnings)


def test_text_without_arrangement_lines():
    reading = read_notice("国务院办公厅关于2027年部分节假日安排的通知\n各省、自治区：\n")
    assert reading.rows == [] and reading.unread and not reading.clean


# Saving what the notice says: the admin's confirmed rows replace the year's rows.

NOTICE_2031 = (
    "国务院办公厅关于2031年部分节假日安排的通知\n"
    "一、元旦：1月1日（周三）放假1天，不调休。\n"
    "二、春节：1月22日（周三）至28日（周二）放假调休，共7天。"
    "1月19日（周日）、2月8日（周六）上班。\n"
)


def rows_of(reading):
    from app.services.center import calendar_admin

    return [calendar_admin.DayRow(r.day, r.kind, r.name) for r in reading.rows]


def test_saving_a_notice_replaces_the_year_and_is_audited(db, admin, receptionist):
    from sqlalchemy import select

    from app.core.errors import PermissionDenied, ValidationError
    from app.models import AuditEntry
    from app.services.center import calendar_admin
    from app.services.center.calendar import WorkCalendar

    reading = read_notice(NOTICE_2031)
    with db.write() as s:
        calendar_admin.set_day(s, admin, date(2031, 3, 3), DayKind.HOLIDAY, "手工录入")
    with pytest.raises(PermissionDenied), db.write() as s:
        calendar_admin.replace_year(s, receptionist, 2031, rows_of(reading))
    with pytest.raises(ValidationError) as refused, db.write() as s:
        calendar_admin.replace_year(s, admin, 2032, rows_of(reading))
    assert "不在2032年" in str(refused.value)
    with db.write() as s:
        assert calendar_admin.replace_year(s, admin, 2031, rows_of(reading)) == 10
    with db.read() as s:
        view = calendar_admin.year_view(s, admin, 2031)
        cal = WorkCalendar.load(s)
        event = s.execute(
            select(AuditEntry.event, AuditEntry.object_id, AuditEntry.username)
            .order_by(AuditEntry.seq.desc())
            .limit(1)
        ).one()
    assert view.source == "admin" and len(view.days) == 10
    assert date(2031, 3, 3) not in {d.day for d in view.days}  # the hand-entered day went
    assert not cal.is_working_day(date(2031, 1, 22)) and cal.is_working_day(date(2031, 1, 19))
    assert cal.deadline(date(2031, 1, 20), "working", 3).warning is None
    assert tuple(event) == ("calendar_notice", "2031", "admin")


def test_the_2026_notice_saved_gives_the_same_calendar_as_the_library(db, admin):
    from app.services.center import calendar_admin
    from app.services.center.calendar import WorkCalendar

    with db.read() as s:
        before = WorkCalendar.load(s)
    with db.write() as s:
        calendar_admin.replace_year(s, admin, 2026, rows_of(read_notice(notice(2026))))
    with db.read() as s:
        after = WorkCalendar.load(s)
    assert after.holidays == before.holidays and after.workdays == before.workdays


def test_a_working_day_in_the_december_before_and_dotted_numbering(db, admin):
    from app.services.center import calendar_admin

    text = (
        "国务院办公厅关于2012年部分节假日安排的通知\n"
        "一. 元旦：1月1日至3日放假调休，共3天。2011年12月31日（星期六）上班。\n"
    )
    reading = read_notice(text)
    assert not reading.unread and not reading.warnings
    assert set(reading.holidays) == days("2012-01-01", "2012-01-03")
    assert reading.workdays == {date(2011, 12, 31)}
    holidays, workdays, _ = library_days()
    assert date(2011, 12, 31) in workdays  # as the library has it
    with db.write() as s:
        calendar_admin.replace_year(s, admin, 2012, rows_of(reading))
    with db.read() as s:
        saved = {d.day for d in calendar_admin.year_view(s, admin, 2011).days}
    assert date(2011, 12, 31) in saved


def test_a_notice_read_as_the_wrong_year_says_so_first():
    reading = read_notice(notice(2026).replace("2026年部分", "2027年部分"))
    assert reading.year == 2027
    assert reading.warnings[0].startswith("通知里的星期几大多与2027年的日期对不上")


def test_the_headings_year_wins_and_says_so():
    text = (
        "国务院办公厅关于2026年部分节假日安排的通知\n"
        "一、元旦：1月1日（周四）至3日（周六）放假调休，共3天。"
    )
    reading = read_notice(text, 2027)
    assert reading.year == 2026
    assert (
        "通知标题是2026年，已按2026年读取，年份已改为2026（原来选的是2027年）" in reading.warnings
    )
