"""The audit chain's head kept outside the database, so cutting off its tail is noticed.

The hash chain shows an edited or removed row in the middle, but not rows cut from the end:
what is left is still a valid chain. So every backup writes a manifest beside it — the copy's
file name and SHA-256, when it was made, the audit head (last seq and hash) and the schema
revision — and the database keeps the newest head in a small file beside it as well
(``zongzhi.sqlite3.audit-head.json``, owner-only). ``zongzhi check`` then compares the live
chain with them: fewer rows than a backup had is a truncation; a different hash at the same
seq means the chain was rewritten. A restore writes a manifest of its own, so the heads of
backups taken before it (which the restored database legitimately lacks) no longer count.
"""

from __future__ import annotations

import hashlib
import json
import os
import sqlite3
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.core.ops import read_op
from app.core.private_files import private_file, private_folder

FORMAT = "zongzhi-backup-manifest/1"
SUFFIX = ".manifest.json"
GENESIS = "0" * 64  # the audit chain's "previous hash" before the first row


@dataclass(frozen=True)
class Snapshot:
    """What a database file holds that a manifest records (read straight from the file)."""

    head_seq: int
    head_hash: str
    revision: str | None
    settings: dict[str, Any] = field(default_factory=dict)
    # Hash of audit row 1: which database this is (a new one made under the same file name
    # has another), so an old database's manifests are not held against it.
    chain_id: str | None = None


def read_snapshot(path: Path) -> Snapshot:
    """Audit head, schema revision and settings of an SQLite file, opened read-only."""
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")}
        head = first = None
        if "audit_log" in tables:
            last = "SELECT seq, hash FROM audit_log ORDER BY seq DESC LIMIT 1"
            head = conn.execute(last).fetchone()
            first = conn.execute("SELECT hash FROM audit_log WHERE seq = 1").fetchone()
        revision = None
        if "alembic_version" in tables:
            row = conn.execute("SELECT version_num FROM alembic_version").fetchone()
            revision = row[0] if row else None
        settings: dict[str, Any] = {}
        if "settings" in tables:
            for key, value in conn.execute("SELECT key, value FROM settings"):
                try:
                    settings[key] = json.loads(value)
                except ValueError:
                    continue
    finally:
        conn.close()
    seq, hash_ = head if head else (0, GENESIS)
    return Snapshot(int(seq), str(hash_), revision, settings, first[0] if first else None)


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        while chunk := f.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()


def manifest_path(backup: Path) -> Path:
    return backup.with_name(backup.name + SUFFIX)


def head_file(db_path: Path) -> Path:
    """The small file beside the database with the newest known audit head."""
    return db_path.with_name(db_path.name + ".audit-head.json")


def write_json(path: Path, data: dict) -> None:
    """Written whole or not at all (temporary file, fsync, rename); owner-only."""
    tmp = path.with_name(path.name + ".partial")
    tmp.unlink(missing_ok=True)
    try:
        private_file(tmp)
        with open(tmp, "w", encoding="utf-8") as f:
            json.dump(data, f, ensure_ascii=False, indent=1)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)  # never a half-written file left behind
        raise


def manifest_data(
    kind: str,
    *,
    database: str,
    snapshot: Snapshot,
    at: datetime,
    file: Path | None = None,
    name: str | None = None,
    **extra: Any,
) -> dict:
    """``file`` is hashed; ``name`` is the backup's file name (``file`` may be its draft)."""
    data = {
        "format": FORMAT,
        "kind": kind,  # backup | restore | head
        "database": database,
        "created_at": at.isoformat(timespec="seconds"),
        "backup": name or (file.name if file else None),
        "sha256": sha256_of(file) if file else None,
        "size": file.stat().st_size if file else None,
        "audit_head": {"seq": snapshot.head_seq, "hash": snapshot.head_hash},
        "audit_first": snapshot.chain_id,
        "schema_revision": snapshot.revision,
    }
    data.update(extra)
    return data


def key_fields(db_path: Path | None, chain_id: str | None) -> dict:
    """Which audit key protects the chain (its id, never the key) and from which row."""
    from app.services.security.audit_key import AuditKeyUnreadable, key_for_chain

    try:
        key = key_for_chain(db_path, chain_id)
    except AuditKeyUnreadable:
        key = None
    span = key.span(chain_id) if key is not None else None
    return {"audit_key": key.key_id if key else None, "keyed_from": span[0] if span else None}


