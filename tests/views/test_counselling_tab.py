"""暖心工作室 tab: a counsellor writes a note, the terminal locks, unlocks, the note reads back."""

from __future__ import annotations

import io

from pypdf import PdfReader
from PySide6.QtCore import QPoint, Qt
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDateEdit,
    QDateTimeEdit,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
)

from app.core import clock
from app.gui import build_main_window
from app.models import ClientSource, RiskLevel, SessionForm, TargetGroup
from app.services.rooms import counselling
from app.services.rooms.counselling import ClientInput, SessionInput
from app.services.security import notes_keys
from app.views.widgets import DateEdit
from tests.conftest import STAFF_PASSWORD, actor
from tests.views.test_reception_tab import ime_type

NOTE = "她说想在春天带女儿回外婆家的橘子园"


def _center_with_client(db, admin):
    with db.write() as s:
        notes_keys.create_recovery_key(s, admin)
    c = actor(db, "zixun")
    with db.write() as s:
        key = notes_keys.unlock(s, c, STAFF_PASSWORD)
        cid = counselling.register_client(
            s,
            c,
            ClientInput(
                TargetGroup.SETBACK, ClientSource.SELF, pseudonym="小橘", use_pseudonym=True
            ),
        )
        counselling.record_session(
            s,
            c,
            key,
            SessionInput(
                cid, clock.today(), 50, SessionForm.INDIVIDUAL, RiskLevel.CRISIS, "有自伤计划"
            ),
        )
    key.drop()
    return cid


def _rows(view) -> int:
    return view.model().rowCount()


def _text(view, row: int, col: int) -> str:
    return view.model().index(row, col).data()


def _open_notes(qtbot, tab, password=STAFF_PASSWORD):
    qtbot.waitUntil(
        lambda: tab.unlock_button.isEnabled() and bool(tab.lock_message.text()), timeout=5000
    )
    tab.unlock_password.setFocus()
    qtbot.keyClicks(tab.unlock_password, password)
    qtbot.keyClick(tab.unlock_password, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: tab.notes_open and _rows(tab.client_table) == 1, timeout=10000)


def _select_first_session(qtbot, tab):
    tab.client_table.selectRow(0)
    qtbot.waitUntil(lambda: tab.current_session is not None and tab.notes.isEnabled(), timeout=5000)


def test_write_lock_unlock_and_read_back(qtbot, db, admin):
    _center_with_client(db, admin)
    w = build_main_window(db, actor(db, "zixun"))
    qtbot.addWidget(w)
    w.show()
    tab = w.counselling
    w.tabs.setCurrentWidget(tab)
    assert tab.stack.currentIndex() == 0  # locked until the password is given
    _open_notes(qtbot, tab)
    assert _text(tab.client_table, 0, 0) == "小橘（化名）"
    _select_first_session(qtbot, tab)
    tab.notes.setFocus()
    reloads = []
    w.ctx.bus.changed.connect(reloads.append)
    ime_type(tab.notes, NOTE)  # saves as it goes, after a short pause
    qtbot.waitUntil(lambda: tab.save_state.text().startswith("已加密保存"), timeout=5000)
    assert reloads == []  # the autosave refreshes no list under the counsellor's typing
    w.lock()
    assert w.locked and not tab.notes_open and tab.notes.toPlainText() == ""
    assert tab.stack.currentIndex() == 0 and _rows(tab.client_table) == 0
    w.ctx.worker.wait()
    if db.path is not None:  # SQLite: not in the file nor its WAL
        data = db.path.read_bytes() + db.path.with_name(db.path.name + "-wal").read_bytes()
        assert NOTE.encode() not in data
    qtbot.keyClicks(w.lock_page.password, STAFF_PASSWORD)
    qtbot.keyClick(w.lock_page.password, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: not w.locked, timeout=5000)
    qtbot.waitUntil(lambda: tab.notes_open and _rows(tab.client_table) == 1, timeout=10000)
    _select_first_session(qtbot, tab)
    assert tab.notes.toPlainText() == NOTE


def test_typing_then_locking_at_once_keeps_the_text(qtbot, db, admin):
    """The lock saves what was typed before it drops the key."""
    cid = _center_with_client(db, admin)
    w = build_main_window(db, actor(db, "zixun"))
    qtbot.addWidget(w)
    w.show()
    tab = w.counselling
    w.tabs.setCurrentWidget(tab)
    _open_notes(qtbot, tab)
    _select_first_session(qtbot, tab)
    tab.notes.setFocus()
    ime_type(tab.notes, NOTE)
    w.lock()  # before the autosave pause
    w.ctx.worker.wait()
    c = actor(db, "zixun")
    with db.write() as s:
        key = notes_keys.unlock(s, c, STAFF_PASSWORD)
        assert counselling.open_client(s, c, key, cid).sessions[0].notes == NOTE


