"""值班: the roster by rotation skipping leave, its edits, holidays, one-page PDF and XLSX; the
log, an entry registered as a matter through intake, 交接班, and 突发事件 with the 首报 clock."""

from __future__ import annotations

import io
from datetime import date, datetime, timedelta

import pytest
from openpyxl import load_workbook
from pypdf import PdfReader
from sqlalchemy import select

from app.core.errors import PermissionDenied, ValidationError
from app.models import Channel, DayKind, EmergencyLevel, Matter, ReportKind, ReportStage, Role, User
from app.services.center import calendar, settings
from app.services.command import duty, reports_upward
from app.services.command.reports_upward import ReportInput
from app.services.reception import posts
from app.services.security import auth
from tests.conftest import actor
from tests.services.test_intake import category_id

START = date(2027, 3, 1)  # a Monday


@pytest.fixture
def frozen(clock):
    clock.freeze("2027-03-01 09:00")
    return clock


@pytest.fixture
def deputy(db):
    with db.write() as s:
        auth.create_user(
            s, actor(db, "admin"), "fuzhuren", "吴副主任", Role.DEPUTY_DIRECTOR, "Deputy#2026pw"
        )
    return actor(db, "fuzhuren")


def uid(db, username):
    with db.read() as s:
        return s.scalar(select(User.id).where(User.username == username))


def build(db, who, since, until, leaders, staff, phone=""):
    with db.write() as s:
        return duty.build_roster(
            s, who, since, until, [uid(db, u) for u in leaders], [uid(db, u) for u in staff], phone
        )


def test_rotation_skips_people_on_leave_and_holidays_are_marked(db, frozen, deputy):
    director = actor(db, "zhuren")
    with db.write() as s:
        posts.add_absence(
            s, director, uid(db, "tiaojie"), date(2027, 3, 2), date(2027, 3, 3), "培训"
        )
        calendar.set_day(s, date(2027, 3, 6), DayKind.HOLIDAY, "测试节")
    result = build(db, director, START, START + timedelta(days=6), ["zhuren", "fuzhuren"],
                   ["jiedai", "tiaojie", "zixun"])  # fmt: skip
    assert result.days == 7 and not result.unfilled
    assert any("王调解（请假）" in x for x in result.skipped)
    with db.read() as s:
        days = duty.roster(s, director, START, START + timedelta(days=6))
    assert [d.leader for d in days] == ["周主任", "吴副主任"] * 3 + ["周主任"]
    staff = [d.staff for d in days]
    assert staff[:4] == ["李接待", "陈咨询", "李接待", "王调解"]  # 3–4 March: 王调解 on leave
    assert "王调解" not in staff[1:3]
    assert days[0].phone == "0577-61234567"  # the center's phone by default
    assert days[5].holiday == "测试节" and days[5].rest_day
    assert days[6].rest_day and not days[6].holiday  # a Sunday
    assert not days[0].rest_day


def test_editing_a_day_checks_leader_and_leave(db, frozen, deputy):
    director = actor(db, "zhuren")
    build(db, director, START, START, ["zhuren"], ["jiedai"])
    with db.write() as s, pytest.raises(ValidationError, match="主任或常务副主任"):
        duty.set_roster_day(s, director, START, uid(db, "jiedai"), uid(db, "jiedai"))
    with db.write() as s:
        posts.add_absence(s, director, uid(db, "zixun"), START, START, "病假")
    with db.write() as s, pytest.raises(ValidationError) as err:
        duty.set_roster_day(s, director, START, uid(db, "fuzhuren"), uid(db, "zixun"))
    assert "请假" in err.value.fields["staff"]
    with db.write() as s:
        duty.set_roster_day(
            s, director, START, uid(db, "fuzhuren"), uid(db, "tiaojie"), "110", "换班"
        )
    with db.read() as s:
        d = duty.roster(s, director, START, START)[0]
    assert (d.leader, d.staff, d.phone, d.note) == ("吴副主任", "王调解", "110", "换班")


