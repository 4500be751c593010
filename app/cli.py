"""Command line: ``zongzhi`` (GUI) and subcommands. Exit codes: 0 done, 1 refused, 2 usage."""

from __future__ import annotations

import argparse
import gc
import importlib
import json
import os
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from app import __version__, argparse_zh
from app.core import clock
from app.core.errors import EnvironmentProblem, ServiceError
from app.core.ops import op

argparse_zh.install()  # argparse's own messages ("缺少参数：…") in Chinese


class _Parser(argparse.ArgumentParser):
    def error(self, message: str):  # usage errors: one line, exit 2
        self.print_usage(sys.stderr)
        print(f"用法错误：{message}", file=sys.stderr)
        raise SystemExit(2)


def _db_args(p: argparse.ArgumentParser, *, top: bool = False) -> None:
    """--db/--database-url, on the top parser and on each subcommand: either place works.

    A subparser's default would overwrite what was given before the subcommand (argparse
    fills a subparser's defaults into the same namespace), so only the top parser has one.
    """
    default = None if top else argparse.SUPPRESS
    p.add_argument(
        "--db",
        metavar="PATH",
        default=default,
        help="SQLite 数据库文件（默认：用户数据目录；或 ZONGZHI_DB）",
    )
    p.add_argument(
        "--database-url",
        metavar="URL",
        default=default,
        help="任意 SQLAlchemy 数据库地址，如 postgresql+psycopg://…",
    )
    p.add_argument(
        "--allow-network-share",
        action="store_true",
        default=False if top else argparse.SUPPRESS,
        help="数据库文件在网络共享上也照样打开（SQLite 在网络共享上可能损坏数据，不建议）",
    )


def _login_args(p: argparse.ArgumentParser) -> None:
    """A command that reads personal data signs in as a user (asked for when not given)."""
    p.add_argument("--user", metavar="NAME", help="以哪个用户登录（不填则在终端上询问）")
    p.add_argument(
        "--password-file",
        type=Path,
        metavar="FILE",
        help="该用户的密码文件（第一行是密码）；不填则在终端上询问",
    )


MATTER_DOCUMENTS = [
    "receipt",
    "acceptance",
    "rejection",
    "extension",
    "supervision",
    "opinion",
    "review",
    "completion",
]
CASE_DOCUMENTS = ["application", "registration", "record", "agreement", "followup", "casefile"]
DUTY_DOCUMENTS = ["duty-roster", "duty-log", "report"]


def _date_arg(value: str):
    from datetime import date

    try:
        return date.fromisoformat(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"日期“{value}”看不懂，请写成 2026-01-31") from None


