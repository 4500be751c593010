"""A receptionist registers a visit from the keyboard and gets the receipt."""

from __future__ import annotations

import io

import pytest
from pypdf import PdfReader
from PySide6.QtCore import Qt
from PySide6.QtGui import QInputMethodEvent
from PySide6.QtWidgets import QApplication
from sqlalchemy import func, select

from app.core import clock
from app.gui import build_main_window
from app.models import AuditEntry, Matter, MatterStatus

VALID_ID = "11010519491231002X"


def ime_type(widget, text: str) -> None:
    """Chinese is typed through an input method: the IME commits whole characters."""
    event = QInputMethodEvent()
    event.setCommitString(text)
    QApplication.sendEvent(widget, event)


@pytest.fixture
def window(qtbot, db, receptionist):
    w = build_main_window(db, receptionist)
    qtbot.addWidget(w)
    w.show()
    qtbot.waitExposed(w)
    yield w
    w.ctx.worker.wait()


def focused():
    return QApplication.focusWidget()


def test_register_by_keyboard_then_receipt(qtbot, db, window):
    tab = window.reception
    form = tab.form
    v = form.visitors[0]
    v.name.setFocus()
    qtbot.waitUntil(lambda: v.name.hasFocus())
    ime_type(v.name, "王𠮷")
    qtbot.keyClick(focused(), Qt.Key.Key_Tab)
    assert focused() is v.id_number
    qtbot.keyClicks(focused(), VALID_ID)
    qtbot.keyClick(focused(), Qt.Key.Key_Tab)
    assert focused() is v.phone
    qtbot.keyClicks(focused(), "13812345678")
    form.category.setFocus()
    for _ in range(3):  # （请选择类别）→ 咨询 → 求助 → 投诉
        qtbot.keyClick(form.category, Qt.Key.Key_Down)
    assert form.category.currentText() == "投诉"
    assert "7个工作日" in form.deadline_label.text()
    qtbot.keyClick(focused(), Qt.Key.Key_Tab)
    assert focused() is form.summary
    ime_type(form.summary, "反映工地夜间施工噪音扰民。")
    form.handler.setFocus()
    qtbot.keyClick(form.handler, Qt.Key.Key_Return)

    qtbot.waitUntil(lambda: tab.last_number != "", timeout=5000)
    assert tab.last_number == f"BS{clock.today().year}-A-000001"
    with db.read() as s:
        m = s.scalar(select(Matter))
        assert m.number == tab.last_number
        assert m.persons[0].person.name == "王𠮷"
        assert m.summary == "反映工地夜间施工噪音扰民。"
        assert m.status == MatterStatus.REGISTERED
        assert (
            s.scalar(
                select(func.count())
                .select_from(AuditEntry)
                .where(AuditEntry.event == "matter_register", AuditEntry.object_id == str(m.id))
            )
            == 1
        )
    # The form is ready for the next person; the receipt preview opened by itself.
    assert v.name.text() == "" and form.summary.toPlainText() == ""
    qtbot.waitUntil(lambda: tab.preview is not None and tab.preview.isVisible(), timeout=5000)
    text = PdfReader(io.BytesIO(tab.preview.pdf)).pages[0].extract_text()
    for expected in (
        tab.last_number,
        "受理回执",
        "王𠮷",
        "110105********002X",
        "138****5678",
        "李接待",
    ):
        assert expected in text, expected
    # The new matter is in the list.
    qtbot.waitUntil(lambda: tab.model.rowCount() == 1, timeout=5000)
    assert tab.model.row_at(0).number == tab.last_number


def test_refused_registration_keeps_the_typed_text_and_saves_nothing(qtbot, db, window):
    tab = window.reception
    v = tab.form.visitors[0]
    v.name.setFocus()
    ime_type(v.name, "李䶮")
    qtbot.keyClicks(v.id_number, "110105194912310021")  # wrong check digit
    ime_type(tab.form.summary, "邻里纠纷")
    qtbot.keyClick(v.id_number, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: "校验位" in tab.form.error.text(), timeout=5000)
    assert "类别" in tab.form.error.text()
    assert v.name.text() == "李䶮" and tab.form.summary.toPlainText() == "邻里纠纷"
    assert v.id_number.property("invalid") is True
    with db.read() as s:
        assert s.scalar(select(func.count()).select_from(Matter)) == 0


