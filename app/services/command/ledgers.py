"""工作台账: the registers the notice names, as views over matters or as records of their own,
each filtered by period, village and unit, and exported to XLSX or PDF.

| code       | 台账                   | built from                                             |
|------------|------------------------|--------------------------------------------------------|
| matters    | 事项台账               | every matter                                           |
| mediation  | 调解台账               | mediation cases (both rooms)                           |
| disputes   | 矛盾排查化解台账       | matters of the dispute and petition categories         |
| social_aid | 社会救助台账           | its own records (``AidRecord``), totals per aid type   |
| aid_matters| 求助事项台账           | matters of the 求助 category                           |
| migrants   | 流动人口服务管理台账   | its own records (``Migrant``)                          |
| special    | 特殊人群帮扶管控台账   | its own records (``SpecialPerson``)                    |
| safety     | 平安创建台账           | its own records (``SafetyCreation``)                   |
| youth      | 重点青少年帮扶台账     | its own records (``KeyYouth``)                         |
| campus     | 校园及周边安全检查台账 | its own records (``CampusCheck``)                      |
| lines      | 护路护线台账           | its own records (``LinePatrol``)                       |
| drugs      | 禁毒工作台账           | its own records (``DrugCase``)                         |
| places     | 重点场所台账           | its own records (``KeyPlace``) and their inspections   |

Exports carry names and ID numbers: each is recorded in the audit log (who, which ledger,
how many rows, which format), never the rows themselves.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal
from pathlib import Path

from sqlalchemy import Select, func, or_, select
from sqlalchemy.orm import Session, aliased

from app.core import clock
from app.core.errors import ServiceError, ValidationError
from app.core.ops import read_op, write_op
from app.models import (
    Agreement,
    AgreementStatus,
    AidRecord,
    AidType,
    CampusCheck,
    CaseMediator,
    CaseParty,
    CaseRoom,
    Category,
    DrugCase,
    Grid,
    KeyPlace,
    KeyYouth,
    LinePatrol,
    Matter,
    MatterPerson,
    MatterStatus,
    MediationCase,
    Migrant,
    Person,
    PlaceInspection,
    SafetyCreation,
    SpecialPerson,
    Unit,
    User,
    Village,
)
from app.reports.base import format_date_cn
from app.reports.ledger import LedgerTable, render_ledger_pdf, render_ledger_xlsx
from app.services.center.settings import load_settings
from app.services.command import visits
from app.services.command.statistics import first_village_subquery, resolved_condition
from app.services.context import Actor
from app.services.reception.sealed import sealed_lines
from app.services.security import audit
from app.services.security.permissions import Action, allowed, require
from app.services.validation import id_number_info, mask_id_number, mask_phone

# Categories whose matters make up the view ledgers (default names; docs/DOMAIN.md §2).
DISPUTE_CATEGORIES = ("矛盾纠纷", "家事纠纷", "信访事项")
AID_CATEGORIES = ("求助",)


@dataclass
class LedgerFilter:
    since: date | None = None
    until: date | None = None
    village_id: uuid.UUID | None = None
    unit_id: uuid.UUID | None = None
    grid_id: uuid.UUID | None = None  # 网格: matters and register records of one grid


@dataclass(frozen=True)
class LedgerDef:
    code: str
    title: str
    columns: list[tuple[str, int]]  # header, width in characters
    rows: Callable[[Session, Actor, LedgerFilter, bool], list[tuple]]  # registers: id first
    personal: bool = True
    register: str | None = None  # the register kind, for ledgers with their own records
    date_label: str = "受理时间"
    action: Action | None = None  # a permission needed beyond seeing ledgers
    # Rows under the table (合计 …) from its rows as shown, each as wide as the columns.
    totals: Callable[[list[tuple]], list[tuple]] | None = None


LEDGERS: dict[str, LedgerDef] = {}


def _ledger(
    code, title, columns, *, register=None, date_label="受理时间", action=None, totals=None
):
    def wrap(fn):
        LEDGERS[code] = LedgerDef(
            code, title, columns, fn, True, register, date_label, action, totals
        )
        return fn

    return wrap


# --- matter-based views -----------------------------------------------------------------------


def _persons(session: Session):
    mp, p = aliased(MatterPerson), aliased(Person)
    if session.get_bind().dialect.name == "postgresql":
        joined = func.string_agg(p.name, "、")
    else:
        joined = func.group_concat(p.name, "、")
    return (
        select(joined)
        .select_from(mp)
        .join(p, p.id == mp.person_id)
        .where(mp.matter_id == Matter.id)
        .correlate(Matter)
        .scalar_subquery()
    )


def _first_phone():
    mp, p = aliased(MatterPerson), aliased(Person)
    return (
        select(p.phone)
        .select_from(mp)
        .join(p, p.id == mp.person_id)
        .where(mp.matter_id == Matter.id, mp.position == 0)
        .correlate(Matter)
        .scalar_subquery()
    )


def _period(q: Select, column, f: LedgerFilter) -> Select:
    if f.since:
        q = q.where(column >= datetime.combine(f.since, datetime.min.time()))
    if f.until:
        q = q.where(column < datetime.combine(f.until + timedelta(1), datetime.min.time()))
    return q


def _matter_query(session: Session, f: LedgerFilter, *extra) -> Select:
    """The columns the matter ledgers show, by name; plain columns rather than whole Matter
    objects, so a year of 100,000 matters builds in a few seconds."""
    v = first_village_subquery()
    q = (
        select(
            Matter.id,
            Matter.number,
            Matter.received_at,
            Matter.channel,
            Matter.summary,
            Matter.handler_name,
            Matter.status,
            Matter.deadline,
            Matter.closed_at,
            Matter.result,
            Matter.answer,
            Matter.satisfaction,
            Matter.is_group,
            Matter.head_count,
            # The names the matter was made with (a later rename changes no ledger).
            func.coalesce(Matter.category_name, Category.name).label("category"),
            func.coalesce(Matter.unit_name, Unit.name).label("unit"),
            func.coalesce(Matter.village_name, Village.name).label("village"),
            _persons(session).label("persons"),
        )
        .join(Category, Category.id == Matter.category_id)
        .outerjoin(Unit, Unit.id == Matter.unit_id)
        .outerjoin(v, v.c.matter_id == Matter.id)
        .outerjoin(Village, Village.id == v.c.village_id)
        .order_by(Matter.received_at, Matter.number)
    )
    q = _period(q, Matter.received_at, f)
    if f.village_id:
        q = q.where(v.c.village_id == f.village_id)
    if f.unit_id:
        q = q.where(Matter.unit_id == f.unit_id)
    if f.grid_id:
        q = q.where(Matter.grid_id == f.grid_id)
    for cond in extra:
        q = q.where(cond)
    return q


def _dt(d: datetime | None) -> str:
    return str(d)[:16] if d else ""  # 2026-03-05 09:30 (str() is the quick way on 100,000 rows)


def _d(d: date | datetime | None) -> str:
    if d is None:
        return ""
    return str(d)[:10]


def _label(e) -> str:
    return e.label if e is not None else ""


@_ledger(
    "matters",
    "事项台账",
    [
        ("受理编号", 16),
        ("受理时间", 16),
        ("来源", 8),
        ("类别", 8),
        ("群众", 12),
        ("村社区", 8),
        ("事项摘要", 36),
        ("承办单位", 14),
        ("承办人", 8),
        ("状态", 8),
        ("办理期限", 10),
        ("办结时间", 16),
        ("办理结果", 30),
        ("满意度", 8),
        ("网格", 14),
        ("上报网格员", 8),
    ],
)
def _matters(session: Session, actor: Actor, f: LedgerFilter, mask: bool) -> list[tuple]:
    sealed = sealed_lines(session, actor)
    return [
        (
            m.number,
            _dt(m.received_at),
            m.channel.label,
            m.category,
            m.persons or "",
            m.village or "",
            sealed.get(m.id, m.summary),
            m.unit or "",
            m.handler_name or "",
            m.status.label,
            _d(m.deadline),
            _dt(m.closed_at),
            "" if m.id in sealed else m.result or m.answer or "",
            _label(m.satisfaction),
            m.grid_name or "",  # the name alone: the 台账 is crowded (the filter line has the code)
            m.grid_reporter or "",
        )
        for m in session.execute(
            _matter_query(session, f)
            .add_columns(Grid.name.label("grid_name"), Matter.grid_reporter)
            .outerjoin(Grid, Grid.id == Matter.grid_id)
        )
    ]


@_ledger(
    "mediation",
    "调解台账",
    [
        ("案号", 18),
        ("受理日期", 10),
        ("调解室", 12),
        ("纠纷类型", 8),
        ("案件来源", 8),
        ("当事人", 16),
        ("村社区", 8),
        ("案由", 28),
        ("调解员", 10),
        ("状态", 8),
        ("协议", 18),
        ("涉及金额（元）", 12),
        ("结案日期", 10),
        ("结果说明", 28),
    ],
    action=Action.VIEW_CASES,
)
def _mediation(session: Session, actor: Actor, f: LedgerFilter, mask: bool) -> list[tuple]:
    v = first_village_subquery()
    q = (
        select(MediationCase, func.coalesce(Matter.village_name, Village.name))
        .outerjoin(Matter, Matter.id == MediationCase.matter_id)
        .outerjoin(v, v.c.matter_id == MediationCase.matter_id)
        .outerjoin(Village, Village.id == v.c.village_id)
        .order_by(MediationCase.accepted_at, MediationCase.number)
    )
    q = _period(q, MediationCase.accepted_at, f)
    if f.village_id:
        q = q.where(v.c.village_id == f.village_id)
    if f.unit_id:  # the room itself, or a case one of the unit's staff mediates
        unit = session.get(Unit, f.unit_id)
        rooms = [r for r in CaseRoom if r.label == unit.name]
        staff = select(CaseMediator.case_id).join(User, User.id == CaseMediator.user_id)
        q = q.where(
            or_(
                MediationCase.room.in_(rooms),
                MediationCase.id.in_(staff.where(User.unit_id == f.unit_id)),
            )
        )
    cases = session.execute(q).all()
    ids = [c.id for c, _v in cases]
    parties: dict[uuid.UUID, list[str]] = {}
    mediators: dict[uuid.UUID, list[str]] = {}
    agreements: dict[uuid.UUID, str] = {}
    for chunk in _chunks(ids):
        for cid, name in session.execute(
            select(CaseParty.case_id, CaseParty.name)
            .where(CaseParty.case_id.in_(chunk))
            .order_by(CaseParty.position)
        ):
            parties.setdefault(cid, []).append(name)
        for cid, name in session.execute(
            select(CaseMediator.case_id, User.display_name)
            .join(User, User.id == CaseMediator.user_id)
            .where(CaseMediator.case_id.in_(chunk))
            .order_by(CaseMediator.is_lead.desc(), User.display_name)
        ):
            mediators.setdefault(cid, []).append(name)
        for cid, number, kind in session.execute(
            select(Agreement.case_id, Agreement.number, Agreement.kind).where(
                Agreement.case_id.in_(chunk), Agreement.status == AgreementStatus.SIGNED
            )
        ):
            agreements[cid] = f"{kind.label} {number}"
    return [
        (
            c.number,
            _d(c.accepted_at),
            c.room.label,
            c.dispute_type.label,
            c.source.label,
            "、".join(parties.get(c.id, [])),
            village or "",
            c.title,
            "、".join(mediators.get(c.id, [])),
            c.status.label,
            agreements.get(c.id, ""),
            f"{c.amount_cents / 100:.2f}" if c.amount_cents is not None else "",
            _d(c.closed_at),
            c.outcome or "",
        )
        for c, village in cases
    ]


def _chunks(ids: list, size: int = 500):
    for i in range(0, len(ids), size):
        yield ids[i : i + size]


def _resolution(m, resolved: bool) -> str:
    if resolved:
        return "已化解"
    if m.status in (MatterStatus.REJECTED, MatterStatus.TRANSFERRED) or m.closed_at:
        return "已移交/不予受理"
    return "化解中"


@_ledger(
    "disputes",
    "矛盾排查化解台账",
    [
        ("编号", 16),
        ("排查受理日期", 12),
        ("来源", 8),
        ("村社区", 8),
        ("当事人", 14),
        ("纠纷简要情况", 36),
        ("类别", 8),
        ("群体性（人数）", 10),
        ("化解责任单位", 14),
        ("责任人", 8),
        ("化解情况", 10),
        ("化解日期", 10),
        ("化解结果", 30),
    ],
)
def _disputes(session: Session, actor: Actor, f: LedgerFilter, mask: bool) -> list[tuple]:
    resolved = resolved_condition()
    q = _matter_query(session, f, Category.name.in_(DISPUTE_CATEGORIES)).add_columns(
        resolved.label("resolved")
    )
    sealed = sealed_lines(session, actor)
    return [
        (
            m.number,
            _d(m.received_at),
            m.channel.label,
            m.village or "",
            m.persons or "",
            sealed.get(m.id, m.summary),
            m.category,
            f"是（{m.head_count or '?'}人）" if m.is_group else "否",
            m.unit or "",
            m.handler_name or "",
            _resolution(m, bool(m.resolved)),
            _d(m.closed_at) if m.resolved else "",
            "" if m.id in sealed else m.result or m.answer or "",
        )
        for m in session.execute(q)
    ]


@_ledger(
    "aid_matters",
    "求助事项台账",
    [
        ("受理编号", 16),
        ("受理日期", 10),
        ("求助人", 12),
        ("联系电话", 13),
        ("村社区", 8),
        ("求助事项", 36),
        ("承办单位", 14),
        ("状态", 8),
        ("救助结果", 30),
        ("办结日期", 10),
    ],
)
def _aid_matters(session: Session, actor: Actor, f: LedgerFilter, mask: bool) -> list[tuple]:
    q = _matter_query(session, f, Category.name.in_(AID_CATEGORIES)).add_columns(
        _first_phone().label("phone")
    )
    sealed = sealed_lines(session, actor)
    return [
        (
            m.number,
            _d(m.received_at),
            m.persons or "",
            _masked(m.phone, mask, mask_phone),
            m.village or "",
            sealed.get(m.id, m.summary),
            m.unit or "",
            m.status.label,
            "" if m.id in sealed else m.result or m.answer or "",
            _d(m.closed_at),
        )
        for m in session.execute(q)
    ]


# --- registers with their own records -----------------------------------------------------------


def _sex(id_number: str | None) -> str:
    if not id_number:
        return ""
    try:
        return id_number_info(id_number)[1]
    except (ValidationError, ValueError):
        return ""


def _active_in(q: Select, start_col, end_col, f: LedgerFilter) -> Select:
    """Records whose listing overlaps the period: started by its end, not ended before its start."""
    if f.until:
        q = q.where(start_col <= f.until)
    if f.since:
        q = q.where(or_(end_col.is_(None), end_col >= f.since))
    return q


def _register_query(model, f: LedgerFilter) -> Select:
    q = (
        select(model, Village.name, Unit.name)
        .outerjoin(Village, Village.id == model.village_id)
        .outerjoin(Unit, Unit.id == model.unit_id)
    )
    if f.village_id:
        q = q.where(model.village_id == f.village_id)
    if f.unit_id:
        q = q.where(model.unit_id == f.unit_id)
    if f.grid_id:
        q = q.where(model.grid_id == f.grid_id)
    return q


@_ledger(
    "migrants",
    "流动人口服务管理台账",
    [
        ("姓名", 8),
        ("性别", 4),
        ("身份证号", 20),
        ("联系电话", 13),
        ("户籍地", 20),
        ("现住址", 24),
        ("村社区", 8),
        ("工作单位", 18),
        ("来本地日期", 10),
        ("居住证号", 14),
        ("离开日期", 10),
        ("责任单位", 12),
        ("备注", 20),
    ],
    register="migrants",
    date_label="来本地日期",
)
def _migrants(session: Session, actor: Actor, f: LedgerFilter, mask: bool) -> list[tuple]:
    q = _active_in(_register_query(Migrant, f), Migrant.arrived_on, Migrant.left_on, f)
    q = q.order_by(Migrant.arrived_on, Migrant.name)
    return [
        (
            r.id,
            r.name,
            _sex(r.id_number),
            _masked(r.id_number, mask, mask_id_number),
            _masked(r.phone, mask, mask_phone),
            r.origin,
            r.address,
            village or "",
            r.employer,
            _d(r.arrived_on),
            r.permit_no,
            _d(r.left_on),
            unit or "",
            r.note,
        )
        for r, village, unit in session.execute(q)
    ]


@_ledger(
    "special",
    "特殊人群帮扶管控台账",
    [
        ("姓名", 8),
        ("性别", 4),
        ("身份证号", 20),
        ("联系电话", 13),
        ("人员类别", 14),
        ("村社区", 8),
        ("现住址", 24),
        ("风险等级", 6),
        ("帮扶责任人", 10),
        ("管控单位", 12),
        ("列管日期", 10),
        ("最近走访", 10),
        ("帮扶管控措施", 30),
        ("解除列管日期", 12),
    ],
    register="special",
    date_label="列管日期",
)
def _special(session: Session, actor: Actor, f: LedgerFilter, mask: bool) -> list[tuple]:
    q = _active_in(
        _register_query(SpecialPerson, f), SpecialPerson.listed_on, SpecialPerson.released_on, f
    )
    q = q.order_by(SpecialPerson.category, SpecialPerson.listed_on, SpecialPerson.name)
    last = visits.last_visits(session)  # 最近走访: the newest visit of the log
    return [
        (
            r.id,
            r.name,
            _sex(r.id_number),
            _masked(r.id_number, mask, mask_id_number),
            _masked(r.phone, mask, mask_phone),
            r.category.label,
            village or "",
            r.address,
            r.risk_level.label,
            r.helper,
            unit or "",
            _d(r.listed_on),
            _d(last.get(r.id)),
            r.measures,
            _d(r.released_on),
        )
        for r, village, unit in session.execute(q)
    ]


@_ledger(
    "safety",
    "平安创建台账",
    [
        ("创建类型", 8),
        ("创建对象", 24),
        ("村社区", 8),
        ("牵头单位", 12),
        ("年度", 6),
        ("创建状态", 8),
        ("考评日期", 10),
        ("备注", 30),
    ],
    register="safety",
    date_label="年度",
)
def _safety(session: Session, actor: Actor, f: LedgerFilter, mask: bool) -> list[tuple]:
    q = _register_query(SafetyCreation, f)
    if f.since:
        q = q.where(SafetyCreation.year >= f.since.year)
    if f.until:
        q = q.where(SafetyCreation.year <= f.until.year)
    q = q.order_by(SafetyCreation.year, SafetyCreation.kind, SafetyCreation.name)
    return [
        (
            r.id,
            r.kind.label,
            r.name,
            village or "",
            unit or "",
            str(r.year),
            r.status.label,
            _d(r.assessed_on),
            r.note,
        )
        for r, village, unit in session.execute(q)
    ]


def _between(q: Select, column, f: LedgerFilter) -> Select:
    """Records dated within the period (an inspection, a patrol, an approval)."""
    if f.since:
        q = q.where(column >= f.since)
    if f.until:
        q = q.where(column <= f.until)
    return q


def _masked(value: str | None, mask: bool, how) -> str:
    return (how(value) if mask else value) or ""


@_ledger(
    "youth",
    "重点青少年帮扶台账",
    [
        ("姓名", 8),
        ("性别", 4),
        ("身份证号", 20),
        ("联系电话", 13),
        ("人员类别", 14),
        ("村社区", 8),
        ("现住址", 24),
        ("监护人", 8),
        ("监护人电话", 13),
        ("就学就业", 6),
        ("学校或单位", 18),
        ("帮扶人", 8),
        ("帮扶单位", 12),
        ("列管日期", 10),
        ("帮扶措施", 30),
        ("解除日期", 10),
    ],
    register="youth",
    date_label="列管日期",
)
def _youth(session: Session, actor: Actor, f: LedgerFilter, mask: bool) -> list[tuple]:
    q = _active_in(_register_query(KeyYouth, f), KeyYouth.listed_on, KeyYouth.released_on, f)
    q = q.order_by(KeyYouth.category, KeyYouth.listed_on, KeyYouth.name)
    return [
        (
            r.id,
            r.name,
            _sex(r.id_number),
            _masked(r.id_number, mask, mask_id_number),
            _masked(r.phone, mask, mask_phone),
            r.category.label,
            village or "",
            r.address,
            r.guardian,
            _masked(r.guardian_phone, mask, mask_phone),
            r.school_status.label,
            r.school,
            r.helper,
            unit or "",
            _d(r.listed_on),
            r.measures,
            _d(r.released_on),
        )
        for r, village, unit in session.execute(q)
    ]


@_ledger(
    "campus",
    "校园及周边安全检查台账",
    [
        ("学校名称", 18),
        ("学校类别", 8),
        ("村社区", 8),
        ("安全负责人", 8),
        ("联系电话", 13),
        ("检查单位", 12),
        ("检查日期", 10),
        ("检查项目", 24),
        ("发现问题", 28),
        ("整改情况", 8),
        ("整改措施", 28),
        ("整改完成日期", 10),
        ("备注", 20),
    ],
    register="campus",
    date_label="检查日期",
)
def _campus(session: Session, actor: Actor, f: LedgerFilter, mask: bool) -> list[tuple]:
    q = _between(_register_query(CampusCheck, f), CampusCheck.inspected_on, f)
    q = q.order_by(CampusCheck.inspected_on, CampusCheck.school)
    return [
        (
            r.id,
            r.school,
            r.school_kind.label,
            village or "",
            r.contact,
            _masked(r.contact_phone, mask, mask_phone),
            unit or "",
            _d(r.inspected_on),
            r.items,
            r.problems,
            r.rectify_status.label,
            r.rectify,
            _d(r.rectified_on),
            r.note,
        )
        for r, village, unit in session.execute(q)
    ]


@_ledger(
    "lines",
    "护路护线台账",
    [
        ("线路名称", 16),
        ("线路类别", 8),
        ("管护路段", 18),
        ("村社区", 8),
        ("段长", 8),
        ("段长电话", 13),
        ("责任单位", 12),
        ("巡查日期", 10),
        ("隐患处置", 8),
        ("风险隐患点", 28),
        ("处置情况", 28),
        ("备注", 20),
    ],
    register="lines",
    date_label="巡查日期",
)
def _lines(session: Session, actor: Actor, f: LedgerFilter, mask: bool) -> list[tuple]:
    q = _between(_register_query(LinePatrol, f), LinePatrol.patrolled_on, f)
    q = q.order_by(LinePatrol.patrolled_on, LinePatrol.line, LinePatrol.section)
    return [
        (
            r.id,
            r.line,
            r.line_kind.label,
            r.section,
            village or "",
            r.leader,
            _masked(r.leader_phone, mask, mask_phone),
            unit or "",
            _d(r.patrolled_on),
            r.rectify_status.label,
            r.risk_points,
            r.handling,
            r.note,
        )
        for r, village, unit in session.execute(q)
    ]


@_ledger(
    "drugs",
    "禁毒工作台账",
    [
        ("姓名", 8),
        ("性别", 4),
        ("身份证号", 20),
        ("联系电话", 13),
        ("人员类别", 12),
        ("管控状态", 8),
        ("村社区", 8),
        ("现住址", 24),
        ("帮教人", 8),
        ("管控单位", 12),
        ("执行开始日期", 10),
        ("期满日期", 10),
        ("最近尿检日期", 10),
        ("尿检结果", 6),
        ("帮教措施", 30),
    ],
    register="drugs",
    date_label="执行开始日期",
)
def _drugs(session: Session, actor: Actor, f: LedgerFilter, mask: bool) -> list[tuple]:
    q = _active_in(_register_query(DrugCase, f), DrugCase.started_on, DrugCase.ends_on, f)
    q = q.order_by(DrugCase.category, DrugCase.started_on, DrugCase.name)
    return [
        (
            r.id,
            r.name,
            _sex(r.id_number),
            _masked(r.id_number, mask, mask_id_number),
            _masked(r.phone, mask, mask_phone),
            r.category.label,
            r.status.label,
            village or "",
            r.address,
            r.helper,
            unit or "",
            _d(r.started_on),
            _d(r.ends_on),
            _d(r.last_test_on),
            _label(r.test_result),
            r.measures,
        )
        for r, village, unit in session.execute(q)
    ]


AID_TYPE_COLUMN, AID_AMOUNT_COLUMN = 0, 6  # where the totals read the aid type and the amount


def aid_totals(rows: list[tuple]) -> list[tuple]:
    """小计 per aid type (in the order of ``AidType``) and 合计: how many and how much."""
    width = len(LEDGERS["social_aid"].columns)
    by_type: dict[str, tuple[int, Decimal]] = {}
    for row in rows:
        n, amount = by_type.get(row[AID_TYPE_COLUMN], (0, Decimal(0)))
        by_type[row[AID_TYPE_COLUMN]] = (n + 1, amount + Decimal(row[AID_AMOUNT_COLUMN]))

    def line(what: str, n: int, amount: Decimal) -> tuple:
        cells = [""] * width
        cells[AID_TYPE_COLUMN], cells[1] = what, f"{n} 人次"
        cells[AID_AMOUNT_COLUMN] = f"{amount:.2f}"
        return tuple(cells)

    out = [line(f"小计：{t.label}", *by_type[t.label]) for t in AidType if t.label in by_type]
    total_n = sum(n for n, _a in by_type.values())
    out.append(line("合计", total_n, sum((a for _n, a in by_type.values()), Decimal(0))))
    return out


@_ledger(
    "social_aid",
    "社会救助台账",
    [
        ("救助类型", 8),
        ("救助对象", 8),
        ("性别", 4),
        ("身份证号", 20),
        ("村社区", 8),
        ("网格", 14),
        ("救助金额（元）", 12),
        ("审批机关", 16),
        ("审批日期", 10),
        ("经办单位", 12),
        ("关联事项", 16),
        ("备注", 24),
    ],
    register="aid",
    date_label="审批日期",
    totals=aid_totals,
)
def _social_aid(session: Session, actor: Actor, f: LedgerFilter, mask: bool) -> list[tuple]:
    q = (
        _between(_register_query(AidRecord, f), AidRecord.approved_on, f)
        .add_columns(Grid.name, Grid.code, Matter.number)
        .outerjoin(Grid, Grid.id == AidRecord.grid_id)
        .outerjoin(Matter, Matter.id == AidRecord.matter_id)
        .order_by(AidRecord.approved_on, AidRecord.aid_type, AidRecord.name)
    )
    return [
        (
            r.id,
            r.aid_type.label,
            r.name,
            _sex(r.id_number),
            _masked(r.id_number, mask, mask_id_number),
            village or "",
            f"{grid}（{code}）" if grid else "",
            f"{r.amount:.2f}",
            r.approver,
            _d(r.approved_on),
            unit or "",
            number or "",
            r.note,
        )
        for r, village, unit, grid, code, number in session.execute(q)
    ]


def _move_before(code: str, before: str) -> None:
    items = list(LEDGERS.items())
    LEDGERS.clear()
    for key, d in items:
        if key == before:
            LEDGERS[code] = dict(items)[code]
        if key != code:
            LEDGERS[key] = d


# 社会救助台账 (its records) where the notice lists it, the 求助 matters right after it.
_move_before("social_aid", "aid_matters")


@_ledger(
    "places",
    "重点场所台账",
    [
        ("场所名称", 20),
        ("场所类型", 10),
        ("地址", 24),
        ("村社区", 8),
        ("网格", 12),
        ("负责人", 8),
        ("联系电话", 13),
        ("监管单位", 12),
        ("最近检查", 10),
        ("未整改问题", 8),
        ("备注", 24),
    ],
    register="places",
    date_label="登记日期",
)
def _places(session: Session, actor: Actor, f: LedgerFilter, mask: bool) -> list[tuple]:
    """A standing register: every place of the village, unit or grid, whatever the period."""
    q = (
        _register_query(KeyPlace, f)
        .add_columns(Grid.name)
        .outerjoin(Grid, Grid.id == KeyPlace.grid_id)
    )
    q = q.order_by(KeyPlace.kind, KeyPlace.name)
    last = dict(
        session.execute(
            select(PlaceInspection.place_id, func.max(PlaceInspection.inspected_on)).group_by(
                PlaceInspection.place_id
            )
        ).all()
    )
    open_problems = dict(
        session.execute(
            select(PlaceInspection.place_id, func.count())
            .where(PlaceInspection.problems != "", PlaceInspection.rectified.is_(False))
            .group_by(PlaceInspection.place_id)
        ).all()
    )
    return [
        (
            r.id,
            r.name,
            r.kind.label,
            r.address,
            village or "",
            grid or "",
            r.responsible,
            _masked(r.phone, mask, mask_phone),
            unit or "",
            _d(last.get(r.id)),
            str(open_problems.get(r.id, "")),
            r.note,
        )
        for r, village, unit, grid in session.execute(q)
    ]


# --- building and exporting -------------------------------------------------------------------


def ledger_def(code: str) -> LedgerDef:
    if code not in LEDGERS:
        names = "、".join(f"{d.code}（{d.title}）" for d in LEDGERS.values())
        raise ValidationError(f"没有“{code}”这本台账；可选：{names}")
    return LEDGERS[code]


def _filters_text(session: Session, f: LedgerFilter) -> str:
    parts = []
    if f.since or f.until:
        parts.append(
            f"期间：{format_date_cn(f.since) or '最早'} 至 {format_date_cn(f.until) or '今'}"
        )
    if f.village_id:
        parts.append(f"村社区：{session.get(Village, f.village_id).name}")
    if f.unit_id:
        parts.append(f"单位：{session.get(Unit, f.unit_id).name}")
    if f.grid_id and (grid := session.get(Grid, f.grid_id)) is not None:
        parts.append(f"网格：{grid.name}（{grid.code}）")
    return "　".join(parts) or "全部"


@read_op
def build_ledger(
    session: Session,
    actor: Actor,
    code: str,
    f: LedgerFilter | None = None,
    *,
    on_screen: bool = False,
) -> LedgerTable:
    """The ledger as a table: title, columns, rows. ID numbers and phones are masked on a
    screen (``on_screen``: a list, as every list masks them) and, in an export, for roles that
    may not see them whole; a record's own form shows them whole (``registers.record_values``)."""
    require(actor, Action.VIEW_LEDGERS)
    d = ledger_def(code)
    f = f or LedgerFilter()
    if f.since and f.until and f.until < f.since:
        raise ValidationError("结束日期不能早于开始日期")
    if d.action is not None:
        require(actor, d.action)
    mask = on_screen or not allowed(actor, Action.VIEW_PERSONAL_DATA)
    rows = d.rows(session, actor, f, mask)
    ids = []
    if d.register:  # a register's rows carry their record's id first, kept apart from the columns
        ids = [r[0] for r in rows]
        rows = [r[1:] for r in rows]
    return LedgerTable(
        title=d.title,
        center_name=load_settings(session).center_name,
        columns=d.columns,
        rows=rows,
        filters=_filters_text(session, f),
        made_on=clock.today(),
        ids=ids,
        totals=d.totals(rows) if d.totals else [],
    )


