"""中心资料: the admin keeps the center's units, villages, categories and who signs documents.

Every list can be added to, renamed, reordered and deactivated, never hard-deleted; a village
can be merged into another (its people and records move, the old one stays, inactive). Each
change leaves an audit row. Matters keep the names they were made with (Matter.category_name …),
so a rename changes no receipt, ledger or timeline; the rows made before those names were
kept (demo data, older imports) are given today's names before a rename.
"""

from __future__ import annotations

import unicodedata
import uuid
from dataclasses import dataclass, fields
from typing import Any, Literal

from sqlalchemy import select, text
from sqlalchemy.orm import Session

from app.core.errors import ValidationError
from app.core.ops import Change, read_op, write_op
from app.models import Base, CaseRoom, Category, LimitKind, Unit, UnitKind, Village
from app.models.matters import NAMES_CACHE
from app.services.center.settings import load_settings, save_settings
from app.services.context import Actor
from app.services.security import audit
from app.services.security.permissions import Action, require
from app.services.validation import validate_text

ListKind = Literal["unit", "village", "category"]
LIST_LABELS: dict[str, str] = {"unit": "承办单位", "village": "村社区", "category": "事项类别"}
_MODELS = {"unit": Unit, "village": Village, "category": Category}

# Names the program itself looks up (mediation rooms, the dispute and aid ledgers, the
# meetings' figures): renaming or deactivating them would break those, so it is refused.
PROGRAM_UNITS = frozenset(r.label for r in CaseRoom)
PROGRAM_CATEGORIES = frozenset({"矛盾纠纷", "家事纠纷", "信访事项", "求助"})
MAX_LIMIT_DAYS = 365


@dataclass(frozen=True)
class UnitItem:
    id: uuid.UUID
    name: str
    short_name: str
    kind: UnitKind
    head: str
    phone: str
    takes_routed: bool
    active: bool


KEEP: Any = object()  # save_village: leave the population as it is


@dataclass(frozen=True)
class VillageItem:
    id: uuid.UUID
    name: str
    active: bool
    merged_into: str  # the name of the village it was merged into, or ""
    population: int | None = None  # 常住人口, for 考核评价's matters per 1,000 residents


@dataclass(frozen=True)
class CategoryItem:
    id: uuid.UUID
    name: str
    limit_kind: LimitKind
    limit_days: int
    default_unit_id: uuid.UUID | None
    default_unit: str
    is_xinfang: bool
    active: bool

    @property
    def limit_text(self) -> str:
        if self.limit_kind == LimitKind.SAME_DAY:
            return "当日"
        return f"{self.limit_days}个{self.limit_kind.label}"


@dataclass(frozen=True)
class DocumentRoles:
    """文书署名; an empty name means the default (the committee named after the center)."""

    mediation_committee: str = ""
    mediation_seal: str = ""
    family_committee: str = ""
    center_address: str = ""
    center_phone: str = ""


ROLE_LABELS: dict[str, str] = {
    "mediation_committee": "人民调解委员会名称",
    "mediation_seal": "人民调解委员会印章文字",
    "family_committee": "家事调解委员会名称",
    "center_address": "中心地址（印在回执上）",
    "center_phone": "中心电话（印在回执上）",
}


@dataclass(frozen=True)
class ReferenceData:
    units: list[UnitItem]
    villages: list[VillageItem]
    categories: list[CategoryItem]
    roles: DocumentRoles


@dataclass(frozen=True)
class UnitInput:
    name: str
    kind: UnitKind = UnitKind.STATIONED
    short_name: str = ""
    head: str = ""
    phone: str = ""
    takes_routed: bool = True


@dataclass(frozen=True)
class CategoryInput:
    name: str
    limit_kind: LimitKind = LimitKind.WORKING
    limit_days: int | str = 7
    default_unit_id: uuid.UUID | None = None
    is_xinfang: bool = False


# --- reading ---------------------------------------------------------------------------------


