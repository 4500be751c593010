"""Records of the registers (流动人口, 特殊人群, 平安创建, 重点场所, 重点青少年, 校园及周边,
护路护线, 禁毒, 社会救助) and the field specs they share with the import: one list of fields per
register says its columns, labels and checks.

A value arrives as typed in a form or read from a sheet cell (text, number, date, datetime);
``clean_values`` checks every field and returns clean values or the problems per field, so
the form marks fields and the import reports row and column.
"""

from __future__ import annotations

import re
import unicodedata
import uuid
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.core import clock
from app.core.errors import NotFound, ValidationError
from app.core.ops import Change, read_op, write_op
from app.models import (
    AidRecord,
    AidType,
    CampusCheck,
    Category,
    DrugCase,
    DrugCategory,
    DrugStatus,
    Grid,
    KeyPlace,
    KeyYouth,
    LineKind,
    LinePatrol,
    Migrant,
    PlaceKind,
    RectifyStatus,
    SafetyCreation,
    SafetyKind,
    SafetyStatus,
    SchoolKind,
    SchoolStatus,
    SpecialCategory,
    SpecialPerson,
    SpecialVisit,
    Unit,
    UrineResult,
    Village,
    VisitMethod,
    WatchLevel,
    YouthCategory,
)
from app.models.enums import LabelledEnum
from app.services.context import Actor
from app.services.security import audit
from app.services.security.permissions import Action, allowed, require
from app.services.validation import (
    char_len,
    halfwidth,
    mask_id_number,
    mask_phone,
    validate_id_number,
    validate_name,
    validate_phone,
    validate_text,
)

EXCEL_EPOCH = date(1899, 12, 30)  # Excel's day 0 (its 1900 leap-year bug included)


@dataclass(frozen=True)
class FieldSpec:
    key: str
    label: str
    # text, name, id, phone, date, datetime, year, int, money (元, > 0), village, unit, grid,
    # category, choice
    kind: str
    required: bool = False
    max_len: int = 60
    choices: type[LabelledEnum] | None = None
    aliases: tuple[str, ...] = ()


