"""中心资料 as one XLSX workbook: a sheet per list (承办单位, 村社区, 网格, 事项类别, 文书署名).

Export writes every item, deactivated ones too, with its 编号 (id). Import reads the sheets it
knows, matches a row by its 编号 or else by its name, changes what the row says, adds the
rows it does not find and never deletes. A column left out keeps what is stored. Problems are
reported like the ledger import's (row, column, what is wrong): with any problem nothing is
imported, unless ``skip_invalid``: then the good rows go in and the refused ones are written
to a workbook beside the input, with the reason in a last column.
"""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from zipfile import BadZipFile

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.core.errors import ValidationError
from app.core.ops import Change, read_op, write_op
from app.models import Category, Grid, LimitKind, Unit, UnitKind, User, Village
from app.services.center import grids
from app.services.center import reference_admin as ref
from app.services.command.importing import ImportReport, Problem
from app.services.context import Actor
from app.services.security import audit
from app.services.security.permissions import Action, require
from app.services.validation import parse_yes_no

UNIT_COLUMNS = ["编号", "名称", "简称", "类型", "负责人", "电话", "接收分流", "状态"]
VILLAGE_COLUMNS = ["编号", "名称", "状态", "并入"]
CATEGORY_COLUMNS = ["编号", "名称", "期限规则", "期限天数", "默认承办单位", "信访", "状态"]
ROLE_COLUMNS = ["项目", "内容"]
GRID_COLUMNS = [
    "编号",
    "网格编码",
    "名称",
    "村社区",
    "网格长",
    "网格长电话",
    "网格员",
    "网格员电话",
    "网格员账号",
    "覆盖范围",
    "状态",
]
SHEETS = {
    "承办单位": ("unit", UNIT_COLUMNS),
    "村社区": ("village", VILLAGE_COLUMNS),
    "网格": ("grid", GRID_COLUMNS),
    "事项类别": ("category", CATEGORY_COLUMNS),
    "文书署名": ("roles", ROLE_COLUMNS),
}
# Which column a service's field error belongs to.
_FIELD_COLUMNS = {
    "name": "名称",
    "short_name": "简称",
    "kind": "类型",
    "head": "负责人",
    "phone": "电话",
    "limit_kind": "期限规则",
    "limit_days": "期限天数",
    "default_unit_id": "默认承办单位",
    "village": "村社区",
    "code": "网格编码",
    "leader_name": "网格长",
    "leader_phone": "网格长电话",
    "worker_name": "网格员",
    "worker_phone": "网格员电话",
    "worker_user": "网格员账号",
    "coverage": "覆盖范围",
}
_NOT_IN_XLSX = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def _yes_no(v: bool) -> str:
    return "是" if v else "否"


def _state(active: bool) -> str:
    return "启用" if active else "停用"


# --- export ----------------------------------------------------------------------------------


