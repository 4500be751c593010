"""网格上报: grid workers' reports coming in as an XLSX sheet in a fixed template.

Each row becomes a matter with source 网格上报 and its grid, registered through intake
(``intake.register_matter``: numbering, deadline, timeline, audit as at the window). A row's
key is the grid's code and the grid worker's own report number (``网格编码:上报编号``), kept on
the matter (``Matter.grid_report_key``, unique): importing the same sheet again adds nothing.
A 网格员 account imports only its own grid's rows. With any problem nothing is imported,
unless ``skip_invalid``: then the good rows go in and the others are listed.

Also here: the 指挥研判 village table's drill-down into grids (``village_grid_counts``).
"""

from __future__ import annotations

import io
import uuid
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, time
from pathlib import Path
from typing import Any
from zipfile import BadZipFile

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.core import clock
from app.core.errors import ValidationError
from app.core.ops import Change, read_op, write_op
from app.models import Category, Channel, Grid, Matter
from app.models import tallies as tl
from app.models.tallies import MatterTally
from app.services.center.grids import grid_scope
from app.services.command.importing import ImportReport, Problem
from app.services.context import Actor
from app.services.reception import intake
from app.services.security import audit
from app.services.security.permissions import Action, allowed, require

SHEET = "网格上报"
COLUMNS = [
    "上报编号",
    "网格编码",
    "上报日期",
    "网格员",
    "事项类别",
    "事项摘要",
    "当事人",
    "联系电话",
    "身份证号",
    "住址",
]
NO_GRID = "未划分网格"
REQUIRED = ("上报编号", "网格编码", "事项类别", "事项摘要")
_FIELD_COLUMNS = {
    "summary": "事项摘要",
    "category": "事项类别",
    "grid": "网格编码",
    "grid_reporter": "网格员",
    "visitors": "当事人",
    "visitors[0].name": "当事人",
    "visitors[0].phone": "联系电话",
    "visitors[0].id_number": "身份证号",
    "visitors[0].address": "住址",
}


def report_key(grid_code: str, report_no: str) -> str:
    """The stable key of a report row: the grid's code and the worker's own number."""
    return f"{grid_code.strip().upper()}:{report_no.strip()}"


