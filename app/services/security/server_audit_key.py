"""The audit key of a server database carried between terminals (``zongzhi audit-key``).

``export_server_key`` (the admin, signed in, at a terminal that holds the key) writes the key
file; ``import_server_key`` installs it on another terminal, refused when the server's chain
is keyed with another key (``audit.SERVER_KEY_SETTING`` names it). See ``audit_key``.
"""

from __future__ import annotations

from pathlib import Path

from sqlalchemy.orm import Session

from app.core.errors import ServiceError
from app.core.ops import Change, read_op, write_op
from app.services.context import Actor
from app.services.security import audit, audit_key
from app.services.security.permissions import Action, require


def _server_url(session: Session) -> str:
    url = session.get_bind().engine.url
    if audit_key.database_file(url) is not None or url.get_backend_name() == "sqlite":
        raise ServiceError(
            "审计密钥的导出和导入只用于服务器数据库（PostgreSQL）；SQLite 数据库的审计密钥"
            "在数据库旁的 keys 文件夹里，迁移时由 zongzhi migrate-db 一起带走。"
        )
    return url.render_as_string(hide_password=False)


@write_op(Change.SETTINGS)
def export_server_key(session: Session, actor: Actor, out: Path) -> str:
    """This terminal's key of the server database into ``out`` (owner-only), for the other
    terminals (``import_server_key``). Admin only; audited. Returns the key's id."""
    require(actor, Action.MANAGE_SETTINGS)
    url = _server_url(session)
    key = audit_key.load_server_key(url)
    if key is None:
        raise ServiceError(
            "本终端没有这台服务器数据库的审计密钥：请在写过审计记录的那台终端上导出。"
        )
    if Path(out).exists():
        raise ServiceError(f"文件 {out} 已经存在，请换一个文件名。")
    audit_key.write_key_copy(key, Path(out))
    audit.record(session, actor, "audit_key.export", object_type="audit_key", object_id=key.key_id)
    return key.key_id


@read_op
def import_server_key(session: Session, source: Path) -> str:
    """A key file from ``export_server_key`` as this terminal's key of the server database;
    refused if the server's chain is keyed with another key. Returns the key's id."""
    url = _server_url(session)
    try:
        key = audit_key.read_key_file(Path(source))
    except audit_key.AuditKeyUnreadable as exc:
        raise ServiceError(str(exc)) from exc
    marker = audit.server_key_marker(session)
    if marker is not None and marker["key_id"] != key.key_id:
        raise ServiceError(
            f"文件 {source} 里的审计密钥（编号 {key.key_id}）不是这台服务器数据库的"
            f"（服务器的审计链用编号 {marker['key_id']} 的密钥），没有导入。"
        )
    audit_key.install_server_key(key, url)
    return key.key_id
