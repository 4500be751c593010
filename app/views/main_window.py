"""Main window: a tab per room the user's role may use, idle lock, account menu."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TYPE_CHECKING

from PySide6.QtCore import QEvent, QObject, Qt, QTimer, Signal
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import (
    QApplication,
    QLabel,
    QLineEdit,
    QMainWindow,
    QMessageBox,
    QPushButton,
    QStackedWidget,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from app import __version__
from app.core.ops import Change, op
from app.models import CaseRoom, Role
from app.services.center import calendar_admin
from app.services.center.calendar import WorkCalendar
from app.services.center.reference import Lookups
from app.services.security import auth
from app.services.security.permissions import Action, allowed

from .auto_backup import BackgroundBackup, take_daily_backup
from .context import ViewContext
from .messages import error_text
from .widgets.drafts import DraftController
from .widgets.lock_cover import LockCover
from .widgets.message_bar import MessageBar
from .widgets.screen import fit_to_screen
from .window_memory import restore_window_geometry, save_window_geometry

if TYPE_CHECKING:
    from .command_tab import CommandTab
    from .counselling_tab import CounsellingTab
    from .duty_tab import DutyTab
    from .grid_worker_tab import GridWorkerTab
    from .handling_tab import HandlingTab
    from .ledgers_tab import LedgersTab
    from .mediation_tab import MediationTab
    from .meetings_tab import MeetingsTab
    from .reception_tab import ReceptionTab
    from .settings_tab import SettingsTab

_ACTIVITY = {
    QEvent.Type.KeyPress,
    QEvent.Type.MouseButtonPress,
    QEvent.Type.MouseMove,
    QEvent.Type.Wheel,
}


class IdleWatcher(QObject):
    """Notes the time of the last key or mouse activity anywhere in the application."""

    def __init__(self, parent=None):
        super().__init__(parent)
        self.last = time.monotonic()

    def eventFilter(self, obj, event) -> bool:
        if event.type() in _ACTIVITY:
            self.last = time.monotonic()
        return False

    def idle_seconds(self) -> float:
        return time.monotonic() - self.last


class LockPage(QWidget):
    """Covers the window while locked; the tabs underneath keep what was typed.

    Signals: ``unlock_requested(str)`` with the password; ``switch_user_requested`` (切换用户:
    log out, keeping the drafts, so a colleague can sign in at a shared window).
    """

    unlock_requested = Signal(str)
    switch_user_requested = Signal()

    def __init__(self, display_name: str, parent=None):
        super().__init__(parent)
        title = QLabel("终端已锁定")
        title.setProperty("role", "title")
        who = QLabel(f"当前用户：{display_name}。请输入密码解锁，返回原来的界面。")
        self.password = QLineEdit()
        self.password.setEchoMode(QLineEdit.EchoMode.Password)
        self.password.setPlaceholderText("密码")
        self.password.setAccessibleName("解锁密码")
        self.password.setMaximumWidth(280)
        self.message = MessageBar()
        self.message.setFixedWidth(420)
        self.message.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.unlock_button = QPushButton("解锁")
        self.unlock_button.setMaximumWidth(280)
        self.switch_button = QPushButton("切换用户")
        self.switch_button.setMaximumWidth(280)
        self.switch_button.setToolTip("退出当前用户，由其他工作人员登录；已输入的内容保存为草稿")
        hint = QLabel("其他工作人员请点“切换用户”登录；已输入的内容会保存为草稿。")
        hint.setProperty("role", "hint")
        layout = QVBoxLayout(self)
        layout.addStretch(1)
        for w in (title, who, self.password, self.unlock_button, self.message):
            layout.addWidget(w, 0, Qt.AlignmentFlag.AlignHCenter)
        layout.addSpacing(24)
        for w in (self.switch_button, hint):
            layout.addWidget(w, 0, Qt.AlignmentFlag.AlignHCenter)
        layout.addStretch(2)
        self.password.returnPressed.connect(self._submit)
        self.unlock_button.clicked.connect(self._submit)
        self.switch_button.clicked.connect(self.switch_user_requested)

    def _submit(self) -> None:
        if not self.password.text():
            self.message.warning("请输入密码。")
            return
        self.unlock_button.setEnabled(False)
        self.unlock_requested.emit(self.password.text())

    def refused(self, text: str) -> None:
        """The unlock was refused: why, as the log-in dialog says it (the tries left, or the
        account locked and for how long)."""
        self.unlock_button.setEnabled(True)
        self.message.error(text)
        self.password.selectAll()
        self.password.setFocus()

    def reset(self) -> None:
        self.unlock_button.setEnabled(True)
        self.password.clear()
        self.message.clear()


class _Tab:
    """A tab of the main window as an attribute (``window.handling``): the tab, built at the
    first use if it was waiting to be shown; None when the user's role has no such tab."""

    def __set_name__(self, owner, name: str) -> None:
        self.name = name

    def __get__(self, window, owner=None):
        return self if window is None else window._tab(self.name)


