"""Meetings: minutes frozen once issued (corrections are versions), decisions tracked to done,
weekly/monthly compliance, the period's figures, and the minutes PDF as a reader sees it."""

from __future__ import annotations

import io
from datetime import date, datetime

import pytest
from pypdf import PdfReader

from app.core.errors import PermissionDenied, ValidationError
from app.models import AttendanceKind, DecisionStatus, MeetingKind, MeetingStatus
from app.reports.minutes import render_minutes
from app.services.meetings import meetings
from app.services.meetings.meetings import AttendeeInput, DecisionInput, ItemInput, MeetingInput
from app.services.reception import intake
from tests.conftest import actor
from tests.services.test_intake import make_input


def joint(**kw) -> MeetingInput:
    values = dict(
        kind=MeetingKind.JOINT,
        starts_at=datetime(2026, 11, 5, 9, 0),
        place="中心三楼会议室",
        chair="周主任",
        recorder="李接待",
        situation="本月矛盾纠纷以邻里纠纷为主，其中宅基地纠纷较多：中雁村、山马村各两起，需提前介入；"
        "信访事项平稳。\n" + "\n".join("研" * n + "，判" for n in range(22, 30)),
        # Lines whose comma falls just past the line's end: it must hang, not start a line.
        distribution="各派驻单位",
        attendees=[
            AttendeeInput("周主任", "综治中心"),
            AttendeeInput("王𠮷", "司法所"),
            AttendeeInput("陈某", "信访办", AttendanceKind.ABSENT, "外出培训"),
            AttendeeInput("赵敏", "妇联", AttendanceKind.OBSERVER),
        ],
        items=[ItemInput("中雁村宅基地纠纷", "双方对边界仍有分歧。")],
        decisions=[
            DecisionInput("两周内完成现场测量并再次调解", "司法所", date(2026, 11, 19)),
            DecisionInput("开展夜间施工噪音专项整治", "综合行政执法队", date(2026, 11, 30)),
        ],
    )
    values.update(kw)
    return MeetingInput(**values)


@pytest.fixture
def director(db):
    return actor(db, "zhuren")


def record(db, who, data):
    with db.write() as s:
        return meetings.create_meeting(s, who, data)


def issue(db, who, ref, at=None):
    with db.write() as s:
        return meetings.issue_minutes(s, who, ref.id, at=at)


def test_issued_minutes_are_frozen_and_a_correction_is_a_new_version(db, receptionist, director):
    ref = record(db, receptionist, joint())
    assert ref.number == "BSHY2026-A-001" and ref.status == MeetingStatus.DRAFT
    with db.write() as s, pytest.raises(PermissionDenied):
        meetings.issue_minutes(s, receptionist, ref.id)  # the director issues
    issue(db, director, ref)
    with db.write() as s, pytest.raises(ValidationError, match="不能修改"):
        meetings.save_meeting(s, receptionist, ref.id, joint(place="别处"))
    with db.write() as s:
        v2 = meetings.correct_minutes(s, receptionist, ref.id)
        data = meetings.meeting_input(s, receptionist, v2.id)
        data.place = "中心一楼调解室"
        meetings.save_meeting(s, receptionist, v2.id, data)
    assert (v2.number, v2.version) == (ref.number, 2)
    with db.read() as s:  # until v2 is issued, v1 is the current minutes
        assert meetings.find_meeting(s, director, ref.number) == ref.id
    issue(db, director, v2)
    with db.read() as s:
        assert meetings.find_meeting(s, director, ref.number) == v2.id
        rows = {(r.version, r.status) for r in meetings.list_meetings(s, director)}
        old = meetings.minutes_data(s, director, ref.id)
        new = meetings.minutes_data(s, director, v2.id)
    assert rows == {(1, MeetingStatus.SUPERSEDED), (2, MeetingStatus.ISSUED)}
    assert old.place == "中心三楼会议室" and new.place == "中心一楼调解室"