def test_only_the_director_makes_the_roster(db, frozen, receptionist):
    with db.write() as s, pytest.raises(PermissionDenied):
        duty.build_roster(s, receptionist, START, START, [uid(db, "zhuren")], [uid(db, "jiedai")])
    with db.write() as s, pytest.raises(ValidationError, match="最多排"):
        duty.build_roster(
            s, actor(db, "zhuren"), START, START + timedelta(days=90), [uid(db, "zhuren")],
            [uid(db, "jiedai")],
        )  # fmt: skip


def test_roster_prints_on_one_page_and_exports(db, frozen):
    director = actor(db, "zhuren")
    end = date(2027, 3, 31)
    build(db, director, START, end, ["zhuren"], ["jiedai", "tiaojie"])
    with db.write() as s:
        pdf = duty.roster_pdf(s, director, START, end)
        xlsx = duty.roster_xlsx(s, director, START, end)
    reader = PdfReader(io.BytesIO(pdf))
    assert len(reader.pages) == 1
    text = reader.pages[0].extract_text()
    assert "值班表" in text and "周主任" in text and "星期三" in text
    ws = load_workbook(io.BytesIO(xlsx)).active
    assert ws["A2"].value == "日期" and ws.max_row == 2 + 31
    assert ws["C3"].value == "周主任"


def test_log_entry_to_matter_through_intake(db, frozen, receptionist):
    with db.write() as s:
        eid = duty.log_entry(
            s, receptionist,
            duty.EntryInput(datetime(2027, 3, 1, 8, 40), "来电", "反映小区停水两天", caller="张三"),
        )  # fmt: skip
    with db.write() as s, pytest.raises(ValidationError) as err:
        duty.log_entry(s, receptionist, duty.EntryInput(datetime(2027, 3, 1, 8, 0), "", ""))
    assert set(err.value.fields) >= {"source", "content"}
    data = duty.MatterFromEntry(Channel.CALL, category_id(db, "投诉"), "张三", "13812345678")
    with db.write() as s:
        reg = duty.entry_to_matter(s, receptionist, eid, data)
    with db.read() as s:
        m = s.get(Matter, reg.id)
        assert m.channel == Channel.CALL and m.summary == "反映小区停水两天"
        assert m.received_at == datetime(2027, 3, 1, 8, 40)
        row = duty.day_log(s, receptionist, START)[0]
    assert row.matter_number == reg.number
    with db.write() as s, pytest.raises(ValidationError, match="已经登记"):
        duty.entry_to_matter(s, receptionist, eid, data)
    with db.write() as s:
        other = duty.log_entry(
            s, receptionist, duty.EntryInput(datetime(2027, 3, 1, 8, 50), "来访", "咨询")
        )
    with db.write() as s, pytest.raises(ValidationError, match="来电"):
        duty.entry_to_matter(
            s, receptionist, other, duty.MatterFromEntry(Channel.VISIT, None, "李四")
        )


def test_handover_is_acknowledged_by_the_incoming_person_only(db, frozen, receptionist):
    with db.write() as s:
        hid = duty.write_handover(s, receptionist, uid(db, "tiaojie"), "白石村停水事项待回访")
    with db.write() as s, pytest.raises(ValidationError, match="接班人本人"):
        duty.acknowledge_handover(s, actor(db, "zhuren"), hid)
    frozen.freeze("2027-03-01 17:30")
    with db.write() as s:
        duty.acknowledge_handover(s, actor(db, "tiaojie"), hid)
    with db.write() as s, pytest.raises(ValidationError, match="已经确认"):
        duty.acknowledge_handover(s, actor(db, "tiaojie"), hid)
    with db.read() as s:
        h = duty.handovers(s, receptionist, START)[0]
    assert (h.from_user, h.to_user, h.acknowledged_at) == (
        "李接待", "王调解", datetime(2027, 3, 1, 17, 30),
    )  # fmt: skip
    with db.write() as s, pytest.raises(ValidationError, match="自己"):
        duty.write_handover(s, receptionist, uid(db, "jiedai"), "x")


