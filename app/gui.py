"""Start the GUI: open (and upgrade) the database, first-run wizard, log-in, main window."""

from __future__ import annotations

import importlib
import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtWidgets import QApplication, QDialog, QMessageBox

from app.core.errors import DatabaseDamaged, EnvironmentProblem
from app.core.locations import (
    NETWORK_SHARE_ADVICE,
    FirstLook,
    first_look,
    network_share_reason,
    resolve_url,
    sqlite_path,
)
from app.core.opened_copies import (
    clear_left_opened_copies,
    clear_opened_copies,
    release_opened_copies,
)

from .views.login_dialog import LoginDialog, PendingWorker
from .views.theme import apply_theme
from .views.widgets.screen import install_screen_fitter
from .views.widgets.wheel import install_wheel_guard

# The log-in window comes first (issue 17: on screen within 0.8 s): SQLAlchemy, the models,
# the services and the database are loaded behind it (``OpeningDatabase``), not before it.
if TYPE_CHECKING:
    from app.db import Database
    from app.services.context import Actor

    from .views.auto_backup import BackgroundBackup
    from .views.main_window import MainWindow
    from .views.worker import DbWorker


def use_an_input_method_qt_has(environ=os.environ, plugins: Path | None = None) -> None:
    """UOS and Kylin desktops set QT_IM_MODULE=fcitx, but the Qt that comes with PySide6 has
    only the ibus and compose input-method plug-ins: asked for one it lacks, Qt would have no
    input method at all and nobody could type Chinese. fcitx5 also answers as ibus (its ibus
    front end), so ask for ibus then. Must run before the QApplication exists."""
    wanted = environ.get("QT_IM_MODULE", "")
    if not wanted.startswith("fcitx"):
        return
    if plugins is None:
        from PySide6.QtCore import QLibraryInfo

        plugins = Path(QLibraryInfo.path(QLibraryInfo.LibraryPath.PluginsPath))
    folder = plugins / "platforminputcontexts"
    shipped = [p.name for p in folder.glob("*")] if folder.is_dir() else []
    if not any("fcitx" in name for name in shipped) and any("ibus" in n for n in shipped):
        environ["QT_IM_MODULE"] = "ibus"


def relocate_bundled_qt() -> None:
    """In the bundled program, points Qt at the bundle's own Qt folder (an embedded qt.conf,
    registered as PyInstaller's run-time hook would: installer/rthook_qt.py leaves it to the
    GUI, so that command-line commands do not load Qt). Nothing elsewhere."""
    if not getattr(sys, "frozen", False):
        return
    from _pyi_rth_utils import qt as bundled_qt

    qt = Path(sys._MEIPASS) / "PySide6"
    bundled_qt.create_embedded_qt_conf("PySide6", str(qt if sys.platform == "win32" else qt / "Qt"))


def make_app(argv: list[str] | None = None) -> QApplication:
    if QApplication.instance() is None:
        relocate_bundled_qt()
        use_an_input_method_qt_has()
    app = QApplication.instance() or QApplication(argv or sys.argv)
    app.setApplicationName("综治中心工作台")
    _install_qt_chinese(app)
    apply_theme(app)
    install_screen_fitter(app)
    install_wheel_guard(app)
    if not hasattr(app, "_collector"):  # the cycle collector runs on this thread only
        from app.views.collector import MainThreadCollector

        app._collector = MainThreadCollector(app)
    return app


QT_CATALOGUES = ("qt_zh_CN", "qtbase_zh_CN")


def _install_qt_chinese(app: QApplication) -> None:
    """Qt's own texts (OK/Cancel, Yes/No, the file, colour and print dialogs) in Simplified
    Chinese: Qt's own catalogues from QLibraryInfo's translations folder (the bundle keeps
    them, installer/zongzhi.spec), and ``_MnemonicFallback`` for the labels this Qt writes
    with a mnemonic its catalogue lacks (the file dialog's "&Look in:", "Files of &type:")."""
    from PySide6.QtCore import QLibraryInfo, QLocale, QTranslator

    if getattr(app, "_zongzhi_translators", None) is not None:
        return
    QLocale.setDefault(QLocale(QLocale.Language.Chinese, QLocale.Country.China))
    folder = QLibraryInfo.path(QLibraryInfo.LibraryPath.TranslationsPath)
    loaded = []
    for name in QT_CATALOGUES:
        translator = QTranslator(app)
        if translator.load(name, folder):
            loaded.append(translator)
    if not loaded:
        return
    # Asked last (Qt asks the translator installed last first): only for what none knows.
    fallback = _MnemonicFallback(loaded, app)
    app.installTranslator(fallback)
    for translator in loaded:
        app.installTranslator(translator)
    app._zongzhi_translators = [fallback, *loaded]


