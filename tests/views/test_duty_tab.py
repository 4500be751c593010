"""值班值守 through the widgets: the director builds the roster by rotation and prints it; the
duty person logs a call, turns it into a matter, marks a 突发事件 (red banner, also on 指挥研判)
and hands over; a report is written, signed, printed and a matter 呈报 with it."""

from __future__ import annotations

import io
from datetime import date

import pytest
from pypdf import PdfReader
from PySide6.QtCore import QDate, QRect, Qt
from PySide6.QtWidgets import QDialogButtonBox
from sqlalchemy import select

from app.gui import build_main_window
from app.models import Matter, MatterEscalation, UpwardReport
from app.services.command import duty
from app.views.widgets.screen import simulate_screen
from tests.conftest import actor
from tests.views.test_reception_tab import ime_type


@pytest.fixture
def frozen(clock):
    clock.freeze("2027-03-01 09:00")
    return clock


def window(qtbot, db, username):
    w = build_main_window(db, actor(db, username))
    qtbot.addWidget(w)
    w.show()
    qtbot.waitExposed(w)
    return w


def click(qtbot, button) -> None:
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)


def ok(qtbot, dialog) -> None:
    click(qtbot, dialog.buttons.button(QDialogButtonBox.StandardButton.Ok))


def check(box, *names: str) -> None:
    for i in range(box.count()):
        item = box.item(i)
        if any(item.text().startswith(n) for n in names):
            item.setCheckState(Qt.CheckState.Checked)


def test_director_builds_edits_prints_the_roster(qtbot, db, frozen, tmp_path):
    w = window(qtbot, db, "zhuren")
    tab = w._tab("duty_tab")
    w.tabs.setCurrentWidget(tab)
    page = tab.roster
    qtbot.waitUntil(lambda: page.table.model().rowCount() == 31, timeout=5000)
    qtbot.waitUntil(lambda: bool(page.people), timeout=5000)
    click(qtbot, page.build_button)
    d = page.dialog
    # Nobody chosen: refused, the dialog stays open naming the list.
    ok(qtbot, d)
    qtbot.waitUntil(lambda: "带班领导" in d.message.text(), timeout=5000)
    assert d.isVisible()
    leaders, staff = d.fields["leaders"].widget, d.fields["staff"].widget
    check(leaders, "周主任")
    check(staff, "李接待", "王调解")
    ok(qtbot, d)
    qtbot.waitUntil(lambda: not d.isVisible(), timeout=5000)
    qtbot.waitUntil(lambda: page.table.model().index(0, 3).data() == "李接待", timeout=5000)
    assert page.table.model().index(1, 3).data() == "王调解"
    assert "已排 31 天" in page.message.text()
    # Adjust 3 March: 陈咨询 instead.
    page.table.selectRow(2)
    click(qtbot, page.edit_button)
    d = page.dialog
    staff_box = d.fields["staff"].widget
    staff_box.setCurrentIndex(staff_box.findText("陈咨询"))
    ok(qtbot, d)
    qtbot.waitUntil(lambda: page.table.model().index(2, 3).data() == "陈咨询", timeout=5000)
    click(qtbot, page.print_button)
    qtbot.waitUntil(lambda: page.preview is not None and page.preview.isVisible(), timeout=5000)
    reader = PdfReader(io.BytesIO(page.preview.pdf))
    assert len(reader.pages) == 1 and "陈咨询" in reader.pages[0].extract_text()
    page.preview.close()
    out = tmp_path / "roster.xlsx"
    page.choose_file = lambda _name: str(out)
    click(qtbot, page.export_button)
    qtbot.waitUntil(out.exists, timeout=5000)
    click(qtbot, page.week_button)  # 1–7 March 2027 (Monday to Sunday)
    qtbot.waitUntil(lambda: page.table.model().rowCount() == 7, timeout=5000)
    assert page.table.model().index(6, 1).data() == "星期日"
    w.ctx.worker.wait()


def test_log_a_call_make_it_a_matter_mark_an_emergency_and_hand_over(qtbot, db, frozen):
    w = window(qtbot, db, "jiedai")
    tab = w._tab("duty_tab")
    w.tabs.setCurrentWidget(tab)
    tab.pages.setCurrentWidget(tab.log)
    page = tab.log
    assert not tab.banner.isVisible()
    click(qtbot, page.buttons["记录…"])
    d = page.dialog
    ime_type(d.fields["caller"].widget, "张三")
    ok(qtbot, d)  # no 事由: refused, kept open
    qtbot.waitUntil(lambda: "请填写事由" in d.fields["content"].error.text(), timeout=5000)
    d.fields["content"].widget.setFocus()
    ime_type(d.fields["content"].widget, "中雁村山体滑坡，阻断村道")
    ok(qtbot, d)
    qtbot.waitUntil(lambda: page.table.model().rowCount() == 1, timeout=5000)
    assert page.table.model().index(0, 2).data() == "张三"
    page.table.selectRow(0)
    click(qtbot, page.buttons["登记为事项…"])
    d = page.dialog
    ok(qtbot, d)
    qtbot.waitUntil(lambda: "已登记为事项" in page.message.text(), timeout=5000)
    qtbot.waitUntil(lambda: page.table.model().index(0, 6).data().startswith("BS"), timeout=5000)
    with db.read() as s:
        assert s.scalar(select(Matter.summary)) == "中雁村山体滑坡，阻断村道"
    page.table.selectRow(0)
    click(qtbot, page.buttons["标记突发事件…"])
    d = page.dialog
    level = d.fields["level"].widget
    level.setCurrentIndex(level.findText("较大"))
    ok(qtbot, d)
    qtbot.waitUntil(lambda: "09:30 前" in page.message.text(), timeout=5000)
    qtbot.waitUntil(lambda: tab.banner.isVisible(), timeout=5000)
    assert "较大突发事件" in tab.banner.text()
    # 交班 to 王调解, who acknowledges it in his own window.
    click(qtbot, page.buttons["交班…"])
    d = page.dialog
    who = d.fields["to_user"].widget
    who.setCurrentIndex(who.findText("王调解"))
    d.fields["note"].widget.setFocus()
    ime_type(d.fields["note"].widget, "滑坡现场仍在处置，注意续报")
    ok(qtbot, d)
    qtbot.waitUntil(lambda: page.handover_table.model().rowCount() == 1, timeout=5000)
    assert page.handover_table.model().index(0, 4).data() == "待接班人确认"
    w.ctx.worker.wait()
    w.close()
    w2 = window(qtbot, db, "tiaojie")
    tab2 = w2._tab("duty_tab")
    w2.tabs.setCurrentWidget(tab2)
    tab2.pages.setCurrentWidget(tab2.log)
    page2 = tab2.log
    qtbot.waitUntil(lambda: page2.handover_table.model().rowCount() == 1, timeout=5000)
    click(qtbot, page2.buttons["接班确认"])
    qtbot.waitUntil(
        lambda: page2.handover_table.model().index(0, 4).data().startswith("已确认"), timeout=5000
    )
    w2.ctx.worker.wait()