def test_decisions_are_tracked_to_done_and_reviewed_at_the_next_meeting(db, receptionist, director):
    first = record(db, receptionist, joint())
    with db.read() as s:
        assert meetings.decisions(s, director) == []  # drafts are not tracked yet
    issue(db, director, first, at=datetime(2026, 11, 5, 17))
    with db.read() as s:
        open_ = meetings.decisions(s, director)
    assert [d.responsible for d in open_] == ["司法所", "综合行政执法队"]
    today = date(2026, 11, 20)
    assert open_[0].overdue(today) and not open_[1].overdue(today)
    assert open_[1].due_soon(date(2026, 11, 28))
    with db.write() as s, pytest.raises(ValidationError, match="办理结果"):
        meetings.close_decision(s, receptionist, open_[0].id, " ")
    with db.write() as s:
        meetings.close_decision(s, receptionist, open_[0].id, "已测量，双方签订调解协议。")
    later = datetime(2026, 12, 3, 9)
    with db.read() as s:
        review = meetings.decisions(s, director, before=later)
        everything = meetings.decisions(s, director, only_open=False)
    assert [d.responsible for d in review] == ["综合行政执法队"]
    done = next(d for d in everything if d.responsible == "司法所")
    assert done.result.startswith("已测量")
    with db.write() as s, pytest.raises(ValidationError, match="已经办结"):
        meetings.close_decision(s, receptionist, open_[0].id, "再次")


def test_saving_a_correction_keeps_the_progress_of_its_decisions(db, receptionist, director):
    ref = record(db, receptionist, joint())
    issue(db, director, ref, at=datetime(2026, 11, 5, 17))
    with db.write() as s:
        first = meetings.decisions(s, director)[0]
        meetings.close_decision(s, receptionist, first.id, "已测量，双方签订调解协议。")
        v2 = meetings.correct_minutes(s, receptionist, ref.id)
        data = meetings.meeting_input(s, receptionist, v2.id)
        data.place = "中心一楼调解室"  # the correction is about the place
        data.decisions.append(DecisionInput("约谈施工单位负责人", "综治中心", date(2026, 12, 4)))
        meetings.save_meeting(s, receptionist, v2.id, data)
        meetings.save_meeting(s, receptionist, v2.id, data)  # saved twice: still the same
    issue(db, director, v2)
    with db.read() as s:
        rows = meetings.decisions(s, director, only_open=False)
    by_content = {d.content: d for d in rows}
    assert len(rows) == 3
    kept = by_content["两周内完成现场测量并再次调解"]
    assert kept.status == DecisionStatus.DONE and kept.result == "已测量，双方签订调解协议。"
    assert by_content["约谈施工单位负责人"].status == DecisionStatus.OPEN


def test_weekly_and_monthly_compliance(db, receptionist):
    for day in (date(2026, 11, 2), date(2026, 11, 9), date(2026, 11, 23)):  # Mondays; 16th missed
        record(
            db,
            receptionist,
            joint(kind=MeetingKind.WEEKLY, starts_at=datetime.combine(day, datetime.min.time())),
        )
    record(db, receptionist, joint(starts_at=datetime(2026, 10, 28, 9)))  # October's joint
    with db.read() as s:
        c = meetings.compliance(
            s, receptionist, date(2026, 10, 1), date(2026, 11, 29), today=date(2026, 12, 3)
        )
    assert [state for _w, state in c.weeks[-4:]] == ["已召开", "已召开", "未召开", "已召开"]
    assert c.months == [(2026, 10, "已召开"), (2026, 11, "未召开")]
    assert "2026年第47周（11月16日起）未开工作例会" in c.missing
    assert "2026年11月未开联席会议" in c.missing


