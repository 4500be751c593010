"""Which database this terminal uses, kept in a small file of the terminal's own.

A center that shares one PostgreSQL server points each terminal at it once (系统设置 → 本终端
数据库, or ``zongzhi connect URL``); from then on the program opens the server without
``--database-url``. The address can hold the server password, so the file is readable by its
owner only. ``--db``, ``--database-url`` and the environment variables still win over it.
"""

from __future__ import annotations

import json
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, DBAPIError, NoSuchModuleError

from app.core.errors import EnvironmentProblem, ValidationError
from app.core.private_files import private_folder
from app.db import configured_database_url, open_database, sqlite_path, terminal_config_path
from app.services.center import setup
from app.services.center.settings import load_settings

CONNECT_TIMEOUT_S = 10
URL_HELP = (
    "PostgreSQL 写 postgresql+psycopg://用户名:密码@服务器地址:5432/数据库名，"
    "SQLite 写 sqlite:///文件路径"
)


@dataclass(frozen=True)
class Connection:
    """What a successful connection found: the address (password hidden) and the center."""

    shown_url: str
    initialised: bool
    center_name: str | None


def shown(url: str) -> str:
    """The address as it may be shown on screen: a local file by its path, a server's address
    with the password replaced by ***."""
    path = sqlite_path(url) if url.startswith("sqlite") else None
    if path is not None:
        return f"本机数据库文件 {path}"
    try:
        return make_url(url).render_as_string(hide_password=True)
    except ArgumentError:
        return url


def check_url(url: str) -> str:
    """A usable database address, or a ValidationError saying how to write one."""
    url = url.strip()
    if not url:
        raise ValidationError({"url": "请填写数据库地址：" + URL_HELP})
    try:
        parsed = make_url(url)
    except ArgumentError:
        raise ValidationError({"url": f"数据库地址“{url}”看不懂。{URL_HELP}"}) from None
    backend = parsed.get_backend_name()
    if backend == "postgresql":
        if not parsed.host or not parsed.database:
            raise ValidationError({"url": f"PostgreSQL 地址要写明服务器和数据库名。{URL_HELP}"})
        if parsed.drivername != "postgresql+psycopg":
            url = parsed.set(drivername="postgresql+psycopg").render_as_string(hide_password=False)
    elif backend == "sqlite":
        path = sqlite_path(url)
        if path is None or not path.exists():
            raise ValidationError({"url": f"找不到数据库文件 {path}。{URL_HELP}"})
    else:
        raise ValidationError({"url": f"只支持 PostgreSQL 和 SQLite 数据库。{URL_HELP}"})
    return url


def try_connect(url: str) -> Connection:
    """Open the database at ``url`` (bringing its tables up to date) and say what is there.

    An empty server database gets the tables; the first start on it then shows the first-run
    wizard. A server that cannot be reached, or refuses the password, is an EnvironmentProblem.
    """
    url = check_url(url)
    probe = url
    parsed = make_url(url)
    if parsed.get_backend_name() == "postgresql" and "connect_timeout" not in parsed.query:
        # An unreachable server answers in seconds, not after the system's TCP timeout.
        probe = parsed.update_query_dict({"connect_timeout": str(CONNECT_TIMEOUT_S)})
        probe = probe.render_as_string(hide_password=False)
    try:
        database = open_database(database_url=probe)
    except (DBAPIError, NoSuchModuleError) as exc:
        reason = str(getattr(exc, "orig", None) or exc).strip().splitlines()[0]
        raise EnvironmentProblem(
            f"连接不上数据库 {shown(url)}：{reason}。请检查服务器地址、端口、用户名和密码，"
            "以及这台电脑能否访问服务器。"
        ) from exc
    try:
        with database.read() as s:
            initialised = setup.is_initialised(s)
            name = load_settings(s).center_name if initialised else None
    finally:
        database.dispose()
    return Connection(shown(url), initialised, name)


def save_database_url(url: str | None) -> Path:
    """Remember ``url`` for this terminal (None: back to the local database file)."""
    return save_terminal_value("database_url", url or None)


def save_terminal_value(key: str, value) -> Path:
    """Remember one of this terminal's settings (None: forget it); the others are kept.

    Written to a temporary file and renamed, so a crash leaves the old setting or the new one.
    """
    path = terminal_config_path()
    private_folder(path.parent)
    data: dict = {}
    if path.exists():
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            data = {}  # unreadable: replaced by what the admin chose now
    if value is not None:
        data[key] = value
    else:
        data.pop(key, None)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".terminal-", suffix=".json")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:  # mkstemp's file is 0600
            json.dump(data, f, ensure_ascii=False, indent=2)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path


def connect_terminal(url: str) -> Connection:
    """Check that ``url`` works, then make it this terminal's database."""
    found = try_connect(url)
    save_database_url(check_url(url))
    return found


def current_database() -> str | None:
    """The saved address for display (password hidden), or None for the local file."""
    url = configured_database_url()
    return shown(url) if url else None
