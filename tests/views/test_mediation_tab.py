"""A mediator takes a matter from the window to a signed, printed agreement in 矛盾调解."""

from __future__ import annotations

import io

from pypdf import PdfReader
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QHeaderView, QMessageBox, QTableView, QTableWidgetItem
from sqlalchemy import select

from app.core import clock
from app.gui import build_main_window
from app.models import (
    AgreementStatus,
    CaseRoom,
    CaseStatus,
    DisputeType,
    MatterStatus,
    Unit,
    ViolenceRisk,
)
from app.services.reception import detail, intake
from app.services.rooms import mediation
from app.services.rooms.mediation import CaseFilter
from app.views.mediation.parties import COL
from tests.conftest import actor
from tests.services.test_intake import make_input
from tests.services.test_mediation import family, neighbours
from tests.views.test_reception_tab import ime_type


def _routed_matter(db):
    with db.write() as s:
        data = make_input(db, category="矛盾纠纷", summary="与邻居因排水沟堵塞发生纠纷。")
        data.unit_id = s.scalar(select(Unit.id).where(Unit.name == "矛盾纠纷调解室"))
        return intake.register_matter(s, actor(db, "jiedai"), data)


def _first_case_open(qtbot, db, who, cases: int = 1):
    """A new main window for ``who`` on 矛盾调解, its list of ``cases`` loaded and the first
    one open: the window and the tab."""
    w = build_main_window(db, who)
    qtbot.addWidget(w)
    w.show()
    tab = w.mediation_tab
    w.tabs.setCurrentWidget(tab)
    qtbot.waitUntil(lambda: tab.model.rowCount() == cases, timeout=5000)
    tab.table.selectRow(0)
    qtbot.waitUntil(lambda: tab.detail is not None, timeout=5000)
    return w, tab