def _seconds_arg(value: str) -> float:
    try:
        seconds = float(value)
    except ValueError:
        seconds = -1.0
    if not 0 < seconds <= 60:
        raise argparse.ArgumentTypeError(f"“{value}”不是大于 0、不超过 60 的秒数，如 --timeout 5")
    return seconds


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="zongzhi", description="综治中心工作台。不带子命令时打开图形界面。")
    parser.add_argument(
        "--version",
        action="version",
        version=f"zongzhi-desk {__version__}",
        help="显示版本号并退出",
    )
    _db_args(parser, top=True)
    parser.add_argument("--demo-login", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--startup-probe", action="store_true", help=argparse.SUPPRESS)
    sub = parser.add_subparsers(dest="command", parser_class=_Parser)

    p = sub.add_parser("init", help="新建数据库：中心信息和第一位管理员")
    _db_args(p)
    p.add_argument("--center-name", required=True)
    p.add_argument("--prefix", required=True, help="受理编号前缀，如 BS")
    p.add_argument("--terminal", default="A", help="终端代码，如 A")
    p.add_argument("--admin", required=True, help="管理员用户名")
    p.add_argument("--admin-password-file", required=True, type=Path)
    p.add_argument("--admin-name", default="系统管理员")
    p.add_argument("--center-phone", default="")
    p.add_argument("--villages-file", type=Path, help="村/社区名单，每行一个")

    p = sub.add_parser("demo", help="生成演示数据（演示账号、村社区、事项）")
    _db_args(p)
    p.add_argument("--matters", type=int, default=300)
    p.add_argument("--seed", type=int, default=2026)

    p = sub.add_parser("find", help="按编号、姓名、拼音、电话尾号或摘要查找事项")
    _db_args(p)
    _login_args(p)
    p.add_argument("query")
    p.add_argument("--json", action="store_true")
    p.add_argument("--limit", type=int, default=50)

    p = sub.add_parser("print", help="把文书打印成 PDF；list 列出事项的全部文书")
    _db_args(p)
    _login_args(p)
    p.add_argument(
        "document",
        choices=["list", *MATTER_DOCUMENTS, "minutes", *CASE_DOCUMENTS, *DUTY_DOCUMENTS],
        help="事项（按受理编号）：list 列出该事项产生的全部文书，receipt 受理回执，"
        "acceptance 受理告知书（信访事项），rejection 不予受理告知书，extension 延期办理告知书，"
        "supervision 督办单（--index 第几份，默认最新），opinion 处理意见书（信访事项），"
        "review 复查/复核意见书，completion 办结报告（上级交办事项）"
        "——都按首次打印时的内容，并记入时间线；"
        "minutes：会议纪要；调解案件（按案号）：application 人民调解申请书，"
        "registration 受理登记表，record 调解笔录，agreement 调解协议书，followup 回访记录，"
        "casefile 卷宗（封面、目录和全部文书）；duty-roster 值班表（--from --to），"
        "duty-log 值班日志（日期），report 信息报送（期号，如 简报〔2027〕第1期）",
    )
    p.add_argument(
        "number", nargs="?", help="受理编号、会议编号、调解案号、日期（duty-log）或报告期号"
    )
    p.add_argument("--from", dest="since", type=_date_arg, metavar="DATE", help="值班表开始日期")
    p.add_argument("--to", dest="until", type=_date_arg, metavar="DATE", help="值班表结束日期")
    p.add_argument(
        "--index",
        type=int,
        help="record/followup/supervision/extension：第几份（默认最新一份）",
        metavar="N",
    )
    p.add_argument("--out", type=Path, help="PDF 文件名（list 不用）")
    p.set_defaults(print_parser=p)

    p = sub.add_parser(
        "export",
        help="导出：ledger 工作台账（XLSX 或 PDF）；stats 上报统计表；bundle 交换包；"
        "assessment 考核排名表或评分表",
    )
    _db_args(p)
    _login_args(p)
    p.add_argument(
        "what",
        choices=["ledger", "stats", "bundle", "assessment"],
        help="ledger：工作台账；stats：上报统计表；bundle：交换包（本终端新增和修改的记录，已签名）；"
        "assessment：考核排名表（加 --unit/--village/--grid 则为该对象的考核评分表）",
    )
    p.add_argument(
        "name",
        nargs="?",
        help="（ledger）台账：matters 事项、mediation 调解、disputes 矛盾排查化解、"
        "social_aid 社会救助、aid_matters 求助事项、migrants 流动人口、special 特殊人群、"
        "safety 平安创建、places 重点场所、youth 重点青少年、campus 校园及周边、"
        "lines 护路护线、drugs 禁毒；"
        "（stats）统计表：disputes 矛盾纠纷排查化解（月）、petitions 信访事项（月）、"
        "mediation 人民调解（季）",
    )
    p.add_argument("--from", dest="since", type=_date_arg, metavar="DATE", help="开始日期")
    p.add_argument("--to", dest="until", type=_date_arg, metavar="DATE", help="结束日期")
    p.add_argument("--village", help="只导出某个村社区")
    p.add_argument("--unit", help="只导出某个承办/责任单位")
    p.add_argument("--grid", help="只导出某个网格（网格编码，如 BS-01）")
    p.add_argument(
        "--out",
        type=Path,
        help="文件名：台账以 .xlsx 或 .pdf 结尾；交换包默认放在数据库旁的 exchange 文件夹",
    )
    p.add_argument("--period", help="（assessment）考核期：2027Q1、2027-03 或 2027")
    p.add_argument(
        "--kind", choices=["unit", "village", "grid"], help="（assessment）派驻单位、村社区或网格"
    )
    p.add_argument("--format", dest="fmt", choices=["pdf", "xlsx"], help="（assessment）文件格式")
    p.add_argument(
        "--since",
        dest="bundle_since",
        default="last",
        help="（bundle）last：上次导出以来（默认）；或日期/时间，如 2026-11-01、2026-11-01T08:00",
    )

    p = sub.add_parser(
        "import", help="导入表格（XLSX 或 CSV）：事项或台账记录；或 bundle 终端的交换包"
    )
    _db_args(p)
    _login_args(p)
    p.add_argument(
        "kind",
        choices=[
            *("matters", "disputes", "migrants", "special", "safety", "places"),
            *("youth", "campus", "lines", "drugs", "aid", "bundle"),
        ],
        help="matters 事项、disputes 矛盾纠纷排查化解、migrants 流动人口、special 特殊人群、"
        "safety 平安创建、places 重点场所、youth 重点青少年、campus 校园及周边、"
        "lines 护路护线、drugs 禁毒、"
        "aid 社会救助；bundle 交换包（校验签名，可重复导入）",
    )
    p.add_argument("file", type=Path)
    p.add_argument(
        "--skip-invalid",
        action="store_true",
        help="只导入检查通过的行，其余行另存到输入文件旁的“*.未导入.xlsx”",
    )
    p.add_argument(
        "--sheet",
        action="append",
        metavar="工作表",
        help="只导入这张工作表（可重复）；默认导入每张有表头的工作表",
    )
    p.add_argument(
        "--map",
        action="append",
        default=[],
        metavar="列名=项目",
        help="指定列的对应，如 --map 排查日期=受理时间、--map 备注=忽略；"
        "值的对应写成 类别:邻里纠纷=矛盾纠纷（可重复）",
    )
    p.add_argument("--template", metavar="名称", help="用保存过的导入模板（列和值的对应）")
    p.add_argument("--save-template", metavar="名称", help="把本次的 --map 存为导入模板")
    p.add_argument("--year", type=int, metavar="年份", help="没有年份的日期（如“3月12日”）按这一年")

    p = sub.add_parser(
        "reference", help="中心资料（承办单位、村社区、事项类别、文书署名）导出或导入 XLSX"
    )
    _db_args(p)
    p.add_argument("action", choices=["export", "import"], help="export 导出；import 导入")
    p.add_argument("file", type=Path, help="XLSX 文件，每个名单一张工作表")
    p.add_argument(
        "--skip-invalid",
        action="store_true",
        help="（import）只导入检查通过的行，其余行另存到输入文件旁的“*.未导入.xlsx”",
    )

    p = sub.add_parser(
        "grid", help="网格上报：template 保存固定模板；import 把网格员上报表导入为事项（不重复）"
    )
    _db_args(p)
    _login_args(p)
    p.add_argument("action", choices=["template", "import"], help="template 模板；import 导入")
    p.add_argument("file", nargs="?", type=Path, help="（import）网格上报 XLSX 文件")
    p.add_argument("--out", type=Path, help="（template）模板保存到哪个 XLSX 文件")
    p.add_argument("--skip-invalid", action="store_true", help="（import）只导入检查通过的行")

    p = sub.add_parser("screenshot", help="离屏渲染主窗口的某个标签页为 PNG")
    _db_args(p)
    p.add_argument(
        "--tab",
        default="reception",
        choices=SCREENSHOT_TABS,
    )
    p.add_argument(
        "--user",
        default=None,
        help="以哪个用户的身份（默认能看到该标签页的演示账号，如接待员、系统管理员）",
    )
    p.add_argument("--out", required=True, type=Path, help="PNG 文件；与 --all 同用时为文件夹")
    p.add_argument("--size", default="1440x900")
    p.add_argument(
        "--all",
        action="store_true",
        help="每个标签页各截一张，存为 文件夹/标签页.png（用户手册的截图：make manual）",
    )

    p = sub.add_parser(
        "counselling-recovery",
        help="设置暖心工作室咨询记录的恢复密钥（只能一次），输出 PDF 打印后存入保险柜",
    )
    _db_args(p)
    p.add_argument("--out", required=True, type=Path, help="恢复密钥 PDF；打印后请删除")

    p = sub.add_parser("check", help="检查数据库完整性和审计链")
    _db_args(p)
    p.add_argument(
        "--manifest",
        type=Path,
        action="append",
        default=[],
        metavar="FILE",
        help="另外对照的备份清单（*.manifest.json，如随备份另存在别处的一份）；可重复",
    )

    p = sub.add_parser("backup", help="备份数据库（在线备份，写完后校验）")
    _db_args(p)
    p.add_argument("--out", type=Path, help="备份文件；不填则放入数据库旁的 backups 文件夹并轮换")

    p = sub.add_parser("restore", help="用备份文件恢复数据库（被替换的数据库另存一份）")
    p.add_argument("file", type=Path)
    _db_args(p)

    p = sub.add_parser("terminal-key", help="本终端的签名密钥（第一次运行时生成），显示公钥")
    _db_args(p)

    p = sub.add_parser(
        "audit-key",
        help="服务器数据库的审计密钥：export 在已有密钥的终端导出（管理员）；import 在其他终端导入",
    )
    actions = p.add_subparsers(dest="audit_key_action", required=True, parser_class=_Parser)
    q = actions.add_parser("export", help="导出本终端的审计密钥文件（管理员登录）")
    _db_args(q)
    _login_args(q)
    q.add_argument("--out", required=True, type=Path, help="密钥文件；交给其他终端后请删除")
    q = actions.add_parser("import", help="导入另一终端导出的审计密钥文件")
    _db_args(q)
    q.add_argument("file", type=Path)

    p = sub.add_parser(
        "terminal",
        help="离线终端：create 在中心生成终端初始文件（.zzt）；join 在新电脑上用它建立本机数据库",
    )
    actions = p.add_subparsers(dest="terminal_action", required=True, parser_class=_Parser)
    q = actions.add_parser("create", help="在中心运行：生成新终端的初始文件（已签名）")
    _db_args(q)
    _login_args(q)
    q.add_argument("code", help="新终端的代码，如 B")
    q.add_argument("--out", required=True, type=Path, help="初始文件，如 terminal-B.zzt")
    q.add_argument(
        "--with-open-matters",
        action="store_true",
        help="同时带上未办结的事项（默认不带任何事项）",
    )
    q = actions.add_parser("join", help="在新电脑上运行：用初始文件建立本机数据库，加入中心")
    _db_args(q)
    q.add_argument("file", type=Path, help="中心生成的初始文件（.zzt）")

    p = sub.add_parser("register-terminal", help="在中心登记一个终端的公钥（之后才接受它的交换包）")
    _db_args(p)
    p.add_argument("--terminal", required=True, help="终端代码，如 B")
    p.add_argument("--public-key", required=True, help="终端上 zongzhi terminal-key 显示的公钥")

    p = sub.add_parser("conflicts", help="两边都改过的记录（交换冲突）：列出，或决定采用哪个版本")
    _db_args(p)
    _login_args(p)
    p.add_argument("--resolve", metavar="ID", help="冲突编号（列表第一列，前 8 位即可）")
    p.add_argument("--keep", choices=["center", "terminal"], help="保留中心版本或采用终端版本")

    p = sub.add_parser(
        "connect", help="本终端使用哪个数据库：连接中心的 PostgreSQL 服务器，或改回本机数据库"
    )
    p.add_argument(
        "url", nargs="?", help="数据库地址，如 postgresql+psycopg://用户:密码@服务器/库名"
    )
    p.add_argument("--local", action="store_true", help="不再连接服务器，改回本机数据库文件")
    p.add_argument(
        "--audit-key",
        type=Path,
        metavar="FILE",
        help="同时导入服务器数据库的审计密钥文件（由 zongzhi audit-key export 导出）",
    )

    p = sub.add_parser(
        "card-test",
        help="身份证读卡器测试：读一张卡并显示内容（身份证号隐去中间几位），读不出时说明原因",
    )
    reader = p.add_mutually_exclusive_group()
    reader.add_argument(
        "--port", help="串口读卡器的端口，如 /dev/ttyUSB0、COM3（不填：按本终端设置）"
    )
    reader.add_argument("--library", type=Path, help="厂家动态库文件，如 termb.dll、libtermb.so")
    reader.add_argument(
        "--simulate", action="store_true", help="用模拟读卡器（伪终端）试一遍，不需要硬件"
    )
    p.add_argument("--show", action="store_true", help="显示完整的身份证号")
    p.add_argument("--timeout", type=_seconds_arg, default=3.0, help="最多等读卡器几秒（默认 3）")

    p = sub.add_parser(
        "migrate-db", help="把全部数据复制到另一个（空的）数据库，如从 SQLite 搬到 PostgreSQL"
    )
    p.add_argument("--from", dest="source", required=True, metavar="URL", help="源：sqlite:///路径")
    p.add_argument(
        "--to", dest="target", required=True, metavar="URL", help="目标：postgresql+psycopg://…"
    )
    return parser


NO_DATABASE_OPTION = {"connect", "migrate-db", "card-test"}  # they name their databases otherwise


# Start-up creates a few hundred thousand objects that live as long as the process (SQLAlchemy,
# the models, ReportLab); at Python's default thresholds the cyclic collector rescans them
# dozens of times, 15–20 % of a command's CPU (issue 17). The same collector, run less often.
GC_THRESHOLDS = (20_000, 20, 20)


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    own_process = argv is None  # not a test calling main in its own process
    argv = sys.argv[1:] if argv is None else argv
    # A byte that is not UTF-8 reaches Python as a lone surrogate (PEP 383); anything that
    # printed or stored it would fail with a traceback. Said here, as any other usage error.
    for i, arg in enumerate(argv, start=1):
        if any("\ud800" <= c <= "\udfff" for c in arg):
            shown = arg.encode("utf-8", "surrogateescape").decode("utf-8", "replace")
            parser.error(
                f"第 {i} 个参数“{shown}”不是有效的 UTF-8 文字，请检查终端的编码或改用 UTF-8 "
                "文件名后重试"
            )
    args = parser.parse_args(argv)
    # One document printed is a short process whose objects are nearly all freed by
    # reference counting: it runs with the collector off (60–80 ms less CPU for a receipt).
    one_document = own_process and args.command == "print" and args.document != "casefile"
    args.one_document = one_document
    if one_document:
        gc.disable()
        # asyncio and importlib.metadata (SQLAlchemy's imports), PIL.Image (ReportLab's): their
        # code runs if something uses them, not as they are imported (app.core.deferred).
        from app.core.deferred import defer_for_one_document

        defer_for_one_document()
    elif own_process:
        gc.set_threshold(*GC_THRESHOLDS)
    if args.command in NO_DATABASE_OPTION and (args.db or args.database_url):
        parser.error(f"{args.command} 不用 --db/--database-url，请按 zongzhi {args.command} -h 写")
    if args.command is None:
        from app.gui import run_gui

        return run_gui(
            args.db,
            args.database_url,
            demo_login=args.demo_login,
            startup_probe=args.startup_probe,
            allow_network_share=args.allow_network_share,
        )
    try:
        code = COMMANDS[args.command](args)
    except (ServiceError, EnvironmentProblem) as exc:
        print(exc.message, file=sys.stderr)
        return 1
    except OSError as exc:
        print(f"文件操作失败：{exc.filename or ''} {exc.strerror or exc}", file=sys.stderr)
        return 1
    if one_document:
        # The document is written and the database closed: the interpreter's clean-up (a
        # last collection over every object, each module torn down) would add 100–140 ms
        # of CPU to a receipt. Nothing is left for it to do, so the process ends here.
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(code)
    return code


def _open(args, *, migrate: bool = True, must_exist: bool = True, every_table: bool = True):
    from app.db import open_database, resolve_url, sqlite_path

    path = sqlite_path(resolve_url(args.db, args.database_url))
    if must_exist and path is not None and not path.exists():
        raise ServiceError(f"找不到数据库文件 {path}，请检查 --db 路径，或先运行 zongzhi init。")
    _refuse_network_share(path, args)
    return open_database(args.db, args.database_url, migrate=migrate, every_table=every_table)


def _refuse_network_share(path: Path | None, args) -> None:
    """A database file on a network share is refused (SQLite's WAL needs shared memory that
    SMB/NFS do not give) unless the admin passes --allow-network-share; then a warning."""
    from app import db as app_db

    if path is None or not (reason := app_db.network_share_reason(path)):
        return
    advice = app_db.NETWORK_SHARE_ADVICE.format(reason=reason)
    if not getattr(args, "allow_network_share", False):
        raise ServiceError(
            f"{advice}没有打开它。确需在网络共享上使用时，请由管理员加上 --allow-network-share。"
        )
    print("警告：" + advice, file=sys.stderr)


def _require_initialised(db) -> None:
    from app.services.center import setup

    if not db.run(op(setup.is_initialised)).value:
        raise ServiceError("数据库尚未初始化，请先运行 zongzhi init 或 zongzhi demo。")


def _read_password_file(path: Path) -> str:
    """The password on a password file's first line. Notepad's encodings are read too (UTF-8
    with a byte-order mark, UTF-16); an empty or unreadable file is refused in Chinese before
    any log-in is tried, so it does not count towards the lock-out."""
    if path.is_dir():
        raise ServiceError(f"密码文件 {path} 是一个文件夹，请给出文件。")
    try:
        raw = path.read_bytes()
    except FileNotFoundError as exc:
        raise ServiceError(f"找不到密码文件 {path}，请核对路径。") from exc
    except OSError as exc:
        raise ServiceError(f"读不到密码文件 {path}（没有权限或磁盘出错）。") from exc
    try:
        if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
            text = raw.decode("utf-16")
        else:
            text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ServiceError(f"密码文件 {path} 不是文本文件，请存为 UTF-8 编码的文本。") from exc
    lines = text.splitlines()
    if not lines or not lines[0]:
        raise ServiceError(f"密码文件 {path} 是空的：第一行应是密码。")
    return lines[0]


@contextmanager
def _meanwhile(work: Callable[[], object]) -> Iterator[None]:
    """Runs ``work`` on a second thread while the block runs: worth it where the block waits
    outside the interpreter (a password check, the disk). ``_signed_in``'s own modules are
    imported before the thread starts; the two may still import a module at once (a demo's
    log-in imports its accounts), which Python's per-module import locks serialise, as the
    program's modules import one another in no cycle (tests/test_import_cycles.py). The
    block's own errors come first; the work's error is raised after the block, where the
    work would have been done anyway."""
    import threading

    from app.services.center import settings as _settings  # noqa: F401  (_signed_in's)
    from app.services.security import auth as _auth  # noqa: F401

    failed: list[BaseException] = []

    def run() -> None:
        try:
            work()
        except BaseException as exc:  # raised in the main thread below
            failed.append(exc)

    worker = threading.Thread(target=run, name="zongzhi-meanwhile", daemon=True)
    worker.start()
    try:
        yield
    finally:
        worker.join()
    if failed:
        raise failed[0]


def _ready_to_render(document: str, rehearse: bool = False) -> None:
    """The report that prints ``document`` imported (ReportLab with it) and its faces loaded
    where it says which (a receipt's, ``app.reports.receipt.warm_up``): no database. With
    ``rehearse``, a made-up one is rendered and thrown away, where the report has one (in the
    printing process, which has the time while the other reads the database)."""
    from app.reports.contents import REPORT_FOR_DOCUMENT

    report = REPORT_FOR_DOCUMENT[document]
    module = importlib.import_module("app.reports." + report.partition(":")[0])
    if (warm_up := getattr(module, "warm_up", None)) is not None:
        warm_up()
    if rehearse and (rehearsal := getattr(module, "rehearse", None)) is not None:
        rehearsal()


def _ready_to_print(document: str, render_here: bool = True) -> None:
    """What printing ``document`` needs before its data: the documents imported and, where
    it is rendered here, the report as ``_ready_to_render`` makes it ready."""
    importlib.import_module("app.services.reception.documents")
    if render_here:
        _ready_to_render(document)


def _signed_in(args, db):
    """The user a command that reads personal data acts as, checked like a log-in (wrong
    passwords count towards the lock-out; the log-in is audited) so that what it does is
    audited under that user. ``--user``/``--password-file``, else asked on the terminal.

    A demo database, whose accounts and passwords the log-in screen shows to anyone, signs in
    as its demo director when no user is given: its passwords are no secret."""
    import getpass

    from app.services.center.settings import load_settings
    from app.services.security import auth

    username, password = args.user, None
    if args.password_file is not None:
        password = _read_password_file(args.password_file)
    if username is None and password is None and db.run(op(load_settings)).value.is_demo:
        from app.demo.center import DEMO_ACCOUNTS

        username, password = next((u, p) for u, p, r, _n in DEMO_ACCOUNTS if u == "demo-director")
    interactive = sys.stdin is not None and sys.stdin.isatty()
    if username is None or password is None:
        if not interactive:
            raise ServiceError(
                "这个命令会读取群众的个人信息，需要登录：请用 --user 用户名 "
                "--password-file 密码文件，或在终端上运行以便输入用户名和密码。"
            )
        if username is None:
            username = input("用户名：").strip()
        password = getpass.getpass("密码：")
    outcome = db.run(op(auth.login, username, password, "")).value
    if outcome.actor is None:
        raise ServiceError(f"登录失败：{outcome.message}")
    return outcome.actor


def cmd_init(args) -> int:
    from app.services.center import setup

    password = _read_password_file(args.admin_password_file)
    villages = []
    if args.villages_file:
        villages = args.villages_file.read_text(encoding="utf-8").splitlines()
    db = _open(args, must_exist=False)
    db.run(
        op(
            setup.init_center,
            center_name=args.center_name,
            prefix=args.prefix,
            terminal=args.terminal,
            admin_username=args.admin,
            admin_password=password,
            admin_display_name=args.admin_name,
            center_phone=args.center_phone,
            villages=villages,
        )
    )
    prefix, terminal = args.prefix.upper(), args.terminal.upper()
    print(f"已初始化：{args.center_name}（编号前缀 {prefix}，终端 {terminal}）")
    print(f"数据库：{db.url}")
    return 0


def cmd_demo(args) -> int:
    from app.demo.center import generate_demo

    if args.matters < 0:
        raise ServiceError("--matters 不能为负数")
    db = _open(args, must_exist=False)
    result = generate_demo(db, args.matters, seed=args.seed)
    print(f"已生成演示事项 {result.matters_added} 件，共 {result.total_matters} 件。")
    if result.created_accounts:
        print("演示账号（密码只显示这一次；登录界面也会列出演示账号）：")
        for username, password, role in result.created_accounts:
            print(f"  {username:18} {password:16} {role}")
    if result.recovery_key:
        print(f"演示数据库的咨询记录恢复密钥（仅用于演示）：{result.recovery_key}")
    return 0


def cmd_find(args) -> int:
    from app.services.reception import intake
    from app.services.security import audit

    db = _open(args)
    _require_initialised(db)
    actor = _signed_in(args, db)
    with db.write() as s:
        rows = intake.search(s, actor, args.query, limit=args.limit)
        # Names leave the program here: record who exported how many (not the query itself,
        # which may be a name or a phone number).
        audit.record(
            s,
            actor,
            "export_search",
            object_type="matter",
            reason=f"{len(rows)} 件，{'JSON' if args.json else '文本'}",
        )
    if args.json:
        out = [
            {
                "number": r.number,
                "received_at": r.received_at.isoformat(timespec="minutes"),
                "channel": r.channel.label,
                "category": r.category,
                "persons": r.persons,
                "summary": r.summary,
                "unit": r.unit,
                "status": r.status.label,
                "deadline": r.deadline.isoformat(),
                "overdue": r.overdue,
            }
            for r in rows
        ]
        print(json.dumps(out, ensure_ascii=False, indent=2))
        return 0
    if not rows:
        print(f"没有找到与“{args.query}”相关的事项。")
        return 0
    for r in rows:
        flag = "（超期）" if r.overdue else ""
        print(
            f"{r.number}  {r.received_at:%Y-%m-%d}  {r.persons}  {r.category}  "
            f"{r.status.label}{flag}  {r.summary[:30]}"
        )
    return 0


def cmd_print(args) -> int:
    if args.number is None and args.document not in DUTY_DOCUMENTS:
        args.print_parser.error("缺少参数：number")
    if args.document != "list" and args.out is None:
        print("用法错误：打印文书要写 --out 文件名", file=sys.stderr)
        return 2
    if args.document in DUTY_DOCUMENTS:
        return _print_duty(args)
    printer = None
    if getattr(args, "one_document", False) and args.document in MATTER_DOCUMENTS:
        # Its own process printing a matter's document: on Linux a second process makes the
        # PDF, loading ReportLab and the faces while this one opens the database and signs
        # the user in (app.printer_process; issue 17). Forked first: no database is open yet.
        from app.printer_process import PrinterProcess

        printer = PrinterProcess.start(lambda: _ready_to_render(args.document, rehearse=True))
    try:
        return _print_matter_or_case(args, printer)
    finally:
        if printer is not None:
            printer.close()


def _print_matter_or_case(args, printer) -> int:
    # A matter's document needs the event flow's tables only: the rooms' are left unloaded
    # (app.models), 80–100 ms of a command-line receipt (issue 17).
    db = _open(args, every_table=args.document not in ("list", *MATTER_DOCUMENTS))
    _require_initialised(db)
    # What printing needs here is made ready beside the log-in, whose password check
    # (Argon2id) leaves the interpreter free for some 25–40 ms: the documents' services are
    # imported on a second thread meanwhile — and, with no printing process, ReportLab and
    # the faces too.
    if args.document in MATTER_DOCUMENTS:
        with _meanwhile(lambda: _ready_to_print(args.document, render_here=printer is None)):
            actor = _signed_in(args, db)
    else:  # a list, a case's paperwork or minutes: made ready as they are printed
        actor = _signed_in(args, db)
    from app.services.reception import detail, documents

    rendering = {"renderer": printer.render_later} if printer is not None else {}
    with db.write() as s:
        if args.document == "list":
            matter_id = detail.find_matter_id(s, actor, args.number)
            docs = documents.list_documents(s, actor, matter_id)
        elif args.document in CASE_DOCUMENTS:
            from app.services.rooms import mediation

            doc = mediation.Document(args.document)
            _title, pdf = mediation.document_for_number(s, actor, doc, args.number, args.index)
            what = doc.label
        elif args.document == "minutes":
            from app.services.meetings import meetings

            meeting_id = meetings.find_meeting(s, actor, args.number)
            _number, pdf = meetings.minutes_pdf(s, actor, meeting_id)
            what = "会议纪要"
        else:
            matter_id = detail.find_matter_id(s, actor, args.number)
            kind = documents.DocKind(args.document)
            what, pdf = documents.print_document(s, actor, matter_id, kind, args.index, **rendering)
    db.dispose()  # its connections closed (SQLite checkpoints its log) before a quick exit
    if args.document == "list":
        for d in docs:
            print(f"{d.kind.value:12} {d.title}  {d.made_at:%Y-%m-%d}  {d.about}  {d.printed_text}")
        return 0
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_bytes(pdf)
    print(f"已保存{what}：{args.out}")
    return 0


def _print_duty(args) -> int:
    """值班表 (--from --to), 值班日志 (a date) and 信息报送 (a report's number)."""
    from app.services.command import duty, reports_upward

    if args.document == "duty-roster" and (args.since is None or args.until is None):
        print("用法错误：打印值班表要写 --from 开始日期 --to 结束日期", file=sys.stderr)
        return 2
    if args.document != "duty-roster" and not args.number:
        what = "日期，如 2027-03-01" if args.document == "duty-log" else "报告期号"
        print(f"用法错误：请写{what}", file=sys.stderr)
        return 2
    day = None
    if args.document == "duty-log":
        try:
            day = _date_arg(args.number)
        except argparse.ArgumentTypeError as exc:
            print(f"用法错误：{exc}", file=sys.stderr)
            return 2
    db = _open(args)
    _require_initialised(db)
    actor = _signed_in(args, db)
    with db.write() as s:
        if args.document == "duty-roster":
            pdf, what = duty.roster_pdf(s, actor, args.since, args.until), "值班表"
        elif args.document == "duty-log":
            pdf, what = duty.day_log_pdf(s, actor, day), "值班日志"
        else:
            report_id = reports_upward.find_report(s, actor, args.number)
            what, pdf = reports_upward.report_pdf(s, actor, report_id)
    db.dispose()  # its connections closed before a quick exit (main)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_bytes(pdf)
    print(f"已保存{what}：{args.out}")
    return 0


def cmd_export(args) -> int:
    from app.services.command import ledgers
    from app.services.command.registers import Names

    if args.what == "bundle":
        return cmd_export_bundle(args)
    if args.what == "stats":
        return cmd_export_stats(args)
    if args.what == "assessment":
        return cmd_export_assessment(args)
    if not args.name or args.out is None:
        print("用法错误：导出台账要写台账名和 --out 文件名", file=sys.stderr)
        return 2
    fmt = args.out.suffix.lower().lstrip(".")
    if fmt not in ("xlsx", "pdf"):
        print("用法错误：--out 应以 .xlsx 或 .pdf 结尾", file=sys.stderr)
        return 2
    db = _open(args)
    _require_initialised(db)
    actor = _signed_in(args, db)
    with db.write() as s:
        f = ledgers.LedgerFilter(since=args.since, until=args.until)
        _narrow_to_place(Names.load(s), args, f)
        _narrow_to_grid(s, args, f)
        table, data = ledgers.export_ledger(s, actor, args.name, f, fmt)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_bytes(data)
    print(f"已导出{table.title}（{table.filters}，{len(table.rows)} 条）：{args.out}")
    return 0


def _narrow_to_place(names, args, f) -> None:
    """``--village`` / ``--unit`` by name onto a filter's village_id / unit_id."""
    if args.village:
        if args.village not in names.villages:
            raise ServiceError(f"没有叫“{args.village}”的村社区")
        f.village_id = names.villages[args.village]
    if args.unit:
        if args.unit not in names.units:
            raise ServiceError(f"没有叫“{args.unit}”的单位")
        f.unit_id = names.units[args.unit]


def _grid_by_code(session, code: str):
    from sqlalchemy import select

    from app.models import Grid

    return session.scalar(select(Grid.id).where(Grid.code == code.strip().upper()))


def _narrow_to_grid(session, args, f) -> None:
    """``--grid`` by code onto a filter's grid_id."""
    if getattr(args, "grid", None):
        from sqlalchemy import select

        from app.models import Grid

        code = args.grid.strip().upper()
        grid_id = session.scalar(select(Grid.id).where(Grid.code == code))
        if grid_id is None:
            raise ServiceError(f"没有编码为“{args.grid}”的网格（见 中心资料 → 网格）")
        f.grid_id = grid_id


def cmd_export_stats(args) -> int:
    """`zongzhi export stats NAME --from --to --out FILE.xlsx|.pdf [--village --unit]`: a
    table for superiors; without dates, the month (quarter) before this one."""
    from app.services.command import superior_stats
    from app.services.command.registers import Names

    if args.name not in superior_stats.TABLES or args.out is None:
        names = "、".join(f"{k}（{v}）" for k, v in superior_stats.TABLES.items())
        print(f"用法错误：导出统计表要写表名和 --out 文件名；表名：{names}", file=sys.stderr)
        return 2
    fmt = args.out.suffix.lower().lstrip(".")
    if fmt not in ("xlsx", "pdf"):
        print("用法错误：--out 应以 .xlsx 或 .pdf 结尾", file=sys.stderr)
        return 2
    db = _open(args)
    _require_initialised(db)
    actor = _signed_in(args, db)
    since, until = superior_stats.default_period(args.name)
    f = superior_stats.StatsFilter(args.since or since, args.until or until)
    with db.write() as s:
        _narrow_to_place(Names.load(s), args, f)
        _narrow_to_grid(s, args, f)
        sheet, data = superior_stats.export_sheet(s, actor, args.name, f, fmt)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_bytes(data)
    print(f"已导出{sheet.title}（{sheet.period}，{sheet.filters}）：{args.out}")
    return 0


def cmd_export_assessment(args) -> int:
    """`zongzhi export assessment --period 2027Q1 --kind unit|village --format pdf|xlsx --out F`:
    the ranking table, or with ``--unit``/``--village NAME`` that target's 考核评分表."""
    from app.services.command import assessment

    if not args.period or not args.kind or args.out is None:
        print("用法错误：导出考核要写 --period、--kind 和 --out", file=sys.stderr)
        return 2
    fmt = args.fmt or args.out.suffix.lower().lstrip(".")
    if fmt not in ("xlsx", "pdf"):
        print("用法错误：--format 应为 pdf 或 xlsx", file=sys.stderr)
        return 2
    names = {"unit": args.unit, "village": args.village, "grid": args.grid}
    other = [f"--{k}" for k, v in names.items() if v and k != args.kind]
    if other:
        print(
            f"用法错误：--kind {args.kind} 不用 {'、'.join(other)}："
            "派驻单位的评分表写 --unit 单位名，村社区的写 --village 村社区名，"
            "网格的写 --grid 网格名称或编码",
            file=sys.stderr,
        )
        return 2
    db = _open(args)
    _require_initialised(db)
    actor = _signed_in(args, db)
    name = names[args.kind]
    with db.write() as s:
        period = assessment.find_period(s, actor, args.period)
        target = None
        if name:
            by_code = _grid_by_code(s, name) if args.kind == "grid" else None
            found = next(
                (
                    t
                    for t in assessment.targets(s, actor, args.kind)
                    if t.name == name or t.id == by_code
                ),
                None,
            )
            if found is None:
                raise ServiceError(f"没有叫“{name}”的考核对象")
            target, name = found.id, found.name
        data = assessment.export(s, actor, period, args.kind, fmt, target)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_bytes(data)
    what = f"{name}考核评分表" if name else "考核排名表"
    print(f"已导出{what}（{assessment.period_title(args.period)}）：{args.out}")
    return 0


def cmd_import(args) -> int:
    from app.services.command import importing
    from app.services.context import Actor

    if args.kind == "bundle":
        return cmd_import_bundle(args)
    db = _open(args)
    _require_initialised(db)
    actor = _signed_in(args, db)  # audited under the person who imports
    shown = {"phase": ""}

    def progress(phase: str, done: int, total: int) -> bool:
        print(f"\r{phase}：{done}/{total} 行", end="", file=sys.stderr, flush=True)
        shown["phase"] = phase
        return True

    columns: dict[str, str] = {}
    values: dict[str, dict[str, str]] = {}
    for item in args.map:
        source, sep, target = item.partition("=")
        if not sep or not source.strip() or not target.strip():
            raise SystemExit(f"--map {item}：请写成 列名=项目，或 项目:原值=新值")
        field_name, colon, value = source.partition(":")
        if colon:
            values.setdefault(field_name.strip(), {})[value.strip()] = target.strip()
        else:
            columns[source.strip()] = target.strip()
    report = db.run(
        op(
            importing.import_sheet,
            actor,
            args.kind,
            args.file,
            skip_invalid=args.skip_invalid,
            progress=progress,
            sheets=args.sheet,
            columns=columns or None,
            values=values or None,
            year=args.year,
            template_name=args.template,
        )
    ).value
    if args.save_template and not report.checked_only:
        sheets = db.run(op(importing.preview, args.kind, args.file, sheets=args.sheet)).value
        db.run(
            op(
                importing.save_template,
                Actor.system(),
                importing.Template(
                    args.save_template,
                    args.kind,
                    sheets[0].headers if sheets else [],
                    columns,
                    values,
                ),
            )
        )
        print(f"已保存导入模板“{args.save_template}”")
    if shown["phase"]:
        print(file=sys.stderr)
    for line in report.lines():
        print(line)
    return 1 if report.checked_only else 0


SCREENSHOT_TABS = (
    "reception",
    "handling",
    "mediation",
    "family",
    "meetings",
    "command",
    "assessment",
    "duty",
    "counselling",
    "ledgers",
    "settings",
    "grid",
)


def cmd_reference(args) -> int:
    from app.services.center import reference_io
    from app.services.context import Actor

    db = _open(args)
    _require_initialised(db)
    if args.action == "export":
        path = db.run(op(reference_io.export_reference_file, Actor.system(), args.file)).value
        print(f"已导出中心资料：{path}")
        return 0
    report = db.run(
        op(reference_io.import_reference, Actor.system(), args.file, skip_invalid=args.skip_invalid)
    ).value
    for line in report.lines():
        print(line)
    return 1 if report.checked_only else 0


def cmd_grid(args) -> int:
    from app.services.reception import grid_reports

    if args.action == "template":
        if args.out is None:
            raise ServiceError("请用 --out 文件.xlsx 指定模板保存到哪里")
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_bytes(grid_reports.grid_template())
        print(f"已保存网格上报模板：{args.out}")
        return 0
    if args.file is None:
        raise ServiceError("请写出要导入的网格上报 XLSX 文件")
    db = _open(args)
    _require_initialised(db)
    who = _signed_in(args, db)
    report = db.run(
        op(grid_reports.import_grid_reports, who, args.file, skip_invalid=args.skip_invalid)
    ).value
    for line in report.lines():
        print(line)
    return 1 if report.checked_only else 0


def cmd_screenshot(args) -> int:
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    if getattr(args, "all", False):  # one PNG per tab, each as a user of the tab sees it
        failed = 0
        for tab in SCREENSHOT_TABS:
            one = argparse.Namespace(**{**vars(args), "all": False, "tab": tab})
            one.out = args.out / f"{tab}.png"
            try:
                cmd_screenshot(one)
            except ServiceError as exc:
                print(f"{tab}：{exc.message}", file=sys.stderr)
                failed += 1
        return 1 if failed else 0
    from sqlalchemy import select

    from app.gui import build_main_window, make_app
    from app.models import Role, User
    from app.services.security.auth import actor_for

    try:
        width, height = (int(x) for x in args.size.lower().split("x"))
    except ValueError:
        print("用法错误：--size 应为 宽x高，如 1440x900", file=sys.stderr)
        return 2
    db = _open(args)
    _require_initialised(db)
    wanted_roles = {
        "reception": (Role.RECEPTIONIST, Role.DIRECTOR),
        "handling": (Role.RECEPTIONIST, Role.DIRECTOR),
        "meetings": (Role.RECEPTIONIST, Role.DIRECTOR),
        "counselling": (Role.COUNSELLOR, Role.DIRECTOR),
        "command": (Role.DIRECTOR,),
        "assessment": (Role.DIRECTOR,),
        "duty": (Role.RECEPTIONIST, Role.DIRECTOR),
        "settings": (Role.ADMIN,),
        "mediation": (Role.MEDIATOR, Role.DIRECTOR),
        "family": (Role.MEDIATOR, Role.DIRECTOR),
        "ledgers": (Role.RECEPTIONIST, Role.DIRECTOR),
        "grid": (Role.GRID_WORKER,),
    }
    demo_names = {
        Role.RECEPTIONIST: "demo-reception",
        Role.MEDIATOR: "demo-mediator",
        Role.COUNSELLOR: "demo-counsellor",
        Role.DIRECTOR: "demo-director",
        Role.ADMIN: "demo-admin",
        Role.GRID_WORKER: "demo-grid",
    }
    with db.read() as s:
        user = None
        if args.user:
            user = s.scalar(select(User).where(User.username == args.user))
            if user is None:
                raise ServiceError(f"找不到用户 {args.user}，请核对用户名。")
        else:  # the demo account of the first role that sees the tab, else any such user
            for role in wanted_roles[args.tab]:
                user = s.scalar(select(User).where(User.username == demo_names[role])) or s.scalar(
                    select(User)
                    .where(User.role == role, User.active.is_(True))
                    .order_by(User.username)
                )
                if user is not None:
                    break
        if user is None:
            raise ServiceError("找不到可用于截图的用户，请用 --user 指定。")
        actor = actor_for(user)
        username = user.username
    app = make_app([sys.argv[0]])
    from PySide6.QtCore import QCoreApplication, QEvent, QRect, QThreadPool

    from app.views.widgets.screen import MARGIN, simulate_screen

    # A screen just big enough for a window of that size (the window fitter keeps a margin).
    simulate_screen(QRect(0, 0, width + MARGIN.width(), height + MARGIN.height()))
    window = build_main_window(db, actor)
    window.resize(width, height)
    titles = {
        "reception": "群众接待窗口",
        "handling": "事项办理",
        "meetings": "会议纪要",
        "counselling": "暖心工作室",
        "command": "指挥研判",
        "assessment": "考核评价",
        "duty": "值班值守",
        "settings": "系统设置",
        "mediation": "矛盾调解",
        "family": "家事调解",
        "ledgers": "工作台账",
        "grid": "本网格",
    }

    def wound_down() -> None:
        """The window's database jobs (its lists load as it is built) and background work (the
        printing warm-up) end before the process does: a thread still running as Python
        exits crashes it."""
        window.ctx.worker.wait()
        QThreadPool.globalInstance().waitForDone(30_000)

    try:
        for i in range(window.tabs.count()):
            if window.tabs.tabText(i) == titles[args.tab]:
                window.tabs.setCurrentIndex(i)
                break
        else:
            raise ServiceError(f"用户 {username} 看不到“{titles[args.tab]}”标签页。")
        window.show()

        def settle() -> None:  # let the worker answer and the widgets repaint
            for _ in range(20):
                app.processEvents()
                window.ctx.worker.wait(50)
            app.processEvents()

        settle()
        if args.tab == "counselling":
            _open_demo_notes(window, actor.username, settle)
        if args.tab == "command":  # the dashboard takes a moment over a large database
            deadline = time.monotonic() + 60
            while window.command_tab.loading and time.monotonic() < deadline:
                settle()
            settle()
        listing = {
            "reception": window.reception,
            "handling": window.handling,
            "mediation": window.mediation_tab,
            "family": window.family_tab,
            "grid": window.grid_tab,
        }.get(args.tab)
        if listing is not None and listing.model.rowCount():
            listing.table.selectRow(0)  # show a matter's (or a case's) detail too
            settle()
        args.out.parent.mkdir(parents=True, exist_ok=True)
        if not window.grab().save(str(args.out)):
            raise ServiceError(f"无法保存截图到 {args.out}")
        print(f"已保存截图：{args.out}")
    finally:
        window.close()
        wound_down()
        # Gone, not only hidden: with --all the next tab's theme is applied to every widget
        # still alive (twelve windows' worth took 2.5 minutes instead of 25 s).
        window.deleteLater()
        QCoreApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)
    return 0


