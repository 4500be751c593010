"""The terminal lock and the dialogs of the window: out of sight while locked, back after."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLineEdit

from app.gui import build_main_window
from app.views.widgets import FormDialog
from tests.conftest import STAFF_PASSWORD, actor
from tests.views.test_reception_tab import ime_type


def _window(qtbot, db):
    w = build_main_window(db, actor(db, "zhuren"))
    qtbot.addWidget(w)
    w.show()
    return w


def _unlock(qtbot, w) -> None:
    w.lock_page.password.setFocus()
    qtbot.keyClicks(w.lock_page.password, STAFF_PASSWORD)
    qtbot.keyClick(w.lock_page.password, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: not w.locked, timeout=5000)


def test_a_dialog_opening_while_locked_waits_for_the_unlock(qtbot, db):
    """A preview or a form whose data arrives after the lock does not show over it."""
    w = _window(qtbot, db)
    w.lock()
    late = FormDialog("会议纪要预览", w)
    late.open()  # its PDF arrived now
    qtbot.waitUntil(lambda: not late.isVisible(), timeout=2000)
    qtbot.wait(20)
    assert not late.isVisible() and w.locked
    _unlock(qtbot, w)
    assert late.isVisible()
    w.ctx.worker.wait()


def test_a_dialog_finished_while_hidden_stays_closed(qtbot, db):
    """Its save was running at the lock and succeeded meanwhile: not shown again (a second
    确定 would save it twice); one still open comes back with its typing."""
    w = _window(qtbot, db)
    saved, pending = FormDialog("登记走访", w), FormDialog("登记检查", w)
    text = pending.row("检查情况", QLineEdit())
    for d in (saved, pending):
        d.open()
    ime_type(text, "消防通道畅通")
    w.lock()
    assert not saved.isVisible() and not pending.isVisible()
    saved.accept()  # what run_op does when the save succeeds
    _unlock(qtbot, w)
    assert not saved.isVisible()
    assert pending.isVisible() and text.text() == "消防通道畅通"
    w.ctx.worker.wait()
