"""``zongzhi restore`` works on a damaged database: the damaged file (and its -wal/-shm) is set
aside by renaming, never copied through SQLite; the backup is put in place and checked; no
``*.partial`` file is left anywhere (issue 16, section 1)."""

from __future__ import annotations

import shutil
import sqlite3
from pathlib import Path

import pytest

from app.cli import main
from app.services.security.audit_key import key_file as audit_key_file
from tests.services.test_backup import table_contents

pytestmark = pytest.mark.sqlite_only


def _truncate_half(path: Path) -> None:
    size = path.stat().st_size
    with open(path, "r+b") as f:
        f.truncate(size // 2)


def _zero_first_100(path: Path) -> None:
    with open(path, "r+b") as f:
        f.write(b"\x00" * 100)


def _overwrite_8k_middle(path: Path) -> None:
    size = path.stat().st_size
    with open(path, "r+b") as f:
        f.seek(size // 2)
        f.write(b"\xa5" * 8192)


def _overwrite_last_page(path: Path) -> None:
    with sqlite3.connect(path) as conn:
        page = conn.execute("PRAGMA page_size").fetchone()[0]
    conn.close()
    size = path.stat().st_size
    with open(path, "r+b") as f:
        f.seek(size - page)
        f.write(b"\x5a" * page)


DAMAGE = {
    "truncated-to-half": _truncate_half,
    "first-100-bytes-zeroed": _zero_first_100,
    "8KiB-overwritten": _overwrite_8k_middle,
    "last-page-overwritten": _overwrite_last_page,
}


@pytest.fixture(scope="module")
def demo_center(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("demo")
    made = folder / "made.sqlite3"
    assert main(["demo", "--db", str(made), "--matters", "60"]) == 0
    db = folder / "center.sqlite3"
    with sqlite3.connect(made) as src, sqlite3.connect(db) as dest:  # one self-contained file
        src.backup(dest)
        dest.execute("PRAGMA journal_mode=DELETE")
    src.close()
    dest.close()
    # The audit chain's key (the terminal's key store) goes with the database.
    audit_key_file(db).parent.mkdir(exist_ok=True)
    shutil.copy2(audit_key_file(made), audit_key_file(db))
    return db


def copy_center(demo: Path, to: Path) -> Path:
    db = to / "center.sqlite3"
    db.write_bytes(demo.read_bytes())
    audit_key_file(db).parent.mkdir(exist_ok=True)
    shutil.copy2(audit_key_file(demo), audit_key_file(db))
    return db


@pytest.mark.parametrize("damage", DAMAGE)
def test_restore_replaces_a_damaged_database(damage, demo_center, tmp_path, capsys):
    db = copy_center(demo_center, tmp_path)
    backup = tmp_path / "backups" / "center-manual-20270105-090000.sqlite3"
    assert main(["backup", "--db", str(db), "--out", str(backup)]) == 0
    saved = table_contents(backup)
    # Work after the backup lives in the WAL until a checkpoint: the damaged set has both.
    held = sqlite3.connect(db, isolation_level=None)  # keeps the -wal and -shm in place
    held.execute("PRAGMA journal_mode=WAL")
    held.execute("PRAGMA wal_autocheckpoint=0")
    held.execute("UPDATE settings SET value = value")
    DAMAGE[damage](db)
    capsys.readouterr()
    assert main(["check", "--db", str(db)]) == 1
    assert "数据库文件损坏" in "".join(capsys.readouterr())

    code = main(["restore", str(backup), "--db", str(db)])
    out, err = capsys.readouterr()
    held.close()
    assert code == 0, err
    assert table_contents(db) == saved, "every row of the backup is present"
    # The message says what was set aside and where; the damaged bytes are all kept.
    aside = sorted(tmp_path.glob("center.replaced-*.sqlite3"))
    assert len(aside) == 1, out
    assert "损坏" in out and str(aside[0]) in out
    assert not list(tmp_path.rglob("*.partial")), "no partial file on any path"
    assert not list(tmp_path.rglob("*.restoring"))
    code = main(["check", "--db", str(db)])
    out, err = capsys.readouterr()
    assert code == 0, out + err


def test_a_refused_restore_leaves_no_partial_files(demo_center, tmp_path, capsys):
    db = copy_center(demo_center, tmp_path)
    bad = tmp_path / "bad.sqlite3"
    bad.write_bytes(demo_center.read_bytes()[: 4096 * 3])
    code = main(["restore", str(bad), "--db", str(db)])
    assert code == 1 and "已损坏" in capsys.readouterr().err
    assert db.read_bytes() == demo_center.read_bytes(), "the database is untouched"
    assert not list(tmp_path.rglob("*.partial")) and not list(tmp_path.rglob("*.restoring"))
    assert not list(tmp_path.glob("center.replaced-*"))


@pytest.mark.parametrize("damage", DAMAGE)
def test_a_refused_backup_of_a_damaged_database_leaves_no_partial_files(
    damage, demo_center, tmp_path, capsys
):
    db = copy_center(demo_center, tmp_path)
    DAMAGE[damage](db)
    assert main(["backup", "--db", str(db)]) == 1
    assert "损坏" in "".join(capsys.readouterr())
    assert not list(tmp_path.rglob("*.partial"))
