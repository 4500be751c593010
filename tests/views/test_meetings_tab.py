"""The director records a joint meeting in the 会议纪要 tab, issues it and prints the minutes."""

from __future__ import annotations

import io

from pypdf import PdfReader
from PySide6.QtCore import QDateTime, Qt
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QMessageBox, QPlainTextEdit, QTableWidgetItem

from app.gui import build_main_window
from app.models import MeetingKind, MeetingStatus
from app.services.meetings import meetings
from tests.conftest import actor
from tests.views.test_reception_tab import ime_type


def _on_the_tab(qtbot, db, who):
    """A new main window for ``who``, shown on 会议纪要: the window and the tab."""
    w = build_main_window(db, who)
    qtbot.addWidget(w)
    w.show()
    tab = w.meetings_tab
    w.tabs.setCurrentWidget(tab)
    return w, tab


def test_record_issue_and_print_a_joint_meeting(qtbot, db, qtmodeltester):
    director = actor(db, "zhuren")
    w, tab = _on_the_tab(qtbot, db, director)
    ed = tab.editor
    ed.kind.setCurrentIndex(ed.kind.findData(MeetingKind.JOINT))
    ed.starts_at.setDateTime(QDateTime(2026, 11, 5, 9, 0, 0))
    ime_type(ed.place, "中心三楼会议室")
    ime_type(ed.chair, "周主任")
    ed._add_attendee()
    ed.attendees.setItem(0, 0, QTableWidgetItem("王𠮷"))
    ed.attendees.setItem(0, 1, QTableWidgetItem("司法所"))
    qtbot.mouseClick(ed.figures_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: "共受理群众诉求" in ed.situation.toPlainText(), timeout=5000)
    ed._add(ed.items, ["中雁村宅基地纠纷", "双方对边界仍有分歧。"])
    ed._add(ed.decisions, ["完成现场测量并再次调解", "司法所", "2026-11-3x"])
    ed.place.setFocus()
    qtbot.keyClick(ed.place, Qt.Key.Key_S, Qt.KeyboardModifier.ControlModifier)
    assert "看不懂" in tab.message.text() and tab.current is None  # nothing saved
    ed.decisions.setItem(0, 2, QTableWidgetItem("2026-11-19"))
    qtbot.keyClick(ed.place, Qt.Key.Key_S, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: tab.current is not None, timeout=5000)
    # The figures draft still holds the template's placeholder: 印发 refuses, nothing frozen.
    qtbot.mouseClick(tab.issue_button, Qt.MouseButton.LeftButton)
    assert "请记录人根据会议讨论填写" in tab.message.text()
    assert tab.issue_confirm is None and tab.current_status == MeetingStatus.DRAFT
    text = ed.situation.toPlainText().replace("（请记录人根据会议讨论填写）", "")
    ed.situation.setPlainText(text + "宅基地纠纷需提前介入。")
    # Asked first: 取消 leaves the minutes a draft, 确认印发 issues them.
    qtbot.mouseClick(tab.issue_button, Qt.MouseButton.LeftButton)
    box = tab.issue_confirm
    assert box is not None and box.isVisible() and "确认印发" in box.text()
    qtbot.mouseClick(box.button(QMessageBox.StandardButton.No), Qt.MouseButton.LeftButton)
    tab.ctx.worker.wait()
    assert tab.current_status == MeetingStatus.DRAFT
    qtbot.mouseClick(tab.issue_button, Qt.MouseButton.LeftButton)
    box = tab.issue_confirm
    qtbot.mouseClick(box.button(QMessageBox.StandardButton.Yes), Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: tab.current_status == MeetingStatus.ISSUED, timeout=5000)
    assert ed.place.isReadOnly() and not tab.save_button.isEnabled()
    # Issued minutes: no row can be added or removed on screen; the decision stays in view.
    assert ed.row_buttons and not any(b.isEnabled() for b in ed.row_buttons)
    ed.decisions.setCurrentCell(0, 0)
    qtbot.mouseClick(ed.row_buttons[-1], Qt.MouseButton.LeftButton)
    assert ed.decisions.rowCount() == 1
    decisions = tab.decision_table.model()
    qtbot.waitUntil(lambda: decisions.rowCount() == 1, timeout=5000)
    assert decisions.index(0, 2).data() == "司法所"
    qtmodeltester.check(decisions)
    qtmodeltester.check(tab.list.model())
    w.activateWindow()  # back from the question box
    qtbot.waitUntil(lambda: QGuiApplication.focusWindow() is w.windowHandle(), timeout=2000)
    ed.place.setFocus()
    qtbot.keyClick(ed.place, Qt.Key.Key_P, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: tab.preview is not None and tab.preview.isVisible(), timeout=5000)
    text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(tab.preview.pdf)).pages)
    flat = text.replace("\n", "")
    assert "白石街道综治工作中心联席会议纪要" in flat
    assert "周主任在中心三楼会议室主持召开联席会议" in flat
    assert "出席：王𠮷（司法所）" in flat and "2026年11月19日前完成" in flat
    with db.read() as s:
        (row,) = meetings.list_meetings(s, director)
    assert row.status == MeetingStatus.ISSUED and row.open_decisions == 1
    w.ctx.worker.wait()