REGISTERS: dict[str, tuple[str, list[FieldSpec]]] = {
    "migrants": (
        "流动人口",
        [
            FieldSpec("name", "姓名", "name", True),
            FieldSpec("id_number", "身份证号", "id", aliases=("公民身份号码", "身份证号码")),
            FieldSpec("phone", "联系电话", "phone", aliases=("电话", "手机号")),
            FieldSpec("origin", "户籍地", "text", True, 120, aliases=("户籍地址",)),
            FieldSpec("village_id", "村社区", "village", aliases=("村（社区）", "所在村社区")),
            FieldSpec("address", "现住址", "text", True, 120, aliases=("居住地址",)),
            FieldSpec("employer", "工作单位", "text", False, 120, aliases=("就业单位",)),
            FieldSpec("arrived_on", "来本地日期", "date", True, aliases=("登记日期",)),
            FieldSpec("permit_no", "居住证号", "text", False, 32),
            FieldSpec("left_on", "离开日期", "date"),
            FieldSpec("unit_id", "责任单位", "unit"),
            FieldSpec("note", "备注", "text", False, 500),
        ],
    ),
    "special": (
        "特殊人群",
        [
            FieldSpec("name", "姓名", "name", True),
            FieldSpec("id_number", "身份证号", "id", aliases=("公民身份号码", "身份证号码")),
            FieldSpec("phone", "联系电话", "phone", aliases=("电话",)),
            FieldSpec("category", "人员类别", "choice", True, choices=SpecialCategory),
            FieldSpec("village_id", "村社区", "village", aliases=("村（社区）",)),
            FieldSpec("address", "现住址", "text", False, 120),
            FieldSpec("risk_level", "风险等级", "choice", True, choices=WatchLevel),
            FieldSpec("helper", "帮扶责任人", "text", True, 64),
            FieldSpec("unit_id", "管控单位", "unit"),
            FieldSpec("listed_on", "列管日期", "date", True),
            FieldSpec("last_visit_on", "最近走访", "date", aliases=("最近走访日期",)),
            FieldSpec("measures", "帮扶管控措施", "text", False, 500),
            FieldSpec("released_on", "解除列管日期", "date"),
            FieldSpec("note", "备注", "text", False, 500),
        ],
    ),
    "safety": (
        "平安创建",
        [
            FieldSpec("kind", "创建类型", "choice", True, choices=SafetyKind),
            FieldSpec("name", "创建对象", "text", True, 120, aliases=("名称",)),
            FieldSpec("village_id", "村社区", "village"),
            FieldSpec("unit_id", "牵头单位", "unit"),
            FieldSpec("year", "年度", "year", True),
            FieldSpec("status", "创建状态", "choice", True, choices=SafetyStatus),
            FieldSpec("assessed_on", "考评日期", "date"),
            FieldSpec("note", "备注", "text", False, 500),
        ],
    ),
    "youth": (
        "重点青少年",
        [
            FieldSpec("name", "姓名", "name", True),
            FieldSpec("id_number", "身份证号", "id", aliases=("公民身份号码", "身份证号码")),
            FieldSpec("phone", "联系电话", "phone", aliases=("电话",)),
            FieldSpec("category", "人员类别", "choice", True, choices=YouthCategory),
            FieldSpec("village_id", "村社区", "village", aliases=("村（社区）",)),
            FieldSpec("address", "现住址", "text", False, 120),
            FieldSpec("guardian", "监护人", "text", True, 64, aliases=("监护人姓名",)),
            FieldSpec("guardian_phone", "监护人电话", "phone", aliases=("监护人联系电话",)),
            FieldSpec("school_status", "就学就业", "choice", True, choices=SchoolStatus),
            FieldSpec("school", "学校或单位", "text", False, 120, aliases=("就读学校",)),
            FieldSpec("helper", "帮扶人", "text", True, 64, aliases=("帮扶责任人",)),
            FieldSpec("unit_id", "帮扶单位", "unit"),
            FieldSpec("listed_on", "列管日期", "date", True),
            FieldSpec("released_on", "解除日期", "date", aliases=("解除列管日期",)),
            FieldSpec("measures", "帮扶措施", "text", False, 500),
            FieldSpec("note", "备注", "text", False, 500),
        ],
    ),
    "campus": (
        "校园及周边",
        [
            FieldSpec("school", "学校名称", "text", True, 120, aliases=("学校",)),
            FieldSpec("school_kind", "学校类别", "choice", True, choices=SchoolKind),
            FieldSpec("village_id", "村社区", "village", aliases=("村（社区）",)),
            FieldSpec("contact", "安全负责人", "text", True, 64, aliases=("负责人",)),
            FieldSpec("contact_phone", "联系电话", "phone", aliases=("电话",)),
            FieldSpec("unit_id", "检查单位", "unit", aliases=("牵头单位",)),
            FieldSpec("inspected_on", "检查日期", "date", True),
            FieldSpec("items", "检查项目", "text", True, 200, aliases=("检查内容",)),
            FieldSpec("rectify_status", "整改情况", "choice", True, choices=RectifyStatus),
            FieldSpec("rectified_on", "整改完成日期", "date"),
            FieldSpec("problems", "发现问题", "text", False, 500, aliases=("存在问题",)),
            FieldSpec("rectify", "整改措施", "text", False, 500),
            FieldSpec("note", "备注", "text", False, 500),
        ],
    ),
    "lines": (
        "护路护线",
        [
            FieldSpec("line", "线路名称", "text", True, 120, aliases=("线路",)),
            FieldSpec("line_kind", "线路类别", "choice", True, choices=LineKind),
            FieldSpec("section", "管护路段", "text", True, 120, aliases=("路段", "区段")),
            FieldSpec("village_id", "村社区", "village", aliases=("村（社区）",)),
            FieldSpec("leader", "段长", "name", True, aliases=("护路段长",)),
            FieldSpec("leader_phone", "段长电话", "phone", aliases=("联系电话",)),
            FieldSpec("unit_id", "责任单位", "unit"),
            FieldSpec("patrolled_on", "巡查日期", "date", True),
            FieldSpec("rectify_status", "隐患处置", "choice", True, choices=RectifyStatus),
            FieldSpec("risk_points", "风险隐患点", "text", False, 500, aliases=("隐患点",)),
            FieldSpec("handling", "处置情况", "text", False, 500),
            FieldSpec("note", "备注", "text", False, 500),
        ],
    ),
    "drugs": (
        "禁毒",
        [
            FieldSpec("name", "姓名", "name", True),
            FieldSpec("id_number", "身份证号", "id", aliases=("公民身份号码", "身份证号码")),
            FieldSpec("phone", "联系电话", "phone", aliases=("电话",)),
            FieldSpec("category", "人员类别", "choice", True, choices=DrugCategory),
            FieldSpec("status", "管控状态", "choice", True, choices=DrugStatus),
            FieldSpec("village_id", "村社区", "village", aliases=("村（社区）",)),
            FieldSpec("address", "现住址", "text", False, 120),
            FieldSpec("helper", "帮教人", "text", True, 64, aliases=("帮教责任人",)),
            FieldSpec("unit_id", "管控单位", "unit"),
            FieldSpec("started_on", "执行开始日期", "date", True, aliases=("列管日期",)),
            FieldSpec("ends_on", "期满日期", "date", aliases=("解除日期",)),
            FieldSpec("last_test_on", "最近尿检日期", "date", aliases=("最近尿检",)),
            FieldSpec("test_result", "尿检结果", "choice", choices=UrineResult),
            FieldSpec("measures", "帮教措施", "text", False, 500),
            FieldSpec("note", "备注", "text", False, 500),
        ],
    ),
    "aid": (
        "社会救助",
        [
            FieldSpec("aid_type", "救助类型", "choice", True, choices=AidType),
            FieldSpec("name", "救助对象", "name", True, aliases=("姓名", "受助人")),
            FieldSpec("id_number", "身份证号", "id", True, aliases=("公民身份号码",)),
            FieldSpec("village_id", "村社区", "village", True, aliases=("村（社区）",)),
            FieldSpec("grid_id", "网格", "grid", aliases=("所属网格",)),
            FieldSpec("amount", "救助金额（元）", "money", True, aliases=("救助金额", "金额")),
            FieldSpec("approver", "审批机关", "text", True, 64, aliases=("审批单位",)),
            FieldSpec("approved_on", "审批日期", "date", True),
            FieldSpec("unit_id", "经办单位", "unit"),
            FieldSpec("note", "备注", "text", False, 500),
        ],
    ),
    "places": (
        "重点场所",
        [
            FieldSpec("name", "场所名称", "text", True, 120, aliases=("名称",)),
            FieldSpec("kind", "场所类型", "choice", True, choices=PlaceKind, aliases=("类型",)),
            FieldSpec("address", "地址", "text", True, 120, aliases=("场所地址",)),
            FieldSpec("village_id", "村社区", "village", aliases=("村（社区）", "所在村社区")),
            FieldSpec("grid_id", "网格", "grid", aliases=("所属网格",)),
            FieldSpec("responsible", "负责人", "name", True, aliases=("场所负责人",)),
            FieldSpec("phone", "联系电话", "phone", aliases=("电话",)),
            FieldSpec("unit_id", "监管单位", "unit"),
            FieldSpec("note", "备注", "text", False, 500),
        ],
    ),
}
MODELS = {
    "migrants": Migrant,
    "special": SpecialPerson,
    "safety": SafetyCreation,
    "places": KeyPlace,
    "youth": KeyYouth,
    "campus": CampusCheck,
    "lines": LinePatrol,
    "drugs": DrugCase,
    "aid": AidRecord,
}
MAX_AMOUNT = Decimal("100000000")  # 1 亿元: more is a typing slip
# Fields a register shows that are not columns of its own: 最近走访 is the newest visit of the
# log (``visits``). Given with a new record (typed or imported), it becomes its first visit;
# on a record already kept it is shown, never edited.
DERIVED_FIELDS = {"special": ("last_visit_on",)}


