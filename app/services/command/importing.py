"""Import the sheets centers keep today (XLSX or CSV): matters and the registers.

Every row is checked first and every problem reported (row number, column, what is wrong);
with problems nothing is imported, unless ``skip_invalid``: then the valid rows go in and
the refused ones are written to a sheet beside the input, with the reason in a last column.
Each imported row leaves the hash of its cleaned values behind (``ImportedRow``), so the
same sheet imported twice adds nothing the second time. The import runs in the caller's
transaction: cancelled or failed, it leaves nothing behind.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import re
import uuid
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from enum import Enum
from pathlib import Path
from typing import Any
from zipfile import BadZipFile

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.core import clock
from app.core.errors import ServiceError, ValidationError
from app.core.ops import Change, read_op, write_op
from app.models import (
    OPEN_STATUSES,
    Category,
    Channel,
    EventKind,
    ImportedRow,
    Matter,
    MatterPerson,
    MatterStatus,
    Person,
    Role,
    Satisfaction,
    User,
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
)
from app.services.context import Actor
from app.services.pinyin import name_keys
from app.services.reception import flow, timeline
from app.services.reception.numbering import format_number, next_seq
from app.services.security import audit
from app.services.security.permissions import Action, require

S = MatterStatus
MATTER_FIELDS: list[FieldSpec] = [
    FieldSpec(
        "received_at", "受理时间", "datetime", True, aliases=("受理日期", "登记时间", "登记日期")
    ),
    FieldSpec("channel", "来源", "choice", choices=Channel, aliases=("来源渠道", "渠道")),
    FieldSpec("category_id", "类别", "category", True, aliases=("事项类别",)),
    FieldSpec("name", "姓名", "name", True, aliases=("群众", "群众姓名", "来访人", "当事人")),
    FieldSpec("id_number", "身份证号", "id", aliases=("公民身份号码", "身份证号码")),
    FieldSpec("phone", "联系电话", "phone", aliases=("电话", "手机号")),
    FieldSpec("village_id", "村社区", "village", aliases=("村（社区）", "所在村社区")),
    FieldSpec("address", "住址", "text", False, 120, aliases=("地址",)),
    FieldSpec("summary", "事项摘要", "text", True, 2000, aliases=("摘要", "诉求内容", "主要诉求")),
    FieldSpec("unit_id", "承办单位", "unit", aliases=("责任单位",)),
    FieldSpec("handler_name", "承办人", "text", False, 30),
    FieldSpec("status", "状态", "choice", choices=MatterStatus, aliases=("办理状态",)),
    FieldSpec("closed_at", "办结时间", "datetime", aliases=("办结日期",)),
    FieldSpec("result", "办理结果", "text", False, 2000),
    FieldSpec("satisfaction", "满意度", "choice", choices=Satisfaction),
    FieldSpec("old_number", "原编号", "text", False, 40, aliases=("原受理编号",)),
]
_CLOSED = {S.DONE, S.FED_BACK, S.ARCHIVED, S.ANSWERED, S.REJECTED, S.TRANSFERRED}


def import_kinds() -> dict[str, tuple[str, list[FieldSpec]]]:
    kinds = {"matters": ("事项", MATTER_FIELDS)}
    kinds.update(REGISTERS)
    return kinds


class ImportCancelled(ServiceError):
    def __init__(self):
        super().__init__("已取消导入，没有导入任何数据。")


@dataclass(frozen=True)
class Problem:
    row: int  # as numbered in the sheet (the header is usually row 1)
    column: str
    message: str

    def text(self) -> str:
        where = f"第 {self.row} 行" if self.row else "表格"
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

    def lines(self) -> list[str]:
        out = [f"{self.label}表格 {self.file}：共 {self.rows} 行数据，{self.valid} 行通过检查。"]
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
class Sheet:
    header_row: int
    headers: list[str]
    rows: list[tuple[int, list[Any]]]  # (row number, values)


def _blank(v: Any) -> bool:
    return v is None or (isinstance(v, str) and not v.strip())


def read_sheet(path: Path) -> Sheet:
    """The first worksheet of an XLSX, or a CSV in UTF-8 or GB 18030."""
    suffix = path.suffix.lower()
    if suffix == ".csv":
        raw = path.read_bytes()
        for enc in ("utf-8-sig", "gb18030"):
            try:
                text = raw.decode(enc)
                break
            except UnicodeDecodeError:
                continue
        else:  # bytes that are neither (a broken or binary file)
            raise ValidationError(f"{path.name} 的文字编码看不懂，请另存为 UTF-8 或 GB 18030")
        try:
            rows = list(enumerate(csv.reader(io.StringIO(text)), start=1))
        except csv.Error as exc:  # a cell past 131,072 characters, a stray quote …
            raise ValidationError(
                f"{path.name} 读不下去：某一格太长或引号不成对（{exc}），"
                "请在 Excel 中核对后另存为 .xlsx 再导入"
            ) from exc
    elif suffix in (".xlsx", ".xlsm"):
        # openpyxl (and numpy with it) is loaded here, not with the ledgers tab.
        from openpyxl import load_workbook
        from openpyxl.utils.exceptions import InvalidFileException

        try:
            wb = load_workbook(path, read_only=True, data_only=True)
        except (InvalidFileException, BadZipFile, KeyError, OSError, ValueError) as exc:
            raise ValidationError(f"{path.name} 打不开：不是有效的 Excel 文件（{exc}）") from exc
        try:
            ws = wb.worksheets[0]
            rows = [(i, list(r)) for i, r in enumerate(ws.iter_rows(values_only=True), start=1)]
        except (SyntaxError, BadZipFile, KeyError, OSError, ValueError, EOFError) as exc:
            # The sheet's XML itself is broken (SyntaxError: the XML parser's ParseError).
            raise ValidationError(f"{path.name} 打不开：表格内容已损坏（{exc}）") from exc
        finally:
            wb.close()
    else:
        raise ValidationError(
            f"只能导入 .xlsx 或 .csv 文件，{path.name} 不是（旧版 .xls 请先另存为 .xlsx）"
        )
    rows = [(i, r) for i, r in rows if not all(_blank(v) for v in r)]
    if not rows:
        return Sheet(0, [], [])
    header_row, header = rows[0]
    headers = [str(h).strip() if not _blank(h) else "" for h in header]
    return Sheet(header_row, headers, rows[1:])


def _normalise_header(h: str) -> str:
    return re.sub(r"[\s*＊:：（）()]", "", h)


def _map_columns(
    sheet: Sheet, specs: list[FieldSpec]
) -> tuple[dict[str, int], list[str], list[str]]:
    """field key → column index; the missing required labels; the columns not recognised."""
    by_name: dict[str, FieldSpec] = {}
    for spec in specs:
        for name in (spec.label, *spec.aliases):
            by_name[_normalise_header(name)] = spec
    mapping: dict[str, int] = {}
    ignored = []
    for i, h in enumerate(sheet.headers):
        if not h:
            continue
        spec = by_name.get(_normalise_header(h))
        if spec is None or spec.key in mapping:
            if h not in ("序号",):
                ignored.append(h)
            continue
        mapping[spec.key] = i
    missing = [s.label for s in specs if s.required and s.key not in mapping]
    return mapping, missing, ignored


# --- checking ------------------------------------------------------------------------------------


@dataclass
class CheckedRow:
    row: int
    values: list[Any]
    clean: dict[str, Any] | None  # None when refused
    problems: list[Problem]
    key: str = ""


def _matter_rules(clean: dict[str, Any]) -> dict[str, str]:
    problems = {}
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


def _row_key(kind: str, clean: dict[str, Any]) -> str:
    def plain(v):
        if isinstance(v, Enum):
            return v.value
        if isinstance(v, uuid.UUID | date | datetime):
            return str(v)
        return v

    payload = json.dumps(
        [kind, sorted((k, plain(v)) for k, v in clean.items())], ensure_ascii=False
    )
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()


Progress = Callable[[str, int, int], bool]  # (phase, done, total) → go on?


@read_op
def check_rows(
    session: Session, kind: str, sheet: Sheet, report: ImportReport, progress: Progress | None
) -> list[CheckedRow]:
    label, specs = import_kinds()[kind]
    if not sheet.headers:
        report.problems.append(Problem(0, "", "表格是空的，没有表头也没有数据"))
        return []
    mapping, missing, ignored = _map_columns(sheet, specs)
    report.ignored_columns = ignored
    if missing:
        expected = "、".join(s.label + ("（必填）" if s.required else "") for s in specs)
        report.problems.append(
            Problem(
                sheet.header_row,
                "、".join(missing),
                f"表头缺少必填列。第 {sheet.header_row} 行应为表头，可用的列：{expected}",
            )
        )
        return []
    if not sheet.rows:
        report.problems.append(Problem(sheet.header_row, "", "表格只有表头，没有数据行"))
        return []
    names = Names.load(session)
    labels = {s.key: s.label for s in specs}
    checked = []
    total = len(sheet.rows)
    for n, (row, values) in enumerate(sheet.rows, start=1):
        raw = {key: values[i] if i < len(values) else None for key, i in mapping.items()}
        clean, problems = clean_values(specs, raw, names)
        if not problems:
            problems = _matter_rules(clean) if kind == "matters" else check_register(kind, clean)
        found = [Problem(row, labels[k], msg) for k, msg in problems.items()]
        item = CheckedRow(row, values, None if found else clean, found)
        if not found:
            item.key = _row_key(kind, clean)
        checked.append(item)
        if progress and n % 200 == 0 and not progress("检查", n, total):
            raise ImportCancelled()
    return checked


# --- writing -------------------------------------------------------------------------------------


class _MatterWriter:
    """Writes the new rows' matters. Everything a row needs from the database is read once
    for the whole sheet (people by ID number, a run of 受理编号 per year) and rows are flushed
    in batches, so 10,000 rows take seconds, not minutes."""

    def __init__(self, session: Session, actor: Actor, file_name: str, rows: list[CheckedRow]):
        self.session, self.actor, self.file_name = session, actor, file_name
        self.settings = load_settings(session)
        self.cal = WorkCalendar.load(session)
        self.categories = {c.id: c for c in session.scalars(select(Category))}
        self.people: dict[str, Person] = {}
        self.name_keys: dict[str, tuple[str, str]] = {}
        known = sorted({r.clean["id_number"] for r in rows if r.clean.get("id_number")})
        for i in range(0, len(known), 500):
            for p in session.scalars(
                select(Person).where(Person.id_number.in_(known[i : i + 500])).order_by(Person.id)
            ):
                self.people.setdefault(p.id_number, p)
        # Numbers in sheet order, taken per year in one step (gap-free: rolled back with the rest).
        years = Counter(r.clean["received_at"].year for r in rows)
        s = self.settings
        self.seqs = {y: next_seq(session, s.prefix, y, s.terminal, n) for y, n in years.items()}
        # Who registered an imported matter: the importing user; from the command line (no one
        # logged in) the center's first administrator stands in.
        self.receptionist_id = actor.user_id or session.scalar(
            select(User.id).where(User.role == Role.ADMIN).order_by(User.created_at).limit(1)
        )

    def person(self, clean: dict[str, Any]) -> Person:
        idn = clean.get("id_number")
        person = self.people.get(idn) if idn else None
        if person is None:
            name = clean["name"]
            if name not in self.name_keys:  # the same names come back often in a sheet
                self.name_keys[name] = name_keys(name)
            pinyin, initials = self.name_keys[name]
            person = Person(
                id=uuid.uuid4(),
                name=clean["name"],
                id_number=idn,
                name_pinyin=pinyin,
                name_initials=initials,
            )
            self.session.add(person)
        if clean.get("phone"):
            person.phone = clean["phone"]
            person.phone_tail = re.sub(r"\D", "", clean["phone"])[-4:] or None
        if clean.get("address"):
            person.address = clean["address"]
        if clean.get("village_id"):
            person.village_id = clean["village_id"]
        if idn:
            self.people[idn] = person
        return person

    def write(self, row: int, clean: dict[str, Any]) -> uuid.UUID:
        s, at = self.session, clean["received_at"]
        cat = self.categories[clean["category_id"]]
        status = clean.get("status") or (S.ROUTED if clean.get("unit_id") else S.REGISTERED)
        closed = clean.get("closed_at") or (at if status in _CLOSED else None)
        seq = self.seqs[at.year]
        self.seqs[at.year] += 1
        number = format_number(
            self.settings.number_format, self.settings.prefix, at.year, self.settings.terminal, seq
        )
        m = Matter(
            id=uuid.uuid4(),
            number=number,
            prefix=self.settings.prefix,
            year=at.year,
            terminal=self.settings.terminal,
            seq=seq,
            channel=clean.get("channel") or Channel.VISIT,
            category_id=cat.id,
            summary=clean["summary"],
            unit_id=clean.get("unit_id"),
            handler_name=clean.get("handler_name"),
            receptionist_id=self.receptionist_id,
            status=S.REGISTERED,
            received_at=at,
            deadline=self.cal.deadline(at, cat.limit_kind, cat.limit_days).due,
            answer=clean.get("result") if status == S.ANSWERED else None,
            result=clean.get("result") if status != S.ANSWERED else None,
            satisfaction=clean.get("satisfaction"),
            feedback_at=closed if clean.get("satisfaction") else None,
            closed_at=closed,
            created_at=at,
            updated_at=at,
        )
        person = self.person(clean)
        # Filled while the matter is new: its collections start empty, nothing is loaded.
        m.persons.append(MatterPerson(person_id=person.id, position=0))
        old = f"，原编号 {clean['old_number']}" if clean.get("old_number") else ""
        timeline.record_in_bulk(
            self.actor,
            m,
            EventKind.REGISTERED,
            f"从表格导入：{self.file_name} 第 {row} 行{old}",
            at=at,
            to_status=S.REGISTERED,
        )
        flow.take_over(self.actor, m, status, at=closed or at)
        s.add(m)
        return m.id


# What an XLSX cannot hold (XML 1.0): control characters, surrogates, U+FFFE and U+FFFF.
_NOT_IN_XLSX = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def _write_refused(path: Path, sheet: Sheet, refused: list[CheckedRow]) -> Path:
    from openpyxl import Workbook

    def cells(values: list[Any]) -> list[Any]:
        return [_NOT_IN_XLSX.sub("\ufffd", v) if isinstance(v, str) else v for v in values]

    out = path.with_name(f"{path.stem}.未导入.xlsx")
    wb = Workbook()
    ws = wb.active
    ws.title = "未导入的行"
    ws.append(cells(["原行号", *sheet.headers, "未导入的原因"]))
    for r in refused:
        reason = "；".join(f"{p.column}：{p.message}" for p in r.problems)
        ws.append(cells([r.row, *r.values, reason]))
    for row in ws.iter_rows():
        for cell in row:
            if cell.data_type == "f":  # text that begins with "=" stays text, never a formula
                cell.data_type = "s"
    ws.freeze_panes = "A2"
    wb.save(out)
    return out


@write_op(Change.MATTERS, Change.REGISTERS)
def import_sheet(
    session: Session,
    actor: Actor,
    kind: str,
    path: Path,
    *,
    skip_invalid: bool = False,
    progress: Progress | None = None,
) -> ImportReport:
    """Check every row, then import (all, or the valid ones with ``skip_invalid``)."""
    require(actor, Action.IMPORT_DATA)
    kinds = import_kinds()
    if kind not in kinds:
        raise ValidationError(f"不能导入“{kind}”；可导入：" + "、".join(kinds))
    if kind != "matters":
        require(actor, Action.EDIT_REGISTERS)
    path = Path(path)
    if not path.is_file():
        raise ValidationError(f"找不到文件 {path}")
    label = kinds[kind][0]
    report = ImportReport(kind, label, path.name)
    sheet = read_sheet(path)
    report.rows = len(sheet.rows)
    checked = check_rows(session, kind, sheet, report, progress)
    refused = [r for r in checked if r.clean is None]
    for r in refused:
        report.problems += r.problems
    good = [r for r in checked if r.clean is not None]
    report.valid = len(good)
    if report.problems and (not skip_invalid or not checked):
        report.checked_only = True
        return report
    known = (
        set(
            session.scalars(
                select(ImportedRow.row_hash).where(
                    ImportedRow.kind == kind, ImportedRow.row_hash.in_([r.key for r in good])
                )
            )
        )
        if len(good) <= 900
        else _known_keys(session, kind)
    )
    new: list[CheckedRow] = []
    for r in good:  # a row seen before, or twice in this sheet, is imported once
        if r.key in known:
            report.already += 1
        else:
            known.add(r.key)
            new.append(r)
    writer = _MatterWriter(session, actor, path.name, new) if kind == "matters" else None
    total = len(new)
    for n, r in enumerate(new, start=1):
        if writer is not None:
            object_id = writer.write(r.row, r.clean)
        else:
            object_id = new_record(session, actor, kind, r.clean).id
        session.add(ImportedRow(kind=kind, row_hash=r.key, object_id=object_id))
        report.imported += 1
        if n % 500 == 0:
            session.flush()
        if progress and n % 200 == 0 and not progress("导入", n, total):
            raise ImportCancelled()
    session.flush()
    if refused:
        report.refused_rows = len(refused)
        report.refused_file = _write_refused(path, sheet, refused)
    audit.record(
        session,
        actor,
        f"import_{kind}",
        object_type=kind,
        reason=f"{path.name}：导入 {report.imported} 行，跳过已导入 {report.already} 行，"
        f"未导入 {len(refused)} 行",
    )
    if progress:
        progress("导入", total, total)
    return report


def _known_keys(session: Session, kind: str) -> set[str]:
    return set(session.scalars(select(ImportedRow.row_hash).where(ImportedRow.kind == kind)))