class MainWindow(QMainWindow):
    """Signals: ``logout_requested``.

    Only the first tab is built with the window; the others are built when first shown (or
    first asked for), so logging in does not wait for rooms nobody has opened yet.
    """

    logout_requested = Signal()

    reception: ReceptionTab | None = _Tab()
    handling: HandlingTab | None = _Tab()
    mediation_tab: MediationTab | None = _Tab()
    family_tab: MediationTab | None = _Tab()
    meetings_tab: MeetingsTab | None = _Tab()
    command_tab: CommandTab | None = _Tab()
    duty_tab: DutyTab | None = _Tab()
    counselling: CounsellingTab | None = _Tab()
    ledgers: LedgersTab | None = _Tab()
    settings_tab: SettingsTab | None = _Tab()
    grid_tab: GridWorkerTab | None = _Tab()

    def __init__(
        self, ctx: ViewContext, lookups: Lookups, calendar: WorkCalendar | None, parent=None
    ):
        super().__init__(parent)
        self.ctx = ctx
        s = ctx.settings
        self.setWindowTitle(f"综治中心工作台 — {s.center_name}")
        fit_to_screen(self, 1440, 900)
        restore_window_geometry(self, ctx.actor.username)
        self.tabs = QTabWidget()
        self._built: dict[str, QWidget] = {}
        self._unbuilt: dict[str, tuple[QWidget, str, Callable[[QWidget], QWidget]]] = {}
        self._first = ""
        # The window's frame first, the tabs' contents into it: a widget moved into a window
        # under the theme's style sheet is styled again with everything inside it, so the
        # reception tab built first and then moved in was styled six times over (issue 17).
        self.lock_page = LockPage(ctx.actor.display_name)
        self.lock_cover = LockCover(self)  # dialogs out of sight while locked
        self.lock_page.unlock_requested.connect(self.try_unlock)
        self.lock_page.switch_user_requested.connect(self.switch_user)
        self.stack = QStackedWidget()
        self.stack.addWidget(self.tabs)
        self.stack.addWidget(self.lock_page)
        # Reminders on log-in (the director and admin: a year's holidays not yet entered).
        self.reminders = MessageBar()
        self.reminders.setContentsMargins(8, 4, 8, 4)
        self.reminders.hide()
        central = QWidget()
        column = QVBoxLayout(central)
        column.setContentsMargins(0, 0, 0, 0)
        column.addWidget(self.reminders)
        # The director, on log-in: 危机 clients without contact for more than the set days.
        self.crisis_alert = MessageBar()
        self.crisis_alert.setContentsMargins(8, 4, 8, 4)
        self.crisis_alert.hide()
        column.addWidget(self.crisis_alert)
        column.addWidget(self.stack, 1)
        self.setCentralWidget(central)
        # Each tab's module is imported only for a role that has the tab: between them they
        # bring pinyin tables, openpyxl, pdfium, ReportLab and the counselling room's crypto.
        if allowed(ctx.actor, Action.GRID_MATTERS):  # a 网格员: its own grid's matters

            def grid_tab(parent):
                from .grid_worker_tab import GridWorkerTab

                return GridWorkerTab(ctx, lookups, calendar, parent)

            self._add_tab("grid_tab", "本网格", grid_tab)
        if allowed(ctx.actor, Action.REGISTER_MATTER):

            def reception(parent):
                from .reception_tab import ReceptionTab

                return ReceptionTab(ctx, lookups, calendar, parent)

            self._add_tab("reception", "群众接待窗口", reception)
        if allowed(ctx.actor, Action.HANDLE_MATTER) and allowed(ctx.actor, Action.VIEW_MATTERS):

            def handling(parent):
                from .handling_tab import HandlingTab

                return HandlingTab(ctx, lookups, calendar, parent)

            self._add_tab("handling", "事项办理", handling)
        if allowed(ctx.actor, Action.VIEW_CASES):

            def mediation(room: CaseRoom, parent):
                from .mediation_tab import MediationTab

                return MediationTab(ctx, room, parent)

            self._add_tab(
                "mediation_tab", "矛盾调解", lambda parent: mediation(CaseRoom.GENERAL, parent)
            )
            self._add_tab(
                "family_tab", "家事调解", lambda parent: mediation(CaseRoom.FAMILY, parent)
            )
        if allowed(ctx.actor, Action.VIEW_MEETINGS):

            def meetings(parent):
                from .meetings_tab import MeetingsTab

                return MeetingsTab(ctx, parent)

            self._add_tab("meetings_tab", "会议纪要", meetings)
        if allowed(ctx.actor, Action.VIEW_COMMAND):

            def command(parent):
                from .command_tab import CommandTab

                tab = CommandTab(ctx, parent)
                tab.open_matter.connect(self.show_in_handling)
                return tab

            self._add_tab("command_tab", "指挥研判", command)
        if allowed(ctx.actor, Action.MANAGE_ASSESSMENT):

            def assessment(parent):
                from .assessment_tab import AssessmentTab

                return AssessmentTab(ctx, parent)

            self._add_tab("assessment_tab", "考核评价", assessment)
        if allowed(ctx.actor, Action.KEEP_DUTY):

            def duty_tab(parent):
                from .duty_tab import DutyTab

                return DutyTab(ctx, lookups, parent)

            self._add_tab("duty_tab", "值班值守", duty_tab)
        if allowed(ctx.actor, Action.COUNSELLING_OVERVIEW):

            def counselling(parent):
                from .counselling_tab import CounsellingTab

                return CounsellingTab(ctx, parent)

            self._add_tab("counselling", "暖心工作室", counselling)
        if allowed(ctx.actor, Action.VIEW_LEDGERS):

            def ledgers(parent):
                from .ledgers_tab import LedgersTab

                return LedgersTab(ctx, lookups, parent)

            self._add_tab("ledgers", "工作台账", ledgers)
        if allowed(ctx.actor, Action.MANAGE_USERS) or allowed(ctx.actor, Action.MANAGE_CALENDAR):

            def settings(parent):
                from .settings_tab import SettingsTab

                return SettingsTab(ctx, lookups.staff, lookups.units, parent)

            self._add_tab("settings_tab", "系统设置", settings)
        if self._first:
            self._tab(self._first)
        self.tabs.currentChanged.connect(self._tab_chosen)
        self.load_reminders()
        ctx.bus.watch(self, [Change.CALENDAR], self.load_reminders)
        if ctx.actor.role == Role.DIRECTOR:
            # (imported here: the counselling service loads the cipher and ReportLab)
            from app.services.rooms import counselling as counselling_service

            self.ctx.worker.submit(
                op(counselling_service.crisis_contact_alert, ctx.actor),
                self._show_crisis,
                lambda _e: None,
            )
        role = ctx.actor.role.label if ctx.actor.role else ""
        self.statusBar().addWidget(
            QLabel(f"{s.center_name} · 终端 {s.terminal} · {ctx.actor.display_name}（{role}）")
        )
        self._build_menu()
        self.idle = IdleWatcher(self)
        app = QApplication.instance()
        if app is not None:
            app.installEventFilter(self.idle)
        self.idle_timer = QTimer(self, interval=5_000)
        self.idle_timer.timeout.connect(self._check_idle)
        self.idle_timer.start()
        # Rights are the user's as they are now: any refused operation, or this check every
        # half minute, locks the window when the admin has disabled or re-roled the account.
        ctx.worker.rights_changed.connect(self.lock_for_rights)
        self.rights_timer = QTimer(self, interval=30_000)
        self.rights_timer.timeout.connect(self.check_rights)
        self.rights_timer.start()
        # Daily backup while running (the start-up one is taken as the login window opens).
        self._daily_backup = None
        if (path := ctx.worker.db.path) is not None:
            self._daily_backup = BackgroundBackup(path, self, backup=take_daily_backup, warn=False)
            self._daily_backup.failed.connect(
                lambda exc: self.statusBar().showMessage(
                    f"自动备份失败：{getattr(exc, 'message', exc)}", 60_000
                )
            )
        self.backup_timer = QTimer(self, interval=60 * 60 * 1000)
        self.backup_timer.timeout.connect(self.daily_backup)
        self.backup_timer.start()

    def load_reminders(self) -> None:
        job = op(calendar_admin.reminders, self.ctx.actor)
        self.ctx.worker.submit(job, self._show_reminders, lambda _exc: None)

    def _show_reminders(self, lines: list[str]) -> None:
        if lines:
            self.reminders.warning("；".join(lines) + "。请管理员在 系统设置 → 节假日 录入。")
        else:
            self.reminders.clear()
        self.reminders.setVisible(bool(lines))

    def _show_crisis(self, text: str) -> None:
        if text:
            self.crisis_alert.error(text)
        self.crisis_alert.setVisible(bool(text))

    # --- tabs: the first one built with the window, the others when first shown
    def _add_tab(self, name: str, title: str, build: Callable[[QWidget], QWidget]) -> None:
        """A place for the tab; its contents are built by ``_tab`` (the first one at once)."""
        if self.tabs.count() == 0:
            self._first = name
        placeholder = QWidget()
        self._unbuilt[name] = (placeholder, title, build)
        self.tabs.addTab(placeholder, title)

    def _tab(self, name: str) -> QWidget | None:
        """The tab, built now if it was not yet; None if the role has no such tab."""
        if name in self._unbuilt:
            placeholder, title, build = self._unbuilt.pop(name)
            # Built in its final place (the tab widget's page stack), so the theme styles its
            # widgets once, not again when the finished tab is moved in.
            self._built[name] = tab = build(placeholder.parentWidget())
            index, current = self.tabs.indexOf(placeholder), self.tabs.currentIndex()
            blocked = self.tabs.blockSignals(True)  # the same tab, only now with its contents
            self.tabs.removeTab(index)
            self.tabs.insertTab(index, tab, title)
            self.tabs.setCurrentIndex(current)
            self.tabs.blockSignals(blocked)
            placeholder.deleteLater()
        return self._built.get(name)

    def built_tab(self, name: str) -> QWidget | None:
        """The tab if it has been built (without building it)."""
        return self._built.get(name)

    def _tab_chosen(self, index: int) -> None:
        widget = self.tabs.widget(index)
        for name, (placeholder, _title, _build) in list(self._unbuilt.items()):
            if placeholder is widget:
                self._tab(name)

    def _build_menu(self) -> None:
        account = self.menuBar().addMenu("账户(&U)")
        self.change_password_action = QAction("修改密码…", self)
        self.change_password_action.triggered.connect(self.change_password)
        account.addAction(self.change_password_action)
        self.lock_action = QAction("锁定终端", self, shortcut=QKeySequence("Ctrl+L"))
        self.lock_action.triggered.connect(self.lock)
        account.addAction(self.lock_action)
        self.switch_action = QAction("切换用户（退出登录）", self)
        self.switch_action.triggered.connect(self.switch_user)
        account.addAction(self.switch_action)
        quit_ = QAction("退出程序", self, shortcut=QKeySequence.StandardKey.Quit)
        quit_.triggered.connect(self.close)
        account.addAction(quit_)
        if allowed(self.ctx.actor, Action.EXCHANGE_BUNDLES):
            data = self.data_menu = self.menuBar().addMenu("数据交换(&D)")
            self.import_bundle_action = QAction("导入交换包…", self)
            self.import_bundle_action.triggered.connect(self.import_bundle)
            data.addAction(self.import_bundle_action)
        help_ = self.menuBar().addMenu("帮助(&H)")
        self.manual_action = QAction("用户手册(&M)", self, shortcut=QKeySequence("F1"))
        self.manual_action.triggered.connect(self.show_manual)
        help_.addAction(self.manual_action)
        self.shortcuts_action = QAction("快捷键(&K)", self, shortcut=QKeySequence("Ctrl+F1"))
        self.shortcuts_action.triggered.connect(self.show_shortcuts)
        help_.addAction(self.shortcuts_action)
        help_.addSeparator()
        about = QAction("关于", self)
        about.triggered.connect(self.about)
        help_.addAction(about)

    def change_password(self) -> None:
        from .change_password_dialog import ChangePasswordDialog

        dialog = ChangePasswordDialog(self.ctx, self)
        dialog.accepted.connect(lambda: self.statusBar().showMessage("密码已修改。", 10_000))
        dialog.open()
        self.change_password_dialog = dialog

    def show_in_handling(self, matter_id) -> None:
        """A matter chosen in 指挥研判's lists, opened in 事项办理."""
        if self.handling is not None:
            self.tabs.setCurrentWidget(self.handling)
            self.handling.show_matter(matter_id)

    def import_bundle(self) -> None:
        from .exchange_dialog import ImportBundleDialog

        dialog = ImportBundleDialog(self.ctx, self)
        dialog.open()
        self.import_dialog = dialog

    def shortcut_rows(self) -> list:
        """Every key of the window, each tab built first so its keys are registered."""
        from .help import gather_shortcuts

        for name in list(self._unbuilt):
            self._tab(name)
        return gather_shortcuts(self)

    def show_shortcuts(self) -> None:
        from .help import ShortcutsDialog

        self.shortcuts_dialog = ShortcutsDialog(self.shortcut_rows(), self)
        self.shortcuts_dialog.open()

    def show_manual(self) -> None:
        from .help import ManualDialog

        self.manual_dialog = ManualDialog(self)
        self.manual_dialog.open()

    def about(self) -> None:
        QMessageBox.about(
            self,
            "关于综治中心工作台",
            f"综治中心工作台 {__version__}\n{self.ctx.settings.center_name}",
        )

    def daily_backup(self) -> None:
        """The copy of the day, if there is none yet, on a thread of its own (a copy of a large
        database takes seconds: the window's queries must not wait behind it)."""
        if self._daily_backup is not None:
            self._daily_backup.start()

    # --- idle lock
    @property
    def locked(self) -> bool:
        return self.stack.currentWidget() is self.lock_page

    def _check_idle(self) -> None:
        limit = self.ctx.settings.idle_lock_minutes * 60
        if not self.locked and self.idle.idle_seconds() >= limit:
            self.lock()

    def lock(self) -> None:
        if self.locked:
            return
        self._focus_before_lock = QApplication.focusWidget()
        if (counselling := self.built_tab("counselling")) is not None:
            counselling.lock_notes()  # the notes key is dropped with the terminal lock
        # Every form's typing to its draft file first (a dialog's draft is read while shown).
        for controller in self.findChildren(DraftController):
            controller.save_now()
        # Dialogs open over the window go out of sight with it (a window-modal one would also
        # keep the password field from being typed in), their typing kept for the unlock.
        self.lock_cover.cover()
        self.stack.setCurrentWidget(self.lock_page)
        self._set_locked_menus(True)
        self.lock_page.reset()
        self.lock_page.password.setFocus()

    def check_rights(self) -> None:
        if not self.locked:
            self.ctx.worker.submit(op(auth.check_rights, self.ctx.actor), None, lambda _e: None)

    def lock_for_rights(self, message: str) -> None:
        """The account was disabled or given another role: lock (the notes key is dropped) and
        say so; only signing in again (切换用户) gives the window the new rights."""
        self.lock()
        self.lock_page.refused(message)

    def _set_locked_menus(self, locked: bool) -> None:
        """While locked only what needs no access stays open: 切换用户, 退出程序 and 帮助 (a
        colleague at a shared window must be able to sign in)."""
        self.lock_action.setEnabled(not locked)
        self.change_password_action.setEnabled(not locked)
        if (data := getattr(self, "data_menu", None)) is not None:
            data.menuAction().setEnabled(not locked)

    def try_unlock(self, password: str) -> None:
        actor = self.ctx.actor
        self.ctx.worker.submit(
            op(auth.verify_unlock, actor, password),
            lambda outcome: self._unlock_result(outcome, password),
            lambda e: self.lock_page.refused(error_text(e)),
        )

    def _unlock_result(self, outcome: auth.LoginOutcome, password: str = "") -> None:
        if outcome.actor is None:
            self.lock_page.refused(outcome.message or "密码不正确。")
            return
        self.lock_page.reset()
        self.ctx.actor = outcome.actor  # the user as read at unlock (same account and role)
        if (counselling := self.built_tab("counselling")) is not None:
            counselling.reopen_after_terminal_unlock(password)
        self.stack.setCurrentWidget(self.tabs)
        self.lock_cover.uncover()
        self._set_locked_menus(False)
        self.idle.last = time.monotonic()
        w = getattr(self, "_focus_before_lock", None)
        self._focus_before_lock = None
        if w is not None and self.tabs.currentWidget().isAncestorOf(w) and w.isVisible():
            self.activateWindow()
            w.setFocus()
        else:
            self.focus_start()

    def focus_start(self) -> None:
        """After log-in and unlock: the window active, and the first field of the current tab
        focused (the name field of 群众接待窗口)."""
        self.raise_()
        self.activateWindow()
        tab = self.tabs.currentWidget()
        start = getattr(tab, "focus_name_field", None) or getattr(tab, "focus_start", None)
        if callable(start):
            start()

    def showEvent(self, event) -> None:
        super().showEvent(event)
        if not getattr(self, "_shown_once", False):
            self._shown_once = True
            QTimer.singleShot(0, self.focus_start)

    def save_drafts(self) -> None:
        """Every form's typing saved as a draft now (not after the usual pause), and written
        before the window goes: log-out and 切换用户 keep it as lock does."""
        for controller in self.findChildren(DraftController):
            controller.save_now()
        self.ctx.worker.wait()

    def switch_user(self) -> None:
        """切换用户: log out safely — drafts kept, the counselling notes' key dropped — so the
        log-in dialog opens for whoever signs in next."""
        self.logout_requested.emit()

    def closeEvent(self, event) -> None:
        save_window_geometry(self, self.ctx.actor.username)
        self.save_drafts()
        if (counselling := self.built_tab("counselling")) is not None:
            counselling.lock_notes()  # log-out and quit forget the notes key
        app = QApplication.instance()
        if app is not None:
            app.removeEventFilter(self.idle)
        super().closeEvent(event)
