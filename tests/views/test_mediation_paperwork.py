"""Issue 18 in the mediation tabs, by keyboard and mouse: parties' identity, the default
mediator, signing and correcting agreements, oral agreements, the record's long turns,
read-only states and the case header."""

from __future__ import annotations

import io
from datetime import timedelta

import pytest
from pypdf import PdfReader
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QTableWidgetItem

from app.core import clock
from app.gui import build_main_window
from app.models import AgreementKind, AgreementStatus, CaseStatus
from app.services.reception import posts
from app.services.rooms import mediation
from app.views.mediation.parties import COL
from app.views.widgets.tables import WORD_JOINER
from tests.conftest import actor
from tests.services.test_mediation import family, neighbours, terms, uid
from tests.services.test_mediation_paperwork import MAN, WOMAN
from tests.views.test_reception_tab import ime_type


def _window(qtbot, db, username, tab="mediation_tab"):
    w = build_main_window(db, actor(db, username))
    qtbot.addWidget(w)
    w.show()
    w.activateWindow()
    qtbot.waitUntil(w.isActiveWindow, timeout=5000)
    t = getattr(w, tab)
    w.tabs.setCurrentWidget(t)
    return w, t


def _type_cell(qtbot, table, row, col, text):
    """Go to the cell, F2, type, Enter: as a user edits a grid."""
    table.setFocus()
    table.setCurrentCell(row, col)
    qtbot.keyClick(table, Qt.Key.Key_F2)
    editor = QApplication.focusWidget()
    assert editor is not table
    qtbot.keyClicks(editor, text)
    qtbot.keyClick(editor, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: table.state() != table.State.EditingState, timeout=5000)


def test_an_id_number_fills_sex_and_age_and_a_contradiction_is_refused(qtbot, db, clock):
    clock.freeze("2027-01-05")
    w, tab = _window(qtbot, db, "tiaojie")
    form = tab.case_form
    table = form.parties
    assert [table.horizontalHeaderItem(c).text() for c in (4, 7, 8, 11, 12)] == [
        "民族",
        "职业",
        "工作单位",
        "法定代表人/负责人",
        "职务",
    ]
    ethnic = table.cellWidget(0, COL["民族"])
    assert ethnic.count() == 57  # blank and the 56
    ethnic.setFocus()
    qtbot.keyClicks(ethnic, "sz")  # pinyin initials: 畲族
    assert ethnic.currentText() == "畲族"
    table.setItem(0, COL["姓名/名称"], QTableWidgetItem("王芳"))
    _type_cell(qtbot, table, 0, COL["身份证号"], WOMAN)
    qtbot.waitUntil(lambda: table.item(0, COL["身份证号"]).text() == WOMAN, timeout=5000)
    assert table.item(0, COL["性别"]).text() == "女" and table.item(0, COL["年龄"]).text() == "36"
    table.setItem(1, COL["姓名/名称"], QTableWidgetItem("李强"))
    table.setItem(1, COL["身份证号"], QTableWidgetItem(MAN))
    table.setItem(1, COL["性别"], QTableWidgetItem("女"))  # typed over what the number says
    ime_type(form.facts, "排水沟堵塞。")
    qtbot.keyClick(form.amount, Qt.Key.Key_S, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: "第17位表示男性" in tab.message.text(), timeout=5000)
    assert tab.current is None  # nothing saved
    table.setItem(1, COL["性别"], QTableWidgetItem("男"))
    qtbot.keyClick(form.amount, Qt.Key.Key_S, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: tab.detail is not None, timeout=5000)
    with db.read() as s:
        back = mediation.case_input(s, actor(db, "tiaojie"), tab.current)
    assert (back.parties[0].sex, back.parties[0].age, back.parties[0].ethnicity) == (
        "女",
        36,
        "畲族",
    )
    w.ctx.worker.wait()


def test_a_new_case_defaults_to_the_logged_in_mediator_never_one_on_leave(qtbot, db):
    today = clock.today()
    with db.write() as s:
        posts.add_absence(
            s, actor(db, "admin"), uid(db, "tiaojie"), today, today + timedelta(days=3), "年休假"
        )
    w, tab = _window(qtbot, db, "zhuren")
    lead = tab.case_form.lead
    qtbot.waitUntil(lambda: lead.count() > 2, timeout=5000)
    assert lead.currentData() == uid(db, "zhuren")
    away = lead.itemText(lead.count() - 1)
    assert away.startswith("王调解（请假至")
    # A mediator on leave is not chosen for a new case, even when the list comes late.
    tab.case_form.set_mediators(
        [(lead.itemData(i), lead.itemText(i)) for i in range(1, lead.count())]
    )
    assert lead.currentData() == uid(db, "zhuren")
    w.ctx.worker.wait()