@read_op
def export_reference(session: Session, actor: Actor) -> bytes:
    """The workbook's bytes: every list, deactivated items too, in the lists' order."""
    import io

    from openpyxl import Workbook
    from openpyxl.styles import Font

    require(actor, Action.VIEW_REFERENCE)
    data = ref.load_reference(session, actor)
    wb = Workbook()
    wb.remove(wb.active)

    def sheet(title: str, headers: list[str], rows: list[list[Any]], widths: list[int]):
        ws = wb.create_sheet(title)
        ws.append(headers)
        for row in rows:
            ws.append([_NOT_IN_XLSX.sub("\ufffd", v) if isinstance(v, str) else v for v in row])
        for cell in ws[1]:
            cell.font = Font(bold=True)
        for row in ws.iter_rows(min_row=2):
            for cell in row:
                if cell.data_type == "f":  # text beginning with "=" stays text
                    cell.data_type = "s"
        for i, w in enumerate(widths):
            ws.column_dimensions[chr(ord("A") + i)].width = w
        ws.freeze_panes = "B2"

    sheet(
        "承办单位",
        UNIT_COLUMNS,
        [
            [
                str(u.id),
                u.name,
                u.short_name,
                u.kind.label,
                u.head,
                u.phone,
                _yes_no(u.takes_routed),
                _state(u.active),
            ]
            for u in data.units
        ],
        [36, 24, 12, 12, 12, 16, 10, 8],
    )
    sheet(
        "村社区",
        VILLAGE_COLUMNS,
        [[str(v.id), v.name, _state(v.active), v.merged_into] for v in data.villages],
        [36, 20, 8, 20],
    )
    sheet(
        "网格",
        GRID_COLUMNS,
        [
            [
                str(g.id),
                g.code,
                g.name,
                g.village,
                g.leader_name,
                g.leader_phone,
                g.worker_name,
                g.worker_phone,
                g.worker_username,
                g.coverage,
                _state(g.active),
            ]
            for g in grids.grid_items(session)
        ],
        [36, 12, 16, 14, 10, 14, 10, 14, 14, 40, 8],
    )
    sheet(
        "事项类别",
        CATEGORY_COLUMNS,
        [
            [
                str(c.id),
                c.name,
                c.limit_kind.label,
                c.limit_days if c.limit_kind != LimitKind.SAME_DAY else None,
                c.default_unit,
                _yes_no(c.is_xinfang),
                _state(c.active),
            ]
            for c in data.categories
        ],
        [36, 16, 10, 10, 20, 8, 8],
    )
    roles = data.roles
    sheet(
        "文书署名",
        ROLE_COLUMNS,
        [[label, getattr(roles, key)] for key, label in ref.ROLE_LABELS.items()],
        [28, 40],
    )
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


@write_op()
def export_reference_file(session: Session, actor: Actor, path: Path) -> Path:
    """Write the workbook to ``path``, with an audit row for the export."""
    data = export_reference(session, actor)
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    audit.record(session, actor, "reference_export", object_type="reference", reason=path.name)
    return path


# --- reading ---------------------------------------------------------------------------------


@dataclass
class _Sheet:
    title: str
    kind: str
    header_row: int
    headers: list[str]
    rows: list[tuple[int, list[Any]]] = field(default_factory=list)


def _blank(v: Any) -> bool:
    return v is None or (isinstance(v, str) and not v.strip())


def _norm(h: str) -> str:
    return re.sub(r"[\s*＊:：（）()]", "", h)


def _read(path: Path) -> list[_Sheet]:
    from openpyxl import load_workbook
    from openpyxl.utils.exceptions import InvalidFileException

    if path.suffix.lower() not in (".xlsx", ".xlsm"):
        raise ValidationError(f"只能导入 .xlsx 文件，{path.name} 不是（可先用“导出XLSX”得到样表）")
    try:
        wb = load_workbook(path, read_only=True, data_only=True)
    except (InvalidFileException, BadZipFile, KeyError, OSError, ValueError) as exc:
        raise ValidationError(f"{path.name} 打不开：不是有效的 Excel 文件（{exc}）") from exc
    out = []
    try:
        for ws in wb.worksheets:
            known = SHEETS.get(_norm(ws.title))
            if known is None:
                continue
            rows = [
                (i, list(r))
                for i, r in enumerate(ws.iter_rows(values_only=True), start=1)
                if not all(_blank(v) for v in r)
            ]
            if not rows:
                continue
            header_row, header = rows[0]
            headers = [_norm(str(h)) if not _blank(h) else "" for h in header]
            out.append(_Sheet(ws.title, known[0], header_row, headers, rows[1:]))
    except (SyntaxError, BadZipFile, KeyError, OSError, ValueError, EOFError) as exc:
        raise ValidationError(f"{path.name} 打不开：表格内容已损坏（{exc}）") from exc
    finally:
        wb.close()
    order = list(SHEETS)  # units before the categories that name them
    out.sort(key=lambda s: order.index(_norm(s.title)))
    return out


def _text(v: Any) -> str:
    if v is None:
        return ""
    if isinstance(v, float) and v.is_integer():
        v = int(v)
    return str(v).strip()


class _RowProblem(Exception):
    def __init__(self, column: str, message: str):
        super().__init__(message)
        self.column, self.message = column, message


def _flag(values: dict[str, Any], column: str, default: bool) -> bool:
    try:
        flag = parse_yes_no(values.get(column))
    except ValidationError as err:
        raise _RowProblem(column, err.fields[""]) from None
    return default if flag is None else flag


