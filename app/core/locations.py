"""Where the database is, and a first look at it, without SQLAlchemy (issue 17).

The log-in window is shown before SQLAlchemy, the models and the services are imported (they
take most of a second): which file the program opens, whether it sits on a network share,
and the three facts the window shows (center name, terminal, demo flag) are found here with
the standard library. ``app.db`` re-exports the location functions; everything that opens a
database still goes through it."""

from __future__ import annotations

import json
import os
import re
import sqlite3
from dataclasses import dataclass
from pathlib import Path

from app.core.errors import DatabaseUnusable

APP_NAME = "zongzhi"
MIGRATIONS_DIR = Path(__file__).resolve().parents[1] / "migrations"


def default_db_path() -> Path:
    from platformdirs import user_data_dir

    return Path(user_data_dir(APP_NAME, appauthor=False)) / "zongzhi.sqlite3"


def terminal_config_path() -> Path:
    """This terminal's own settings (which database it uses), outside any database."""
    if folder := os.environ.get("ZONGZHI_CONFIG_DIR"):
        return Path(folder) / "terminal.json"
    from platformdirs import user_config_dir

    return Path(user_config_dir(APP_NAME, appauthor=False)) / "terminal.json"


def configured_database_url() -> str | None:
    """The database URL saved for this terminal (系统设置 or ``zongzhi connect``), if any."""
    path = terminal_config_path()
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return None
    except (OSError, ValueError) as exc:
        raise DatabaseUnusable(
            f"本终端的数据库设置文件 {path} 读不出来（{exc}）。"
            "请用 zongzhi connect 重新设置，或删除这个文件改用本机数据库。"
        ) from exc
    url = data.get("database_url") if isinstance(data, dict) else None
    return url if isinstance(url, str) and url else None


def resolve_url(db: str | os.PathLike | None = None, database_url: str | None = None) -> str:
    """``--database-url`` wins, then ``ZONGZHI_DATABASE_URL``, ``--db PATH``, ``ZONGZHI_DB``,
    the database saved for this terminal, and last the file in the user data folder."""
    if database_url:
        return database_url
    if (env_url := os.environ.get("ZONGZHI_DATABASE_URL")) and not db:
        return env_url
    if not db and not os.environ.get("ZONGZHI_DB") and (saved := configured_database_url()):
        return saved
    path = Path(db) if db else Path(os.environ.get("ZONGZHI_DB") or default_db_path())
    return "sqlite:///" + str(path.expanduser().resolve())


_SCHEME = re.compile(r"^([A-Za-z][\w]*)(?:\+[\w]+)?://")


def sqlite_path(url: str) -> Path | None:
    """The file of a SQLite URL; None for a server or an in-memory database. A plain URL
    (what ``resolve_url`` makes, any server's) is read here; anything else SQLAlchemy parses."""
    scheme = _SCHEME.match(url)
    if scheme and scheme.group(1) != "sqlite":
        return None
    if url.startswith("sqlite:///") and not any(c in url for c in "?%#"):
        database = url[len("sqlite:///") :]
    else:
        from sqlalchemy.engine import make_url

        u = make_url(url)
        if u.get_backend_name() != "sqlite":
            return None
        database = u.database or ""
    if not database or database == ":memory:":
        return None
    # A URI filename (``file:/path?mode=ro`` with ``uri=true``) names the same file.
    return Path(database.removeprefix("file:"))


# --- the newest migration, from the files ----------------------------------------------

_REVISION = re.compile(r'^revision\b[^=\n]*=\s*"(\w+)"', re.M)
_DOWN_REVISION = re.compile(r'^down_revision\b[^=\n]*=\s*(?:"(\w+)"|None)\s*$', re.M)


