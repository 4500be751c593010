"""Automatic backups: before an upgrade the start-up copy comes first; otherwise the login
window does not wait for it (it runs on its own thread once the window shows, and only once a
day), and the daily copy while running does not hold up the window's queries."""

from __future__ import annotations

import sqlite3
import threading
import time
from datetime import timedelta

import pytest
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication, QProgressDialog

import app.gui as gui
import app.views.auto_backup as startup
from app.core import clock
from app.core.errors import DiskFull
from app.db import head_revision, needs_upgrade, open_database
from app.services.data.backup import automatic_backup, backups_dir
from app.views.auto_backup import BackgroundBackup, backup_before_upgrade, has_backup_today

pytestmark = pytest.mark.sqlite_only  # backups are copies of the SQLite file


def left_by_an_older_program(db, revision: str) -> None:
    """Take the database back to ``revision`` (its migrations undone, not just its number
    changed: a later migration that adds a table must find it missing again)."""
    from alembic import command

    from app.db import alembic_config

    with db.engine.begin() as conn:
        command.downgrade(alembic_config(conn), revision)
    db.dispose()


def revision_of(path) -> str:
    with sqlite3.connect(path) as conn:
        (rev,) = conn.execute("SELECT version_num FROM alembic_version").fetchone()
    conn.close()
    return rev


def start_copies(path) -> list:
    return sorted(backups_dir(path).glob(f"{path.stem}-start-*.sqlite3"))


def test_a_copy_from_today_counts_only_if_it_is_of_this_database(tmp_path):
    path = tmp_path / "zongzhi.sqlite3"
    folder = backups_dir(path)
    folder.mkdir()
    today, yesterday = clock.today(), clock.today() - timedelta(days=1)
    (folder / f"other-start-{today:%Y%m%d}-080000.sqlite3").touch()
    (folder / f"zongzhi-daily-{yesterday:%Y%m%d}-230000.sqlite3").touch()
    (folder / f"zongzhi-start-{today:%Y%m%d}-080000.sqlite3.partial").touch()
    assert not has_backup_today(path)
    (folder / f"zongzhi-manual-{today:%Y%m%d}-080000.sqlite3").touch()
    assert has_backup_today(path)


def test_start_backup_runs_off_the_gui_thread_once_a_day(qtbot, db):
    release = threading.Event()
    threads = []

    def slow_backup(path):
        threads.append(threading.current_thread())
        release.wait(10)
        return startup.take_start_backup(path)

    job = BackgroundBackup(db.path, backup=slow_backup)
    started = time.perf_counter()
    job.start()
    assert time.perf_counter() - started < 0.5, "start() must not wait for the copy"
    qtbot.waitUntil(lambda: bool(threads), timeout=5000)
    assert threads[0] is not threading.main_thread()
    with qtbot.waitSignal(job.finished, timeout=15000) as made:
        release.set()
    assert made.args[0] is not None and made.args[0].exists()
    assert has_backup_today(db.path)
    # A verified copy from today is there: the next start does not copy again.
    again = BackgroundBackup(db.path)
    with qtbot.waitSignal(again.finished, timeout=15000) as skipped:
        again.start()
    assert skipped.args[0] is None
    assert len(start_copies(db.path)) == 1


def test_a_failed_start_backup_is_a_warning_that_blocks_nothing(qtbot, db):
    def full(_path):
        raise DiskFull("磁盘空间不足，备份没有完成。")

    job = BackgroundBackup(db.path, backup=full)
    with qtbot.waitSignal(job.failed, timeout=5000):
        job.start()
    qtbot.waitUntil(lambda: job.warning is not None and job.warning.isVisible(), timeout=5000)
    assert "磁盘空间不足" in job.warning.text()
    assert not job.warning.isModal()
    job.warning.close()


def test_login_window_shows_while_the_start_backup_is_still_running(qtbot, db, monkeypatch):
    """No migration pending: the login window is on screen before the copy is done."""
    started, release = threading.Event(), threading.Event()
    seen = {}
    real = startup.take_start_backup

    def slow_backup(path):
        started.set()
        release.wait(10)
        seen["finished"] = True
        return real(path)

    def probe(dialog):
        def ready():
            deadline = time.monotonic() + 10
            while not started.is_set() and time.monotonic() < deadline:
                QApplication.processEvents()
                time.sleep(0.01)
            seen["login_visible_during_backup"] = (
                dialog.isVisible() and started.is_set() and "finished" not in seen
            )
            release.set()
            dialog.reject()

        QTimer.singleShot(0, ready)

    monkeypatch.setattr(startup, "take_start_backup", slow_backup)
    monkeypatch.setattr(gui, "_probe_when_shown", probe)
    assert not needs_upgrade(db)
    db.dispose()
    assert gui.run_gui(str(db.path), None, startup_probe=True) == 0
    assert seen["login_visible_during_backup"]
    assert seen.get("finished"), "quitting waits for a copy in progress"
    assert len(start_copies(db.path)) == 1


