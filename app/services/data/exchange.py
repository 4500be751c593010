"""Exchange bundles: offline terminals bring what they registered to the center.

A terminal (a copy of the center's database on an offline PC, with its own terminal code)
exports one file holding the current version of every record created, changed or deleted on it
since its last export, signed with the terminal's Ed25519 key. The center checks the signature
against the terminal's registered public key and applies the rows in one transaction:

- a row the center does not have is inserted; one it has in the same version is left alone,
  so importing a bundle twice changes nothing;
- a row the center has not changed since it last came from a terminal takes the new version;
- a row changed on both sides keeps the center's version; the terminal's is stored in
  ``bundle_conflicts`` and, for a matter, noted on its timeline, for a person to decide.

Which tables travel is decided by rule, not by a list of the tables that exist today, so
tables added later travel too:
- ``LOCAL_TABLES`` never travel: each machine's own bookkeeping (audit chain, number counters,
  settings, change log, keys, imports) and what only the center administers (accounts, the
  working-day calendar).
- Key material (tables named ``*_keys`` or ``*_key_wraps``) never travels either: a terminal
  is a copy of the center's database, so its notes are under the center's data key already.
- Confidential tables (``is_confidential``: a ``counselling…`` table, ciphertext columns
  ``…_ct`` or ``info={"encrypted": True}``, or a reference to such a table or to key material)
  travel only when the center's setting ``exchange_counselling`` is on, at both ends. Their
  notes are stored encrypted, so the rows travel as ciphertext; the plaintext is never in the
  database and so never in a bundle.
"""

from __future__ import annotations

import base64
import gzip
import hashlib
import hmac
import json
import os
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import Table, and_, delete, func, insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from app.core.changelog import is_key_material, is_local
from app.core.errors import NotFound, ServiceError, ValidationError
from app.core.ops import Change, read_op, write_op
from app.core.private_files import private_file
from app.core.rows import decode_value, encode_row, row_hash
from app.models import (
    Base,
    BundleConflict,
    BundleImport,
    BundleRow,
    EventKind,
    RowChange,
    Setting,
    TerminalKey,
)
from app.models.base import now
from app.services.center.settings import load_settings
from app.services.context import Actor
from app.services.data.column_labels import column_label
from app.services.reception import timeline
from app.services.security import audit
from app.services.security.permissions import Action, require

MAGIC = b"ZONGZHI-BUNDLE 1\n"
FORMAT = 1
SUFFIX = ".zzb"

# How a report names the tables people know; any other table is named as it is.
TABLE_LABELS = {
    "matters": "事项",
    "matter_events": "办理过程",
    "matter_persons": "事项当事人",
    "persons": "群众/当事人",
    "attachments": "附件",
    "arrangements": "服务安排",
    "supervision_orders": "督办单",
    "extension_requests": "延期申请",
    "petition_reviews": "复查复核",
    "meetings": "会议",
    "agenda_items": "会议议题",
    "decisions": "议定事项",
    "meeting_attendees": "参会人员",
    "mediation_cases": "调解案件",
    "units": "单位",
    "villages": "村社区",
    "categories": "事项类别",
}
LAST_EXPORT_KEY = "exchange.last_export_seq"
# Confidential tables keep their own mark: records made while their exchange was off are not
# passed over for good, they travel in the first bundle after it is turned on.
LAST_CONFIDENTIAL_KEY = "exchange.last_confidential_export_seq"
BASELINE_SEQ_KEY = "exchange.baseline_seq"  # the change log's top when the key was made
ENROL_PENDING = "exchange.enrol."  # + terminal code, at the center: a starter file's secret
ENROL_SECRET = "exchange.enrol_secret"  # on a terminal set up from a starter file
BASELINE_KEY = "exchange.baseline_at"  # when this terminal's key was made (its copy's date)


class BundleRefused(ServiceError):
    """A bundle that must not be applied (damaged, altered, unknown terminal, newer schema)."""


def is_confidential(table: Table, known: frozenset[str] = frozenset()) -> bool:
    """Counselling data: a ``counselling…`` table, a table with ciphertext columns (``…_ct`` or
    ``info={"encrypted": True}``), or one that refers to such a table or to key material (a
    care plan of a counselling client)."""
    if table.name.startswith("counselling"):
        return True
    if any(c.name.endswith("_ct") or c.info.get("encrypted") for c in table.columns):
        return True
    return any(
        fk.column.table.name in known or is_key_material(fk.column.table)
        for fk in table.foreign_keys
    )


def confidential_tables() -> frozenset[str]:
    found: set[str] = set()
    for t in Base.metadata.sorted_tables:  # parents first: references are already decided
        if not is_key_material(t) and is_confidential(t, frozenset(found)):
            found.add(t.name)
    return frozenset(found)


