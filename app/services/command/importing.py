"""Import the sheets centers keep today (XLSX or CSV): matters and the registers.

Every row is checked first and every problem reported (row number, column, what is wrong);
with problems nothing is imported, unless ``skip_invalid``: then the valid rows go in and
the refused ones are written to a sheet beside the input, with the reason in a last column.
Each imported row leaves the hash of its cleaned values behind (``ImportedRow``), so the
same sheet imported twice adds nothing the second time. An import commits in short
batches and is still all or nothing (see ``import_sheet``): cancelled or failed, it leaves
nothing behind, and it never holds the database long enough to make a registration wait.
"""

from __future__ import annotations

import contextlib
import csv
import hashlib
import io
import json
import re
import time
import uuid
import zipfile
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal
from enum import Enum
from pathlib import Path
from typing import Any
from zipfile import BadZipFile

from sqlalchemy import bindparam, delete, func, insert, select, update
from sqlalchemy.orm import Session

from app.core import changelog, clock
from app.core.errors import ServiceError, ValidationError
from app.core.ops import Change, Transactions, batched_write_op, read_op, write_op
from app.models import (
    OPEN_STATUSES,
    Category,
    Channel,
    DisputeType,
    EventKind,
    ImportedRow,
    ImportJob,
    Matter,
    MatterEvent,
    MatterPerson,
    MatterStatus,
    Person,
    Role,
    Satisfaction,
    Setting,
    StagedRow,
    Unit,
    User,
    Village,
    tallies,
)
from app.services.center.calendar import WorkCalendar
from app.services.center.settings import load_settings
from app.services.command.registers import (
    REGISTERS,
    FieldSpec,
    Names,
    check_register,
    clean_values,
    new_record,
    shown,
)
from app.services.context import Actor
from app.services.pinyin import name_keys
from app.services.reception import timeline
from app.services.reception.numbering import format_number, next_seq
from app.services.security import audit
from app.services.security.auth import actor_for
from app.services.security.permissions import Action, require
from app.services.validation import halfwidth

S = MatterStatus
MATTER_FIELDS: list[FieldSpec] = [
    FieldSpec(
        "received_at",
        "受理时间",
        "datetime",
        True,
        aliases=(
            "受理日期",
            "登记时间",
            "登记日期",
            "排查日期",
            "排查时间",
            "排查受理日期",
            "反映时间",
            "反映日期",
        ),
    ),  # fmt: skip
    FieldSpec("channel", "来源", "choice", choices=Channel, aliases=("来源渠道", "渠道")),
    FieldSpec(
        "category_id",
        "类别",
        "category",
        True,
        aliases=("事项类别", "纠纷类别", "纠纷类型", "矛盾类型", "矛盾纠纷类别", "矛盾纠纷类型"),
    ),
    FieldSpec(
        "name",
        "姓名",
        "name",
        True,
        aliases=("群众", "群众姓名", "来访人", "当事人", "当事人姓名", "反映人", "申请人"),
    ),
    FieldSpec(
        "id_number", "身份证号", "id", aliases=("公民身份号码", "身份证号码", "当事人身份证号")
    ),
    FieldSpec("phone", "联系电话", "phone", aliases=("电话", "手机号", "联系方式", "手机")),
    FieldSpec(
        "village_id",
        "村社区",
        "village",
        aliases=("村（社区）", "所在村社区", "所属村（社区）", "村居", "所属村居", "所在村"),
    ),
    FieldSpec("address", "住址", "text", False, 120, aliases=("地址", "家庭住址")),
    FieldSpec(
        "summary",
        "事项摘要",
        "text",
        True,
        2000,
        aliases=(
            "摘要",
            "诉求内容",
            "主要诉求",
            "纠纷简要情况",
            "基本情况",
            "反映问题",
            "简要情况",
            "矛盾纠纷简要情况",
        ),
    ),  # fmt: skip
    FieldSpec("unit_id", "承办单位", "unit", aliases=("责任单位", "包案单位", "化解责任单位")),
    FieldSpec("handler_name", "承办人", "text", False, 30, aliases=("责任人", "包案领导")),
    FieldSpec("progress", "化解措施", "text", False, 2000, aliases=("调处措施", "办理进展")),
    FieldSpec("status", "状态", "choice", choices=MatterStatus, aliases=("办理状态", "化解情况")),
    FieldSpec("closed_at", "办结时间", "datetime", aliases=("办结日期", "化解日期")),
    FieldSpec(
        "result", "办理结果", "text", False, 2000, aliases=("化解结果", "调处结果", "处理结果")
    ),
    FieldSpec("satisfaction", "满意度", "choice", choices=Satisfaction),
    FieldSpec("old_number", "原编号", "text", False, 40, aliases=("原受理编号",)),
]
_CLOSED = {S.DONE, S.FED_BACK, S.ARCHIVED, S.ANSWERED, S.REJECTED, S.TRANSFERRED}
_MATTER_KINDS = ("matters", "disputes")
IGNORE = "忽略"  # a column mapped to nothing

# Words a center's ledger uses for a status (化解情况, 化解结果).
_DONE_WORDS = ("调解成功", "化解成功", "已化解", "化解", "已办结", "办结", "已解决", "解决")
_OPEN_WORDS = ("正在化解", "化解中", "调处中", "正在调处", "正在调解", "调解中", "办理中", "未化解")
_STATUS_WORDS = {**{w: S.DONE for w in _DONE_WORDS}, **{w: S.IN_PROGRESS for w in _OPEN_WORDS}}
# The dispute types of the 人民调解 statistics under other names centers use.
_DISPUTE_SYNONYMS = {"劳资": DisputeType.LABOUR, "家庭": DisputeType.MARRIAGE_FAMILY,
                     "婚姻": DisputeType.MARRIAGE_FAMILY, "土地": DisputeType.LAND,
                     "宅基地": DisputeType.HOUSING, "交通": DisputeType.TRAFFIC}  # fmt: skip

# Hard limits on what an import reads (a hostile or broken file is refused whole).
MAX_ROWS = 200_000
MAX_CELL_CHARS = 10_000
MAX_UNPACKED_BYTES = 150 * 1024 * 1024
MAX_READ_SECONDS = 120.0
HEADER_SEARCH_ROWS = 15
# A row whose first filled cell begins so is not data: totals, notes, the filler's signature.
_FILLER = ("合计", "小计", "总计", "共计", "填表说明", "说明：", "说明:", "注：", "注:", "填报单位",
           "填报人", "填表人", "制表人", "制表", "审核人", "负责人", "填报日期", "填表日期",
           "报送单位")  # fmt: skip


# Columns an import reads beyond the register's form: a 社会救助 row may name the 求助 matter
# it answers by its 受理编号 (the record is then linked to it, as one made from the matter is).
IMPORT_ONLY: dict[str, list[FieldSpec]] = {
    "aid": [
        FieldSpec("matter_id", "关联事项", "text", False, 40, aliases=("受理编号", "关联受理编号"))
    ],
}


def import_kinds() -> dict[str, tuple[str, list[FieldSpec]]]:
    kinds = {"matters": ("事项", MATTER_FIELDS), "disputes": ("矛盾纠纷排查化解", MATTER_FIELDS)}
    kinds.update(REGISTERS)
    for kind, extra in IMPORT_ONLY.items():
        label, specs = kinds[kind]
        kinds[kind] = (label, [*specs, *extra])
    return kinds


def _linked_matters(session: Session, rows: list[CheckedRow], label: str, sheet: str) -> None:
    """社会救助 rows naming a 受理编号: the number becomes the matter's id, or the row is
    refused with why (no such matter, or one that is not a 求助)."""
    from app.services.command.ledgers import AID_CATEGORIES  # (it loads the PDF library)

    wanted = {
        halfwidth(str(r.clean["matter_id"])).strip().upper()
        for r in rows
        if r.clean and r.clean.get("matter_id")
    }
    if not wanted:
        return
    found = {
        number: (mid, category)
        for number, mid, category in session.execute(
            select(Matter.number, Matter.id, func.coalesce(Matter.category_name, Category.name))
            .outerjoin(Category, Category.id == Matter.category_id)
            .where(Matter.number.in_(wanted))
        )
    }
    for r in rows:
        number = halfwidth(str((r.clean or {}).get("matter_id") or "")).strip().upper()
        if not number:
            continue
        got = found.get(number)
        if got is None:
            message = f"没有受理编号为“{shown(number)}”的事项，请核对编号（或清空这一格）"
        elif got[1] not in AID_CATEGORIES:
            message = f"事项 {number} 的类别是“{got[1]}”，只有“求助”类事项可以关联社会救助"
        else:
            r.clean["matter_id"] = got[0]
            continue
        r.problems.append(Problem(r.row, label, message, sheet))
        r.clean = None


