"""Backups: online copies that verify, rotation, and a restore that round-trips every table."""

from __future__ import annotations

import shutil
import sqlite3
from datetime import date, datetime, timedelta
from pathlib import Path

import pytest

from app.cli import main
from app.core.errors import DiskFull, ServiceError
from app.db import network_share_reason
from app.services.data.backup import (
    Retention,
    automatic_backup,
    backup_database,
    has_backup_on,
    manifest_path,
    restore_database,
    rotate,
)


def table_contents(path: Path) -> dict[str, list]:
    with sqlite3.connect(path) as conn:
        tables = [
            r[0]
            for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table' ORDER BY name")
        ]
        out = {t: sorted(map(repr, conn.execute(f'SELECT * FROM "{t}"'))) for t in tables}
    conn.close()
    return out


def test_restore_round_trips_every_table(tmp_path, capsys):
    db = tmp_path / "center.sqlite3"
    assert main(["demo", "--db", str(db), "--matters", "40"]) == 0
    before = table_contents(db)
    backup = tmp_path / "b.sqlite3"
    assert main(["backup", "--db", str(db), "--out", str(backup)]) == 0
    assert "已备份并校验" in capsys.readouterr().out
    assert main(["demo", "--db", str(db), "--matters", "5"]) == 0  # later changes
    after = table_contents(db)
    assert after != before
    assert main(["restore", str(backup), "--db", str(db)]) == 0
    out = capsys.readouterr().out
    assert "原数据库另存为" in out
    assert table_contents(db) == before
    aside = next(tmp_path.glob("center.replaced-*.sqlite3"))
    assert table_contents(aside) == after, "the replaced database is kept"


def test_a_damaged_backup_is_refused(tmp_path):
    bad = tmp_path / "bad.sqlite3"
    bad.write_bytes(b"SQLite format 3\x00" + b"\x00" * 200)
    with pytest.raises(ServiceError, match="已损坏"):
        restore_database(bad, tmp_path / "db.sqlite3")


@pytest.mark.sqlite_only
def test_automatic_backups_rotate_to_7_daily_4_weekly_12_monthly(tmp_path, db):
    first = automatic_backup(db.path, now=datetime(2025, 1, 1, 9))
    folder = first.parent
    last = datetime(2026, 2, 4, 9)
    for day in range(400):  # a copy every day for 400 days
        stamp = (last - timedelta(days=day)).strftime("%Y%m%d-%H%M%S")
        (folder / f"{db.path.stem}-{stamp}.sqlite3").write_bytes(first.read_bytes())
    rotate(folder)
    kept = sorted(datetime.strptime(p.name[-23:-8], "%Y%m%d-%H%M%S") for p in folder.iterdir())
    assert [last - timedelta(days=d) for d in range(7)] == sorted(kept, reverse=True)[:7]
    assert len(kept) <= 7 + 4 + 12
    months = {(t.year, t.month) for t in kept}
    assert len(months) == 12, "one copy for each of the last 12 months"
    assert min(kept) >= last - timedelta(days=366)


@pytest.mark.sqlite_only
def test_a_backup_someone_asked_for_is_never_rotated_away(tmp_path, db):
    asked = automatic_backup(db.path, reason="manual", now=datetime(2026, 3, 2, 8))
    for day in range(30):  # a month of automatic copies, one the same day after it
        automatic_backup(db.path, reason="daily", now=datetime(2026, 3, 2, 9) + timedelta(days=day))
    assert asked.exists() and manifest_path(asked).exists()
    copies = list(asked.parent.glob("*.sqlite3"))
    assert len(copies) <= 1 + 7 + 4 + 12 and asked in copies


@pytest.mark.sqlite_only
def test_two_databases_sharing_a_backups_folder_keep_their_own_copies(tmp_path, db):
    other = tmp_path / "other" / "zongzhi-old.sqlite3"
    other.parent.mkdir()
    shutil.copy(db.path, other)
    shared = db.path.parent / "backups"
    shared.mkdir(exist_ok=True)
    (other.parent / "backups").symlink_to(shared, target_is_directory=True)
    theirs = automatic_backup(other, reason="daily", now=datetime(2026, 3, 1, 9))
    assert not has_backup_on(db.path, date(2026, 3, 1))
    for day in range(30):
        automatic_backup(db.path, reason="daily", now=datetime(2026, 3, 2, 9) + timedelta(days=day))
    assert theirs.exists(), "one database's rotation never removes the other's copies"
    assert has_backup_on(other, date(2026, 3, 1)) and has_backup_on(db.path, date(2026, 3, 31))