def exchanged_tables(include_confidential: bool) -> list[Table]:
    """The tables that travel, parents before children."""
    secret = confidential_tables()
    return [
        t
        for t in Base.metadata.sorted_tables
        if not is_local(t) and (include_confidential or t.name not in secret)
    ]


# --- keys -------------------------------------------------------------------------------


def key_path(db_path: Path | None) -> Path:
    """The terminal's private key: beside a SQLite file, else in the user data folder."""
    if db_path is not None:
        return Path(db_path).parent / "keys" / "terminal-ed25519.pem"
    from platformdirs import user_data_dir

    return Path(user_data_dir("zongzhi", appauthor=False)) / "keys" / "terminal-ed25519.pem"


def fingerprint(public_raw: bytes) -> str:
    return hashlib.sha256(public_raw).hexdigest()[:32]


@dataclass(frozen=True)
class KeyInfo:
    terminal: str
    public_key: str  # base64 of the 32 raw bytes
    fingerprint: str
    created: bool


def _get_setting(session: Session, key: str, default: Any = None) -> Any:
    row = session.get(Setting, key)
    return json.loads(row.value) if row is not None else default


def _set_setting(session: Session, key: str, value: Any) -> None:
    row = session.get(Setting, key)
    if row is None:
        session.add(Setting(key=key, value=json.dumps(value)))
    else:
        row.value = json.dumps(value)
    session.flush()


def _load_private_key(path: Path):
    from cryptography.hazmat.primitives.serialization import load_pem_private_key

    try:
        return load_pem_private_key(path.read_bytes(), password=None)
    except FileNotFoundError as exc:
        raise ServiceError(
            f"本终端还没有签名密钥（{path}）。请先运行 zongzhi terminal-key，"
            "并把显示的公钥交给中心登记。"
        ) from exc
    except ValueError as exc:
        raise ServiceError(f"签名密钥文件 {path} 已损坏，无法读取。") from exc


def _public_raw(private) -> bytes:
    from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

    return private.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)


@write_op()
def terminal_key(session: Session, actor: Actor, path: Path) -> KeyInfo:
    """This terminal's key, made on first use. Changes made before it are not exported: a
    terminal starts as a copy of the center's database, which the center already has."""
    require(actor, Action.EXCHANGE_BUNDLES)
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
    from cryptography.hazmat.primitives.serialization import (
        Encoding,
        NoEncryption,
        PrivateFormat,
    )

    created = False
    if not path.exists():
        private = Ed25519PrivateKey.generate()
        pem = private.private_bytes(Encoding.PEM, PrivateFormat.PKCS8, NoEncryption())
        private_file(path)
        path.write_bytes(pem)
        created = True
        if _get_setting(session, LAST_EXPORT_KEY) is None:
            top = session.scalar(select(func.max(RowChange.seq))) or 0
            _set_setting(session, LAST_EXPORT_KEY, top)
            _set_setting(session, BASELINE_SEQ_KEY, top)
            _set_setting(session, BASELINE_KEY, now().isoformat())
        audit.record(session, actor, "create_terminal_key", object_type="terminal")
    raw = _public_raw(_load_private_key(path))
    return KeyInfo(
        load_settings(session).terminal, base64.b64encode(raw).decode(), fingerprint(raw), created
    )


@write_op(Change.SETTINGS)
def register_terminal(session: Session, actor: Actor, terminal: str, public_key: str) -> KeyInfo:
    """At the center: accept bundles signed by this key as coming from ``terminal``."""
    require(actor, Action.EXCHANGE_BUNDLES)
    terminal = terminal.strip().upper()
    if not terminal or len(terminal) > 8 or not terminal.isalnum():
        raise ValidationError({"terminal": "终端代码应为 1–8 位字母或数字，如 B。"})
    try:
        raw = base64.b64decode(public_key.strip(), validate=True)
    except ValueError:
        raw = b""
    if len(raw) != 32:
        raise ValidationError(
            {
                "public_key": "公钥格式不对：应是终端上 zongzhi terminal-key "
                "显示的那一串（44 个字符）。"
            }
        )
    fp = fingerprint(raw)
    existing = session.scalar(select(TerminalKey).where(TerminalKey.fingerprint == fp))
    if existing is not None:
        if existing.terminal != terminal:
            raise ValidationError(
                {
                    "public_key": f"这个公钥已登记给终端 {existing.terminal}，"
                    f"不能再登记给 {terminal}。"
                }
            )
        existing.active = True
    else:
        session.add(
            TerminalKey(
                terminal=terminal,
                public_key=base64.b64encode(raw).decode(),
                fingerprint=fp,
                registered_by=actor.username,
            )
        )
    audit.record(session, actor, "register_terminal", object_type="terminal", object_id=terminal)
    session.flush()
    return KeyInfo(terminal, base64.b64encode(raw).decode(), fp, existing is None)


