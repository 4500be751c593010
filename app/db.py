"""Engine, sessions, SQLite pragmas and migrations at start-up.

SQLite follows SQLAlchemy's documented recipe: the driver's own transaction handling is off
(``isolation_level=None``) and we emit ``BEGIN`` ourselves — ``BEGIN IMMEDIATE`` for write
sessions, so handing out the next 受理编号 cannot race another writer.

PostgreSQL (``postgresql+psycopg://…``, every terminal of a center on one server) gets the same
guarantee from a transaction-level advisory lock taken first thing in every write
transaction: writers queue as they do on SQLite, so the audit chain and the per-terminal
counters never fork. The lock is released by COMMIT or ROLLBACK, also when a terminal dies.
"""

from __future__ import annotations

import contextlib
import errno
import os
import shutil
import sqlite3
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, event, inspect
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.exc import DBAPIError, OperationalError
from sqlalchemy.orm import Session, sessionmaker

from app.core import clock, text_search, visitor_keys
from app.core.changelog import install_change_tracking
from app.core.errors import (
    DatabaseDamaged,
    DatabaseLocked,
    DatabaseTooNew,
    DatabaseUnusable,
    DiskFull,
    EnvironmentProblem,
    ServiceError,
)
from app.core.locations import (  # noqa: F401 — re-exported: where the database is
    APP_NAME,
    MIGRATIONS_DIR,
    NETWORK_SHARE_ADVICE,
    configured_database_url,
    default_db_path,
    head_from_files,
    network_share_reason,
    resolve_url,
    sqlite_path,
    terminal_config_path,
)
from app.core.ops import (
    CHANGES,
    READ_ONLY,
    Op,
    OpResult,
    ReadOnlyViolation,
    Transactions,
    spec_of,
)
from app.core.portable import WRITE_LOCK_KEY
from app.core.private_files import private_file

BUSY_TIMEOUT_MS = 10_000

# A shared PostgreSQL server: a terminal that froze mid-write (a hung PC, a pulled cable) must
# not hold the write lock for everyone. Others wait at most PG_LOCK_TIMEOUT_MS for a lock and
# are then told so; the server ends a session idle inside a transaction after
# PG_IDLE_IN_TRANSACTION_MS (its lock is released with it); TCP keepalives let the server
# notice a vanished PC within about a minute instead of the system's two hours.
PG_LOCK_TIMEOUT_MS = 5_000
PG_IDLE_IN_TRANSACTION_MS = 10_000
PG_KEEPALIVES = {
    "keepalives": 1,
    "keepalives_idle": 30,
    "keepalives_interval": 10,
    "keepalives_count": 3,
}


def _sqlite_on_connect(dbapi_conn, _record) -> None:
    dbapi_conn.isolation_level = None
    cur = dbapi_conn.cursor()
    cur.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA synchronous=FULL")
    cur.execute("PRAGMA foreign_keys=ON")
    cur.close()
    text_search.connect(dbapi_conn)


def _sqlite_on_begin(conn) -> None:
    options = conn.get_execution_options()
    # query_only belongs to the connection, which the pool hands to reads and writes alike:
    # every transaction sets it, on for a read (a write there raises), off for the rest.
    conn.exec_driver_sql(f"PRAGMA query_only={1 if options.get('read_only') else 0}")
    if options.get("sqlite_immediate"):
        conn.exec_driver_sql("BEGIN IMMEDIATE")
    else:
        conn.exec_driver_sql("BEGIN")


def _sqlite_writable_again(dbapi_conn, _record) -> None:
    if dbapi_conn is not None:
        with contextlib.suppress(sqlite3.Error):  # a broken connection is discarded anyway
            dbapi_conn.execute("PRAGMA query_only=0")


def _pg_on_begin(conn) -> None:
    options = conn.get_execution_options()
    if options.get("read_only"):
        conn.exec_driver_sql("SET TRANSACTION READ ONLY")
    elif options.get("write_lock"):
        conn.exec_driver_sql(f"SELECT pg_advisory_xact_lock({WRITE_LOCK_KEY})")


def _environment_errors(path: Path | None):
    """``handle_error`` hook of a SQLite engine: a damaged file, a full disk, a lock become
    the environment problems of ``app.core.errors`` wherever they surface — on connect
    (the pragmas), in a migration, in any query — rather than a traceback. (A server's
    errors keep their own wording: ``terminal_config`` names the server it could not reach.)"""

    def on_error(ctx) -> None:
        read_only = ctx.connection is not None and ctx.connection.get_execution_options().get(
            "read_only"
        )
        if read_only and _is_read_only_refusal(ctx.original_exception):
            return  # a write on a read path: a bug, raised by ``Database.read``
        translated = translate_operational_error(ctx.original_exception, path=path)
        if isinstance(translated, EnvironmentProblem):
            raise translated from ctx.original_exception

    return on_error