@dataclass
class Names:
    """Village, unit, category and grid ids by name, loaded once per form or import. A grid
    is known by its name, its code or both as a form shows them (``grid_label``)."""

    villages: dict[str, uuid.UUID]
    units: dict[str, uuid.UUID]
    categories: dict[str, uuid.UUID]
    grids: dict[str, uuid.UUID] = field(default_factory=dict)
    grid_villages: dict[uuid.UUID, uuid.UUID] = field(default_factory=dict)

    @classmethod
    def load(cls, session: Session) -> Names:
        grids: dict[str, uuid.UUID] = {}
        grid_villages = {}
        for g in session.scalars(select(Grid).order_by(Grid.sort, Grid.code)):
            grids.setdefault(g.name, g.id)
            grids[g.code] = grids[grid_label(g.name, g.code)] = g.id
            grid_villages[g.id] = g.village_id
        return cls(
            {v.name: v.id for v in session.scalars(select(Village))},
            {u.name: u.id for u in session.scalars(select(Unit))},
            {c.name: c.id for c in session.scalars(select(Category))},
            grids,
            grid_villages,
        )


def grid_label(name: str, code: str) -> str:
    """A grid as a form's list shows it: names may repeat across villages, codes do not."""
    return f"{name}（{code}）"


# --- cell values ----------------------------------------------------------------------------


