"""Append-only, hash-chained audit log.

Each row's hash is over the previous row's hash and the row's canonical bytes, so an edited or
removed row breaks the chain at its position (``verify_chain``). On a SQLite file the hash is
an HMAC-SHA-256 under a key kept outside the database (``audit_key``): a chain recomputed from
the file alone does not verify. Rows written before the key existed stay plain SHA-256 (an
upgraded center keeps verifying); the key file records from which row on a chain is keyed.
No plaintext personal data goes in: objects are named by type and id.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any, TypeVar

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.core.errors import ServiceError
from app.core.ops import read_op, write_op
from app.core.portable import lock_writers
from app.models import AuditEntry, Setting
from app.models.base import now
from app.services.context import Actor
from app.services.security import audit_key

E = TypeVar("E", bound=ServiceError)

GENESIS = "0" * 64


def _canonical(e: AuditEntry) -> bytes:
    payload = [
        e.seq,
        e.at.isoformat(timespec="seconds"),
        e.user_id,
        e.username,
        e.role,
        e.terminal,
        e.event,
        e.object_type,
        e.object_id,
        e.outcome,
        e.reason,
    ]
    return json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def _hash(prev: str, e: AuditEntry) -> str:
    """The plain chain (rows written before the audit key existed, and on PostgreSQL)."""
    return hashlib.sha256(prev.encode("ascii") + _canonical(e)).hexdigest()


def chain_hash(prev: str, e: AuditEntry, key: bytes | None = None) -> str:
    """A row's hash: HMAC-SHA-256 under ``key``, or the plain SHA-256 without one."""
    if key is None:
        return _hash(prev, e)
    return hmac.new(key, prev.encode("ascii") + _canonical(e), hashlib.sha256).hexdigest()


def _key_for_write(session: Session, seq: int) -> tuple[audit_key.AuditKey | None, bytes | None]:
    """The key this row is written under (None: plain) and the key file it belongs to.

    The first row written on a terminal that has no key yet creates the key: an existing
    chain is keyed from that row on (its older rows stay as they were). A chain the key file
    does not know (its row 1 was rewritten, or the file replaced) is written keyed all the
    same and never registered: ``zongzhi check`` names it."""
    url = session.get_bind().engine.url
    path = audit_key.database_file(url)
    if path is None:
        if url.get_backend_name() == "sqlite":
            return None, None  # in memory
        return _server_key_for(session, url.render_as_string(hide_password=False), seq)
    try:
        return _key_for(session, path, seq)
    except (audit_key.AuditKeyUnreadable, OSError):
        # Written plain (a key store that cannot be read or created must not stop the
        # center's work); check names the unreadable key file or the plain rows.
        return None, None


def _key_for(
    session: Session, path: Path, seq: int
) -> tuple[audit_key.AuditKey | None, bytes | None]:
    key = audit_key.load_key(path)
    if seq == 1:
        key = key or audit_key.create_key(path)
        return key, key.secret  # registered once the row's hash is known
    first = session.scalar(select(AuditEntry.hash).where(AuditEntry.seq == 1))
    if key is None:
        key = audit_key.create_key(path)
        if first is not None and not key.chains:
            key.register(first, seq)
    span = key.span(first)
    if span is not None and (seq < span[0] or (span[1] is not None and seq > span[1])):
        return key, None
    return key, key.secret


SERVER_KEY_SETTING = "audit_server_key"  # {"key_id": …, "from_seq": …}: never the key


class AuditKeyMissing(ServiceError):
    """A server chain keyed under a key this terminal does not hold."""


@read_op
def server_key_marker(session: Session) -> dict[str, Any] | None:
    """Which key a server database's chain is keyed with, and from which row (or None)."""
    row = session.get(Setting, SERVER_KEY_SETTING)
    if row is None:
        return None
    try:
        data = json.loads(row.value)
        return {"key_id": str(data["key_id"]), "from_seq": int(data["from_seq"])}
    except (ValueError, KeyError, TypeError):
        return {"key_id": "", "from_seq": 0}


