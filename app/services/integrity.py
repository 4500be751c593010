"""``zongzhi check``: the database file's integrity, the schema version, the audit chain."""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import text

from app.db import Database, current_revision, head_revision, is_initialised

from .audit import verify_chain


@dataclass
class CheckReport:
    ok: bool = True
    lines: list[str] = field(default_factory=list)

    def problem(self, line: str) -> None:
        self.ok = False
        self.lines.append("问题：" + line)


def check_database(db: Database) -> CheckReport:
    report = CheckReport()
    if db.is_sqlite:
        with db.engine.connect() as conn:
            rows = [r[0] for r in conn.execute(text("PRAGMA integrity_check"))]
        if rows == ["ok"]:
            report.lines.append("数据库文件完整性：正常")
        else:
            report.problem("数据库文件损坏：" + "；".join(rows[:5]))
            return report
    if not is_initialised(db):
        report.problem("这不是综治中心工作台的数据库，或尚未初始化。")
        return report
    rev, head = current_revision(db.engine), head_revision()
    if rev == head:
        report.lines.append(f"数据库结构版本：{rev}（最新）")
    else:
        report.lines.append(f"数据库结构版本：{rev}，程序版本：{head}（打开程序时会自动升级）")
    with db.read() as s:
        chain = verify_chain(s)
    if chain.first_broken is None:
        report.lines.append(f"审计记录：{chain.rows} 条，哈希链完整")
    else:
        report.problem(f"审计链在第 {chain.first_broken} 条断开：{chain.problem}")
    return report