def _text_of(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def shown(text: str, limit: int = 20) -> str:
    """A cell quoted in a message: never the whole of a long cell."""
    return text if len(text) <= limit else text[:limit] + "…"


ID_AS_NUMBER = "Excel 已把身份证号存成数字，末几位已丢失：请把该列设为文本，按原始登记重新填写"


def name_text(text: str) -> str:
    """Half- and full-width spaces typed inside a Chinese name dropped ("张 三", "张　三");
    a space between two Latin-script words (a foreign name) stays one space."""

    def gap(m: re.Match) -> str:
        before, after = m.string[m.start() - 1 : m.start()], m.string[m.end() : m.end() + 1]
        cjk = any(unicodedata.category(c) == "Lo" for c in (before + after))
        return "" if cjk or not before or not after else " "

    return re.sub(r"[\s\u3000]+", gap, text.strip())


def parse_date(value: Any, label: str) -> date:
    """A date as a sheet gives it: a date cell, an Excel serial number, or text in the usual
    Chinese ways (2026-03-05, 2026/3/5, 2026.3.5, 2026年3月5日, 20260305)."""
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, int | float) and not isinstance(value, bool):
        return _serial(float(value), label)
    v = _text_of(value)
    v = re.sub(r"\s+\d{1,2}:\d{2}(:\d{2})?$", "", v)  # a time after the date
    if re.fullmatch(r"\d{5}(\.\d+)?", v):
        return _serial(float(v), label)
    m = re.fullmatch(r"(\d{4})[-/.年](\d{1,2})[-/.月](\d{1,2})日?", v) or re.fullmatch(
        r"(\d{4})(\d{2})(\d{2})", v
    )
    if not m:
        raise ValidationError(f"{label}“{shown(v)}”看不懂，请写成 2026-03-05 这样的日期")
    try:
        return date(int(m[1]), int(m[2]), int(m[3]))
    except ValueError:
        raise ValidationError(f"{label}“{shown(v)}”不存在（月份或日期不对）") from None


def _serial(n: float, label: str) -> date:
    if not 1 <= n < 2958466:
        raise ValidationError(f"{label}“{n:g}”不是日期")
    return EXCEL_EPOCH + timedelta(days=int(n))


def parse_datetime(value: Any, label: str) -> datetime:
    if isinstance(value, datetime):
        return value.replace(microsecond=0)
    if isinstance(value, int | float) and not isinstance(value, bool):
        d = _serial(float(value), label)
        seconds = round((float(value) % 1) * 86400)
        return datetime.combine(d, datetime.min.time()) + timedelta(seconds=seconds)
    v = _text_of(value)
    m = re.search(r"\s+(\d{1,2}):(\d{2})(?::(\d{2}))?$", v)
    d = parse_date(value, label)
    if m and int(m[1]) < 24 and int(m[2]) < 60:
        return datetime(d.year, d.month, d.day, int(m[1]), int(m[2]), int(m[3] or 0))
    return datetime.combine(d, datetime.min.time())