@read_op
def registered_terminals(session: Session, actor: Actor) -> list[TerminalKey]:
    require(actor, Action.EXCHANGE_BUNDLES)
    return list(session.scalars(select(TerminalKey).order_by(TerminalKey.terminal)))


# --- enrolment: a terminal set up from a starter file (``terminal_setup``) -----------------


def enrol_proof(secret: str, terminal: str, public_key: str) -> str:
    """What a terminal's bundle carries to show that its key is the one the starter file was
    made for: an HMAC of the terminal code and public key under the one-time secret."""
    msg = f"{terminal}\n{public_key}".encode()
    return hmac.new(bytes.fromhex(secret), msg, hashlib.sha256).hexdigest()


@read_op
def enrolment_header(session: Session, terminal: str, public_key: str) -> dict[str, str] | None:
    """What an export adds to the bundle's header while this terminal was set up from a
    starter file: its public key and the proof that it belongs to ``terminal``."""
    secret = _get_setting(session, ENROL_SECRET)
    if not secret:
        return None
    return {"public_key": public_key, "proof": enrol_proof(secret, terminal, public_key)}


@read_op
def enrolled_key(session: Session, terminal: str, fp: str, enrol: Any) -> str | None:
    """At the center: the public key of a bundle from a terminal not yet registered, if the
    bundle proves it with the secret of that terminal's starter file; else None."""
    if not isinstance(enrol, dict):
        return None
    pending = _get_setting(session, ENROL_PENDING + terminal)
    if not isinstance(pending, dict) or not pending.get("secret"):
        return None
    public_key = str(enrol.get("public_key", ""))
    try:
        raw = base64.b64decode(public_key, validate=True)
    except ValueError:
        return None
    if len(raw) != 32 or fingerprint(raw) != fp:
        return None
    expected = enrol_proof(pending["secret"], terminal, public_key)
    if not hmac.compare_digest(expected, str(enrol.get("proof", ""))):
        return None
    return public_key


@write_op(Change.SETTINGS)
def complete_enrolment(session: Session, actor: Actor, terminal: str, public_key: str) -> None:
    """Register the key a bundle proved, and spend the starter file's secret."""
    raw = base64.b64decode(public_key)
    session.add(
        TerminalKey(
            terminal=terminal,
            public_key=public_key,
            fingerprint=fingerprint(raw),
            registered_by=actor.username,
        )
    )
    row = session.get(Setting, ENROL_PENDING + terminal)
    if row is not None:
        session.delete(row)
    audit.record(
        session,
        actor,
        "register_terminal",
        object_type="terminal",
        object_id=terminal,
        reason="随终端的第一个交换包登记（终端初始文件）",
    )
    session.flush()


# --- export -----------------------------------------------------------------------------


@dataclass(frozen=True)
class ExportReport:
    path: Path
    bundle_id: uuid.UUID
    rows: int
    deleted: int
    tables: dict[str, int]


def _schema_revision(session: Session) -> str:
    from alembic.runtime.migration import MigrationContext

    return MigrationContext.configure(session.connection()).get_current_revision() or ""


def _key_clause(table: Table, key: str):
    values = json.loads(key)
    cols = list(table.primary_key.columns)
    return and_(*(c == decode_value(c, v) for c, v in zip(cols, values, strict=True)))


def _current(session: Session, table: Table, key: str) -> dict[str, Any] | None:
    row = session.execute(select(table).where(_key_clause(table, key))).mappings().first()
    return encode_row(table, row) if row is not None else None


