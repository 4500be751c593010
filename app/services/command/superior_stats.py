"""统计报表 for superiors: the periodic tables the county asks for, counted from the matters
and the mediation cases, with a period and an optional village or unit.

| code      | 表                             | counted from                                     |
|-----------|--------------------------------|--------------------------------------------------|
| disputes  | 矛盾纠纷排查化解情况统计表（月）| dispute matters received in the period            |
| petitions | 信访事项情况统计表（月）        | matters of a 信访 category received in the period |
| mediation | 人民调解案件情况统计表（季）    | mediation cases accepted in the period            |

Rows follow the dispute types of docs/DOMAIN.md §5 (``DisputeType``) or, for 信访, the channel
it came in by. Each table counts a cohort: what came in during the period, and what has become
of it by the day the table is made; the notes printed under each table say so. Where no public
form fixes a column, the choice is the README's ("统计报表的口径").
"""

from __future__ import annotations

import uuid
from collections import Counter
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path

from sqlalchemy import Select, and_, exists, func, or_, select
from sqlalchemy.orm import Session

from app.core import clock
from app.core.errors import ServiceError, ValidationError
from app.core.ops import read_op, write_op
from app.models import (
    Agreement,
    AgreementKind,
    AgreementStatus,
    CaseSource,
    CaseStatus,
    Category,
    Channel,
    DisputeType,
    Grid,
    Matter,
    MatterStatus,
    MediationCase,
    Satisfaction,
    Unit,
    Village,
)
from app.reports.superior_stats import (
    StatsColumn,
    StatsSheet,
    render_stats_pdf,
    render_stats_xlsx,
)
from app.services.center.settings import load_settings
from app.services.command.statistics import first_village_subquery, resolved_condition
from app.services.context import Actor
from app.services.security import audit
from app.services.security.permissions import Action, require

# Matter categories that are disputes (default names, as the 矛盾排查化解台账 uses them).
DISPUTE_CATEGORY_NAMES = ("矛盾纠纷", "家事纠纷")
NO_CASE = "未立调解案件"

TABLES: dict[str, str] = {
    "disputes": "矛盾纠纷排查化解情况统计表",
    "petitions": "信访事项情况统计表",
    "mediation": "人民调解案件情况统计表",
}
# The period each table is usually made for (the dialog's default).
TABLE_PERIOD = {"disputes": "month", "petitions": "month", "mediation": "quarter"}


@dataclass
class StatsFilter:
    since: date
    until: date
    village_id: uuid.UUID | None = None
    unit_id: uuid.UUID | None = None
    grid_id: uuid.UUID | None = None  # 网格: the matters (and their cases) of one grid