def cmd_counselling_recovery(args) -> int:
    from app.reports.recovery_key import RecoveryKeyData, render_recovery_key
    from app.services.context import Actor
    from app.services.security import notes_keys

    db = _open(args)
    _require_initialised(db)
    # The key is stored only if its PDF was written: a failed write rolls the set-up back.
    with db.write() as s:
        sheet = notes_keys.create_recovery_key(s, Actor.system())
        pdf = render_recovery_key(
            RecoveryKeyData(sheet.center_name, sheet.key_text, sheet.fingerprint, sheet.created_at)
        )
        args.out.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(args.out, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "wb") as f:
            f.write(pdf)
            f.flush()
            os.fsync(f.fileno())
    print(f"已生成咨询记录恢复密钥（指纹 {sheet.fingerprint}），保存为：{args.out}")
    print("请立即打印，装入信封密封存入保险柜，然后删除这个 PDF 文件（它就是密钥）。")
    return 0


def _open_demo_notes(window, username: str, settle) -> None:
    """On a demo database, show the counsellor's view with the notes open (demo password)."""
    from app.demo.center import DEMO_ACCOUNTS

    tab = window.counselling
    password = next((p for u, p, _r, _n in DEMO_ACCOUNTS if u == username), None)
    if tab is None or not tab.is_counsellor or not window.ctx.settings.is_demo or not password:
        return
    tab.unlock(password)
    settle()
    if tab.clients:
        tab.client_table.selectRow(0)
        settle()