def test_wrong_password_keeps_the_notes_locked(qtbot, db, admin):
    _center_with_client(db, admin)
    w = build_main_window(db, actor(db, "zixun"))
    qtbot.addWidget(w)
    w.show()
    tab = w.counselling
    w.tabs.setCurrentWidget(tab)
    qtbot.waitUntil(lambda: tab.unlock_button.isEnabled(), timeout=5000)
    qtbot.keyClicks(tab.unlock_password, "Wrong#2026pw")
    qtbot.keyClick(tab.unlock_password, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: "密码不正确" in tab.unlock_error.text(), timeout=5000)
    assert not tab.notes_open and tab.stack.currentIndex() == 0


def test_director_sees_the_alert_but_no_notes(qtbot, db, admin, qtmodeltester):
    _center_with_client(db, admin)
    w = build_main_window(db, actor(db, "zhuren"))
    qtbot.addWidget(w)
    w.show()
    tab = w.counselling
    w.tabs.setCurrentWidget(tab)
    qtbot.waitUntil(lambda: _rows(tab.alert_table) == 1, timeout=5000)
    row = [_text(tab.alert_table, 0, c) for c in range(5)]
    assert row[:2] == ["小橘（化名）", "危机"] and row[3] == "陈咨询"
    qtmodeltester.check(tab.alert_table.model())
    assert not tab.is_counsellor and not hasattr(tab, "notes")
    titles = [tab.pages.tabText(i) for i in range(tab.pages.count())]
    assert titles == ["风险预警（1）", "团体活动与宣传"]


def test_admin_has_no_counselling_tab(qtbot, db, admin):
    w = build_main_window(db, admin)
    qtbot.addWidget(w)
    assert w.counselling is None
    assert "暖心工作室" not in [w.tabs.tabText(i) for i in range(w.tabs.count())]


def test_new_session_and_referral_summary_from_the_tab(qtbot, db, admin):
    _center_with_client(db, admin)
    w = build_main_window(db, actor(db, "zixun"))
    qtbot.addWidget(w)
    w.show()
    tab = w.counselling
    w.tabs.setCurrentWidget(tab)
    _open_notes(qtbot, tab)
    _select_first_session(qtbot, tab)
    qtbot.mouseClick(tab.session_button, Qt.MouseButton.LeftButton)
    dlg = tab.dialog
    qtbot.waitUntil(dlg.isVisible)
    qtbot.mouseClick(dlg.buttons.button(dlg.buttons.StandardButton.Ok), Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: _rows(tab.session_table) == 2, timeout=5000)
    assert not dlg.isVisible()
    qtbot.mouseClick(tab.referral_button, Qt.MouseButton.LeftButton)
    dlg = tab.dialog
    fields = dlg.findChildren(QLineEdit)
    ime_type(fields[0], "乐清市第三人民医院心理科")
    ok = dlg.buttons.button(dlg.buttons.StandardButton.Ok)
    qtbot.mouseClick(ok, Qt.MouseButton.LeftButton)  # no consent recorded yet: refused
    qtbot.waitUntil(lambda: "同意" in dlg.message.text(), timeout=5000)
    consent = dlg.findChildren(QComboBox)[0]
    consent.setCurrentIndex(1)
    qtbot.mouseClick(ok, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: tab.preview is not None and tab.preview.isVisible(), timeout=5000)
    text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(tab.preview.pdf)).pages)
    assert "保密" in text and "书面同意" in text and "小橘" in text
    tab.preview.close()


def _counsellor_window(qtbot, db):
    w = build_main_window(db, actor(db, "zixun"))
    qtbot.addWidget(w)
    w.show()
    tab = w.counselling
    w.tabs.setCurrentWidget(tab)
    _open_notes(qtbot, tab)
    tab.client_table.selectRow(0)
    qtbot.waitUntil(lambda: tab.referral_button.isEnabled(), timeout=5000)
    return w, tab


def _write_note(db, text):
    c = actor(db, "zixun")
    with db.write() as s:
        key = notes_keys.unlock(s, c, STAFF_PASSWORD)
        (client,) = counselling.list_clients(s, c)
        sid = counselling.open_client(s, c, key, client.id).sessions[0].id
        counselling.save_notes(s, c, key, sid, text)
    key.drop()


