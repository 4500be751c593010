"""What a mediator types in a case — the case form, the record, the agreement — is not lost:
not to the program being killed, not to a write on another page showing the case again, not
to another case or a move that closes this one without being asked first."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QMessageBox, QPlainTextEdit

from app.gui import build_main_window
from app.models import AgreementKind, CaseStatus
from app.services.rooms import mediation
from app.services.rooms.mediation import AgreementInput, CaseMove
from app.views.mediation.parties import COL
from tests.conftest import actor
from tests.services.test_mediation import family, neighbours
from tests.views.test_mediation_tab import _first_case_open
from tests.views.test_reception_tab import ime_type

NAME = COL["姓名/名称"]


def _stored(window, form: str, part: str) -> dict:
    found = window.ctx.drafts.load("tiaojie", form)
    return found[1].get(part, {}) if found else {}


def _mediator_on_cases(qtbot, db, cases: int = 1):
    """The mediator's window on 矛盾调解 with ``cases`` neighbour cases, the first open:
    the mediator, the window, the tab and the cases."""
    m = actor(db, "tiaojie")
    with db.write() as s:
        refs = [mediation.open_case(s, m, neighbours(db)) for _ in range(cases)]
    w, tab = _first_case_open(qtbot, db, m, cases=cases)
    return m, w, tab, refs


def _record_typed(tab) -> None:
    """A record's place typed on the record page, not saved."""
    tab.pages.setCurrentIndex(1)
    ime_type(tab.record.place, "中心一楼调解室")


def _answering(monkeypatch, answers: list) -> list[str]:
    """QMessageBox.question answered with ``answers[-1]``; returns the texts asked."""
    asked: list[str] = []

    def question(_parent, _title, text, *_a):
        asked.append(text)
        return answers[-1]

    monkeypatch.setattr(QMessageBox, "question", question)
    return asked


def test_a_new_case_half_typed_survives_the_program_being_killed(qtbot, db):
    m = actor(db, "tiaojie")
    first = build_main_window(db, m)
    qtbot.addWidget(first)
    first.show()
    tab = first.mediation_tab
    first.tabs.setCurrentWidget(tab)
    form = tab.case_form
    qtbot.waitUntil(lambda: form.lead.count() > 1, timeout=5000)  # the mediators read
    ime_type(form.facts, "楼上卫生间漏水，楼下天花板发霉。")
    form.parties.item(0, NAME).setText("王𠮷")
    form.parties.item(1, NAME).setText("李四")
    qtbot.waitUntil(
        lambda: (
            _stored(first, "case-form-general", "form").get("facts")
            == "楼上卫生间漏水，楼下天花板发霉。"
        ),
        timeout=5000,
    )
    first.ctx.worker.wait()

    second = build_main_window(db, m)  # the next start
    qtbot.addWidget(second)
    second.show()
    tab2 = second.mediation_tab
    second.tabs.setCurrentWidget(tab2)
    bar = tab2.case_page.drafts.bar
    assert bar.isVisibleTo(tab2) and "未保存的案件信息（新案件）" in bar.label.text()
    assert not tab2.draft_bar.isVisibleTo(tab2)  # no record was typed
    qtbot.mouseClick(bar.restore_button, Qt.MouseButton.LeftButton)
    form2 = tab2.case_form
    assert form2.facts.toPlainText() == "楼上卫生间漏水，楼下天花板发霉。"
    assert [form2.parties.item(r, NAME).text() for r in (0, 1)] == ["王𠮷", "李四"]
    assert "已恢复案件信息草稿" in tab2.message.text()
    qtbot.waitUntil(lambda: form2.lead.currentData() == m.user_id, timeout=5000)
    qtbot.keyClick(form2.facts, Qt.Key.Key_S, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: tab2.detail is not None, timeout=5000)
    assert [p.name for p in tab2.detail.parties] == ["王𠮷", "李四"]
    second.ctx.worker.wait()
    assert second.ctx.drafts.load("tiaojie", "case-form-general") is None  # saved: gone
    second.close()  # the saved case on screen is no draft
    assert second.ctx.drafts.load("tiaojie", "case-form-general") is None
    first.ctx.worker.wait()