def clean_value(spec: FieldSpec, value: Any, names: Names) -> Any:
    """One field: returns the clean value (None when empty) or raises ValidationError."""
    text = _text_of(value)
    if not text and not isinstance(value, date):
        if spec.required:
            raise ValidationError(f"请填写{spec.label}")
        return None
    k = spec.kind
    if k == "name":
        return validate_name(name_text(text), spec.key, label=spec.label)
    if k == "id":
        # A 15-digit number survives Excel whole; 18 digits stored as a number have lost
        # their last ones (a float keeps 15–17): never guess them.
        lost = isinstance(value, float) and not (value.is_integer() and len(text) <= 15)
        if lost or re.fullmatch(r"\d(\.\d+)?[eE]\+?\d+", text):
            raise ValidationError(ID_AS_NUMBER)
        return validate_id_number(text)
    if k == "phone":
        if isinstance(value, int | float) and not isinstance(value, bool):
            # A landline stored as a number lost its leading 0 (57761234567 → 0577-61234567).
            try:
                return validate_phone(text)
            except ValidationError:
                return validate_phone("0" + text)
        return validate_phone(text)
    if k == "date":
        return parse_date(value, spec.label)
    if k == "datetime":
        return parse_datetime(value, spec.label)
    if k in ("int", "year"):
        text = halfwidth(text)  # ２０２６ typed in full width reads as 2026
        if not re.fullmatch(r"\d+", text, re.ASCII):
            raise ValidationError(f"{spec.label}应为整数，现在是“{shown(text)}”")
        if len(text) > 9:  # also keeps int() within its digit limit
            what = "应为 2026 这样的年份" if k == "year" else "太大，请核对"
            raise ValidationError(f"{spec.label}“{text[:12]}…”{what}")
        n = int(text)
        if k == "year" and not 1990 <= n <= 2100:
            raise ValidationError(f"{spec.label}“{n}”不对，应为 2026 这样的年份")
        return n
    if k == "money":
        return _money(text, spec.label)
    if k in ("village", "unit", "category", "grid"):
        table = {
            "village": names.villages,
            "unit": names.units,
            "category": names.categories,
            "grid": names.grids,
        }[k]
        if text not in table:
            known = "、".join(list(table)[:8])
            raise ValidationError(f"没有叫“{shown(text)}”的{spec.label}；现有：{known}…")
        return table[text]
    if k == "choice":
        for member in spec.choices:
            if text in (member.label, member.value):
                return member
        options = "、".join(m.label for m in spec.choices)
        raise ValidationError(f"{spec.label}“{shown(text)}”不在可选范围内：{options}")
    if char_len(text) > spec.max_len:
        raise ValidationError(f"{spec.label}最多 {spec.max_len} 字，现有 {char_len(text)} 字")
    return validate_text(text, spec.key, spec.label, required=spec.required, max_len=spec.max_len)


def _money(text: str, label: str) -> Decimal:
    """An amount in yuan: more than 0, at most two decimals (分); 1,500, 1500元 and the full
    width ￥１，５００．５０ a Chinese input method types read too; other scripts' digits don't."""
    t = re.sub(r"[,\s]|元$", "", halfwidth(text).replace("¥", ""))
    try:
        amount = Decimal(t) if t.isascii() else None
    except InvalidOperation:
        amount = None
    if amount is None or not amount.is_finite():
        raise ValidationError(f"{label}应为金额，如 1500 或 1500.50，现在是“{shown(text)}”")
    if amount <= 0:
        raise ValidationError(f"{label}应大于 0，现在是“{shown(text)}”")
    if amount >= MAX_AMOUNT:  # first: 1e+26 has more digits than quantize may give
        raise ValidationError(f"{label}“{shown(text)}”太大，请核对")
    if amount != amount.quantize(Decimal("0.01")):
        raise ValidationError(f"{label}最多到分（两位小数），现在是“{shown(text)}”")
    return amount.quantize(Decimal("0.01"))


def clean_values(
    specs: list[FieldSpec], raw: dict[str, Any], names: Names
) -> tuple[dict[str, Any], dict[str, str]]:
    """Every field checked: (clean values, problems by field key)."""
    clean: dict[str, Any] = {}
    problems: dict[str, str] = {}
    for spec in specs:
        try:
            clean[spec.key] = clean_value(spec, raw.get(spec.key), names)
        except ValidationError as err:
            problems[spec.key] = next(iter(err.fields.values()))
    return clean, problems