def _active(values: dict[str, Any], default: bool) -> bool:
    if "状态" not in values or _blank(values["状态"]):
        return default
    v = _text(values["状态"])
    if v in ("启用", "在用"):
        return True
    if v == "停用":
        return False
    raise _RowProblem("状态", f"应填“启用”或“停用”，不是“{v}”")


def _find(session: Session, model, values: dict[str, Any]):
    """The stored item the row is about: by 编号 when given, else by its name."""
    raw = _text(values.get("编号"))
    if raw:
        try:
            item = session.get(model, uuid.UUID(raw))
        except ValueError:
            raise _RowProblem("编号", f"“{raw}”不是本程序导出的编号；新增的行请留空") from None
        if item is None:
            raise _RowProblem("编号", "找不到这个编号（是否来自另一个中心？新增的行请留空）")
        return item
    name = _text(values.get("名称"))
    return session.scalar(select(model).where(model.name == name)) if name else None


def _kind(values: dict[str, Any], default: UnitKind) -> UnitKind:
    raw = _text(values.get("类型"))
    if not raw:
        return default
    for k in UnitKind:
        if raw in (k.label, k.value, k.label + "单位"):
            return k
    raise _RowProblem("类型", "单位类型应为 " + "、".join(k.label for k in UnitKind) + " 之一")


def _limit_kind(values: dict[str, Any], default: LimitKind) -> LimitKind:
    raw = _text(values.get("期限规则"))
    if not raw:
        return default
    for k in LimitKind:
        if raw in (k.label, k.value):
            return k
    raise _RowProblem("期限规则", "期限规则应为 当日、工作日、自然日 之一")


def _value(values: dict[str, Any], column: str, current: str) -> str:
    return _text(values[column]) if column in values else current


def _unit_row(session: Session, actor: Actor, values: dict[str, Any]) -> str:
    unit = _find(session, Unit, values)
    name = _value(values, "名称", unit.name if unit else "")
    data = ref.UnitInput(
        name=name,
        kind=_kind(values, unit.kind if unit else UnitKind.STATIONED),
        short_name=_value(values, "简称", unit.short_name if unit else ""),
        head=_value(values, "负责人", unit.head if unit else ""),
        phone=_value(values, "电话", (unit.phone or "") if unit else ""),
        takes_routed=_flag(values, "接收分流", unit.takes_routed if unit else True),
    )
    active = _active(values, unit.active if unit else True)
    if unit is not None:
        stored = (unit.name, unit.kind, unit.short_name, unit.head, unit.phone or "")
        stored += (unit.takes_routed, unit.active)
        given = (data.name, data.kind, data.short_name, data.head, data.phone)
        if stored == (*given, data.takes_routed, active):
            return "same"
    uid = ref.save_unit(session, actor, unit.id if unit else None, data)
    ref.set_active(session, actor, "unit", uid, active)
    return "changed" if unit else "added"


def _village_row(session: Session, actor: Actor, values: dict[str, Any]) -> str:
    village = _find(session, Village, values)
    merged = (
        session.get(Village, village.merged_into_id) if village and village.merged_into_id else None
    )
    wanted = _text(values.get("并入"))
    if wanted and wanted != (merged.name if merged else ""):
        raise _RowProblem(
            "并入", "导入不合并村社区：请在 系统设置 → 中心资料 → 村社区 用“合并到…”合并"
        )
    name = _value(values, "名称", village.name if village else "")
    active = _active(values, village.active if village else True)
    if village is not None and (village.name, village.active) == (name, active):
        return "same"
    vid = ref.save_village(session, actor, village.id if village else None, name)
    ref.set_active(session, actor, "village", vid, active)
    return "changed" if village else "added"