class ExportCancelled(ServiceError):
    def __init__(self):
        super().__init__("已取消导出，没有写出文件。")


@write_op()
def export_ledger(
    session: Session,
    actor: Actor,
    code: str,
    f: LedgerFilter | None,
    fmt: str,
    *,
    progress: Callable[[int, int], bool] | None = None,
) -> tuple[LedgerTable, bytes]:
    """XLSX or PDF bytes of a ledger, recorded in the audit log (who, what, how many).
    ``progress(rows done, total)`` returning False stops the export (ExportCancelled)."""
    require(actor, Action.EXPORT_LEDGERS)
    fmt = fmt.lower().lstrip(".")
    if fmt not in ("xlsx", "pdf"):
        raise ValidationError("只能导出为 xlsx 或 pdf")
    table = build_ledger(session, actor, code, f)

    def step(done: int, total: int) -> None:
        if progress is not None and not progress(done, total):
            raise ExportCancelled()

    step(0, len(table.rows))
    if fmt == "xlsx":
        data = render_ledger_xlsx(table, step)
    else:
        data = render_ledger_pdf(table, progress=step)
    step(len(table.rows), len(table.rows))
    audit.record(
        session,
        actor,
        "export_ledger",
        object_type="ledger",
        reason=f"{table.title}，{len(table.rows)} 行，{fmt.upper()}，{table.filters}",
    )
    return table, data


@write_op()
def export_ledger_file(
    session: Session,
    actor: Actor,
    code: str,
    f: LedgerFilter | None,
    fmt: str,
    path: Path,
    *,
    progress: Callable[[int, int], bool] | None = None,
) -> tuple[LedgerTable, Path]:
    """``export_ledger`` written to ``path``. A file that cannot be written fails the export,
    and its audit row is rolled back with it."""
    table, data = export_ledger(session, actor, code, f, fmt, progress=progress)
    try:
        path.write_bytes(data)
    except OSError as exc:
        raise ServiceError(f"无法写入 {path}：{exc.strerror or exc}") from exc
    return table, path


@dataclass
class LedgerChoice:
    code: str
    title: str
    register: str | None
    columns: list[str] = field(default_factory=list)


def list_ledgers(actor: Actor) -> list[LedgerChoice]:
    require(actor, Action.VIEW_LEDGERS)
    return [
        LedgerChoice(d.code, d.title, d.register, [c for c, _ in d.columns])
        for d in LEDGERS.values()
        if d.action is None or allowed(actor, d.action)
    ]
