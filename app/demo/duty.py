"""Demo 值班 and 信息报送: this month's roster by rotation (the staff on leave skipped), a few
days of the duty log with one 较大 突发事件 and its 首报, 续报 and 终报, a handover, and two
signed 简报. Made through the services, then back-dated to when they would have happened."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.core.ops import Change, write_op
from app.models import (
    DutyDay,
    DutyHandover,
    DutyLogEntry,
    EmergencyLevel,
    ReportKind,
    ReportStage,
    UpwardReport,
    User,
)
from app.services.command import duty, reports_upward
from app.services.command.reports_upward import ReportInput
from app.services.security.auth import actor_for

ROTATION = ("demo-reception", "demo-mediator", "demo-reception2", "demo-mediator2",
            "demo-counsellor")  # fmt: skip

CALLS = [
    (
        8,
        40,
        "来电",
        "张女士",
        "反映白石村自来水停水两天，要求尽快恢复供水",
        "已联系供水公司，当日下午恢复",
    ),
    (
        10,
        15,
        "网格上报",
        "网格员陈某",
        "山马社区两户居民因楼道堆物发生争执",
        "已通知社区调解员到场，双方已和解",
    ),
    (
        15,
        30,
        "上级通知",
        "县综治中心",
        "通知本周五前报送矛盾纠纷排查情况",
        "已转综合信息指挥室办理",
    ),
    (21, 5, "来电", "李先生", "反映中雁村工地夜间施工噪音扰民", "已告知城管值班人员，次日跟进"),
]


def _at(day: date, hour: int, minute: int) -> datetime:
    return datetime.combine(day, time(hour, minute))


@write_op(Change.DUTY, Change.REPORTS)
def add_duty(s: Session, today: date) -> None:
    """Once per database (nothing is added where a roster exists)."""
    if s.scalar(select(func.count()).select_from(DutyDay)):
        return
    users = {u.username: u for u in s.scalars(select(User))}
    if "demo-director" not in users or any(n not in users for n in ROTATION):
        return
    director = actor_for(users["demo-director"])
    reception = actor_for(users["demo-reception"])
    first = today.replace(day=1)
    last = (first + timedelta(days=32)).replace(day=1) - timedelta(days=1)
    duty.build_roster(
        s, director, first, last, [users["demo-director"].id], [users[n].id for n in ROTATION]
    )
    # The log of the last three days.
    for back in (3, 2, 1):
        day = today - timedelta(days=back)
        for hour, minute, source, caller, content, action in CALLS[back - 1 :]:
            eid = duty.log_entry(
                s,
                reception,
                duty.EntryInput(
                    _at(day, hour, minute), source, content, action, caller
                ),  # fmt: skip
            )
            s.get(DutyLogEntry, eid).at = _at(day, hour, minute)
    # One 较大 突发事件 two days ago, reported 首报, 续报 and 终报.
    day = today - timedelta(days=2)
    eid = duty.log_entry(
        s,
        reception,
        duty.EntryInput(
            _at(day, 8, 55), "网格上报",
            "中雁村北侧山体发生滑坡，阻断村道约20米，暂无人员伤亡",
            "已通知街道应急办、派出所到场设置警戒，疏散附近群众3户8人", "网格员陈某",
        ),
    )  # fmt: skip
    duty.mark_emergency(s, reception, eid, EmergencyLevel.LARGER)
    entry = s.get(DutyLogEntry, eid)
    entry.at, entry.emergency_at = _at(day, 8, 55), _at(day, 9, 0)
    entry.first_report_due = _at(day, 9, 30)
    stages = [
        (ReportStage.FIRST, "关于中雁村山体滑坡的首报", _at(day, 9, 20),
         "{d}8时55分，中雁村网格员报告：村北侧山体发生滑坡，阻断村道约20米，暂无人员伤亡。\n"
         "接报后，中心立即通知街道应急办、派出所赶赴现场，设置警戒，疏散附近群众3户8人。\n"
         "有关情况将及时续报。"),
        (ReportStage.FOLLOW, "关于中雁村山体滑坡的续报", _at(day, 14, 0),
         "截至{d}14时，滑坡体已停止移动。街道已组织机械清理道路，预计次日恢复通行；"
         "疏散群众已安置在村委会，生活有保障。"),
        (ReportStage.FINAL, "关于中雁村山体滑坡的终报", _at(day + timedelta(days=1), 16, 0),
         "村道已于{d}次日上午恢复通行，疏散群众已全部返家。国土部门已对该处山体进行排查，"
         "并设置警示标志、落实群测群防。本次突发事件处置完毕。"),
    ]  # fmt: skip
    d_text = f"{day.year}年{day.month}月{day.day}日"
    for stage, title, when, body in stages:
        r = reports_upward.create_report(
            s,
            reception,
            ReportInput(
                ReportKind.EMERGENCY, title, body.format(d=d_text), stage,
                recipient="县委政法委", urgency="特急", distribution="县综治中心，街道应急办",
                duty_entry_id=eid,
            ),
        )  # fmt: skip
        reports_upward.sign_report(s, director, r.id)
        row = s.get(UpwardReport, r.id)
        row.created_at = when - timedelta(minutes=10)
        row.updated_at = row.signed_at = when
    # 交接班 the evening before, acknowledged.
    h = duty.write_handover(
        s, reception, users["demo-mediator"].id,
        "中雁村山体滑坡现场仍有警戒，明日上午请跟进道路清理并准备终报。",
        day,
    )  # fmt: skip
    note = s.get(DutyHandover, h)
    note.written_at = _at(day, 17, 30)
    note.acknowledged_at = _at(day, 17, 40)
    # Two 简报.
    for n, (title, body) in enumerate(
        [
            ("上月矛盾纠纷排查化解情况",
             "上月全街道共排查矛盾纠纷42起，化解38起，化解率90.5%。其中邻里纠纷15起、"
             "婚姻家庭纠纷9起、劳资纠纷6起。"),
            ("平安创建工作进展",
             "本月开展平安村（社区）创建走访12次，整改安全隐患7处，组织法治宣传活动3场。"),
        ]
    ):  # fmt: skip
        r = reports_upward.create_report(
            s, reception, ReportInput(ReportKind.BRIEF, title, body, recipient="县综治中心")
        )
        reports_upward.sign_report(s, director, r.id)
        row = s.get(UpwardReport, r.id)
        when = _at(today - timedelta(days=10 - 5 * n), 16, 0)
        row.created_at, row.updated_at, row.signed_at = when, when, when
    s.flush()