def cmd_check(args) -> int:
    from app.db import resolve_url, sqlite_path
    from app.services.data.wal import wal_damage
    from app.services.security.integrity import check_database

    path = sqlite_path(resolve_url(args.db, args.database_url))
    _refuse_network_share(path, args)
    # Before SQLite opens the file: it would drop frames beyond a damaged one unseen.
    found = []
    if path is not None and (damage := wal_damage(path)) is not None:
        found.append(damage.message(Path(str(path) + "-wal")))
    db = _open(args, migrate=False)
    report = check_database(db, manifests=args.manifest, found=found)
    for line in report.lines:
        print(line)
    if report.ok:  # a reminder, not a fault: the exit code stays 0
        from app.core import clock
        from app.services.center import calendar
        from app.services.command import importing

        # An import a stopped program left committed but not all written is finished here.
        if written := db.run(op(importing.resume_imports, None)).value:
            print(f"已写完上次中断的导入：{written} 行")

        for year in db.run(op(calendar.years_to_enter, clock.today())).value:
            print(f"提醒：{calendar.missing_year_text(year)}")
    return 0 if report.ok else 1


def _sqlite_file(args) -> Path:
    from app.db import resolve_url, sqlite_path

    path = sqlite_path(resolve_url(args.db, args.database_url))
    if path is None:
        raise ServiceError("备份和恢复只适用于 SQLite 数据库文件；PostgreSQL 请用 pg_dump。")
    _refuse_network_share(path, args)
    return path


