"""Append-only, hash-chained audit log.

Each row's hash is SHA-256 over the previous row's hash and the row's canonical bytes, so an
edited or removed row breaks the chain at its position (``verify_chain``). No plaintext
personal data goes in: objects are named by type and id.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any, TypeVar

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.core.errors import ServiceError
from app.core.ops import read_op, write_op
from app.core.portable import lock_writers
from app.models import AuditEntry
from app.models.base import now
from app.services.context import Actor

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
    return hashlib.sha256(prev.encode("ascii") + _canonical(e)).hexdigest()


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
    entry.hash = _hash(prev, entry)
    session.add(entry)
    session.flush()
    return entry


@dataclass(frozen=True)
class ChainReport:
    rows: int
    first_broken: int | None  # seq of the first row whose hash or link is wrong
    problem: str | None
    head: str


@read_op
def verify_chain(session: Session) -> ChainReport:
    prev = GENESIS
    expected_seq = 1
    count = 0
    for e in session.scalars(select(AuditEntry).order_by(AuditEntry.seq)).yield_per(1000):
        count += 1
        if e.seq != expected_seq:
            return ChainReport(count, expected_seq, f"第 {expected_seq} 条审计记录缺失", prev)
        if e.prev_hash != prev:
            return ChainReport(count, e.seq, f"第 {e.seq} 条审计记录的前序哈希不符", prev)
        if _hash(prev, e) != e.hash:
            return ChainReport(count, e.seq, f"第 {e.seq} 条审计记录被修改", prev)
        prev = e.hash
        expected_seq += 1
    return ChainReport(count, None, None, prev)


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
