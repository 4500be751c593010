"""Backups of a SQLite database: online copies, verified, rotated; restore keeps the old file.

The online backup API copies a live database consistently, WAL included (a plain file copy
would miss the ``-wal``). Every copy is checked with ``integrity_check`` before it counts.
Rotation keeps the newest copy of each of the last 7 days, 4 ISO weeks and 12 months.
"""

from __future__ import annotations

import os
import re
import shutil
import sqlite3
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

from .errors import DatabaseUnusable, DiskFull, ServiceError
from .private_files import private_file

NAME = re.compile(r"^(?P<stem>.+)-(?P<stamp>\d{8}-\d{6})\.sqlite3$")


@dataclass(frozen=True)
class Retention:
    daily: int = 7
    weekly: int = 4
    monthly: int = 12


def integrity_ok(path: Path) -> tuple[bool, str]:
    try:
        with sqlite3.connect(f"file:{path}?mode=ro", uri=True) as conn:
            rows = [r[0] for r in conn.execute("PRAGMA integrity_check")]
        conn.close()
    except sqlite3.DatabaseError as exc:
        return False, str(exc)
    return rows == ["ok"], "；".join(rows[:3])


def backup_database(src: Path, dest: Path) -> Path:
    """Copy ``src`` to ``dest`` with the online backup API and verify the copy."""
    src, dest = Path(src), Path(dest)
    if not src.exists():
        raise ServiceError(f"找不到数据库文件 {src}")
    partial = dest.with_name(dest.name + ".partial")
    try:
        partial.unlink(missing_ok=True)  # a leftover from an interrupted run
        private_file(partial)
        with sqlite3.connect(src, timeout=30) as s_conn, sqlite3.connect(partial) as d_conn:
            s_conn.backup(d_conn)
            # One self-contained file: the copy inherits WAL mode, which would leave
            # -wal/-shm files beside it whenever it is opened.
            d_conn.execute("PRAGMA journal_mode=DELETE")
        s_conn.close()
        d_conn.close()
        ok, detail = integrity_ok(partial)
        if not ok:
            raise DatabaseUnusable(f"备份文件校验失败（{detail}），请检查磁盘后重试。")
        with open(partial, "rb+") as f:
            os.fsync(f.fileno())
        os.replace(partial, dest)
    except sqlite3.OperationalError as exc:
        partial.unlink(missing_ok=True)
        if "full" in str(exc).lower():
            raise DiskFull("磁盘空间不足，备份没有完成。请清理磁盘后重试。") from exc
        raise DatabaseUnusable(f"备份失败：{exc}") from exc
    except OSError as exc:
        partial.unlink(missing_ok=True)
        raise DatabaseUnusable(f"备份失败：无法写入 {dest.parent}（{exc.strerror}）") from exc
    return dest


def backups_dir(db_path: Path) -> Path:
    return Path(db_path).parent / "backups"


def automatic_backup(
    db_path: Path,
    *,
    reason: str = "",
    now: datetime | None = None,
    retention: Retention = Retention(),  # noqa: B008 — frozen dataclass, a constant
) -> Path | None:
    """A dated copy into the backups folder, then rotation. None for a new, empty database."""
    db_path = Path(db_path)
    if not db_path.exists() or db_path.stat().st_size == 0:
        return None
    now = now or datetime.now()
    tag = f"-{reason}" if reason else ""
    dest = backups_dir(db_path) / f"{db_path.stem}{tag}-{now:%Y%m%d-%H%M%S}.sqlite3"
    backup_database(db_path, dest)
    rotate(backups_dir(db_path), retention)
    return dest


def has_backup_on(db_path: Path, day: date) -> bool:
    folder = backups_dir(db_path)
    return folder.is_dir() and any(f"-{day:%Y%m%d}-" in p.name for p in folder.glob("*.sqlite3"))


def rotate(folder: Path, retention: Retention = Retention()) -> list[Path]:  # noqa: B008
    """Keep the newest copy per day (7), ISO week (4) and month (12); remove the rest."""
    dated: list[tuple[datetime, Path]] = []
    for p in folder.glob("*.sqlite3"):
        m = NAME.match(p.name)
        if m:
            dated.append((datetime.strptime(m.group("stamp"), "%Y%m%d-%H%M%S"), p))
    dated.sort(reverse=True)
    keep: set[Path] = set()
    for key, limit in (
        (lambda t: t.date(), retention.daily),
        (lambda t: t.isocalendar()[:2], retention.weekly),
        (lambda t: (t.year, t.month), retention.monthly),
    ):
        seen: list = []
        for t, p in dated:
            k = key(t)
            if k not in seen:
                if len(seen) >= limit:
                    break
                seen.append(k)
                keep.add(p)
    removed = [p for _t, p in dated if p not in keep]
    for p in removed:
        p.unlink(missing_ok=True)
    return removed


def restore_database(backup: Path, db_path: Path, *, now: datetime | None = None) -> Path | None:
    """Replace ``db_path`` with a verified copy of ``backup``; the replaced file is kept aside."""
    backup, db_path = Path(backup), Path(db_path)
    if not backup.exists():
        raise ServiceError(f"找不到备份文件 {backup}")
    ok, detail = integrity_ok(backup)
    if not ok:
        raise ServiceError(f"备份文件已损坏，不能用于恢复：{detail}")
    now = now or datetime.now()
    aside = None
    if db_path.exists():
        aside = db_path.with_name(f"{db_path.stem}.replaced-{now:%Y%m%d-%H%M%S}.sqlite3")
        backup_database(db_path, aside)
        for suffix in ("-wal", "-shm"):
            Path(str(db_path) + suffix).unlink(missing_ok=True)
    tmp = db_path.with_name(db_path.name + ".restoring")
    shutil.copyfile(backup, tmp)
    os.replace(tmp, db_path)
    return aside