def test_from_intake_to_a_printed_agreement(qtbot, db, qtmodeltester):
    reg = _routed_matter(db)
    mediator = actor(db, "tiaojie")
    w = build_main_window(db, mediator)
    qtbot.addWidget(w)
    w.show()
    titles = [w.tabs.tabText(i) for i in range(w.tabs.count())]
    assert "矛盾调解" in titles and "家事调解" in titles
    tab = w.mediation_tab
    w.tabs.setCurrentWidget(tab)
    cases = tab.case_list
    qtbot.waitUntil(lambda: cases.from_matter_button.isEnabled(), timeout=5000)
    assert reg.number in cases.waiting.currentText()
    qtbot.mouseClick(cases.from_matter_button, Qt.MouseButton.LeftButton)
    form = tab.case_form
    qtbot.waitUntil(
        lambda: form.parties.rowCount() == 2 and bool(form.facts.toPlainText()), timeout=5000
    )
    assert form.parties.item(0, 2).text() == "王𠮷"
    form.dispute_type.setCurrentIndex(form.dispute_type.findText(DisputeType.NEIGHBOUR.label))
    # A respondent without a name is refused and nothing is saved.
    form.parties.setItem(1, COL["住址"], QTableWidgetItem("白石村2号"))
    qtbot.keyClick(form.amount, Qt.Key.Key_S, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: "请填写第 2 位当事人的姓名或名称" in tab.message.text(), timeout=5000)
    assert tab.current is None
    form.parties.setItem(1, 2, QTableWidgetItem("李四"))
    form.amount.setFocus()
    qtbot.keyClicks(form.amount, "3000")
    qtbot.keyClick(form.amount, Qt.Key.Key_S, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: tab.detail is not None, timeout=5000)
    assert tab.detail.number.startswith("BSTJ") and tab.detail.matter_number == reg.number
    qtbot.waitUntil(lambda: tab.model.rowCount() == 1, timeout=5000)
    qtmodeltester.check(tab.model)
    # The case just opened is the one chosen in the list.
    qtbot.waitUntil(lambda: tab.table.selectionModel().hasSelection(), timeout=5000)
    assert tab.table.selectionModel().selectedRows()[0].row() == 0
    # The record of the first session.
    tab.pages.setCurrentIndex(1)
    rec = tab.record
    ime_type(rec.place, "中心一楼调解室")
    rec.rights_told.setChecked(True)
    rec.statements.setRowCount(0)
    for who, said in (("王𠮷", "雨天积水流进院子。"), ("李四", "愿意清理杂物。")):
        r = rec.statements.rowCount()
        rec.statements.insertRow(r)
        rec.statements.setItem(r, 0, QTableWidgetItem(who))
        rec.statements.setItem(r, 1, QTableWidgetItem(said))
    qtbot.mouseClick(tab.record_page.save_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: tab.detail.status == CaseStatus.MEDIATING, timeout=5000)
    sessions = tab.record_page.record_table.model()
    assert sessions.rowCount() == 1 and sessions.index(0, 2).data() == "2"
    qtmodeltester.check(sessions)
    # The agreement: an empty term list is refused, then drafted, signed and printed.
    tab.pages.setCurrentIndex(2)
    ed = tab.agreement
    ime_type(ed.facts, "排水沟堵塞系被申请人堆放杂物所致。")
    page = tab.agreement_page
    qtbot.mouseClick(page.save_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: "至少要有一项协议内容" in tab.message.text(), timeout=5000)
    for text in ("李四清理杂物、疏通排水沟", "李四赔偿王𠮷损失2000元"):
        qtbot.mouseClick(ed.term_buttons[0], Qt.MouseButton.LeftButton)
        ed.terms.setItem(ed.terms.rowCount() - 1, 0, QTableWidgetItem(text))
    ed.terms.setCurrentCell(1, 0)
    qtbot.mouseClick(ed.term_buttons[2], Qt.MouseButton.LeftButton)  # 上移: order matters
    assert ed.terms.item(0, 0).text() == "李四赔偿王𠮷损失2000元"
    ime_type(ed.method, "现场清理，赔偿款当面付清")
    assert not ed.has_deadline.isChecked()  # 履行期限 starts empty
    qtbot.mouseClick(ed.has_deadline, Qt.MouseButton.LeftButton)
    qtbot.mouseClick(page.save_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: page.sign_button.isEnabled(), timeout=5000)
    qtbot.mouseClick(page.sign_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: tab.dialog is not None and tab.dialog.isVisible(), timeout=5000)
    assert tab.detail.status != CaseStatus.SUCCEEDED  # nothing signed before it is confirmed
    qtbot.mouseClick(tab.dialog.ok_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: tab.detail.status == CaseStatus.SUCCEEDED, timeout=5000)
    assert ed.facts.isReadOnly() and not page.save_button.isEnabled()
    assert page.correct_button.isEnabled() and "可在" in page.confirm_label.text()
    assert "确认人：王调解" in tab.message.text()
    w.activateWindow()  # the window manager's part once the confirmation closes
    qtbot.waitUntil(w.isActiveWindow, timeout=5000)
    qtbot.keyClick(ed.method, Qt.Key.Key_P, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: tab.preview is not None and tab.preview.isVisible(), timeout=5000)
    reader = PdfReader(io.BytesIO(tab.preview.pdf))
    text = "".join(p.extract_text() for p in reader.pages).replace("\n", "")
    assert len(reader.pages) == 3  # one original per party and one for the file
    assert "人民调解协议书" in text and "白石街道人民调解委员会" in text
    assert "1. 李四赔偿王𠮷损失2000元" in text and "2. 李四清理杂物、疏通排水沟" in text
    assert f"履行期限：{clock.today().year}年" in text
    with db.read() as s:
        (row,) = mediation.list_cases(s, mediator, CaseRoom.GENERAL)
        d = mediation.case_detail(s, mediator, row.id)
        matter = detail.matter_detail(s, mediator, reg.id)
    assert d.agreements[0].status == AgreementStatus.SIGNED
    assert matter.status == MatterStatus.DONE
    w.ctx.worker.wait()


def test_the_family_tab_warns_and_hides_minors_from_the_director(qtbot, db):
    m = actor(db, "tiaojie")
    with db.write() as s:
        ref = mediation.open_case(s, m, family(db))
        mediation.save_minors(s, m, ref.id, [mediation.MinorInput("钱小宝", "男", 8, "之子")])
    director = actor(db, "zhuren")
    w = build_main_window(db, director)
    qtbot.addWidget(w)
    w.show()
    tab = w.family_tab
    w.tabs.setCurrentWidget(tab)
    qtbot.waitUntil(lambda: tab.model.rowCount() == 1, timeout=5000)
    assert "【家暴高风险】" in tab.model.index(0, 1).data()
    tab.table.selectRow(0)
    qtbot.waitUntil(lambda: tab.detail is not None, timeout=5000)
    assert tab.risk_banner.isVisibleTo(tab) and "家庭暴力高风险" in tab.risk_banner.text()
    assert tab.detail.violence_risk == ViolenceRisk.HIGH
    family_page = tab.family_page
    assert family_page.minors.rowCount() == 0
    assert "涉及未成年人 1 名" in family_page.minors_note.text()
    assert not family_page.save_minors_button.isEnabled()
    w.ctx.worker.wait()