@write_op()
def export_bundle(
    session: Session,
    actor: Actor,
    out: Path,
    key_file: Path,
    *,
    since: datetime | None = None,
) -> ExportReport:
    """Write every record created, changed or deleted here since the last export (or since
    ``since``) to ``out``, signed with this terminal's key."""
    require(actor, Action.EXCHANGE_BUNDLES)
    private = _load_private_key(key_file)
    settings = load_settings(session)
    include_confidential = bool(load_settings(session).exchange_counselling)
    tables = {t.name: t for t in exchanged_tables(include_confidential)}
    last_seq = _get_setting(session, LAST_EXPORT_KEY, 0) or 0
    secret = confidential_tables()
    secret_seq = _get_setting(session, LAST_CONFIDENTIAL_KEY)
    if secret_seq is None:  # never exported with them: everything since the terminal's key
        secret_seq = _get_setting(session, BASELINE_SEQ_KEY, 0) or 0
    q = select(RowChange.table_name, RowChange.row_key, func.max(RowChange.seq)).group_by(
        RowChange.table_name, RowChange.row_key
    )
    if since is not None:
        q = q.where(RowChange.at >= since)
    else:
        floor = min(last_seq, secret_seq) if include_confidential else last_seq
        q = q.where(RowChange.seq > floor)
    changed = session.execute(q).all()
    rows: dict[str, list[dict]] = {}
    deleted: dict[str, list[str]] = {}
    for name, key, seq in sorted(changed, key=lambda r: r[2]):
        table = tables.get(name)
        if table is None:
            continue
        if since is None and seq <= (secret_seq if name in secret else last_seq):
            continue
        current = _current(session, table, key)
        if current is None:
            deleted.setdefault(name, []).append(key)
        else:
            rows.setdefault(name, []).append(current)
    if not rows and not deleted:
        raise ServiceError("自上次导出以来本终端没有新增或修改的记录，不需要导出交换包。")
    top = session.scalar(select(func.max(RowChange.seq))) or 0
    bundle_id = uuid.uuid4()
    body = {
        "format": FORMAT,
        "bundle_id": str(bundle_id),
        "center_prefix": settings.prefix,
        "terminal": settings.terminal,
        "schema": _schema_revision(session),
        "created_at": now().isoformat(),
        "since": since.isoformat() if since else None,
        "baseline": _get_setting(session, BASELINE_KEY),
        "tables": rows,
        "deleted": deleted,
    }
    payload = gzip.compress(json.dumps(body, ensure_ascii=False).encode("utf-8"), mtime=0)
    raw = _public_raw(private)
    header = {
        "terminal": settings.terminal,
        "fingerprint": fingerprint(raw),
        "length": len(payload),
        "signature": base64.b64encode(private.sign(payload)).decode(),
    }
    enrol = enrolment_header(session, settings.terminal, base64.b64encode(raw).decode())
    if enrol is not None:  # set up from a starter file: the center registers the key on import
        header["enrol"] = enrol
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    partial = out.with_name(out.name + ".partial")
    with open(partial, "wb") as f:
        f.write(MAGIC + json.dumps(header).encode() + b"\n" + payload)
        f.flush()
        os.fsync(f.fileno())
    os.replace(partial, out)
    if since is None:
        _set_setting(session, LAST_EXPORT_KEY, max(top, last_seq))
        if include_confidential:
            _set_setting(session, LAST_CONFIDENTIAL_KEY, max(top, secret_seq))
    counts = {name: len(v) for name, v in rows.items()}
    total, gone = sum(counts.values()), sum(len(v) for v in deleted.values())
    audit.record(
        session,
        actor,
        "export_bundle",
        object_type="bundle",
        object_id=bundle_id,
        reason=f"{total} 条记录，{gone} 条删除",
    )
    return ExportReport(out, bundle_id, total, gone, counts)


# --- reading and checking a bundle ------------------------------------------------------


@dataclass
class Bundle:
    terminal: str
    fingerprint: str
    sha256: str
    body: dict[str, Any]
    enrol_key: str | None = None  # a key proved by a starter file's secret, to register

    @property
    def bundle_id(self) -> uuid.UUID:
        return uuid.UUID(self.body["bundle_id"])

    @property
    def rows(self) -> int:
        return sum(len(v) for v in self.body["tables"].values()) + sum(
            len(v) for v in self.body["deleted"].values()
        )


_DAMAGED = "交换包文件不完整或已损坏（可能没有拷贝完），未导入任何数据。请在终端重新导出后再导入。"