class ImportCancelled(ServiceError):
    def __init__(self):
        super().__init__("已取消导入，没有导入任何数据。")


@dataclass(frozen=True)
class Problem:
    row: int  # as numbered in the sheet
    column: str
    message: str
    sheet: str = ""  # named when the workbook has several sheets

    def text(self) -> str:
        where = f"第 {self.row} 行" if self.row else "表格"
        if self.sheet:
            where = f"工作表“{self.sheet}”{where}"
        col = f"“{self.column}”列" if self.column else ""
        return f"{where}{col}：{self.message}"


@dataclass
class ImportReport:
    kind: str
    label: str
    file: str
    rows: int = 0
    valid: int = 0
    problems: list[Problem] = field(default_factory=list)
    imported: int = 0
    already: int = 0
    refused_rows: int = 0
    refused_file: Path | None = None
    ignored_columns: list[str] = field(default_factory=list)
    checked_only: bool = False  # problems found and nothing imported
    assumed: list[str] = field(default_factory=list)  # what the automatic mapping took as given

    def lines(self) -> list[str]:
        out = [f"{self.label}表格 {self.file}：共 {self.rows} 行数据，{self.valid} 行通过检查。"]
        if self.assumed:
            out.append("自动识别：" + "；".join(self.assumed))
        if self.ignored_columns:
            out.append("未识别、已忽略的列：" + "、".join(self.ignored_columns))
        out += [p.text() for p in self.problems]
        if self.checked_only:
            out.append(
                f"发现 {len(self.problems)} 处问题，没有导入任何数据。请改正后重新导入，"
                "或加 --skip-invalid 只导入正确的行。"
            )
            return out
        out.append(f"已导入 {self.imported} 行；以前已导入、本次跳过 {self.already} 行。")
        if self.refused_file:
            out.append(f"未导入的 {self.refused_rows} 行已另存为：{self.refused_file}")
        return out


# --- reading -------------------------------------------------------------------------------------


@dataclass
class RawSheet:
    name: str
    rows: list[tuple[int, list[Any]]]  # (row number, values), blank rows left out


@dataclass
class Sheet:
    header_row: int  # the (last) header row
    headers: list[str]
    rows: list[tuple[int, list[Any]]]  # (row number, values)
    name: str = ""
    year: int | None = None  # from the sheet's name or title ("2026年")
    header_rows: int = 1  # 2: a merged "当事人" over "姓名 | 身份证号 | 电话"
    found: int = 0  # recognised columns in the header


def _blank(v: Any) -> bool:
    return v is None or (isinstance(v, str) and not v.strip())


class _Limits:
    def __init__(self, name: str):
        self.name, self.rows, self.start = name, 0, time.monotonic()

    def refuse(self, what: str) -> ValidationError:
        return ValidationError(f"{self.name} {what}，没有导入任何数据。请拆成几个较小的表格再导入")

    def row(self, sheet: str, number: int, values: list[Any]) -> list[Any]:
        self.rows += 1
        if self.rows > MAX_ROWS:
            raise self.refuse(f"超过 {MAX_ROWS} 行的上限")
        if self.rows % 500 == 0 and time.monotonic() - self.start > MAX_READ_SECONDS:
            raise self.refuse(f"读取超过 {MAX_READ_SECONDS:g} 秒的时间上限")
        while values and _blank(values[-1]):
            values.pop()
        for col, v in enumerate(values, start=1):
            if isinstance(v, str) and len(v) > MAX_CELL_CHARS:
                where = f"工作表“{sheet}”" if sheet else ""
                raise ValidationError(
                    f"{self.name} {where}第 {number} 行第 {col} 列有 {len(v)} 字，"
                    f"超过每格 {MAX_CELL_CHARS} 字的上限，没有导入任何数据"
                )
        return values


def _read_csv(path: Path) -> list[RawSheet]:
    if path.stat().st_size > MAX_UNPACKED_BYTES:
        raise _Limits(path.name).refuse(f"超过 {MAX_UNPACKED_BYTES // 2**20} MB 的大小上限")
    raw = path.read_bytes()
    for enc in ("utf-8-sig", "gb18030"):
        try:
            text = raw.decode(enc)
            break
        except UnicodeDecodeError:
            continue
    else:  # bytes that are neither (a broken or binary file)
        raise ValidationError(f"{path.name} 的文字编码看不懂，请另存为 UTF-8 或 GB 18030")
    limits = _Limits(path.name)
    rows = []
    try:
        for i, r in enumerate(csv.reader(io.StringIO(text)), start=1):
            r = limits.row("", i, r)
            if r and not all(_blank(v) for v in r):
                rows.append((i, r))
    except csv.Error as exc:  # a cell past 131,072 characters, a stray quote …
        raise ValidationError(
            f"{path.name} 读不下去：某一格太长或引号不成对（{exc}），"
            "请在 Excel 中核对后另存为 .xlsx 再导入"
        ) from exc
    return [RawSheet("", rows)]


def _read_xlsx(path: Path) -> list[RawSheet]:
    # openpyxl (and numpy with it) is loaded here, not with the ledgers tab.
    from openpyxl import load_workbook
    from openpyxl.utils.exceptions import InvalidFileException

    broken = f"{path.name} 打不开：不是有效的 Excel 文件"
    try:
        with zipfile.ZipFile(path) as z:
            unpacked = sum(i.file_size for i in z.infolist())
    except (BadZipFile, OSError, ValueError) as exc:
        raise ValidationError(f"{broken}（{exc}）") from exc
    if unpacked > MAX_UNPACKED_BYTES:
        raise _Limits(path.name).refuse(
            f"解压后有 {unpacked // 2**20} MB，超过 {MAX_UNPACKED_BYTES // 2**20} MB 的上限"
        )
    try:
        wb = load_workbook(path, read_only=True, data_only=True)
    except SyntaxError as exc:  # the XML parser's ParseError: entities, broken XML
        raise ValidationError(f"{broken}：文件里的 XML 已损坏或含有不允许的内容") from exc
    except (InvalidFileException, BadZipFile, KeyError, OSError, ValueError) as exc:
        raise ValidationError(f"{broken}（{exc}）") from exc
    limits = _Limits(path.name)
    out = []
    try:
        for ws in wb.worksheets:
            rows = []
            for i, r in enumerate(ws.iter_rows(values_only=True), start=1):
                values = limits.row(ws.title, i, list(r))
                if values:
                    rows.append((i, values))
            out.append(RawSheet(ws.title, rows))
    except SyntaxError as exc:
        raise ValidationError(
            f"{path.name} 打不开：表格内容已损坏（XML 有误或含有不允许的内容）"
        ) from exc
    except (BadZipFile, KeyError, OSError, ValueError, EOFError) as exc:
        raise ValidationError(f"{path.name} 打不开：表格内容已损坏（{exc}）") from exc
    finally:
        wb.close()
    return out


def read_book(path: Path) -> list[RawSheet]:
    """Every worksheet of an XLSX, or a CSV in UTF-8 or GB 18030 (one sheet with no name),
    within the hard limits (rows, cell length, unpacked size, time)."""
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix == ".csv":
        return _read_csv(path)
    if suffix in (".xlsx", ".xlsm"):
        return _read_xlsx(path)
    raise ValidationError(
        f"只能导入 .xlsx 或 .csv 文件，{path.name} 不是（旧版 .xls 请先另存为 .xlsx）"
    )


def _normalise_header(h: str) -> str:
    return re.sub(r"[\s*＊:：（）()/、]", "", h)