def test_receptionists_do_not_see_the_mediation_tabs(qtbot, db):
    w = build_main_window(db, actor(db, "jiedai"))
    qtbot.addWidget(w)
    titles = [w.tabs.tabText(i) for i in range(w.tabs.count())]
    assert "矛盾调解" not in titles and "家事调解" not in titles
    w.ctx.worker.wait()


def test_a_half_typed_record_survives_the_program_being_killed(qtbot, db):
    m = actor(db, "tiaojie")
    with db.write() as s:
        ref = mediation.open_case(s, m, neighbours(db))
    first, tab = _first_case_open(qtbot, db, m)
    tab.pages.setCurrentIndex(1)
    ime_type(tab.record.place, "中心一楼调解室")
    tab.record.result.setPlainText("双方同意再约时间")  # typed, not saved
    store = first.ctx.drafts
    qtbot.waitUntil(
        lambda: (
            (store.load("tiaojie", "case-record-general") or (0, {}))[1]
            .get("editor", {})
            .get("result")
            == "双方同意再约时间"
        ),
        timeout=5000,
    )
    first.ctx.worker.wait()
    second = build_main_window(db, m)  # the next start
    qtbot.addWidget(second)
    tab2 = second.mediation_tab
    assert tab2.draft_bar.isVisibleTo(tab2) and ref.number in tab2.draft_label.text()
    qtbot.mouseClick(tab2.restore_draft_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: tab2.record.place.text() == "中心一楼调解室", timeout=5000)
    assert tab2.record.result.toPlainText() == "双方同意再约时间"
    assert tab2.current == ref.id
    qtbot.mouseClick(tab2.record_page.save_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: tab2.record_page.record_table.model().rowCount() == 1, timeout=5000)
    with db.read() as s:
        rows = mediation.list_cases(s, m, CaseRoom.GENERAL, CaseFilter())
    assert rows[0].status == CaseStatus.MEDIATING
    second.ctx.worker.wait()
    first.ctx.worker.wait()


def test_looking_at_a_case_and_closing_leaves_no_draft_of_the_record(qtbot, db):
    """Opening a case fills in a new record (time, attendees, recorder): not typing. Closing
    the program then keeps no draft, so the next start does not claim an unsaved record —
    neither for a new record nor for a saved one opened to read."""
    m = actor(db, "tiaojie")
    with db.write() as s:
        ref = mediation.open_case(s, m, neighbours(db))
    first, tab = _first_case_open(qtbot, db, m)
    tab.pages.setCurrentIndex(1)
    assert tab.record.attendees.text()  # the parties, filled in
    first.close()  # saves every form's typing as a draft
    assert first.ctx.drafts.load("tiaojie", "case-record-general") is None
    second, tab2 = _first_case_open(qtbot, db, m)
    assert not tab2.draft_bar.isVisibleTo(tab2)

    # A saved record, opened and read, then the program closed: still nothing to offer.
    tab2.pages.setCurrentIndex(1)
    ime_type(tab2.record.place, "中心一楼调解室")
    qtbot.mouseClick(tab2.record_page.save_button, Qt.MouseButton.LeftButton)
    page = tab2.record_page
    qtbot.waitUntil(lambda: page.record_table.model().rowCount() == 1, timeout=5000)
    second.ctx.worker.wait()
    assert second.ctx.drafts.load("tiaojie", "case-record-general") is None  # saved: cleared
    second.close()  # the saved record still on screen
    assert second.ctx.drafts.load("tiaojie", "case-record-general") is None
    third, tab3 = _first_case_open(qtbot, db, m)
    page = tab3.record_page
    qtbot.waitUntil(lambda: page.record_table.model().rowCount() == 1, timeout=5000)
    page.record_table.selectRow(0)  # opened to read
    qtbot.waitUntil(lambda: tab3.record.place.text() == "中心一楼调解室", timeout=5000)
    third.close()
    assert third.ctx.drafts.load("tiaojie", "case-record-general") is None
    assert tab3.detail.number == ref.number


