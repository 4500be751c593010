"""Backups of a SQLite database: online copies, verified, rotated; restore keeps the old file.

The online backup API copies a live database consistently, WAL included (a plain file copy
would miss the ``-wal``). Every copy is checked with ``integrity_check`` before it counts, and
gets a manifest beside it (its SHA-256 and the audit chain's head, see ``backup_manifest``).
Rotation keeps the newest copy of each of the last 7 days, 4 ISO weeks and 12 months — the
center's settings ``backup_keep_daily/weekly/monthly``, read from the copy just made.
"""

from __future__ import annotations

import contextlib
import errno
import os
import re
import shutil
import sqlite3
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

from app.core import clock
from app.core.errors import (
    DatabaseDamaged,
    DatabaseUnusable,
    DiskFull,
    EnvironmentProblem,
    ServiceError,
)
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
LOGIN = "login"  # the copy after the day's first log-in (the center as it is being used)
REASONS = frozenset(
    {"start", "daily", LOGIN, MANUAL}
)  # tags between the database's name and the time
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
            sound, found = integrity_ok(src)
            if not sound:  # the copy is bad because the database is: say so
                from app.db import damaged_message

                raise DatabaseDamaged("备份没有完成：" + damaged_message(src, found))
            raise DatabaseUnusable(f"备份文件校验失败（{detail}），请检查磁盘后重试。")
        snapshot = read_snapshot(partial)
        with open(partial, "rb+") as f:
            os.fsync(f.fileno())
        at = now or clock.now()
        _manifest, tampered = write_backup_manifest(
            dest, copy=partial, source=src, snapshot=snapshot, at=at
        )
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
    except BaseException:
        partial.unlink(missing_ok=True)  # no half-made copy is left on any path
        raise
    if tampered:
        raise AuditTampered(
            f"备份已完成：{dest}。但发现{tampered}。审计头文件 {head_file(src)} 没有更新"
            "（它只往前走，留作证据）。请运行 zongzhi check 查看，并报告中心负责人。",
            backup=dest,
        )
    return dest


class AuditTampered(ServiceError):
    """A backup was made, but the audit chain is not a continuation of the head file's."""

    def __init__(self, message: str, *, backup: Path | None = None):
        super().__init__(message)
        self.backup = backup


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
    if not db_path.exists() or db_path.stat().st_size == 0 or not holds_a_center(db_path):
        return None
    now = now or clock.now()
    tag = f"-{reason}" if reason else ""
    dest = backups_dir(db_path) / f"{db_path.stem}{tag}-{now:%Y%m%d-%H%M%S}.sqlite3"
    backup_database(db_path, dest, now=now)
    rotate(backups_dir(db_path), retention or backup_retention(dest), db_stem=db_path.stem)
    return dest


def holds_a_center(db_path: Path) -> bool:
    """Whether the file holds a set-up center (a user account): a copy of a database the
    first-run wizard has not filled yet would count as the day's backup and hold nothing."""
    try:
        conn = sqlite3.connect(f"file:{Path(db_path).as_posix()}?mode=ro", uri=True)
    except sqlite3.Error:
        return True  # let the copy itself say what is wrong with the file
    try:
        return bool(conn.execute("SELECT 1 FROM users LIMIT 1").fetchone())
    except sqlite3.Error as exc:
        return "no such table" not in str(exc)
    finally:
        conn.close()


def has_backup_after_login(db_path: Path, day: date) -> bool:
    """Whether a copy was made after a log-in on ``day`` (tagged ``login``)."""
    folder = backups_dir(db_path)
    stem = Path(db_path).stem
    return folder.is_dir() and any(
        p.name.startswith(f"{stem}-{LOGIN}-{day:%Y%m%d}") for p in folder.glob("*.sqlite3")
    )


def _copy_of(name: str, db_stem: str) -> re.Match | None:
    """The name's parts if it is a dated copy of the database called ``db_stem``."""
    m = NAME.match(name)
    if m is None:
        return None
    stem = m.group("stem")
    if stem == db_stem or (stem.startswith(db_stem + "-") and stem[len(db_stem) + 1 :] in REASONS):
        return m
    return None


@dataclass(frozen=True)
class BackupCopy:
    """A verified copy in the backups folder, for choosing one to restore."""

    path: Path
    made_at: datetime
    kind: str  # 启动时 / 每日 / 手动 / 自动
    size: int  # bytes

    @property
    def size_text(self) -> str:
        return (
            f"{self.size / 1024 / 1024:.1f} MB"
            if self.size >= 1 << 20
            else f"{self.size // 1024} KB"
        )


_KINDS = {"start": "启动时", "daily": "每日", LOGIN: "登录后", MANUAL: "手动"}


def list_backups(db_path: Path) -> list[BackupCopy]:
    """This database's copies in its backups folder, newest first (a copy gets its final
    name only after its integrity check passed, so each one listed was verified)."""
    folder = backups_dir(db_path)
    found: list[BackupCopy] = []
    if not folder.is_dir():
        return found
    stem = Path(db_path).stem
    for p in folder.glob("*.sqlite3"):
        m = _copy_of(p.name, stem)
        if m is None:
            continue
        reason = m.group("stem")[len(stem) + 1 :] if m.group("stem") != stem else ""
        try:
            size = p.stat().st_size
        except OSError:
            continue
        made = datetime.strptime(m.group("stamp"), "%Y%m%d-%H%M%S")
        found.append(BackupCopy(p, made, _KINDS.get(reason, "自动"), size))
    return sorted(found, key=lambda b: b.made_at, reverse=True)


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