def _cell_text(v: Any) -> str:
    return "" if _blank(v) else str(v).strip()


def _field_names(specs: list[FieldSpec]) -> dict[str, FieldSpec]:
    by_name: dict[str, FieldSpec] = {}
    for spec in specs:
        for name in (spec.label, *spec.aliases):
            by_name.setdefault(_normalise_header(name), spec)
    return by_name


def _combine(top: list[Any], bottom: list[Any], by_name: dict[str, FieldSpec]) -> list[str]:
    """Two header rows read as one: a merged "当事人" over "姓名 | 身份证号" gives 当事人姓名,
    and 身份证号 where 当事人身份证号 is no known name."""
    out, group = [], ""
    for i in range(max(len(top), len(bottom))):
        t = _cell_text(top[i]) if i < len(top) else ""
        b = _cell_text(bottom[i]) if i < len(bottom) else ""
        if t:
            group = t if b else ""
        elif b and group:
            t = group  # under a merged cell: the group's name is in its first column
        else:
            group = ""
        if t and b:
            both = t + b
            name = next((n for n in (both, b, t) if _normalise_header(n) in by_name), both)
        else:
            name = t or b
        out.append(name)
    return out


def _score(headers: list[str], by_name: dict[str, FieldSpec]) -> int:
    return len({by_name[n].key for h in headers if (n := _normalise_header(h)) in by_name})


def _year_of(texts: list[str]) -> int | None:
    for t in texts:
        m = re.search(r"((?:19|20)\d{2})\s*年", t) or re.search(r"(?<!\d)((?:19|20)\d{2})(?!\d)", t)
        if m:
            return int(m[1])
    return None


def _is_filler(values: list[Any]) -> bool:
    first = next((_cell_text(v) for v in values if not _blank(v)), "")
    return re.sub(r"\s", "", first).startswith(_FILLER)


def locate(raw: RawSheet, specs: list[FieldSpec]) -> Sheet:
    """The header among the first rows (the row, or pair of rows, naming the most known
    columns; titles and 填报单位 lines above it are skipped) and the data rows below it,
    without totals, notes and repeated headers."""
    by_name = _field_names(specs)
    rows = raw.rows
    best: tuple[int, int, int, list[str]] | None = None  # (score, index, header rows, headers)
    for idx, (number, values) in enumerate(rows[:HEADER_SEARCH_ROWS]):
        single = [_cell_text(v) for v in values]
        cand = (_score(single, by_name), idx, 1, single)
        if idx + 1 < len(rows) and rows[idx + 1][0] == number + 1:
            below = rows[idx + 1][1]
            two = _combine(values, below, by_name)
            score = _score(two, by_name)
            # Two rows only when together they name more than either alone (a title over
            # a header is a title, not half of the header).
            if score > cand[0] and score > _score([_cell_text(v) for v in below], by_name):
                cand = (score, idx, 2, two)
        if best is None or cand[0] > best[0]:
            best = cand
    if best is None or best[0] == 0:
        first = rows[0] if rows else (0, [])
        return Sheet(first[0], [_cell_text(v) for v in first[1]], [], raw.name, None, 1, 0)
    score, idx, count, headers = best
    header_row = rows[idx + count - 1][0]
    above = [_cell_text(v) for _, values in rows[:idx] for v in values]
    year = _year_of([raw.name, *above])
    key = [_normalise_header(h) for h in headers]
    data = []
    for number, values in rows[idx + count :]:
        if _is_filler(values):
            continue
        if [_normalise_header(_cell_text(v)) for v in values] == key[: len(values)]:
            continue  # the header repeated (a sheet printed page by page)
        data.append((number, values))
    return Sheet(header_row, headers, data, raw.name, year, count, score)


def read_sheet(path: Path, specs: list[FieldSpec] | None = None) -> Sheet:
    """The first worksheet with its header found (by every kind's names unless ``specs``)."""
    if specs is None:
        specs = [s for _label, kind_specs in import_kinds().values() for s in kind_specs]
    book = read_book(path)
    return locate(book[0], specs) if book else Sheet(0, [], [])


def _map_columns(
    sheet: Sheet, specs: list[FieldSpec], columns: dict[str, str] | None = None
) -> tuple[dict[str, int], list[str], list[str]]:
    """field key → column index; the missing required labels; the columns not recognised.
    ``columns`` (header → field label or key, or 忽略) overrides the automatic choice."""
    by_name = _field_names(specs)
    by_label = {s.label: s for s in specs} | {s.key: s for s in specs}
    chosen = {_normalise_header(h): t for h, t in (columns or {}).items()}
    mapping: dict[str, int] = {}
    ignored = []
    for i, h in enumerate(sheet.headers):
        if not h:
            continue
        n = _normalise_header(h)
        if n in chosen:
            target = chosen[n]
            if target == IGNORE:
                continue
            spec = by_label.get(target)
            if spec is None:
                raise ValidationError(
                    f"“{shown(h)}”列对应的“{shown(target)}”不是可导入的项目；可用："
                    + "、".join(s.label for s in specs)
                )
            mapping[spec.key] = i
            continue
        spec = by_name.get(n)
        if spec is None or spec.key in mapping:
            if h not in ("序号",):
                ignored.append(h)
            continue
        mapping[spec.key] = i
    missing = [s.label for s in specs if s.required and s.key not in mapping]
    return mapping, missing, ignored


def _assumptions(sheet: Sheet, mapping: dict[str, int], specs: list[FieldSpec]) -> list[str]:
    out = []
    if sheet.header_rows == 2:
        out.append(f"第 {sheet.header_row - 1}–{sheet.header_row} 行为两行表头")
    elif sheet.header_row > 1:
        out.append(f"表头在第 {sheet.header_row} 行")
    labels = {s.key: s.label for s in specs}
    for key, i in mapping.items():
        h = sheet.headers[i]
        if _normalise_header(h) != _normalise_header(labels[key]):
            out.append(f"“{shown(h)}”→{labels[key]}")
    if sheet.year:
        out.append(f"没有年份的日期按 {sheet.year} 年")
    return out


# --- checking ------------------------------------------------------------------------------------


@dataclass
class CheckedRow:
    row: int
    values: list[Any]
    clean: dict[str, Any] | None  # None when refused
    problems: list[Problem]
    key: str = ""
    sheet: str = ""


def _status_of(clean: dict[str, Any]) -> None:
    """No status column: a 化解结果 that says 化解 means done, 调处中 in progress."""
    result = (clean.get("result") or "").strip()
    if clean.get("status") is not None or not result:
        return
    status = _STATUS_WORDS.get(result)
    if status is None:
        if any(w in result for w in _OPEN_WORDS):
            status = S.IN_PROGRESS
        elif any(w in result for w in ("不成", "未成", "失败")):
            status = None  # not resolved: it stays as registered, with the result kept
        else:
            status = S.DONE
    if status == S.DONE and not clean.get("unit_id"):
        status = S.ANSWERED  # done by the center itself (当场办结)
    elif status == S.IN_PROGRESS and not clean.get("unit_id"):
        status = None
    clean["status"] = status


def _matter_rules(clean: dict[str, Any]) -> dict[str, str]:
    problems = {}
    _status_of(clean)
    status = clean.get("status")
    if status in (S.ROUTED, S.IN_PROGRESS, S.DONE, S.FED_BACK) and not clean.get("unit_id"):
        problems["unit_id"] = f"状态为“{status.label}”时请填写承办单位"
    received, closed = clean.get("received_at"), clean.get("closed_at")
    if received and closed and closed < received:
        problems["closed_at"] = "办结时间不能早于受理时间"
    if closed and status in OPEN_STATUSES:
        problems["closed_at"] = f"状态为“{status.label}”的事项不应有办结时间"
    if clean.get("satisfaction") and status not in (S.FED_BACK, S.ARCHIVED):
        problems["satisfaction"] = "只有已反馈或已归档的事项才有满意度"
    if received and received > clock.now():
        problems["received_at"] = "受理时间不能晚于现在"
    return problems


_ADDED_KEYS = ("progress", "dispute_type")  # left out of a row's hash when empty