def grid_template() -> bytes:
    """The fixed template (an XLSX with the header row and one example row, to be replaced)."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    wb = Workbook()
    ws = wb.active
    ws.title = SHEET
    ws.append(COLUMNS)
    ws.append(
        [
            "2026-001",
            "XH-01",
            "2026-12-01",
            "张网格",
            "矛盾纠纷",
            "（示例，请删除此行）邻里因排水沟堵塞发生争执",
            "李四",
            "13800000000",
            "",
            "一组12号",
        ]
    )
    for cell in ws[1]:
        cell.font = Font(bold=True)
    for col, width in zip("ABCDEFGHIJ", (12, 12, 12, 10, 12, 48, 10, 14, 20, 24), strict=True):
        ws.column_dimensions[col].width = width
    ws.freeze_panes = "A2"
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def _text(v: Any) -> str:
    if v is None:
        return ""
    if isinstance(v, float) and v.is_integer():
        v = int(v)
    if isinstance(v, datetime):
        return v.date().isoformat()
    return str(v).strip()


def _date(v: Any) -> date | None:
    if isinstance(v, datetime):
        return v.date()
    if isinstance(v, date):
        return v
    raw = _text(v).replace("/", "-").replace(".", "-")
    if not raw:
        return None
    for fmt in ("%Y-%m-%d", "%Y%m%d", "%Y年%m月%d日"):
        try:
            return datetime.strptime(raw, fmt).date()
        except ValueError:
            continue
    raise ValueError(raw)


def _rows(path: Path) -> tuple[list[str], list[tuple[int, list[Any]]]]:
    from openpyxl import load_workbook
    from openpyxl.utils.exceptions import InvalidFileException

    if path.suffix.lower() not in (".xlsx", ".xlsm"):
        raise ValidationError(f"只能导入 .xlsx 文件，{path.name} 不是（可先保存一份网格上报模板）")
    try:
        wb = load_workbook(path, read_only=True, data_only=True)
    except (InvalidFileException, BadZipFile, KeyError, OSError, ValueError) as exc:
        raise ValidationError(f"{path.name} 打不开：不是有效的 Excel 文件（{exc}）") from exc
    try:
        ws = wb[SHEET] if SHEET in wb.sheetnames else wb.worksheets[0]
        rows = [
            (i, list(r))
            for i, r in enumerate(ws.iter_rows(values_only=True), start=1)
            if any(_text(v) for v in r)
        ]
    finally:
        wb.close()
    if not rows:
        return [], []
    headers = [_text(h).replace(" ", "").rstrip("*＊") for h in rows[0][1]]
    return headers, rows[1:]


@dataclass(frozen=True)
class _Row:
    key: str
    data: intake.IntakeInput
    at: datetime | None


def _row(
    session: Session, values: dict[str, Any], scope: uuid.UUID | None, today: date
) -> tuple[_Row | None, list[tuple[str, str]]]:
    problems: list[tuple[str, str]] = []
    for c in REQUIRED:
        if not _text(values.get(c)):
            problems.append((c, f"请填写{c}"))
    if problems:
        return None, problems
    code = _text(values["网格编码"]).upper()
    number = _text(values["上报编号"])
    grid = session.scalar(select(Grid).where(Grid.code == code))
    if grid is None:
        return None, [("网格编码", f"没有编码为 {code} 的网格（见 中心资料 → 网格）")]
    if scope is not None and grid.id != scope:
        return None, [("网格编码", "网格员只能导入本网格的上报")]
    if len(number) > 40:
        problems.append(("上报编号", "上报编号太长（最多 40 个字）"))
    name = _text(values.get("事项类别"))
    category = session.scalar(select(Category).where(Category.name == name))
    if category is None or not category.active:
        problems.append(("事项类别", f"没有在用的事项类别“{name}”"))
    at = None
    try:
        day = _date(values.get("上报日期"))
    except ValueError:
        problems.append(("上报日期", "日期应写作 2026-12-01"))
        day = None
    if day is not None:
        if day > today:
            problems.append(("上报日期", "上报日期不能晚于今天"))
        elif day < today:
            at = datetime.combine(day, time(9, 0))
    if problems:
        return None, problems
    party = _text(values.get("当事人"))
    reporter = _text(values.get("网格员")) or grid.worker_name
    visitor = intake.VisitorInput(
        name=party or reporter or grid.name,
        id_number=_text(values.get("身份证号")),
        phone=_text(values.get("联系电话")),
        address=_text(values.get("住址")),
        village_id=grid.village_id,
    )
    data = intake.IntakeInput(
        channel=Channel.GRID,
        visitors=[visitor],
        category_id=category.id,
        summary=_text(values.get("事项摘要")),
        grid_id=grid.id,
        grid_reporter=reporter,
        grid_report_key=report_key(code, number),
    )
    return _Row(report_key(code, number), data, at), []


@write_op(Change.MATTERS)
def import_grid_reports(
    session: Session, actor: Actor, path: Path, *, skip_invalid: bool = False
) -> ImportReport:
    """Register each row of a 网格上报 sheet as a matter; rows imported before are skipped."""
    scope = None
    if not allowed(actor, Action.REGISTER_MATTER):
        scope = grid_scope(session, actor)
        if scope is None:
            require(actor, Action.REGISTER_MATTER)
    path = Path(path)
    if not path.is_file():
        raise ValidationError(f"找不到文件 {path}")
    report = ImportReport("grid_reports", "网格上报", path.name)
    headers, rows = _rows(path)
    missing = [c for c in REQUIRED if c not in headers]
    if missing:
        report.problems.append(
            Problem(
                1, "、".join(missing), "表头缺少这些列；请用网格上报模板（zongzhi grid template）"
            )
        )
        report.checked_only = True
        return report
    report.ignored_columns = [h for h in headers if h and h not in COLUMNS and h != "序号"]
    known = {c: headers.index(c) for c in COLUMNS if c in headers}
    today = clock.today()
    seen: dict[str, int] = {}
    whole = session.begin_nested()
    for line, raw in rows:
        report.rows += 1
        values = {c: raw[i] if i < len(raw) else None for c, i in known.items()}
        row, problems = _row(session, values, scope, today)
        if row is not None and row.key in seen:
            problems = [("上报编号", f"与第 {seen[row.key]} 行的网格和上报编号相同")]
        if row is not None and not problems:
            seen[row.key] = line
            if session.scalar(select(Matter.id).where(Matter.grid_report_key == row.key)):
                report.valid += 1
                report.already += 1
                continue
            step = session.begin_nested()
            try:
                intake.register_matter(session, actor, row.data, at=row.at)
            except ValidationError as err:
                step.rollback()
                problems = [(_FIELD_COLUMNS.get(k, ""), m) for k, m in err.fields.items()] or [
                    ("", err.message)
                ]
            else:
                step.commit()
                report.valid += 1
                report.imported += 1
                continue
        report.problems += [Problem(line, c, m) for c, m in problems]
    if report.problems and (not skip_invalid or not report.valid):
        whole.rollback()
        report.imported = report.already = 0
        report.checked_only = True
        return report
    whole.commit()
    report.refused_rows = len({p.row for p in report.problems})
    audit.record(
        session,
        actor,
        "grid_reports_import",
        object_type="matter",
        reason=f"{path.name}：新增 {report.imported} 件，已导入过 {report.already} 件，"
        f"未导入 {report.refused_rows} 行",
    )
    return report


# --- 指挥研判 and statistics by grid ------------------------------------------------------


@dataclass(frozen=True)
class GridCount:
    grid_id: uuid.UUID | None
    grid: str  # 名称（编码）, or 未划分网格
    received: int
    open: int
    overdue: int
    resolved: int
    reported: int  # of them 网格上报


def _grid_counts(
    session: Session, since: date | None, until: date | None, today: date, *where
) -> dict[uuid.UUID | None, list[int]]:
    """grid → [received, open, overdue, resolved, 网格上报] of the matters received in
    [since, until], from the matter tallies (``app/models/tallies.py``: ``BY_GRID`` and
    ``OPEN_GRID``), not from the matters; ``where``: more conditions on the tally rows."""
    t = MatterTally
    days = []
    if since is not None:
        days.append(t.day >= since)
    if until is not None:
        days.append(t.day <= until)
    counts: dict[uuid.UUID | None, list[int]] = defaultdict(lambda: [0, 0, 0, 0, 0])
    q = (
        select(t.a, t.c, func.sum(t.n))
        .where(t.facet == tl.BY_GRID, *days, *where)
        .group_by(t.a, t.c)
    )
    for grid, klass, n in session.execute(q):
        c = counts[tl.uuid_of(grid)]
        n = int(n or 0)
        c[0] += n
        c[1] += n if klass.startswith("open") else 0
        c[3] += n if klass.startswith("resolved") else 0
        c[4] += n if klass.endswith("r") else 0
    received = []  # the open tallies' c is the day received, as ISO text (sorts as dates)
    if since is not None:
        received.append(t.c >= since.isoformat())
    if until is not None:
        received.append(t.c <= until.isoformat())
    q = (
        select(t.a, func.sum(t.n))
        .where(t.facet == tl.OPEN_GRID, t.day < today, *received, *where)
        .group_by(t.a)
    )
    for grid, n in session.execute(q):
        counts[tl.uuid_of(grid)][2] += int(n or 0)
    return {k: v for k, v in counts.items() if any(v)}


def _row_of(grid_id, label: str, c: list[int] | None) -> GridCount:
    return GridCount(grid_id, label, *(c or [0, 0, 0, 0, 0]))


@read_op
def village_grid_counts(
    session: Session, actor: Actor, village_id: uuid.UUID | None, *, today: date | None = None
) -> list[GridCount]:
    """The 指挥研判 village table opened into grids: this year's matters of a village (by the
    first visitor's village, as the table counts them), per grid; 未划分网格 last."""
    require(actor, Action.VIEW_COMMAND)
    today = today or clock.today()
    got = _grid_counts(
        session,
        date(today.year, 1, 1),
        date(today.year, 12, 31),
        today,
        MatterTally.b == tl.text_of(village_id),
    )
    out = []
    if village_id is not None:
        for g in session.scalars(
            select(Grid).where(Grid.village_id == village_id).order_by(Grid.sort, Grid.code)
        ):
            out.append(_row_of(g.id, f"{g.name}（{g.code}）", got.pop(g.id, None)))
    for gid in list(got):  # matters of a grid of another village (merged …)
        if gid is not None:
            g = session.get(Grid, gid)
            out.append(_row_of(gid, f"{g.name}（{g.code}）", got.pop(gid)))
    if None in got:
        out.append(_row_of(None, NO_GRID, got.pop(None)))
    return out