def _is_read_only_refusal(exc: BaseException) -> bool:
    """SQLite's query_only (plain SQLITE_READONLY, 8) or PostgreSQL's READ ONLY (25006)
    refusing a write. A file that is really read-only gives SQLite's longer codes
    (SQLITE_READONLY_DBMOVED, _CANTINIT …) and stays an environment problem."""
    orig = getattr(exc, "orig", exc)
    code = getattr(orig, "sqlite_errorcode", None)
    if code is not None:
        return code == sqlite3.SQLITE_READONLY
    return getattr(orig, "sqlstate", None) == "25006"


def pg_connect_args(options: str | tuple | None = None) -> dict:
    """Every PostgreSQL connection's session settings (added to any ``options`` in the URL)."""
    if isinstance(options, tuple):
        options = " ".join(options)
    ours = (
        f"-c lock_timeout={PG_LOCK_TIMEOUT_MS} "
        f"-c idle_in_transaction_session_timeout={PG_IDLE_IN_TRANSACTION_MS}"
    )
    return {**PG_KEEPALIVES, "options": f"{options} {ours}" if options else ours}


def make_engine(url: str) -> Engine:
    u = make_url(url)
    if u.get_backend_name() == "sqlite":
        path = sqlite_path(url)
        if path is not None:
            try:
                private_file(path)
            except OSError as exc:
                raise translate_os_error(exc, path) from exc
        engine = create_engine(
            url, connect_args={"timeout": BUSY_TIMEOUT_MS / 1000, "check_same_thread": False}
        )
        event.listen(engine, "connect", _sqlite_on_connect)
        event.listen(engine, "begin", _sqlite_on_begin)
        # A connection used without a transaction of ours must not keep a read's query_only.
        event.listen(engine, "checkin", _sqlite_writable_again)
        event.listen(engine, "handle_error", _environment_errors(path))
        return engine
    connect_args: dict = {}
    if u.get_backend_name() == "postgresql":
        connect_args = pg_connect_args(u.query.get("options"))
    engine = create_engine(url, pool_pre_ping=True, connect_args=connect_args)
    if engine.dialect.name == "postgresql":
        event.listen(engine, "begin", _pg_on_begin)
    return engine


# Below this much free space an SQLite "disk I/O error" is the disk being full (SQLite says
# "disk is full" only for the database file itself, not for its -wal and -shm).
DISK_HEADROOM = 16 * 1024 * 1024

# SQLite's words for a damaged file (not "malformed JSON", which is a bug of ours).
_DAMAGED = (
    "disk image is malformed",
    "file is not a database",
    "is encrypted or is not a database",
)


def disk_nearly_full(folder: Path) -> bool:
    try:
        return shutil.disk_usage(folder).free < DISK_HEADROOM
    except OSError:
        return False


def damaged_message(path: Path | None, detail: str) -> str:
    name = str(path) if path else "数据库"
    restore = f"zongzhi restore 备份文件 --db {path}" if path else "zongzhi restore 备份文件"
    return (
        f"数据库文件损坏（{detail}）：{name}。请不要继续使用这个文件，"
        f"用数据库旁 backups 文件夹里最近的备份恢复：{restore}（被替换的文件会另存一份）。"
    )


def translate_os_error(exc: OSError, path: Path | None) -> EnvironmentProblem:
    """A file or folder of the database could not be created or written."""
    where = path.parent if path else exc.filename
    if exc.errno in (errno.ENOSPC, errno.EDQUOT):
        return DiskFull(f"磁盘空间已满（{where}）。请清理磁盘后重试；已填写的内容仍保留在表单中。")
    if exc.errno in (errno.EACCES, errno.EPERM, errno.EROFS):
        return DatabaseUnusable(
            f"数据文件夹 {where} 只读或没有权限，无法打开数据库。请检查文件夹权限。"
        )
    return DatabaseUnusable(f"无法打开数据库文件 {path or exc.filename}（{exc.strerror or exc}）。")