def head_from_files(folder: Path = MIGRATIONS_DIR / "versions") -> str | None:
    """The newest migration, read from the files' ``revision`` and ``down_revision`` lines.

    Importing Alembic to ask it costs a quarter of a second at every start, nearly always to
    learn that there is nothing to do. None when the files are not one plain line of
    revisions (a merge, a file not laid out like ours, no files): then ask Alembic.
    """
    revisions: set[str] = set()
    parents: set[str] = set()
    for f in folder.glob("*.py"):
        text = f.read_text(encoding="utf-8")
        rev, down = _REVISION.findall(text), _DOWN_REVISION.findall(text)
        if len(rev) != 1 or len(down) != 1:
            return None
        revisions.add(rev[0])
        parents.update(d for d in down if d)
    heads = revisions - parents
    return heads.pop() if len(heads) == 1 and parents <= revisions else None


# --- a first look, for the log-in window ------------------------------------------------


@dataclass(frozen=True)
class FirstLook:
    """What the log-in window shows, read before the program's database layer is loaded.
    The defaults are ``CenterSettings``' (a test keeps them equal)."""

    center_name: str = ""
    terminal: str = "A"
    is_demo: bool = False


def first_look(path: Path | None) -> FirstLook | None:
    """The log-in window's facts of a local SQLite file that is set up and at the program's
    schema, read only (no write, no journal change). None whenever anything is otherwise — no
    file, a server, an upgrade due, not set up yet, unreadable or damaged — and the usual
    start (upgrade, first-run wizard, recovery) decides, as before."""
    if path is None or not path.is_file():
        return None
    head = head_from_files()
    if head is None:
        return None
    try:
        conn = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True, timeout=2)
        try:
            revisions = [r[0] for r in conn.execute("SELECT version_num FROM alembic_version")]
            if revisions != [head]:
                return None
            if not conn.execute("SELECT count(*) FROM users").fetchone()[0]:
                return None
            rows = dict(
                conn.execute(
                    "SELECT key, value FROM settings "
                    "WHERE key IN ('center_name', 'terminal', 'is_demo')"
                ).fetchall()
            )
        finally:
            conn.close()
        values = {k: json.loads(v) for k, v in rows.items()}
        look = FirstLook(**values)
    except (sqlite3.Error, OSError, ValueError, TypeError):
        return None
    if not isinstance(look.center_name, str) or not isinstance(look.terminal, str):
        return None
    return look


# --- network shares ---------------------------------------------------------------------

_NETWORK_FS = {"nfs", "nfs4", "cifs", "smb3", "smbfs", "fuse.sshfs", "9p", "afs", "ceph"}


def network_share_reason(path: Path, mounts_file: str = "/proc/mounts") -> str | None:
    """Why ``path`` looks like a network share (where SQLite's WAL is unsafe), or None."""
    text = str(path)
    if text.startswith(("\\\\", "//")):
        return "UNC 网络路径"
    if os.name == "nt":
        import ctypes

        drive = os.path.splitdrive(os.path.abspath(text))[0]
        if drive and ctypes.windll.kernel32.GetDriveTypeW(drive + "\\") == 4:  # DRIVE_REMOTE
            return f"{drive} 是映射的网络驱动器"
        return None
    try:
        with open(mounts_file, encoding="utf-8") as f:
            mounts = [line.split()[1:3] for line in f if len(line.split()) >= 3]
    except OSError:
        return None
    resolved = str(Path(text).resolve())
    best = ("", "")
    for point, fstype in mounts:
        point = point.replace("\\040", " ")
        inside = resolved == point or resolved.startswith(point.rstrip("/") + "/")
        if inside and len(point) > len(best[0]):
            best = (point, fstype)
    if best[1] in _NETWORK_FS:
        return f"{best[0]} 是网络文件系统（{best[1]}）"
    return None


NETWORK_SHARE_ADVICE = (
    "数据库文件位于网络共享上（{reason}）。SQLite 在网络共享上可能损坏数据，"
    "请把数据库放在本机硬盘上；多台终端共用数据时请改用 PostgreSQL 服务器（--database-url）。"
)