def test_a_pending_migration_is_backed_up_first_and_then_upgraded(qtbot, db, monkeypatch):
    path = db.path
    left_by_an_older_program(db, "0013")
    monkeypatch.setattr(gui, "_probe_when_shown", _reject_when_shown)
    assert gui.run_gui(str(path), None, startup_probe=True) == 0
    (copy,) = start_copies(path)
    assert revision_of(copy) == "0013", "the copy was taken before the upgrade"
    assert revision_of(path) == head_revision()


def test_no_upgrade_without_its_backup(qtbot, db, monkeypatch):
    path = db.path
    left_by_an_older_program(db, "0013")

    def full(_path):
        raise DiskFull("磁盘空间不足，备份没有完成。")

    shown = []
    monkeypatch.setattr(startup, "backup_first", full)
    monkeypatch.setattr(gui.QMessageBox, "critical", lambda *a: shown.append(a[2]))
    assert gui.run_gui(str(path), None, startup_probe=True) == 1
    assert "磁盘空间不足" in shown[0]
    assert revision_of(path) == "0013", "not upgraded"


def test_a_long_backup_before_an_upgrade_shows_progress(qtbot, db, monkeypatch):
    path = db.path  # a set-up center (a database the wizard has not filled is not copied)
    monkeypatch.setattr(startup, "PROGRESS_AFTER_MS", 50)
    seen = []

    def slow(p):
        time.sleep(0.6)
        return automatic_backup(p, reason="start")

    def look():
        seen.extend(
            w.windowTitle()
            for w in QApplication.topLevelWidgets()
            if isinstance(w, QProgressDialog) and w.isVisible()
        )

    QTimer.singleShot(400, look)
    copy = backup_before_upgrade(path, backup=slow)
    assert copy is not None and copy.exists()
    assert "正在备份…" in seen


def _reject_when_shown(dialog) -> None:
    QTimer.singleShot(0, dialog.reject)


def test_the_daily_backup_does_not_hold_up_the_window_s_queries(qtbot, db, monkeypatch):
    import app.views.main_window as main_window
    from app.gui import build_main_window
    from tests.conftest import actor

    release, threads = threading.Event(), []

    def slow_daily(path):
        threads.append(threading.current_thread())
        release.wait(10)
        return startup.take_daily_backup(path)

    monkeypatch.setattr(main_window, "take_daily_backup", slow_daily)
    w = build_main_window(db, actor(db, "jiedai"))
    qtbot.addWidget(w)
    w.daily_backup()
    qtbot.waitUntil(lambda: bool(threads), timeout=5000)
    answered = []
    w.ctx.worker.submit(lambda s: 42, answered.append)  # a query while the copy is made
    qtbot.waitUntil(lambda: answered == [42], timeout=5000)
    with qtbot.waitSignal(w._daily_backup.finished, timeout=15000) as made:
        release.set()
    assert "-daily-" in made.args[0].name


def test_a_failed_daily_backup_is_said_in_the_status_bar(qtbot, db, monkeypatch):
    import app.views.main_window as main_window
    from app.gui import build_main_window
    from tests.conftest import actor

    def full(_path):
        raise DiskFull("磁盘空间不足，备份没有完成。")

    monkeypatch.setattr(main_window, "take_daily_backup", full)
    w = build_main_window(db, actor(db, "jiedai"))
    qtbot.addWidget(w)
    with qtbot.waitSignal(w._daily_backup.failed, timeout=5000):
        w.daily_backup()
    assert "自动备份失败：磁盘空间不足" in w.statusBar().currentMessage()


def test_the_days_backup_is_of_the_set_up_center_and_taken_again_after_the_first_log_in(
    tmp_path, db, clock
):
    """A brand-new database (migrated, the first-run wizard not done) is not copied: such a
    copy would count as the day's backup and hold nothing. The first log-in of the day takes
    a copy of its own, once."""
    empty = tmp_path / "new" / "zongzhi.sqlite3"
    open_database(empty).dispose()
    assert automatic_backup(empty, reason="start") is None
    assert not has_backup_today(empty)

    path = db.path
    clock.freeze("2027-01-05T08:00")
    assert startup.take_start_backup(path) is not None  # a set-up center: copied
    clock.freeze("2027-01-05T08:05")
    first = startup.take_login_backup(path)
    assert first is not None and "-login-" in first.name  # although a copy of today exists
    clock.freeze("2027-01-05T09:00")
    assert startup.take_login_backup(path) is None  # once a day