def translate_operational_error(exc: BaseException, path: Path | None = None) -> BaseException:
    """Map driver errors to the environment problems a person can act on.

    ``path`` is the SQLite file, if any: named in the message, and its folder's free space
    tells a full disk from a failing one.
    """
    detail = str(getattr(exc, "orig", exc))
    text = detail.lower()
    if any(word in text for word in _DAMAGED):
        return DatabaseDamaged(damaged_message(path, detail))
    if "disk i/o error" in text or "unable to open database file" in text:
        if path is not None and disk_nearly_full(path.parent):
            return DiskFull(
                f"磁盘空间已满（{path.parent}），数据库无法打开或写入。请清理磁盘后重试。"
            )
        if "unable to open" in text:
            return DatabaseUnusable(
                f"打不开数据库文件{f' {path}' if path else ''}。"
                "请检查文件和所在文件夹是否存在、是否有读写权限。"
            )
        return DatabaseUnusable(
            f"读写数据库文件时出错（{detail}）。请检查磁盘、U 盘或网络驱动器是否正常，"
            "然后运行 zongzhi check 检查数据库。"
        )
    if "lock timeout" in text:
        return DatabaseLocked(
            f"另一台终端正在写数据库，本机等了 {PG_LOCK_TIMEOUT_MS // 1000} 秒仍未轮到"
            f"（对方若已停止响应，服务器会在 {PG_IDLE_IN_TRANSACTION_MS // 1000} 秒内断开它）。"
            "请稍候再试；已填写的内容仍保留在表单中。"
        )
    if "idle-in-transaction timeout" in text:
        return DatabaseUnusable(
            "本机的一次数据库操作停顿太久，已被服务器断开，刚才的操作没有保存。"
            "请重试；已填写的内容仍保留在表单中。"
        )
    if "deadlock detected" in text or "could not serialize" in text:
        return DatabaseLocked("数据库正忙，请稍候再试；已填写的内容仍保留在表单中。")
    if "connection refused" in text or "could not connect" in text or "server closed" in text:
        return DatabaseUnusable(
            "连接不上数据库服务器。请检查网络和服务器是否开启；已填写的内容仍保留在表单中。"
        )
    if "locked" in text or "busy" in text:
        return DatabaseLocked(
            "数据库正被其他窗口或终端占用，请稍候再试；已填写的内容仍保留在表单中。"
        )
    if "disk is full" in text or "no space" in text:
        return DiskFull("磁盘空间已满，无法保存。请清理磁盘后重试；已填写的内容仍保留在表单中。")
    if "readonly" in text or "read-only" in text:
        return DatabaseUnusable(
            "数据文件夹只读，无法保存。请检查文件夹权限；已填写的内容仍保留在表单中。"
        )
    return exc


class Database:
    """One database: its engine and session factories."""

    def __init__(self, url: str, *, every_table: bool = True):
        """``every_table``: register the rooms' tables too (``app.models.load_all``), as
        everything but a command-line print of a matter's document needs."""
        if every_table:
            from app.models import load_all

            load_all()
        self.url = url
        self.engine = make_engine(url)
        install_change_tracking()  # every write is logged for exchange bundles
        self.is_sqlite = self.engine.dialect.name == "sqlite"
        if self.engine.dialect.name == "postgresql":
            from app.models.base import with_postgresql_options

            with_postgresql_options()
        # Reads are read-only in the database itself (query_only / READ ONLY), so a write
        # reached from a read path raises instead of being rolled back unseen.
        reader = self.engine.execution_options(read_only=True)
        self._read = sessionmaker(reader, expire_on_commit=False, info={READ_ONLY: True})
        writer = self.engine.execution_options(
            **({"sqlite_immediate": True} if self.is_sqlite else {"write_lock": True})
        )
        self._write = sessionmaker(writer, expire_on_commit=False)

    @property
    def path(self) -> Path | None:
        return sqlite_path(self.url)

    @contextmanager
    def write(self) -> Iterator[Session]:
        """A write transaction: committed on success, rolled back whole on any error."""
        session = self._write()
        try:
            yield session
            session.commit()
        except OperationalError as exc:
            session.rollback()
            raise translate_operational_error(exc, self.path) from exc
        except ServiceError as exc:
            session.rollback()
            if exc.after_rollback:  # e.g. the audit row of a refused unlock
                with self.write() as kept:
                    for write in exc.after_rollback:
                        write(kept)
            raise
        except BaseException:
            session.rollback()
            raise
        finally:
            session.close()

    @contextmanager
    def read(self) -> Iterator[Session]:
        """A read-only transaction, always rolled back."""
        session = self._read()
        try:
            yield session
        except DBAPIError as exc:
            if _is_read_only_refusal(exc):
                raise ReadOnlyViolation(
                    f"在只读事务中写数据库（程序错误，写操作应标明 @write_op）：{exc.orig}"
                ) from exc
            if isinstance(exc, OperationalError):
                raise translate_operational_error(exc, self.path) from exc
            raise
        finally:
            session.rollback()
            session.close()

    def run(self, job: Op | Callable[[Session], Any]) -> OpResult:
        """Run an operation in the transaction its mark asks for (see ``app.core.ops``).

        ``job`` is an :class:`~app.core.ops.Op`, a marked service function taking only the
        session, or a plain ``fn(session)``, which reads (read-only: a write inside raises).
        Returns the value and, for a write, the kinds of data it changed.
        """
        spec = spec_of(job)
        if spec is not None and spec.batched:  # it opens its own transactions
            tx = Transactions(self.write, self.read)
            value = job(tx)
            return OpResult(value, frozenset(tx.changes))
        with self.write() if spec is not None and spec.write else self.read() as session:
            value = job(session)
            changes = frozenset(session.info.get(CHANGES, ()))
        return OpResult(value, changes)

    def dispose(self) -> None:
        self.engine.dispose()