def _row_key(kind: str, clean: dict[str, Any]) -> str:
    def plain(v):
        if isinstance(v, Enum):
            return v.value
        if isinstance(v, uuid.UUID | date | datetime | Decimal):
            return str(v)
        return v

    items = [(k, plain(v)) for k, v in clean.items() if not (k in _ADDED_KEYS and v is None)]
    payload = json.dumps([kind, sorted(items)], ensure_ascii=False)
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()


def _dispute_category(text: str, names: Names) -> tuple[str, str] | None:
    """A dispute type of the 人民调解 statistics (邻里纠纷, 婚姻家庭纠纷 …) → (the program's
    category 矛盾纠纷 or 家事纠纷, the dispute type kept)."""
    base = re.sub(r"(纠纷|矛盾|争议|问题|类)+$", "", re.sub(r"\s", "", text))
    if len(base) < 2:
        return None
    found = _DISPUTE_SYNONYMS.get(base)
    if found is None:
        found = next((d for d in DisputeType if base in d.label or d.label in base), None)
    if found is None:
        return None
    category = "家事纠纷" if found == DisputeType.MARRIAGE_FAMILY else "矛盾纠纷"
    return (category, found.label) if category in names.categories else None


_NO_YEAR = re.compile(r"\s*(\d{1,2})\s*月\s*(\d{1,2})\s*日?(\s+\d{1,2}:\d{2}(?::\d{2})?)?\s*")


class _Values:
    """Cell values that don't match mapped to ones that do, counted for the report."""

    def __init__(
        self,
        specs: list[FieldSpec],
        names: Names,
        given: dict[str, dict[str, str]],
        headers: dict[str, str],
    ):
        """``given``: by field label, key or the sheet's header (``headers``: header → key)."""
        self.names, self.labels = names, {s.key: s.label for s in specs}
        by_label = {s.label: s.key for s in specs} | headers
        self.given: dict[str, dict[str, str]] = {}
        for k, v in (given or {}).items():
            key = by_label.get(k) or by_label.get(_normalise_header(k), k)
            self.given.setdefault(key, {}).update(v)
        self.used: Counter[tuple[str, str, str]] = Counter()

    def apply(self, raw: dict[str, Any], clean_extra: dict[str, Any]) -> None:
        for key, target in list(raw.items()):
            text = _cell_text(target)
            if not text:
                continue
            mapped = self.given.get(key, {}).get(text)
            if mapped is not None:
                raw[key] = mapped
                self.used[(key, text, mapped)] += 1
            elif key == "category_id" and text not in self.names.categories:
                found = _dispute_category(text, self.names)
                if found:
                    raw[key] = found[0]
                    clean_extra["dispute_type"] = found[1]
                    self.used[(key, text, f"{found[0]} · {found[1]}")] += 1
            elif key == "status" and text in _STATUS_WORDS and text != _STATUS_WORDS[text].label:
                raw[key] = _STATUS_WORDS[text].label
                self.used[(key, text, _STATUS_WORDS[text].label)] += 1

    def lines(self) -> list[str]:
        return [
            f"{self.labels[k]}：{src}（{n} 行）→ {dst}"
            for (k, src, dst), n in sorted(self.used.items(), key=lambda x: -x[1])
        ]


Progress = Callable[[str, int, int], bool]  # (phase, done, total) → go on?


@read_op
def check_rows(
    session: Session,
    kind: str,
    sheet: Sheet,
    report: ImportReport,
    progress: Progress | None,
    *,
    columns: dict[str, str] | None = None,
    values: dict[str, dict[str, str]] | None = None,
    year: int | None = None,
    sheet_label: str = "",
) -> list[CheckedRow]:
    label, specs = import_kinds()[kind]
    if not sheet.headers:
        report.problems.append(Problem(0, "", "表格是空的，没有表头也没有数据", sheet_label))
        return []
    mapping, missing, ignored = _map_columns(sheet, specs, columns)
    report.ignored_columns += [h for h in ignored if h not in report.ignored_columns]
    if missing:
        expected = "、".join(s.label + ("（必填）" if s.required else "") for s in specs)
        report.problems.append(
            Problem(
                sheet.header_row,
                "、".join(missing),
                f"表头缺少必填列（已在前 {HEADER_SEARCH_ROWS} 行里找过表头）。可用的列：{expected}",
                sheet_label,
            )
        )
        return []
    if not sheet.rows:
        report.problems.append(
            Problem(sheet.header_row, "", "表格只有表头，没有数据行", sheet_label)
        )
        return []
    report.assumed += [a for a in _assumptions(sheet, mapping, specs) if a not in report.assumed]
    year = year or sheet.year
    names = Names.load(session)
    headers = {_normalise_header(sheet.headers[i]): key for key, i in mapping.items()}
    value_map = _Values(specs, names, values or {}, headers)
    labels = {s.key: s.label for s in specs}
    dated = {s.key for s in specs if s.kind in ("date", "datetime")}
    checked = []
    total = len(sheet.rows)
    for n, (row, cells) in enumerate(sheet.rows, start=1):
        raw = {key: cells[i] if i < len(cells) else None for key, i in mapping.items()}
        if all(_blank(v) for v in raw.values()):
            continue  # a row with only its 序号 filled in (an unused line of a template)
        problems: dict[str, str] = {}
        for key in dated & raw.keys():
            v = raw[key]
            if isinstance(v, str) and (m := _NO_YEAR.fullmatch(v)):
                if year:
                    raw[key] = f"{year}年{m[1]}月{m[2]}日{m[3] or ''}"
                else:
                    problems[key] = (
                        f"“{shown(v.strip())}”没有年份：请在表格标题或工作表名写明年份"
                        "（如“2026年”），或导入时指定年份"
                    )
        extra: dict[str, Any] = {}
        if kind in _MATTER_KINDS:
            value_map.apply(raw, extra)
        clean, found_problems = clean_values(specs, raw, names)
        found_problems.update(problems)
        if not found_problems:
            if kind in _MATTER_KINDS:
                clean.update(extra)
                found_problems = _matter_rules(clean)
            else:
                found_problems = check_register(kind, clean, names)
        found = [Problem(row, labels[k], msg, sheet_label) for k, msg in found_problems.items()]
        item = CheckedRow(row, cells, None if found else clean, found, sheet=sheet.name)
        if not found:
            item.key = _row_key(kind, clean)
        checked.append(item)
        if progress and n % 200 == 0 and not progress("检查", n, total):
            raise ImportCancelled()
    report.assumed += [a for a in value_map.lines() if a not in report.assumed]
    if kind in IMPORT_ONLY and "matter_id" in mapping:
        _linked_matters(session, checked, labels["matter_id"], sheet_label)
    return checked


# --- writing -------------------------------------------------------------------------------------