@dataclass(frozen=True)
class RestoreResult:
    """What a restore did: the files it set aside (renamed, never copied) and whether the
    replaced database was damaged."""

    restored_from: Path
    db_path: Path
    aside: Path | None = None  # the replaced database file, renamed beside it
    moved: tuple[Path, ...] = ()  # every file set aside: the database, its -wal/-shm/-journal
    damaged: str | None = None  # what the integrity check said of the replaced file

    def lines(self) -> list[str]:
        out = [f"已从 {self.restored_from} 恢复到 {self.db_path}，恢复后的数据库校验正常。"]
        if self.aside is not None:
            if self.damaged:
                out.append(f"原数据库文件已损坏（{self.damaged}），已原样移到一旁，没有删除。")
            out.append(f"原数据库另存为：{self.aside}")
            extra = [p.name for p in self.moved if p != self.aside]
            if extra:
                out.append(f"它的日志文件一并移到同一文件夹：{'、'.join(extra)}")
        return out


SIDE_FILES = ("-wal", "-shm", "-journal")


def restore_database(backup: Path, db_path: Path, *, now: datetime | None = None) -> Path | None:
    """``restore`` returning the path the replaced database was moved to (None if none)."""
    return restore(backup, db_path, now=now).aside


def restore(backup: Path, db_path: Path, *, now: datetime | None = None) -> RestoreResult:
    """Replace ``db_path`` with a verified copy of ``backup``; the replaced file is kept aside.

    The replaced database and its -wal/-shm are set aside by renaming them, never through
    SQLite, so a damaged database is restored as readily as a sound one and its bytes are kept
    for whoever examines it. The backup is copied beside the database, checked, and renamed
    into place; nothing half-written is left on any path, whatever fails.

    A restore manifest goes into the backups folder (and the head file beside the database):
    from now on ``zongzhi check`` compares the audit chain with the restored head, not with
    the longer chains of backups taken before the restore.
    """
    backup, db_path = Path(backup), Path(db_path)
    if not backup.is_file():
        raise ServiceError(f"找不到备份文件 {backup}")
    ok, detail = integrity_ok(backup)
    if not ok:
        raise ServiceError(f"备份文件已损坏，不能用于恢复：{detail}")
    now = now or clock.now()
    tmp = db_path.with_name(db_path.name + ".restoring")
    try:
        tmp.unlink(missing_ok=True)  # a leftover from an interrupted restore
        private_file(tmp)
        with open(backup, "rb") as src, open(tmp, "wb") as dest:
            shutil.copyfileobj(src, dest, 1 << 20)
            dest.flush()
            os.fsync(dest.fileno())
        ok, detail = integrity_ok(tmp)
        if not ok:
            raise ServiceError(f"备份文件复制后校验失败（{detail}），请检查磁盘后重试。")
        damaged = None
        if db_path.exists():
            sound, found = integrity_ok(db_path)
            damaged = None if sound else found
        moved = _set_aside(db_path, now)
        try:
            os.replace(tmp, db_path)
        except OSError:
            _put_back(db_path, moved)
            raise
    except OSError as exc:
        tmp.unlink(missing_ok=True)
        if exc.errno == errno.ENOSPC:
            raise DiskFull("磁盘空间不足，恢复没有完成，原数据库未改动。请清理磁盘后重试。") from (
                exc
            )
        raise DatabaseUnusable(
            f"恢复没有完成：无法写入 {db_path.parent}（{exc.strerror or exc}）。"
        ) from exc
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    aside = moved[0] if moved else None
    if aside is not None:
        _describe_aside(aside, moved, db_path, now, damaged)
    _record_restore(backup, db_path, now)
    return RestoreResult(backup, db_path, aside, tuple(moved), damaged)


def _set_aside(db_path: Path, now: datetime) -> list[Path]:
    """Rename the database and its side files to ``<stem>.replaced-<time>.sqlite3[-wal…]``
    (names SQLite still pairs, so the set opens as it was). All or nothing: a failed rename
    puts back those already moved."""
    if not db_path.exists():
        return []
    aside = db_path.with_name(f"{db_path.stem}.replaced-{now:%Y%m%d-%H%M%S}.sqlite3")
    n = 1
    while aside.exists():
        aside = db_path.with_name(f"{db_path.stem}.replaced-{now:%Y%m%d-%H%M%S}-{n}.sqlite3")
        n += 1
    pairs = [(db_path, aside)] + [
        (Path(str(db_path) + s), Path(str(aside) + s))
        for s in SIDE_FILES
        if Path(str(db_path) + s).exists()
    ]
    done: list[tuple[Path, Path]] = []
    try:
        for src, dest in pairs:
            os.replace(src, dest)
            done.append((src, dest))
    except OSError:
        for src, dest in reversed(done):
            os.replace(dest, src)
        raise
    return [dest for _src, dest in done]


def _put_back(db_path: Path, moved: list[Path]) -> None:
    """Undo ``_set_aside``: the moved files get their names back."""
    if not moved:
        return
    aside = moved[0]
    for path in reversed(moved):
        os.replace(path, Path(str(db_path) + path.name[len(aside.name) :]))


def _describe_aside(
    aside: Path, moved: list[Path], db_path: Path, now: datetime, damaged: str | None
) -> None:
    """A manifest beside the set-aside database: its SHA-256, and its audit head if readable."""
    snapshot = Snapshot(0, GENESIS, None)
    if damaged is None:
        with contextlib.suppress(sqlite3.Error):
            snapshot = read_snapshot(aside)
    data = manifest_data(
        "replaced",
        database=db_path.name,
        snapshot=snapshot,
        at=now,
        file=aside,
        files=[p.name for p in moved],
        damaged=damaged,
    )
    with contextlib.suppress(OSError):  # the note is a courtesy; the restore itself is done
        write_json(manifest_path(aside), data)


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
