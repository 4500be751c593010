"""The audit head kept outside the database: cutting off the chain's tail is noticed."""

from __future__ import annotations

import json
import os
import sqlite3
import stat
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select, update

from app.cli import main
from app.core import clock
from app.db import head_revision
from app.models import AuditEntry
from app.services.data.backup import (
    AuditTampered,
    automatic_backup,
    backup_database,
    restore_database,
)
from app.services.data.backup_manifest import head_file, manifest_path, sha256_of
from app.services.security import audit
from tests.conftest import actor

pytestmark = pytest.mark.sqlite_only  # backups and manifests are files beside a SQLite file


def check(db_path: Path, capsys, *extra: str) -> tuple[int, str]:
    code = main(["check", "--db", str(db_path), *extra])
    out, err = capsys.readouterr()
    return code, out + err


def audit_count(db) -> int:
    with db.read() as s:
        return s.scalar(select(func.max(AuditEntry.seq)))


def add_audit_rows(db, n: int) -> None:
    admin = actor(db, "admin")
    with db.write() as s:
        for _ in range(n):
            audit.record(s, admin, "probe")


def cut_tail(db_path: Path, from_seq: int) -> None:
    with sqlite3.connect(db_path) as conn:
        conn.execute("DELETE FROM audit_log WHERE seq >= ?", (from_seq,))
    conn.close()


def test_every_backup_writes_a_manifest_beside_it(db, tmp_path):
    copy = automatic_backup(db.path, reason="manual")
    manifest = json.loads(manifest_path(copy).read_text(encoding="utf-8"))
    assert manifest["kind"] == "backup" and manifest["backup"] == copy.name
    assert manifest["database"] == db.path.name
    assert manifest["sha256"] == sha256_of(copy) and manifest["size"] == copy.stat().st_size
    assert manifest["audit_head"]["seq"] == audit_count(db)
    with db.read() as s:
        last = s.scalar(select(AuditEntry.hash).order_by(AuditEntry.seq.desc()).limit(1))
    assert manifest["audit_head"]["hash"] == last
    assert manifest["schema_revision"] == head_revision()
    assert datetime.fromisoformat(manifest["created_at"])
    # The head file beside the database says the same; both readable by their owner only.
    head = json.loads(head_file(db.path).read_text(encoding="utf-8"))
    assert head["audit_head"] == manifest["audit_head"] and head["kind"] == "head"
    if os.name == "posix":
        assert stat.S_IMODE(head_file(db.path).stat().st_mode) == 0o600
        assert stat.S_IMODE(manifest_path(copy).stat().st_mode) == 0o600
    # A backup to a chosen file (zongzhi backup --out) has its manifest too.
    out = backup_database(db.path, tmp_path / "elsewhere" / "copy.sqlite3")
    assert json.loads(manifest_path(out).read_text(encoding="utf-8"))["sha256"] == sha256_of(out)


def test_an_untouched_database_checks_clean(db, capsys):
    code, text = check(db.path, capsys)
    assert code == 0 and "备份清单：还没有" in text
    automatic_backup(db.path, reason="start")
    add_audit_rows(db, 3)  # work after the backup is normal
    code, text = check(db.path, capsys)
    assert code == 0, text
    assert "与现有审计记录一致" in text


def test_cutting_off_the_audit_tail_after_a_backup_is_reported(db, capsys):
    add_audit_rows(db, 10)
    automatic_backup(db.path, reason="daily")
    had = audit_count(db)
    cut_tail(db.path, had - 4)
    code, text = check(db.path, capsys)
    assert code == 1
    assert "审计记录被截断：" in text and f"已有 {had} 条" in text
    assert f"现在只有 {had - 5} 条" in text
    # The chain that is left is itself intact: only the manifest shows the loss.
    assert "哈希链完整" in text


def test_the_head_file_remembers_after_the_manifests_are_rotated_away(db, capsys):
    add_audit_rows(db, 6)
    first = automatic_backup(db.path, now=clock.now() - timedelta(days=3))
    had = audit_count(db)
    cut_tail(db.path, had - 2)
    with pytest.raises(AuditTampered, match="审计记录被截断"):
        automatic_backup(db.path)  # the next start's backup has the short chain: it says so
    for old in (first, manifest_path(first)):
        old.unlink()  # as rotation would, some days later
    code, text = check(db.path, capsys)
    assert code == 1 and f"已有 {had} 条" in text, text