def _category_row(session: Session, actor: Actor, values: dict[str, Any]) -> str:
    cat = _find(session, Category, values)
    unit_id = cat.default_unit_id if cat else None
    if "默认承办单位" in values:
        unit_name = _text(values["默认承办单位"])
        unit_id = None
        if unit_name:
            unit_id = session.scalar(select(Unit.id).where(Unit.name == unit_name))
            if unit_id is None:
                raise _RowProblem(
                    "默认承办单位", f"没有名为“{unit_name}”的承办单位（可先在“承办单位”表中添加）"
                )
    kind = _limit_kind(values, cat.limit_kind if cat else LimitKind.WORKING)
    days: Any = _value(values, "期限天数", str(cat.limit_days) if cat else "")
    if kind != LimitKind.SAME_DAY and not days:
        raise _RowProblem("期限天数", f"期限规则为“{kind.label}”时请填写期限天数")
    data = ref.CategoryInput(
        name=_value(values, "名称", cat.name if cat else ""),
        limit_kind=kind,
        limit_days=days,
        default_unit_id=unit_id,
        is_xinfang=_flag(values, "信访", cat.is_xinfang if cat else False),
    )
    active = _active(values, cat.active if cat else True)
    if cat is not None:
        try:
            same_days = kind == LimitKind.SAME_DAY or int(str(days)) == cat.limit_days
        except ValueError:
            same_days = False
        if same_days and (
            cat.name,
            cat.limit_kind,
            cat.default_unit_id,
            cat.is_xinfang,
            cat.active,
        ) == (data.name, kind, unit_id, data.is_xinfang, active):
            return "same"
    cid = ref.save_category(session, actor, cat.id if cat else None, data)
    ref.set_active(session, actor, "category", cid, active)
    return "changed" if cat else "added"


def _roles_row(session: Session, actor: Actor, values: dict[str, Any]) -> str:
    label = _text(values.get("项目"))
    key = next(
        (k for k, v in ref.ROLE_LABELS.items() if label in (v, k) or v.startswith(label)), None
    )
    if not label or key is None:
        raise _RowProblem("项目", "项目应为 " + "、".join(ref.ROLE_LABELS.values()) + " 之一")
    value = _text(values.get("内容"))
    current = getattr(ref.load_reference(session, actor).roles, key)
    if current == value:
        return "same"
    try:
        ref.set_document_roles(session, actor, **{key: value})
    except ValidationError as err:
        raise _RowProblem("内容", "；".join(err.fields.values())) from None
    return "changed"


def _grid_row(session: Session, actor: Actor, values: dict[str, Any]) -> str:
    """A grid: found by its 编号, else by its 网格编码; its village and account by name."""
    code = _text(values.get("网格编码")).upper()
    if _text(values.get("编号")):
        grid = _find(session, Grid, values)
    else:
        grid = session.scalar(select(Grid).where(Grid.code == code)) if code else None
    village_id = grid.village_id if grid else None
    if _text(values.get("村社区")):
        village_name = _text(values["村社区"])
        village_id = session.scalar(select(Village.id).where(Village.name == village_name))
        if village_id is None:
            raise _RowProblem("村社区", f"没有名为“{village_name}”的村社区")
    user_id = grid.worker_user_id if grid else None
    if "网格员账号" in values:
        username = _text(values["网格员账号"])
        user_id = None
        if username:
            user_id = session.scalar(select(User.id).where(User.username == username))
            if user_id is None:
                raise _RowProblem("网格员账号", f"没有用户名为“{username}”的账号")
    data = grids.GridInput(
        village_id=village_id,
        code=_value(values, "网格编码", grid.code if grid else ""),
        name=_value(values, "名称", grid.name if grid else ""),
        leader_name=_value(values, "网格长", grid.leader_name if grid else ""),
        leader_phone=_value(values, "网格长电话", grid.leader_phone if grid else ""),
        worker_name=_value(values, "网格员", grid.worker_name if grid else ""),
        worker_phone=_value(values, "网格员电话", grid.worker_phone if grid else ""),
        worker_user_id=user_id,
        coverage=_value(values, "覆盖范围", grid.coverage if grid else ""),
    )
    active = _active(values, grid.active if grid else True)
    if grid is not None:
        stored = tuple(getattr(grid, k) for k in grids.GridInput.__dataclass_fields__)
        given = tuple(getattr(data, k) for k in grids.GridInput.__dataclass_fields__)
        if stored == given and grid.active == active:
            return "same"
    gid = grids.save_grid(session, actor, grid.id if grid else None, data)
    grids.set_grid_active(session, actor, gid, active)
    return "changed" if grid else "added"