def write_backup_manifest(
    backup: Path, *, copy: Path, source: Path, snapshot: Snapshot, at: datetime
) -> tuple[Path, str | None]:
    """The manifest of ``backup`` (whose bytes are in ``copy`` until it is renamed into place)
    beside it; the source's head file is brought up to date too, unless the copy's chain is
    not a continuation of the head's: then that is returned (and the head left as it was)."""
    data = manifest_data(
        "backup",
        database=source.name,
        snapshot=snapshot,
        at=at,
        file=copy,
        name=backup.name,
        **key_fields(source, snapshot.chain_id),
    )
    path = manifest_path(backup)
    write_json(path, data)
    problem = advance_head(
        head_file(source),
        {**data, "kind": "head"},
        snapshot,
        hash_at=lambda seq: _hash_in_file(copy, seq),
        chain_known=data["audit_key"] is not None,
    )
    return path, problem


def _hash_in_file(path: Path, seq: int) -> str | None:
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        row = conn.execute("SELECT hash FROM audit_log WHERE seq = ?", (seq,)).fetchone()
    finally:
        conn.close()
    return row[0] if row else None


def head_problem(
    known: Manifest,
    snapshot: Snapshot,
    hash_at: Callable[[int], str | None],
    *,
    chain_known: bool,
) -> str | None:
    """Why a chain is not a continuation of the head ``known`` saw; None if it is.

    The head is a high-water mark: it moves only forward along the same chain, so a tail cut
    off (or a chain rewritten) stays visible after rotation has removed the older manifests.
    A chain with another row 1 is "another database" only if this terminal's audit key
    wrote that row 1 (a new center made here under the old name); else row 1 was rewritten.
    """
    if known.chain_id and snapshot.chain_id and known.chain_id != snapshot.chain_id:
        if chain_known and known.head_seq > 0:
            return None
        return (
            f"第 1 条审计记录与 {known.label} 时不同"
            f"（当时哈希 {known.chain_id[:16]}…，现在 {snapshot.chain_id[:16]}…）："
            "审计记录被改写过"
        )
    if known.head_seq > snapshot.head_seq:
        return (
            f"审计记录被截断：{known.label} 时已有 {known.head_seq} 条，"
            f"现在只有 {snapshot.head_seq} 条"
        )
    if known.head_seq == 0:
        return None
    now = hash_at(known.head_seq)
    if now != known.head_hash:
        return (
            f"第 {known.head_seq} 条审计记录与 {known.label} 时不同"
            f"（当时哈希 {known.head_hash[:16]}…，现在 {(now or '缺失')[:16]}…）："
            "审计记录被改写过"
        )
    return None


def advance_head(
    head: Path,
    data: dict,
    snapshot: Snapshot,
    *,
    hash_at: Callable[[int], str | None],
    chain_known: bool,
) -> str | None:
    """Write ``data`` to the head file if the chain goes on from the head it holds; else
    leave it (it never moves backwards) and return what is wrong. Only a restore, which
    says so in its manifest, sets the head back."""
    try:
        known = load_manifest(head)
    except UnreadableManifest:
        known = None  # none yet, or unreadable: start afresh (check names an unreadable one)
    if known is not None:
        problem = head_problem(known, snapshot, hash_at, chain_known=chain_known)
        if problem is not None:
            return problem
    write_json(head, data)
    return None


# --- comparing the live chain with what the manifests saw --------------------------------


@dataclass(frozen=True)
class Manifest:
    path: Path
    kind: str
    database: str
    created_at: datetime
    backup: str | None
    sha256: str | None
    head_seq: int
    head_hash: str
    chain_id: str | None = None
    key_id: str | None = None  # the audit key that protected the chain then
    keyed_from: int | None = None

    @property
    def label(self) -> str:
        return f"{self.created_at:%Y-%m-%d %H:%M}"

    @property
    def seen(self) -> str:
        """When and by what this head was seen, for messages."""
        what = {"backup": "备份", "restore": "恢复", "head": "审计头文件记下"}.get(self.kind)
        return f"{self.label}（{what}）" if what else self.label


class UnreadableManifest(ValueError):
    pass


