"""``zongzhi check``: the database file's integrity, the schema version, the audit chain —
also against the audit heads kept outside the database (backup manifests, the head file)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import func, select, text

from app.core.errors import DatabaseDamaged, ServiceError
from app.db import Database, current_revision, damaged_message, head_revision, is_initialised
from app.models import AuditEntry
from app.services.data.backup import backups_dir
from app.services.data.backup_manifest import (
    Manifest,
    UnreadableManifest,
    compare_with_chain,
    load_manifest,
    record_head,
    terminal_manifests,
)
from app.services.data.backup_manifest import manifests_for as folder_manifests
from app.services.security.audit import ChainReport, verify_chain


@dataclass
class CheckReport:
    ok: bool = True
    lines: list[str] = field(default_factory=list)

    def problem(self, line: str) -> None:
        self.ok = False
        self.lines.append("问题：" + line)


def check_database(
    db: Database, *, manifests: Iterable[Path] = (), found: Iterable[str] = ()
) -> CheckReport:
    """``manifests``: manifest files to compare with besides those in the backups folder
    (``zongzhi check --manifest FILE``, e.g. one kept with a copy on another disk); ``found``:
    problems seen before the database was opened (``wal.wal_damage``)."""
    explicit = []
    for path in manifests:
        try:
            explicit.append(load_manifest(Path(path)))
        except UnreadableManifest as exc:
            raise ServiceError(str(exc)) from exc
    report = CheckReport()
    for problem in found:  # seen before the database was opened (a damaged WAL)
        report.problem(problem)
    try:
        _check(db, report, explicit)
    except DatabaseDamaged as exc:
        report.problem(exc.message)
    return report


def _check(db: Database, report: CheckReport, explicit: list[Manifest]) -> None:
    if db.is_sqlite:
        with db.engine.connect() as conn:
            rows = [r[0] for r in conn.execute(text("PRAGMA integrity_check"))]
        if rows == ["ok"]:
            report.lines.append("数据库文件完整性：正常")
        else:
            report.problem(damaged_message(db.path, "；".join(rows[:5])))
            return
    if not is_initialised(db):
        report.problem("这不是综治中心工作台的数据库，或尚未初始化。")
        return
    rev, head = current_revision(db.engine), head_revision()
    if rev == head:
        report.lines.append(f"数据库结构版本：{rev}（最新）")
    else:
        report.lines.append(f"数据库结构版本：{rev}，程序版本：{head}（打开程序时会自动升级）")
    if rev == head:
        _check_tallies(db, report)
        _check_visitor_keys(db, report)
        _check_visit_dates(db, report)
    with db.read() as s:
        chain = verify_chain(s)
        live_seq = s.scalar(select(func.max(AuditEntry.seq))) or 0
        if chain.first_broken is None and not chain.unknown_chain:
            keyed = ""
            if chain.keyed is not None:
                keyed = f"（自第 {chain.keyed[0]} 条起由本终端的审计密钥保护）"
            report.lines.append(f"审计记录：{chain.rows} 条，哈希链完整{keyed}")
        elif chain.first_broken is not None:
            report.problem(f"审计链在第 {chain.first_broken} 条断开：{chain.problem}")
        if chain.unknown_chain:
            report.problem(chain.unknown_chain)
        _compare_with_manifests(db, s, report, live_seq, explicit, chain)
        if report.ok:
            _advance_head(db, s, report)


def _check_tallies(db: Database, report: CheckReport) -> None:
    """指挥研判's tallies against a full recount; rebuilt (and said so) when they differ."""
    from app.models import tallies

    with db.engine.begin() as conn:
        if conn.dialect.name == "postgresql":  # writers wait: their increments follow ours
            conn.execute(text("LOCK TABLE matter_tallies IN EXCLUSIVE MODE"))
        wrong = tallies.differences(conn)
        if not wrong:
            report.lines.append("指挥研判汇总：与逐件重新统计一致")
            return
        rows = tallies.rebuild(conn)
    report.lines.append(
        f"指挥研判汇总：有 {wrong} 处与逐件重新统计不符，已按现有事项重新统计（{rows} 行）"
    )