@read_op
def read_bundle(session: Session, data: bytes) -> Bundle:
    """Check a bundle before anything is applied; refuse it with the reason a person can act on."""
    from alembic.script import ScriptDirectory
    from cryptography.exceptions import InvalidSignature
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

    from app.db import alembic_config

    if not data.startswith(MAGIC):
        raise BundleRefused("这不是综治中心工作台的交换包文件（.zzb），未导入任何数据。")
    rest = data[len(MAGIC) :]
    line, sep, payload = rest.partition(b"\n")
    try:
        header = json.loads(line)
        terminal, fp = str(header["terminal"]), str(header["fingerprint"])
        length, signature = int(header["length"]), base64.b64decode(header["signature"])
    except (ValueError, KeyError, TypeError) as exc:
        raise BundleRefused(_DAMAGED) from exc
    if not sep or len(payload) != length:
        raise BundleRefused(_DAMAGED)
    key = session.scalar(
        select(TerminalKey).where(TerminalKey.fingerprint == fp, TerminalKey.active.is_(True))
    )
    public_key = key.public_key if key is not None and key.terminal == terminal else None
    enrol_key = None
    if key is None:
        enrol_key = public_key = enrolled_key(session, terminal, fp, header.get("enrol"))
    if public_key is None:
        raise BundleRefused(
            f"交换包来自未登记的终端 {terminal}（密钥指纹 {fp[:16]}…），未导入任何数据。"
            "请先在中心登记该终端的公钥（zongzhi register-terminal）。"
        )
    try:
        Ed25519PublicKey.from_public_bytes(base64.b64decode(public_key)).verify(signature, payload)
    except InvalidSignature as exc:
        raise BundleRefused(
            f"交换包的签名不符：文件在终端 {terminal} 导出后被改动过或已损坏，未导入任何数据。"
        ) from exc
    try:
        body = json.loads(gzip.decompress(payload))
        body["tables"], body["deleted"], body["schema"]  # noqa: B018 - required keys
        uuid.UUID(body["bundle_id"])
    except (ValueError, KeyError, TypeError, OSError, EOFError) as exc:
        raise BundleRefused(_DAMAGED) from exc
    if body.get("format") != FORMAT or body.get("terminal") != terminal:
        raise BundleRefused(_DAMAGED)
    script = ScriptDirectory.from_config(alembic_config())
    try:
        script.get_revision(body["schema"])
    except Exception as exc:
        raise BundleRefused(
            f"交换包来自更新版本的程序（数据结构版本 {body['schema']}），本机的程序较旧，"
            "未导入任何数据。请先升级中心的综治中心工作台。"
        ) from exc
    prefix = load_settings(session).prefix
    if body.get("center_prefix") != prefix:
        raise BundleRefused(
            f"交换包来自编号前缀为 {body.get('center_prefix')} 的中心，本中心是 {prefix}，"
            "未导入任何数据。"
        )
    return Bundle(terminal, fp, hashlib.sha256(data).hexdigest(), body, enrol_key)


# --- import -----------------------------------------------------------------------------


@dataclass
class ImportReport:
    bundle_id: uuid.UUID
    terminal: str
    already_imported: datetime | None
    rows: int = 0
    inserted: int = 0
    updated: int = 0
    deleted: int = 0
    unchanged: int = 0
    conflicts: int = 0
    skipped_confidential: int = 0
    tables: dict[str, int] = field(default_factory=dict)

    def lines(self) -> list[str]:
        out = [f"交换包 {self.bundle_id}（终端 {self.terminal}）已校验签名并导入："]
        changes = self.inserted + self.updated + self.deleted + self.conflicts
        if self.already_imported and not changes:
            out.append(
                f"  此交换包已于 {self.already_imported:%Y-%m-%d %H:%M} 导入过，本次没有新的变化"
                f"（{self.unchanged} 条记录与中心相同）。"
            )
        else:
            if self.already_imported:
                out.append(
                    f"  此交换包已于 {self.already_imported:%Y-%m-%d %H:%M} 导入过；"
                    "本次导入了上次没有导入的记录："
                )
            out.append(
                f"  新增 {self.inserted} 条，更新 {self.updated} 条，删除 {self.deleted} 条，"
                f"未变 {self.unchanged} 条，两边都改过（待人工决定）{self.conflicts} 条。"
            )
        for name, n in sorted(self.tables.items()):
            out.append(f"  {TABLE_LABELS.get(name, name)}：{n} 条")
        if self.skipped_confidential:
            out.append(
                f"  心理咨询等保密记录 {self.skipped_confidential} 条未导入"
                "（中心未启用保密记录交换）。"
            )
        if self.conflicts:
            out.append("  冲突记录见 zongzhi conflicts；事项的办理过程里也有“交换冲突”提示。")
        return out


def _matter_of(table: Table, key: str, row: dict | None) -> uuid.UUID | None:
    if table.name == "matters":
        return uuid.UUID(json.loads(key)[0])
    if row is not None and row.get("matter_id"):
        return uuid.UUID(row["matter_id"])
    return None


_TIMELINE_COLUMNS = 4


# What a reference to another table is shown as: the name a person knows, not its id.
_SHOWN_AS = {
    "units": "name",
    "categories": "name",
    "villages": "name",
    "users": "display_name",
    "persons": "name",
}


def _shown(session: Session, table: Table, column: str, value: Any) -> str:
    if value is None:
        return "（空）"
    col = table.c.get(column)
    for fk in col.foreign_keys if col is not None else ():
        target = fk.column.table
        label = _SHOWN_AS.get(target.name)
        if label is None or label not in target.c:
            continue
        try:
            found = session.scalar(
                select(target.c[label]).where(fk.column == decode_value(fk.column, value))
            )
        except (ValueError, TypeError):
            found = None
        return str(found) if found is not None else "（已删除）"
    return str(value)[:30]