class _MatterWriter:
    """Writes one batch of new rows' matters. Everything a row needs from the database is
    read once for the batch (people by ID number, a run of 受理编号 per year, the reference
    names), and the rows go in as a few multi-row INSERTs rather than one ORM object (and one
    change-log statement) at a time, so 10,000 rows take seconds, not half a minute. The
    exchange change log and the name snapshots the ORM would keep are written here too."""

    def __init__(
        self,
        session: Session,
        actor: Actor,
        file_name: str,
        rows: list[CheckedRow],
        channel: Channel = Channel.VISIT,
    ):
        self.session, self.actor, self.file_name = session, actor, file_name
        self.channel = channel
        self.settings = load_settings(session)
        self.cal = WorkCalendar.load(session)
        self.categories = {c.id: c for c in session.scalars(select(Category))}
        self.units = {i: n for i, n in session.execute(select(Unit.id, Unit.name))}
        self.villages = {i: n for i, n in session.execute(select(Village.id, Village.name))}
        self.people: dict[str, dict[str, Any]] = {}  # by ID number: the person's row
        self.name_keys: dict[str, tuple[str, str]] = {}
        self.deadlines: dict[tuple[date, uuid.UUID], date] = {}
        known = sorted({r.clean["id_number"] for r in rows if r.clean.get("id_number")})
        for i in range(0, len(known), 500):
            for p in session.execute(
                select(Person.id, Person.id_number, Person.village_id)
                .where(Person.id_number.in_(known[i : i + 500]))
                .order_by(Person.id)
            ):
                self.people.setdefault(p.id_number, {"id": p.id, "village_id": p.village_id})
        # Numbers in sheet order, taken per year in one step, in this batch's own transaction:
        # gap-free, because the batch writes exactly the numbers it takes or none of them.
        years = Counter(r.clean["received_at"].year for r in rows)
        s = self.settings
        self.seqs = {y: next_seq(session, s.prefix, y, s.terminal, n) for y, n in years.items()}
        # Who registered an imported matter: the importing user; from the command line (no one
        # logged in) the center's first administrator stands in.
        self.receptionist_id = actor.user_id or session.scalar(
            select(User.id).where(User.role == Role.ADMIN).order_by(User.created_at).limit(1)
        )
        self.new_people: list[dict[str, Any]] = []
        self.new_ids: set[uuid.UUID] = set()  # of new_people
        self.changed_people: dict[uuid.UUID, dict[str, Any]] = {}
        self.matters: list[dict[str, Any]] = []
        self.links: list[dict[str, Any]] = []
        self.events: list[dict[str, Any]] = []

    def person(self, clean: dict[str, Any]) -> dict[str, Any]:
        idn = clean.get("id_number")
        person = self.people.get(idn) if idn else None
        changes = {}
        if clean.get("phone"):
            changes["phone"] = clean["phone"]
            changes["phone_tail"] = re.sub(r"\D", "", clean["phone"])[-4:] or None
        if clean.get("address"):
            changes["address"] = clean["address"]
        if clean.get("village_id"):
            changes["village_id"] = clean["village_id"]
        if person is None:
            name = clean["name"]
            keys = clean.get("_keys")  # worked out while staging, outside the write lock
            if keys is None and name not in self.name_keys:
                self.name_keys[name] = name_keys(name)
            pinyin, initials = keys or self.name_keys[name]
            person = {
                "id": uuid.uuid4(),
                "name": name,
                "id_number": idn,
                "name_pinyin": pinyin,
                "name_initials": initials,
                "name_pinyin_typed": None,
                "phone": None,
                "phone_tail": None,
                "address": None,
                "village_id": None,
                "created_at": clock.now(),
            }
            self.new_people.append(person)
            self.new_ids.add(person["id"])
        elif changes and person["id"] not in self.new_ids:  # a new one is inserted as it ends
            self.changed_people.setdefault(person["id"], {}).update(changes)
        person.update(changes)
        if idn:
            self.people[idn] = person
        return person

    def _event(self, matter_id, kind, note, at, from_status, to_status) -> None:
        self.events.append(
            {
                "id": uuid.uuid4(),
                "matter_id": matter_id,
                "at": at.replace(microsecond=0),
                "user_id": self.actor.user_id,
                "kind": kind,
                "from_status": from_status,
                "to_status": to_status,
                "note": note or None,
            }
        )

    def write(self, row: int, clean: dict[str, Any], sheet: str = "") -> uuid.UUID:
        at = clean["received_at"]
        cat = self.categories[clean["category_id"]]
        status = clean.get("status") or (S.ROUTED if clean.get("unit_id") else S.REGISTERED)
        closed = clean.get("closed_at") or (at if status in _CLOSED else None)
        seq = self.seqs[at.year]
        self.seqs[at.year] += 1
        st = self.settings
        number = format_number(st.number_format, st.prefix, at.year, st.terminal, seq)
        due_key = (at.date(), cat.id)
        if due_key not in self.deadlines:
            self.deadlines[due_key] = self.cal.deadline(at, cat.limit_kind, cat.limit_days).due
        person = self.person(clean)
        matter_id = uuid.uuid4()
        unit_id = clean.get("unit_id")
        self.matters.append(
            {
                "id": matter_id,
                "number": number,
                "prefix": st.prefix,
                "year": at.year,
                "terminal": st.terminal,
                "seq": seq,
                "channel": clean.get("channel") or self.channel,
                "category_id": cat.id,
                "summary": clean["summary"],
                "unit_id": unit_id,
                "category_name": cat.name,
                "unit_name": self.units.get(unit_id) if unit_id else None,
                "village_name": self.villages.get(person["village_id"]),
                "handler_name": clean.get("handler_name"),
                "receptionist_id": self.receptionist_id,
                "status": status,
                "received_at": at,
                "deadline": self.deadlines[due_key],
                "answer": clean.get("result") if status == S.ANSWERED else None,
                "result": clean.get("result") if status != S.ANSWERED else None,
                "satisfaction": clean.get("satisfaction"),
                "feedback_at": closed if clean.get("satisfaction") else None,
                "closed_at": closed,
                "created_at": at,
                "updated_at": at,
            }
        )
        self.links.append({"matter_id": matter_id, "person_id": person["id"], "position": 0})
        old = f"，原编号 {clean['old_number']}" if clean.get("old_number") else ""
        if clean.get("dispute_type"):
            old += f"，纠纷类型：{clean['dispute_type']}"
        where = f"工作表“{sheet}”" if sheet else ""
        note = f"从表格导入：{self.file_name} {where}第 {row} 行{old}"
        self._event(matter_id, EventKind.REGISTERED, note, at, None, S.REGISTERED)
        if clean.get("progress"):
            self._event(matter_id, EventKind.PROGRESS, clean["progress"], at, None, None)
        if status != S.REGISTERED:  # as flow.take_over: the status its record had
            self._event(
                matter_id,
                EventKind.STATUS,
                f"导入时的状态：{status.label}",
                closed or at,
                S.REGISTERED,
                status,
            )
        return matter_id

    def flush(self) -> None:
        """The batch's rows, a statement per table (and one per kind of change to people
        known before), and their lines in the change log. The statements run on the
        connection, and the batch is counted into the tallies once for all of them."""
        s = self.session
        conn = s.connection()
        moved = [pid for pid, changes in self.changed_people.items() if "village_id" in changes]
        visited = set()  # matters whose first visitor may move to another village
        for i in range(0, len(moved), 500):
            visited.update(
                conn.scalars(
                    select(MatterPerson.matter_id).where(
                        MatterPerson.person_id.in_(moved[i : i + 500]), MatterPerson.position == 0
                    )
                )
            )
        with tallies.counted(conn, visited, [m["id"] for m in self.matters]):
            if self.new_people:
                conn.execute(insert(Person.__table__), self.new_people)
            by_columns: dict[tuple[str, ...], list[dict[str, Any]]] = {}
            for person_id, changes in self.changed_people.items():
                by_columns.setdefault(tuple(sorted(changes)), []).append(
                    {"_person": person_id, **changes}
                )
            people = Person.__table__
            for columns, rows in by_columns.items():
                conn.execute(
                    update(people)
                    .where(people.c.id == bindparam("_person"))
                    .values({c: bindparam(c) for c in columns}),
                    rows,
                )
            if self.matters:
                conn.execute(insert(Matter.__table__), self.matters)
                conn.execute(insert(MatterPerson.__table__), self.links)
                conn.execute(insert(MatterEvent.__table__), self.events)
        if self.new_people:
            changelog.log_inserts(s, Person.__table__, [[p["id"]] for p in self.new_people])
        if self.changed_people:
            changelog.log_changes(
                s, Person.__table__, [[pid] for pid in self.changed_people], "update"
            )
        if self.matters:
            changelog.log_inserts(s, Matter.__table__, [[m["id"]] for m in self.matters])
            changelog.log_inserts(
                s, MatterPerson.__table__, [[x["matter_id"], x["person_id"]] for x in self.links]
            )
            changelog.log_inserts(s, MatterEvent.__table__, [[e["id"]] for e in self.events])
        self.new_people, self.changed_people, self.matters, self.links, self.events = (
            [],
            {},
            [],
            [],
            [],
        )
        self.new_ids = set()


