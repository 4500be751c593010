"""Backups of a SQLite database: online copies, verified, rotated; restore keeps the old file.

The online backup API copies a live database consistently, WAL included (a plain file copy
would miss the ``-wal``). Every copy is checked with ``integrity_check`` before it counts, and
gets a manifest beside it (its SHA-256 and the audit chain's head, see ``backup_manifest``).
Rotation keeps the newest copy of each of the last 7 days, 4 ISO weeks and 12 months — the
center's settings ``backup_keep_daily/weekly/monthly``, read from the copy just made.
"""

from __future__ import annotations

import errno
import os
import re
import shutil
import sqlite3
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

from app.core import clock
from app.core.errors import DatabaseUnusable, DiskFull, EnvironmentProblem, ServiceError
from app.core.private_files import private_file, private_folder
from app.services.data.backup_manifest import (
    GENESIS,
    Snapshot,
    head_file,
    manifest_data,
    manifest_path,
    read_snapshot,
    write_backup_manifest,
    write_json,
)

MANUAL = "manual"  # the reason tag of a backup a person asked for
REASONS = frozenset({"start", "daily", MANUAL})  # tags between the database's name and the time
NAME = re.compile(r"^(?P<stem>.+)-(?P<stamp>\d{8}-\d{6})\.sqlite3$")


@dataclass(frozen=True)
class Retention:
    daily: int = 7
    weekly: int = 4
    monthly: int = 12

    @classmethod
    def from_settings(cls, values) -> Retention:
        """From ``CenterSettings`` or a dict of stored settings; a missing or bad value keeps
        its default (a backup is never refused over its rotation)."""
        get = values.get if isinstance(values, dict) else lambda k, d: getattr(values, k, d)
        counts = {}
        for name, default in (("daily", 7), ("weekly", 4), ("monthly", 12)):
            value = get(f"backup_keep_{name}", default)
            ok = isinstance(value, int) and not isinstance(value, bool) and value >= 1
            counts[name] = value if ok else default
        return cls(**counts)


def integrity_ok(path: Path) -> tuple[bool, str]:
    try:
        with sqlite3.connect(f"file:{path}?mode=ro", uri=True) as conn:
            rows = [r[0] for r in conn.execute("PRAGMA integrity_check")]
        conn.close()
    except sqlite3.DatabaseError as exc:
        return False, str(exc)
    return rows == ["ok"], "；".join(rows[:3])


def _environment_problem(exc: sqlite3.Error, src: Path, dest: Path) -> EnvironmentProblem:
    from app.db import disk_nearly_full, translate_operational_error

    if disk_nearly_full(dest.parent):  # SQLite says "disk I/O error" when -shm cannot grow
        return DiskFull(f"磁盘空间不足（{dest.parent}），备份没有完成。请清理磁盘后重试。")
    problem = translate_operational_error(exc, path=src)
    if isinstance(problem, EnvironmentProblem):
        return type(problem)("备份没有完成：" + problem.message)
    return DatabaseUnusable(f"备份没有完成：{exc}")


def backup_database(src: Path, dest: Path, *, now: datetime | None = None) -> Path:
    """Copy ``src`` to ``dest`` with the online backup API, verify the copy, write its manifest."""
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
        snapshot = read_snapshot(partial)
        with open(partial, "rb+") as f:
            os.fsync(f.fileno())
        at = now or clock.now()
        write_backup_manifest(dest, copy=partial, source=src, snapshot=snapshot, at=at)
        try:
            os.replace(partial, dest)
        except OSError:
            manifest_path(dest).unlink(missing_ok=True)
            raise
    except sqlite3.Error as exc:
        partial.unlink(missing_ok=True)
        if "full" in str(exc).lower():
            raise DiskFull("磁盘空间不足，备份没有完成。请清理磁盘后重试。") from exc
        raise _environment_problem(exc, src, dest) from exc
    except OSError as exc:
        partial.unlink(missing_ok=True)
        if exc.errno == errno.ENOSPC:
            raise DiskFull("磁盘空间不足，备份没有完成。请清理磁盘后重试。") from exc
        raise DatabaseUnusable(f"备份失败：无法写入 {dest.parent}（{exc.strerror}）") from exc
    return dest


def backup_retention(backup: Path) -> Retention:
    """The rotation the center set, as stored in ``backup`` (a fresh copy of its database)."""
    try:
        return Retention.from_settings(read_snapshot(backup).settings)
    except sqlite3.Error:
        return Retention()


