"""账户 → 修改密码, as the user at the window would do it."""

from __future__ import annotations

from PySide6.QtCore import Qt

from app.core.ops import op
from app.gui import build_main_window
from app.services.security import auth
from tests.conftest import STAFF_PASSWORD, actor

NEW = "Window#2027pw"


def retype(qtbot, field, text: str) -> None:
    field.clear()
    qtbot.keyClicks(field, text)


def test_a_user_changes_their_own_password_from_the_account_menu(qtbot, db):
    w = build_main_window(db, actor(db, "jiedai"))
    qtbot.addWidget(w)
    w.show()
    qtbot.waitExposed(w)
    menu = next(a.menu() for a in w.menuBar().actions() if a.text() == "账户(&U)")
    assert "修改密码…" in [a.text() for a in menu.actions()]
    w.change_password_action.trigger()
    dlg = w.change_password_dialog
    qtbot.waitExposed(dlg)

    def ok():
        qtbot.mouseClick(dlg.ok_button, Qt.MouseButton.LeftButton)

    retype(qtbot, dlg.old_password, STAFF_PASSWORD)
    retype(qtbot, dlg.new_password, NEW)
    retype(qtbot, dlg.repeat, NEW + "x")
    ok()
    assert "两次输入的新密码不一致" in dlg.message.text() and dlg.isVisible()

    retype(qtbot, dlg.old_password, "not-my-password")
    retype(qtbot, dlg.repeat, NEW)
    ok()
    qtbot.waitUntil(lambda: "原密码不正确" in dlg.message.text(), timeout=5000)
    assert dlg.isVisible() and dlg.new_password.text() == NEW  # typing kept

    retype(qtbot, dlg.old_password, STAFF_PASSWORD)
    retype(qtbot, dlg.new_password, "short")
    retype(qtbot, dlg.repeat, "short")
    ok()
    qtbot.waitUntil(lambda: "密码至少要" in dlg.message.text(), timeout=5000)
    assert dlg.isVisible()

    retype(qtbot, dlg.new_password, NEW)
    retype(qtbot, dlg.repeat, NEW)
    with qtbot.waitSignal(dlg.accepted, timeout=5000):
        ok()
    assert w.statusBar().currentMessage() == "密码已修改。"
    result = db.run(op(auth.login, "jiedai", NEW, "A")).value
    assert result.actor is not None and result.actor.username == "jiedai"
    w.ctx.worker.wait()
