"""Attachments (scanned letters, photos) kept with a matter.

Files are copied into the data folder under their SHA-256 (the same file twice is stored
once), listed on the matter's timeline, and checked against the hash when opened, so a file
changed on disk is noticed rather than shown as evidence.

On a shared server (PostgreSQL) each PC's data folder is its own, so the bytes are also kept in
the database (``attachment_blobs``, by SHA-256, at most ``MAX_BYTES`` each): any terminal opens
any attachment (its folder is then only a cache, checked against the hash like the file), and
``migrate-db`` carries them.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import uuid
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.core.errors import NotFound, ServiceError, ValidationError
from app.core.ops import Change, read_op, write_op
from app.core.private_files import private_file, private_folder
from app.models import Attachment, AttachmentBlob, EventKind, Matter, MatterStatus, User
from app.models.base import now
from app.services.context import Actor
from app.services.reception import timeline
from app.services.security import audit
from app.services.security.permissions import Action, require
from app.services.validation import unsavable_char

MAX_BYTES = 50 * 1024 * 1024


def attachments_folder(db_path: Path | None) -> Path:
    if db_path is not None:
        return Path(db_path).parent / "attachments"
    from platformdirs import user_data_dir

    return Path(user_data_dir("zongzhi", appauthor=False)) / "attachments"


def _stored(folder: Path, sha: str) -> Path:
    return Path(folder) / sha[:2] / sha


@read_op
def in_database(session: Session) -> bool:
    """Whether attachments' bytes are kept in the database: on a shared server."""
    return session.get_bind().dialect.name != "sqlite"


def _write_file(target: Path, folder: Path, write) -> None:
    private_folder(folder)
    target.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    tmp = target.with_suffix(".tmp")
    tmp.unlink(missing_ok=True)
    private_file(tmp)
    write(tmp)
    with open(tmp, "rb+") as f:
        os.fsync(f.fileno())
    os.replace(tmp, target)


@write_op(Change.MATTERS)
def store_blob(session: Session, sha: str, data: bytes) -> bool:
    """Keep ``data`` in the database under its hash (once); False if it was there already."""
    if len(data) > MAX_BYTES:
        raise ValidationError(
            {"file": f"文件太大（{len(data) // 1024 // 1024} MB），单个附件最多 50 MB"}
        )
    if hashlib.sha256(data).hexdigest() != sha:
        raise ServiceError("附件内容与登记的 SHA-256 不一致，未保存。")
    if session.get(AttachmentBlob, sha) is not None:
        return False
    session.add(AttachmentBlob(sha256=sha, size=len(data), data=data, stored_at=now()))
    session.flush()
    return True


def store_file(source: Path, folder: Path) -> tuple[str, int]:
    """Check ``source`` and copy it into the attachment store under its SHA-256 (once per
    content); returns (sha256, size). Matters' and reports' attachments share the store."""
    source = Path(source)
    # A file name that reads as something else ("申请书\u202eexe.pdf" shows as "申请书fdp.exe")
    # or that no export can hold is refused before anything is copied.
    if (problem := unsavable_char(source.name, "文件名")) is not None:
        raise ValidationError({"file": problem + "（请先给文件改名）"})
    if not source.is_file():
        raise ValidationError({"file": f"找不到文件 {source}"})
    size = source.stat().st_size
    if size > MAX_BYTES:
        raise ValidationError(
            {"file": f"文件太大（{size // 1024 // 1024} MB），单个附件最多 50 MB"}
        )
    digest = hashlib.sha256()
    with open(source, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            digest.update(chunk)
    sha = digest.hexdigest()
    target = _stored(folder, sha)
    try:
        if not target.exists():
            _write_file(target, folder, lambda tmp: shutil.copyfile(source, tmp))
    except OSError as exc:
        raise ServiceError(f"无法保存附件到 {target.parent}：{exc.strerror}") from exc
    return sha, size


def checked_file(folder: Path, sha: str, file_name: str, session: Session | None = None) -> Path:
    """The stored file, after checking it still has the hash it was filed with. On a shared
    server (``session`` given) a missing or damaged copy is made again from the database."""
    path = _stored(folder, sha)
    intact = path.is_file() and hashlib.sha256(path.read_bytes()).hexdigest() == sha
    if intact:
        return path
    blob = session.get(AttachmentBlob, sha) if session is not None else None
    if blob is not None and hashlib.sha256(blob.data).hexdigest() == sha:
        try:  # kept in the database: this terminal's copy is made (again) from it
            _write_file(path, folder, lambda tmp: tmp.write_bytes(blob.data))
        except OSError as exc:
            raise ServiceError(f"无法把附件写到 {path.parent}：{exc.strerror}") from exc
        return path
    if not path.is_file():
        raise ServiceError(f"附件文件“{file_name}”不见了（{path}），请从备份恢复。")
    raise ServiceError(f"附件文件“{file_name}”已被改动，与登记时不一致，请勿作为依据。")


@write_op(Change.MATTERS)
def add_attachment(
    session: Session,
    actor: Actor,
    matter_id: uuid.UUID,
    source: Path,
    folder: Path,
    *,
    at: datetime | None = None,
) -> Attachment:
    require(actor, Action.HANDLE_MATTER)
    m = session.get(Matter, matter_id)
    if m is None:
        raise NotFound("找不到该事项，请刷新列表。")
    if m.status == MatterStatus.ARCHIVED:
        raise ValidationError("已归档的事项不能再添加附件。")
    source = Path(source)
    sha, size = store_file(source, folder)
    if in_database(session):  # every terminal of the server opens it
        store_blob(session, sha, _stored(folder, sha).read_bytes())
    at = (at or now()).replace(microsecond=0)
    att = Attachment(
        matter_id=m.id,
        file_name=source.name[:255],
        sha256=sha,
        size=size,
        added_by=actor.user_id,
        added_at=at,
    )
    session.add(att)
    timeline.record(
        session,
        actor,
        m,
        EventKind.ATTACHMENT,
        f"{source.name}（{size // 1024 + 1} KB，SHA-256 {sha[:12]}…）",
        audit_event="attachment_add",
        at=at,
        reason=sha,
    )
    return att


@dataclass(frozen=True)
class AttachmentRow:
    id: uuid.UUID
    file_name: str
    size: int
    sha256: str
    added_by: str
    added_at: datetime


@read_op
def list_attachments(session: Session, actor: Actor, matter_id: uuid.UUID) -> list[AttachmentRow]:
    require(actor, Action.VIEW_MATTERS)
    names = dict(session.execute(select(User.id, User.display_name)).all())
    return [
        AttachmentRow(a.id, a.file_name, a.size, a.sha256, names.get(a.added_by, ""), a.added_at)
        for a in session.scalars(
            select(Attachment)
            .where(Attachment.matter_id == matter_id)
            .order_by(Attachment.added_at)
        )
    ]


@write_op()
def attachment_path(session: Session, actor: Actor, attachment_id: uuid.UUID, folder: Path) -> Path:
    """The stored file, after checking it still has the hash it was filed with."""
    require(actor, Action.VIEW_MATTERS)
    a = session.get(Attachment, attachment_id)
    if a is None:
        raise NotFound("找不到该附件。")
    path = checked_file(folder, a.sha256, a.file_name, session)
    audit.record(session, actor, "attachment_open", object_type="matter", object_id=a.matter_id)
    return path