def _mnemonic_fallback_class():
    from PySide6.QtCore import QTranslator

    class MnemonicFallback(QTranslator):
        """ "&Look in:" unknown, "Look in:" known as "查找范围：": "查找范围(&L)："."""

        def __init__(self, catalogues, parent=None):
            super().__init__(parent)
            self.catalogues = catalogues

        def isEmpty(self) -> bool:
            return False

        def translate(self, context, source, disambiguation=None, n=-1):
            if not source or "&" not in source or not context:
                return ""
            at = source.find("&")
            key = source[at + 1 : at + 2]
            if not key or key == "&":
                return ""
            plain = source[:at] + source[at + 1 :]
            for catalogue in self.catalogues:
                text = catalogue.translate(context, plain, disambiguation, n)
                if text:
                    break
            else:
                return ""
            colon = "：" if text.endswith("：") else ":" if text.endswith(":") else ""
            body = text[: len(text) - len(colon)] if colon else text
            return f"{body}(&{key.upper()}){colon}"

    return MnemonicFallback


def _MnemonicFallback(catalogues, parent):  # noqa: N802 — built when Qt is there
    return _mnemonic_fallback_class()(catalogues, parent)


def build_main_window(db: Database, actor: Actor, worker: DbWorker | None = None) -> MainWindow:
    """The main window for a logged-in user (also used by ``zongzhi screenshot``).

    Its tabs are imported here, not at start-up: they bring pinyin tables, openpyxl, numpy and
    the counselling room's cryptography, which would keep the login window waiting a second.
    """
    from app.services.center.calendar import WorkCalendar
    from app.services.center.reference import load_lookups
    from app.services.center.settings import load_settings
    from app.services.drafts import DraftStore, drafts_folder
    from app.services.reception.attachments import attachments_folder

    from .views.context import ViewContext
    from .views.main_window import MainWindow
    from .views.worker import DbWorker

    worker = worker or DbWorker(db)
    settings, lookups, calendar = worker.call_now(
        lambda s: (load_settings(s), load_lookups(s), WorkCalendar.load(s))
    )
    drafts = DraftStore(drafts_folder(db.path))
    ctx = ViewContext(worker, worker.bus, actor, settings, drafts, attachments_folder(db.path))
    window = MainWindow(ctx, lookups, calendar)
    worker.setParent(window)
    # An import a stopped program left committed but not all written is finished now.
    from .core.ops import op
    from .services.command import importing

    worker.submit(op(importing.resume_imports, actor), on_error=lambda _exc: None)
    return window


def record_audit_head(database: Database, *, quiet: bool = False) -> str | None:
    """Move the audit head kept outside the database forward (beside a SQLite file, or on
    this terminal for a server). If the chain does not go on from it, the head stays and the
    person is told: rows were cut off or rewritten since it was last seen."""
    from app.core.ops import op
    from app.services.data.backup_manifest import record_head

    where = database.path if database.path is not None else database.url
    try:
        problem = database.run(op(record_head, where)).value
    except (EnvironmentProblem, OSError):
        return None  # the next check or backup tries again
    if problem and not quiet:
        QMessageBox.warning(
            None,
            "审计记录异常",
            f"{problem}。审计头文件没有更新（留作证据）。请运行 zongzhi check 查看，"
            "并报告中心负责人。",
        )
    return problem


def demo_accounts_for_login() -> list[tuple[str, str, str]]:
    from app.demo.accounts import DEMO_LOGINS, GRID_LOGIN

    return [(u, p, label) for u, p, _role, label, _name in [*DEMO_LOGINS, GRID_LOGIN]]


def warn_network_share(path, *, allowed: bool = False) -> bool:
    """False (after saying why) if the database is on a network share and the admin did not
    start the program with --allow-network-share; with it, a warning only."""
    reason = network_share_reason(path)
    if not reason:
        return True
    advice = NETWORK_SHARE_ADVICE.format(reason=reason)
    if not allowed:
        QMessageBox.critical(
            None,
            "数据库位置不安全",
            f"{advice}\n\n没有打开它。确需在网络共享上使用时，请由管理员用 "
            "--allow-network-share 启动程序。",
        )
        return False
    QMessageBox.warning(None, "数据库位置不安全", advice)
    return True


def _probe_when_shown(dialog: QDialog) -> None:
    """``--startup-probe``: print 'ready' once the first window is on screen, then quit."""
    from PySide6.QtCore import QTimer

    def ready() -> None:
        print("ready", flush=True)
        dialog.reject()

    QTimer.singleShot(0, ready)