def load_manifest(path: Path) -> Manifest:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        if data.get("format") != FORMAT:
            raise UnreadableManifest(f"{path.name} 不是综治中心工作台的备份清单")
        head = data["audit_head"]
        return Manifest(
            path=path,
            kind=str(data["kind"]),
            database=str(data["database"]),
            created_at=datetime.fromisoformat(data["created_at"]),
            backup=data.get("backup"),
            sha256=data.get("sha256"),
            head_seq=int(head["seq"]),
            head_hash=str(head["hash"]),
            chain_id=data.get("audit_first"),
            key_id=data.get("audit_key"),
            keyed_from=data.get("keyed_from"),
        )
    except UnreadableManifest:
        raise
    except (OSError, ValueError, KeyError, TypeError, AttributeError) as exc:
        raise UnreadableManifest(f"备份清单 {path} 读不出来（{exc}）") from exc


@dataclass
class ManifestFindings:
    problems: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


def manifests_for(db_path: Path, folder: Path) -> tuple[list[Manifest], list[str]]:
    """This database's manifests in ``folder`` and its head file; unreadable ones named."""
    found: list[Manifest] = []
    unreadable: list[str] = []
    paths = sorted(folder.glob("*" + SUFFIX)) if folder.is_dir() else []
    if head_file(db_path).exists():
        paths.append(head_file(db_path))
    for path in paths:
        try:
            m = load_manifest(path)
        except UnreadableManifest as exc:
            unreadable.append(str(exc))
            continue
        if m.database == db_path.name:
            found.append(m)
    return found, unreadable


def _older_than_a_backup(
    heads: list[Manifest], live_seq: int, hash_at: Callable[[int], str | None]
) -> Manifest | None:
    """The newest backup whose chain the live one is a beginning of (the database lost its
    end, as when SQLite discards a damaged WAL), if its copy is still there."""
    live = hash_at(live_seq) if live_seq else GENESIS
    for m in sorted(heads, key=lambda m: m.created_at, reverse=True):
        if m.kind != "backup" or not m.backup or m.head_seq <= live_seq:
            continue
        copy = m.path.with_name(m.backup)
        try:
            if copy.exists() and (_hash_in_file(copy, live_seq) if live_seq else GENESIS) == live:
                return m
        except sqlite3.Error:
            continue
    return None


def compare_with_chain(
    manifests: Iterable[Manifest],
    *,
    live_seq: int,
    hash_at: Callable[[int], str | None],
    explicit: Iterable[Manifest] = (),
    chain_known: bool = False,
    key_id: str | None = None,
) -> ManifestFindings:
    """Problems: the chain is shorter than a manifest saw, or differs at its head, or a
    backup file is not the one its manifest describes.

    Manifests made before the newest restore are not compared with the chain (the restored
    database never had their later rows); ``explicit`` ones (``--manifest FILE``) always are.
    """
    findings = ManifestFindings()
    explicit = list(explicit)
    live_id = hash_at(1)
    same: list[Manifest] = []
    others = 0
    for m in manifests:
        if not m.chain_id or not live_id or m.chain_id == live_id:
            same.append(m)
        else:
            others += 1
    manifests = same
    if others and chain_known:  # this terminal's audit key wrote this chain's row 1
        findings.notes.append(
            f"{others} 份备份清单属于同名的另一个数据库（第 1 条审计记录不同），未对照"
        )
    elif others:
        findings.problems.append(
            f"第 1 条审计记录与 {others} 份备份清单记下的不同，本终端的审计密钥也不认识它："
            "审计记录被改写过，或数据库文件被换过"
        )
    restores = [m for m in manifests if m.kind == "restore"]
    last = max(restores, key=lambda m: m.created_at, default=None)
    if last is not None:
        findings.notes.append(f"数据库于 {last.label} 用备份 {last.backup} 恢复过")
    heads = [
        m for m in manifests if last is None or m is last or m.created_at > last.created_at
    ] + explicit

    for m in manifests + explicit:
        if m.kind != "backup" or not m.backup:
            continue
        copy = m.path.with_name(m.backup)
        if not copy.exists():
            findings.notes.append(f"备份文件 {copy.name} 已不在（清单还在）")
        elif sha256_of(copy) != m.sha256:
            findings.problems.append(
                f"备份文件 {copy.name} 与它的清单不符（SHA-256 不同）：备份文件被改动或替换过"
            )

    keyed = [m for m in heads if m.key_id]
    if keyed and key_id is None:
        m = max(keyed, key=lambda m: m.created_at)
        findings.problems.append(
            f"本终端没有这个数据库的审计密钥：{m.label} 时审计记录"
            f"{f'自第 {m.keyed_from} 条起' if m.keyed_from else ''}由密钥 {m.key_id} 保护。"
            "密钥文件（keys 文件夹里的 *.audit-hmac.json）被删除或换过，无法核对审计记录"
        )
    elif keyed and all(m.key_id != key_id for m in keyed):
        findings.problems.append(
            f"审计密钥与备份清单记下的不同（现在 {key_id}，"
            f"清单记下 {max(keyed, key=lambda m: m.created_at).key_id}）：密钥文件被换过"
        )
    longest = max((m for m in heads if m.head_seq > 0), key=lambda m: m.head_seq, default=None)
    if longest is not None and live_seq < longest.head_seq:
        findings.problems.append(
            f"审计记录被截断：{longest.seen} 时已有 {longest.head_seq} 条"
            f"（最后一条哈希 {longest.head_hash[:16]}…），现在只有 {live_seq} 条"
        )
        older = _older_than_a_backup(heads, live_seq, hash_at)
        if older is not None:
            findings.problems.append(
                f"数据库停在 {older.seen} 之前的状态：现有审计记录与该备份的前 {live_seq} 条"
                "完全相同，之后的修改不在数据库里。最后一次检查点早于最近一次备份，"
                "常见原因是 WAL 文件（-wal）损坏或丢失而被丢弃（也可能是有人删除了记录）。"
                f"请用该备份恢复：zongzhi restore {older.path.with_name(older.backup or '')}"
            )
    for m in sorted(heads, key=lambda m: m.head_seq, reverse=True):
        if m.head_seq == 0 or m.head_seq > live_seq:
            continue
        now_hash = hash_at(m.head_seq)
        if now_hash != m.head_hash:
            findings.problems.append(
                f"第 {m.head_seq} 条审计记录与 {m.seen} 时不同"
                f"（当时哈希 {m.head_hash[:16]}…，现在 {(now_hash or '缺失')[:16]}…）："
                "此前的审计记录被改写过"
            )
            break  # the longest one that differs says it; older ones would repeat it
    return findings