def test_referral_sessions_are_check_boxes_and_notes_without_one_are_refused(qtbot, db, admin):
    _center_with_client(db, admin)
    _write_note(db, NOTE)
    w, tab = _counsellor_window(qtbot, db)
    qtbot.mouseClick(tab.referral_button, Qt.MouseButton.LeftButton)
    dlg = tab.dialog
    qtbot.waitUntil(dlg.isVisible)
    ime_type(dlg.findChildren(QLineEdit)[0], "乐清市第三人民医院心理科")
    dlg.findChildren(QComboBox)[0].setCurrentIndex(1)  # 书面同意
    ((box, _sid),) = tab.referral_boxes
    assert (
        isinstance(box, QCheckBox)
        and box.isVisible()
        and box.text().startswith(clock.today().isoformat())
    )
    include = tab.referral_include_notes
    qtbot.mouseClick(include, Qt.MouseButton.LeftButton, pos=QPoint(8, include.height() // 2))
    assert include.isChecked()
    ok = dlg.buttons.button(dlg.buttons.StandardButton.Ok)
    qtbot.mouseClick(ok, Qt.MouseButton.LeftButton)
    assert "还没有选择哪几次咨询" in dlg.message.text()
    assert dlg.isVisible() and tab.preview is None  # nothing printed, the typing kept
    qtbot.mouseClick(box, Qt.MouseButton.LeftButton, pos=QPoint(8, box.height() // 2))
    assert box.isChecked()
    qtbot.mouseClick(ok, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: tab.preview is not None and tab.preview.isVisible(), timeout=5000)
    text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(tab.preview.pdf)).pages)
    assert NOTE[:8] in text.replace("\n", "")
    tab.preview.close()
    w.ctx.worker.wait()


def test_counselling_dialogs_show_dates_as_2026_12_03(qtbot, db, admin, clock):
    clock.freeze("2027-01-05")
    _center_with_client(db, admin)
    w, tab = _counsellor_window(qtbot, db)
    qtbot.mouseClick(tab.session_button, Qt.MouseButton.LeftButton)
    dlg = tab.dialog
    qtbot.waitUntil(dlg.isVisible)
    (held,) = [e for e in dlg.findChildren(QDateEdit) if type(e) is DateEdit]
    (nxt,) = dlg.findChildren(QDateTimeEdit, options=Qt.FindChildOption.FindChildrenRecursively)[
        -1:
    ]
    assert held.text() == "2027-01-05" and nxt.text().startswith("2027-01-12 ")
    dlg.reject()
    qtbot.mouseClick(tab.referral_button, Qt.MouseButton.LeftButton)
    consent_on = [e for e in tab.dialog.findChildren(QDateEdit) if type(e) is DateEdit]
    assert [e.text() for e in consent_on] == ["2027-01-05"]
    tab.dialog.reject()
    w.ctx.worker.wait()


def test_a_crisis_clients_plan_proposes_the_next_working_day(qtbot, db, admin, clock):
    clock.freeze("2026-09-30")  # 国庆 follows: 10-01..10-07 off
    _center_with_client(db, admin)  # 危机
    w, tab = _counsellor_window(qtbot, db)
    qtbot.mouseClick(tab.plan_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: tab.dialog is not None and tab.dialog.isVisible(), timeout=5000)
    (first,) = [e for e in tab.dialog.findChildren(QDateEdit) if type(e) is DateEdit]
    assert first.text() == "2026-10-08"
    tab.dialog.reject()
    w.ctx.worker.wait()


def test_the_unlock_field_shows_a_long_password(qtbot, db, admin):
    _center_with_client(db, admin)
    w = build_main_window(db, actor(db, "zixun"))
    qtbot.addWidget(w)
    w.show()
    field = w.counselling.unlock_password
    assert field.width() >= field.fontMetrics().horizontalAdvance("●" * 20)
    w.ctx.worker.wait()


def test_the_director_is_alerted_at_log_in_and_sees_crisis_first_in_red(qtbot, db, admin, clock):
    clock.freeze("2026-11-25")
    _center_with_client(db, admin)  # 危机, seen on 11-25
    c = actor(db, "zixun")
    with db.write() as s:
        key = notes_keys.unlock(s, c, STAFF_PASSWORD)
        other = counselling.register_client(
            s, c, ClientInput(TargetGroup.OTHER, ClientSource.SELF, name="王某", phone="")
        )
        counselling.record_session(
            s,
            c,
            key,
            SessionInput(
                other, clock.today(), 50, SessionForm.INDIVIDUAL, RiskLevel.HIGH, "失眠加重"
            ),
        )
    key.drop()
    clock.freeze("2026-12-01")  # six days without contact: more than the 3 set
    w = build_main_window(db, actor(db, "zhuren"))
    qtbot.addWidget(w)
    w.show()
    qtbot.waitUntil(lambda: w.crisis_alert.isVisible(), timeout=5000)
    text = w.crisis_alert.text()
    assert "危机来访者已超过3天没有联系：小橘（化名）（上次联系6天前，陈咨询负责）" in text
    tab = w.counselling
    w.tabs.setCurrentWidget(tab)
    qtbot.waitUntil(lambda: _rows(tab.alert_table) == 2, timeout=5000)
    rows = [[_text(tab.alert_table, r, col) for col in range(5)] for r in range(2)]
    assert [r[1] for r in rows] == ["危机", "高"] and rows[0][4] == "6天前"
    model = tab.alert_table.model()
    red = model.index(0, 1).data(Qt.ItemDataRole.BackgroundRole)
    assert red is not None and model.index(1, 1).data(Qt.ItemDataRole.BackgroundRole) is None
    # The director raises the limit to 7 days: no alert at the next log-in.
    tab.contact_days.setValue(7)
    qtbot.keyClick(tab.contact_days, Qt.Key.Key_Return)
    (save,) = [b for b in tab.findChildren(QPushButton) if b.text() == "保存"]
    qtbot.mouseClick(save, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: "已保存" in tab.status.text(), timeout=5000)
    w.ctx.worker.wait()
    again = build_main_window(db, actor(db, "zhuren"))
    qtbot.addWidget(again)
    again.show()
    again.ctx.worker.wait()
    qtbot.wait(100)
    assert not again.crisis_alert.isVisible()
    again.ctx.worker.wait()


def test_notes_refused_then_left_for_another_session_are_not_lost(qtbot, db, admin):
    """Notes too long to save, and the counsellor moves to another session before the
    refusal comes back: they are not lost. Going back shows them, to be shortened; then
    they are saved."""
    cid = _center_with_client(db, admin)
    c = actor(db, "zixun")
    with db.write() as s:
        key = notes_keys.unlock(s, c, STAFF_PASSWORD)
        counselling.record_session(
            s,
            c,
            key,
            SessionInput(cid, clock.today(), 30, SessionForm.INDIVIDUAL, RiskLevel.LOW, ""),
        )
    key.drop()
    w, tab = _counsellor_window(qtbot, db)
    _select_first_session(qtbot, tab)
    first = tab.current_session
    too_long = NOTE + "。" * counselling.NOTES_MAX
    tab.notes.setFocus()
    ime_type(tab.notes, too_long)
    tab.session_table.selectRow(1)  # at once: the save is refused after the switch
    qtbot.waitUntil(lambda: "保存失败" in tab.save_state.text(), timeout=5000)
    assert tab.current_session != first and "内容没有丢失" in tab.save_state.text()
    tab.session_table.selectRow(0)
    qtbot.waitUntil(lambda: tab.current_session == first, timeout=5000)
    assert tab.notes.toPlainText() == too_long
    tab.notes.setPlainText(NOTE)  # shortened
    qtbot.waitUntil(lambda: tab.save_state.text().startswith("已加密保存"), timeout=5000)
    w.ctx.worker.wait()
    with db.write() as s:
        key = notes_keys.unlock(s, c, STAFF_PASSWORD)
        notes = {x.id: x.notes for x in counselling.open_client(s, c, key, cid).sessions}
    assert notes[first] == NOTE


def test_a_form_half_typed_at_the_lock_comes_back_after_it(qtbot, db, admin):
    """The terminal locks (idle) while 新咨询记录 is half typed: the dialog goes with the
    notes, and comes back with its typing once the counsellor unlocks; 确定 then saves."""
    cid = _center_with_client(db, admin)
    c = actor(db, "zixun")
    w, tab = _counsellor_window(qtbot, db)
    _select_first_session(qtbot, tab)
    qtbot.mouseClick(tab.session_button, Qt.MouseButton.LeftButton)
    dlg = tab.dialog
    (basis,) = dlg.findChildren(QPlainTextEdit)
    ime_type(basis, "近两周失眠，提到不想活了")
    w.lock()
    assert w.locked and not dlg.isVisible()
    w.ctx.worker.wait()
    qtbot.keyClicks(w.lock_page.password, STAFF_PASSWORD)
    qtbot.keyClick(w.lock_page.password, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: not w.locked and tab.notes_open, timeout=10000)
    qtbot.waitUntil(dlg.isVisible, timeout=5000)
    assert basis.toPlainText() == "近两周失眠，提到不想活了"
    qtbot.mouseClick(dlg.ok_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: not dlg.isVisible(), timeout=5000)
    w.ctx.worker.wait()
    with db.write() as s:
        key = notes_keys.unlock(s, c, STAFF_PASSWORD)
        sessions = counselling.open_client(s, c, key, cid).sessions
    assert "近两周失眠，提到不想活了" in [x.risk_basis for x in sessions]