def run_gui(
    db: str | None,
    database_url: str | None,
    *,
    demo_login: bool = False,
    startup_probe: bool = False,
    allow_network_share: bool = False,
) -> int:
    app = make_app()
    start_backup: BackgroundBackup | None = None
    clear_left_opened_copies()  # a viewer held them at the last exit; another window's stay
    try:
        try:
            url = resolve_url(db, database_url)
            path = sqlite_path(url)
            if path is not None and not warn_network_share(path, allowed=allow_network_share):
                return 1
            look = first_look(path)
            if look is not None:  # set up and at the program's schema: the log-in first
                opened = _log_in_while_opening(app, url, path, look, demo_login, startup_probe)
                if isinstance(opened, int):
                    return opened
                if opened is not None:
                    database, start_backup, actor = opened
                    return _run_windows(
                        app, database, start_backup, demo_login, startup_probe, actor=actor
                    )
            # Not a plain set-up file, or opening it found otherwise: the usual start.
            from app.db import needs_upgrade, upgrade

            from .views.auto_backup import BackgroundBackup, backup_before_upgrade

            database = _open_or_recover(url, path)
            if database is None:
                return 1
            if needs_upgrade(database):
                if path is not None:
                    backup_before_upgrade(path)  # before any migration touches it, waiting
                upgrade(database)
            elif path is not None:  # nothing will change the file: copied once the login shows
                start_backup = BackgroundBackup(path)
        except EnvironmentProblem as exc:
            QMessageBox.critical(None, "无法打开数据库", exc.message)
            return 1
        return _run_windows(app, database, start_backup, demo_login, startup_probe)
    finally:
        if start_backup is not None:
            start_backup.wait()
        release_opened_copies()


def _open_or_recover(url: str, path: Path | None) -> Database | None:
    """The database, opened. A damaged SQLite file is not refused outright: the person is
    offered the same recovery as ``zongzhi restore`` (a backup chosen from a list), then the
    restored file is opened. None when they decline."""
    from app.db import needs_upgrade, open_database

    try:
        database = open_database(database_url=url, migrate=False)
        needs_upgrade(database)  # reads the file: a damaged one says so here
        return database
    except DatabaseDamaged as exc:
        if path is None:
            raise
        problem = exc.message
    from .views.recovery_dialog import RecoveryDialog

    dialog = RecoveryDialog(path, problem)
    if dialog.exec() != QDialog.DialogCode.Accepted or dialog.restored is None:
        return None
    QMessageBox.information(None, "已用备份恢复", "\n".join(dialog.restored.lines()))
    return open_database(database_url=url, migrate=False)


PRELOADED = (
    "app.services.center.calendar",
    "app.services.center.calendar_admin",
    "app.services.center.reference",
    "app.services.command.importing",
    "app.services.command.registers",
    "app.services.data.backup",
    "app.services.data.terminal_config",
    "app.services.drafts",
    "app.services.printing.cups",
    "app.services.printing.preferences",
    "app.services.reception.attachments",
    "app.services.reception.intake",
)

# Imported on the GUI thread once the database is open, while the log-in window waits: the
# window every role gets and the first tab of most (a 网格员's is built from the same parts).
PRELOADED_VIEWS = ("app.views.main_window", "app.views.reception_tab")