def test_an_agreement_half_typed_survives_the_program_being_killed(qtbot, db):
    m = actor(db, "tiaojie")
    with db.write() as s:
        ref = mediation.open_case(s, m, neighbours(db))
    first, tab = _first_case_open(qtbot, db, m)
    tab.pages.setCurrentIndex(2)
    ed = tab.agreement
    ime_type(ed.facts, "排水沟堵塞系被申请人堆放杂物所致。")
    qtbot.mouseClick(ed.term_buttons[0], Qt.MouseButton.LeftButton)  # 添加一项
    ed.terms.item(0, 0).setText("李四三日内清理杂物")
    qtbot.waitUntil(
        lambda: (
            _stored(first, "case-agreement-general", "editor").get("terms")
            == ["李四三日内清理杂物"]
        ),
        timeout=5000,
    )
    first.ctx.worker.wait()

    second = build_main_window(db, m)
    qtbot.addWidget(second)
    tab2 = second.mediation_tab
    bar = tab2.agreement_page.drafts.bar
    assert bar.isVisibleTo(tab2) and ref.number in bar.label.text()
    qtbot.mouseClick(bar.restore_button, Qt.MouseButton.LeftButton)
    ed2 = tab2.agreement
    qtbot.waitUntil(lambda: ed2.terms.rowCount() == 1, timeout=5000)
    assert tab2.current == ref.id and tab2.pages.currentIndex() == 2
    assert ed2.facts.toPlainText() == "排水沟堵塞系被申请人堆放杂物所致。"
    assert ed2.terms.item(0, 0).text() == "李四三日内清理杂物"
    qtbot.mouseClick(tab2.agreement_page.save_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: tab2.detail.current_agreement is not None, timeout=5000)
    second.ctx.worker.wait()
    assert second.ctx.drafts.load("tiaojie", "case-agreement-general") is None
    first.ctx.worker.wait()


def test_saving_the_record_keeps_what_is_typed_on_the_other_pages(qtbot, db):
    """A write shows the case again: the case form and the agreement keep their typing."""
    m, w, tab, _refs = _mediator_on_cases(qtbot, db)
    ime_type(tab.case_form.referred_by, "白石派出所")
    tab.pages.setCurrentIndex(2)
    ime_type(tab.agreement.facts, "排水沟堵塞系被申请人堆放杂物所致。")
    _record_typed(tab)
    qtbot.mouseClick(tab.record_page.save_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: tab.detail.status == CaseStatus.MEDIATING, timeout=5000)
    w.ctx.worker.wait()
    qtbot.wait(50)  # anything queued back from the worker has arrived
    assert tab.case_form.referred_by.text() == "白石派出所"
    assert tab.agreement.facts.toPlainText() == "排水沟堵塞系被申请人堆放杂物所致。"
    assert tab.case_page.drafts.dirty() and tab.agreement_page.drafts.dirty()
    assert not tab.record_page.drafts.dirty()  # that one is saved
    # Saving the case form then keeps the agreement's typing still.
    tab.pages.setCurrentIndex(0)
    qtbot.mouseClick(tab.case_page.save_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: not tab.case_page.drafts.dirty(), timeout=5000)
    w.ctx.worker.wait()
    qtbot.wait(50)
    assert tab.agreement.facts.toPlainText() == "排水沟堵塞系被申请人堆放杂物所致。"
    with db.read() as s:
        assert mediation.case_input(s, m, tab.current).referred_by == "白石派出所"
    w.ctx.worker.wait()


def test_another_case_asks_before_the_typing_on_any_page_goes(qtbot, db, monkeypatch):
    m, w, tab, _refs = _mediator_on_cases(qtbot, db, cases=2)
    shown = tab.current
    ime_type(tab.case_form.referred_by, "白石派出所")
    tab.pages.setCurrentIndex(2)
    ime_type(tab.agreement.method, "现金当面付清")
    answers = [QMessageBox.StandardButton.No]
    asked = _answering(monkeypatch, answers)
    tab.table.selectRow(1)
    w.ctx.worker.wait()
    assert len(asked) == 1 and asked[0].startswith("案件信息、调解协议还没有保存")
    assert tab.current == shown and tab.case_form.referred_by.text() == "白石派出所"
    assert [i.row() for i in tab.table.selectionModel().selectedRows()] == [0]
    qtbot.mouseClick(tab.case_list.new_button, Qt.MouseButton.LeftButton)  # 新建案件 too
    assert len(asked) == 2 and tab.current == shown
    answers.append(QMessageBox.StandardButton.Yes)  # 是: given up, with the drafts
    tab.table.selectRow(1)
    qtbot.waitUntil(lambda: tab.current not in (None, shown), timeout=5000)
    assert tab.case_form.referred_by.text() == "" and tab.agreement.method.text() == ""
    w.ctx.worker.wait()
    for form in ("case-form-general", "case-agreement-general"):
        assert w.ctx.drafts.load("tiaojie", form) is None
    tab.table.selectRow(0)  # nothing typed now: no question
    qtbot.waitUntil(lambda: tab.current == shown, timeout=5000)
    assert len(asked) == 3
    w.ctx.worker.wait()