def missing_key_text(key_id: str) -> str:
    return (
        f"本终端没有这台服务器数据库的审计密钥（密钥编号 {key_id}），不能写入："
        "请管理员在已有密钥的终端运行 zongzhi audit-key export --out 文件，"
        "再在本终端运行 zongzhi audit-key import 文件（或用带密钥的终端初始文件）。"
    )


def _server_key_for(
    session: Session, url: str, seq: int
) -> tuple[audit_key.AuditKey | None, bytes | None]:
    """On a server: the shared key this terminal holds. The first write after the key exists
    keys the server chain from that row on and records the key's id (not the key) in the
    database; a terminal without that key is refused rather than writing plain rows."""
    marker = server_key_marker(session)
    try:
        key = audit_key.load_server_key(url)
    except audit_key.AuditKeyUnreadable as exc:
        raise AuditKeyMissing(f"{exc}；请重新导入：zongzhi audit-key import 文件") from exc
    first = None if seq == 1 else session.scalar(select(AuditEntry.hash).where(AuditEntry.seq == 1))
    if marker is None:
        key = key or audit_key.create_server_key(url)
        if first is not None:
            span = key.span(first)
            if span is None or span[0] >= seq:  # never moves a chain's keyed span back
                key.register(first, seq)
            seq_from = (key.span(first) or (seq, None))[0]
        else:
            seq_from = 1
        session.add(
            Setting(
                key=SERVER_KEY_SETTING,
                value=json.dumps({"key_id": key.key_id, "from_seq": seq_from}),
            )
        )
        return key, key.secret  # row 1: registered once its hash is known
    if key is None or key.key_id != marker["key_id"]:
        raise AuditKeyMissing(missing_key_text(marker["key_id"]))
    if first is None:
        return key, key.secret
    span = key.span(first)
    if span is not None and (seq < span[0] or (span[1] is not None and seq > span[1])):
        return key, None
    return key, key.secret


@write_op(rights=False)  # records the refusals of users who have lost their rights too
def record(
    session: Session,
    actor: Actor,
    event: str,
    *,
    object_type: str | None = None,
    object_id: object | None = None,
    outcome: str = "success",
    reason: str | None = None,
    at: datetime | None = None,
) -> AuditEntry:
    """Append one row in the caller's transaction (written with the change, or not at all)."""
    lock_writers(session)  # two writers must not read the same chain head (PostgreSQL)
    last = session.execute(
        select(AuditEntry.seq, AuditEntry.hash).order_by(AuditEntry.seq.desc()).limit(1)
    ).first()
    seq, prev = (last[0] + 1, last[1]) if last else (1, GENESIS)
    entry = AuditEntry(
        seq=seq,
        at=(at or now()).replace(microsecond=0),
        user_id=str(actor.user_id) if actor.user_id else None,
        username=actor.username,
        role=actor.role.value if actor.role else None,
        terminal=actor.terminal or None,
        event=event,
        object_type=object_type,
        object_id=str(object_id) if object_id is not None else None,
        outcome=outcome,
        reason=reason,
        prev_hash=prev,
    )
    key, secret = _key_for_write(session, seq)
    entry.hash = chain_hash(prev, entry, secret)
    if seq == 1 and key is not None:
        key.register(entry.hash, 1)
    session.add(entry)
    session.flush()
    return entry


@dataclass(frozen=True)
class ChainReport:
    rows: int
    first_broken: int | None  # seq of the first row whose hash or link is wrong
    problem: str | None
    head: str
    keyed: tuple[int, int | None] | None = None  # which seqs are keyed (HMAC)
    key_id: str | None = None  # the key that verified them
    # The terminal holds this database's key, but the key does not know its row 1.
    unknown_chain: str | None = None