def cmd_backup(args) -> int:
    from app.db import resolve_url, sqlite_path
    from app.services.data.backup import MANUAL, automatic_backup, backup_database

    url = resolve_url(args.db, args.database_url)
    if sqlite_path(url) is None:
        from app.services.data.server_backup import backup_server

        for line in backup_server(url, args.out):
            print(line)
        return 0
    path = _sqlite_file(args)
    if not path.exists():
        raise ServiceError(f"找不到数据库文件 {path}")
    out = backup_database(path, args.out) if args.out else automatic_backup(path, reason=MANUAL)
    print(f"已备份并校验：{out}")
    return 0


def cmd_restore(args) -> int:
    from app.services.data.backup import restore

    path = _sqlite_file(args)
    for line in restore(args.file, path).lines():
        print(line)
    return 0


def _url_arg(value: str) -> str:
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import ArgumentError

    try:
        make_url(value)
    except ArgumentError as exc:
        raise ServiceError(
            f"数据库地址“{value}”看不懂。SQLite 写 sqlite:///文件路径，"
            "PostgreSQL 写 postgresql+psycopg://用户:密码@服务器/数据库名。"
        ) from exc
    return value


def _key_file(args) -> Path:
    from app.db import resolve_url, sqlite_path
    from app.services.data.exchange import key_path

    return key_path(sqlite_path(resolve_url(args.db, args.database_url)))


