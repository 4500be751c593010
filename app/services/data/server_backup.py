"""``zongzhi backup`` on a PostgreSQL server: a ``pg_dump`` of the center's database when
the program is on this PC, checked before it is called a backup; otherwise a plain statement
that the server's own backup is the administrator's task, and of what it must hold.

No backup is ever claimed that was not made: a dump that fails, or an empty file, is an error.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

from sqlalchemy.engine import make_url

from app.core import clock
from app.core.errors import EnvironmentProblem, ServiceError

DUMP_MAGIC = b"PGDMP"  # pg_dump's custom format begins with these bytes

WHAT_TO_BACK_UP = (
    "请由服务器管理员备份 PostgreSQL 数据库“{database}”（服务器 {host}）：全部表"
    "（含附件表 attachment_blobs 和审计日志 audit_log），如每天 pg_dump -Fc，"
    "或服务器的连续归档（WAL 归档）。各终端电脑上的 keys 文件夹（交换包签名密钥）也请另行保存。"
)


def _dump_command() -> str | None:
    return shutil.which("pg_dump")


def backup_server(url: str, out: Path | None) -> list[str]:
    """Dump the server database at ``url`` to ``out`` (default: ``backups/`` in the current
    folder) with pg_dump, or say plainly that no backup was made and what the administrator
    must back up. Returns the lines to print."""
    parsed = make_url(url)
    database, host = parsed.database or "", parsed.host or "localhost"
    what = WHAT_TO_BACK_UP.format(database=database, host=host)
    pg_dump = _dump_command()
    if pg_dump is None:
        raise ServiceError(
            "没有备份：这是 PostgreSQL 服务器上的数据库，本机找不到 pg_dump 程序，"
            "本程序不能替服务器做备份。" + what
        )
    if out is None:
        out = Path("backups") / f"{database}-{clock.now():%Y%m%d-%H%M%S}.pgdump"
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    partial = out.with_name(out.name + ".partial")
    env = dict(os.environ)
    if parsed.password:
        env["PGPASSWORD"] = str(parsed.password)
    command = [
        pg_dump,
        "--format=custom",
        f"--file={partial}",
        f"--host={host}",
        f"--port={parsed.port or 5432}",
        f"--dbname={database}",
    ]
    if parsed.username:
        command.append(f"--username={parsed.username}")
    try:
        done = subprocess.run(
            command, env=env, capture_output=True, text=True, timeout=3600, check=False
        )
    except (OSError, subprocess.TimeoutExpired) as exc:
        partial.unlink(missing_ok=True)
        raise EnvironmentProblem(f"没有备份：pg_dump 运行失败（{exc}）。" + what) from exc
    if done.returncode != 0 or not _looks_like_a_dump(partial):
        partial.unlink(missing_ok=True)
        reason = (done.stderr or "").strip().splitlines()[-1:] or ["输出的文件不是完整的备份"]
        raise EnvironmentProblem(f"没有备份：pg_dump 失败（{reason[0]}）。" + what)
    os.replace(partial, out)
    size = out.stat().st_size
    return [
        f"已用 pg_dump 备份服务器上的数据库 {database}：{out}（{size // 1024} KB）",
        f"  恢复：pg_restore --clean --dbname={database} {out}（由服务器管理员操作）",
        "  这份备份在本机；服务器自身的定期备份仍请服务器管理员安排。",
    ]


def _looks_like_a_dump(path: Path) -> bool:
    try:
        with open(path, "rb") as f:
            return f.read(len(DUMP_MAGIC)) == DUMP_MAGIC
    except OSError:
        return False
