"""事项办理 through the widgets: a matter sent up waits (等待反馈) and its answer is recorded
with the reply's file; a 信访 matter is paused (暂停中) and resumed, and a 复查 is asked for."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select

from app.models import Attachment, Category, Matter, MatterStatus, PetitionReview, Unit
from app.services.reception import flow, intake
from tests.conftest import actor
from tests.services.test_intake import make_input
from tests.views.test_handling_tab import (  # noqa: F401 — a fixture
    _windows_kept_until_their_work_is_done,
    choose_matter,
    closed,
    confirm,
    dialog,
    open_tab,
    refused,
    status_text,
    trigger,
    type_into,
)


def test_the_answer_from_above_is_recorded_with_its_file(qtbot, db, clock, tmp_path):
    clock.freeze("2026-11-03 10:00")
    with db.write() as s:
        mid = intake.register_matter(s, actor(db, "jiedai"), make_input(db)).id
        flow.transfer(s, actor(db, "zhuren"), mid, "区住建局", "来访登记表")
    clock.freeze("2026-11-10 10:00")
    w, tab = open_tab(qtbot, db)
    tab.view_filter.setCurrentIndex(tab.view_filter.findData(MatterStatus.TRANSFERRED))
    qtbot.waitUntil(lambda: status_text(tab, mid) == "等待反馈", timeout=10000)
    choose_matter(qtbot, tab)
    assert "等待反馈：2026-11-03 转上级/移送，已 7 日" in tab.detail.toPlainText()
    trigger(qtbot, tab, "upper_result")
    dlg = dialog(qtbot, tab)
    confirm(qtbot, dlg)
    refused(qtbot, dlg, "上级反馈的结果")
    type_into(qtbot, dlg.text, "区住建局已约谈施工单位，夜间停止施工。")
    reply = tmp_path / "回复函.pdf"
    reply.write_bytes(b"%PDF-1.4 reply")
    dlg.set_files([reply])
    confirm(qtbot, dlg)
    closed(qtbot, dlg)
    qtbot.waitUntil(lambda: "已记录上级反馈" in tab.message.text(), timeout=5000)
    with db.read() as s:
        m = s.get(Matter, mid)
        files = s.scalar(select(func.count()).where(Attachment.matter_id == mid))
        assert (m.status, m.result, files) == (
            MatterStatus.DONE,
            "区住建局已约谈施工单位，夜间停止施工。",
            1,
        )
    w.ctx.worker.wait()


def test_a_petition_is_paused_resumed_and_reviewed(qtbot, db, clock):
    clock.freeze("2026-11-02 09:00")
    with db.write() as s:
        s.scalar(select(Category).where(Category.name == "信访事项")).default_unit_id = None
        mid = intake.register_matter(
            s, actor(db, "jiedai"), make_input(db, category="信访事项"), at=datetime(2026, 11, 2, 9)
        ).id
        unit = s.scalar(select(Unit.id).where(Unit.name == "司法所"))
        flow.route(s, actor(db, "zhuren"), mid, unit)
    clock.freeze("2026-11-03 10:00")
    w, tab = open_tab(qtbot, db)
    qtbot.waitUntil(lambda: tab.model.rowCount() == 1, timeout=15000)
    choose_matter(qtbot, tab)
    trigger(qtbot, tab, "pause")
    dlg = dialog(qtbot, tab)
    assert dlg.reason.currentText() == "等待当事人补充材料"
    confirm(qtbot, dlg)
    closed(qtbot, dlg)
    qtbot.waitUntil(lambda: status_text(tab, mid) == "暂停中", timeout=5000)
    clock.freeze("2026-11-13 10:00")
    choose_matter(qtbot, tab)
    qtbot.waitUntil(lambda: "resume" in tab.actions, timeout=5000)
    assert "暂停中：自 2026-11-03 起暂停计时（等待当事人补充材料）" in tab.detail.toPlainText()
    trigger(qtbot, tab, "resume")
    dlg = dialog(qtbot, tab)
    confirm(qtbot, dlg)
    closed(qtbot, dlg)
    qtbot.waitUntil(lambda: status_text(tab, mid) == "已分流", timeout=5000)
    with db.read() as s:
        assert str(s.get(Matter, mid).deadline) == "2027-01-11"  # 1 January + 10 days paused
    with db.write() as s:
        flow.accept(s, actor(db, "zhuren"), mid)
        flow.complete(s, actor(db, "zhuren"), mid, "已责令施工单位夜间停工。")
    choose_matter(qtbot, tab)
    trigger(qtbot, tab, "review_request")
    dlg = dialog(qtbot, tab)
    confirm(qtbot, dlg)
    refused(qtbot, dlg, "复查机关")
    type_into(qtbot, dlg.body, "区信访局")
    type_into(qtbot, dlg.text, "不服处理意见，要求赔偿损失。")
    confirm(qtbot, dlg)
    closed(qtbot, dlg)
    with db.read() as s:
        review = s.scalar(select(PetitionReview).where(PetitionReview.matter_id == mid))
        assert (review.body, str(review.due)) == ("区信访局", "2026-12-13")
    w.ctx.worker.wait()


def test_a_superior_deadline_earlier_than_the_centers_is_refused_in_the_dialog(qtbot, db, clock):
    from datetime import date

    from PySide6.QtCore import QDate

    from app.models import Channel

    clock.freeze("2026-11-03 10:00")
    with db.write() as s:
        data = make_input(db, channel=Channel.SUPERIOR)
        mid = intake.register_matter(s, actor(db, "jiedai"), data).id
    w, tab = open_tab(qtbot, db)
    qtbot.waitUntil(lambda: tab.model.rowCount() == 1, timeout=15000)
    choose_matter(qtbot, tab)
    trigger(qtbot, tab, "assignment")
    dlg = dialog(qtbot, tab)
    type_into(qtbot, dlg.body, "区综治中心")
    type_into(qtbot, dlg.ref, "区综治交〔2026〕15号")
    dlg.superior.setDate(QDate(2026, 11, 8))
    dlg.deadline.setDate(QDate(2026, 11, 9))
    confirm(qtbot, dlg)
    refused(qtbot, dlg, "不能晚于上级要求的办结期限（2026-11-08）")
    assert dlg.ref.text() == "区综治交〔2026〕15号"  # what was typed stays
    dlg.deadline.setDate(QDate(2026, 11, 6))
    confirm(qtbot, dlg)
    closed(qtbot, dlg)
    with db.read() as s:
        m = s.get(Matter, mid)
        assert (m.deadline, m.superior_deadline) == (date(2026, 11, 6), date(2026, 11, 8))
    qtbot.waitUntil(lambda: "上级交办：区综治中心" in tab.detail.toPlainText(), timeout=5000)
    w.ctx.worker.wait()