# --- the head kept on this terminal, updated at check and log-out ------------------------


def terminal_head_file(url: str) -> Path:
    """Where a terminal keeps the newest head it has seen of a server database: in its own
    data folder, so an edit on the server is caught by any terminal that saw the rows."""
    from app.services.security.audit_key import server_key_file

    key = server_key_file(url)
    return key.with_name(key.name.replace(".audit-hmac.json", ".audit-head.json"))


def terminal_manifests(url: str) -> tuple[list[Manifest], list[str]]:
    path = terminal_head_file(url)
    if not path.exists():
        return [], []
    try:
        return [load_manifest(path)], []
    except UnreadableManifest as exc:
        return [], [str(exc)]


@read_op
def record_head(session: Session, where: Path | str, *, at: datetime | None = None) -> str | None:
    """Move the head kept outside the database (beside a SQLite file ``where``, or on this
    terminal for a server URL ``where``) forward to the live chain's head. Returns what is
    wrong, and leaves the head as it was, if the chain does not go on from it."""
    from app.core import clock
    from app.models import AuditEntry

    last = session.execute(
        select(AuditEntry.seq, AuditEntry.hash).order_by(AuditEntry.seq.desc()).limit(1)
    ).first()
    first = session.scalar(select(AuditEntry.hash).where(AuditEntry.seq == 1))
    seq, hash_ = (int(last[0]), str(last[1])) if last else (0, GENESIS)
    snapshot = Snapshot(seq, hash_, None, chain_id=first)
    if isinstance(where, Path):
        head, db_path, name = head_file(where), where, where.name
    else:
        head, db_path, name = terminal_head_file(where), None, _server_name(where)
    keys = key_fields(db_path, first)
    data = manifest_data("head", database=name, snapshot=snapshot, at=at or clock.now(), **keys)
    private_folder(head.parent)
    return advance_head(
        head,
        data,
        snapshot,
        hash_at=lambda n: session.scalar(select(AuditEntry.hash).where(AuditEntry.seq == n)),
        chain_known=keys["audit_key"] is not None,
    )


def _server_name(url: str) -> str:
    from sqlalchemy.engine import make_url

    u = make_url(url)
    return f"{u.host or ''}/{u.database or ''}"