def _differences(session: Session, table: Table, center: dict | None, incoming: dict | None) -> str:
    if center is None:
        return "中心已删除此记录，终端仍有修改"
    if incoming is None:
        return "终端删除了此记录，中心有修改"
    names = [k for k in incoming if k in center and center[k] != incoming[k]]
    if table.name != "matters":  # other tables may hold personal data: name the fields only
        return "不同的字段：" + "、".join(column_label(table.name, k) for k in names)
    parts = [
        f"{column_label(table.name, k)}：中心“{_shown(session, table, k, center[k])}”，"
        f"终端“{_shown(session, table, k, incoming[k])}”"
        for k in names[:_TIMELINE_COLUMNS]
    ]
    more = f" 等 {len(names)} 项" if len(names) > _TIMELINE_COLUMNS else ""
    return "；".join(parts) + more


def _flag_conflict(
    session: Session,
    actor: Actor,
    bundle: Bundle,
    table: Table,
    key: str,
    center: dict | None,
    incoming: dict | None,
    incoming_hash: str,
) -> bool:
    """Keep the terminal's version for a person to decide; False if already flagged."""
    already = session.scalar(
        select(BundleConflict.id).where(
            BundleConflict.table_name == table.name,
            BundleConflict.row_key == key,
            BundleConflict.terminal_hash == incoming_hash,
            BundleConflict.decided.is_(None),
        )
    )
    if already is not None:
        return False
    matter_id = _matter_of(table, key, center or incoming)
    conflict = BundleConflict(
        table_name=table.name,
        row_key=key,
        terminal=bundle.terminal,
        bundle_id=bundle.bundle_id,
        matter_id=matter_id,
        center_row=json.dumps(center, ensure_ascii=False) if center is not None else None,
        terminal_row=json.dumps(incoming, ensure_ascii=False) if incoming is not None else None,
        terminal_hash=incoming_hash,
    )
    session.add(conflict)
    session.flush()
    if matter_id is not None and _exists(session, "matters", matter_id):
        timeline.record(
            session,
            actor,
            matter_id,
            EventKind.BUNDLE_CONFLICT,
            f"终端 {bundle.terminal} 的交换包与中心的版本不同（{table.name}）："
            f"{_differences(session, table, center, incoming)}。已保留中心版本，终端版本另存"
            f"（冲突记录 {str(conflict.id)[:8]}），请决定采用哪一个。",
            audit_event="bundle_conflict",
            object_type="bundle_conflict",
            object_id=conflict.id,
            reason=table.name,
        )
    return True


def _exists(session: Session, table_name: str, row_id: uuid.UUID) -> bool:
    t = Base.metadata.tables[table_name]
    return session.execute(select(t.c.id).where(t.c.id == row_id)).first() is not None


@write_op(*Change)  # a bundle can carry any kind of record
def import_bundle(
    session: Session,
    actor: Actor,
    data: bytes,
    *,
    progress: Callable[[int, int], None] | None = None,
) -> ImportReport:
    """Check and apply a bundle in the caller's transaction: all of it, or (on any error)
    nothing."""
    require(actor, Action.EXCHANGE_BUNDLES)
    try:
        return _import_bundle(session, actor, data, progress)
    except BundleRefused as exc:  # nothing applied; the attempt stays on record
        reason = exc.message
        exc.after_rollback.append(lambda kept: record_refused_bundle(kept, actor, data, reason))
        raise


