"""Personal data on disk is readable by its owner only: the database (with its -wal and -shm),
backups, drafts and attachments that the program creates."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest
from sqlalchemy import text

from app.db import open_database
from app.services.data.backup import backup_database
from app.services.drafts import DraftStore

pytestmark = pytest.mark.skipif(os.name != "posix", reason="POSIX file modes")


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_new_database_folder_file_wal_and_backup_are_private(tmp_path):
    data = tmp_path / "新中心" / "数据"
    db = open_database(data / "zongzhi.sqlite3")
    with db.write() as s:
        s.execute(text("CREATE TABLE probe (x)"))
        s.execute(text("INSERT INTO probe VALUES (1)"))
    assert mode(data) == 0o700
    assert mode(data / "zongzhi.sqlite3") == 0o600
    assert mode(data / "zongzhi.sqlite3-wal") == 0o600
    copy = backup_database(data / "zongzhi.sqlite3", data / "backups" / "copy.sqlite3")
    assert mode(copy) == 0o600
    db.dispose()


def test_an_existing_folder_and_file_keep_their_modes(tmp_path):
    shared = tmp_path / "shared"
    shared.mkdir(mode=0o755)
    os.chmod(shared, 0o755)
    existing = shared / "zongzhi.sqlite3"
    existing.touch()
    os.chmod(existing, 0o640)
    db = open_database(existing)
    assert mode(shared) == 0o755 and mode(existing) == 0o640
    db.dispose()


def test_drafts_folder_is_private(tmp_path):
    store = DraftStore(tmp_path / "drafts")
    store.save("jiedai", "intake", {"summary": "邻里噪音"})
    assert mode(tmp_path / "drafts") == 0o700
    assert all(mode(f) == 0o600 for f in (tmp_path / "drafts").iterdir())