def test_a_record_being_typed_is_not_replaced_without_asking(qtbot, db, monkeypatch):
    """新笔录, another saved record or another case would replace the record being typed:
    the mediator is asked first; 否 keeps it on screen, 是 gives it up (and its draft)."""
    m = actor(db, "tiaojie")
    with db.write() as s:
        mediation.open_case(s, m, neighbours(db))
        mediation.open_case(s, m, neighbours(db))
    w, tab = _first_case_open(qtbot, db, m, cases=2)
    shown = tab.current
    tab.pages.setCurrentIndex(1)
    ime_type(tab.record.place, "中心一楼调解室")
    tab.record.result.setPlainText("双方同意再约时间")  # typed, not saved
    asked, answers = [], [QMessageBox.StandardButton.No]
    monkeypatch.setattr(
        QMessageBox, "question", lambda _p, title, *_a: asked.append(title) or answers[-1]
    )
    qtbot.mouseClick(tab.record_page.new_button, Qt.MouseButton.LeftButton)
    assert asked == ["调解案件"] and tab.record.result.toPlainText() == "双方同意再约时间"
    tab.table.selectRow(1)  # another case: 否 stays on this one, its row selected again
    w.ctx.worker.wait()
    assert len(asked) == 2 and tab.current == shown
    assert [i.row() for i in tab.table.selectionModel().selectedRows()] == [0]
    assert tab.record.place.text() == "中心一楼调解室"
    answers.append(QMessageBox.StandardButton.Yes)  # 是: given up, the draft with it
    tab.table.selectRow(1)
    qtbot.waitUntil(lambda: tab.current not in (None, shown), timeout=5000)
    assert len(asked) == 3 and tab.record.place.text() == ""
    w.ctx.worker.wait()
    assert w.ctx.drafts.load("tiaojie", "case-record-general") is None
    tab.table.selectRow(0)  # nothing typed now: no question
    qtbot.waitUntil(lambda: tab.current == shown, timeout=5000)
    assert len(asked) == 3
    w.ctx.worker.wait()


def test_restoring_an_old_draft_over_new_typing_asks_first(qtbot, db, monkeypatch):
    """The bar offers last time's record; the mediator has meanwhile typed a new one. 恢复草稿
    asks before replacing it: 否 keeps the new typing and the offer, 是 restores the old."""
    m = actor(db, "tiaojie")
    with db.write() as s:
        ref = mediation.open_case(s, m, neighbours(db))
    first = build_main_window(db, m)
    qtbot.addWidget(first)
    first.ctx.drafts.save(
        "tiaojie",
        "case-record-general",
        {
            "case": str(ref.id),
            "case_number": ref.number,
            "session": None,
            "editor": {**first.mediation_tab.record.raw_state(), "place": "上次的调解室"},
        },
    )
    second, tab = _first_case_open(qtbot, db, m)  # the next start
    assert tab.draft_bar.isVisibleTo(tab)
    ime_type(tab.record.place, "今天的调解室")
    answers = [QMessageBox.StandardButton.No]
    monkeypatch.setattr(QMessageBox, "question", lambda *_a: answers[-1])
    qtbot.mouseClick(tab.restore_draft_button, Qt.MouseButton.LeftButton)
    assert tab.record.place.text() == "今天的调解室" and tab.draft_bar.isVisibleTo(tab)
    answers.append(QMessageBox.StandardButton.Yes)
    qtbot.mouseClick(tab.restore_draft_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: tab.record.place.text() == "上次的调解室", timeout=5000)
    assert not tab.draft_bar.isVisibleTo(tab)
    second.ctx.worker.wait()
    first.ctx.worker.wait()


def test_new_case_after_looking_at_one_stays_a_new_case(qtbot, db):
    """新建案件 with a case open shows an empty new case, and the list no longer marks the
    old one; it does not jump back to the case that was open."""
    m = actor(db, "tiaojie")
    with db.write() as s:
        mediation.open_case(s, m, neighbours(db))
    w, tab = _first_case_open(qtbot, db, m)
    qtbot.mouseClick(tab.case_list.new_button, Qt.MouseButton.LeftButton)
    w.ctx.worker.wait()
    qtbot.wait(50)  # anything queued back from the worker has arrived
    assert tab.current is None and tab.header.text() == "新案件（未保存）"
    assert tab.table.selectionModel().selectedRows() == []
    tab.table.selectRow(0)  # and the case opens again when chosen
    qtbot.waitUntil(lambda: tab.current is not None, timeout=5000)
    w.ctx.worker.wait()


