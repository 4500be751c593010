"""Automatic backups (issue 8) without keeping anyone waiting.

At start-up, when a migration is pending, the copy is taken before the upgrade and start-up
waits for it, showing "正在备份…" if it takes a moment (``backup_before_upgrade``). Otherwise
nothing is about to change the file, so ``BackgroundBackup`` takes the copy on a thread of its
own once the login window is on screen — copying and checking a few hundred megabytes takes
seconds — and skips it when a verified copy from today is already there. The daily copy while
running goes the same way. A failure is shown without blocking anything.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import date
from pathlib import Path

from PySide6.QtCore import QEventLoop, QObject, Qt, QThreadPool, QTimer, Signal
from PySide6.QtWidgets import QApplication, QMessageBox, QProgressDialog

from app.core import clock
from app.services.data.backup import (
    LOGIN,
    AuditTampered,
    automatic_backup,
    has_backup_after_login,
    has_backup_on,
)

from .worker import Relay, Task

log = logging.getLogger(__name__)

# "正在备份…" appears only if the copy before an upgrade is not done by then.
PROGRESS_AFTER_MS = 400

Backup = Callable[[Path], Path | None]


def has_backup_today(path: Path, today: date | None = None) -> bool:
    """Whether the backups folder holds a copy of this database made today.

    A copy gets its final name only after ``integrity_check`` passed, so every copy found is
    a verified one. Copies of another database kept in the same folder do not count.
    """
    return has_backup_on(path, today or clock.today())


def take_start_backup(path: Path) -> Path | None:
    """The start-up copy, unless a verified one from today exists (None then, or when empty)."""
    if has_backup_today(path):
        return None
    return automatic_backup(path, reason="start")


def take_daily_backup(path: Path) -> Path | None:
    """The copy of the day while running (the hourly timer asks), unless there is one."""
    if has_backup_today(path):
        return None
    return automatic_backup(path, reason="daily")


def take_login_backup(path: Path) -> Path | None:
    """The copy after the day's first log-in: the center as set up and in use that day (the
    start-up copy may be of a database the wizard had not filled yet)."""
    if has_backup_after_login(path, clock.today()):
        return None
    return automatic_backup(path, reason=LOGIN)


def backup_first(path: Path) -> Path | None:
    """The copy before an upgrade: always taken, whatever was copied earlier today."""
    return automatic_backup(path, reason="start")


class BackgroundBackup(QObject):
    """A backup on a thread of its own — not the database worker, so the window's queries do
    not queue behind a copy of the whole file. ``start()`` again while a copy is being made
    does nothing.

    Signals: ``finished(object)`` with the copy's path (None when skipped), ``failed(object)``
    with the exception (with ``warn``, also shown in a non-modal warning).
    """

    finished = Signal(object)
    failed = Signal(object)

    def __init__(
        self,
        path: Path,
        parent: QObject | None = None,
        *,
        backup: Backup | None = None,
        warn: bool = True,
    ):
        super().__init__(parent)
        self.path = path
        self._backup = backup or take_start_backup
        self._warn = warn
        self._pool = QThreadPool(self)
        self._pool.setMaxThreadCount(1)
        self._relay = Relay(self)
        self._relay.done.connect(self._on_done)
        self._relay.failed.connect(self._on_failed)
        self.running = False
        self.warning: QMessageBox | None = None

    def start(self) -> None:
        if self.running:
            return
        self.running = True
        path, backup = self.path, self._backup
        self._pool.start(Task(lambda: backup(path), self._relay))

    def start_when_shown(self) -> None:
        """Start once the event loop runs: right after the window being opened is shown."""
        QTimer.singleShot(0, self, self.start)

    def wait(self, msecs: int = -1) -> bool:
        """Let a copy in progress finish (on quitting): it takes seconds, and a backup cut off
        halfway is no backup."""
        return self._pool.waitForDone(msecs)

    def _on_done(self, path) -> None:
        self.running = False
        self.finished.emit(path)

    def _on_failed(self, exc: BaseException) -> None:
        self.running = False
        message = getattr(exc, "message", None) or str(exc)
        log.warning("自动备份没有完成：%s", message)
        self.failed.emit(exc)
        if not self._warn:
            return
        if isinstance(exc, AuditTampered):  # the copy was made; the audit trail was edited
            title, text = "审计记录异常", message
        else:
            title = "自动备份没有完成"
            text = (
                f"启动时的自动备份没有完成：{message}\n\n程序可以照常使用。请检查磁盘，"
                "然后用 zongzhi backup 手动备份，或等运行中的每日备份。"
            )
        box = QMessageBox(
            QMessageBox.Icon.Warning,
            title,
            text,
            QMessageBox.StandardButton.Ok,
            # A child of the window in front (the modal login dialog, say), so it is not
            # blocked by it; non-modal, so it blocks nothing itself.
            QApplication.activeModalWidget() or QApplication.activeWindow(),
        )
        box.setWindowModality(Qt.WindowModality.NonModal)
        box.show()
        self.warning = box


def backup_before_upgrade(path: Path, *, backup: Backup | None = None) -> Path | None:
    """Back up before a migration and wait for it; "正在备份…" shows if it takes a while.

    The copy runs on a thread so that the progress window paints. Its error is raised here:
    the upgrade must not go ahead without it.
    """
    do = backup or backup_first
    outcome: dict[str, object] = {}
    loop = QEventLoop()
    relay = Relay()
    relay.done.connect(lambda r: (outcome.setdefault("done", r), loop.quit()))
    relay.failed.connect(lambda e: (outcome.setdefault("error", e), loop.quit()))
    progress = QProgressDialog("正在备份数据库，完成后升级数据库…", "", 0, 0)
    progress.setWindowTitle("正在备份…")
    progress.setCancelButton(None)  # no upgrade without its backup
    progress.setWindowModality(Qt.WindowModality.ApplicationModal)
    progress.setMinimumDuration(24 * 3600 * 1000)  # shown by our timer, not Qt's own
    show_later = QTimer(singleShot=True, interval=PROGRESS_AFTER_MS)
    show_later.timeout.connect(progress.show)
    pool = QThreadPool()
    pool.setMaxThreadCount(1)
    pool.start(Task(lambda: do(path), relay))
    show_later.start()
    loop.exec()  # the result arrives as a queued signal, so always inside this loop
    pool.waitForDone()
    show_later.stop()
    progress.close()
    progress.deleteLater()
    if "error" in outcome:
        raise outcome["error"]  # type: ignore[misc]
    return outcome.get("done")  # type: ignore[return-value]