def test_the_figures_draft_counts_the_period(db, receptionist):
    with db.write() as s:
        for at in (datetime(2026, 11, 2, 9), datetime(2026, 11, 3, 9)):
            intake.register_matter(s, receptionist, make_input(db, category="矛盾纠纷"), at=at)
        intake.register_matter(
            s, receptionist, make_input(db, category="咨询"), at=datetime(2026, 11, 4, 9)
        )
        intake.register_matter(s, receptionist, make_input(db), at=datetime(2026, 10, 1, 9))
    with db.read() as s:
        f = meetings.figures_draft(
            s, receptionist, date(2026, 11, 1), date(2026, 11, 7), today=date(2026, 11, 7)
        )
    assert f.total == 3
    assert dict(f.by_category)["矛盾纠纷"] == 2 and dict(f.by_category)["咨询"] == 1
    assert f.disputes == 2 and f.disputes_resolved == 0
    assert f.repeat_visitors == 1  # the same ID number came three times this week
    # The October complaint (7 working days) and the consultation left open since 4 Nov.
    assert f.overdue == 2
    text = f.as_text()
    assert "11月1日至11月7日" in text and "共受理群众诉求3件" in text


def test_minutes_pdf_reads_like_minutes(db, receptionist, director):
    ref = record(db, receptionist, joint())
    issue(db, director, ref, at=datetime(2026, 11, 6, 10))
    with db.write() as s:
        number, pdf = meetings.minutes_pdf(s, director, ref.id)
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)
    flat = text.replace("\n", "")
    for expected in (
        "白石街道综治工作中心联席会议纪要",
        number,
        "2026年11月5日9时",
        "周主任在中心三楼会议室主持召开联席会议",
        "一、社会治安形势分析研判",
        "二、会议议题及讨论情况",
        "（一）中雁村宅基地纠纷",
        "三、议定事项",
        "1. 两周内完成现场测量并再次调解（责任：司法所，2026年11月19日前完成）",
        "出席：周主任（综治中心）、王𠮷（司法所）",
        "请假：陈某（外出培训）",
        "列席：赵敏（妇联）",
        "分送：各派驻单位",
        "2026年11月6日印发",
        "— 1 —",
    ):
        assert expected in flat, expected
    # Chinese typography: no line starts with a comma, colon, full stop or closing mark.
    starts = [line for line in text.splitlines() if line[:1] in "，：；。、）》”"]
    assert not starts, starts


def test_weekly_record_and_draft_are_marked():
    from app.reports.minutes import MinutesData

    pdf = render_minutes(
        MinutesData(
            center_name="某中心",
            kind="工作例会",
            is_minutes=False,
            title="某中心工作例会",
            number="XHY2026-A-002",
            starts_at=datetime(2026, 11, 9, 8, 30),
            issued=False,
            chair="周主任",
        )
    )
    text = PdfReader(io.BytesIO(pdf)).pages[0].extract_text().replace("\n", "")
    assert "某中心工作例会记录" in text and "（草稿）" in text and "8时30分" in text
    assert "现将会议主要内容记录如下" in text and "（未印发）" in text


def test_issuing_refuses_the_placeholder_and_empty_sections(db, receptionist, director):
    draft = meetings.FiguresDraft(date(2026, 11, 1), date(2026, 11, 7), 0, [], [], 0, 0, 0, 0, 0)
    ref = record(db, receptionist, joint(situation=draft.as_text(), items=[]))
    with pytest.raises(ValidationError) as err, db.write() as s:
        meetings.issue_minutes(s, director, ref.id)
    assert "形势分析研判中还有“（请记录人根据会议讨论填写）”" in err.value.fields["situation"]
    assert "议题及讨论还是空的" in err.value.fields["items"]
    attendees = [AttendeeInput("陈某", "信访办", AttendanceKind.ABSENT, "外出培训")]
    items = [ItemInput("中雁村宅基地纠纷", "")]
    with pytest.raises(ValidationError) as err, db.write() as s:
        meetings.save_and_issue(s, director, ref.id, joint(attendees=attendees, items=items))
    assert "参会人员还没有填写出席的人" in err.value.fields["attendees"]
    assert "讨论情况还是空的" in err.value.fields["items[0].discussion"]
    with db.read() as s:  # nothing frozen, nothing half-saved
        (row,) = meetings.list_meetings(s, director)
        assert row.status == MeetingStatus.DRAFT
        assert meetings.meeting_input(s, director, ref.id).items == []
    with db.write() as s:  # the full record goes
        assert meetings.save_and_issue(s, director, ref.id, joint()).status == MeetingStatus.ISSUED