@pytest.fixture
def signed_case(db):
    m = actor(db, "tiaojie")
    start = clock.now().replace(microsecond=0) - timedelta(days=3)
    with db.write() as s:
        ref = mediation.open_case(s, m, neighbours(db), at=start)
        a = mediation.save_agreement(s, m, ref.id, terms(performance_deadline=None))
        mediation.sign_agreement(s, m, a.id, clock.today() - timedelta(days=2))
    return ref


def _open_case(qtbot, tab):
    qtbot.waitUntil(lambda: tab.model.rowCount() == 1, timeout=5000)
    tab.table.selectRow(0)
    qtbot.waitUntil(lambda: tab.detail is not None, timeout=5000)


def test_corrections_need_a_reason_can_be_discarded_and_every_version_reprints(
    qtbot, db, signed_case
):
    w, tab = _window(qtbot, db, "tiaojie")
    _open_case(qtbot, tab)
    tab.pages.setCurrentIndex(2)
    page = tab.agreement_page
    assert page.versions.rowCount() == 1 and "王调解" in page.versions.item(0, 4).text()
    qtbot.mouseClick(page.correct_button, Qt.MouseButton.LeftButton)
    dlg = tab.dialog
    qtbot.mouseClick(dlg.ok_button, Qt.MouseButton.LeftButton)  # no reason
    qtbot.waitUntil(lambda: "请填写更正原因" in dlg.message.text(), timeout=5000)
    assert dlg.isVisible() and len(tab.detail.agreements) == 1
    reason = dlg.fields["reason"].findChild(type(page.editor.facts))
    reason.setFocus()
    ime_type(reason, "第2项赔偿金额笔误")
    qtbot.mouseClick(dlg.ok_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: page.versions.rowCount() == 2, timeout=5000)
    assert page.versions.item(1, 5).text() == "第2项赔偿金额笔误"
    assert page.discard_button.isEnabled()
    # Version 1 (signed) still previews and prints as signed, with a draft after it.
    page.versions.selectRow(0)
    assert not page.discard_button.isEnabled()
    qtbot.mouseClick(page.version_print_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: tab.preview is not None and tab.preview.isVisible(), timeout=5000)
    text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(tab.preview.pdf)).pages)
    assert "草稿" not in text and "（第2版）" not in text
    tab.preview.close()
    # The correction draft is thrown away; version 1 stays in force.
    page.versions.selectRow(1)
    qtbot.mouseClick(page.discard_button, Qt.MouseButton.LeftButton)
    qtbot.mouseClick(tab.dialog.ok_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: page.versions.rowCount() == 1, timeout=5000)
    assert tab.detail.agreements[0].status == AgreementStatus.SIGNED
    w.ctx.worker.wait()


def test_an_oral_agreement_is_registered_with_its_own_buttons_and_note(qtbot, db):
    m = actor(db, "tiaojie")
    with db.write() as s:
        mediation.open_case(s, m, neighbours(db))
    w, tab = _window(qtbot, db, "tiaojie")
    _open_case(qtbot, tab)
    tab.pages.setCurrentIndex(2)
    page, ed = tab.agreement_page, tab.agreement
    assert page.sign_button.text() == "各方已签署（生效）"
    assert not ed.has_deadline.isChecked() and not ed.deadline.isEnabled()
    ed.kind.setFocus()
    ed.kind.setCurrentIndex(ed.kind.findData(AgreementKind.ORAL))
    assert page.sign_button.text() == "登记口头协议"
    assert page.print_button.text().startswith("打印口头协议登记表")
    assert "口头协议" in page.confirm_label.text() and "30 日内" not in page.confirm_label.text()
    ime_type(ed.facts, "双方当场达成一致。")
    qtbot.mouseClick(ed.term_buttons[0], Qt.MouseButton.LeftButton)
    ed.terms.setItem(0, 0, QTableWidgetItem("李四于12月10日前清理杂物"))
    qtbot.mouseClick(page.save_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: page.sign_button.isEnabled(), timeout=5000)
    qtbot.mouseClick(page.sign_button, Qt.MouseButton.LeftButton)
    assert tab.dialog.windowTitle() == "登记口头协议"
    qtbot.mouseClick(tab.dialog.ok_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: tab.detail.status == CaseStatus.SUCCEEDED, timeout=5000)
    assert page.print_button.text().startswith("打印口头协议登记表")
    page.versions.selectRow(0)
    qtbot.mouseClick(page.version_print_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: tab.preview is not None and tab.preview.isVisible(), timeout=5000)
    text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(tab.preview.pdf)).pages)
    text = text.replace("\n", "")
    assert "口头协议登记表" in text and "履行期限：协议生效后" in text
    assert f"{clock.today().year}年{clock.today().month}月{clock.today().day}日前" not in text
    w.ctx.worker.wait()