def test_emergency_first_report_clock_and_banner(db, frozen, receptionist, admin):
    director = actor(db, "zhuren")
    with db.write() as s:
        eid = duty.log_entry(
            s, receptionist,
            duty.EntryInput(datetime(2027, 3, 1, 8, 55), "网格上报", "中雁村山体滑坡，阻断道路"),
        )  # fmt: skip
        small = duty.log_entry(
            s, receptionist, duty.EntryInput(datetime(2027, 3, 1, 8, 56), "来电", "路灯倒伏")
        )
        due = duty.mark_emergency(s, receptionist, eid, EmergencyLevel.LARGER)
        assert duty.mark_emergency(s, receptionist, small, EmergencyLevel.GENERAL) is None
    assert due == datetime(2027, 3, 1, 9, 30)
    with db.read() as s:
        alerts = duty.pending_first_reports(s, director)
    assert [a.entry_id for a in alerts] == [eid, small]
    assert not alerts[0].overdue and "09:30 前" in alerts[0].text
    frozen.freeze("2027-03-01 09:31")
    with db.read() as s:
        assert duty.pending_first_reports(s, director)[0].overdue
    # A 续报 before the 首报 is refused; a signed 首报 takes it off the banner.
    with db.write() as s, pytest.raises(ValidationError, match="先签发"):
        reports_upward.create_report(s, receptionist, ReportInput(
            ReportKind.EMERGENCY, "续报", "x", ReportStage.FOLLOW, duty_entry_id=eid))  # fmt: skip
    with db.write() as s:
        r = reports_upward.create_report(s, receptionist, ReportInput(
            ReportKind.EMERGENCY, "山体滑坡首报", "08:55 中雁村发生山体滑坡。",
            ReportStage.FIRST, duty_entry_id=eid))  # fmt: skip
    with db.read() as s:
        assert len(duty.pending_first_reports(s, director)) == 2  # a draft is not sent
    with db.write() as s:
        reports_upward.sign_report(s, director, r.id)
    with db.read() as s:
        assert [a.entry_id for a in duty.pending_first_reports(s, director)] == [small]
        assert duty.day_log(s, director, START)[0].first_report == r.number
    # The minutes are a setting.
    with db.write() as s:
        settings.update_settings(s, admin, emergency_first_report_minutes=60)
        # Raised to 重大: the clock runs from when it was first marked (09:00).
        due = duty.mark_emergency(s, receptionist, small, EmergencyLevel.MAJOR)
        assert due == datetime(2027, 3, 1, 10, 0)
    with db.write() as s, pytest.raises(ValidationError, match="5–720"):
        settings.update_settings(s, admin, emergency_first_report_minutes=1)


def test_day_log_prints(db, frozen, receptionist):
    build(db, actor(db, "zhuren"), START, START, ["zhuren"], ["jiedai"])
    with db.write() as s:
        eid = duty.log_entry(
            s, receptionist, duty.EntryInput(datetime(2027, 3, 1, 8, 55), "来电", "山体滑坡")
        )
        duty.mark_emergency(s, receptionist, eid, EmergencyLevel.LARGER)
        duty.write_handover(s, receptionist, uid(db, "tiaojie"), "滑坡现场仍在处置")
        pdf = duty.day_log_pdf(s, receptionist, START)
    text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf)).pages)
    for words in ("值班日志", "2027年3月1日", "周主任", "较大突发事件", "滑坡现场仍在处置"):
        assert words in text


def test_the_admin_keeps_no_duty(db, frozen, admin):
    with db.read() as s, pytest.raises(PermissionDenied):
        duty.day_log(s, admin, START)