@read_op
def load_reference(session: Session, actor: Actor) -> ReferenceData:
    """Every unit, village and category, active or not, in their order; and the roles."""
    require(actor, Action.VIEW_REFERENCE)
    units = list(session.scalars(select(Unit).order_by(Unit.sort, Unit.name)))
    names = {u.id: u.name for u in units}
    villages = list(session.scalars(select(Village).order_by(Village.sort, Village.name)))
    village_names = {v.id: v.name for v in villages}
    s = load_settings(session)
    return ReferenceData(
        [
            UnitItem(
                u.id,
                u.name,
                u.short_name or "",
                u.kind,
                u.head or "",
                u.phone or "",
                u.takes_routed,
                u.active,
            )
            for u in units
        ],
        [
            VillageItem(
                v.id, v.name, v.active, village_names.get(v.merged_into_id, ""), v.population
            )
            for v in villages
        ],
        [
            CategoryItem(
                c.id,
                c.name,
                c.limit_kind,
                c.limit_days,
                c.default_unit_id,
                names.get(c.default_unit_id, ""),
                c.is_xinfang,
                c.active,
            )
            for c in session.scalars(select(Category).order_by(Category.sort, Category.name))
        ],
        DocumentRoles(
            s.mediation_committee,
            s.mediation_seal,
            s.family_committee,
            s.center_address,
            s.center_phone,
        ),
    )


# --- checks ----------------------------------------------------------------------------------


def _name(session: Session, kind: ListKind, value: str, item_id: uuid.UUID | None) -> str:
    model = _MODELS[kind]
    most = 32 if kind == "category" else 64
    name = validate_text(value, "name", f"{LIST_LABELS[kind]}名称", max_len=most)
    if any(ch.isspace() for ch in name):
        raise ValidationError({"name": "名称中间不能有空格、换行或制表符，请删去"})
    # The same name in other widths ("村２" and "村2") is the same name.
    same = unicodedata.normalize("NFKC", name)
    other = next(
        (
            o
            for o in session.scalars(select(model))
            if o.id != item_id and unicodedata.normalize("NFKC", o.name) == same
        ),
        None,
    )
    if other is not None:
        if getattr(other, "merged_into_id", None) is not None:
            state = "（已合并到其他村社区）"
        else:
            state = "" if other.active else "（已停用，可在列表中重新启用）"
        raise ValidationError({"name": f"已有名为“{other.name}”的{LIST_LABELS[kind]}{state}"})
    return name


def _get(session: Session, kind: ListKind, item_id: uuid.UUID):
    item = session.get(_MODELS[kind], item_id)
    if item is None:
        raise ValidationError(f"找不到这个{LIST_LABELS[kind]}，可能已被他人修改，请刷新后重试。")
    return item


def _program_name(kind: ListKind, name: str) -> bool:
    return (kind == "unit" and name in PROGRAM_UNITS) or (
        kind == "category" and name in PROGRAM_CATEGORIES
    )


def _refuse_program_name(kind: ListKind, name: str, what: str) -> None:
    if _program_name(kind, name):
        raise ValidationError({"name": f"“{name}”由程序按名称使用（调解案件、台账），不能{what}"})


def _keep_matter_names(session: Session) -> None:
    """Give matters that carry no names yet today's names, before a rename or merge."""
    session.flush()
    session.execute(
        text(
            "UPDATE matters SET category_name = (SELECT categories.name FROM categories "
            "WHERE categories.id = matters.category_id) WHERE category_name IS NULL"
        )
    )
    session.execute(
        text(
            "UPDATE matters SET unit_name = (SELECT units.name FROM units "
            "WHERE units.id = matters.unit_id) "
            "WHERE unit_name IS NULL AND unit_id IS NOT NULL"
        )
    )
    session.execute(
        text(
            "UPDATE matters SET village_name = (SELECT villages.name FROM matter_persons "
            "JOIN persons ON persons.id = matter_persons.person_id "
            "JOIN villages ON villages.id = persons.village_id "
            "WHERE matter_persons.matter_id = matters.id AND matter_persons.position = 0) "
            "WHERE village_name IS NULL"
        )
    )
    session.execute(
        text(
            "UPDATE supervision_orders SET unit_name = (SELECT units.name FROM units "
            "WHERE units.id = supervision_orders.unit_id) WHERE unit_name IS NULL"
        )
    )


def _next_sort(session: Session, kind: ListKind) -> int:
    model = _MODELS[kind]
    top = session.scalar(select(model.sort).order_by(model.sort.desc()).limit(1))
    return (top or 0) + 1 if top is not None else 0


def _record(session: Session, actor: Actor, kind: ListKind, item_id, what: str) -> None:
    audit.record(
        session,
        actor,
        "reference_change",
        object_type=kind,
        object_id=item_id,
        reason=f"{LIST_LABELS[kind]}：{what}",
    )


