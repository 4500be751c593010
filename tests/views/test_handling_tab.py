"""事项办理: a matter routed, handled and closed with feedback, through the tab's buttons, its
更多 menu and its dialogs, typed into and confirmed with the keyboard and the mouse."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from pypdf import PdfReader
from PySide6.QtCore import Qt, QTimer
from PySide6.QtGui import QInputMethodEvent
from PySide6.QtWidgets import (
    QApplication,
    QComboBox,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPlainTextEdit,
)
from sqlalchemy import select

from app.core.opened_copies import opened_copies_folder
from app.gui import build_main_window
from app.models import Matter, MatterStatus, Satisfaction, Unit
from app.services.center.calendar import WorkCalendar
from app.services.reception import intake
from app.services.reception.flow import Move
from tests.conftest import actor
from tests.services.test_intake import make_input

LEFT = Qt.MouseButton.LeftButton


_OPEN: list = []


@pytest.fixture(autouse=True)
def _windows_kept_until_their_work_is_done():
    """A window the test has done with stays alive until its worker is idle: dropping the
    last reference while a job is still answering would free what the job reports to."""
    yield
    for w in _OPEN:
        w.ctx.worker.wait()
    for w in _OPEN:
        w.close()
        w.ctx.worker.wait()
    _OPEN.clear()


def open_tab(qtbot, db, who="zhuren", size=(1440, 900)):
    w = build_main_window(db, actor(db, who))
    _OPEN.append(w)
    qtbot.addWidget(w)
    w.resize(*size)
    w.show()
    tab = w.handling
    w.tabs.setCurrentWidget(tab)
    return w, tab


def choose_matter(qtbot, tab, row=0):
    qtbot.waitUntil(lambda: tab.model.rowCount() > row, timeout=5000)
    tab.table.setFocus()
    tab.table.selectRow(row)
    qtbot.waitUntil(lambda: bool(tab.actions), timeout=5000)


def trigger(qtbot, tab, key) -> None:
    """Click the action's button; one that is not a button is picked from the 更多 menu.
    Waits for the worker to be idle first: a detail still loading rebuilds the buttons and
    the menu, and a click on the menu as it is rebuilt hits nothing."""
    qtbot.waitUntil(lambda: tab.ctx.worker.idle() and key in tab.actions, timeout=10000)
    if key in tab.action_buttons and tab.action_buttons[key].isVisible():
        qtbot.mouseClick(tab.action_buttons[key], LEFT)
        return
    menu, action = tab.more_menu, tab.actions[key]

    def pick() -> None:
        if not menu.isVisible():
            QTimer.singleShot(20, pick)
            return
        qtbot.mouseClick(menu, LEFT, pos=menu.actionGeometry(action).center())

    QTimer.singleShot(0, pick)
    qtbot.mouseClick(tab.more, LEFT)


def dialog(qtbot, tab):
    qtbot.waitUntil(lambda: tab.dialog is not None and tab.dialog.isVisible(), timeout=5000)
    return tab.dialog


def type_into(qtbot, widget, text: str) -> None:
    """Typed as a person does: letters and digits by key, Chinese committed by the IME."""
    widget.setFocus()
    if text.isascii():
        qtbot.keyClicks(widget, text)
        return
    event = QInputMethodEvent()
    event.setCommitString(text)
    QApplication.sendEvent(widget, event)


def pick(qtbot, combo: QComboBox, text: str) -> None:
    """Choose an item of a combo box with the keyboard: Down until it shows ``text``."""
    combo.setFocus()
    for _ in range(combo.count() + 1):
        if combo.currentText() == text:
            return
        qtbot.keyClick(combo, Qt.Key.Key_Down)
    raise AssertionError(f"{text} not in the combo box")


def confirm(qtbot, dlg) -> None:
    qtbot.mouseClick(dlg.ok_button, LEFT)


def refused(qtbot, dlg, words: str) -> None:
    """确定 was refused: the dialog says why and is still open."""
    qtbot.waitUntil(lambda: words in dlg.message.text(), timeout=5000)
    assert dlg.isVisible() and dlg.ok_button.isEnabled()


def closed(qtbot, dlg) -> None:
    qtbot.waitUntil(lambda: not dlg.isVisible(), timeout=5000)


def new_matter(db, status: MatterStatus | None = None, unit="司法所"):
    with db.write() as s:
        mid = intake.register_matter(s, actor(db, "jiedai"), make_input(db)).id
        if status is not None:  # put it straight into the status the test needs
            m = s.get(Matter, mid)
            m.status = status
            m.unit_id = s.scalar(select(Unit.id).where(Unit.name == unit))
            m.satisfaction = Satisfaction.DISSATISFIED if status == MatterStatus.FED_BACK else None
    return mid


def status_of(db, mid) -> MatterStatus:
    with db.read() as s:
        return s.get(Matter, mid).status


def test_route_handle_and_close_with_feedback(qtbot, db, tmp_path):
    mid = new_matter(db)
    w, tab = open_tab(qtbot, db)
    choose_matter(qtbot, tab)
    assert set(tab.actions) == {
        Move.ROUTE,
        Move.REJECT,
        Move.TRANSFER,
        "pause",  # 暂停计时 (procedure_dialogs)
        "supervise",
        "attach",
        "arrange",
        "team",
        "leader",
    }
    assert set(tab.action_buttons) == {Move.ROUTE, Move.REJECT, Move.TRANSFER}
    # 领导接访 and 组团服务 on the same matter, from 更多.
    trigger(qtbot, tab, "leader")
    dlg = dialog(qtbot, tab)
    confirm(qtbot, dlg)  # the only leader is chosen for the user: there is one
    closed(qtbot, dlg)
    qtbot.waitUntil(lambda: "领导接访：周主任" in tab.detail.toPlainText(), timeout=5000)
    trigger(qtbot, tab, "team")
    dlg = dialog(qtbot, tab)
    type_into(qtbot, dlg.name, "噪音专班")
    confirm(qtbot, dlg)
    refused(qtbot, dlg, "成员")
    assert dlg.name.text() == "噪音专班"
    type_into(qtbot, dlg.members, "执法队王某、网格员李某")
    confirm(qtbot, dlg)
    closed(qtbot, dlg)
    qtbot.waitUntil(lambda: "组团服务：噪音专班" in tab.detail.toPlainText(), timeout=5000)
    assert tab.message.text() == "已组建噪音专班。" and not tab.message.is_error

    # 分流交办 to 司法所, handler typed.
    trigger(qtbot, tab, Move.ROUTE)
    dlg = dialog(qtbot, tab)
    assert dlg.unit.currentIndex() == -1, "no unit is chosen for the user"
    confirm(qtbot, dlg)
    refused(qtbot, dlg, "请选择承办单位")
    pick(qtbot, dlg.unit, "司法所")
    type_into(qtbot, dlg.handler, "王调解")
    confirm(qtbot, dlg)
    closed(qtbot, dlg)
    qtbot.waitUntil(lambda: tab.message.text() == "已分流交办。", timeout=5000)
    assert tab.message.level == "success"  # green, not red like a refusal
    assert status_of(db, mid) == MatterStatus.ROUTED
    # A scanned letter is attached and appears under the matter.
    scan = tmp_path / "来信.pdf"
    scan.write_bytes(b"%PDF-1.4 letter")
    tab.choose_file = lambda: str(scan)
    trigger(qtbot, tab, "attach")
    qtbot.waitUntil(lambda: tab.files.count() == 1, timeout=5000)
    assert "来信.pdf" in tab.files.item(0).text()
    # Double-clicked, it opens as a copy named 来信.pdf in the program's own folder (the stored
    # file is named by its hash, and a viewer that saves would change it).
    opened: list[Path] = []
    tab.show_file = opened.append  # the system viewer
    rect = tab.files.visualItemRect(tab.files.item(0))
    qtbot.mouseClick(tab.files.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    qtbot.mouseDClick(tab.files.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    qtbot.waitUntil(lambda: bool(opened), timeout=5000)
    assert opened[0].name == "来信.pdf" and opened[0].read_bytes() == b"%PDF-1.4 letter"
    assert opened[0].is_relative_to(opened_copies_folder())
    # An appointment with two units, then its outcome.
    trigger(qtbot, tab, "arrange")
    dlg = dialog(qtbot, tab)
    confirm(qtbot, dlg)
    refused(qtbot, dlg, "参加联动的单位")
    type_into(qtbot, dlg.parties, "司法所、派出所")
    confirm(qtbot, dlg)
    closed(qtbot, dlg)
    qtbot.waitUntil(lambda: any(str(k).startswith("outcome:") for k in tab.actions), timeout=5000)
    trigger(qtbot, tab, next(k for k in tab.actions if str(k).startswith("outcome:")))
    dlg = dialog(qtbot, tab)
    type_into(qtbot, dlg.text, "三方现场协调。")
    confirm(qtbot, dlg)
    closed(qtbot, dlg)
    qtbot.waitUntil(lambda: "结果：三方现场协调。" in tab.detail.toPlainText(), timeout=5000)
    # The director supervises the matter's own unit (chosen already); the 督办单 opens for
    # printing; the unit replies.
    trigger(qtbot, tab, "supervise")
    dlg = dialog(qtbot, tab)
    assert dlg.unit.currentText() == "司法所"
    type_into(qtbot, dlg.requirement, "请三日内答复群众。")
    confirm(qtbot, dlg)
    closed(qtbot, dlg)
    qtbot.waitUntil(lambda: tab.preview is not None and tab.preview.isVisible(), timeout=5000)
    assert "督　办　单" in PdfReader(io.BytesIO(tab.preview.pdf)).pages[0].extract_text()
    tab.preview.close()
    qtbot.waitUntil(lambda: any(str(k).startswith("reply:") for k in tab.actions), timeout=5000)
    reply = next(k for k in tab.actions if str(k).startswith("reply:"))
    assert reply in tab.action_buttons, "what waits on this user is a button, not in 更多"
    trigger(qtbot, tab, reply)
    dlg = dialog(qtbot, tab)
    confirm(qtbot, dlg)
    refused(qtbot, dlg, "办理情况回复")
    type_into(qtbot, dlg.text, "已答复群众。")
    confirm(qtbot, dlg)
    closed(qtbot, dlg)
    qtbot.waitUntil(lambda: "已回复督办" in tab.message.text(), timeout=5000)
    qtbot.waitUntil(lambda: not any(str(k).startswith("reply:") for k in tab.actions), timeout=5000)

    def move(m: Move, then: MatterStatus, text: str = "") -> None:
        trigger(qtbot, tab, m)
        dlg = dialog(qtbot, tab)
        if text:
            type_into(qtbot, dlg.text, text)
        confirm(qtbot, dlg)
        closed(qtbot, dlg)
        qtbot.waitUntil(lambda: tab.message.text() == f"已{m.label}。", timeout=5000)
        assert status_of(db, mid) == then

    move(Move.ACCEPT, MatterStatus.IN_PROGRESS)
    move(Move.COMPLETE, MatterStatus.DONE, "双方达成协议，已履行。")
    tab.view_filter.setCurrentIndex(tab.view_filter.findData(MatterStatus.DONE))
    choose_matter(qtbot, tab)
    trigger(qtbot, tab, Move.FEEDBACK)
    dlg = dialog(qtbot, tab)
    pick(qtbot, dlg.satisfaction, "满意")
    type_into(qtbot, dlg.text, "群众表示感谢")
    confirm(qtbot, dlg)
    closed(qtbot, dlg)
    qtbot.waitUntil(lambda: tab.message.text() == "已结果反馈。", timeout=5000)
    move(Move.ARCHIVE, MatterStatus.ARCHIVED)
    qtbot.waitUntil(lambda: not tab.actions, timeout=5000)
    assert "办结" in tab.detail.toPlainText() and "群众表示感谢" in tab.detail.toPlainText()
    with db.read() as s:
        m = s.get(Matter, mid)
        assert m.result == "双方达成协议，已履行。" and m.satisfaction == Satisfaction.SATISFIED
    w.ctx.worker.wait()


# Each flow dialog refused on 确定: (the status to start from, the move, what is typed where,
# words of the refusal). The dialog stays open and what was typed is still there.
REFUSALS = [
    (None, Move.REJECT, {"text": "属于诉讼事项"}, "请填写告知的办理途径"),
    (None, Move.TRANSFER, {"where": "市信访局"}, "请填写移送材料"),
    (None, Move.ROUTE, {"handler": "王调解"}, "请选择承办单位"),
    (MatterStatus.ROUTED, Move.RETURN, {}, "请填写退回理由"),
    (MatterStatus.IN_PROGRESS, Move.PROGRESS, {}, "请填写办理进展"),
    (MatterStatus.IN_PROGRESS, Move.COMPLETE, {}, "请填写办理结果"),
    (MatterStatus.IN_PROGRESS, Move.RETURN, {}, "请填写退回理由"),
    (MatterStatus.DONE, Move.FEEDBACK, {"text": "电话告知"}, "请选择群众评价"),
    (MatterStatus.FED_BACK, Move.REOPEN, {}, "请填写重新办理的理由"),
]


@pytest.mark.parametrize(
    ("status", "move", "typed", "words"), REFUSALS, ids=[f"{r[1].value}" for r in REFUSALS]
)
def test_a_refused_flow_dialog_stays_open_with_what_was_typed(
    qtbot, db, monkeypatch, status, move, typed, words
):
    mid = new_matter(db, status)
    w, tab = open_tab(qtbot, db)
    if status in (MatterStatus.DONE, MatterStatus.FED_BACK):
        tab.view_filter.setCurrentIndex(tab.view_filter.findData(status))
    choose_matter(qtbot, tab)
    trigger(qtbot, tab, move)
    dlg = dialog(qtbot, tab)
    for name, text in typed.items():
        type_into(qtbot, getattr(dlg, name), text)
    confirm(qtbot, dlg)
    refused(qtbot, dlg, words)
    for name, text in typed.items():
        widget = getattr(dlg, name)
        got = widget.toPlainText() if isinstance(widget, QPlainTextEdit) else widget.text()
        assert got == text
    assert status_of(db, mid) == (status or MatterStatus.REGISTERED), "nothing was saved"
    # Cancelling asks first when something was typed: 否 stays, 是 leaves it as it was
    # (and the tab says nothing went wrong).
    asked, answers = [], [QMessageBox.StandardButton.No]
    monkeypatch.setattr(QMessageBox, "question", lambda *a: asked.append(a[2]) or answers[-1])
    qtbot.keyClick(dlg, Qt.Key.Key_Escape)
    assert dlg.isVisible() == bool(typed) and len(asked) == (1 if typed else 0)
    answers.append(QMessageBox.StandardButton.Yes)
    qtbot.keyClick(dlg, Qt.Key.Key_Escape)
    closed(qtbot, dlg)
    assert status_of(db, mid) == (status or MatterStatus.REGISTERED)
    w.ctx.worker.wait()


def test_feedback_starts_with_no_satisfaction_chosen(qtbot, db):
    mid = new_matter(db, MatterStatus.DONE)
    w, tab = open_tab(qtbot, db, "jiedai")
    tab.view_filter.setCurrentIndex(tab.view_filter.findData(MatterStatus.DONE))
    choose_matter(qtbot, tab)
    trigger(qtbot, tab, Move.FEEDBACK)
    dlg = dialog(qtbot, tab)
    assert dlg.satisfaction.currentIndex() == -1 and dlg.satisfaction.currentData() is None
    confirm(qtbot, dlg)
    refused(qtbot, dlg, "请选择群众评价")
    assert dlg.fields["satisfaction"].error.isVisible()
    pick(qtbot, dlg.satisfaction, "基本满意")
    confirm(qtbot, dlg)
    closed(qtbot, dlg)
    qtbot.waitUntil(lambda: status_of(db, mid) == MatterStatus.FED_BACK, timeout=5000)
    with db.read() as s:
        assert s.get(Matter, mid).satisfaction == Satisfaction.FAIRLY
    w.ctx.worker.wait()


def test_supervision_starts_with_the_matters_unit_and_a_working_day(qtbot, db, clock):
    clock.freeze("2026-12-04")  # a Friday: three working days on is Wednesday the 9th
    mid = new_matter(db, MatterStatus.IN_PROGRESS, unit="派出所")
    w, tab = open_tab(qtbot, db)
    choose_matter(qtbot, tab)
    trigger(qtbot, tab, "supervise")
    dlg = dialog(qtbot, tab)
    assert dlg.unit.currentText() == "派出所"
    reply_by = dlg.reply_by.date().toPython()
    with db.read() as s:
        assert WorkCalendar.load(s).is_working_day(reply_by)
    assert reply_by.isoformat() == "2026-12-09"
    confirm(qtbot, dlg)
    refused(qtbot, dlg, "督办要求")
    assert dlg.unit.currentText() == "派出所"
    qtbot.keyClick(dlg, Qt.Key.Key_Escape)
    closed(qtbot, dlg)
    # A matter not yet routed has no unit: none is chosen for the director.
    new_matter(db)
    tab.reload()
    qtbot.waitUntil(lambda: tab.model.rowCount() == 2, timeout=5000)
    row = next(r for r in range(2) if tab.model.row_at(r).status == MatterStatus.REGISTERED)
    choose_matter(qtbot, tab, row)
    qtbot.waitUntil(lambda: Move.ROUTE in tab.actions, timeout=5000)
    trigger(qtbot, tab, "supervise")
    dlg = dialog(qtbot, tab)
    assert dlg.unit.currentIndex() == -1
    type_into(qtbot, dlg.requirement, "请尽快分流。")
    confirm(qtbot, dlg)
    refused(qtbot, dlg, "请选择被督办单位")
    assert dlg.requirement.toPlainText() == "请尽快分流。"
    assert mid is not None
    w.ctx.worker.wait()


def test_the_leader_and_the_line_edits_keep_their_text(qtbot, db):
    new_matter(db)
    w, tab = open_tab(qtbot, db)
    choose_matter(qtbot, tab)
    trigger(qtbot, tab, "team")
    dlg = dialog(qtbot, tab)
    type_into(qtbot, dlg.members, "网格员李某")
    confirm(qtbot, dlg)
    refused(qtbot, dlg, "服务团名称")
    assert dlg.members.text() == "网格员李某"
    assert isinstance(dlg.members, QLineEdit)
    w.ctx.worker.wait()


def test_at_1366_by_768_the_directors_actions_leave_the_key_columns_in_view(qtbot, db):
    """The director has the most actions on a matter; they fit the pane (buttons, then 更多)
    and the list keeps 摘要, 状态 and 办理期限 in view at a readable width."""
    from app.views.matter_table_model import COL_DEADLINE, COL_STATUS, COL_SUMMARY

    new_matter(db, MatterStatus.ROUTED)
    w, tab = open_tab(qtbot, db, size=(1366, 768))
    qtbot.waitExposed(w)
    choose_matter(qtbot, tab)
    qtbot.waitUntil(lambda: Move.ACCEPT in tab.actions, timeout=5000)
    assert len(tab.actions) >= 8
    assert w.width() <= 1366 and w.height() <= 768
    view, header = tab.table.viewport(), tab.table.horizontalHeader()
    for col, least in ((COL_SUMMARY, 150), (COL_STATUS, 60), (COL_DEADLINE, 150)):
        left = header.sectionViewportPosition(col)
        assert not tab.table.isColumnHidden(col)
        assert left >= 0 and left + header.sectionSize(col) <= view.width(), col
        assert header.sectionSize(col) >= least, col
    window = w.rect()
    shown = [b for b in tab.action_buttons.values() if b.isVisible()] + [tab.more]
    assert tab.more.isVisible() and len(shown) >= 2
    for b in shown:
        corner = b.mapTo(w, b.rect().bottomRight())
        assert window.contains(b.mapTo(w, b.rect().topLeft())) and window.contains(corner)
    # Everything that is not a button is in 更多.
    in_menu = set(tab.more_menu.actions())
    for key, action in tab.actions.items():
        button = tab.action_buttons.get(key)
        assert (button is not None and button.isVisible()) or action in in_menu, key
    # A narrower pane moves buttons into 更多 rather than pushing the list aside.
    before = header.sectionSize(COL_SUMMARY)
    tab.split.setSizes([2000, 1])
    qtbot.waitUntil(
        lambda: not any(b.isVisible() for b in tab.action_buttons.values()), timeout=5000
    )
    assert header.sectionSize(COL_SUMMARY) >= before
    trigger(qtbot, tab, Move.ACCEPT)  # now from 更多
    dlg = dialog(qtbot, tab)
    assert dlg.windowTitle() == "接收"
    qtbot.keyClick(dlg, Qt.Key.Key_Escape)
    w.ctx.worker.wait()


def test_the_handler_asks_for_an_extension_and_the_director_decides(qtbot, db, clock):
    from datetime import date

    from PySide6.QtWidgets import QDateTimeEdit

    from app.models import EventKind
    from tests.services.test_extensions import matter

    clock.freeze("2026-11-03")
    mid = matter(db)  # 投诉 with 王调解, due 2026-11-11; the default asks for 7 working days more
    w, tab = open_tab(qtbot, db, "tiaojie", size=(1366, 768))
    tab.view_filter.setCurrentIndex(tab.view_filter.findData("mine"))
    choose_matter(qtbot, tab)
    trigger(qtbot, tab, Move.REQUEST_EXTENSION)
    dlg = dialog(qtbot, tab)
    assert dlg.deadline.date().toPython() == date(2026, 11, 20)
    type_into(qtbot, dlg.text, "需等待伤情鉴定结果")
    dlg.deadline.setFocus()
    dlg.deadline.setCurrentSection(QDateTimeEdit.Section.DaySection)
    for _ in range(9):  # down to the 11th: the deadline itself
        qtbot.keyClick(dlg.deadline, Qt.Key.Key_Down)
    assert dlg.deadline.date().toPython() == date(2026, 11, 11)
    confirm(qtbot, dlg)
    refused(qtbot, dlg, "新的期限应晚于今天（2026-11-03）和原期限（2026-11-11）")
    assert dlg.fields["deadline"].error.isVisible()
    assert dlg.text.toPlainText() == "需等待伤情鉴定结果"
    for _ in range(7):
        qtbot.keyClick(dlg.deadline, Qt.Key.Key_Up)
    confirm(qtbot, dlg)
    closed(qtbot, dlg)
    qtbot.waitUntil(lambda: tab.message.text() == "已申请延期。", timeout=5000)
    assert deadline_of_matter(db, mid) == (date(2026, 11, 11), False)
    # The handler's list says the request waits; the detail says what was asked.
    qtbot.waitUntil(lambda: "延期待批" in status_text(tab, mid), timeout=5000)
    qtbot.waitUntil(lambda: "待主任审批" in tab.detail.toPlainText(), timeout=5000)
    assert Move.REQUEST_EXTENSION not in tab.actions
    w.ctx.worker.wait()
    w.close()

    # The director finds it among the requests waiting, refuses it, then approves the next.
    w, boss = open_tab(qtbot, db, "zhuren", size=(1366, 768))
    boss.view_filter.setCurrentIndex(boss.view_filter.findData("extension"))
    qtbot.waitUntil(lambda: boss.model.rowCount() == 1, timeout=5000)
    choose_matter(qtbot, boss)
    qtbot.waitUntil(lambda: Move.EXTEND in boss.actions, timeout=5000)
    shown = [k for k, b in boss.action_buttons.items() if b.isVisible()]
    assert shown[:2] == [Move.EXTEND, Move.REFUSE_EXTENSION]
    trigger(qtbot, boss, Move.REFUSE_EXTENSION)
    dlg = dialog(qtbot, boss)
    assert "需等待伤情鉴定结果" in " ".join(label.text() for label in dlg.findChildren(QLabel))
    confirm(qtbot, dlg)
    refused(qtbot, dlg, "请填写不予延期的理由")
    type_into(qtbot, dlg.text, "鉴定可同步进行")
    confirm(qtbot, dlg)
    closed(qtbot, dlg)
    qtbot.waitUntil(lambda: boss.model.rowCount() == 0, timeout=5000)  # none waits now
    assert deadline_of_matter(db, mid) == (date(2026, 11, 11), False)
    w.ctx.worker.wait()
    w.close()

    w, tab = open_tab(qtbot, db, "tiaojie", size=(1366, 768))
    tab.view_filter.setCurrentIndex(tab.view_filter.findData("mine"))
    qtbot.waitUntil(lambda: "不予延期" in status_text(tab, mid), timeout=5000)
    choose_matter(qtbot, tab)
    qtbot.waitUntil(lambda: "不予延期：鉴定可同步进行" in tab.detail.toPlainText(), timeout=5000)
    trigger(qtbot, tab, Move.REQUEST_EXTENSION)  # refused is not used: ask again
    dlg = dialog(qtbot, tab)
    type_into(qtbot, dlg.text, "鉴定机构推迟出具报告")
    confirm(qtbot, dlg)
    closed(qtbot, dlg)
    qtbot.waitUntil(lambda: "延期待批" in status_text(tab, mid), timeout=5000)
    w.ctx.worker.wait()
    w.close()

    w, boss = open_tab(qtbot, db, "zhuren", size=(1366, 768))
    boss.view_filter.setCurrentIndex(boss.view_filter.findData("extension"))
    choose_matter(qtbot, boss)
    trigger(qtbot, boss, Move.EXTEND)
    dlg = dialog(qtbot, boss)
    assert dlg.deadline.date().toPython() == date(2026, 11, 20)
    confirm(qtbot, dlg)
    closed(qtbot, dlg)
    qtbot.waitUntil(lambda: boss.message.text() == "已批准延期。", timeout=5000)
    assert deadline_of_matter(db, mid) == (date(2026, 11, 20), True)
    with db.read() as s:
        last = s.get(Matter, mid).events[-1]
        assert last.kind == EventKind.EXTENDED
        assert last.note == "期限由 2026-11-11 延至 2026-11-20：鉴定机构推迟出具报告"
    boss.view_filter.setCurrentIndex(boss.view_filter.findData("flow"))
    qtbot.waitUntil(lambda: "已延期" in status_text(boss, mid), timeout=5000)
    w.ctx.worker.wait()


def status_text(tab, mid) -> str:
    from app.views.matter_table_model import COL_STATUS

    row = tab.model.row_of(mid)
    return tab.model.data(tab.model.index(row, COL_STATUS)) or "" if row >= 0 else ""


def deadline_of_matter(db, mid):
    with db.read() as s:
        m = s.get(Matter, mid)
        return m.deadline, m.extended


def test_outcome_and_approval_dialogs_stay_open_when_refused(qtbot, db, clock):
    from datetime import date, datetime

    from PySide6.QtWidgets import QDateTimeEdit

    from app.models import ArrangementKind
    from app.services.reception import arrangements, flow
    from tests.services.test_extensions import matter

    clock.freeze("2026-11-03")
    mid = matter(db)
    with db.write() as s:
        arrangements.arrange(
            s,
            actor(db, "tiaojie"),
            mid,
            ArrangementKind.APPOINTMENT,
            datetime(2026, 11, 4, 9),
            "司法所",
        )
        flow.request_extension(s, actor(db, "tiaojie"), mid, date(2026, 11, 20), "等鉴定")
    w, tab = open_tab(qtbot, db)
    choose_matter(qtbot, tab)
    outcome = next(k for k in tab.actions if str(k).startswith("outcome:"))
    trigger(qtbot, tab, outcome)
    dlg = dialog(qtbot, tab)
    confirm(qtbot, dlg)
    refused(qtbot, dlg, "请填写结果")
    qtbot.keyClick(dlg, Qt.Key.Key_Escape)
    closed(qtbot, dlg)
    # The director approves an earlier date than asked, but not one on the deadline.
    trigger(qtbot, tab, Move.EXTEND)
    dlg = dialog(qtbot, tab)
    type_into(qtbot, dlg.note, "同意")
    dlg.deadline.setFocus()
    dlg.deadline.setCurrentSection(QDateTimeEdit.Section.DaySection)
    for _ in range(9):
        qtbot.keyClick(dlg.deadline, Qt.Key.Key_Down)
    confirm(qtbot, dlg)
    refused(qtbot, dlg, "最早为 2026-11-12")
    assert dlg.note.toPlainText() == "同意"
    qtbot.keyClick(dlg.deadline, Qt.Key.Key_Up)
    confirm(qtbot, dlg)
    closed(qtbot, dlg)
    qtbot.waitUntil(lambda: deadline_of_matter(db, mid) == (date(2026, 11, 12), True), timeout=5000)
    w.ctx.worker.wait()


def test_route_and_supervision_units_are_picked_by_pinyin_initials(qtbot, db):
    """承办单位 takes type-ahead as in the reception form: "sfs" reaches 司法所."""
    new_matter(db)
    _w, tab = open_tab(qtbot, db)
    choose_matter(qtbot, tab)
    trigger(qtbot, tab, Move.ROUTE)
    dlg = dialog(qtbot, tab)
    dlg.unit.setFocus()
    for key in "sfs":
        qtbot.keyClick(dlg.unit, key)
    assert dlg.unit.currentText() == "司法所"
    qtbot.keyClick(dlg, Qt.Key.Key_Escape)
    closed(qtbot, dlg)


def test_paging_by_key_shows_every_matter_once_also_among_the_due(qtbot, db, clock, monkeypatch):
    """Pages of 4 rows (a page is 200 in use): the list is read page by page after the last
    row's key, with matters received in the same minute; 即将到期和超期 keeps only the due
    rows of each page and still fills its pages."""
    from datetime import date, datetime, timedelta

    from app.views import matter_table_model

    monkeypatch.setattr(intake, "PAGE", 4)
    monkeypatch.setattr(matter_table_model, "PAGE", 4)
    clock.freeze("2027-01-05 16:00")
    who = actor(db, "jiedai")
    ids = []
    with db.write() as s:
        for i in range(11):  # three share a minute: the number breaks the tie
            at = datetime(2027, 1, 5, 9, 0) + timedelta(minutes=i if i > 3 else 0)
            ids.append(intake.register_matter(s, who, make_input(db), at=at).id)
        for i, mid in enumerate(ids):  # every third is due today, the rest in a month
            s.get(Matter, mid).deadline = date(2027, 1, 5) if i % 3 == 0 else date(2027, 2, 5)
    _w, tab = open_tab(qtbot, db)

    def scrolled_to_the_end() -> list:
        qtbot.waitUntil(lambda: tab.model.rowCount() > 0, timeout=5000)
        while tab.model.canFetchMore() or not tab.ctx.worker.idle():
            tab.table.scrollToBottom()
            tab.model.fetchMore()
            qtbot.wait(1)
        return [tab.model.row_at(r).id for r in range(tab.model.rowCount())]

    shown = scrolled_to_the_end()
    assert len(shown) == len(set(shown)) == 11 and set(shown) == set(ids)
    assert tab.count.text() == "共 11 件"
    tab.view_filter.setCurrentIndex(tab.view_filter.findData("due"))
    qtbot.waitUntil(lambda: tab.model.rowCount() in (0, 4), timeout=5000)
    due = scrolled_to_the_end()
    assert sorted(due) == sorted(ids[0::3]) and len(due) == 4
    qtbot.waitUntil(lambda: tab.count.text() == "共 4 件", timeout=5000)


def test_a_dialog_open_at_the_lock_goes_and_comes_back_with_its_typing(qtbot, db):
    """The terminal locks while a flow dialog is open: it leaves the screen with the
    window (nothing to read or click over the lock page, whose password can be typed), and
    is back, with what was typed, after the unlock."""
    from tests.conftest import STAFF_PASSWORD

    new_matter(db)
    w, tab = open_tab(qtbot, db)
    choose_matter(qtbot, tab)
    trigger(qtbot, tab, Move.REJECT)
    dlg = dialog(qtbot, tab)
    type_into(qtbot, dlg.text, "属于诉讼事项")
    w.lock()
    assert w.locked and not dlg.isVisible()
    w.lock_page.password.setFocus()
    qtbot.keyClicks(w.lock_page.password, STAFF_PASSWORD)
    assert w.lock_page.password.text() == STAFF_PASSWORD
    qtbot.keyClick(w.lock_page.password, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: not w.locked, timeout=5000)
    assert dlg.isVisible() and dlg.text.toPlainText() == "属于诉讼事项"
    w.ctx.worker.wait()


def test_a_write_finishing_after_another_matter_was_chosen_stays_on_that_one(qtbot, db):
    """An attachment's upload (no dialog holds the user) finishes after they chose another
    matter: the tab says it is done and stays on the matter chosen, its actions for it."""
    new_matter(db)
    new_matter(db)
    w, tab = open_tab(qtbot, db)
    choose_matter(qtbot, tab, row=0)
    first = tab.current
    finished = tab._after("已添加附件。", first)  # the upload's outcome, to come
    tab.table.selectRow(1)
    qtbot.waitUntil(lambda: tab.current not in (None, first), timeout=5000)
    chosen = tab.current
    w.ctx.worker.wait()
    finished(None)
    w.ctx.worker.wait()
    qtbot.wait(50)
    assert tab.current == chosen and "已添加附件" in tab.message.text()
    w.ctx.worker.wait()