def backups_dir(db_path: Path) -> Path:
    return Path(db_path).parent / "backups"


def automatic_backup(
    db_path: Path,
    *,
    reason: str = "",
    now: datetime | None = None,
    retention: Retention | None = None,
) -> Path | None:
    """A dated copy into the backups folder, then rotation. None for a new, empty database.

    ``retention`` defaults to the center's own settings, read from the copy just made, so
    every caller (start-up, the daily timer, ``zongzhi backup``) rotates as the admin set it.
    """
    db_path = Path(db_path)
    if not db_path.exists() or db_path.stat().st_size == 0:
        return None
    now = now or clock.now()
    tag = f"-{reason}" if reason else ""
    dest = backups_dir(db_path) / f"{db_path.stem}{tag}-{now:%Y%m%d-%H%M%S}.sqlite3"
    backup_database(db_path, dest, now=now)
    rotate(backups_dir(db_path), retention or backup_retention(dest), db_stem=db_path.stem)
    return dest


def _copy_of(name: str, db_stem: str) -> re.Match | None:
    """The name's parts if it is a dated copy of the database called ``db_stem``."""
    m = NAME.match(name)
    if m is None:
        return None
    stem = m.group("stem")
    if stem == db_stem or (stem.startswith(db_stem + "-") and stem[len(db_stem) + 1 :] in REASONS):
        return m
    return None


def has_backup_on(db_path: Path, day: date) -> bool:
    folder = backups_dir(db_path)
    return folder.is_dir() and any(
        (m := _copy_of(p.name, Path(db_path).stem)) and m.group("stamp").startswith(f"{day:%Y%m%d}")
        for p in folder.glob("*.sqlite3")
    )


def rotate(
    folder: Path,
    retention: Retention = Retention(),  # noqa: B008
    *,
    db_stem: str | None = None,
) -> list[Path]:
    """Keep the newest automatic copy per day (7), ISO week (4) and month (12); remove the rest
    (with their manifests). Manual copies (``reason=MANUAL``) are left alone, and with
    ``db_stem`` only that database's copies are counted (two databases may share a folder)."""
    dated: list[tuple[datetime, Path]] = []
    for p in folder.glob("*.sqlite3"):
        m = NAME.match(p.name) if db_stem is None else _copy_of(p.name, db_stem)
        # A copy someone asked for (zongzhi backup) is theirs to remove, never rotated away.
        if m and not m.group("stem").endswith(f"-{MANUAL}"):
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
        manifest_path(p).unlink(missing_ok=True)
    return removed


def restore_database(backup: Path, db_path: Path, *, now: datetime | None = None) -> Path | None:
    """Replace ``db_path`` with a verified copy of ``backup``; the replaced file is kept aside.

    A restore manifest goes into the backups folder (and the head file beside the database):
    from now on ``zongzhi check`` compares the audit chain with the restored head, not with
    the longer chains of backups taken before the restore.
    """
    backup, db_path = Path(backup), Path(db_path)
    if not backup.exists():
        raise ServiceError(f"找不到备份文件 {backup}")
    ok, detail = integrity_ok(backup)
    if not ok:
        raise ServiceError(f"备份文件已损坏，不能用于恢复：{detail}")
    now = now or clock.now()
    aside = None
    if db_path.exists():
        aside = db_path.with_name(f"{db_path.stem}.replaced-{now:%Y%m%d-%H%M%S}.sqlite3")
        backup_database(db_path, aside, now=now)
        for suffix in ("-wal", "-shm"):
            Path(str(db_path) + suffix).unlink(missing_ok=True)
    tmp = db_path.with_name(db_path.name + ".restoring")
    shutil.copyfile(backup, tmp)
    os.replace(tmp, db_path)
    _record_restore(backup, db_path, now)
    return aside


def _record_restore(backup: Path, db_path: Path, now: datetime) -> None:
    try:
        snapshot = read_snapshot(db_path)
    except sqlite3.Error:  # integrity_ok passed; a file without our tables has no chain
        snapshot = Snapshot(0, GENESIS, None)
    data = manifest_data(
        "restore",
        database=db_path.name,
        snapshot=snapshot,
        at=now,
        file=db_path,
        name=backup.name,
        restored_from=str(backup.resolve()),
    )
    folder = backups_dir(db_path)
    private_folder(folder)
    write_json(folder / f"{db_path.stem}-restored-{now:%Y%m%d-%H%M%S}.manifest.json", data)
    write_json(head_file(db_path), {**data, "kind": "head"})