def test_a_move_that_closes_the_case_asks_about_an_unsaved_record_first(qtbot, db, monkeypatch):
    m, w, tab, _refs = _mediator_on_cases(qtbot, db)
    _record_typed(tab)
    answers = [QMessageBox.StandardButton.No]
    asked = _answering(monkeypatch, answers)
    terminate = tab.case_page.move_buttons[CaseMove.TERMINATE]
    qtbot.mouseClick(terminate, Qt.MouseButton.LeftButton)
    assert len(asked) == 1 and "终止调解后就不能再修改了" in asked[0]
    assert tab.dialog is None and tab.record_page.drafts.dirty()  # 否: nothing done
    answers.append(QMessageBox.StandardButton.Yes)
    qtbot.mouseClick(terminate, Qt.MouseButton.LeftButton)
    dlg = tab.dialog
    assert dlg is not None and dlg.isVisible() and dlg.windowTitle() == "终止调解"
    qtbot.mouseClick(dlg.ok_button, Qt.MouseButton.LeftButton)  # no reason: refused in it
    qtbot.waitUntil(lambda: "终止调解的原因" in dlg.fields["reason"].error.text(), timeout=5000)
    (reason,) = dlg.findChildren(QPlainTextEdit)
    ime_type(reason, "申请人撤回调解申请")
    qtbot.mouseClick(dlg.ok_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: tab.detail.status == CaseStatus.TERMINATED, timeout=5000)
    w.ctx.worker.wait()
    assert w.ctx.drafts.load("tiaojie", "case-record-general") is None


def test_a_write_finishing_after_the_mediator_moved_on_does_not_pull_them_back(qtbot, db):
    m, w, tab, _refs = _mediator_on_cases(qtbot, db, cases=2)
    first = tab.current
    # 保存案件, and at once the next case: its screen is read after the save.
    qtbot.mouseClick(tab.case_page.save_button, Qt.MouseButton.LeftButton)
    tab.table.selectRow(1)
    qtbot.waitUntil(lambda: tab.current not in (None, first), timeout=5000)
    other = tab.current
    w.ctx.worker.wait()
    qtbot.wait(100)  # the save's outcome, and anything it queued, has arrived
    w.ctx.worker.wait()
    qtbot.wait(50)
    assert tab.current == other and tab.detail.id == other
    assert [i.row() for i in tab.table.selectionModel().selectedRows()] == [1]
    assert "已保存" in tab.message.text()


def test_minors_typed_in_a_family_case_stay_until_saved_and_are_asked_about(qtbot, db, monkeypatch):
    """Minors are not written to a draft file (only the case's mediators see them), but a
    write elsewhere does not wipe them and another case does not replace them unasked."""
    m = actor(db, "tiaojie")
    with db.write() as s:
        mediation.open_case(s, m, family(db))
        mediation.open_case(s, m, family(db))
    w = build_main_window(db, m)
    qtbot.addWidget(w)
    w.show()
    tab = w.family_tab
    w.tabs.setCurrentWidget(tab)
    qtbot.waitUntil(lambda: tab.model.rowCount() == 2, timeout=5000)
    tab.table.selectRow(0)
    qtbot.waitUntil(lambda: tab.detail is not None, timeout=5000)
    shown, page = tab.current, tab.family_page
    qtbot.mouseClick(page.add_minor_button, Qt.MouseButton.LeftButton)
    page.minors.item(0, 0).setText("钱小宝")
    qtbot.keyClick(tab.case_form.facts, Qt.Key.Key_S, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: "已保存" in tab.message.text(), timeout=5000)
    w.ctx.worker.wait()
    qtbot.wait(50)
    assert page.minors.rowCount() == 1 and page.minors.item(0, 0).text() == "钱小宝"
    answers = [QMessageBox.StandardButton.No]
    asked = _answering(monkeypatch, answers)
    tab.table.selectRow(1)
    w.ctx.worker.wait()
    assert len(asked) == 1 and asked[0].startswith("未成年人信息还没有保存")
    assert tab.current == shown
    w.save_drafts()  # as closing the program does: every form's typing to its draft file
    folder = w.ctx.drafts.folder
    assert not folder.exists() or all("minors" not in f.name for f in folder.iterdir())
    qtbot.mouseClick(page.save_minors_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: "未成年人信息已保存" in tab.message.text(), timeout=5000)
    tab.table.selectRow(1)  # saved: no question
    qtbot.waitUntil(lambda: tab.current not in (None, shown), timeout=5000)
    assert len(asked) == 1
    w.ctx.worker.wait()


