"""粘贴国务院通知 in 系统设置 → 节假日, driven as the admin would."""

from __future__ import annotations

from datetime import date

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QPushButton, QTabWidget
from sqlalchemy import select

from app.gui import build_main_window
from app.models import AuditEntry, DayKind
from app.services.center import calendar_admin

NOTICE_2027 = (
    "国务院办公厅关于2027年部分节假日安排的通知\n"
    "各省、自治区、直辖市人民政府，国务院各部委、各直属机构：\n"
    "一、元旦：1月1日（周五）至3日（周日）放假，共3天。\n"
    "二、春节：2月5日（农历除夕、周五）至13日（周六）放假调休，共9天。2月14日（周日）上班。\n"
    "三、清明节：4月5日（周二）放几天假。\n"
)


def button(widget, text: str) -> QPushButton:
    return next(b for b in widget.findChildren(QPushButton) if b.text() == text)


def open_panel(qtbot, db, admin):
    w = build_main_window(db, admin)
    qtbot.addWidget(w)
    w.show()
    qtbot.waitExposed(w)
    w.settings_tab.findChild(QTabWidget).setCurrentWidget(w.settings_tab.calendar)
    return w, w.settings_tab.calendar


def paste(qtbot, dlg, text: str) -> None:
    dlg.text.setFocus()
    qtbot.keyClick(dlg.text, Qt.Key.Key_A, Qt.KeyboardModifier.ControlModifier)
    QApplication.clipboard().setText(text)
    qtbot.keyClick(dlg.text, Qt.Key.Key_V, Qt.KeyboardModifier.ControlModifier)


def test_admin_pastes_the_notice_checks_the_preview_and_saves(qtbot, db, admin, clock):
    clock.freeze("2026-11-20")
    with db.write() as s:  # a day entered by hand earlier: the notice replaces it
        calendar_admin.set_day(s, admin, date(2027, 3, 1), DayKind.HOLIDAY, "手工")
    w, panel = open_panel(qtbot, db, admin)
    assert panel.year.value() == 2027
    qtbot.mouseClick(button(panel, "粘贴国务院通知"), Qt.MouseButton.LeftButton)
    dlg = panel.notice_dialog
    qtbot.waitExposed(dlg)
    assert dlg.width() <= 1366 and dlg.height() <= 768
    assert not dlg.ok_button.isEnabled()  # nothing read yet

    paste(qtbot, dlg, NOTICE_2027.replace("2月14日（周日）", "2月14日（周六）"))
    qtbot.mouseClick(dlg.parse_button, Qt.MouseButton.LeftButton)
    model = dlg.table.model()
    assert model.rowCount() == 13
    first = [model.index(0, c).data() for c in range(4)]
    assert first == ["2027-01-01", "周五", "法定节假日", "元旦"]
    problems = dlg.problems.toPlainText()
    assert "读不懂：清明节:4月5日(周二)放几天假" in problems
    assert "2月14日 写作周六" in problems and "是周日" in problems
    assert "放假 12 天、调休上班 1 天" in dlg.summary.text()

    # The admin fixes the text: the old preview cannot be saved until read again.
    paste(qtbot, dlg, NOTICE_2027.replace("三、清明节：4月5日（周二）放几天假。\n", ""))
    assert not dlg.ok_button.isEnabled()
    qtbot.mouseClick(dlg.parse_button, Qt.MouseButton.LeftButton)
    assert dlg.problems.toPlainText() == ""
    asked: list[str] = []
    answers = iter([False, True])

    def confirm(text: str) -> bool:
        asked.append(text)
        return next(answers)

    dlg.confirm = confirm
    qtbot.mouseClick(dlg.ok_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: len(asked) == 1, timeout=5000)
    assert "2027 年已有 1 条节假日记录，保存后将被替换" in asked[0]
    assert dlg.isVisible()  # said no: nothing saved, the text is still there
    with db.read() as s:
        assert len(calendar_admin.year_view(s, admin, 2027).days) == 1

    with qtbot.waitSignal(dlg.saved, timeout=5000):
        qtbot.mouseClick(dlg.ok_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: not dlg.isVisible(), timeout=5000)
    qtbot.waitUntil(lambda: panel.table.model().rowCount() == 13, timeout=5000)
    assert "已按国务院通知保存 2027 年的 13 个日期" in panel.message.text()
    assert "由管理员录入" in panel.state.text()
    with db.read() as s:
        days = {d.day: d.kind for d in calendar_admin.year_view(s, admin, 2027).days}
        audit = s.scalars(
            select(AuditEntry.object_id).where(AuditEntry.event == "calendar_notice")
        ).all()
    assert days[date(2027, 2, 14)] == DayKind.WORKDAY and date(2027, 3, 1) not in days
    assert audit == ["2027"]
    w.ctx.worker.wait()


def test_after_saving_the_year_the_admin_recomputes_the_deadlines_it_moves(
    qtbot, db, admin, receptionist, clock
):
    from datetime import datetime

    from app.models import Matter
    from app.services.reception import intake
    from tests.services.test_intake import make_input

    clock.freeze("2026-12-03")
    with db.write() as s:  # Friday before 春节 2027, 7 working days: weekends only so far
        mid = intake.register_matter(
            s, receptionist, make_input(db), at=datetime(2027, 1, 29, 9)
        ).id
        number = s.get(Matter, mid).number
        assert s.get(Matter, mid).deadline == date(2027, 2, 9)
    w, panel = open_panel(qtbot, db, admin)
    qtbot.mouseClick(button(panel, "粘贴国务院通知"), Qt.MouseButton.LeftButton)
    dlg = panel.notice_dialog
    paste(qtbot, dlg, NOTICE_2027.replace("三、清明节：4月5日（周二）放几天假。\n", ""))
    qtbot.mouseClick(dlg.parse_button, Qt.MouseButton.LeftButton)
    dlg.confirm = lambda text: True
    qtbot.mouseClick(dlg.ok_button, Qt.MouseButton.LeftButton)

    # Saved: the deadlines the year moves are shown, and moved when the admin says so.
    qtbot.waitUntil(lambda: getattr(panel, "recompute_dialog", None) is not None, timeout=5000)
    redo = panel.recompute_dialog
    qtbot.waitExposed(redo)
    rows = redo.table.model()
    assert [rows.index(0, c).data() for c in range(3)] == [number, "2027-02-09", "2027-02-16"]
    assert "1 件在办事项的期限只跳过了周末" in redo.summary.text()
    qtbot.mouseClick(redo.apply_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: redo.moved is not None, timeout=5000)
    assert "已重算 1 件事项的期限" in redo.summary.text()
    assert not redo.apply_button.isEnabled()
    with db.read() as s:
        assert s.get(Matter, mid).deadline == date(2027, 2, 16)

    # Asked again from the panel: nothing left to move.
    panel.recompute_dialog = None
    qtbot.mouseClick(button(panel, "重算期限"), Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: panel.recompute_dialog is not None, timeout=5000)
    assert "没有需要重算的期限" in panel.recompute_dialog.summary.text()
    w.ctx.worker.wait()