def cmd_audit_key(args) -> int:
    from app.services.security import server_audit_key

    db = _open(args)
    _require_initialised(db)
    if args.audit_key_action == "export":
        actor = _signed_in(args, db)
        key_id = db.run(op(server_audit_key.export_server_key, actor, args.out)).value
        print(f"已导出审计密钥（编号 {key_id}）：{args.out}")
        print("请在其他终端运行 zongzhi audit-key import 这个文件，然后删除它。")
    else:
        key_id = db.run(op(server_audit_key.import_server_key, args.file)).value
        print(f"已导入审计密钥（编号 {key_id}）：本终端可以写入并核对服务器的审计链了。")
    return 0


def cmd_terminal_key(args) -> int:
    from app.services.context import Actor
    from app.services.data import exchange

    db = _open(args)
    _require_initialised(db)
    info = db.run(op(exchange.terminal_key, Actor.system(), _key_file(args))).value
    print(
        ("已生成" if info.created else "已有")
        + f"终端 {info.terminal} 的签名密钥：{_key_file(args)}"
    )
    print(f"公钥：{info.public_key}")
    print(f"指纹：{info.fingerprint}")
    print("请在中心运行：")
    print(f"  zongzhi register-terminal --terminal {info.terminal} --public-key {info.public_key}")
    return 0


