"""Setting up an offline terminal with public commands: a signed starter file (``.zzt``).

At the center, ``zongzhi terminal create B --out terminal-B.zzt`` writes a file holding what
a new offline PC needs to work as terminal B of this center, and nothing else:

- the center's reference data (units, villages, categories, posts), its users (with their
  password hashes, so the same people log in), its settings and the working-day calendar —
  copied with the center's own ids, so the terminal's bundles refer to the center's rows;
- terminal code B, and the center's public exchange key (registered on the terminal, so the
  center's bundles bring reference data and matters registered at the center);
- a one-time enrolment secret for B: the terminal's first bundle proves with it that its new
  key belongs to B, and the center registers the key on import (no key to carry back by hand).

Matters travel only with ``--with-open-matters`` (open matters, their timeline, parties and
arrangements); counselling records and every key (notes keys, the audit chain's key, the
center's private exchange key) never do. The file is signed with the center's exchange key;
``terminal join`` checks the signature and shows the key's fingerprint, to compare with the
one ``terminal create`` printed at the center.

On the new PC, ``zongzhi terminal join terminal-B.zzt --db …`` (or the first-run wizard's
加入中心…) creates the local database from the file and makes the terminal's own key.
"""

from __future__ import annotations

import base64
import gzip
import json
import os
import secrets
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any

from sqlalchemy import Table, func, select
from sqlalchemy.orm import Session

from app.core.errors import ServiceError, ValidationError
from app.core.ops import read_op, write_op
from app.core.rows import decode_row, encode_row
from app.models import Base, Setting, TerminalKey
from app.models.base import now
from app.models.enums import OPEN_STATUSES
from app.services.center.settings import CenterSettings, load_settings
from app.services.context import Actor
from app.services.data import exchange
from app.services.security import audit
from app.services.security.permissions import Action, require

MAGIC = b"ZONGZHI-TERMINAL 1\n"
FORMAT = 1
SUFFIX = ".zzt"
ENROL_PENDING = exchange.ENROL_PENDING
ENROL_SECRET = exchange.ENROL_SECRET

# What every terminal gets: reference data, accounts, settings, the calendar.
REFERENCE_TABLES = (
    "units",
    "villages",
    "categories",
    "users",
    "posts",
    "calendar_years",
    "calendar_days",
)
# With --with-open-matters: open matters and what hangs on them (parties included).
MATTER_TABLES = (
    "matters",
    "persons",
    "matter_persons",
    "matter_events",
    "arrangements",
    "supervision_orders",
    "extension_requests",
)


def _terminal_code(code: str) -> str:
    code = (code or "").strip().upper()
    if not code or len(code) > 8 or not code.isalnum() or not code.isascii():
        raise ValidationError({"terminal": "终端代码应为 1–8 位字母或数字，如 B。"})
    return code


@dataclass(frozen=True)
class StarterReport:
    path: Path
    terminal: str
    center_terminal: str
    fingerprint: str
    tables: dict[str, int]


def _rows(session: Session, table: Table, where=None) -> list[dict[str, Any]]:
    q = select(table)
    if where is not None:
        q = q.where(where)
    return [encode_row(table, r) for r in session.execute(q).mappings()]


@write_op()
def create_starter(
    session: Session,
    actor: Actor,
    terminal: str,
    out: Path,
    key_file: Path,
    *,
    with_open_matters: bool = False,
) -> StarterReport:
    """At the center: write the starter file for a new offline terminal ``terminal``."""
    require(actor, Action.EXCHANGE_BUNDLES)
    code = _terminal_code(terminal)
    settings = load_settings(session)
    if code == settings.terminal.upper():
        raise ValidationError(
            {"terminal": f"{code} 是中心本机的终端代码，请给新终端另起一个代码，如 B。"}
        )
    taken = session.scalar(
        select(TerminalKey.fingerprint).where(
            TerminalKey.terminal == code, TerminalKey.active.is_(True)
        )
    )
    if taken is not None:
        raise ValidationError(
            {
                "terminal": f"终端 {code} 已登记过密钥，它的受理编号已在使用。"
                "换了电脑请给新终端另起一个代码。"
            }
        )
    center_key = exchange.terminal_key(session, actor, key_file)  # the center's own key
    private = exchange._load_private_key(key_file)
    tables = Base.metadata.tables
    content: dict[str, list[dict[str, Any]]] = {
        name: _rows(session, tables[name]) for name in REFERENCE_TABLES
    }
    if with_open_matters:
        m = tables["matters"]
        open_ids = select(m.c.id).where(m.c.status.in_([s.value for s in OPEN_STATUSES]))
        content["matters"] = _rows(session, m, m.c.id.in_(open_ids))
        mp = tables["matter_persons"]
        content["persons"] = _rows(
            session,
            tables["persons"],
            tables["persons"].c.id.in_(select(mp.c.person_id).where(mp.c.matter_id.in_(open_ids))),
        )
        for name in MATTER_TABLES[2:]:
            t = tables[name]
            content[name] = _rows(session, t, t.c.matter_id.in_(open_ids))
    known = {f.name for f in fields(CenterSettings)}
    content["settings"] = [
        {"key": k, "value": v}
        for k, v in session.execute(select(Setting.key, Setting.value))
        if k in known and k != "terminal"
    ] + [{"key": "terminal", "value": json.dumps(code)}]
    secret = secrets.token_hex(32)
    exchange._set_setting(
        session, ENROL_PENDING + code, {"secret": secret, "created_at": now().isoformat()}
    )
    body = {
        "format": FORMAT,
        "schema": exchange._schema_revision(session),
        "center_name": settings.center_name,
        "center_prefix": settings.prefix,
        "center_terminal": settings.terminal,
        "center_public_key": center_key.public_key,
        "terminal": code,
        "enrol_secret": secret,
        "created_at": now().isoformat(),
        "with_open_matters": with_open_matters,
        "tables": content,
    }
    payload = gzip.compress(json.dumps(body, ensure_ascii=False).encode("utf-8"), mtime=0)
    header = {
        "terminal": code,
        "center_terminal": settings.terminal,
        "fingerprint": center_key.fingerprint,
        "public_key": center_key.public_key,
        "length": len(payload),
        "signature": base64.b64encode(private.sign(payload)).decode(),
    }
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    partial = out.with_name(out.name + ".partial")
    with open(partial, "wb") as f:
        f.write(MAGIC + json.dumps(header).encode() + b"\n" + payload)
        f.flush()
        os.fsync(f.fileno())
    os.replace(partial, out)
    counts = {name: len(rows) for name, rows in content.items()}
    audit.record(
        session,
        actor,
        "create_terminal_starter",
        object_type="terminal",
        object_id=code,
        reason="含未办结事项" if with_open_matters else "不含事项",
    )
    return StarterReport(out, code, settings.terminal, center_key.fingerprint, counts)