class OpeningDatabase:
    """The database layer loaded and the database opened on a thread of its own while the
    log-in window is on screen (issue 17). It imports SQLAlchemy, the models and the log-in's
    services, sets up the mappers, opens the file and checks again, with SQLAlchemy, what the
    first look saw; ``opened`` holds the Database then, ``problem`` anything else — a damaged
    file, an upgrade due after all — which the usual start handles once the window is closed.
    Nothing here touches Qt: the window learns of it through ``poll`` on its own thread."""

    def __init__(self, url: str):
        import threading

        self.url = url
        self.opened: Database | None = None
        self.problem: BaseException | None = None
        self.done = threading.Event()
        self._thread = threading.Thread(target=self._open, name="opening-database", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def _open(self) -> None:
        try:
            from sqlalchemy.orm import configure_mappers

            from app.db import needs_upgrade, open_database
            from app.models import load_all
            from app.services.center import settings, setup  # noqa: F401 — loaded here
            from app.services.security import auth  # noqa: F401 — the log-in's service

            load_all()  # every table registered, so that all are configured here, off screen
            configure_mappers()
            database = open_database(database_url=self.url, migrate=False)
            if needs_upgrade(database):
                database.dispose()
                raise LookupError("upgrade due")
            # What the main window's services need, while the person types (not its Qt
            # views: they are imported on the window's own thread, after the log-in).
            for name in PRELOADED:
                importlib.import_module(name)
            self.opened = database
        except BaseException as exc:  # noqa: BLE001 — handed to the usual start
            self.problem = exc
        finally:
            self.done.set()

    def wait(self) -> None:
        if self._thread.is_alive():
            self._thread.join()


def _log_in_while_opening(
    app: QApplication,
    url: str,
    path: Path,
    look: FirstLook,
    demo_login: bool,
    startup_probe: bool,
) -> tuple[Database, BackgroundBackup, Actor] | int | None:
    """The log-in window at once, from the first look, with the database opened behind it.
    The person logged in: the database, its start-up copy (begun once it was open) and who
    logged in; 0 when the window was closed; None when opening found something the usual
    start must handle (the window closes then)."""
    from PySide6.QtCore import QTimer

    demo = demo_accounts_for_login() if look.is_demo else None
    pending = PendingWorker()
    login = LoginDialog(pending, look.center_name, look.terminal, demo)
    if demo_login and demo:
        login.username.setText(demo[0][0])
        login.password.setFocus()
    opening = OpeningDatabase(url)
    backup: list[BackgroundBackup] = []
    gave_up = []

    def poll() -> None:
        if not opening.done.is_set():
            QTimer.singleShot(10, poll)
            return
        if opening.opened is None:
            gave_up.append(True)
            login.reject()
            return
        from .views.auto_backup import BackgroundBackup
        from .views.collector import settle_loaded_code
        from .views.worker import DbWorker

        copy = BackgroundBackup(path)
        copy.start()  # the login window is on screen: nothing will change the file now
        backup.append(copy)
        # The main window's code too (Qt views: on this thread), then one collection, while
        # the password is typed rather than after 登录.
        for name in PRELOADED_VIEWS:
            importlib.import_module(name)
        settle_loaded_code()
        pending.ready(DbWorker(opening.opened))

    QTimer.singleShot(0, opening.start)
    QTimer.singleShot(0, poll)
    if startup_probe:
        _probe_when_shown(login)
    accepted = login.exec() == QDialog.DialogCode.Accepted and login.actor is not None
    if not accepted:
        opening.wait()
        for copy in backup:
            copy.wait()
        if gave_up:  # the window was closed for the usual start, not by the person
            return None
        if opening.opened is not None:
            opening.opened.dispose()
        return 0
    assert opening.opened is not None and backup  # a log-in needs the worker
    return opening.opened, backup[0], login.actor


def _run_windows(
    app: QApplication,
    database: Database,
    start_backup: BackgroundBackup | None,
    demo_login: bool,
    startup_probe: bool,
    actor: Actor | None = None,
) -> int:
    """The first-run wizard if the center is not set up, then log-in and main window, again
    after each log-out. ``actor``: someone already logged in (the first log-in window)."""
    from app.db import open_database
    from app.services.center import setup
    from app.services.center.settings import load_settings

    from .views.auto_backup import BackgroundBackup, take_login_backup
    from .views.worker import DbWorker

    worker = DbWorker(database)
    while actor is None and not worker.call_now(setup.is_initialised):
        from .views.first_run_wizard import FirstRunWizard

        wizard = FirstRunWizard(worker)
        if startup_probe:
            _probe_when_shown(wizard)
        if wizard.exec() != QDialog.DialogCode.Accepted:
            return 0
        if wizard.connected_url:  # this terminal now uses the center's server
            worker.wait()
            database.dispose()
            try:
                database = open_database(database_url=wizard.connected_url)
            except EnvironmentProblem as exc:
                QMessageBox.critical(None, "无法打开数据库", exc.message)
                return 1
            worker = DbWorker(database)
    while True:
        if actor is None:
            settings = worker.call_now(load_settings)
            demo = demo_accounts_for_login() if settings.is_demo else None
            login = LoginDialog(worker, settings.center_name, settings.terminal, demo)
            if demo_login and demo:
                login.username.setText(demo[0][0])
                login.password.setFocus()
            if start_backup is not None:
                start_backup.start_when_shown()
            if startup_probe:
                _probe_when_shown(login)
            if login.exec() != QDialog.DialogCode.Accepted or login.actor is None:
                return 0
            actor = login.actor
        window = build_main_window(database, actor, DbWorker(database))
        if database.path is not None:  # the day's first log-in: a copy of the center in use
            login_backup = BackgroundBackup(database.path, window, backup=take_login_backup)
            login_backup.start_when_shown()
        logged_out = []
        window.logout_requested.connect(
            lambda w=window, lo=logged_out: (lo.append(True), w.close())
        )
        window.show()
        app.exec()
        worker.wait()
        record_audit_head(database)  # at every log-out (and quit)
        clear_opened_copies()  # the next person to log in does not find the last one's files
        if not logged_out:
            return 0
        actor = None