def _import_bundle(
    session: Session,
    actor: Actor,
    data: bytes,
    progress: Callable[[int, int], None] | None,
) -> ImportReport:
    bundle = read_bundle(session, data)
    body = bundle.body
    if bundle.enrol_key is not None:
        complete_enrolment(session, actor, bundle.terminal, bundle.enrol_key)
    previous = session.get(BundleImport, bundle.bundle_id)
    report = ImportReport(
        bundle.bundle_id, bundle.terminal, previous.imported_at if previous else None, bundle.rows
    )
    include_confidential = bool(load_settings(session).exchange_counselling)
    allowed_tables = {t.name for t in exchanged_tables(include_confidential)}
    every = {t.name: t for t in Base.metadata.sorted_tables}
    total, done = bundle.rows, 0

    def step() -> None:
        nonlocal done
        done += 1
        if progress and (done % 50 == 0 or done == total):
            progress(done, total)

    baseline = datetime.fromisoformat(body["baseline"]) if body.get("baseline") else None

    def changed_here(table: Table, key: str) -> bool:
        """Changed at the center since it last took this row from a terminal (or, for a row
        the terminal had from its copy of the center's database, since that copy)."""
        imported = session.scalar(
            select(BundleRow.imported_at).where(
                BundleRow.table_name == table.name, BundleRow.row_key == key
            )
        )
        since = max((t for t in (imported, baseline) if t is not None), default=None)
        q = select(RowChange.seq).where(
            RowChange.table_name == table.name, RowChange.row_key == key
        )
        if since is not None:
            q = q.where(RowChange.at >= since)
        return session.scalar(q.limit(1)) is not None

    def remember(table: Table, key: str, h: str) -> None:
        row = session.get(BundleRow, (table.name, key))
        if row is None:
            session.add(
                BundleRow(
                    table_name=table.name,
                    row_key=key,
                    terminal=bundle.terminal,
                    row_hash=h,
                    imported_at=now(),
                )
            )
        else:
            row.row_hash, row.terminal, row.imported_at = h, bundle.terminal, now()

    def usable(name: str) -> Table | None:
        table = every.get(name)
        if table is None or is_local(table):
            return None  # a table this program does not know, or one that never travels
        if name not in allowed_tables:
            return None
        return table

    ordered = [t for t in Base.metadata.sorted_tables if t.name in body["tables"]]
    secret = confidential_tables()
    for name, rows in body["tables"].items():
        if name in secret and name not in allowed_tables:
            report.skipped_confidential += len(rows)
    for table in ordered:
        if usable(table.name) is None:
            continue
        for incoming in body["tables"][table.name]:
            # Columns this database derives itself (``rows.encode_row``) are never taken.
            incoming = {
                k: v
                for k, v in incoming.items()
                if k in table.c and not table.c[k].info.get("derived")
            }
            key = json.dumps(
                [incoming[c.name] for c in table.primary_key.columns], ensure_ascii=False
            )
            h = row_hash(incoming)
            center = _current(session, table, key)
            try:
                if center is None:
                    session.execute(insert(table).values(_decoded(table, incoming)))
                    report.inserted += 1
                    report.tables[table.name] = report.tables.get(table.name, 0) + 1
                    remember(table, key, h)
                elif row_hash({k: center[k] for k in incoming}) == h:
                    report.unchanged += 1
                    known = session.get(BundleRow, (table.name, key))
                    if known is None or known.row_hash != h:
                        remember(table, key, h)
                elif not changed_here(table, key):
                    session.execute(
                        update(table)
                        .where(_key_clause(table, key))
                        .values(_decoded(table, incoming))
                    )
                    report.updated += 1
                    report.tables[table.name] = report.tables.get(table.name, 0) + 1
                    remember(table, key, h)
                elif _flag_conflict(session, actor, bundle, table, key, center, incoming, h):
                    report.conflicts += 1
                else:
                    report.unchanged += 1
                session.flush()
            except IntegrityError as exc:
                raise BundleRefused(
                    f"交换包里的记录（表 {table.name}）引用了中心没有的数据，"
                    "或与中心已有的记录冲突，"
                    "未导入任何数据。请先导入该终端更早的交换包，或联系管理员。"
                ) from exc
            step()
    for table in reversed(Base.metadata.sorted_tables):
        if table.name not in body["deleted"] or usable(table.name) is None:
            continue
        for key in body["deleted"][table.name]:
            center = _current(session, table, key)
            gone_hash = "deleted:" + key
            if center is None:
                report.unchanged += 1
            elif not changed_here(table, key):
                session.execute(delete(table).where(_key_clause(table, key)))
                report.deleted += 1
                remember(table, key, hashlib.sha256(gone_hash.encode()).hexdigest())
            elif _flag_conflict(
                session, actor, bundle, table, key, center, None,
                hashlib.sha256(gone_hash.encode()).hexdigest(),
            ):  # fmt: skip
                report.conflicts += 1
            else:
                report.unchanged += 1
            step()
    if previous is None:
        session.add(
            BundleImport(
                bundle_id=bundle.bundle_id,
                terminal=bundle.terminal,
                created_at=datetime.fromisoformat(body["created_at"]),
                sha256=bundle.sha256,
                rows=bundle.rows,
                inserted=report.inserted,
                updated=report.updated,
                deleted=report.deleted,
                conflicts=report.conflicts,
            )
        )
    audit.record(
        session,
        actor,
        "import_bundle",
        object_type="bundle",
        object_id=bundle.bundle_id,
        reason=(
            f"终端 {bundle.terminal}：新增 {report.inserted}，更新 {report.updated}，"
            f"删除 {report.deleted}，冲突 {report.conflicts}"
        ),
    )
    session.flush()
    if progress:
        progress(total, total)
    return report