def test_a_half_typed_record_survives_the_program_being_killed(qtbot, db):
    recorder = actor(db, "jiedai")
    first = build_main_window(db, recorder)
    qtbot.addWidget(first)
    ed = first.meetings_tab.editor
    ime_type(ed.place, "中心三楼会议室")
    ed.situation.setPlainText("本周邻里纠纷较多，")  # typed, not yet saved
    ed._add(ed.decisions, ["联合整治夜间施工噪音", "综合行政执法队", "2026-12-0"])  # half a date
    store = first.ctx.drafts
    qtbot.waitUntil(
        lambda: (
            (store.load("jiedai", "minutes") or (0, {}))[1].get("editor", {}).get("decisions")
            == [["联合整治夜间施工噪音", "综合行政执法队", "2026-12-0"]]
        ),
        timeout=5000,
    )
    first.ctx.worker.wait()
    second = build_main_window(db, recorder)  # the next start
    qtbot.addWidget(second)
    tab = second.meetings_tab
    assert tab.draft_bar.isVisibleTo(tab)
    qtbot.mouseClick(tab.restore_draft_button, Qt.MouseButton.LeftButton)
    assert tab.editor.place.text() == "中心三楼会议室"
    assert tab.editor.situation.toPlainText() == "本周邻里纠纷较多，"
    assert tab.editor.decisions.item(0, 2).text() == "2026-12-0"
    second.ctx.worker.wait()
    first.ctx.worker.wait()


def test_opening_the_tab_without_typing_leaves_no_draft(qtbot, db):
    recorder = actor(db, "jiedai")
    first = build_main_window(db, recorder)
    qtbot.addWidget(first)
    first.show()
    first.tabs.setCurrentWidget(first.meetings_tab)
    qtbot.wait(1200)  # longer than the draft timer's pause
    first.ctx.worker.wait()
    assert first.ctx.drafts.load("jiedai", "minutes") is None
    second = build_main_window(db, recorder)  # the next start offers nothing
    qtbot.addWidget(second)
    assert not second.meetings_tab.draft_bar.isVisibleTo(second.meetings_tab)
    second.ctx.worker.wait()


def test_saved_minutes_on_screen_as_the_program_closes_leave_no_draft(qtbot, db):
    """保存 stores the minutes; closing the program with them still on screen keeps no draft,
    so the next start does not offer "未保存的会议记录草稿" for minutes that were saved."""
    recorder = actor(db, "jiedai")
    first, tab = _on_the_tab(qtbot, db, recorder)
    ed = tab.editor
    ime_type(ed.place, "中心三楼会议室")
    ime_type(ed.chair, "周主任")
    ed.situation.setPlainText("本周邻里纠纷较多。")
    qtbot.mouseClick(tab.save_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: tab.current is not None, timeout=5000)
    first.close()
    assert first.ctx.drafts.load("jiedai", "minutes") is None
    second = build_main_window(db, recorder)
    qtbot.addWidget(second)
    assert not second.meetings_tab.draft_bar.isVisibleTo(second.meetings_tab)
    second.ctx.worker.wait()