def cmd_terminal(args) -> int:
    from app.services.data import terminal_setup

    if args.terminal_action == "create":
        db = _open(args)
        _require_initialised(db)
        actor = _signed_in(args, db)  # the file carries the accounts (and perhaps matters)
        report = db.run(
            op(
                terminal_setup.create_starter,
                actor,
                args.code,
                args.out,
                _key_file(args),
                with_open_matters=args.with_open_matters,
            )
        ).value
        print(f"已生成终端 {report.terminal} 的初始文件：{report.path}")
        for name, n in sorted(report.tables.items()):
            if n and name != "settings":
                print(f"  {exchange_label(name)}：{n} 条")
        print(f"中心（终端 {report.center_terminal}）密钥指纹：{report.fingerprint}")
        print(
            "请把文件拷到新电脑，运行 zongzhi terminal join 文件名（或在首次运行向导中点"
            "“加入中心…”），核对显示的指纹与上面一致。文件里有各账号的密码摘要，用完请删除。"
        )
        return 0
    try:
        data = args.file.read_bytes()
    except OSError as exc:
        raise ServiceError(f"读不到终端初始文件 {args.file}：{exc.strerror or exc}") from exc
    terminal_setup.read_starter(data)  # a wrong or damaged file makes no database
    db = _open(args, must_exist=False)
    report = db.run(op(terminal_setup.join_center, data, _key_file(args))).value
    print(f"已加入“{report.center_name}”，本机是终端 {report.terminal}。")
    print(f"中心（终端 {report.center_terminal}）密钥指纹：{report.center_fingerprint}")
    print("  请核对与中心生成初始文件时显示的指纹一致。")
    print(
        "本终端的公钥随第一个交换包（zongzhi export bundle）交给中心，"
        "中心导入时自动登记，不需要另外登记。"
    )
    return 0


def exchange_label(name: str) -> str:
    from app.services.data.exchange import TABLE_LABELS

    extra = {
        "users": "账号",
        "posts": "岗位",
        "calendar_days": "日历",
        "calendar_years": "日历年份",
    }
    return TABLE_LABELS.get(name, extra.get(name, name))


def cmd_register_terminal(args) -> int:
    from app.services.context import Actor
    from app.services.data import exchange

    db = _open(args)
    _require_initialised(db)
    info = db.run(
        op(exchange.register_terminal, Actor.system(), args.terminal, args.public_key)
    ).value
    print(f"已登记终端 {info.terminal} 的公钥（指纹 {info.fingerprint}），可以导入它的交换包了。")
    return 0