def test_earlier_visits_show_beside_the_form(qtbot, qtmodeltester, db, window, receptionist):
    from app.services.reception import intake
    from tests.services.test_intake import make_input

    with db.write() as s:
        number = intake.register_matter(s, receptionist, make_input(db)).number
    tab = window.reception
    v = tab.form.visitors[0]
    qtbot.keyClicks(v.id_number, VALID_ID)
    model = tab.earlier.model()
    qtbot.waitUntil(lambda: model.rowCount() == 1, timeout=5000)
    qtmodeltester.check(model)
    assert [model.index(0, c).data() for c in (0, 3)] == [number, "身份证号 · 王𠮷"]
    assert model.index(0, 0).data(Qt.ItemDataRole.ToolTipRole) == make_input(db).summary
    assert "找到以往事项 1 件" in tab.earlier_box.title()
    # 双击查看详情: the earlier matter opens in the detail pane.
    cell = tab.earlier.visualRect(model.index(0, 2)).center()
    qtbot.mouseClick(tab.earlier.viewport(), Qt.MouseButton.LeftButton, pos=cell)
    qtbot.mouseDClick(tab.earlier.viewport(), Qt.MouseButton.LeftButton, pos=cell)
    qtbot.waitUntil(lambda: number in tab.detail.toPlainText(), timeout=5000)


def test_search_box_filters_the_list_by_initials(qtbot, db, window, receptionist):
    from app.services.reception import intake
    from app.services.reception.intake import VisitorInput
    from tests.services.test_intake import make_input

    with db.write() as s:
        intake.register_matter(
            s, receptionist, make_input(db, visitors=[VisitorInput(name="张三")])
        )
        intake.register_matter(
            s, receptionist, make_input(db, visitors=[VisitorInput(name="李四")])
        )
    tab = window.reception
    tab.reload()
    qtbot.waitUntil(lambda: tab.model.rowCount() == 2, timeout=5000)
    qtbot.keyClicks(tab.search, "zs")
    qtbot.waitUntil(lambda: tab.model.rowCount() == 1, timeout=5000)
    assert tab.model.row_at(0).persons == "张三"


def test_idle_lock_returns_to_the_same_screen(qtbot, db, window):
    from tests.conftest import STAFF_PASSWORD

    tab = window.reception
    ime_type(tab.form.visitors[0].name, "赵六")
    window.idle.last -= 10 * 60  # ten idle minutes
    window._check_idle()
    assert window.locked and not tab.isVisible()
    qtbot.keyClicks(window.lock_page.password, "wrong-password")
    qtbot.keyClick(window.lock_page.password, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: "不正确" in window.lock_page.message.text(), timeout=5000)
    assert window.locked
    window.lock_page.password.clear()
    qtbot.keyClicks(window.lock_page.password, STAFF_PASSWORD)
    qtbot.keyClick(window.lock_page.password, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: not window.locked, timeout=5000)
    assert tab.isVisible() and tab.form.visitors[0].name.text() == "赵六"


def test_ctrl_p_prints_the_receipt_of_the_matter_selected_in_the_list(
    qtbot, db, window, receptionist
):
    from app.services.reception import intake
    from app.services.reception.intake import VisitorInput
    from tests.services.test_intake import make_input

    with db.write() as s:
        for name in ("张三", "李四"):
            intake.register_matter(
                s, receptionist, make_input(db, visitors=[VisitorInput(name=name)])
            )
    tab = window.reception
    tab.reload()
    qtbot.waitUntil(lambda: tab.model.rowCount() == 2, timeout=5000)
    tab.table.setFocus()
    tab.table.selectRow(1)
    selected = tab.model.row_at(1)
    qtbot.keyClick(tab.table, Qt.Key.Key_P, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: tab.preview is not None and tab.preview.isVisible(), timeout=5000)
    text = PdfReader(io.BytesIO(tab.preview.pdf)).pages[0].extract_text()
    assert selected.number in text and selected.persons in text


def test_a_wrong_id_number_is_flagged_when_leaving_the_field(qtbot, window):
    v = window.reception.form.visitors[0]
    v.id_number.setFocus()
    qtbot.keyClicks(v.id_number, "11010519491231002")  # 17 digits
    qtbot.keyClick(v.id_number, Qt.Key.Key_Tab)
    assert v.problem.isVisible() and "18位" in v.problem.text()
    assert v.id_number.property("invalid") is True
    v.id_number.setFocus()
    qtbot.keyClicks(v.id_number, "X")
    qtbot.keyClick(v.id_number, Qt.Key.Key_Tab)
    assert not v.problem.isVisible() and v.id_number.property("invalid") is False