@read_op
def grid_statistics(
    session: Session,
    actor: Actor,
    *,
    since: date | None = None,
    until: date | None = None,
    village_id: uuid.UUID | None = None,
    grid_id: uuid.UUID | None = None,
    today: date | None = None,
) -> list[GridCount]:
    """统计 by grid: matters received in [since, until] per grid (of one village, or one grid
    when given), with how many are open, overdue, resolved and came as 网格上报."""
    require(actor, Action.VIEW_COMMAND)
    if since is not None and until is not None and since > until:
        raise ValidationError("开始日期晚于结束日期，请改一下统计期间。")
    today = today or clock.today()
    t = MatterTally
    grids = select(Grid).order_by(Grid.sort, Grid.code)
    where = []
    if grid_id is not None:
        grids = grids.where(Grid.id == grid_id)
        where.append(t.a == tl.text_of(grid_id))
    elif village_id is not None:
        grids = grids.where(Grid.village_id == village_id)
        ids = [tl.text_of(g) for g in session.scalars(grids.with_only_columns(Grid.id))]
        where.append(t.a.in_(ids))
    got = _grid_counts(session, since, until, today, *where)
    out = [
        _row_of(g.id, f"{g.name}（{g.code}）", got.pop(g.id, None)) for g in session.scalars(grids)
    ]
    if grid_id is None and village_id is None and None in got:
        out.append(_row_of(None, NO_GRID, got.pop(None)))
    return out