# What an XLSX cannot hold (XML 1.0): control characters, surrogates, U+FFFE and U+FFFF.
_NOT_IN_XLSX = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def _write_refused(path: Path, sheets: list[Sheet], refused: list[CheckedRow]) -> Path:
    """The refused rows in their sheet's layout (its header, then the rows as they were, with
    the original row number first and the reason last), to be fixed and imported again."""
    from openpyxl import Workbook

    def cells(values: list[Any]) -> list[Any]:
        return [_NOT_IN_XLSX.sub("\ufffd", v) if isinstance(v, str) else v for v in values]

    out = path.with_name(f"{path.stem}.未导入.xlsx")
    wb = Workbook()
    wb.remove(wb.active)
    for sheet in sheets:
        rows = [r for r in refused if r.sheet == sheet.name]
        if not rows:
            continue
        title = re.sub(r"[\[\]:*?/\\]", "_", sheet.name)[:31] if len(sheets) > 1 else ""
        ws = wb.create_sheet(title or "未导入的行")
        ws.append(cells(["原行号", *sheet.headers, "未导入的原因"]))
        width = len(sheet.headers)
        for r in rows:
            reason = "；".join(f"{p.column}：{p.message}" for p in r.problems)
            values = list(r.values) + [None] * (width - len(r.values))
            ws.append(cells([r.row, *values, reason]))
        for row in ws.iter_rows():
            for cell in row:
                if cell.data_type == "f":  # text that begins with "=" stays text, never a formula
                    cell.data_type = "s"
        ws.freeze_panes = "A2"
    wb.save(out)
    return out


def _pick_sheets(book: list[RawSheet], wanted: list[str] | None, name: str) -> list[RawSheet]:
    if not wanted:
        return [b for b in book if b.rows] or book[:1]
    by_name = {b.name: b for b in book}
    unknown = [w for w in wanted if w not in by_name]
    if unknown:
        raise ValidationError(
            f"{name} 里没有工作表“{shown(unknown[0])}”；有：" + "、".join(by_name)
        )
    return [by_name[w] for w in wanted]


@read_op
def preview(
    session: Session, kind: str, path: Path, *, sheets: list[str] | None = None
) -> list[Sheet]:
    """The sheets as the import would read them (header found, data rows), for the mapping step."""
    specs = import_kinds()[kind][1]
    path = Path(path)
    book = _pick_sheets(read_book(path), sheets, path.name)
    return [locate(b, specs) for b in book]


# How many rows a transaction of an import writes: small enough that a registration on
# another window or terminal waits well under a second for the write lock, large enough
# that the import's own per-transaction costs stay small.
BATCH_ROWS = 250
# Staging a row is one small INSERT into one table: a staging transaction takes this many
# times as many rows and still holds the lock for a fraction of a second (fewer commits: each
# waits for the disk, which on a big database costs more than the rows).
STAGE_BATCHES = 8
# A job still staging after this long without a step was stopped (killed, crashed): its
# staged rows are dropped by the next import or ``resume_imports``.
STALE_SECONDS = 300
# SQLite has no queue for its write lock: a registration waiting for it looks again every
# 100 ms or so (its busy handler), and back-to-back batches would hold it at every look. So
# after each YIELD_EVERY seconds of batches the import pauses YIELD_SECONDS, in which a
# waiting registration takes the lock. (PostgreSQL's advisory lock queues its waiters.)
YIELD_EVERY = 0.4
YIELD_SECONDS = 0.11


class _Pacer:
    def __init__(self, tx: Transactions):
        self.tx, self.since, self.sqlite = tx, time.monotonic(), None

    def batch_done(self, session: Session) -> None:
        if self.sqlite is None:
            self.sqlite = session.get_bind().dialect.name == "sqlite"

    def pause(self) -> None:
        """Called between two transactions: lets a waiting writer in now and then."""
        if not (self.sqlite and self.tx.commits):
            return
        if time.monotonic() - self.since >= YIELD_EVERY:
            time.sleep(YIELD_SECONDS)
            self.since = time.monotonic()


_ENUMS: dict[str, type[Enum]] = {}


def _pack(clean: dict[str, Any]) -> str:
    """A row's cleaned values as JSON with their types tagged (no pickle: a file edited by
    someone else must not be able to run code)."""

    def tag(v: Any) -> Any:
        if isinstance(v, Enum):
            _ENUMS.setdefault(type(v).__name__, type(v))
            return ["enum", type(v).__name__, v.value]
        if isinstance(v, uuid.UUID):
            return ["uuid", str(v)]
        if isinstance(v, datetime):
            return ["datetime", v.isoformat()]
        if isinstance(v, date):
            return ["date", v.isoformat()]
        if isinstance(v, Decimal):
            return ["decimal", str(v)]
        if isinstance(v, list | tuple):
            return ["list", list(v)]  # of plain values (a name's search keys)
        return v

    return json.dumps({k: tag(v) for k, v in clean.items()}, ensure_ascii=False)


def _unpack(payload: str) -> dict[str, Any]:
    def untag(v: Any) -> Any:
        if not isinstance(v, list):
            return v
        if v[0] == "enum":
            return _enum_type(v[1])(v[2])
        if v[0] == "uuid":
            return uuid.UUID(v[1])
        if v[0] == "datetime":
            return datetime.fromisoformat(v[1])
        if v[0] == "date":
            return date.fromisoformat(v[1])
        if v[0] == "decimal":
            return Decimal(v[1])
        if v[0] == "list":
            return v[1]
        raise ValueError(f"staged value of unknown type {v[0]!r}")

    return {k: untag(v) for k, v in json.loads(payload).items()}


def _enum_type(name: str) -> type[Enum]:
    if name not in _ENUMS:
        for _label, specs in import_kinds().values():
            for spec in specs:
                if spec.choices is not None:
                    _ENUMS.setdefault(spec.choices.__name__, spec.choices)
        _ENUMS.setdefault(MatterStatus.__name__, MatterStatus)
    return _ENUMS[name]


@batched_write_op(Change.MATTERS, Change.REGISTERS)
def import_sheet(
    tx: Transactions,
    actor: Actor,
    kind: str,
    path: Path,
    *,
    skip_invalid: bool = False,
    progress: Progress | None = None,
    sheets: list[str] | None = None,
    columns: dict[str, str] | None = None,
    values: dict[str, dict[str, str]] | None = None,
    year: int | None = None,
    template_name: str | None = None,
) -> ImportReport:
    """Check every row, then import (all, or the valid ones with ``skip_invalid``).

    ``sheets``: the worksheets to import (default: every one with data); ``columns``: header
    → field label (or 忽略) where the automatic mapping is not wanted; ``values``: field
    label → {cell text → value}; ``year``: for dates written without one (3月12日);
    ``template_name``: a saved mapping (``columns`` and ``values`` given override it).

    It commits in short transactions (``BATCH_ROWS`` rows each), so registrations on other
    windows and terminals wait at most a moment, and it is still all or nothing:

    1. every row is read and checked in a read transaction: problems, and nothing is written;
    2. the new rows are *staged* (``import_staged_rows``, invisible to every list, search and
       ledger) in batches. Cancelled, failed or killed here, nothing was imported: the staged
       rows are deleted, at once or (after a kill) by the next import;
    3. the commit point: one short transaction marks the job ``ready`` and writes the audit
       row. From here the import is committed;
    4. the staged rows move into the records a batch per transaction, each batch taking its
       受理编号 in the same transaction (so numbers stay gap-free, and numbers of
       registrations made meanwhile simply follow). A program stopped here leaves the rest
       staged, and ``resume_imports`` (run by the next import, ``zongzhi check`` and the
       start of the GUI) finishes it. While step 4 runs — seconds — other windows may see
       the import's first matters appear before its last, as they see anyone's new matters.

    Called with a session (inside a caller's transaction) every step is that transaction."""
    require(actor, Action.IMPORT_DATA)
    kinds = import_kinds()
    if kind not in kinds:
        raise ValidationError(f"不能导入“{kind}”；可导入：" + "、".join(kinds))
    if kind not in _MATTER_KINDS:
        require(actor, Action.EDIT_REGISTERS)
    path = Path(path)
    if not path.is_file():
        raise ValidationError(f"找不到文件 {path}")
    label, specs = kinds[kind]
    report = ImportReport(kind, label, path.name)
    with tx.read() as session:
        if template_name:
            saved = template(session, template_name)
            if saved.kind != kind:
                raise ValidationError(f"导入模板“{shown(saved.name)}”用于{kinds[saved.kind][0]}")
            columns = {**saved.columns, **(columns or {})}
            values = {k: {**saved.values.get(k, {}), **(values or {}).get(k, {})}
                      for k in {*saved.values, *(values or {})}}  # fmt: skip
        book = _pick_sheets(read_book(path), sheets, path.name)
        located = [locate(b, specs) for b in book]
        if not template_name and not columns and located:
            offered = [t.name for t in templates(session, kind) if t.fits(located[0].headers)]
            if offered:
                report.assumed.append(f"有表头相同的导入模板“{offered[0]}”，可选用")
        if len(located) > 1 and not sheets:  # a workbook's notes or 说明 sheet is left alone
            usable = [sh for sh in located if sh.found >= 2]
            for sh in located:
                if sh not in usable:
                    report.assumed.append(f"工作表“{sh.name}”没有找到表头，未导入")
            located = usable or located[:1]
        named = len(book) > 1
        checked: list[CheckedRow] = []
        for sh in located:
            report.rows += len(sh.rows)
            checked += check_rows(
                session,
                kind,
                sh,
                report,
                progress,
                columns=columns,
                values=values,
                year=year,
                sheet_label=sh.name if named else "",
            )
        refused = [r for r in checked if r.clean is None]
        for r in refused:
            report.problems += r.problems
        good = [r for r in checked if r.clean is not None]
        report.valid = len(good)
        if report.problems and (not skip_invalid or not checked):
            report.checked_only = True
            return report
        known = _known_keys(session, kind, [r.key for r in good])
    new: list[CheckedRow] = []
    for r in good:  # a row seen before, or twice in this sheet, is imported once
        if r.key in known:
            report.already += 1
        else:
            known.add(r.key)
            new.append(r)
    resume_imports(tx, actor)  # an import stopped before this one, finished or dropped first
    job_id = _stage(tx, actor, kind, path.name, named, new, progress)
    report.imported = len(new)
    if refused:
        report.refused_rows = len(refused)
        report.refused_file = _write_refused(path, located, refused)
    with tx.write() as session:  # the commit point
        job = session.get(ImportJob, job_id)
        job.state, job.touched_at = "ready", clock.now()
        audit.record(
            session,
            actor,
            f"import_{kind}",
            object_type=kind,
            reason=f"{path.name}：导入 {report.imported} 行，跳过已导入 {report.already} 行，"
            f"未导入 {len(refused)} 行",
        )
    _apply(tx, actor, job_id, progress, len(new))
    if progress:
        progress("导入", len(new), len(new))
    return report