def test_backup_rotation_counts_are_settings_the_admin_may_change(db, admin):
    from app.core.errors import ValidationError
    from app.services.center.settings import load_settings, update_settings

    with db.read() as s:
        settings = load_settings(s)
    assert (settings.backup_keep_daily, settings.backup_keep_weekly) == (7, 4)
    assert settings.backup_keep_monthly == 12
    for bad, message in ((0, "应在 1–366 之间"), ("七", "应填写整数"), (400, "应在 1–366 之间")):
        with pytest.raises(ValidationError, match=message), db.write() as s:
            update_settings(s, admin, backup_keep_daily=bad)
    with db.write() as s:
        update_settings(s, admin, backup_keep_daily=2, backup_keep_weekly=1, backup_keep_monthly=3)
    with db.read() as s:
        assert Retention.from_settings(load_settings(s)) == Retention(2, 1, 3)


@pytest.mark.sqlite_only
def test_automatic_backups_rotate_as_the_center_set(tmp_path, db, admin):
    from app.services.center.settings import update_settings

    with db.write() as s:
        update_settings(s, admin, backup_keep_daily=2, backup_keep_weekly=1, backup_keep_monthly=1)
    now = datetime(2026, 3, 20, 9)
    first = automatic_backup(db.path, now=now - timedelta(days=10))
    for day in range(1, 10):  # a copy a day before today's
        stamp = (now - timedelta(days=day)).strftime("%Y%m%d-%H%M%S")
        (first.parent / f"{db.path.stem}-{stamp}.sqlite3").write_bytes(first.read_bytes())
    today = automatic_backup(db.path, now=now)  # rotation reads the counts from this copy
    kept = sorted(p.name for p in today.parent.glob("*.sqlite3"))
    yesterday = (now - timedelta(days=1)).strftime("%Y%m%d")
    assert kept == [f"{db.path.stem}-{yesterday}-090000.sqlite3", today.name]
    assert not (first.parent / (first.name + ".manifest.json")).exists(), "manifest rotated too"


@pytest.mark.sqlite_only
def test_backup_of_a_live_database_includes_uncheckpointed_writes(db, tmp_path):
    # WAL mode: recent commits live in the -wal file until a checkpoint.
    out = backup_database(db.path, tmp_path / "live.sqlite3")
    assert table_contents(out)["users"] == table_contents(db.path)["users"]


@pytest.mark.sqlite_only
def test_a_full_disk_during_a_backup_is_named_as_such(db, monkeypatch):
    """SQLite reports a full disk as "disk I/O error" when the -shm cannot grow: the message
    says the disk is full, not "备份失败：disk I/O error"."""
    import app.db as app_db

    real_connect = sqlite3.connect

    def connect(target, *args, **kwargs):
        if str(target) == str(db.path):
            raise sqlite3.OperationalError("disk I/O error")
        return real_connect(target, *args, **kwargs)

    monkeypatch.setattr(sqlite3, "connect", connect)
    monkeypatch.setattr(app_db, "disk_nearly_full", lambda _folder: True)
    with pytest.raises(DiskFull, match="磁盘空间不足"):
        automatic_backup(db.path, reason="start")
    assert not list((db.path.parent / "backups").glob("*.sqlite3*"))


def test_network_shares_are_recognised(tmp_path):
    mounts = tmp_path / "mounts"
    mounts.write_text(
        "/dev/sda1 / ext4 rw 0 0\nserver:/export /mnt/share nfs4 rw 0 0\n", encoding="utf-8"
    )
    assert "nfs4" in network_share_reason(Path("/mnt/share/db.sqlite3"), str(mounts))
    assert network_share_reason(Path("/home/a/db.sqlite3"), str(mounts)) is None
    assert network_share_reason(Path("//server/share/db.sqlite3")) == "UNC 网络路径"