def check_register(kind: str, clean: dict[str, Any], names: Names | None = None) -> dict[str, str]:
    """Rules across fields (a departure before the arrival …)."""
    problems = {}
    for key, start, end, message in _ORDER.get(kind, ()):
        if clean.get(start) and clean.get(end) and clean[end] < clean[start]:
            problems[key] = message
    if kind == "drugs" and clean.get("test_result") and not clean.get("last_test_on"):
        problems["last_test_on"] = "填了尿检结果，请填写最近尿检日期"
    if kind in ("campus", "lines"):
        status = clean.get("rectify_status")
        if status in (RectifyStatus.PENDING, RectifyStatus.DONE):
            what = "problems" if kind == "campus" else "risk_points"
            if not clean.get(what):
                label = "发现问题" if kind == "campus" else "风险隐患点"
                problems[what] = f"{status.label}时请写明{label}"
    grid, village = clean.get("grid_id"), clean.get("village_id")
    if names is not None and grid and names.grid_villages.get(grid) != village:
        problems["grid_id"] = "这个网格不属于所填的村社区，请重新选择网格"
    left, arrived = clean.get("left_on"), clean.get("arrived_on")
    if kind == "migrants" and left and arrived and left < arrived:
        problems["left_on"] = "离开日期不能早于来本地日期"
    released, listed = clean.get("released_on"), clean.get("listed_on")
    if kind == "special" and released and listed and released < listed:
        problems["released_on"] = "解除列管日期不能早于列管日期"
    last = clean.get("last_visit_on")
    if kind == "special" and last and last > clock.today():  # it becomes a visit of the log
        problems["last_visit_on"] = "最近走访日期不能晚于今天"
    elif kind == "special" and last and listed and last < listed:  # as 添加走访记录 refuses
        problems["last_visit_on"] = (
            f"最近走访日期不能早于列管日期（{listed.isoformat()}），请核对最近走访日期"
        )
    return problems


# (field marked, start field, end field, message): an end before its start is refused.
_ORDER: dict[str, tuple[tuple[str, str, str, str], ...]] = {
    "youth": (("released_on", "listed_on", "released_on", "解除日期不能早于列管日期"),),
    "campus": (("rectified_on", "inspected_on", "rectified_on", "整改完成日期不能早于检查日期"),),
    "drugs": (("ends_on", "started_on", "ends_on", "期满日期不能早于执行开始日期"),),
}


def _defaults(kind: str, clean: dict[str, Any]) -> dict[str, Any]:
    model = MODELS[kind]
    values = {}
    for key, value in clean.items():
        if key in DERIVED_FIELDS.get(kind, ()):
            continue
        column = model.__table__.c[key]
        if value is None and not column.nullable:
            value = ""  # optional text stored as empty
        values[key] = value
    return values


@write_op(Change.REGISTERS)
def new_record(session: Session, actor: Actor, kind: str, clean: dict[str, Any]):
    """A record from checked values (the import's fast path; no audit row of its own)."""
    # The id is set here, not at flush, so an import can refer to it without a flush per row.
    obj = MODELS[kind](id=uuid.uuid4(), **_defaults(kind, clean), created_by=actor.user_id)
    session.add(obj)
    if kind == "special" and clean.get("last_visit_on"):
        session.add(_first_visit(actor, obj, clean["last_visit_on"]))
    return obj


def _first_visit(actor: Actor, person: SpecialPerson, on: date) -> SpecialVisit:
    """A 最近走访 given with a new record (typed or imported): its first visit of the log."""
    return SpecialVisit(
        id=uuid.uuid4(),
        person=person,  # inserted after the person, in the same flush
        visited_on=on,
        visitor=person.helper or "（未记录）",
        method=VisitMethod.IN_PERSON,
        findings="（登记时填写的最近走访日期）",
        risk_level=person.risk_level,
        created_by=actor.user_id,
    )


@read_op
def check_values(session: Session, actor: Actor, kind: str, raw: dict[str, Any]) -> dict[str, Any]:
    """A record's fields checked one by one and across, as a form gives them: clean values, or
    ValidationError with a Chinese message per field."""
    require(actor, Action.EDIT_REGISTERS)
    if kind not in REGISTERS:
        raise ValidationError(f"没有“{kind}”这本台账")
    _label, specs = REGISTERS[kind]
    names = Names.load(session)
    clean, problems = clean_values(specs, raw, names)
    grid = clean.get("grid_id")
    if grid and "village_id" in clean and clean.get("village_id") is None:
        clean["village_id"] = names.grid_villages.get(grid)  # a grid says its village
    problems.update(check_register(kind, clean, names))
    if problems:
        raise ValidationError(problems)
    return clean