def test_a_rewritten_chain_is_reported_at_the_manifests_head(db, capsys):
    """Someone edits a row and recomputes every later hash with the plain function: the keyed
    chain no longer verifies, and the manifest's head hash differs too."""
    automatic_backup(db.path, reason="manual")
    head = audit_count(db)
    with db.write() as s:
        s.execute(update(AuditEntry).where(AuditEntry.seq == 2).values(username="mallory"))
        prev = s.scalar(select(AuditEntry.hash).where(AuditEntry.seq == 1))
        for e in s.scalars(select(AuditEntry).where(AuditEntry.seq >= 2).order_by(AuditEntry.seq)):
            e.prev_hash = prev
            e.hash = prev = audit._hash(prev, e)
    code, text = check(db.path, capsys)
    assert code == 1 and "第 2 条审计记录被修改" in text
    assert f"第 {head} 条审计记录与" in text and "改写" in text


def test_a_backup_file_that_differs_from_its_manifest_is_reported(db, capsys):
    copy = automatic_backup(db.path, reason="manual")
    with open(copy, "r+b") as f:
        f.seek(200)
        f.write(b"\x01")
    code, text = check(db.path, capsys)
    assert code == 1 and copy.name in text and "SHA-256 不同" in text


def test_restore_from_an_older_backup_still_checks_clean(db, capsys):
    older = automatic_backup(db.path, now=clock.now() - timedelta(days=1))
    add_audit_rows(db, 5)
    automatic_backup(db.path, reason="daily")  # a longer chain than the one restored
    db.dispose()
    assert main(["restore", str(older), "--db", str(db.path)]) == 0
    code, text = check(db.path, capsys)
    assert code == 0, text
    assert f"用备份 {older.name} 恢复过" in text
    # Later work and backups go on from the restored head.
    add_audit_rows(db, 2)
    automatic_backup(db.path, reason="daily")
    code, text = check(db.path, capsys)
    assert code == 0, text


def test_check_compares_with_a_manifest_given_on_the_command_line(db, tmp_path, capsys):
    out = backup_database(db.path, tmp_path / "u盘" / "copy.sqlite3")
    had = audit_count(db)
    head_file(db.path).unlink()  # nothing beside the database any more
    cut_tail(db.path, had)
    assert check(db.path, capsys)[0] == 0  # nothing to compare with
    code, text = check(db.path, capsys, "--manifest", str(manifest_path(out)))
    assert code == 1 and f"已有 {had} 条" in text
    code, text = check(db.path, capsys, "--manifest", str(tmp_path / "nope.json"))
    assert code == 1 and "读不出来" in text and "Traceback" not in text


def test_a_new_database_under_an_old_name_is_not_held_to_its_manifests(db, database_url, capsys):
    add_audit_rows(db, 5)
    automatic_backup(db.path, reason="manual")
    db.dispose()
    for suffix in ("", "-wal", "-shm"):
        Path(str(db.path) + suffix).unlink(missing_ok=True)
    from app.db import open_database
    from app.services.center import setup

    fresh = open_database(db.path)
    with fresh.write() as s:
        setup.init_center(
            s,
            center_name="另一个中心",
            prefix="LY",
            terminal="A",
            admin_username="admin",
            admin_password="Center#2026pw",
        )
    fresh.dispose()
    code, text = check(db.path, capsys)
    assert code == 0, text
    assert "属于同名的另一个数据库" in text


def test_restore_keeps_the_replaced_file_with_a_manifest(db, tmp_path):
    copy = backup_database(db.path, tmp_path / "b.sqlite3")
    add_audit_rows(db, 1)
    db.dispose()
    aside = restore_database(copy, db.path)
    assert aside is not None and manifest_path(aside).exists()
    with sqlite3.connect(db.path) as conn:
        restored = conn.execute("SELECT max(seq) FROM audit_log").fetchone()[0]
    conn.close()
    saved = json.loads(manifest_path(copy).read_text(encoding="utf-8"))["audit_head"]["seq"]
    assert restored == saved
    head = json.loads(head_file(db.path).read_text(encoding="utf-8"))
    assert head["audit_head"]["seq"] == saved, "the head file goes back with the restore"