def _since(value: str):
    from datetime import datetime

    if value == "last":
        return None
    try:
        return datetime.fromisoformat(value)
    except ValueError as exc:
        raise ServiceError(
            f"--since “{value}” 看不懂：写 last，或日期如 2026-11-01、2026-11-01T08:00。"
        ) from exc


def cmd_export_bundle(args) -> int:
    from app.db import resolve_url, sqlite_path
    from app.services.center.settings import load_settings
    from app.services.data import exchange

    since = _since(args.bundle_since)
    db = _open(args)
    _require_initialised(db)
    actor = _signed_in(args, db)  # the bundle carries everyone's personal data
    with db.write() as s:
        settings = load_settings(s)
        out = args.out
        if out is None:
            path = sqlite_path(resolve_url(args.db, args.database_url))
            folder = (path.parent if path else Path.cwd()) / "exchange"
            stamp = clock.now().strftime("%Y%m%d-%H%M%S")
            out = folder / f"{settings.prefix}-{settings.terminal}-{stamp}{exchange.SUFFIX}"
        report = exchange.export_bundle(s, actor, out, _key_file(args), since=since)
    print(f"已导出交换包：{report.path}")
    print(f"  {report.rows} 条记录，{report.deleted} 条删除；已用终端密钥签名。")
    for name, n in sorted(report.tables.items()):
        print(f"  {exchange.TABLE_LABELS.get(name, name)}：{n} 条")
    return 0


def cmd_import_bundle(args) -> int:
    from app.services.data import exchange

    try:
        data = args.file.read_bytes()
    except OSError as exc:
        raise ServiceError(f"读不到交换包文件 {args.file}：{exc.strerror or exc}") from exc
    db = _open(args)
    _require_initialised(db)
    actor = _signed_in(args, db)  # audited under the person who imports
    report = db.run(op(exchange.import_bundle, actor, data)).value
    for line in report.lines():
        print(line)
    return 0


def cmd_conflicts(args) -> int:
    import uuid

    from app.services.data import exchange

    db = _open(args)
    _require_initialised(db)
    actor = _signed_in(args, db)  # the differences show personal data
    if args.resolve:
        if not args.keep:
            raise ServiceError(
                "请用 --keep center（保留中心版本）或 --keep terminal（采用终端版本）。"
            )
        with db.write() as s:
            matches = [
                c.id
                for c in exchange.list_conflicts(s, actor, open_only=False)
                if str(c.id).startswith(args.resolve)
            ]
            if len(matches) != 1:
                raise ServiceError(
                    f"冲突编号“{args.resolve}”{'不存在' if not matches else '不唯一'}。"
                )
            exchange.resolve_conflict(s, actor, uuid.UUID(str(matches[0])), args.keep)
        print("已处理：" + ("保留中心版本" if args.keep == "center" else "采用终端版本"))
        return 0
    rows = db.run(op(exchange.list_conflicts, actor)).value
    if not rows:
        print("没有待处理的交换冲突。")
    for c in rows:
        print(
            f"{str(c.id)[:8]}  终端{c.terminal}  {c.found_at:%Y-%m-%d %H:%M}  "
            f"{exchange.TABLE_LABELS.get(c.table, c.table)}  "
            f"{c.matter_number}  {c.differences}"
        )
    return 0


def cmd_migrate_db(args) -> int:
    from app.db import sqlite_path
    from app.services.data.migrate_db import migrate_database

    source, target = _url_arg(args.source), _url_arg(args.target)
    path = sqlite_path(source)
    if path is not None and not path.exists():
        raise ServiceError(f"找不到源数据库文件 {path}，请检查 --from。")
    report = migrate_database(
        source, target, progress=lambda name, n: print(f"  {name:24} {n:>8} 行", flush=True)
    )
    print(f"已复制 {len(report.tables)} 张表共 {report.rows} 行，行数和校验和逐表核对一致。")
    if report.attachments:
        print(f"附件 {report.attachments} 个已存入目标数据库，各终端都能打开。")
    if report.missing_attachments:
        print(
            f"警告：{len(report.missing_attachments)} 个附件在源数据文件夹里找不到或已被改动，"
            f"没有带过去：{'、'.join(report.missing_attachments[:5])}"
        )
    print(f"目标：{report.target}")
    print("请把各终端的 --database-url 改为目标地址；源数据库保持原样，可留作备份。")
    return 0


def cmd_connect(args) -> int:
    from app.db import terminal_config_path
    from app.services.data import terminal_config

    if args.local and args.url:
        raise ServiceError("--local 和数据库地址只能选一个。")
    if args.local:
        terminal_config.save_database_url(None)
        print("本终端已改回本机数据库文件（重新启动程序后生效）。")
        return 0
    if not args.url:
        current = terminal_config.current_database()
        print(f"本终端使用：{current or '本机数据库文件'}（设置保存在 {terminal_config_path()}）")
        return 0
    found = terminal_config.connect_terminal(args.url)
    where = (
        f"“{found.center_name}”" if found.initialised else "一个新的数据库（第一次打开时设置中心）"
    )
    print(f"已连接 {found.shown_url}：{where}。本终端以后打开这个数据库（重新启动程序后生效）。")
    if args.audit_key is not None:
        from app.db import open_database
        from app.services.security import server_audit_key

        db = open_database(database_url=args.url)
        try:
            key_id = db.run(op(server_audit_key.import_server_key, args.audit_key)).value
        finally:
            db.dispose()
        print(f"已导入审计密钥（编号 {key_id}）。")
    return 0


def cmd_card_test(args) -> int:
    """For the person installing a terminal: does the reader answer, and what does it read."""
    from app.services.idcard.card import CardReaderError, card_warnings
    from app.services.idcard.settings import ReaderSettings, load_reader_settings, open_source

    simulator = None
    if args.simulate:
        if sys.platform == "win32":
            raise ServiceError("模拟读卡器要用伪终端，只能在 Linux（统信、麒麟）上运行。")
        from app.services.idcard.simulator import CardSimulator

        simulator = CardSimulator().start()
        settings = ReaderSettings("serial", simulator.port)
    elif args.port:
        settings = ReaderSettings("serial", args.port)
    elif args.library:
        settings = ReaderSettings("library", "", str(args.library))
    else:
        settings = load_reader_settings()
    print(f"读卡器：{settings.describe()}")
    source = None
    try:
        source = open_source(settings)
        card = source.read_card(args.timeout)
    except CardReaderError as exc:
        print(exc.message, file=sys.stderr)
        print(
            "请检查：读卡器的电源和数据线；端口或动态库是否选对（系统设置 → 本终端设备）；"
            "身份证是否平放在读卡区。",
            file=sys.stderr,
        )
        return 1
    finally:
        if source is not None:
            source.close()
        if simulator is not None:
            simulator.close()
    if getattr(source, "port", None) and settings.kind == "auto":
        print(f"在端口 {source.port} 上找到读卡器")
    for label, value in card.lines(show_id=args.show):
        print(f"{label}：{value}")
    for warning in card_warnings(card):
        print(f"注意：{warning}")
    return 0


COMMANDS = {
    "init": cmd_init,
    "demo": cmd_demo,
    "find": cmd_find,
    "print": cmd_print,
    "export": cmd_export,
    "import": cmd_import,
    "reference": cmd_reference,
    "grid": cmd_grid,
    "screenshot": cmd_screenshot,
    "check": cmd_check,
    "counselling-recovery": cmd_counselling_recovery,
    "backup": cmd_backup,
    "restore": cmd_restore,
    "migrate-db": cmd_migrate_db,
    "connect": cmd_connect,
    "terminal-key": cmd_terminal_key,
    "audit-key": cmd_audit_key,
    "terminal": cmd_terminal,
    "register-terminal": cmd_register_terminal,
    "conflicts": cmd_conflicts,
    "card-test": cmd_card_test,
}