def _rename(session: Session, actor: Actor, kind: ListKind, item, name: str) -> str:
    if item.name == name:
        return ""
    _refuse_program_name(kind, item.name, "改名")
    _keep_matter_names(session)
    session.info.pop(NAMES_CACHE, None)  # names read before the rename are not used again
    old, item.name = item.name, name
    return f"“{old}”改名为“{name}”"


# What an edit names in its audit row: the fields in the words of the form.
_FIELD_LABELS = {
    "short_name": "简称",
    "kind": "类型",
    "head": "负责人",
    "phone": "电话",
    "takes_routed": "是否接收分流",
    "limit_kind": "期限规则",
    "limit_days": "期限天数",
    "default_unit_id": "默认承办单位",
    "is_xinfang": "是否信访事项",
}


def _edit(
    session: Session, actor: Actor, kind: ListKind, item, name: str, changes: dict[str, object]
) -> None:
    """Rename ``item`` and set the fields that differ; one audit row names what changed."""
    what = [_rename(session, actor, kind, item, name)]
    changed = [k for k, v in changes.items() if getattr(item, k) != v]
    for k in changed:
        setattr(item, k, changes[k])
    if changed:
        what.append("修改" + "、".join(_FIELD_LABELS.get(k, k) for k in changed))
    session.flush()
    if any(what):
        _record(session, actor, kind, item.id, "；".join(w for w in what if w))


# --- units -----------------------------------------------------------------------------------


def _check_unit(session: Session, data: UnitInput, unit_id: uuid.UUID | None) -> UnitInput:
    problems: dict[str, str] = {}
    clean: dict = {}
    for key, label, most, required in (
        ("name", "单位名称", 64, True),
        ("short_name", "简称", 32, False),
        ("head", "负责人", 64, False),
        ("phone", "电话", 32, False),
    ):
        try:
            if key == "name":
                clean[key] = _name(session, "unit", data.name, unit_id)
            else:
                clean[key] = validate_text(
                    getattr(data, key) or "", key, label, required=required, max_len=most
                )
        except ValidationError as err:
            problems.update(err.fields or {key: err.message})
    if not isinstance(data.kind, UnitKind):
        problems["kind"] = "请选择单位类型：" + "、".join(k.label for k in UnitKind)
    if problems:
        raise ValidationError(problems)
    return UnitInput(
        clean["name"],
        data.kind,
        clean["short_name"],
        clean["head"],
        clean["phone"],
        bool(data.takes_routed),
    )


@write_op(Change.REFERENCE)
def save_unit(
    session: Session, actor: Actor, unit_id: uuid.UUID | None, data: UnitInput
) -> uuid.UUID:
    """Add a unit (``unit_id`` None) or change one; its name must be new."""
    require(actor, Action.MANAGE_REFERENCE)
    d = _check_unit(session, data, unit_id)
    if unit_id is None:
        unit = Unit(
            id=uuid.uuid4(),
            name=d.name,
            short_name=d.short_name,
            kind=d.kind,
            head=d.head,
            phone=d.phone or None,
            takes_routed=d.takes_routed,
            sort=_next_sort(session, "unit"),
            active=True,
        )
        session.add(unit)
        session.flush()
        _record(session, actor, "unit", unit.id, f"新增“{d.name}”")
        return unit.id
    unit = _get(session, "unit", unit_id)
    changes = {
        "short_name": d.short_name,
        "kind": d.kind,
        "head": d.head,
        "phone": d.phone or None,
        "takes_routed": d.takes_routed,
    }
    _edit(session, actor, "unit", unit, d.name, changes)
    return unit.id


# --- villages --------------------------------------------------------------------------------


@write_op(Change.REFERENCE)
def save_village(
    session: Session,
    actor: Actor,
    village_id: uuid.UUID | None,
    name: str,
    population: int | str | None = KEEP,
) -> uuid.UUID:
    """A village added or renamed; ``population`` (常住人口, typed: empty for not known) is
    set when given and left as it is otherwise."""
    require(actor, Action.MANAGE_REFERENCE)
    problems: dict[str, str] = {}
    try:
        clean = _name(session, "village", name, village_id)
    except ValidationError as e:
        problems.update(e.fields or {"name": str(e)})
    people = None
    if population is not KEEP:
        try:
            people = clean_population(population)
        except ValidationError as e:
            problems["population"] = str(e)
    if problems:
        raise ValidationError(problems)
    if village_id is None:
        village = Village(
            id=uuid.uuid4(), name=clean, sort=_next_sort(session, "village"), active=True
        )
        village.population = people
        session.add(village)
        session.flush()
        _record(session, actor, "village", village.id, f"新增“{clean}”")
        return village.id
    village = _get(session, "village", village_id)
    what = _rename(session, actor, "village", village, clean)
    if population is not KEEP and village.population != people:
        before = village.population
        village.population = people
        change = f"常住人口 {before or '未填'} → {people or '未填'}"
        what = f"{what}；{change}" if what else change
    session.flush()
    if what:
        _record(session, actor, "village", village.id, what)
    return village.id


