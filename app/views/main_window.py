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
from app.core.ops import op
from app.models import CaseRoom
from app.services.center.calendar import WorkCalendar
from app.services.center.reference import Lookups
from app.services.security import auth
from app.services.security.permissions import Action, allowed

from .auto_backup import BackgroundBackup, take_daily_backup
from .context import ViewContext
from .widgets.screen import fit_to_screen
from .window_memory import restore_window_geometry, save_window_geometry

if TYPE_CHECKING:
    from .command_tab import CommandTab
    from .counselling_tab import CounsellingTab
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

    Signals: ``unlock_requested(str)`` with the password.
    """

    unlock_requested = Signal(str)

    def __init__(self, display_name: str, parent=None):
        super().__init__(parent)
        title = QLabel("终端已锁定")
        title.setProperty("role", "title")
        who = QLabel(f"当前用户：{display_name}。请输入密码解锁，返回原来的界面。")
        self.password = QLineEdit()
        self.password.setEchoMode(QLineEdit.EchoMode.Password)
        self.password.setPlaceholderText("密码")
        self.password.setMaximumWidth(280)
        self.message = QLabel()
        self.message.setProperty("role", "error")
        button = QPushButton("解锁")
        button.setMaximumWidth(280)
        layout = QVBoxLayout(self)
        layout.addStretch(1)
        for w in (title, who, self.password, button, self.message):
            layout.addWidget(w, 0, Qt.AlignmentFlag.AlignHCenter)
        layout.addStretch(2)
        self.password.returnPressed.connect(self._submit)
        button.clicked.connect(self._submit)

    def _submit(self) -> None:
        self.unlock_requested.emit(self.password.text())


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
    counselling: CounsellingTab | None = _Tab()
    ledgers: LedgersTab | None = _Tab()
    settings_tab: SettingsTab | None = _Tab()

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
        self._unbuilt: dict[str, tuple[QWidget, str, Callable[[], QWidget]]] = {}
        # Each tab's module is imported only for a role that has the tab: between them they
        # bring pinyin tables, openpyxl, pdfium, ReportLab and the counselling room's crypto.
        if allowed(ctx.actor, Action.REGISTER_MATTER):

            def reception():
                from .reception_tab import ReceptionTab

                return ReceptionTab(ctx, lookups, calendar)

            self._add_tab("reception", "群众接待窗口", reception)
        if allowed(ctx.actor, Action.HANDLE_MATTER) and allowed(ctx.actor, Action.VIEW_MATTERS):

            def handling():
                from .handling_tab import HandlingTab

                return HandlingTab(ctx, lookups, calendar)

            self._add_tab("handling", "事项办理", handling)
        if allowed(ctx.actor, Action.VIEW_CASES):

            def mediation(room: CaseRoom):
                from .mediation_tab import MediationTab

                return MediationTab(ctx, room)

            self._add_tab("mediation_tab", "矛盾调解", lambda: mediation(CaseRoom.GENERAL))
            self._add_tab("family_tab", "家事调解", lambda: mediation(CaseRoom.FAMILY))
        if allowed(ctx.actor, Action.VIEW_MEETINGS):

            def meetings():
                from .meetings_tab import MeetingsTab

                return MeetingsTab(ctx)

            self._add_tab("meetings_tab", "会议纪要", meetings)
        if allowed(ctx.actor, Action.VIEW_COMMAND):

            def command():
                from .command_tab import CommandTab  # matplotlib is loaded only for the director

                tab = CommandTab(ctx)
                tab.open_matter.connect(self.show_in_handling)
                return tab

            self._add_tab("command_tab", "指挥研判", command)
        if allowed(ctx.actor, Action.COUNSELLING_OVERVIEW):

            def counselling():
                from .counselling_tab import CounsellingTab

                return CounsellingTab(ctx)

            self._add_tab("counselling", "暖心工作室", counselling)
        if allowed(ctx.actor, Action.VIEW_LEDGERS):

            def ledgers():
                from .ledgers_tab import LedgersTab

                return LedgersTab(ctx, lookups)

            self._add_tab("ledgers", "工作台账", ledgers)
        if allowed(ctx.actor, Action.MANAGE_USERS) or allowed(ctx.actor, Action.MANAGE_CALENDAR):

            def settings():
                from .settings_tab import SettingsTab

                return SettingsTab(ctx, lookups.staff, lookups.units)

            self._add_tab("settings_tab", "系统设置", settings)
        self.tabs.currentChanged.connect(self._tab_chosen)
        self.lock_page = LockPage(ctx.actor.display_name)
        self.lock_page.unlock_requested.connect(self.try_unlock)
        self.stack = QStackedWidget()
        self.stack.addWidget(self.tabs)
        self.stack.addWidget(self.lock_page)
        self.setCentralWidget(self.stack)
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

    # --- tabs: the first one built with the window, the others when first shown
    def _add_tab(self, name: str, title: str, build: Callable[[], QWidget]) -> None:
        if self.tabs.count() == 0:
            self._built[name] = tab = build()
            self.tabs.addTab(tab, title)
            return
        placeholder = QWidget()
        self._unbuilt[name] = (placeholder, title, build)
        self.tabs.addTab(placeholder, title)

    def _tab(self, name: str) -> QWidget | None:
        """The tab, built now if it was not yet; None if the role has no such tab."""
        if name in self._unbuilt:
            placeholder, title, build = self._unbuilt.pop(name)
            self._built[name] = tab = build()
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
        lock = QAction("锁定终端", self, shortcut=QKeySequence("Ctrl+L"))
        lock.triggered.connect(self.lock)
        account.addAction(lock)
        logout = QAction("退出登录", self)
        logout.triggered.connect(self.logout_requested)
        account.addAction(logout)
        quit_ = QAction("退出程序", self, shortcut=QKeySequence.StandardKey.Quit)
        quit_.triggered.connect(self.close)
        account.addAction(quit_)
        if allowed(self.ctx.actor, Action.EXCHANGE_BUNDLES):
            data = self.menuBar().addMenu("数据交换(&D)")
            self.import_bundle_action = QAction("导入交换包…", self)
            self.import_bundle_action.triggered.connect(self.import_bundle)
            data.addAction(self.import_bundle_action)
        help_ = self.menuBar().addMenu("帮助(&H)")
        about = QAction("关于", self)
        about.triggered.connect(self.about)
        help_.addAction(about)

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
        self.stack.setCurrentWidget(self.lock_page)
        self.menuBar().setEnabled(False)
        self.lock_page.password.clear()
        self.lock_page.message.clear()
        self.lock_page.password.setFocus()

    def try_unlock(self, password: str) -> None:
        actor = self.ctx.actor
        self.ctx.worker.submit(
            op(auth.verify_unlock, actor, password),
            lambda ok: self._unlock_result(ok, password),
            lambda e: self.lock_page.message.setText(getattr(e, "message", str(e))),
        )

    def _unlock_result(self, ok: bool, password: str = "") -> None:
        if not ok:
            self.lock_page.message.setText("密码不正确（连续错误会锁定账号）。")
            self.lock_page.password.selectAll()
            return
        self.lock_page.password.clear()
        if (counselling := self.built_tab("counselling")) is not None:
            counselling.reopen_after_terminal_unlock(password)
        self.stack.setCurrentWidget(self.tabs)
        self.menuBar().setEnabled(True)
        self.idle.last = time.monotonic()
        w = getattr(self, "_focus_before_lock", None)
        if w is not None:
            w.setFocus()

    def closeEvent(self, event) -> None:
        save_window_geometry(self, self.ctx.actor.username)
        if (counselling := self.built_tab("counselling")) is not None:
            counselling.lock_notes()  # log-out and quit forget the notes key
        app = QApplication.instance()
        if app is not None:
            app.removeEventFilter(self.idle)
        super().closeEvent(event)