def default_period(code: str, today: date | None = None) -> tuple[date, date]:
    """The month (or quarter, for the mediation table) before the one ``today`` is in: the
    table one sends up at the start of a month."""
    today = today or clock.today()
    first = today.replace(day=1)
    if TABLE_PERIOD.get(code) == "quarter":
        q_first = date(today.year, 3 * ((today.month - 1) // 3) + 1, 1)
        end = q_first - timedelta(days=1)
        return date(end.year, end.month - 2, 1), end
    end = first - timedelta(days=1)
    return end.replace(day=1), end


def _bounds(f: StatsFilter) -> tuple[datetime, datetime]:
    if f.until < f.since:
        raise ValidationError({"until": "结束日期不能早于开始日期"})
    if (f.until - f.since).days > 366:
        raise ValidationError({"until": "统计期间最长一年"})
    start = datetime.combine(f.since, datetime.min.time())
    return start, datetime.combine(f.until + timedelta(days=1), datetime.min.time())


def _rate(part: int, whole: int) -> float | None:
    return part / whole if whole else None


def _filters_text(session: Session, f: StatsFilter) -> str:
    parts = []
    if f.village_id:
        v = session.get(Village, f.village_id)
        parts.append(f"村社区：{v.name if v else '（已删除）'}")
    if f.unit_id:
        u = session.get(Unit, f.unit_id)
        parts.append(f"承办单位：{u.name if u else '（已删除）'}")
    if f.grid_id and (g := session.get(Grid, f.grid_id)) is not None:
        parts.append(f"网格：{g.name}（{g.code}）")
    return "，".join(parts) or "全部"


def _matter_filter(q: Select, f: StatsFilter) -> Select:
    start, end = _bounds(f)
    q = q.where(Matter.received_at >= start, Matter.received_at < end)
    if f.village_id:
        v = first_village_subquery()
        q = q.where(Matter.id.in_(select(v.c.matter_id).where(v.c.village_id == f.village_id)))
    if f.unit_id:
        q = q.where(Matter.unit_id == f.unit_id)
    if f.grid_id:
        q = q.where(Matter.grid_id == f.grid_id)
    return q


def _overdue(today: date):
    return and_(Matter.status.in_(_OPEN), Matter.deadline < today)


_OPEN = [MatterStatus.REGISTERED, MatterStatus.ROUTED, MatterStatus.IN_PROGRESS]


# --- 矛盾纠纷排查化解情况统计表 ---------------------------------------------------------------


DISPUTE_COLUMNS = [
    StatsColumn("纠纷类型", "text", 10),
    StatsColumn("排查受理（件）", "int", 7),
    StatsColumn("其中主动排查", "int", 6),
    StatsColumn("其中群体性", "int", 6),
    StatsColumn("化解成功（件）", "int", 7),
    StatsColumn("化解成功率", "rate", 6),
    StatsColumn("正在化解", "int", 6),
    StatsColumn("其中逾期", "int", 6),
    StatsColumn("不予受理/移送", "int", 7),
]


def _dispute_sheet(session: Session, f: StatsFilter, today: date) -> tuple[list, list, list]:
    case_type = (
        select(MediationCase.dispute_type)
        .where(MediationCase.matter_id == Matter.id)
        .order_by(MediationCase.accepted_at)
        .limit(1)
        .correlate(Matter)
        .scalar_subquery()
    )
    has_case = exists().where(MediationCase.matter_id == Matter.id)
    q = (
        select(
            case_type.label("dtype"),
            Matter.channel,
            Matter.is_group,
            resolved_condition().label("resolved"),
            Matter.status.in_(_OPEN).label("open"),
            _overdue(today).label("overdue"),
            Matter.status.in_([MatterStatus.REJECTED, MatterStatus.TRANSFERRED]).label("refused"),
        )
        .join(Category, Category.id == Matter.category_id)
        .where(
            or_(
                and_(
                    func.coalesce(Matter.category_name, Category.name).in_(DISPUTE_CATEGORY_NAMES),
                    Category.is_xinfang.is_(False),
                ),
                has_case,
            )
        )
    )
    counts: dict[str, list[int]] = {}
    for r in session.execute(_matter_filter(q, f)):
        label = DisputeType(r.dtype).label if r.dtype is not None else NO_CASE
        c = counts.setdefault(label, [0] * 7)
        c[0] += 1
        c[1] += r.channel == Channel.INSPECTION
        c[2] += bool(r.is_group)
        c[3] += bool(r.resolved)
        c[4] += bool(r.open)
        c[5] += bool(r.overdue)
        c[6] += bool(r.refused)

    def row(label: str, c: list[int]) -> list:
        return [label, c[0], c[1], c[2], c[3], _rate(c[3], c[0]), c[4], c[5], c[6]]

    labels = [t.label for t in DisputeType] + [NO_CASE]
    rows = [row(x, counts.get(x, [0] * 7)) for x in labels]
    total = [sum(c[i] for c in counts.values()) for i in range(7)]
    notes = [
        "统计对象：期间内受理的矛盾纠纷事项（类别为“矛盾纠纷”“家事纠纷”，或已立调解案件的事项），"
        "按受理时间计入；信访事项另表统计。",
        "纠纷类型按人民调解统计口径（16类），取该事项调解案件的纠纷类型；未立调解案件的另列一行。",
        "化解成功：截至填报日已办结（有办理结果或当场答复）；化解成功率＝化解成功÷排查受理。",
        "主动排查：来源为“主动排查”的事项；群体性：登记为群体性事项的。",
    ]
    return rows, row("合计", total), notes


# --- 信访事项情况统计表 -----------------------------------------------------------------------


PETITION_COLUMNS = [
    StatsColumn("来源渠道", "text", 8),
    StatsColumn("受理（件）", "int", 6),
    StatsColumn("涉及人数（人次）", "int", 7),
    StatsColumn("其中集体访（件）", "int", 7),
    StatsColumn("办结（件）", "int", 6),
    StatsColumn("办结率", "rate", 6),
    StatsColumn("在办", "int", 5),
    StatsColumn("其中逾期", "int", 5),
    StatsColumn("不予受理", "int", 5),
    StatsColumn("转送/移送", "int", 6),
    StatsColumn("满意（含基本满意）", "int", 7),
]


def _petition_sheet(session: Session, f: StatsFilter, today: date) -> tuple[list, list, list]:
    q = (
        select(
            Matter.channel,
            Matter.is_group,
            Matter.head_count,
            resolved_condition().label("resolved"),
            Matter.status.in_(_OPEN).label("open"),
            _overdue(today).label("overdue"),
            Matter.status,
            Matter.satisfaction,
        )
        .join(Category, Category.id == Matter.category_id)
        .where(Category.is_xinfang.is_(True))
    )
    counts: dict[Channel, list[int]] = {}
    for r in session.execute(_matter_filter(q, f)):
        c = counts.setdefault(r.channel, [0] * 9)
        c[0] += 1
        c[1] += (r.head_count or 1) if r.is_group else 1
        c[2] += bool(r.is_group)
        c[3] += bool(r.resolved)
        c[4] += bool(r.open)
        c[5] += bool(r.overdue)
        c[6] += r.status == MatterStatus.REJECTED
        c[7] += r.status == MatterStatus.TRANSFERRED
        c[8] += r.satisfaction in (Satisfaction.SATISFIED, Satisfaction.FAIRLY)

    def row(label: str, c: list[int]) -> list:
        return [label, *c[:4], _rate(c[3], c[0]), *c[4:]]

    rows = [row(ch.label, counts.get(ch, [0] * 9)) for ch in Channel]
    total = [sum(c[i] for c in counts.values()) for i in range(9)]
    notes = [
        "统计对象：期间内受理的信访类别事项（中心资料中标为“信访事项”的类别），按受理时间计入。",
        "来源渠道即登记时的来源（来访、来信、来电、网格上报、平台转入、上级交办、主动排查）。",
        "涉及人数：群体性事项按登记的人数计，其余每件计1人次；集体访即登记为群体性的事项。",
        "办结：截至填报日已办结；办结率＝办结÷受理。逾期：截至填报日仍在办且已过办理期限。",
        "满意：群众回访评价为满意或基本满意的件数。",
    ]
    return rows, row("合计", total), notes


# --- 人民调解案件情况统计表 -------------------------------------------------------------------


MEDIATION_COLUMNS = [
    StatsColumn("纠纷类型", "text", 9),
    StatsColumn("受理（件）", "int", 5),
    StatsColumn("申请调解", "int", 5),
    StatsColumn("主动调解", "int", 5),
    StatsColumn("委托移送", "int", 5),
    StatsColumn("调解成功", "int", 5),
    StatsColumn("调解不成功/终止", "int", 6),
    StatsColumn("转办", "int", 4),
    StatsColumn("正在调解", "int", 5),
    StatsColumn("调解成功率", "rate", 5),
    StatsColumn("书面协议", "int", 5),
    StatsColumn("口头协议", "int", 5),
    StatsColumn("协议涉及金额（元）", "money", 9),
]


SOURCES = [CaseSource.APPLIED, CaseSource.OWN_INITIATIVE, CaseSource.REFERRED]


def _mediation_sheet(session: Session, f: StatsFilter, today: date) -> tuple[list, list, list]:
    start, end = _bounds(f)
    q = select(
        MediationCase.id,
        MediationCase.dispute_type,
        MediationCase.source,
        MediationCase.status,
        MediationCase.transfer_body,
        MediationCase.amount_cents,
    ).where(MediationCase.accepted_at >= start, MediationCase.accepted_at < end)
    if f.village_id:
        v = first_village_subquery()
        q = q.where(
            MediationCase.matter_id.in_(select(v.c.matter_id).where(v.c.village_id == f.village_id))
        )
    if f.unit_id:
        q = q.where(
            MediationCase.matter_id.in_(select(Matter.id).where(Matter.unit_id == f.unit_id))
        )
    if f.grid_id:
        q = q.where(
            MediationCase.matter_id.in_(select(Matter.id).where(Matter.grid_id == f.grid_id))
        )
    cases = session.execute(q).all()
    # The signed agreement of each case (the newest version counts): 书面 or 口头.
    kinds: dict[uuid.UUID, AgreementKind] = {}
    ids = [c.id for c in cases]
    for i in range(0, len(ids), 500):
        for cid, kind in session.execute(
            select(Agreement.case_id, Agreement.kind)
            .where(Agreement.case_id.in_(ids[i : i + 500]))
            .where(Agreement.status == AgreementStatus.SIGNED)
            .order_by(Agreement.version)
        ):
            kinds[cid] = kind
    counts: dict[DisputeType, list[int]] = {}
    amounts: Counter[DisputeType] = Counter()
    for c in cases:
        n = counts.setdefault(c.dispute_type, [0] * 10)
        n[0] += 1
        n[1 + SOURCES.index(c.source)] += 1
        # An archived case keeps its outcome in what it holds: a transfer, a signed agreement
        # (调解成功 needs one), else it failed or was ended.
        if c.status in (CaseStatus.ACCEPTED, CaseStatus.MEDIATING):
            outcome = 7
        elif c.status == CaseStatus.TRANSFERRED or c.transfer_body is not None:
            outcome = 6
        elif c.status == CaseStatus.SUCCEEDED or (
            c.status == CaseStatus.ARCHIVED and c.id in kinds
        ):
            outcome = 4
        else:
            outcome = 5
        n[outcome] += 1
        if outcome == 4:
            kind = kinds.get(c.id)
            if kind is not None:
                n[8 if kind == AgreementKind.WRITTEN else 9] += 1
            amounts[c.dispute_type] += c.amount_cents or 0

    def row(label: str, n: list[int], cents: int) -> list:
        closed = n[4] + n[5] + n[6]
        return [label, *n[:8], _rate(n[4], closed), n[8], n[9], cents / 100]

    rows = [row(t.label, counts.get(t, [0] * 10), amounts[t]) for t in DisputeType]
    total = [sum(n[i] for n in counts.values()) for i in range(10)]
    notes = [
        "统计对象：期间内受理的调解案件（矛盾纠纷调解室与家事调解室），按受理日期计入；"
        "结果截至填报日。",
        "纠纷类型与案件来源按人民调解统计口径（16类纠纷；申请调解、主动调解、委托移送）。",
        "调解成功率＝调解成功÷已结案件（调解成功＋调解不成功/终止＋转办）。",
        "协议涉及金额：调解成功案件登记的争议金额之和（协议本身不另记金额）。",
        "书面协议/口头协议：调解成功案件已签署的调解协议书或已登记的口头协议。",
    ]
    return rows, row("合计", total, sum(amounts.values())), notes


_BUILDERS = {
    "disputes": (DISPUTE_COLUMNS, _dispute_sheet),
    "petitions": (PETITION_COLUMNS, _petition_sheet),
    "mediation": (MEDIATION_COLUMNS, _mediation_sheet),
}


@read_op
def build_sheet(session: Session, actor: Actor, code: str, f: StatsFilter) -> StatsSheet:
    """The table ``code`` for the period and filter (counts only, no names)."""
    require(actor, Action.VIEW_COMMAND)
    if code not in _BUILDERS:
        names = "、".join(f"{k}（{v}）" for k, v in TABLES.items())
        raise ValidationError(f"没有“{code}”这张统计表。可选：{names}")
    columns, build = _BUILDERS[code]
    today = clock.today()
    rows, total, notes = build(session, f, today)
    return StatsSheet(
        code=code,
        title=TABLES[code],
        center_name=load_settings(session).center_name,
        since=f.since,
        until=f.until,
        columns=columns,
        rows=rows,
        total=total,
        filters=_filters_text(session, f),
        notes=notes,
        made_on=today,
    )


@write_op()
def export_sheet(
    session: Session, actor: Actor, code: str, f: StatsFilter, fmt: str
) -> tuple[StatsSheet, bytes]:
    """XLSX or PDF bytes of the table, recorded in the audit log (who, which table, period)."""
    fmt = fmt.lower().lstrip(".")
    if fmt not in ("xlsx", "pdf"):
        raise ValidationError("统计表只能导出为 xlsx 或 pdf")
    sheet = build_sheet(session, actor, code, f)
    data = render_stats_xlsx(sheet) if fmt == "xlsx" else render_stats_pdf(sheet)
    audit.record(
        session,
        actor,
        "export_stats",
        object_type="stats",
        object_id=code,
        reason=f"{sheet.title}，{sheet.period}，{sheet.filters}，{fmt.upper()}",
    )
    return sheet, data


@write_op()
def export_sheet_file(
    session: Session, actor: Actor, code: str, f: StatsFilter, fmt: str, path: Path
) -> tuple[StatsSheet, Path]:
    """``export_sheet`` written to ``path``; a file that cannot be written fails the export and
    rolls its audit row back."""
    sheet, data = export_sheet(session, actor, code, f, fmt)
    try:
        path.write_bytes(data)
    except OSError as exc:
        raise ServiceError(f"无法写入 {path}：{exc.strerror or exc}") from exc
    return sheet, path
