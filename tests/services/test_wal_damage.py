"""A damaged WAL frame makes SQLite silently drop the committed transactions after it;
``zongzhi check`` says so (issue 16, section 7)."""

from __future__ import annotations

import shutil
import sqlite3
from pathlib import Path

import pytest

from app.cli import main
from app.services.data.wal import wal_damage

pytestmark = pytest.mark.sqlite_only


def crashed_copy(db, folder: Path, commits: int) -> Path:
    """The database as a crash leaves it: ``commits`` transactions only in its -wal."""
    db.dispose()
    conn = sqlite3.connect(db.path, isolation_level=None)
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    conn.execute("PRAGMA wal_autocheckpoint=0")
    for i in range(commits):
        conn.execute("INSERT INTO settings(key, value) VALUES (?, '1')", (f"probe{i}",))
    copy = folder / "crashed.sqlite3"  # beside the original: the same key store
    shutil.copy(db.path, copy)
    shutil.copy(str(db.path) + "-wal", str(copy) + "-wal")
    conn.close()
    return copy


def test_a_sound_wal_is_not_reported(db, tmp_path, capsys):
    copy = crashed_copy(db, db.path.parent, 4)
    assert wal_damage(copy) is None
    assert main(["check", "--db", str(copy)]) == 0, "".join(capsys.readouterr())


def test_a_damaged_wal_frame_is_reported_with_what_is_lost(db, capsys):
    copy = crashed_copy(db, db.path.parent, 4)
    wal = Path(str(copy) + "-wal")
    with sqlite3.connect(copy) as conn:
        page = conn.execute("PRAGMA page_size").fetchone()[0]
    conn.close()
    with open(wal, "r+b") as f:  # a byte in the second frame's page
        f.seek(32 + (24 + page) + 24 + 100)
        byte = f.read(1)
        f.seek(-1, 1)
        f.write(bytes([byte[0] ^ 0xFF]))
    damage = wal_damage(copy)
    assert damage is not None and damage.bad_frame == 2 and damage.commits_lost >= 3
    code = main(["check", "--db", str(copy)])
    out = "".join(capsys.readouterr())
    assert code == 1
    assert "WAL 文件" in out and "第 2 帧损坏" in out and "已提交的事务" in out, out


def test_a_database_older_than_its_last_backup_says_so(db, capsys):
    """The WAL was lost (or discarded) after a backup: the database is the backup's past."""
    from app.services.data.backup import automatic_backup
    from app.services.security import audit
    from tests.conftest import actor

    db.dispose()
    conn = sqlite3.connect(db.path, isolation_level=None)
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    conn.execute("PRAGMA wal_autocheckpoint=0")
    saved = db.path.read_bytes()  # the file at its last checkpoint
    admin = actor(db, "admin")
    with db.write() as s:
        for _ in range(3):
            audit.record(s, admin, "probe")
    copy = automatic_backup(db.path, reason="daily")
    db.dispose()
    conn.close()
    Path(str(db.path) + "-wal").unlink(missing_ok=True)
    db.path.write_bytes(saved)  # the WAL gone: the database as of its last checkpoint
    code = main(["check", "--db", str(db.path)])
    out = "".join(capsys.readouterr())
    assert code == 1
    assert "最后一次检查点早于最近一次备份" in out and "WAL" in out and copy.name in out, out
