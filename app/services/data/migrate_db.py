"""Move a center's data to another database (e.g. from one PC's SQLite file to a PostgreSQL
server): every table copied in one transaction, counts and checksums compared before the
commit, and a target that already holds data refused.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from itertools import islice

from sqlalchemy import inspect, select
from sqlalchemy.engine import make_url

from app.core.errors import ServiceError
from app.core.rows import decode_row, table_checksum, table_rows
from app.core.text_search import is_search_table
from app.models import Base
from app.models.base import now

CHUNK = 1000


@dataclass(frozen=True)
class TableCopy:
    name: str
    rows: int
    checksum: str


@dataclass(frozen=True)
class MigrationReport:
    source: str
    target: str
    tables: list[TableCopy]
    attachments: int = 0  # attachment files put into the target's database
    missing_attachments: tuple[str, ...] = ()  # files not found in the source's data folder

    @property
    def rows(self) -> int:
        return sum(t.rows for t in self.tables)


def _safe(url: str) -> str:
    return make_url(url).render_as_string(hide_password=True)


def _refuse_non_empty(target) -> None:
    from app.db import current_revision, head_revision

    names = set(inspect(target.engine).get_table_names())
    ours = {t.name for t in Base.metadata.sorted_tables}
    foreign = sorted(n for n in names - ours - {"alembic_version"} if not is_search_table(n))
    if foreign:
        raise ServiceError(
            f"目标数据库里已有其他程序的表（{'、'.join(foreign[:5])}），"
            "不能写入。请新建一个空数据库作为目标。"
        )
    if "alembic_version" in names:
        rev = current_revision(target.engine)
        if rev is not None and rev != head_revision():
            raise ServiceError(
                f"目标数据库的结构版本（{rev}）和本程序（{head_revision()}）不同，"
                "不能写入。请新建一个空数据库作为目标。"
            )
    with target.engine.connect() as conn:
        for table in Base.metadata.sorted_tables:
            if table.name in names and conn.execute(select(1).select_from(table).limit(1)).first():
                raise ServiceError(
                    f"目标数据库不是空的（表 {table.name} 里已有数据），为免覆盖，不写入。"
                    "请新建一个空数据库作为目标。"
                )


def _advance_sequences(conn) -> None:
    """PostgreSQL hands out serial keys from a sequence that copied rows did not advance."""
    if conn.dialect.name != "postgresql":
        return
    for table in Base.metadata.sorted_tables:
        col = table.autoincrement_column
        if col is None:
            continue
        conn.exec_driver_sql(
            f"SELECT setval(pg_get_serial_sequence('{table.name}', '{col.name}'), "
            f"COALESCE((SELECT max({col.name}) FROM {table.name}), 0) + 1, false)"
        )


def migrate_database(
    source_url: str,
    target_url: str,
    *,
    progress: Callable[[str, int], None] | None = None,
) -> MigrationReport:
    """Copy every table from ``source_url`` to an empty ``target_url`` and verify the copy.

    The source is brought to the current schema first (as opening it in the program would);
    the target gets the same Alembic revisions, then every row, in one transaction that is
    committed only if each table's row count and checksum equal the source's."""
    from app.db import Database, is_initialised, open_database, upgrade

    if make_url(source_url) == make_url(target_url):
        raise ServiceError("源数据库和目标数据库是同一个，请指定另一个目标。")
    source = open_database(database_url=source_url)
    target = Database(target_url)
    try:
        if not is_initialised(source):
            raise ServiceError("源数据库还没有数据（没有初始化），不需要迁移。")
        _refuse_non_empty(target)
        upgrade(target)
        copies: list[TableCopy] = []
        with source.engine.connect() as src, target.engine.begin() as dst:
            for table in Base.metadata.sorted_tables:
                rows = table_rows(src, table)
                copied = 0
                while chunk := list(islice(rows, CHUNK)):
                    dst.execute(table.insert(), [decode_row(table, r) for r in chunk])
                    copied += len(chunk)
                if progress:
                    progress(table.name, copied)
            for table in Base.metadata.sorted_tables:
                src_count, src_sum = table_checksum(src, table)
                dst_count, dst_sum = table_checksum(dst, table)
                if (src_count, src_sum) != (dst_count, dst_sum):
                    raise ServiceError(
                        f"复制后核对不符：表 {table.name} 源 {src_count} 行、目标 {dst_count} 行"
                        f"（校验和{'相同' if src_sum == dst_sum else '不同'}）。"
                        "已撤销，目标数据库里没有写入任何数据。"
                    )
                copies.append(TableCopy(table.name, dst_count, dst_sum))
            _advance_sequences(dst)
            carried, missing = _carry_attachments(source, src, dst)
        _carry_audit_key(source, target)
        return MigrationReport(_safe(source_url), _safe(target_url), copies, carried, missing)
    finally:
        source.dispose()
        target.dispose()


def _carry_attachments(source, src, dst) -> tuple[int, tuple[str, ...]]:
    """A server target keeps attachments' bytes in its database (every terminal opens them):
    the source's files (in its data folder) go into ``attachment_blobs``, each checked
    against its hash. Returns how many were put in and the names of the ones not found."""
    import hashlib

    from app.services.reception.attachments import _stored, attachments_folder

    if dst.dialect.name == "sqlite":
        return 0, ()  # a file database keeps them in its folder; blobs copied above still open
    attachments = Base.metadata.tables["attachments"]
    report_files = Base.metadata.tables["report_attachments"]
    blobs = Base.metadata.tables["attachment_blobs"]
    have = set(dst.execute(select(blobs.c.sha256)).scalars())
    folder = attachments_folder(source.path)
    carried, missing = 0, []
    files = select(attachments.c.sha256, attachments.c.file_name).union_all(
        select(report_files.c.sha256, report_files.c.file_name)
    )  # matters' and reports' attachments share the store
    for sha, name in src.execute(files):
        if sha in have:
            continue
        path = _stored(folder, sha)
        try:
            data = path.read_bytes()
        except OSError:
            missing.append(name)
            continue
        if hashlib.sha256(data).hexdigest() != sha:
            missing.append(name)
            continue
        # On the driver's own cursor: the checksums above left ``dst`` streaming its results
        # (server-side cursors), which an INSERT cannot be run in.
        with dst.connection.driver_connection.cursor() as cur:
            cur.execute(
                "INSERT INTO attachment_blobs (sha256, size, data, stored_at) "
                "VALUES (%s, %s, %s, %s)",
                (sha, len(data), data, now()),
            )
        have.add(sha)
        carried += 1
    return carried, tuple(missing)


def _carry_audit_key(source, target) -> None:
    """The audit chain's key goes where the database went, so its keyed rows still verify:
    beside a SQLite target; on this terminal for a server, whose chain goes on keyed."""
    from sqlalchemy import text

    from app.services.security import audit_key

    with source.engine.connect() as conn:
        first = conn.execute(text("SELECT hash FROM audit_log WHERE seq = 1")).scalar()
    key = audit_key.key_for_chain(source.path, first)
    if key is None or first is None:
        return
    if target.path is not None:
        audit_key.copy_key(key, first, audit_key.key_file(target.path), to_seq=None)
    else:
        # The server chain goes on keyed under the same key (``audit_key``: shared by the
        # server's terminals, ``zongzhi audit-key export``/``import``); the database records
        # which key, so a terminal without it is refused rather than writing plain rows.
        import json

        from app.services.security.audit import SERVER_KEY_SETTING

        span = key.span(first)
        audit_key.copy_key(key, first, audit_key.server_key_file(target.url), to_seq=None)
        marker = json.dumps({"key_id": key.key_id, "from_seq": span[0] if span else 1})
        with target.engine.begin() as conn:
            conn.execute(text("DELETE FROM settings WHERE key = :k"), {"k": SERVER_KEY_SETTING})
            conn.execute(
                text("INSERT INTO settings (key, value) VALUES (:k, :v)"),
                {"k": SERVER_KEY_SETTING, "v": marker},
            )