def test_confirmation_follow_up_archive_and_the_case_file(qtbot, db, monkeypatch):
    from datetime import timedelta

    from PySide6.QtWidgets import QAbstractSpinBox, QInputDialog, QLineEdit

    from app.services.rooms.mediation import CaseMove
    from app.views.widgets import FormDialog
    from tests.services.test_mediation import terms

    m = actor(db, "tiaojie")
    start = clock.now().replace(microsecond=0) - timedelta(days=3)
    with db.write() as s:
        ref = mediation.open_case(s, m, neighbours(db), at=start)
        a = mediation.save_agreement(
            s, m, ref.id, terms(performance_deadline=clock.today() + timedelta(days=5))
        )
        mediation.sign_agreement(s, m, a.id, clock.today() - timedelta(days=2))

    def accept_with(values):
        def open_(dialog):  # type into the dialog's text fields as a person would, press OK
            edits = [
                e
                for e in dialog.findChildren(QLineEdit)
                if not isinstance(e.parent(), QAbstractSpinBox)  # a date field's own editor
            ]
            for edit, text in zip(edits, values, strict=False):
                edit.setText(text)
            qtbot.mouseClick(dialog.ok_button, Qt.MouseButton.LeftButton)

        return open_

    w, tab = _first_case_open(qtbot, db, m)
    page = tab.agreement_page
    assert (
        page.confirm_button.text() == "登记司法确认申请"
        and "还剩 28 天" in page.confirm_label.text()
    )
    monkeypatch.setattr(FormDialog, "open", accept_with(["乐清市人民法院"]))
    qtbot.mouseClick(page.confirm_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: page.confirm_button.text() == "登记法院裁定结果", timeout=5000)
    assert "向乐清市人民法院申请，待裁定" in page.confirm_label.text()
    monkeypatch.setattr(FormDialog, "open", accept_with([]))
    qtbot.mouseClick(page.confirm_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: "确认有效" in page.confirm_label.text(), timeout=5000)
    # A follow-up: the agreement is performed.
    followups = tab.followups_page
    monkeypatch.setattr(FormDialog, "open", accept_with(["王𠮷"]))
    qtbot.mouseClick(followups.record_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: followups.table.model().rowCount() == 1, timeout=5000)
    assert followups.table.model().index(0, 3).data() == "王𠮷"
    # Archive, then print the whole file.
    moves = tab.case_page.move_buttons
    monkeypatch.setattr(QInputDialog, "getItem", lambda *a, **k: ("长期", True))
    qtbot.waitUntil(lambda: moves[CaseMove.ARCHIVE].isEnabled(), timeout=5000)
    qtbot.mouseClick(moves[CaseMove.ARCHIVE], Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: tab.detail.status == CaseStatus.ARCHIVED, timeout=5000)
    assert not page.correct_button.isEnabled() and not tab.case_page.save_button.isEnabled()
    doc_buttons = tab.documents_page.buttons
    qtbot.mouseClick(doc_buttons[mediation.Document.CASEFILE], Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: tab.preview is not None and tab.preview.isVisible(), timeout=5000)
    text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(tab.preview.pdf)).pages)
    flat = text.replace("\n", "")
    for expected in (
        "人民调解卷宗",
        "卷 内 目 录",
        "人民调解协议书",
        "人民调解回访记录",
        "确认有效",
    ):
        assert expected in flat, expected
    w.ctx.worker.wait()


def test_no_list_header_is_clipped(qtbot, db, themed):
    """Every column of the case, party and counselling lists is at least as wide as its header
    text as the theme draws it (the headers read 受理日, 调解 when they were cut)."""
    for username in ("tiaojie", "zixun", "jiedai"):
        w = build_main_window(db, actor(db, username))
        qtbot.addWidget(w)
        w.resize(1440, 900)
        w.show()
        views = [
            v
            for v in w.findChildren(QTableView)
            if v.model() is not None and v.horizontalHeader().isVisible()
        ]
        assert views
        for view in views:
            header = view.horizontalHeader()
            for col in range(header.count()):
                if header.sectionResizeMode(col) == QHeaderView.ResizeMode.Stretch:
                    continue
                if col == header.count() - 1 and header.stretchLastSection():
                    continue
                title = view.model().headerData(col, Qt.Orientation.Horizontal)
                assert header.sectionSize(col) >= header.sectionSizeHint(col), (username, title)
        w.ctx.worker.wait()