def _issued_joint(db, day, attendees):
    from app.services.meetings.meetings import (
        AttendeeInput,
        DecisionInput,
        ItemInput,
        MeetingInput,
    )

    data = MeetingInput(
        kind=MeetingKind.JOINT,
        starts_at=day,
        chair="周主任",
        recorder="李接待",
        attendees=[AttendeeInput(n, u) for n, u in attendees],
        items=[ItemInput("中雁村宅基地纠纷", "双方对边界仍有分歧。")],
        decisions=[
            DecisionInput("完成现场测量并再次调解", "司法所", day.date()),
            DecisionInput("约谈施工单位负责人", "综合行政执法队", day.date()),
        ],
    )
    with db.write() as s:
        ref = meetings.create_meeting(s, actor(db, "jiedai"), data)
        return meetings.issue_minutes(s, actor(db, "zhuren"), ref.id)


def test_done_decisions_stay_in_view_with_their_results(qtbot, db, clock):
    from datetime import datetime

    clock.freeze("2026-11-20")
    ref = _issued_joint(db, datetime(2026, 11, 5, 9), [("王𠮷", "司法所")])
    director = actor(db, "zhuren")
    with db.read() as s:
        first = meetings.decisions(s, director)[0]
    with db.write() as s:
        meetings.close_decision(s, director, first.id, "已测量，双方签订调解协议。")
    w, tab = _on_the_tab(qtbot, db, director)
    tab.pages.setCurrentIndex(1)
    done = tab.done_table.model()
    qtbot.waitUntil(lambda: done.rowCount() == 1, timeout=5000)
    assert [done.index(0, c).data() for c in (0, 1, 4, 5)] == [
        ref.number,
        "完成现场测量并再次调解",
        "2026-11-20",
        "已测量，双方签订调解协议。",
    ]
    assert tab.decision_table.model().rowCount() == 1  # the open one, above
    w.ctx.worker.wait()


def test_the_meeting_check_page(qtbot, db, clock):
    from datetime import datetime

    clock.freeze("2026-10-14")  # a Wednesday, the week after 国庆
    _issued_joint(db, datetime(2026, 9, 25, 9), [("周主任", "综治中心")])  # the center alone
    director = actor(db, "zhuren")
    w, tab = _on_the_tab(qtbot, db, director)
    tab.pages.setCurrentIndex(2)
    model = tab.compliance_table.model()
    qtbot.waitUntil(lambda: model.rowCount() > 0, timeout=5000)
    rows = {model.index(r, 0).data(): model.index(r, 2).data() for r in range(model.rowCount())}
    assert rows["2026年第41周（10月5日起）"] == "节假日免开"
    assert rows["2026年第42周（10月12日起）"] == "未到期"
    assert rows["2026年9月"] == "未召开" and rows["2026年10月"] == "未到期"
    assert "2026-09-25（派驻单位未出席）" in tab.compliance_summary.text()
    # The director names the units a joint meeting needs.
    tab.required_units.clear()
    tab.required_units.setFocus()
    ime_type(tab.required_units, "司法所、街道办")
    qtbot.mouseClick(tab.required_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: "街道办" in tab.message_comp.text(), timeout=5000)
    tab.reload()  # as another change to meetings would: what is typed stays
    w.ctx.worker.wait()
    qtbot.wait(50)
    assert tab.required_units.text() == "司法所、街道办"
    tab.required_units.clear()
    ime_type(tab.required_units, "司法所，信访办")
    qtbot.mouseClick(tab.required_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: "已保存" in tab.message_comp.text(), timeout=5000)
    with db.read() as s:
        assert meetings.joint_required_units(s, director)[0] == ["司法所", "信访办"]
    qtbot.waitUntil(lambda: tab.required_units.text() == "司法所、信访办", timeout=5000)
    w.ctx.worker.wait()


def test_the_number_column_shows_the_whole_number(qtbot, db):
    from datetime import datetime

    from PySide6.QtCore import QRect

    from app.views.widgets.screen import simulate_screen

    simulate_screen(QRect(0, 0, 1366, 728))
    try:
        ref = _issued_joint(db, datetime(2026, 11, 5, 9), [("王𠮷", "司法所")])
        w = build_main_window(db, actor(db, "zhuren"))
        qtbot.addWidget(w)
        w.resize(1366, 728)
        w.show()
        tab = w.meetings_tab
        w.tabs.setCurrentWidget(tab)
        qtbot.waitUntil(lambda: tab.list.model().rowCount() == 1, timeout=5000)
        font = tab.list.fontMetrics()
        assert tab.list.columnWidth(0) >= font.horizontalAdvance(ref.number) + 12
        w.ctx.worker.wait()
    finally:
        simulate_screen(None)


