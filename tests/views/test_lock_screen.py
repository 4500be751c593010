"""The lock screen: it says when the account is locked and for how long (as the log-in dialog
does), never answers the right password with "密码不正确", and offers 切换用户 — a safe log-out
that keeps the typed drafts — so a colleague at a shared window can sign in."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication

from app.gui import build_main_window
from app.services.security.auth import login
from tests.conftest import STAFF_PASSWORD, actor
from tests.views.test_reception_tab import ime_type


@pytest.fixture
def window(qtbot, db):
    w = build_main_window(db, actor(db, "jiedai"))
    qtbot.addWidget(w)
    w.show()
    qtbot.waitExposed(w)
    yield w
    w.ctx.worker.wait()


def type_password(qtbot, window, password: str) -> str:
    page = window.lock_page
    page.password.clear()
    page.message.clear()
    qtbot.keyClicks(page.password, password)
    qtbot.keyClick(page.password, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: bool(page.message.text()) or not window.locked, timeout=5000)
    return page.message.text()


def test_after_five_wrong_tries_the_lock_screen_says_locked_not_wrong_password(qtbot, db, window):
    window.lock()
    said = [type_password(qtbot, window, "wrong-password") for _ in range(5)]
    assert "还可再试" in said[0]
    assert "已锁定" in said[-1] and "分钟" in said[-1]
    assert window.lock_page.message.level == "error"
    # the right password, while the account is locked: the message says why, with the time
    answer = type_password(qtbot, window, STAFF_PASSWORD)
    assert window.locked
    assert "密码不正确" not in answer and "已锁定" in answer and "分钟后再试" in answer
    # the menu is not left disabled: 切换用户 and 退出程序 stay open, 锁定终端 does not
    assert window.menuBar().isEnabled()
    assert window.switch_action.isEnabled() and not window.lock_action.isEnabled()
    # a colleague at the same window: 切换用户, then signs in with their own account
    logged_out = []
    window.logout_requested.connect(lambda: logged_out.append(True))
    qtbot.mouseClick(window.lock_page.switch_button, Qt.MouseButton.LeftButton)
    assert logged_out == [True]
    with db.write() as s:
        assert login(s, "zhuren", STAFF_PASSWORD).actor is not None


def test_switch_user_keeps_the_typed_draft(qtbot, db, window):
    tab = window.reception
    ime_type(tab.form.visitors[0].name, "赵六")
    ime_type(tab.form.summary, "邻里噪音纠纷")
    window.lock()
    window.logout_requested.connect(window.close)  # as the program does
    qtbot.mouseClick(window.lock_page.switch_button, Qt.MouseButton.LeftButton)
    assert not window.isVisible()
    found = window.ctx.drafts.load("jiedai", tab.DRAFT_FORM)
    assert found is not None and "赵六" in str(found[1])
    # the same user signs in again: the draft is offered
    again = build_main_window(db, actor(db, "jiedai"))
    qtbot.addWidget(again)
    again.show()
    qtbot.waitUntil(lambda: again.reception.drafts.bar.isVisible(), timeout=5000)


def test_unlock_makes_the_window_active_with_the_focus_where_it_was(qtbot, window):
    tab = window.reception
    qtbot.waitUntil(lambda: QApplication.focusWidget() is tab.form.visitors[0].name, timeout=3000)
    tab.form.summary.setFocus()
    window.lock()
    assert window.locked and QApplication.focusWidget() is window.lock_page.password
    type_password(qtbot, window, STAFF_PASSWORD)
    assert not window.locked
    assert QApplication.activeWindow() is window
    assert QApplication.focusWidget() is tab.form.summary
    assert window.lock_action.isEnabled()


def test_after_log_in_the_focus_is_in_the_name_field(qtbot, window):
    qtbot.waitUntil(lambda: QApplication.activeWindow() is window, timeout=3000)
    name = window.reception.form.visitors[0].name
    qtbot.waitUntil(lambda: QApplication.focusWidget() is name, timeout=3000)


def test_the_lock_screen_asks_for_a_password_before_asking_the_database(qtbot, window):
    window.lock()
    qtbot.keyClick(window.lock_page.password, Qt.Key.Key_Return)
    assert window.lock_page.message.text() == "请输入密码。"
    assert window.lock_page.message.level == "warning"


def test_a_disabled_or_demoted_users_window_locks_and_cannot_be_unlocked(qtbot, db, window):
    """Issue 16 §3: the admin's change takes effect at once — the next check of the open
    window finds it, the window locks with the reason, and the old password does not open it."""
    from app.models import Role
    from app.services.security import auth

    admin = actor(db, "admin")
    jiedai = window.ctx.actor
    with db.write() as s:
        auth.set_role(s, admin, jiedai.user_id, Role.MEDIATOR)
    window.check_rights()  # the idle timer asks every half minute
    qtbot.waitUntil(lambda: window.locked, timeout=5000)
    assert "账号权限已变更，请重新登录" in window.lock_page.message.text()
    assert "账号权限已变更" in type_password(qtbot, window, STAFF_PASSWORD)
    assert window.locked
    # Given back the role, the user unlocks; the window holds the user as read now.
    with db.write() as s:
        auth.set_role(s, admin, jiedai.user_id, Role.RECEPTIONIST)
    type_password(qtbot, window, STAFF_PASSWORD)
    assert not window.locked


def test_a_refused_operation_locks_the_window(qtbot, db, window):
    from app.core.ops import op
    from app.services.reception import intake
    from app.services.security import auth

    with db.write() as s:
        auth.set_active(s, actor(db, "admin"), window.ctx.actor.user_id, False)
    errors = []
    window.ctx.worker.submit(op(intake.search, window.ctx.actor, ""), None, errors.append)
    qtbot.waitUntil(lambda: window.locked, timeout=5000)
    assert errors and "账号权限已变更" in str(errors[0])
    assert "账号权限已变更" in window.lock_page.message.text()
