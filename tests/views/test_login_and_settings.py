"""First-run wizard, log-in dialog and the admin's user management, driven as a person would."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QPoint, Qt
from PySide6.QtWidgets import QDialog, QLabel, QPushButton, QTabWidget
from sqlalchemy import select

from app.core import clock
from app.db import open_database
from app.gui import build_main_window
from app.models import Role, User
from app.services.center import setup
from app.views.first_run_wizard import FirstRunWizard
from app.views.login_dialog import LoginDialog
from app.views.widgets import ID_ROLE
from app.views.worker import DbWorker
from tests.conftest import STAFF_PASSWORD


def test_first_run_wizard_sets_up_the_center(qtbot, tmp_path, clock):
    clock.set_clock("2028-03-01")
    db = open_database(tmp_path / "new.sqlite3")
    worker = DbWorker(db)
    wizard = FirstRunWizard(worker)
    qtbot.addWidget(wizard)
    wizard.show()
    wizard.center_name.setText("白石街道综治工作中心")
    qtbot.keyClicks(wizard.prefix, "bs")
    assert "BS2028-A-000001" in wizard.example.text()  # the current year, from the clock
    wizard.villages.setPlainText("白石村\n中雁村\n")
    qtbot.keyClicks(wizard.password, "Center#2026pw")
    qtbot.keyClicks(wizard.password2, "Center#2026px")
    wizard.finish()
    assert "不一致" in wizard.message.text()
    wizard.password2.clear()
    qtbot.keyClicks(wizard.password2, "Center#2026pw")
    with qtbot.waitSignal(wizard.accepted, timeout=5000):
        wizard.finish()
    with db.read() as s:
        assert setup.is_initialised(s)
        admin = s.scalar(select(User).where(User.username == "admin"))
        assert admin.role == Role.ADMIN


def test_login_dialog_counts_down_and_logs_in(qtbot, db):
    worker = DbWorker(db)
    dlg = LoginDialog(worker, "白石街道综治工作中心", "A")
    qtbot.addWidget(dlg)
    dlg.show()
    qtbot.keyClicks(dlg.username, "jiedai")
    qtbot.keyClick(dlg.username, Qt.Key.Key_Return)
    qtbot.keyClicks(dlg.password, "not-the-password")
    qtbot.keyClick(dlg.password, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: "还可再试 4 次" in dlg.message.text(), timeout=5000)
    dlg.password.clear()
    qtbot.keyClicks(dlg.password, STAFF_PASSWORD)
    with qtbot.waitSignal(dlg.accepted, timeout=5000):
        qtbot.keyClick(dlg.password, Qt.Key.Key_Return)
    assert dlg.actor.username == "jiedai" and dlg.result() == QDialog.DialogCode.Accepted


def test_login_dialog_lists_demo_accounts(qtbot, db):
    dlg = LoginDialog(DbWorker(db), "演示中心", "A", [("demo-reception", "Pw#12345", "接待员")])
    qtbot.addWidget(dlg)
    texts = " ".join(w.text() for w in dlg.findChildren(QLabel))
    assert "demo-reception" in texts and "Pw#12345" in texts


def test_roles_decide_the_tabs(qtbot, db, admin, receptionist):
    from tests.conftest import actor

    tabs = {}
    for who in (receptionist, admin, actor(db, "zixun")):
        w = build_main_window(db, who)
        qtbot.addWidget(w)
        tabs[who.username] = [w.tabs.tabText(i) for i in range(w.tabs.count())]
        w.ctx.worker.wait()
    assert tabs["jiedai"] == ["群众接待窗口", "事项办理", "会议纪要", "值班值守", "工作台账"]
    assert tabs["admin"] == ["系统设置"]
    assert tabs["zixun"] == ["会议纪要", "值班值守", "暖心工作室"]


def test_admin_adds_a_user_in_the_settings_tab(qtbot, db, admin):
    w = build_main_window(db, admin)
    qtbot.addWidget(w)
    w.show()
    panel = w.settings_tab.users
    qtbot.waitUntil(lambda: panel.table.model().rowCount() == 5, timeout=5000)

    panel.add_user()
    dialog = panel.user_dialog
    assert dialog.isVisible()
    dialog.username.setText("tiaojie")  # taken: refused in the dialog, the typing kept
    dialog.display_name.setText("小王")
    dialog.role.setCurrentIndex(dialog.role.findData(Role.MEDIATOR))
    dialog.password.setText("Tiaojie#2026")
    dialog.password2.setText("Tiaojie#2027")
    qtbot.mouseClick(dialog.ok_button, Qt.MouseButton.LeftButton)
    assert "两次输入的密码不一致" in dialog.fields["password2"].error.text()
    dialog.password2.setText("Tiaojie#2026")
    qtbot.mouseClick(dialog.ok_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: "已存在" in dialog.fields["username"].error.text(), timeout=5000)
    assert dialog.isVisible() and dialog.display_name.text() == "小王"
    dialog.username.setText("xiaowang")
    qtbot.mouseClick(dialog.ok_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: panel.table.model().rowCount() == 6, timeout=5000)
    assert "已新增用户 xiaowang" in panel.message.text()
    with db.read() as s:
        assert s.scalar(select(User.role).where(User.username == "xiaowang")) == Role.MEDIATOR
    w.ctx.worker.wait()


def button(panel, text: str) -> QPushButton:
    return next(b for b in panel.findChildren(QPushButton) if b.text() == text)


def click_row(qtbot, view, row: int) -> None:
    cell = view.visualRect(view.model().index(row, 1)).center()
    qtbot.mouseClick(view.viewport(), Qt.MouseButton.LeftButton, pos=cell)


def test_admin_disables_and_unlocks_the_user_chosen_in_the_list(qtbot, qtmodeltester, db, admin):
    w = build_main_window(db, admin)
    qtbot.addWidget(w)
    w.show()
    qtbot.waitExposed(w)
    panel = w.settings_tab.users
    model = panel.table.model()
    qtbot.waitUntil(lambda: model.rowCount() == 5, timeout=5000)
    qtmodeltester.check(model)
    names = [model.index(r, 0).data() for r in range(model.rowCount())]
    assert "tiaojie" in names and "jiedai" in names

    # Nothing chosen yet: the panel says so and changes nobody.
    qtbot.mouseClick(button(panel, "停用/启用"), Qt.MouseButton.LeftButton)
    assert panel.message.text() == "请先在列表中选择一位用户。"

    row = names.index("tiaojie")
    click_row(qtbot, panel.table, row)
    qtbot.mouseClick(button(panel, "停用/启用"), Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: panel.message.text() == "已停用 tiaojie。", timeout=5000)
    qtbot.waitUntil(lambda: model.index(row, 3).data() == "已停用", timeout=5000)
    with db.read() as s:
        assert s.scalar(select(User.active).where(User.username == "tiaojie")) is False
    # The same user stays chosen after the list reloads: the button now enables them again.
    assert panel.table.current_id() == model.index(row, 0).data(ID_ROLE)
    qtbot.mouseClick(button(panel, "停用/启用"), Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: panel.message.text() == "已启用 tiaojie。", timeout=5000)
    qtbot.waitUntil(lambda: model.index(row, 3).data() == "正常", timeout=5000)

    # The keyboard moves the choice: the next user down is the one unlocked.
    panel.table.setFocus()
    qtbot.keyClick(panel.table, Qt.Key.Key_Down)
    below = names[row + 1]  # the list is in user-name order: tiaojie, then zhuren
    assert panel.table.current_id() == model.index(row + 1, 0).data(ID_ROLE)
    qtbot.mouseClick(button(panel, "解除锁定"), Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: panel.message.text() == f"已解除 {below} 的锁定。", timeout=5000)
    qtmodeltester.check(model)
    w.ctx.worker.wait()


def test_admin_enters_and_removes_a_holiday(qtbot, qtmodeltester, db, admin):
    from PySide6.QtCore import QDate

    w = build_main_window(db, admin)
    qtbot.addWidget(w)
    w.show()
    qtbot.waitExposed(w)
    w.settings_tab.findChild(QTabWidget).setCurrentWidget(w.settings_tab.calendar)
    panel = w.settings_tab.calendar
    model = panel.table.model()
    panel.year.setValue(2099)
    qtbot.waitUntil(lambda: "2099 年节假日尚未录入" in panel.state.text(), timeout=5000)
    assert model.rowCount() == 0
    qtbot.mouseClick(button(panel, "删除所选"), Qt.MouseButton.LeftButton)
    assert panel.message.text() == "请先在列表中选择要删除的日期。"

    for day, name in ((QDate(2099, 1, 1), "元旦"), (QDate(2099, 1, 2), "元旦")):
        panel.day.setDate(day)
        panel.name.setText(name)
        qtbot.mouseClick(button(panel, "添加/修改"), Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: model.rowCount() == 2, timeout=5000)
    qtmodeltester.check(model)
    assert [model.index(0, c).data() for c in range(3)] == ["2099-01-01", "法定节假日", "元旦"]
    assert panel.message.text() == "已保存 2099-01-02。"

    click_row(qtbot, panel.table, 1)
    qtbot.mouseClick(button(panel, "删除所选"), Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: model.rowCount() == 1, timeout=5000)
    assert panel.message.text() == "已删除 2099-01-02。"
    assert model.index(0, 0).data() == "2099-01-01"
    qtmodeltester.check(model)
    w.ctx.worker.wait()


def test_admin_shortens_the_idle_lock(qtbot, db, admin):
    from app.services.center.settings import load_settings

    w = build_main_window(db, admin)
    qtbot.addWidget(w)
    panel = w.settings_tab.security
    panel.idle.setValue(2)
    panel.save()
    qtbot.waitUntil(lambda: panel.message.text() == "已保存。", timeout=5000)
    assert w.ctx.settings.idle_lock_minutes == 2
    with db.read() as s:
        assert load_settings(s).idle_lock_minutes == 2
    w.idle.last -= 150
    w._check_idle()
    assert w.locked
    w.ctx.worker.wait()


def test_admin_keeps_fewer_daily_backups_and_sets_the_reminder_limits(qtbot, db, admin):
    from app.services.center.settings import load_settings

    w = build_main_window(db, admin)
    qtbot.addWidget(w)
    panel = w.settings_tab.security
    assert (panel.keep_daily.value(), panel.keep_weekly.value()) == (7, 4)
    assert panel.keep_monthly.value() == 12
    assert panel.exchange_counselling.isChecked() is False  # the other controls stay
    assert (panel.first_report.value(), panel.upper_reply.value()) == (30, 15)
    panel.keep_daily.setValue(3)
    panel.keep_monthly.setValue(24)
    # The reminder limits are the center's own: typed over like a person would.
    panel.upper_reply.lineEdit().selectAll()
    qtbot.keyClicks(panel.upper_reply, "10")
    panel.first_report.setValue(60)
    panel.save()
    qtbot.waitUntil(lambda: panel.message.text() == "已保存。", timeout=5000)
    assert w.ctx.settings.backup_keep_daily == 3
    with db.read() as s:
        saved = load_settings(s)
    assert (saved.backup_keep_daily, saved.backup_keep_weekly) == (3, 4)
    assert saved.backup_keep_monthly == 24
    assert (saved.upper_reply_days, saved.emergency_first_report_minutes) == (10, 60)
    w.ctx.worker.wait()


def test_director_sets_an_ab_post_and_an_absence(qtbot, qtmodeltester, db):
    from datetime import timedelta

    from PySide6.QtCore import QDate

    from app.services.reception import posts
    from app.views.combos import find_data
    from tests.conftest import actor

    director = actor(db, "zhuren")
    w = build_main_window(db, director)
    qtbot.addWidget(w)
    panel = w.settings_tab.posts
    a, b = actor(db, "jiedai").user_id, actor(db, "tiaojie").user_id
    panel.post_name.setText("综合受理窗口")
    panel.a_user.setCurrentIndex(find_data(panel.a_user, a))
    panel.b_user.setCurrentIndex(find_data(panel.b_user, b))
    panel.save_post()
    qtbot.waitUntil(lambda: panel.posts.model().rowCount() == 1, timeout=5000)
    qtmodeltester.check(panel.posts.model())
    post = [panel.posts.model().index(0, c).data() for c in range(3)]
    assert post == ["综合受理窗口", "李接待", "王调解"]
    panel.absent_user.setCurrentIndex(find_data(panel.absent_user, a))
    start = clock.today() + timedelta(days=30)  # a leave to come, in whatever year this runs
    panel.starts.setDate(QDate(start))
    panel.ends.setDate(QDate(start - timedelta(days=2)))
    panel.reason.setText("年假")
    panel.add_absence()
    qtbot.waitUntil(lambda: "结束日期不能早于开始日期" in panel.message.text(), timeout=5000)
    panel.ends.setDate(QDate(start + timedelta(days=2)))
    panel.add_absence()
    qtbot.waitUntil(lambda: panel.absences.model().rowCount() == 1, timeout=5000)
    qtmodeltester.check(panel.absences.model())
    absence = [panel.absences.model().index(0, c).data() for c in range(4)]
    assert absence == ["李接待", f"{start}", f"{start + timedelta(days=2)}", "年假"]
    with db.read() as s:
        assert posts.cover_for(s, a, start + timedelta(days=1)) == b
    panel.leader_day.setDate(QDate(clock.today()).addDays(3))
    panel.leader_place.setText("接待室")
    panel.add_leader_day()
    qtbot.waitUntil(lambda: "周主任（接待室）" in panel.leader_days.text(), timeout=5000)
    w.ctx.worker.wait()


def test_admin_switches_the_notes_cipher_to_sm4(qtbot, db, admin):
    from app.services.center.settings import load_settings

    w = build_main_window(db, admin)
    qtbot.addWidget(w)
    w.show()
    w.settings_tab.findChild(QTabWidget).setCurrentWidget(w.settings_tab.security)
    panel = w.settings_tab.security
    assert panel.notes_algorithm.currentData() == "AES-256-GCM"
    panel.notes_algorithm.setCurrentIndex(panel.notes_algorithm.findData("SM4-GCM"))
    assert not panel.exchange_counselling.isChecked()  # off until the center decides
    box = panel.exchange_counselling  # clicked on its box, at the left of the wide row
    qtbot.mouseClick(box, Qt.MouseButton.LeftButton, pos=QPoint(8, box.height() // 2))
    assert box.isChecked()
    panel.save()
    qtbot.waitUntil(lambda: panel.message.text() == "已保存。", timeout=5000)
    with db.read() as s:
        assert load_settings(s).notes_algorithm == "SM4-GCM"
        assert load_settings(s).exchange_counselling is True


def test_admin_points_this_terminal_at_the_center_server(qtbot, db, admin, tmp_path):
    from app.services.data import terminal_config

    w = build_main_window(db, admin)
    qtbot.addWidget(w)
    panel = w.settings_tab.terminal_database
    assert "本机数据库文件" in panel.saved.text()
    qtbot.keyClicks(panel.url, "mysql://zz@server/zongzhi")
    qtbot.mouseClick(panel.connect_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: "只支持 PostgreSQL 和 SQLite" in panel.message.text(), timeout=5000)
    assert panel.url.text() == "mysql://zz@server/zongzhi"  # kept to be corrected
    assert terminal_config.current_database() is None
    center = tmp_path / "center.sqlite3"  # stands in for the server: any other database
    other = open_database(center)
    with other.write() as s:
        setup.init_center(
            s,
            center_name="中雁街道综治工作中心",
            prefix="ZY",
            terminal="B",
            admin_username="admin",
            admin_password="Center#2026pw",
        )
    other.dispose()
    panel.url.clear()
    qtbot.keyClicks(panel.url, f"sqlite:///{center}")
    qtbot.mouseClick(panel.connect_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: "已连接" in panel.message.text(), timeout=10000)
    assert "中雁街道综治工作中心" in panel.message.text()
    assert str(center) in panel.saved.text()
    assert terminal_config.current_database() == f"本机数据库文件 {center}"
    qtbot.mouseClick(panel.local_button, Qt.MouseButton.LeftButton)
    assert "本机数据库文件" in panel.saved.text()
    assert terminal_config.current_database() is None
    w.ctx.worker.wait()


def test_a_new_terminal_joins_the_center_server_from_the_first_run_wizard(qtbot, tmp_path, db):
    from app.services.data import terminal_config

    local = open_database(tmp_path / "new.sqlite3")
    wizard = FirstRunWizard(DbWorker(local))
    qtbot.addWidget(wizard)
    wizard.show()
    wizard.connect_server("postgresql+psycopg://zz:pw@127.0.0.1:1/zongzhi")
    qtbot.waitUntil(lambda: "连接不上数据库" in wizard.message.text(), timeout=15000)
    assert wizard.buttons.isEnabled() and wizard.result() != QDialog.DialogCode.Accepted
    with qtbot.waitSignal(wizard.accepted, timeout=10000):
        wizard.connect_server(db.url)
    assert wizard.connected_url == db.url
    assert terminal_config.current_database() == terminal_config.shown(db.url)


def test_an_offline_terminal_joins_the_center_from_the_first_run_wizard(
    qtbot, tmp_path, db, monkeypatch
):
    from app.cli import main
    from app.services.center.settings import load_settings
    from app.views import first_run_wizard
    from tests.conftest import ADMIN_PASSWORD

    pw = tmp_path / "pw.txt"
    pw.write_text(ADMIN_PASSWORD, encoding="utf-8")
    starter = tmp_path / "terminal-B.zzt"
    login = ["--user", "admin", "--password-file", str(pw)]
    assert (
        main(["terminal", "create", "B", "--out", str(starter), "--database-url", db.url, *login])
        == 0
    )
    shown = []
    monkeypatch.setattr(
        first_run_wizard.QMessageBox, "information", lambda _p, _t, text: shown.append(text)
    )
    local = open_database(tmp_path / "pc-B" / "zongzhi.sqlite3")
    wizard = FirstRunWizard(DbWorker(local))
    qtbot.addWidget(wizard)
    wizard.show()
    assert wizard.join_button.text() == "加入中心…"
    with qtbot.waitSignal(wizard.accepted, timeout=10000):
        wizard.join_center(starter)
    assert "本机是终端 B" in shown[0]
    with local.read() as s:
        settings = load_settings(s)
    assert (settings.terminal, settings.prefix) == ("B", "BS")
    local.dispose()


def test_admin_links_a_user_to_their_unit(qtbot, db, admin, monkeypatch):
    from app.views.settings_tab import UsersPanel

    w = build_main_window(db, admin)
    qtbot.addWidget(w)
    w.show()
    qtbot.waitExposed(w)
    panel = w.settings_tab.users
    model = panel.table.model()
    qtbot.waitUntil(lambda: model.rowCount() == 5, timeout=5000)
    names = [model.index(r, 0).data() for r in range(model.rowCount())]
    row = names.index("tiaojie")
    assert model.index(row, 4).data() == "中心"
    offered: list[list[str]] = []

    def choose(self, u, labels):
        offered.append(labels)
        return "司法所", True

    monkeypatch.setattr(UsersPanel, "unit_input", choose)
    click_row(qtbot, panel.table, row)
    qtbot.mouseClick(button(panel, "所属单位"), Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: model.index(row, 4).data() == "司法所", timeout=5000)
    assert offered[0][0] == "（中心，不属于某个单位）" and "司法所" in offered[0]
    assert panel.message.text() == "已设置 tiaojie 的所属单位。"
    with db.read() as s:
        unit = s.scalar(select(User.unit_id).where(User.username == "tiaojie"))
        assert auth_unit_name(s, unit) == "司法所"
    w.ctx.worker.wait()


def auth_unit_name(s, unit_id) -> str:
    from app.models import Unit

    return s.get(Unit, unit_id).name


def test_the_director_and_deputy_reach_leave_but_not_users(qtbot, db, admin):
    from app.services.security import auth as auth_service
    from tests.conftest import actor

    with db.write() as s:
        auth_service.create_user(
            s, admin, "fuzhuren", "吴副主任", Role.DEPUTY_DIRECTOR, "Deputy#2026pw"
        )
    for username in ("zhuren", "fuzhuren"):
        w = build_main_window(db, actor(db, username))
        qtbot.addWidget(w)
        titles = [w.tabs.tabText(i) for i in range(w.tabs.count())]
        assert "系统设置" in titles
        w.tabs.setCurrentIndex(titles.index("系统设置"))
        inner = w.settings_tab.findChild(QTabWidget)
        pages = [inner.tabText(i) for i in range(inner.count())]
        assert "AB岗与请假" in pages and "节假日" in pages and "用户与角色" not in pages
        w.ctx.worker.wait()


@pytest.mark.sqlite_only  # the first look reads a local file
def test_a_log_in_typed_before_the_database_is_open_waits_for_it(qtbot, db, monkeypatch):
    """The log-in window is on screen before the database is opened behind it (issue 17):
    登录 pressed at once says it is waiting, then logs in to the main window. About a second
    on a quiet PC: the real start, with its main window and start-up copy."""
    import threading

    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QApplication

    from app import gui
    from app.views.main_window import MainWindow

    db.dispose()
    release = threading.Event()
    real_open = gui.OpeningDatabase._open
    monkeypatch.setattr(gui.OpeningDatabase, "_open", lambda o: (release.wait(10), real_open(o)))
    seen = {}

    def main_window_shown() -> None:
        for w in QApplication.topLevelWidgets():
            if isinstance(w, MainWindow) and w.isVisible():
                seen["user"] = w.ctx.actor.username
                w.close()
                return
        QTimer.singleShot(10, main_window_shown)

    def log_in(dialog) -> None:
        qtbot.keyClicks(dialog.username, "jiedai")
        qtbot.keyClicks(dialog.password, STAFF_PASSWORD)
        qtbot.keyClick(dialog.password, Qt.Key.Key_Return)
        seen["waiting"] = dialog.message.text()
        release.set()
        main_window_shown()

    monkeypatch.setattr(gui, "_probe_when_shown", lambda d: QTimer.singleShot(0, lambda: log_in(d)))
    assert gui.run_gui(str(db.path), None, startup_probe=True) == 0
    assert "正在打开数据库" in seen["waiting"] and seen["user"] == "jiedai"