def _stage(
    tx: Transactions,
    actor: Actor,
    kind: str,
    file_name: str,
    named: bool,
    rows: list[CheckedRow],
    progress: Progress | None,
) -> uuid.UUID:
    """The checked rows into ``import_staged_rows``, a batch per transaction; cancelled or
    failed, the job and its staged rows are deleted and the error raised."""
    job_id = uuid.uuid4()
    keys: dict[str, tuple[str, str]] = {}
    if kind in _MATTER_KINDS:  # a name's search keys: CPU work, done before any lock is held
        for r in rows:
            if r.clean["name"] not in keys:
                keys[r.clean["name"]] = name_keys(r.clean["name"])
    with tx.write() as session:
        session.execute(
            insert(ImportJob.__table__).values(
                id=job_id,
                kind=kind,
                file_name=file_name[:255],
                sheet_named=named,
                user_id=actor.user_id,
                state="staging",
                rows=len(rows),
                created_at=clock.now(),
                touched_at=clock.now(),
            )
        )
    pacer = _Pacer(tx)
    try:
        step = BATCH_ROWS * STAGE_BATCHES
        for start in range(0, len(rows), step):
            batch = rows[start : start + step]
            staged = [  # packed before the transaction: the lock is held only to write
                {
                    "job_id": job_id,
                    "n": start + i,
                    "row_hash": r.key,
                    "payload": _pack(
                        {**r.clean, "_row": r.row, "_sheet": r.sheet if named else ""}
                        | ({"_keys": keys[r.clean["name"]]} if keys else {})
                    ),
                }
                for i, r in enumerate(batch)
            ]
            with tx.write() as session:
                session.execute(insert(StagedRow.__table__), staged)
                session.execute(
                    update(ImportJob.__table__)
                    .where(ImportJob.id == job_id)
                    .values(touched_at=clock.now())
                )
                pacer.batch_done(session)
            pacer.pause()
            done = start + len(batch)
            if progress and not progress("导入", done // 4, len(rows)):
                raise ImportCancelled()
    except BaseException:
        # In its own transactions the staged rows are deleted now; inside a caller's one
        # (which may be failed already) the caller's rollback takes them.
        with contextlib.suppress(Exception), tx.write() as session:
            _drop_job(session, job_id)
        raise
    return job_id


def _drop_job(session: Session, job_id: uuid.UUID) -> None:
    session.execute(delete(StagedRow.__table__).where(StagedRow.job_id == job_id))
    session.execute(delete(ImportJob.__table__).where(ImportJob.id == job_id))


def _apply(
    tx: Transactions,
    actor: Actor,
    job_id: uuid.UUID,
    progress: Progress | None = None,
    total: int = 0,
) -> int:
    """Move a ready job's staged rows into the records, ``BATCH_ROWS`` per transaction, until
    none is left; then the job goes. Returns the rows written. Not cancellable: committed."""
    written = 0
    pacer = _Pacer(tx)
    while True:
        with tx.write() as session:
            job = session.get(ImportJob, job_id)
            if job is None:
                return written
            staged = list(
                session.execute(
                    select(StagedRow.n, StagedRow.row_hash, StagedRow.payload)
                    .where(StagedRow.job_id == job_id)
                    .order_by(StagedRow.n)
                    .limit(BATCH_ROWS)
                )
            )
            if not staged:
                session.delete(job)
                return written
            rows = []
            for _n, key, payload in staged:
                clean = _unpack(payload)
                row, sheet = clean.pop("_row"), clean.pop("_sheet")
                rows.append(CheckedRow(row, [], clean, [], key=key, sheet=sheet))
            # A row another import wrote meanwhile (the same sheet twice at once) is skipped.
            known = _known_keys(session, job.kind, [r.key for r in rows])
            rows = [r for r in rows if r.key not in known]
            _write_rows(session, actor, job, rows)
            session.execute(
                delete(StagedRow.__table__).where(
                    StagedRow.job_id == job_id, StagedRow.n <= staged[-1][0]
                )
            )
            job.touched_at = clock.now()
            written += len(rows)
            pacer.batch_done(session)
        pacer.pause()
        if progress and total:
            progress("导入", total // 4 + (total - total // 4) * written // total, total)


def _write_rows(session: Session, actor: Actor, job: ImportJob, rows: list[CheckedRow]) -> None:
    if not rows:
        return
    imported: list[dict[str, Any]] = []
    if job.kind in _MATTER_KINDS:
        channel = Channel.INSPECTION if job.kind == "disputes" else Channel.VISIT
        writer = _MatterWriter(session, actor, job.file_name, rows, channel)
        for r in rows:
            object_id = writer.write(r.row, r.clean, r.sheet)
            imported.append({"kind": job.kind, "row_hash": r.key, "object_id": object_id})
        writer.flush()
    else:
        at = clock.now()
        for r in rows:
            record = new_record(session, actor, job.kind, r.clean)
            imported.append({"kind": job.kind, "row_hash": r.key, "object_id": record.id})
            if job.kind == "aid" and r.clean.get("matter_id"):  # the matter's timeline says so
                note = (
                    f"导入社会救助：{record.aid_type.label} {record.amount:.2f} 元，"
                    f"救助对象 {record.name}（{job.file_name}）"
                )
                session.add(timeline.record_in_bulk(actor, r.clean["matter_id"], EventKind.AID,
                                                    note, at=at))  # fmt: skip
        session.flush()
    at = clock.now()
    for x in imported:
        x["imported_at"] = at
    session.execute(insert(ImportedRow.__table__), imported)
    changelog.log_inserts(
        session, ImportedRow.__table__, [[x["kind"], x["row_hash"]] for x in imported]
    )


@batched_write_op(Change.MATTERS, Change.REGISTERS)
def resume_imports(tx: Transactions, actor: Actor | None = None) -> int:
    """Finish the imports a stopped program left committed (``ready``) and drop the staged
    rows of those stopped before their commit point (``staging`` untouched for
    ``STALE_SECONDS``). Returns the rows written. Run by every import, ``zongzhi check`` and
    the GUI after log-in; safe to run from several terminals at once."""
    with tx.read() as session:
        jobs = list(
            session.execute(
                select(ImportJob.id, ImportJob.state, ImportJob.touched_at, ImportJob.user_id)
            )
        )
    written = 0
    stale = clock.now() - timedelta(seconds=STALE_SECONDS)
    for job_id, state, touched, user_id in jobs:
        if state == "ready":
            written += _apply(tx, _importer(tx, user_id, actor), job_id)
        elif touched < stale:
            with tx.write() as session:
                _drop_job(session, job_id)
    return written


def _importer(tx: Transactions, user_id: uuid.UUID | None, actor: Actor | None) -> Actor:
    """Who the finished rows are written for: the user who imported them."""
    if actor is not None and actor.user_id == user_id:
        return actor
    with tx.read() as session:
        user = session.get(User, user_id) if user_id else None
        if user is not None:
            return actor_for(user)
    return Actor.system()


def _known_keys(session: Session, kind: str, keys: list[str]) -> set[str]:
    """Which of ``keys`` are imported already (all of the kind's keys when there are many)."""
    if len(keys) <= 900:
        return set(
            session.scalars(
                select(ImportedRow.row_hash).where(
                    ImportedRow.kind == kind, ImportedRow.row_hash.in_(keys)
                )
            )
        )
    return set(session.scalars(select(ImportedRow.row_hash).where(ImportedRow.kind == kind)))


# --- templates -----------------------------------------------------------------------------------
# A mapping saved by name (中心设置 rows "import_template:名称"), offered again for a file
# whose headers are the same.

_TEMPLATE = "import_template:"


@dataclass
class Template:
    name: str
    kind: str
    headers: list[str]  # as the sheet had them
    columns: dict[str, str]  # header → field label or 忽略
    values: dict[str, dict[str, str]] = field(default_factory=dict)  # label → {cell → value}

    def fits(self, headers: list[str]) -> bool:
        return _header_key(self.headers) == _header_key(headers)


def _header_key(headers: list[str]) -> list[str]:
    return [n for h in headers if (n := _normalise_header(h or ""))]


@write_op(Change.SETTINGS)
def save_template(session: Session, actor: Actor, template: Template) -> None:
    require(actor, Action.IMPORT_DATA)
    name = (template.name or "").strip()
    if not name or len(name) > 40 or _NOT_IN_XLSX.search(name):
        raise ValidationError("模板名称请填写，最多 40 字")
    if template.kind not in import_kinds():
        raise ValidationError(f"不能导入“{shown(template.kind)}”")
    payload = json.dumps(
        {
            "kind": template.kind,
            "headers": template.headers,
            "columns": template.columns,
            "values": template.values,
        },
        ensure_ascii=False,
    )
    row = session.get(Setting, _TEMPLATE + name)
    if row is None:
        session.add(Setting(key=_TEMPLATE + name, value=payload))
    else:
        row.value = payload
    audit.record(session, actor, "import_template_saved", object_type="settings", reason=name)


@read_op
def templates(session: Session, kind: str | None = None) -> list[Template]:
    out = []
    for key, value in session.execute(
        select(Setting.key, Setting.value).where(Setting.key.startswith(_TEMPLATE))
    ):
        data = json.loads(value)
        if kind is None or data.get("kind") == kind:
            out.append(
                Template(
                    key[len(_TEMPLATE) :],
                    data["kind"],
                    data["headers"],
                    data["columns"],
                    data.get("values", {}),
                )
            )
    return sorted(out, key=lambda t: t.name)


@read_op
def template(session: Session, name: str) -> Template:
    found = [t for t in templates(session) if t.name == name]
    if not found:
        names = "、".join(t.name for t in templates(session)) or "（还没有）"
        raise ValidationError(f"没有叫“{shown(name)}”的导入模板；已有：{names}")
    return found[0]


# --- the mapping step ----------------------------------------------------------------------------


@dataclass
class ColumnPlan:
    index: int
    header: str
    samples: list[str]  # up to three values from the first data rows
    field: str  # the proposed field's label, or 忽略


@dataclass
class ValuePlan:
    field: str  # the field's label
    value: str  # as in the sheet
    rows: int
    target: str  # the proposed value ("" when none could be guessed)
    options: list[str]


@dataclass
class ImportPlan:
    """What the mapping step shows: the sheets, each column with its header and samples and
    the proposed field, the values that match nothing, and the saved templates that fit."""

    kind: str
    sheet_names: list[str]
    sheet: str  # the sheet shown (the first with a header)
    header_row: int
    columns: list[ColumnPlan]
    fields: list[str]  # every field's label, required ones marked by ``required``
    required: list[str]
    values: list[ValuePlan]
    year: int | None
    needs_year: bool
    templates: list[Template]

    def missing(self, chosen: dict[str, str]) -> list[str]:
        """The required fields no column is mapped to (``chosen``: header → label)."""
        mapped = set(chosen.values())
        return [r for r in self.required if r not in mapped]


def _sample(v: Any) -> str:
    if isinstance(v, datetime):
        return v.strftime("%Y-%m-%d %H:%M") if v.time() != datetime.min.time() else str(v.date())
    if isinstance(v, float) and v.is_integer() and abs(v) < 1e15:
        return str(int(v))
    return shown(_cell_text(v), 24)


@read_op
def plan(
    session: Session,
    kind: str,
    path: Path,
    *,
    sheets: list[str] | None = None,
    columns: dict[str, str] | None = None,
) -> ImportPlan:
    """The automatic mapping of ``path`` for the mapping step (nothing is written)."""
    label, specs = import_kinds()[kind]
    path = Path(path)
    book = read_book(path)
    picked = _pick_sheets(book, sheets, path.name)
    located = [locate(b, specs) for b in picked]
    sheet = max(located, key=lambda sh: sh.found) if located else Sheet(0, [], [])
    mapping, _missing, _ignored = _map_columns(sheet, specs, columns)
    by_index = {i: key for key, i in mapping.items()}
    labels = {s.key: s.label for s in specs}
    cols = []
    for i, h in enumerate(sheet.headers):
        if not h:
            continue
        samples = [
            _sample(cells[i]) for _n, cells in sheet.rows if i < len(cells) and not _blank(cells[i])
        ][:3]
        cols.append(ColumnPlan(i, h, samples, labels.get(by_index.get(i, ""), IGNORE)))
    names = Names.load(session)
    values: list[ValuePlan] = []
    year = sheet.year
    needs_year = False
    tables = {
        "category": names.categories,
        "village": names.villages,
        "unit": names.units,
        "grid": names.grids,
    }
    for spec in specs:
        if spec.key not in mapping:
            continue
        counts: Counter[str] = Counter()
        for sh in located:
            sh_map, _m, _i = _map_columns(sh, specs, columns)
            i = sh_map.get(spec.key)
            if i is None:
                continue
            for _n, cells in sh.rows:
                v = _cell_text(cells[i]) if i < len(cells) else ""
                if not v:
                    continue
                if spec.kind in ("date", "datetime") and _NO_YEAR.fullmatch(v) and not sh.year:
                    needs_year = True
                if spec.kind in tables and v not in tables[spec.kind]:
                    counts[v] += 1
        for v, n in counts.most_common():
            target = ""
            if spec.kind == "category":
                found = _dispute_category(v, names)
                target = found[0] if found else ""
            values.append(ValuePlan(spec.label, v, n, target, list(tables[spec.kind])))
    return ImportPlan(
        kind,
        [b.name for b in book],
        sheet.name,
        sheet.header_row,
        cols,
        [s.label for s in specs],
        [s.label for s in specs if s.required],
        values,
        year,
        needs_year,
        [t for t in templates(session, kind) if t.fits(sheet.headers)],
    )