@dataclass(frozen=True)
class Starter:
    terminal: str
    center_name: str
    center_terminal: str
    fingerprint: str
    body: dict[str, Any]


_DAMAGED = "终端初始文件（.zzt）不完整或已损坏（可能没有拷贝完），请在中心重新生成。"


def read_starter(data: bytes) -> Starter:
    """Check a starter file's signature and version before anything is written."""
    from cryptography.exceptions import InvalidSignature
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

    from app.db import head_revision

    if not data.startswith(MAGIC):
        raise ServiceError("这不是综治中心工作台的终端初始文件（.zzt）。")
    line, sep, payload = data[len(MAGIC) :].partition(b"\n")
    try:
        header = json.loads(line)
        signature = base64.b64decode(header["signature"])
        public_raw = base64.b64decode(header["public_key"])
        length = int(header["length"])
        center_key = Ed25519PublicKey.from_public_bytes(public_raw)
    except (ValueError, KeyError, TypeError) as exc:
        raise ServiceError(_DAMAGED) from exc
    if not sep or len(payload) != length:
        raise ServiceError(_DAMAGED)
    try:
        center_key.verify(signature, payload)
    except InvalidSignature as exc:
        raise ServiceError("终端初始文件的签名不符：文件在中心生成后被改动过或已损坏。") from exc
    try:
        body = json.loads(gzip.decompress(payload))
        body["tables"], body["terminal"], body["enrol_secret"]  # noqa: B018 - required keys
    except (ValueError, KeyError, TypeError, OSError, EOFError) as exc:
        raise ServiceError(_DAMAGED) from exc
    if (
        body.get("format") != FORMAT
        or body.get("center_public_key") != header["public_key"]
        or exchange.fingerprint(public_raw) != header.get("fingerprint")
    ):
        raise ServiceError(_DAMAGED)
    if body["schema"] != head_revision():
        raise ServiceError(
            f"终端初始文件来自另一版本的程序（数据结构版本 {body['schema']}，本机 "
            f"{head_revision()}）。请在新电脑上安装与中心相同版本的综治中心工作台后再加入。"
        )
    return Starter(
        body["terminal"],
        body.get("center_name", ""),
        body["center_terminal"],
        header["fingerprint"],
        body,
    )


@dataclass(frozen=True)
class JoinReport:
    terminal: str
    center_name: str
    center_terminal: str
    center_fingerprint: str
    public_key: str
    tables: dict[str, int]


@read_op
def is_empty(session: Session) -> bool:
    from app.models import User

    return not session.scalar(select(func.count()).select_from(User))


@write_op()
def join_center(session: Session, data: bytes, key_file: Path) -> JoinReport:
    """On the new PC: fill an empty database from the starter file and make the terminal's
    key. The key reaches the center in the terminal's first bundle (``exchange.enrol_proof``)."""
    starter = read_starter(data)
    if not is_empty(session):
        raise ServiceError(
            "这个数据库里已经有数据，不能再加入中心。请用新的数据库文件（--db 新文件路径）。"
        )
    if key_file.exists():
        raise ServiceError(
            f"这台电脑的这个位置已有终端签名密钥（{key_file}）。"
            "请为新终端另选数据库文件夹，或先把旧的 keys 文件夹移走。"
        )
    body = starter.body
    counts: dict[str, int] = {}
    conn = session.connection()
    for table in Base.metadata.sorted_tables:  # parents first
        rows = body["tables"].get(table.name)
        if not rows:
            continue
        conn.execute(table.insert(), [decode_row(table, r) for r in rows])
        counts[table.name] = len(rows)
    session.add(
        TerminalKey(
            terminal=starter.center_terminal,
            public_key=body["center_public_key"],
            fingerprint=starter.fingerprint,
            registered_by="terminal join",
        )
    )
    session.flush()
    exchange._set_setting(session, ENROL_SECRET, body["enrol_secret"])
    actor = Actor.system(starter.terminal)
    info = exchange.terminal_key(session, actor, key_file)
    audit.record(
        session,
        actor,
        "join_center",
        object_type="terminal",
        object_id=starter.terminal,
        reason=f"中心密钥指纹 {starter.fingerprint}",
    )
    return JoinReport(
        starter.terminal,
        starter.center_name,
        starter.center_terminal,
        starter.fingerprint,
        info.public_key,
        counts,
    )