_ROW_WRITERS = {
    "unit": _unit_row,
    "village": _village_row,
    "grid": _grid_row,
    "category": _category_row,
    "roles": _roles_row,
}


# --- import ----------------------------------------------------------------------------------


@dataclass
class _Refused:
    sheet: _Sheet
    row: int
    values: list[Any]
    reason: str


def _write_refused(path: Path, refused: list[_Refused]) -> Path:
    from openpyxl import Workbook

    out = path.with_name(f"{path.stem}.未导入.xlsx")
    wb = Workbook()
    wb.remove(wb.active)
    sheets: dict[str, Any] = {}
    for r in refused:
        ws = sheets.get(r.sheet.title)
        if ws is None:
            ws = sheets[r.sheet.title] = wb.create_sheet(r.sheet.title)
            ws.append(["原行号", *r.sheet.headers, "未导入的原因"])
        cells = [r.row, *r.values, r.reason]
        ws.append([_NOT_IN_XLSX.sub("\ufffd", v) if isinstance(v, str) else v for v in cells])
    wb.save(out)
    return out


@write_op(Change.REFERENCE, Change.SETTINGS)
def import_reference(
    session: Session, actor: Actor, path: Path, *, skip_invalid: bool = False
) -> ImportReport:
    """Import the workbook (see the module's text); the report lists every problem."""
    require(actor, Action.MANAGE_REFERENCE)
    path = Path(path)
    if not path.is_file():
        raise ValidationError(f"找不到文件 {path}")
    report = ImportReport("reference", "中心资料", path.name)
    sheets = _read(path)
    if not sheets:
        report.problems.append(
            Problem(
                0,
                "",
                "没有可导入的工作表：工作表应名为 " + "、".join(SHEETS) + "（可先导出一份作样表）",
            )
        )
        report.checked_only = True
        return report
    refused: list[_Refused] = []
    changed = 0
    whole = session.begin_nested()
    for sh in sheets:
        columns = SHEETS[_norm(sh.title)][1]
        known = {c: i for i, c in enumerate(sh.headers) if c in columns}
        report.ignored_columns += [
            f"{sh.title}·{h}" for h in sh.headers if h and h not in columns and h != "序号"
        ]
        needed = "项目" if sh.kind == "roles" else "名称"
        if needed not in known:
            report.problems.append(
                Problem(
                    sh.header_row,
                    f"{sh.title}·{needed}",
                    f"表头缺少“{needed}”列。第 {sh.header_row} 行应为表头，可用的列："
                    + "、".join(columns),
                )
            )
            continue
        for row, raw in sh.rows:
            report.rows += 1
            values = {c: raw[i] if i < len(raw) else None for c, i in known.items()}
            problems: list[Problem] = []
            step = session.begin_nested()
            try:
                outcome = _ROW_WRITERS[sh.kind](session, actor, values)
            except _RowProblem as p:
                problems.append(Problem(row, f"{sh.title}·{p.column}", p.message))
            except ValidationError as err:
                for key, message in err.fields.items():
                    column = _FIELD_COLUMNS.get(key, "")
                    problems.append(
                        Problem(row, f"{sh.title}·{column}" if column else sh.title, message)
                    )
            if problems:
                step.rollback()
                report.problems += problems
                reason = "；".join(f"{p.column}：{p.message}" for p in problems)
                refused.append(_Refused(sh, row, raw, reason))
                continue
            step.commit()
            report.valid += 1
            if outcome == "same":
                report.already += 1
            else:
                report.imported += 1
                changed += 1
    if report.problems and (not skip_invalid or not report.valid):
        whole.rollback()
        report.imported = report.already = 0
        report.checked_only = True
        return report
    whole.commit()
    if refused:
        report.refused_rows = len(refused)
        report.refused_file = _write_refused(path, refused)
    audit.record(
        session,
        actor,
        "reference_import",
        object_type="reference",
        reason=f"{path.name}：新增或修改 {report.imported} 行，未变 {report.already} 行，"
        f"未导入 {len(refused)} 行",
    )
    return report