def test_minutes_being_typed_are_not_replaced_without_asking(qtbot, db, monkeypatch):
    """Another meeting in the list, or 新建会议, would replace the minutes being typed: the
    recorder is asked; 否 keeps them (the list marks their meeting again), 是 gives them up
    and their draft. A meeting just saved, clicked in the list, is not read over them."""
    from datetime import datetime

    from app.services.meetings.meetings import MeetingInput

    recorder = actor(db, "jiedai")
    with db.write() as s:
        when = datetime(2026, 11, 2, 9, 0)
        data = MeetingInput(MeetingKind.WEEKLY, when, chair="周主任", recorder="李接待")
        meetings.create_meeting(s, recorder, data)
    w, tab = _on_the_tab(qtbot, db, recorder)
    qtbot.waitUntil(lambda: tab.list.model().rowCount() == 1, timeout=5000)
    ed = tab.editor
    ime_type(ed.place, "中心三楼会议室")
    ime_type(ed.chair, "周主任")
    qtbot.mouseClick(tab.save_button, Qt.MouseButton.LeftButton)  # a new meeting, saved
    qtbot.waitUntil(lambda: tab.list.model().rowCount() == 2, timeout=5000)
    mine = tab.current
    ed.situation.setPlainText("本周邻里纠纷较多。")  # typed after the save
    asked, answers = [], [QMessageBox.StandardButton.No]
    monkeypatch.setattr(QMessageBox, "question", lambda *a: asked.append(a[2]) or answers[-1])
    rows = tab.list.rows_model
    tab.list.selectRow(rows.row_of(mine))  # the meeting on screen: nothing read, nothing asked
    w.ctx.worker.wait()
    assert asked == [] and ed.situation.toPlainText() == "本周邻里纠纷较多。"
    other = next(r for r in range(2) if rows.row_at(r).id != mine)
    tab.list.selectRow(other)
    w.ctx.worker.wait()
    assert len(asked) == 1 and asked[0].startswith("会议记录还没有保存")
    assert tab.current == mine and ed.situation.toPlainText() == "本周邻里纠纷较多。"
    assert tab.list.current_id() == mine
    qtbot.mouseClick(tab.new_button, Qt.MouseButton.LeftButton)
    assert len(asked) == 2 and tab.current == mine
    answers.append(QMessageBox.StandardButton.Yes)
    tab.list.selectRow(other)
    qtbot.waitUntil(lambda: tab.current not in (None, mine), timeout=5000)
    assert ed.situation.toPlainText() == "" and ed.place.text() == ""
    w.ctx.worker.wait()
    assert w.ctx.drafts.load("jiedai", "minutes") is None


def test_closing_a_decision_refused_keeps_the_result_typed(qtbot, db, clock):
    """办结所选事项 opens a dialog: an empty result is refused in it, a result too long too,
    and what was typed stays; a result then closes the decision."""
    from datetime import datetime

    clock.freeze("2026-11-20")
    _issued_joint(db, datetime(2026, 11, 5, 9), [("王𠮷", "司法所")])
    director = actor(db, "zhuren")
    w, tab = _on_the_tab(qtbot, db, director)
    tab.pages.setCurrentIndex(1)
    qtbot.waitUntil(lambda: tab.decision_table.model().rowCount() == 2, timeout=5000)
    tab.decision_table.selectRow(0)
    qtbot.mouseClick(tab.close_button, Qt.MouseButton.LeftButton)
    dlg = tab.decision_dialog
    assert dlg is not None and dlg.isVisible()
    qtbot.mouseClick(dlg.ok_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: "办理结果" in dlg.fields["result"].error.text(), timeout=5000)
    (result,) = [e for e in dlg.findChildren(QPlainTextEdit)]
    ime_type(result, "已测量" + "。" * 2000)
    qtbot.mouseClick(dlg.ok_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: "2000" in dlg.fields["result"].error.text(), timeout=5000)
    assert dlg.isVisible() and result.toPlainText().startswith("已测量")
    result.setPlainText("已测量，双方签订调解协议。")
    qtbot.mouseClick(dlg.ok_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: tab.decision_table.model().rowCount() == 1, timeout=5000)
    assert "已办结" in tab.message.text()
    w.ctx.worker.wait()
    with db.read() as s:
        done = meetings.decisions(s, director, only_open=False)
    assert "已测量，双方签订调解协议。" in [d.result for d in done]