@write_op(Change.REGISTERS)
def add_record(session: Session, actor: Actor, kind: str, raw: dict[str, Any]) -> uuid.UUID:
    """A record typed in a form: every field checked, then saved with an audit row."""
    clean = check_values(session, actor, kind, raw)
    obj = new_record(session, actor, kind, clean)
    session.flush()
    audit.record(session, actor, f"register_add_{kind}", object_type=kind, object_id=obj.id)
    return obj.id


def _record(session: Session, kind: str, record_id: uuid.UUID):
    obj = session.get(MODELS[kind], record_id) if kind in MODELS else None
    if obj is None:
        raise NotFound("找不到这条台账记录，可能已被其他终端修改，请刷新后再试。")
    return obj


@read_op
def record_values(
    session: Session, actor: Actor, kind: str, record_id: uuid.UUID
) -> dict[str, Any]:
    """A record's fields as a form shows them (names of villages and units, labels of choices,
    dates as dates), to be edited and given back to ``update_record``. ID numbers and phones
    are whole only for roles that may see them (``Action.VIEW_PERSONAL_DATA``); a masked value
    given back unchanged keeps the stored one."""
    require(actor, Action.EDIT_REGISTERS)
    obj = _record(session, kind, record_id)
    whole = allowed(actor, Action.VIEW_PERSONAL_DATA)
    values: dict[str, Any] = {}
    for spec in REGISTERS[kind][1]:
        if spec.key == "last_visit_on":
            v = session.scalar(
                select(func.max(SpecialVisit.visited_on)).where(SpecialVisit.person_id == obj.id)
            )
        else:
            v = getattr(obj, spec.key)
        if spec.kind == "village" and v is not None:
            v = session.get(Village, v).name
        elif spec.kind == "grid" and v is not None:
            g = session.get(Grid, v)
            v = grid_label(g.name, g.code)
        elif spec.kind == "unit" and v is not None:
            v = session.get(Unit, v).name
        elif spec.kind == "money" and v is not None:
            v = f"{v:.2f}"
        elif spec.kind == "choice" and v is not None:
            v = v.label
        elif spec.kind in MASKS and not whole:
            v = MASKS[spec.kind](v)
        values[spec.key] = "" if v is None and spec.kind not in ("date", "year") else v
    return values


MASKS = {"id": mask_id_number, "phone": mask_phone}


def _unmask(session, actor: Actor, kind: str, record_id: uuid.UUID, raw: dict[str, Any]) -> dict:
    """A form that showed masked numbers gives them back as they were: keep the stored ones."""
    obj = _record(session, kind, record_id)
    raw = dict(raw)
    for spec in REGISTERS[kind][1]:
        if spec.kind in MASKS and spec.key in raw:
            stored = getattr(obj, spec.key)
            if stored and str(raw[spec.key] or "").strip() == MASKS[spec.kind](stored):
                raw[spec.key] = stored
    return raw


@write_op(Change.REGISTERS)
def update_record(
    session: Session, actor: Actor, kind: str, record_id: uuid.UUID, raw: dict[str, Any]
) -> list[str]:
    """A record corrected in a form: every field checked again, saved with an audit row that
    names the changed fields (never their values). Returns the changed fields' labels.
    Derived fields (最近走访) are the log's once a record is kept: what the form gives back for
    them is not checked again (a person listed anew keeps the visits of an earlier listing)."""
    derived = DERIVED_FIELDS.get(kind, ())
    raw = {k: v for k, v in raw.items() if k not in derived}
    clean = check_values(session, actor, kind, _unmask(session, actor, kind, record_id, raw))
    obj = _record(session, kind, record_id)
    labels = {s.key: s.label for s in REGISTERS[kind][1]}
    changed = []
    for key, value in _defaults(kind, clean).items():
        if getattr(obj, key) != value:
            setattr(obj, key, value)
            changed.append(labels[key])
    if changed:
        session.flush()
        audit.record(
            session,
            actor,
            f"register_update_{kind}",
            object_type=kind,
            object_id=obj.id,
            reason="修改：" + "、".join(changed),
        )
    return changed


@write_op(Change.REGISTERS)
def save_record(
    session: Session,
    actor: Actor,
    kind: str,
    record_id: uuid.UUID | None,
    raw: dict[str, Any],
) -> uuid.UUID:
    """A form's record saved: added when it has no id yet, else corrected. Returns its id."""
    if record_id is None:
        return add_record(session, actor, kind, raw)
    update_record(session, actor, kind, record_id, raw)
    return record_id