@write_op()
def record_refused_bundle(session: Session, actor: Actor, data: bytes, reason: str) -> None:
    """A refused bundle leaves its mark in the audit log (in a transaction of its own: the
    import's own was rolled back): who tried, which file (its SHA-256), and why."""
    audit.record(
        session,
        actor,
        "refuse_bundle",
        object_type="bundle",
        object_id=hashlib.sha256(data).hexdigest()[:32],
        outcome="refused",
        reason=reason[:200],
    )


def _decoded(table: Table, data: dict[str, Any]) -> dict[str, Any]:
    return {c.name: decode_value(c, data[c.name]) for c in table.columns if c.name in data}


# --- conflicts --------------------------------------------------------------------------


@dataclass(frozen=True)
class ConflictView:
    id: uuid.UUID
    table: str
    terminal: str
    found_at: datetime
    matter_id: uuid.UUID | None
    matter_number: str
    differences: str
    decided: str | None


@write_op(*Change)
def import_bundle_file(
    session: Session,
    actor: Actor,
    path: Path,
    *,
    progress: Callable[[int, int], None] | None = None,
) -> ImportReport:
    """``import_bundle`` of the bundle in the file at ``path``."""
    try:
        data = Path(path).read_bytes()
    except OSError as exc:
        raise ServiceError(f"读不到交换包文件 {path}：{exc.strerror or exc}") from exc
    return import_bundle(session, actor, data, progress=progress)


@read_op
def list_conflicts(session: Session, actor: Actor, *, open_only: bool = True) -> list[ConflictView]:
    require(actor, Action.EXCHANGE_BUNDLES)
    q = select(BundleConflict).order_by(BundleConflict.found_at)
    if open_only:
        q = q.where(BundleConflict.decided.is_(None))
    matters = Base.metadata.tables["matters"]
    out = []
    for c in session.scalars(q):
        table = Base.metadata.tables.get(c.table_name)
        number = ""
        if c.matter_id is not None:
            number = (
                session.scalar(select(matters.c.number).where(matters.c.id == c.matter_id)) or ""
            )
        center = json.loads(c.center_row) if c.center_row else None
        incoming = json.loads(c.terminal_row) if c.terminal_row else None
        diff = _differences(session, table, center, incoming) if table is not None else ""
        out.append(
            ConflictView(
                c.id, c.table_name, c.terminal, c.found_at, c.matter_id, number, diff, c.decided
            )
        )
    return out


@write_op(*Change)  # a bundle can carry any kind of record
def resolve_conflict(session: Session, actor: Actor, conflict_id: uuid.UUID, keep: str) -> None:
    """A person decides: keep the center's version (``center``) or take the terminal's."""
    require(actor, Action.RESOLVE_CONFLICTS)
    if keep not in ("center", "terminal"):
        raise ValidationError({"keep": "请选择保留中心版本还是采用终端版本。"})
    c = session.get(BundleConflict, conflict_id)
    if c is None:
        raise NotFound("找不到这条交换冲突记录，请刷新。")
    if c.decided:
        raise ServiceError(f"这条冲突已于 {c.decided_at:%Y-%m-%d %H:%M} 由 {c.decided_by} 处理过。")
    table = Base.metadata.tables[c.table_name]
    if keep == "terminal":
        if c.terminal_row is None:
            session.execute(delete(table).where(_key_clause(table, c.row_key)))
        else:
            values = _decoded(table, json.loads(c.terminal_row))
            if _current(session, table, c.row_key) is None:
                session.execute(insert(table).values(values))
            else:
                session.execute(update(table).where(_key_clause(table, c.row_key)).values(values))
        # The center now holds what the terminal sent: later bundles fast-forward again.
        row = session.get(BundleRow, (c.table_name, c.row_key))
        if row is None:
            row = BundleRow(table_name=c.table_name, row_key=c.row_key, terminal=c.terminal)
            session.add(row)
        row.row_hash, row.imported_at = c.terminal_hash, now()
    c.decided, c.decided_by, c.decided_at = keep, actor.username, now()
    decided = dict(object_type="bundle_conflict", object_id=c.id, reason=keep)
    if c.matter_id is not None and _exists(session, "matters", c.matter_id):
        timeline.record(
            session,
            actor,
            c.matter_id,
            EventKind.NOTE,
            f"交换冲突 {str(c.id)[:8]} 已处理："
            + ("保留中心版本" if keep == "center" else f"采用终端 {c.terminal} 的版本"),
            audit_event="resolve_conflict",
            **decided,
        )
    else:
        audit.record(session, actor, "resolve_conflict", **decided)
    session.flush()