@read_op
def chain_key(session: Session) -> tuple[audit_key.AuditKey | None, str | None]:
    """The key this terminal has for the session's audit chain, and what is wrong if the
    database's own key does not know the chain."""
    first = session.scalar(select(AuditEntry.hash).where(AuditEntry.seq == 1))
    url = session.get_bind().engine.url
    path = audit_key.database_file(url)
    if path is None and url.get_backend_name() != "sqlite":
        return _server_chain_key(session, url.render_as_string(hide_password=False), first)
    try:
        key = audit_key.key_for_chain(path, first)
        own = audit_key.load_key(path) if path is not None else None
    except audit_key.AuditKeyUnreadable as exc:
        return None, str(exc)
    if key is None and own is not None and first is not None:
        return None, (
            f"第 1 条审计记录不是本终端审计密钥记下的那一条（{own.path.name}）："
            "审计记录被改写过，或数据库文件被换成了别的文件"
        )
    return key, None


def _server_chain_key(
    session: Session, url: str, first: str | None
) -> tuple[audit_key.AuditKey | None, str | None]:
    marker = server_key_marker(session)
    try:
        own = audit_key.load_server_key(url)
        key = audit_key.key_for_chain(None, first)
    except audit_key.AuditKeyUnreadable as exc:
        return None, str(exc)
    if key is None and own is not None and own.span(first) is not None:
        key = own
    if marker is None:
        return key, None
    if own is None or own.key_id != marker["key_id"]:
        return None, (
            f"服务器数据库的审计链由审计密钥保护（密钥编号 {marker['key_id']}），"
            "本终端没有这个密钥，无法核对：请用 zongzhi audit-key import 导入"
        )
    if first is not None and own.span(first) is None:
        return None, (
            f"第 1 条审计记录不是本终端审计密钥记下的那一条（{own.path.name}）："
            "服务器上的审计记录被改写过"
        )
    return key, None


@read_op
def verify_chain(session: Session) -> ChainReport:
    prev = GENESIS
    expected_seq = 1
    count = 0
    key, unknown = chain_key(session)
    first = session.scalar(select(AuditEntry.hash).where(AuditEntry.seq == 1))
    span = key.span(first) if key is not None else None
    key_id = key.key_id if key is not None else None

    def report(broken: int | None, problem: str | None) -> ChainReport:
        return ChainReport(count, broken, problem, prev, span, key_id, unknown)

    for e in session.scalars(select(AuditEntry).order_by(AuditEntry.seq)).yield_per(1000):
        count += 1
        if e.seq != expected_seq:
            return report(expected_seq, f"第 {expected_seq} 条审计记录缺失")
        if e.prev_hash != prev:
            return report(e.seq, f"第 {e.seq} 条审计记录的前序哈希不符")
        keyed = span is not None and span[0] <= e.seq and (span[1] is None or e.seq <= span[1])
        if chain_hash(prev, e, key.secret if keyed and key else None) != e.hash:
            if key is None and unknown is None:
                return report(
                    e.seq,
                    f"第 {e.seq} 条审计记录被修改（或它由审计密钥保护，"
                    "而本机没有这个数据库的密钥：keys 文件夹里的 *.audit-hmac.json）",
                )
            return report(e.seq, f"第 {e.seq} 条审计记录被修改")
        prev = e.hash
        expected_seq += 1
    return report(None, None)


@read_op
def recent(session: Session, limit: int = 50, object_id: object | None = None) -> list[AuditEntry]:
    q = select(AuditEntry).order_by(AuditEntry.seq.desc()).limit(limit)
    if object_id is not None:
        q = q.where(AuditEntry.object_id == str(object_id))
    return list(session.scalars(q))


def refused(exc: E, session: Session, actor: Actor, event: str, **fields: Any) -> E:
    """``exc`` with its audit row (outcome refused) written in ``session`` now. If raising it
    rolls the request back, ``Database.write`` writes the row again in a transaction of its
    own, so a refused unlock or grant stays on record either way (and is recorded once)."""
    record(session, actor, event, outcome="refused", **fields)
    exc.after_rollback.append(lambda s: record(s, actor, event, outcome="refused", **fields))
    return exc