def clean_population(value: int | str | None) -> int | None:
    """常住人口 as typed: empty is not known; otherwise a whole number of people above 0."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    text = str(value).strip().replace(",", "").replace("，", "")
    if isinstance(value, bool) or not text.isdigit() or int(text) <= 0 or len(text) > 8:
        raise ValidationError("常住人口应为正整数（人），不知道可以不填")
    return int(text)


def _village_columns():
    """(model, attribute) of every column that names a village (people, registers, teams,
    grids …), found from the models so that a list added later moves with a merge too."""
    for mapper in Base.registry.mappers:
        if mapper.local_table.name == "villages":
            continue
        for attr in mapper.column_attrs:
            if any(fk.column.table.name == "villages" for fk in attr.columns[0].foreign_keys):
                yield mapper.class_, attr.key


@write_op(Change.REFERENCE, Change.MATTERS, Change.REGISTERS)
def merge_village(session: Session, actor: Actor, village_id: uuid.UUID, into_id: uuid.UUID) -> int:
    """合并: the village's people and records move to ``into_id``; it stays, inactive.
    Matters keep the village name they were made with. Returns the rows moved."""
    require(actor, Action.MANAGE_REFERENCE)
    village = _get(session, "village", village_id)
    into = _get(session, "village", into_id)
    if village.id == into.id:
        raise ValidationError({"into": "不能把村社区合并到它自己"})
    if village.merged_into_id is not None:
        raise ValidationError({"into": f"“{village.name}”已经合并过了"})
    if not into.active:
        raise ValidationError({"into": f"“{into.name}”已停用，请选择一个在用的村社区"})
    _keep_matter_names(session)
    moved = 0
    # Row by row through the models, so that each moved row is in the change log and travels
    # to the other terminals in exchange bundles (a bulk UPDATE would not be logged).
    for model, key in _village_columns():
        for row in session.scalars(select(model).where(getattr(model, key) == village.id)):
            setattr(row, key, into.id)
            moved += 1
    village.merged_into_id = into.id
    village.active = False
    session.flush()
    _record(
        session,
        actor,
        "village",
        village.id,
        f"“{village.name}”并入“{into.name}”，{moved} 条记录随之转入",
    )
    return moved


# --- categories ------------------------------------------------------------------------------


def _check_category(
    session: Session, data: CategoryInput, category_id: uuid.UUID | None
) -> CategoryInput:
    problems: dict[str, str] = {}
    name = ""
    try:
        name = _name(session, "category", data.name, category_id)
    except ValidationError as err:
        problems.update(err.fields or {"name": err.message})
    days = 0
    if not isinstance(data.limit_kind, LimitKind):
        problems["limit_kind"] = "请选择期限规则：当日、工作日或自然日"
    elif data.limit_kind != LimitKind.SAME_DAY:
        try:
            days = int(str(data.limit_days).strip())
        except (TypeError, ValueError):
            problems["limit_days"] = "期限天数应填写整数，如 7"
        else:
            if not 1 <= days <= MAX_LIMIT_DAYS:
                problems["limit_days"] = f"期限天数应在 1–{MAX_LIMIT_DAYS} 之间"
    if data.default_unit_id is not None:
        unit = session.get(Unit, data.default_unit_id)
        if unit is None:
            problems["default_unit_id"] = "找不到所选的默认承办单位"
        elif not unit.active:
            problems["default_unit_id"] = f"“{unit.name}”已停用，不能作为默认承办单位"
    if problems:
        raise ValidationError(problems)
    return CategoryInput(name, data.limit_kind, days, data.default_unit_id, bool(data.is_xinfang))


@write_op(Change.REFERENCE)
def save_category(
    session: Session, actor: Actor, category_id: uuid.UUID | None, data: CategoryInput
) -> uuid.UUID:
    """Add a category or change one: its name, time-limit rule, default unit, 信访 or not.
    A new rule applies to matters registered from now on."""
    require(actor, Action.MANAGE_REFERENCE)
    d = _check_category(session, data, category_id)
    if category_id is None:
        cat = Category(
            id=uuid.uuid4(),
            name=d.name,
            limit_kind=d.limit_kind,
            limit_days=int(d.limit_days),
            default_unit_id=d.default_unit_id,
            is_xinfang=d.is_xinfang,
            sort=_next_sort(session, "category"),
            active=True,
        )
        session.add(cat)
        session.flush()
        _record(session, actor, "category", cat.id, f"新增“{d.name}”")
        return cat.id
    cat = _get(session, "category", category_id)
    changes = {
        "limit_kind": d.limit_kind,
        "limit_days": int(d.limit_days),
        "default_unit_id": d.default_unit_id,
        "is_xinfang": d.is_xinfang,
    }
    _edit(session, actor, "category", cat, d.name, changes)
    return cat.id


# --- any list --------------------------------------------------------------------------------


@write_op(Change.REFERENCE)
def move_item(
    session: Session, actor: Actor, kind: ListKind, item_id: uuid.UUID, step: int
) -> None:
    """上移 (step -1) / 下移 (+1): the order the lists and forms offer."""
    require(actor, Action.MANAGE_REFERENCE)
    model = _MODELS[kind]
    items = list(session.scalars(select(model).order_by(model.sort, model.name)))
    at = next((i for i, x in enumerate(items) if x.id == item_id), None)
    if at is None:
        _get(session, kind, item_id)
        return
    to = at + (1 if step > 0 else -1)
    if not 0 <= to < len(items):
        return
    items[at], items[to] = items[to], items[at]
    for i, x in enumerate(items):
        x.sort = i
    session.flush()
    _record(session, actor, kind, item_id, f"“{items[to].name}”{'下移' if step > 0 else '上移'}")


@write_op(Change.REFERENCE)
def set_active(
    session: Session, actor: Actor, kind: ListKind, item_id: uuid.UUID, active: bool
) -> None:
    """停用 / 启用: a deactivated item is missing from new choices; history keeps it."""
    require(actor, Action.MANAGE_REFERENCE)
    item = _get(session, kind, item_id)
    if item.active == active:
        return
    if not active:
        _refuse_program_name(kind, item.name, "停用")
        if kind == "unit":
            used = session.scalar(
                select(Category.name).where(
                    Category.default_unit_id == item.id, Category.active.is_(True)
                )
            )
            if used:
                raise ValidationError(
                    f"“{item.name}”是事项类别“{used}”的默认承办单位，"
                    "请先给该类别改选默认承办单位，再停用。"
                )
    elif kind == "village" and item.merged_into_id is not None:
        raise ValidationError(f"“{item.name}”已并入其他村社区，不能重新启用。")
    item.active = active
    session.flush()
    _record(session, actor, kind, item.id, f"{'启用' if active else '停用'}“{item.name}”")


@write_op(Change.REFERENCE, Change.SETTINGS)
def set_document_roles(session: Session, actor: Actor, **roles: str) -> DocumentRoles:
    """文书署名: committee names, the seal text, the center's address and phone."""
    require(actor, Action.MANAGE_REFERENCE)
    known = {f.name for f in fields(DocumentRoles)}
    unknown = set(roles) - known
    if unknown:
        raise ValidationError(f"未知的署名项目：{'、'.join(sorted(unknown))}")
    clean = {}
    problems: dict[str, str] = {}
    for key, value in roles.items():
        most = 120 if key == "center_address" else 32 if key == "center_phone" else 64
        try:
            clean[key] = validate_text(
                "" if value is None else str(value),
                key,
                ROLE_LABELS[key],
                required=False,
                max_len=most,
            )
        except ValidationError as err:
            problems.update(err.fields)
    if problems:
        raise ValidationError(problems)
    current = load_settings(session)
    changed = {k: v for k, v in clean.items() if getattr(current, k) != v}
    if changed:
        save_settings(session, **changed)
        audit.record(
            session,
            actor,
            "reference_change",
            object_type="document_roles",
            reason="文书署名：" + "、".join(ROLE_LABELS[k] for k in sorted(changed)),
        )
    s = load_settings(session)
    return DocumentRoles(
        s.mediation_committee,
        s.mediation_seal,
        s.family_committee,
        s.center_address,
        s.center_phone,
    )