def test_write_sign_print_a_first_report_and_escalate(qtbot, db, frozen):
    from app.models import EmergencyLevel
    from app.services.reception import intake
    from tests.services.test_intake import make_input

    receptionist = actor(db, "jiedai")
    with db.write() as s:
        number = intake.register_matter(s, receptionist, make_input(db)).number
        eid = duty.log_entry(
            s, receptionist, duty.EntryInput(frozen.now(), "来电", "中雁村山体滑坡")
        )
        duty.mark_emergency(s, receptionist, eid, EmergencyLevel.LARGER)
    w = window(qtbot, db, "zhuren")
    command = w._tab("command_tab")
    w.tabs.setCurrentWidget(command)
    qtbot.waitUntil(lambda: command.emergency_banner.isVisible(), timeout=5000)
    assert "首报应于 09:30 前报送" in command.emergency_banner.text()
    tab = w._tab("duty_tab")
    w.tabs.setCurrentWidget(tab)
    tab.pages.setCurrentWidget(tab.reports)
    page = tab.reports
    qtbot.waitUntil(lambda: bool(page.emergencies), timeout=5000)
    click(qtbot, page.buttons["新建…"])
    d = page.dialog
    d.kind.setCurrentIndex(d.kind.findText("突发事件报告"))
    assert d.fields["stage"].isEnabled() and d.entry.count() == 1
    ime_type(d.title_edit, "关于中雁村山体滑坡的首报")
    ime_type(d.recipient, "县委政法委")
    d.urgency.setCurrentIndex(d.urgency.findText("特急"))
    d.body.setFocus()
    ime_type(d.body, "8时55分，中雁村发生山体滑坡。")
    click(qtbot, d.figures_button)
    qtbot.waitUntil(lambda: "共受理群众诉求" in d.body.toPlainText(), timeout=5000)
    ok(qtbot, d)
    qtbot.waitUntil(lambda: page.table.model().rowCount() == 1, timeout=5000)
    assert page.table.model().index(0, 0).data() == "突发事件报告〔2027〕第1期"
    page.table.selectRow(0)
    click(qtbot, page.buttons["签发"])
    qtbot.waitUntil(lambda: page.table.model().index(0, 3).data() == "已签发", timeout=5000)
    qtbot.waitUntil(lambda: not tab.banner.isVisible(), timeout=5000)
    page.table.selectRow(0)
    click(qtbot, page.buttons["打印"])
    qtbot.waitUntil(lambda: page.preview is not None and page.preview.isVisible(), timeout=5000)
    text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(page.preview.pdf)).pages)
    assert "签发人：周主任" in text and "特急" in text
    page.preview.close()
    page.table.selectRow(0)
    click(qtbot, page.buttons["呈报事项…"])
    d = page.dialog
    qtbot.keyClicks(d.fields["matter"].widget, number)
    ime_type(d.fields["body"].widget, "县委政法委")
    d.fields["reason"].widget.setFocus()
    ime_type(d.fields["reason"].widget, "涉及山体滑坡，需县级协调")
    ok(qtbot, d)
    qtbot.waitUntil(lambda: "已呈报县委政法委" in page.message.text(), timeout=5000)
    with db.read() as s:
        assert s.scalar(select(MatterEscalation.body)) == "县委政法委"
        assert s.scalar(select(UpwardReport.signer)) == "周主任"
    w.ctx.worker.wait()


def test_tabs_fit_a_laptop_screen(qtbot, db, frozen, tmp_path):
    simulate_screen(QRect(0, 0, 1366, 728))
    try:
        w = window(qtbot, db, "zhuren")
        w.resize(1366, 728)
        tab = w._tab("duty_tab")
        w.tabs.setCurrentWidget(tab)
        for page in (tab.roster, tab.log, tab.reports):
            tab.pages.setCurrentWidget(page)
            qtbot.wait(50)
            buttons = [b for b in page.findChildren(type(tab.roster.print_button)) if b.isVisible()]
            for b in buttons:  # every button whole on screen
                r = QRect(b.mapTo(w, b.rect().topLeft()), b.size())
                assert w.rect().contains(r), b.text()
            w.grab().save(str(tmp_path / f"duty-{page.__class__.__name__}.png"))
        w.ctx.worker.wait()
    finally:
        simulate_screen(None)
    assert date(2027, 3, 1) == QDate(2027, 3, 1).toPython()