def _check_visitor_keys(db: Database, report: CheckReport) -> None:
    """The visitors' names kept on each matter for searches (``app.core.visitor_keys``)
    against their visitors now; missing triggers put back, and the text refilled, when they
    differ. Compared without holding up anyone; only a repair queues behind the writers (and
    they behind it) as every write does."""
    from app.core import visitor_keys
    from app.core.portable import WRITE_LOCK_KEY

    with db.engine.connect() as conn:
        missing = visitor_keys.missing_triggers(conn)
        wrong = 0 if missing else visitor_keys.differences(conn)
        conn.rollback()
    if missing or wrong:
        immediate = db.engine.connect().execution_options(sqlite_immediate=True)
        with immediate as conn, conn.begin():
            if conn.dialect.name == "postgresql":
                conn.execute(text(f"SELECT pg_advisory_xact_lock({WRITE_LOCK_KEY})"))
            if not visitor_keys.ensure(conn):
                visitor_keys.refill(conn)
    if missing:
        report.lines.append(
            "来访人检索串：维护它的触发器缺失，已重新建立，并按现有来访人重写了每件事项的检索串"
        )
    elif wrong:
        report.lines.append(
            f"来访人检索串：有 {wrong} 件事项与其来访人不符，已按现有来访人重写"
            "（按姓名、拼音查找事项会因此更准）"
        )
    else:
        report.lines.append("来访人检索串：与每件事项的来访人一致")


def _check_visit_dates(db: Database, report: CheckReport) -> None:
    """走访记录 dated before the person's 列管日期, listed for a person to put right. Not a
    fault of the database (the exit code stays 0, the audit head moves on) and left as they
    are: which of the two dates is wrong is not for the check to guess."""
    from app.services.command.visits import visits_before_listing
    from app.services.validation import mask_id_number

    with db.read() as s:
        early = visits_before_listing(s)
    if not early:
        report.lines.append("特殊人群走访记录：走访日期都不早于列管日期")
        return
    people = len({v.person_id for v in early})
    report.lines.append(
        f"提示：特殊人群走访记录有 {len(early)} 条的走访日期早于列管日期（涉及 {people} 人，"
        "多为加上这条规则之前导入的），记录未作改动。请逐条核对：列管日期填错的，"
        "在 工作台账 → 特殊人群 中“修改…”该人员的列管日期；走访日期填错的，"
        "走访记录在程序中不能修改，请告知系统管理员。"
    )
    for v in early:
        who = "，".join(
            part for part in (v.category, v.village, mask_id_number(v.id_number)) if part
        )
        report.lines.append(
            f"  {v.name}（{who}）：列管日期 {v.listed_on.isoformat()}，"
            f"走访日期 {v.visited_on.isoformat()}，走访人 {v.visitor}"
        )


def _compare_with_manifests(
    db, session, report: CheckReport, live_seq: int, explicit, chain: ChainReport
) -> None:
    found: list[Manifest] = []
    if db.path is not None:
        found, unreadable = folder_manifests(db.path, backups_dir(db.path))
    else:  # a server database: the head this terminal has seen
        found, unreadable = terminal_manifests(db.url)
    for line in unreadable:
        report.problem(line)
    given = {m.path.resolve() for m in explicit}
    found = [m for m in found if m.path.resolve() not in given]
    if not found and not explicit:
        if db.path is not None:
            report.lines.append("备份清单：还没有（下次备份时生成），无法检查审计记录末尾是否被删")
        return

    def hash_at(seq: int) -> str | None:
        return session.scalar(select(AuditEntry.hash).where(AuditEntry.seq == seq))

    findings = compare_with_chain(
        found,
        live_seq=live_seq,
        hash_at=hash_at,
        explicit=explicit,
        chain_known=chain.key_id is not None,
        key_id=chain.key_id,
    )
    for note in findings.notes:
        report.lines.append("提示：" + note)
    for problem in findings.problems:
        report.problem(problem)
    if not findings.problems:
        newest = max(found + explicit, key=lambda m: m.created_at)
        copies = sum(m.kind == "backup" for m in found + explicit)
        report.lines.append(
            f"备份清单：{copies} 份，最近一次 {newest.label}"
            f"（审计记录 {newest.head_seq} 条），与现有审计记录一致"
        )


def _advance_head(db, session, report: CheckReport) -> None:
    """A clean check moves the head kept outside the database forward (never back)."""
    problem = record_head(session, db.path if db.path is not None else db.url)
    if problem:
        report.problem(problem)