def _new_case_typed(tab, facts: str, names: tuple[str, str]) -> None:
    form = tab.case_form
    ime_type(form.facts, facts)
    for r, name in enumerate(names):
        form.parties.item(r, NAME).setText(name)


def test_a_new_case_started_while_the_last_one_is_saving_stays_new(qtbot, db, monkeypatch):
    """立案 (Ctrl+S) and at once 新建案件: the first case is saved, the tab stays on the new
    one, and what is typed there becomes a case of its own."""
    m, w, tab, _refs = _mediator_on_cases(qtbot, db)
    qtbot.mouseClick(tab.case_list.new_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: tab.case_form.lead.currentData() == m.user_id, timeout=5000)
    _new_case_typed(tab, "甲：楼上漏水。", ("王𠮷", "李四"))
    asked = _answering(monkeypatch, [QMessageBox.StandardButton.Yes])
    qtbot.keyClick(tab.case_form.facts, Qt.Key.Key_S, Qt.KeyboardModifier.ControlModifier)
    qtbot.mouseClick(tab.case_list.new_button, Qt.MouseButton.LeftButton)  # still saving
    _new_case_typed(tab, "乙：宅基地边界。", ("赵五", "钱六"))
    w.ctx.worker.wait()
    qtbot.wait(50)
    w.ctx.worker.wait()
    qtbot.wait(50)
    assert len(asked) == 1  # the first case was still unsaved when 新建案件 was clicked
    assert tab.current is None and tab.header.text() == "新案件（未保存）"
    assert tab.case_form.facts.toPlainText() == "乙：宅基地边界。"
    qtbot.keyClick(tab.case_form.facts, Qt.Key.Key_S, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: tab.detail is not None, timeout=5000)
    with db.read() as s:
        cases = mediation.list_cases(s, m, tab.room)
        facts = {mediation.case_input(s, m, c.id).facts for c in cases}
    assert len(cases) == 3 and {"甲：楼上漏水。", "乙：宅基地边界。"} <= facts
    assert len(asked) == 1
    w.ctx.worker.wait()


def test_after_opening_a_case_another_case_is_chosen_without_a_question(qtbot, db, monkeypatch):
    """The case looked at before 新建案件 has an agreement; the new case has none, which is
    not typing on its agreement page."""
    m = actor(db, "tiaojie")
    with db.write() as s:
        ref = mediation.open_case(s, m, neighbours(db))
        terms = ["李四三日内清理杂物"]
        agreement = AgreementInput(AgreementKind.WRITTEN, "排水沟堵塞。", terms)
        mediation.save_agreement(s, m, ref.id, agreement)
    w, tab = _first_case_open(qtbot, db, m)
    first = tab.current
    qtbot.mouseClick(tab.case_list.new_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: tab.case_form.lead.currentData() == m.user_id, timeout=5000)
    _new_case_typed(tab, "楼上漏水。", ("王𠮷", "李四"))
    qtbot.keyClick(tab.case_form.facts, Qt.Key.Key_S, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: tab.detail is not None, timeout=5000)
    qtbot.waitUntil(lambda: tab.model.rowCount() == 2, timeout=5000)
    w.ctx.worker.wait()
    asked = _answering(monkeypatch, [QMessageBox.StandardButton.No])
    row = next(r for r, c in enumerate(tab.model.rows) if c.id == first)
    tab.table.selectRow(row)
    qtbot.waitUntil(lambda: tab.current == first, timeout=5000)
    assert asked == []
    w.ctx.worker.wait()


def test_giving_up_for_a_move_then_cancelling_it_keeps_the_typing(qtbot, db, monkeypatch):
    m, w, tab, _refs = _mediator_on_cases(qtbot, db)
    _record_typed(tab)
    qtbot.waitUntil(
        lambda: _stored(w, "case-record-general", "editor").get("place") == "中心一楼调解室",
        timeout=5000,
    )
    _answering(monkeypatch, [QMessageBox.StandardButton.Yes])
    qtbot.mouseClick(tab.case_page.move_buttons[CaseMove.TERMINATE], Qt.MouseButton.LeftButton)
    dlg = tab.dialog
    qtbot.mouseClick(
        dlg.buttons.button(dlg.buttons.StandardButton.Cancel), Qt.MouseButton.LeftButton
    )
    assert not dlg.isVisible()
    w.ctx.worker.wait()
    assert tab.detail.status == CaseStatus.ACCEPTED
    assert tab.record_page.drafts.dirty() and tab.record.place.text() == "中心一楼调解室"
    assert _stored(w, "case-record-general", "editor").get("place") == "中心一楼调解室"
