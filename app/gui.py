"""Start the GUI: open (and upgrade) the database, first-run wizard, log-in, main window."""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtWidgets import QApplication, QDialog, QMessageBox

from app.core.errors import DatabaseDamaged, EnvironmentProblem
from app.db import (
    NETWORK_SHARE_ADVICE,
    Database,
    needs_upgrade,
    network_share_reason,
    open_database,
    resolve_url,
    sqlite_path,
    upgrade,
)
from app.services.center import setup
from app.services.center.calendar import WorkCalendar
from app.services.center.reference import load_lookups
from app.services.center.settings import load_settings
from app.services.context import Actor
from app.services.drafts import DraftStore, drafts_folder
from app.services.reception.attachments import attachments_folder

from .views.auto_backup import BackgroundBackup, backup_before_upgrade, take_login_backup
from .views.context import ViewContext
from .views.first_run_wizard import FirstRunWizard
from .views.login_dialog import LoginDialog
from .views.theme import apply_theme
from .views.widgets.screen import install_screen_fitter
from .views.widgets.wheel import install_wheel_guard
from .views.worker import DbWorker

if TYPE_CHECKING:
    from .views.main_window import MainWindow


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


def make_app(argv: list[str] | None = None) -> QApplication:
    if QApplication.instance() is None:
        use_an_input_method_qt_has()
    app = QApplication.instance() or QApplication(argv or sys.argv)
    app.setApplicationName("综治中心工作台")
    _install_qt_chinese(app)
    apply_theme(app)
    install_screen_fitter(app)
    install_wheel_guard(app)
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
    from .views.main_window import MainWindow

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
    from app.demo.center import DEMO_ACCOUNTS

    return [(u, p, r.label) for u, p, r, _name in DEMO_ACCOUNTS]


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
    try:
        url = resolve_url(db, database_url)
        path = sqlite_path(url)
        if path is not None and not warn_network_share(path, allowed=allow_network_share):
            return 1
        database = _open_or_recover(url, path)
        if database is None:
            return 1
        if needs_upgrade(database):
            if path is not None:
                backup_before_upgrade(path)  # before any migration touches it, waiting for it
            upgrade(database)
            start_backup = None
        else:  # nothing will change the file: the copy is taken once the login window shows
            start_backup = BackgroundBackup(path) if path is not None else None
    except EnvironmentProblem as exc:
        QMessageBox.critical(None, "无法打开数据库", exc.message)
        return 1
    try:
        return _run_windows(app, database, database_url, start_backup, demo_login, startup_probe)
    finally:
        if start_backup is not None:
            start_backup.wait()


def _open_or_recover(url: str, path: Path | None) -> Database | None:
    """The database, opened. A damaged SQLite file is not refused outright: the person is
    offered the same recovery as ``zongzhi restore`` (a backup chosen from a list), then the
    restored file is opened. None when they decline."""
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


def _run_windows(
    app: QApplication,
    database: Database,
    database_url: str | None,
    start_backup: BackgroundBackup | None,
    demo_login: bool,
    startup_probe: bool,
) -> int:
    worker = DbWorker(database)
    while not worker.call_now(setup.is_initialised):
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
        window = build_main_window(database, login.actor, DbWorker(database))
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
        if not logged_out:
            return 0