def test_typing_survives_the_program_being_killed(qtbot, db, receptionist):
    """A second window on the same database stands for the next start after a kill."""
    first = build_main_window(db, receptionist)
    qtbot.addWidget(first)
    tab = first.reception
    v = tab.form.visitors[0]
    ime_type(v.name, "王𠮷")
    qtbot.keyClicks(v.phone, "13812345678")
    tab.form.category.setCurrentIndex(3)
    ime_type(tab.form.summary, "反映工地夜间施工噪音扰民，已持续两周。")
    tab.form.add_visitor()
    ime_type(tab.form.visitors[1].name, "李䶮")
    store, user = first.ctx.drafts, receptionist.username
    qtbot.waitUntil(
        lambda: (
            (store.load(user, "intake") or (0, {}))[1].get("visitors", [{}])[-1].get("name")
            == "李䶮"
        ),
        timeout=5000,
    )
    first.ctx.worker.wait()
    # Killed here: nothing closes `first`. Next start:
    second = build_main_window(db, receptionist)
    qtbot.addWidget(second)
    again = second.reception
    assert again.draft_bar.isVisibleTo(again) and "未登记的表单内容" in again.draft_label.text()
    qtbot.mouseClick(again.restore_draft_button, Qt.MouseButton.LeftButton)
    form = again.form
    assert [x.name.text() for x in form.visitors] == ["王𠮷", "李䶮"]
    assert form.visitors[0].phone.text() == "13812345678"
    assert form.category.currentText() == "投诉"
    assert form.summary.toPlainText() == "反映工地夜间施工噪音扰民，已持续两周。"
    # Registering clears the draft.
    again.register()
    qtbot.waitUntil(lambda: again.last_number != "", timeout=5000)
    qtbot.waitUntil(lambda: store.load(user, "intake") is None, timeout=5000)
    second.ctx.worker.wait()
    first.ctx.worker.wait()


def test_restoring_a_draft_over_the_next_visitor_asks_first(qtbot, db, receptionist, monkeypatch):
    """The bar offered at start stays while the next visitor is served: 恢复草稿 then asks
    before replacing them; 否 keeps them and the offer, 是 restores the draft."""
    from PySide6.QtWidgets import QMessageBox

    first = build_main_window(db, receptionist)
    qtbot.addWidget(first)
    ime_type(first.reception.form.visitors[0].name, "王𠮷")
    first.save_drafts()  # as at a lock, or the program closing
    second = build_main_window(db, receptionist)  # the next start
    qtbot.addWidget(second)
    tab = second.reception
    assert tab.draft_bar.isVisibleTo(tab)
    ime_type(tab.form.visitors[0].name, "李䶮")  # the next visitor, meanwhile
    asked, answers = [], [QMessageBox.StandardButton.No]
    monkeypatch.setattr(QMessageBox, "question", lambda *a: asked.append(a[1]) or answers[-1])
    qtbot.mouseClick(tab.restore_draft_button, Qt.MouseButton.LeftButton)
    assert asked == ["恢复草稿"] and tab.form.visitors[0].name.text() == "李䶮"
    assert tab.draft_bar.isVisibleTo(tab)
    answers.append(QMessageBox.StandardButton.Yes)
    qtbot.mouseClick(tab.restore_draft_button, Qt.MouseButton.LeftButton)
    assert tab.form.visitors[0].name.text() == "王𠮷" and not tab.draft_bar.isVisibleTo(tab)
    second.ctx.worker.wait()
    first.ctx.worker.wait()


@pytest.mark.sqlite_only
def test_a_read_only_database_refuses_with_a_message_and_keeps_the_form(qtbot, db, receptionist):
    from app.db import Database

    read_only = Database(f"sqlite:///file:{db.path}?mode=ro&uri=true")
    w = build_main_window(read_only, receptionist)
    qtbot.addWidget(w)
    tab = w.reception
    form = tab.form
    ime_type(form.visitors[0].name, "王𠮷")
    form.category.setCurrentIndex(3)
    ime_type(form.summary, "反映噪音扰民。")
    tab.register()
    qtbot.waitUntil(lambda: "只读" in form.error.text(), timeout=5000)
    assert "已填写的内容仍保留" in form.error.text()
    assert form.visitors[0].name.text() == "王𠮷" and form.summary.toPlainText() == "反映噪音扰民。"
    assert tab.register_button.isEnabled()
    with db.read() as s:
        assert s.scalar(select(func.count()).select_from(Matter)) == 0
    w.ctx.worker.wait()