def test_a_long_turn_in_the_record_shows_whole(qtbot, db):
    m = actor(db, "tiaojie")
    with db.write() as s:
        mediation.open_case(s, m, neighbours(db))
    w, tab = _window(qtbot, db, "tiaojie")
    _open_case(qtbot, tab)
    tab.pages.setCurrentIndex(1)
    rec = tab.record
    qtbot.mouseClick(rec.add_button, Qt.MouseButton.LeftButton)
    r = rec.statements.rowCount() - 1
    rec.statements.setItem(r, 0, QTableWidgetItem("王𠮷"))
    rec.statements.setCurrentCell(r, 1)
    rec.statements.setFocus()
    qtbot.keyClick(rec.statements, Qt.Key.Key_F2)  # edit the turn in place
    editor = QApplication.focusWidget()
    assert editor.metaObject().className() == "QPlainTextEdit"
    ime_type(editor, "第一句。")
    qtbot.keyClick(editor, Qt.Key.Key_Return)  # a new line, not the end of the turn
    ime_type(editor, "第二句。" * 30)
    qtbot.keyClick(editor, Qt.Key.Key_Tab)
    said = rec.statements.item(r, 1).text()
    assert said.startswith("第一句。\n第二句。")
    one_line = rec.statements.fontMetrics().height()
    assert rec.statements.rowHeight(r) > 3 * one_line  # every line in sight
    w.ctx.worker.wait()


def test_add_minor_is_only_for_the_cases_own_mediators(qtbot, db):
    m = actor(db, "tiaojie")
    with db.write() as s:
        mediation.open_case(s, m, family(db))
    for username, can in (("zhuren", False), ("tiaojie", True)):
        w, tab = _window(qtbot, db, username, "family_tab")
        _open_case(qtbot, tab)
        page = tab.family_page
        assert page.add_minor_button.isVisibleTo(page) == can
        assert page.add_minor_button.isEnabled() == can
        w.ctx.worker.wait()


def test_the_case_header_never_breaks_a_number_or_a_status(qtbot, db):
    m = actor(db, "tiaojie")
    with db.write() as s:
        ref = mediation.open_case(s, m, neighbours(db))
    w, tab = _window(qtbot, db, "tiaojie")
    _open_case(qtbot, tab)
    header = tab.header.text()
    assert WORD_JOINER.join(ref.number) in header
    assert WORD_JOINER.join("【受理】") in header
    assert header.replace(WORD_JOINER, "").startswith(ref.number)
    w.ctx.worker.wait()


def test_follow_up_and_confirmation_dialogs_fit_their_content(qtbot, db, signed_case):
    from PySide6.QtWidgets import QLineEdit, QPlainTextEdit

    w, tab = _window(qtbot, db, "tiaojie")
    _open_case(qtbot, tab)
    # The list's status column shows its statuses whole.
    table = tab.table
    assert table.columnWidth(3) >= table.sizeHintForColumn(3)
    qtbot.mouseClick(tab.followups_page.record_button, Qt.MouseButton.LeftButton)
    dlg = tab.dialog
    assert dlg.width() >= 560
    notes = dlg.findChildren(QPlainTextEdit)
    assert len(notes) == 2 and all(n.height() >= 60 for n in notes)  # a few lines each
    dlg.reject()
    tab.pages.setCurrentIndex(2)
    qtbot.mouseClick(tab.agreement_page.confirm_button, Qt.MouseButton.LeftButton)
    dlg = tab.dialog
    (court,) = [e for e in dlg.findChildren(QLineEdit) if "人民法院" in e.placeholderText()]
    assert dlg.width() >= 560 and court.width() >= 360
    dlg.reject()
    w.ctx.worker.wait()