# --- migrations -------------------------------------------------------------------------


def alembic_config(connection=None):
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    if connection is not None:
        cfg.attributes["connection"] = connection
    return cfg


def head_revision() -> str:
    from alembic.script import ScriptDirectory

    return ScriptDirectory.from_config(alembic_config()).get_current_head()


def current_revision(engine: Engine) -> str | None:
    from alembic.runtime.migration import MigrationContext

    with engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


def is_initialised(db: Database) -> bool:
    return "alembic_version" in inspect(db.engine).get_table_names()


def stored_revisions(db: Database) -> list[str]:
    """The revisions recorded in the database (none for a new one)."""
    with db.engine.connect() as conn:
        if not inspect(conn).has_table("alembic_version"):
            return []
        return list(conn.exec_driver_sql("SELECT version_num FROM alembic_version").scalars())


def needs_upgrade(db: Database) -> bool:
    """Whether ``upgrade`` has anything to do: a new database, or one made by another version
    of the program (an older one is upgraded, a newer one refused)."""
    return stored_revisions(db) != [head_from_files() or head_revision()]


def backup_sqlite(src: Path, dest: Path) -> Path:
    """Consistent copy of a live SQLite database (online backup API; includes the WAL)."""
    try:
        private_file(dest)
        with sqlite3.connect(src) as s, sqlite3.connect(dest) as d:
            s.backup(d)
        d.close()
        s.close()
    except sqlite3.DatabaseError as exc:
        dest.unlink(missing_ok=True)
        problem = translate_operational_error(exc, path=src)
        if isinstance(problem, EnvironmentProblem):
            raise type(problem)("升级数据库前的备份没有完成：" + problem.message) from exc
        raise
    except OSError as exc:
        dest.unlink(missing_ok=True)
        problem = translate_os_error(exc, dest)
        raise type(problem)("升级数据库前的备份没有完成：" + problem.message) from exc
    return dest


def upgrade(db: Database) -> str | None:
    """Bring the schema to head. An existing older SQLite file is copied aside first.

    Returns the path of the copy, if one was made. A database made by a newer program is
    refused rather than touched.
    """
    if not needs_upgrade(db):
        return None
    from alembic import command
    from alembic.script import ScriptDirectory

    script = ScriptDirectory.from_config(alembic_config())
    head = script.get_current_head()
    current = current_revision(db.engine) if is_initialised(db) else None
    if current == head:
        return None
    if current is not None:
        try:
            script.get_revision(current)
        except Exception as exc:
            raise DatabaseTooNew(
                f"数据库版本（{current}）比本程序新，请升级综治中心工作台后再打开。"
            ) from exc
    copy = None
    path = db.path
    if current is not None and path is not None and path.exists():
        stamp = clock.now().strftime("%Y%m%d-%H%M%S")
        copy = backup_sqlite(path, path.with_name(f"{path.stem}.before-{head}-{stamp}.sqlite3"))
    with db.engine.connect() as conn:
        # Batch mode recreates tables: foreign keys must be off, set outside any transaction.
        raw = conn.connection.dbapi_connection if db.is_sqlite else None
        if raw is not None:
            raw.execute("PRAGMA foreign_keys=OFF")
        try:
            if raw is not None and current is not None:
                # The visitors' names' triggers name matters, matter_persons and persons in
                # their bodies: a batch migration's rename of a rebuilt table would fail on
                # them. Lifted for the upgrade; ``visitor_keys.ensure`` below puts them back
                # and refills the column.
                visitor_keys.drop(conn)
                conn.commit()
            command.upgrade(alembic_config(conn), "head")
            # A batch migration that rebuilt ``matters`` dropped the summary index's triggers.
            text_search.ensure(conn)
            # … and those of the visitors' names on each matter, if it rebuilt matter_persons
            # or persons.
            visitor_keys.ensure(conn)
            text_search.ensure_pair_end(conn)
            if conn.in_transaction():
                conn.commit()
        finally:
            if raw is not None:
                raw.execute("PRAGMA foreign_keys=ON")
    return str(copy) if copy else None


def open_database(
    db: str | os.PathLike | None = None,
    database_url: str | None = None,
    *,
    migrate: bool = True,
    every_table: bool = True,
) -> Database:
    database = Database(resolve_url(db, database_url), every_table=every_table)
    if migrate:
        upgrade(database)
    return database