def test_weeks_and_months_not_over_are_not_due_and_holiday_weeks_are_excused(
    db, receptionist, clock
):
    clock.freeze("2026-10-14")  # a Wednesday, the week after 国庆
    with db.read() as s:
        c = meetings.compliance(s, receptionist, date(2026, 9, 21), clock.today())
    weeks = dict(c.weeks)
    assert weeks[date(2026, 9, 21)] == "未召开"  # an ordinary week
    assert weeks[date(2026, 10, 5)] == "节假日免开"  # 10-05..10-07 off: two working days left
    assert weeks[date(2026, 10, 12)] == "未到期"  # this week is not over
    assert c.months == [(2026, 9, "未召开"), (2026, 10, "未到期")]
    assert not any("10月5日" in m or "10月12日" in m or "10月" in m for m in c.missing)


def test_a_joint_meeting_counts_only_if_the_required_units_attended(db, receptionist, director):
    center_only = [AttendeeInput("周主任", "综治中心")]
    record(db, receptionist, joint(starts_at=datetime(2026, 9, 25, 9), attendees=center_only))
    record(db, receptionist, joint(starts_at=datetime(2026, 10, 28, 9)))  # 司法所, 信访办 请假

    def months():
        with db.read() as s:
            c = meetings.compliance(
                s, receptionist, date(2026, 9, 1), date(2026, 10, 31), today=date(2026, 12, 3)
            )
        return c.months, c.joint_short

    # No units set: at least one stationed unit must attend; the center alone does not count.
    assert months() == (
        [(2026, 9, "未召开"), (2026, 10, "已召开")],
        [(date(2026, 9, 25), ["派驻单位"])],
    )
    with db.write() as s:
        assert meetings.set_joint_required_units(s, director, ["司法所", "信访办", "司法所"]) == [
            "司法所",
            "信访办",
        ]
    assert months()[0][1] == (2026, 10, "未召开")  # 信访办 was on leave
    assert (date(2026, 10, 28), ["信访办"]) in months()[1]
    with db.read() as s:
        assert meetings.joint_required_units(s, receptionist)[0] == ["司法所", "信访办"]
    with pytest.raises(ValidationError) as err, db.write() as s:
        meetings.set_joint_required_units(s, director, ["街道办"])
    assert "不是中心资料里的派驻单位" in err.value.fields["units"]
    with pytest.raises(PermissionDenied), db.write() as s:
        meetings.set_joint_required_units(s, receptionist, ["司法所"])


def test_the_figures_draft_puts_every_matter_in_the_village_list(db, receptionist):
    from sqlalchemy import select

    from app.models import Village
    from app.services.reception.intake import VisitorInput

    with db.read() as s:
        village = {v.name: v.id for v in s.scalars(select(Village))}

    def visitor(n, place):
        name = "王李张刘陈杨黄赵"[n] + "某某"
        return VisitorInput(name=name, phone=f"1381234{n:04d}", village_id=village.get(place))

    with db.write() as s:
        for n, place in enumerate(["白石村", "白石村", "中雁村", None, None, None, None, None]):
            data = make_input(db, visitors=[visitor(n, place)], category="咨询")
            intake.register_matter(s, receptionist, data, at=datetime(2026, 11, 2, 9, n))
    with db.read() as s:
        f = meetings.figures_draft(
            s, receptionist, date(2026, 11, 1), date(2026, 11, 7), today=date(2026, 11, 7)
        )
    assert f.by_village == [("白石村", 2), ("中雁村", 1), ("未填村社区", 5)]
    assert sum(n for _v, n in f.by_village) == f.total == 8
    text = f.as_text()
    assert "按村（社区）：白石村2件，中雁村1件，未填村社区5件。" in text
    assert "共受理群众诉求8件" in text and " 件" not in text and "件 " not in text
