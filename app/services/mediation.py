"""矛盾纠纷调解室 · 家事调解室: mediation cases from intake to the archived case file.

A case is opened from a matter routed to a mediation room, or directly by a mediator (the
dispute is then registered as a matter too, so every dispute is in the event flow). Status:
受理 → 调解中 → 调解成功 / 调解不成功 / 终止, 转办 to a court, an administrative body or an
arbitration commission, then 归档. A move not in ``CASE_MOVES`` is refused. Each move is an
audit row and a step on the matter's timeline; the matter itself moves by the event flow's
rules (accepted when the case is opened, completed when the case ends).

The agreement (调解协议书) is a draft until all parties have signed; signing freezes it with
the parties' details copied in. A correction is a new version; the signed one is kept.
Minors in family cases are shown only to the case's own mediators.
"""

from __future__ import annotations

import json
import re
import uuid
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal, InvalidOperation

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.models import (
    Agreement,
    AgreementKind,
    AgreementStatus,
    AgreementTerm,
    CaseMediator,
    CaseMinor,
    CaseParty,
    CaseProtection,
    CaseRoom,
    CaseService,
    CaseSource,
    CaseStatement,
    CaseStatus,
    Category,
    Channel,
    ConfirmationResult,
    DisputeType,
    EventKind,
    FamilyService,
    FollowUp,
    FollowUpMethod,
    JudicialConfirmation,
    Matter,
    MatterStatus,
    MediationCase,
    MediationForm,
    MediationRecord,
    PartyKind,
    PartyRole,
    Performance,
    ProtectionKind,
    RightsComplaint,
    Role,
    Satisfaction,
    TransferBody,
    Unit,
    User,
    ViolenceRisk,
)
from app.models.base import now
from app.models.enums import LabelledEnum
from app.ops import Change, read_op, write_op
from app.reports.mediation import (
    AgreementData,
    CaseData,
    CasefileData,
    FollowUpData,
    PartyData,
    RecordData,
    Statement,
)

from . import audit, flow, timeline
from .context import Actor
from .errors import NotFound, PermissionDenied, ValidationError
from .numbering import next_seq
from .permissions import Action, allowed, may_change_case, require
from .settings import load_settings
from .validation import validate_id_number, validate_name, validate_phone, validate_text

S = CaseStatus
CONFIRMATION_DAYS = 30  # 人民调解法 art. 33: joint application within 30 days of effect
MEDIATION_DAYS = 30  # 一般在一个月内调结 (docs/DOMAIN.md §3)
ROOM_CODES = {CaseRoom.GENERAL: "TJ", CaseRoom.FAMILY: "JT"}
ROOM_CATEGORY = {CaseRoom.GENERAL: "矛盾纠纷", CaseRoom.FAMILY: "家事纠纷"}
SOURCE_CHANNEL = {
    CaseSource.APPLIED: Channel.VISIT,
    CaseSource.OWN_INITIATIVE: Channel.GRID,
    CaseSource.REFERRED: Channel.SUPERIOR,
}


class CaseMove(LabelledEnum):
    START = ("start", "开始调解")
    SUCCEED = ("succeed", "调解成功")
    FAIL = ("fail", "调解不成功")
    TERMINATE = ("terminate", "终止调解")
    TRANSFER = ("transfer", "转办")
    ARCHIVE = ("archive", "归档")


CASE_MOVES: dict[CaseMove, tuple[frozenset[CaseStatus], CaseStatus]] = {
    CaseMove.START: (frozenset({S.ACCEPTED}), S.MEDIATING),
    CaseMove.SUCCEED: (frozenset({S.ACCEPTED, S.MEDIATING}), S.SUCCEEDED),
    CaseMove.FAIL: (frozenset({S.ACCEPTED, S.MEDIATING}), S.FAILED),
    CaseMove.TERMINATE: (frozenset({S.ACCEPTED, S.MEDIATING}), S.TERMINATED),
    CaseMove.TRANSFER: (frozenset({S.ACCEPTED, S.MEDIATING, S.FAILED}), S.TRANSFERRED),
    CaseMove.ARCHIVE: (frozenset({S.SUCCEEDED, S.FAILED, S.TERMINATED, S.TRANSFERRED}), S.ARCHIVED),
}


# --- input ------------------------------------------------------------------------------


@dataclass
class PartyInput:
    role: PartyRole
    name: str
    kind: PartyKind = PartyKind.PERSON
    sex: str = ""
    ethnicity: str = ""
    age: int | None = None
    occupation: str = ""
    id_number: str = ""
    phone: str = ""
    address: str = ""
    representative: str = ""
    agent_name: str = ""
    agent_kind: str = ""  # 委托代理人 / 法定代理人
    agent_phone: str = ""


@dataclass
class CaseInput:
    room: CaseRoom
    dispute_type: DisputeType
    facts: str
    parties: list[PartyInput]
    mediator_ids: list[uuid.UUID] = field(default_factory=list)  # the first one leads
    source: CaseSource = CaseSource.APPLIED
    referred_by: str = ""
    form: MediationForm = MediationForm.PEOPLE
    title: str = ""
    requests: str = ""
    amount: str | Decimal | None = None  # 争议金额 in yuan
    relationship: str = ""  # family room
    violence_risk: ViolenceRisk | None = None  # family room


@dataclass
class StatementInput:
    speaker: str
    text: str


@dataclass
class RecordInput:
    at: datetime
    place: str = ""
    attendees: str = ""
    recorder: str = ""
    rights_told: bool = False
    facts_checked: str = ""
    risks_warned: str = ""
    result: str = ""
    next_step: str = ""
    statements: list[StatementInput] = field(default_factory=list)


@dataclass
class AgreementInput:
    kind: AgreementKind
    facts: str
    terms: list[str]
    performance_method: str = ""
    performance_deadline: date | None = None


@dataclass
class FollowUpInput:
    done_on: date
    method: FollowUpMethod
    visited: str
    performance: Performance
    satisfaction: Satisfaction | None = None
    lawsuit: bool = False
    escalation: str = ""
    measures: str = ""


@dataclass
class MinorInput:
    name: str
    sex: str = ""
    age: int | None = None
    relation: str = ""
    note: str = ""


@dataclass(frozen=True)
class CaseRef:
    id: uuid.UUID
    number: str
    status: CaseStatus


@dataclass(frozen=True)
class AgreementRef:
    id: uuid.UUID
    number: str
    version: int
    status: AgreementStatus


# --- helpers ----------------------------------------------------------------------------


def short_name(center_name: str) -> str:
    """白石街道综治工作中心 → 白石 (the 卷号's place)."""
    s = re.sub(r"(综治|社会治理)?(综合)?(工作)?中心$", "", center_name.strip())
    return re.sub(r"(街道|镇|乡)$", "", s) or s or "本"


def committee_name(center_name: str) -> str:
    """白石街道综治工作中心 → 白石街道人民调解委员会."""
    s = re.sub(r"(综治|社会治理)?(综合)?(工作)?中心$", "", center_name.strip())
    return f"{s}人民调解委员会"


def file_number(room: CaseRoom, year: int, seq: int, terminal: str, center: str) -> str:
    """卷号 (年)X人调字第N号; a second terminal's numbers carry its code, so none collide."""
    word = "家调" if room == CaseRoom.FAMILY else "人调"
    n = str(seq) if terminal == "A" else f"{terminal}{seq}"
    return f"（{year}）{short_name(center)}{word}字第{n}号"


def parse_amount(value: str | Decimal | None) -> int | None:
    """'12,000.50' → 1200050 (fen); '' → None."""
    if value is None:
        return None
    text = str(value).strip().replace(",", "").replace("，", "").removesuffix("元")
    if not text:
        return None
    try:
        d = Decimal(text)
        if not d.is_finite():  # NaN and Infinity parse, but are no amount (and do not compare)
            raise InvalidOperation
    except InvalidOperation:
        raise ValidationError(
            {"amount": "争议金额应为数字，如 12000 或 12000.50（单位：元）"}
        ) from None
    if d < 0 or d > Decimal("100000000000") or d != round(d, 2):
        raise ValidationError({"amount": "争议金额应为不小于 0 的金额，最多两位小数（单位：元）"})
    return int(d * 100)


def format_amount(cents: int | None) -> str:
    if cents is None:
        return ""
    yuan, fen = divmod(cents, 100)
    return f"{yuan:,}元" if not fen else f"{yuan:,}.{fen:02d}元"


def _cn(d: date) -> str:
    return f"{d.year}年{d.month}月{d.day}日"


def _text(problems, key, value, label, *, required=False, max_len=2000) -> str:
    try:
        return validate_text(value, key, label, required=required, max_len=max_len)
    except ValidationError as err:
        problems.update(err.fields)
        return ""


def _get_case(session: Session, case_id: uuid.UUID) -> MediationCase:
    c = session.get(MediationCase, case_id)
    if c is None:
        raise NotFound("找不到该调解案件，请刷新列表。")
    return c


def _mediator_ids(c: MediationCase) -> set[uuid.UUID]:
    return {m.user_id for m in c.mediators}


def _is_case_mediator(actor: Actor, c: MediationCase) -> bool:
    return actor.user_id is not None and actor.user_id in _mediator_ids(c)


def _require_on_case(actor: Actor, c: MediationCase) -> None:
    """Changing a case: its own mediators and the director (the program itself for demo data)."""
    require(actor, Action.MEDIATE_CASE)
    if may_change_case(actor, _mediator_ids(c)):
        return
    raise PermissionDenied(f"您不是案件 {c.number} 的调解员，不能修改；请联系主调解员或主任。")


def _require_open(c: MediationCase, what: str) -> None:
    if not c.status.is_open:
        raise ValidationError(f"案件已{c.status.label}，不能再{what}。")


def _matter_note(session: Session, actor: Actor, c: MediationCase, note: str, at: datetime) -> None:
    """The case's step on its matter's timeline: a progress step while the matter is being
    handled (the flow's own rule), a note once it is closed."""
    if c.matter_id is None:
        return
    m = session.get(Matter, c.matter_id)
    if m.status == MatterStatus.IN_PROGRESS and allowed(actor, Action.HANDLE_MATTER):
        flow.add_progress(session, actor, m.id, note, at=at, for_case=True)
    else:
        timeline.record(session, actor, m, EventKind.NOTE, note, audit_event="matter_note", at=at)


def _move(
    session: Session, actor: Actor, c: MediationCase, move: CaseMove, note: str, at: datetime
) -> None:
    sources, target = CASE_MOVES[move]
    if c.status not in sources:
        raise ValidationError(f"案件当前状态为“{c.status.label}”，不能{move.label}。")
    before = c.status
    c.status = target
    c.updated_at = at
    session.flush()
    audit.record(
        session,
        actor,
        f"case_{move.value}",
        object_type="mediation_case",
        object_id=c.id,
        reason=f"{c.number} {before.label}→{target.label}",
        at=at,
    )
    _matter_note(
        session, actor, c, f"调解案件 {c.number}：{move.label}。{note}".rstrip("。") + "。", at
    )


# --- validation -------------------------------------------------------------------------


def _clean_party(i: int, p: PartyInput, problems: dict[str, str]) -> PartyInput:
    key = f"parties[{i}]."
    who = f"第 {i + 1} 位当事人"
    try:
        role, kind = PartyRole(p.role), PartyKind(p.kind)
    except ValueError:
        problems[key + "role"] = f"请选择{who}的身份（申请人、被申请人或第三人）"
        role, kind = PartyRole.THIRD, PartyKind.PERSON
    name = (p.name or "").strip()
    if not name:
        problems[key + "name"] = f"请填写{who}的姓名或名称"
    elif kind == PartyKind.PERSON:
        try:
            name = validate_name(name, key + "name", 30, f"{who}的姓名")
        except ValidationError as err:
            problems.update(err.fields)
    else:
        name = _text(problems, key + "name", name, f"{who}的名称", max_len=64)
    id_number = ""
    if p.id_number.strip():
        try:
            id_number = validate_id_number(p.id_number)
        except ValidationError as err:
            problems[key + "id_number"] = f"{who}：{err.fields['id_number']}"
    phones = []
    for attr, label in (("phone", "电话"), ("agent_phone", "代理人电话")):
        value = getattr(p, attr)
        try:
            phones.append(validate_phone(value) if value.strip() else "")
        except ValidationError as err:
            problems[key + attr] = f"{who}的{label}：{err.fields['phone']}"
            phones.append("")
    if p.age is not None and not 0 <= p.age <= 130:
        problems[key + "age"] = f"{who}的年龄不合理，请核对"
    if p.sex not in ("", "男", "女"):
        problems[key + "sex"] = f"{who}的性别请填“男”或“女”"

    def t(attr, label, max_len):
        return _text(problems, key + attr, getattr(p, attr), f"{who}的{label}", max_len=max_len)

    return PartyInput(
        role=role,
        name=name,
        kind=kind,
        sex=p.sex,
        ethnicity=t("ethnicity", "民族", 16),
        age=p.age,
        occupation=t("occupation", "职业", 64),
        id_number=id_number,
        phone=phones[0],
        address=t("address", "住址或单位地址", 120),
        representative=t("representative", "法定代表人", 64),
        agent_name=t("agent_name", "代理人", 64),
        agent_kind=t("agent_kind", "代理类型", 16),
        agent_phone=phones[1],
    )


def _clean_case(session: Session, data: CaseInput) -> tuple[CaseInput, int | None]:
    problems: dict[str, str] = {}
    try:
        room = CaseRoom(data.room)
        dispute = DisputeType(data.dispute_type)
        source = CaseSource(data.source)
        form = MediationForm(data.form)
    except ValueError:
        raise ValidationError("请选择调解室、纠纷类型、案件来源和调解形式") from None
    facts = _text(problems, "facts", data.facts, "纠纷简要情况", required=True, max_len=5000)
    requests = _text(problems, "requests", data.requests, "申请事项", max_len=3000)
    title = _text(problems, "title", data.title, "案件名称", max_len=120)
    referred_by = _text(problems, "referred_by", data.referred_by, "移送单位", max_len=64)
    if source == CaseSource.REFERRED and not referred_by:
        problems["referred_by"] = "委托移送的案件请填写移送单位（如派出所、人民法院）"
    if not data.parties:
        problems["parties"] = "请至少填写一位当事人"
    parties = [_clean_party(i, p, problems) for i, p in enumerate(data.parties)]
    roles = {p.role for p in parties}
    if parties and PartyRole.APPLICANT not in roles:
        problems.setdefault("parties", "请至少有一位申请人（主动调解时，填纠纷一方为申请人）")
    mediators = list(dict.fromkeys(data.mediator_ids))
    if not mediators:
        problems["mediators"] = "请指定主调解员"
    for uid in mediators:
        u = session.get(User, uid)
        if u is None or not u.active or u.role not in (Role.MEDIATOR, Role.DIRECTOR):
            problems["mediators"] = "调解员只能从在岗的调解员（或主任）中选择"
    try:
        amount = parse_amount(data.amount)
    except ValidationError as err:
        problems.update(err.fields)
        amount = None
    relationship = _text(
        problems, "relationship", data.relationship, "当事人之间的关系", max_len=64
    )
    risk = None
    if room == CaseRoom.FAMILY:
        risk = ViolenceRisk(data.violence_risk or ViolenceRisk.NONE)
        if not relationship:
            problems["relationship"] = "家事案件请填写当事人之间的关系（如夫妻、父子、兄妹）"
    if problems:
        raise ValidationError(problems)
    return (
        CaseInput(
            room=room,
            dispute_type=dispute,
            facts=facts,
            parties=parties,
            mediator_ids=mediators,
            source=source,
            referred_by=referred_by,
            form=form,
            title=title,
            requests=requests,
            amount=None,
            relationship=relationship,
            violence_risk=risk,
        ),
        amount,
    )


def default_title(parties: list[PartyInput], dispute: DisputeType) -> str:
    first = {r: [p.name for p in parties if p.role == r] for r in PartyRole}
    a = "、".join(first[PartyRole.APPLICANT][:2])
    b = "、".join(first[PartyRole.RESPONDENT][:2])
    who = f"{a}与{b}" if b else a
    return f"{who}{dispute.label}纠纷"[:120]


def _fill(c: MediationCase, data: CaseInput, amount: int | None) -> None:
    c.dispute_type, c.form, c.source = data.dispute_type, data.form, data.source
    c.referred_by = data.referred_by
    c.facts, c.requests, c.amount_cents = data.facts, data.requests, amount
    c.title = data.title or default_title(data.parties, data.dispute_type)
    if c.room == CaseRoom.FAMILY:
        c.relationship_text, c.violence_risk = data.relationship, data.violence_risk
    else:
        c.relationship_text = data.relationship or None
    c.parties.clear()
    for i, p in enumerate(data.parties):
        c.parties.append(
            CaseParty(
                position=i,
                role=p.role,
                kind=p.kind,
                name=p.name,
                sex=p.sex,
                ethnicity=p.ethnicity,
                age=p.age,
                occupation=p.occupation,
                id_number=p.id_number,
                phone=p.phone,
                address=p.address,
                representative=p.representative,
                agent_name=p.agent_name,
                agent_kind=p.agent_kind,
                agent_phone=p.agent_phone,
            )
        )
    c.mediators.clear()
    for i, uid in enumerate(data.mediator_ids):
        c.mediators.append(CaseMediator(user_id=uid, is_lead=i == 0))


# --- opening and changing a case --------------------------------------------------------


@write_op(Change.CASES, Change.MATTERS)
def open_case(
    session: Session,
    actor: Actor,
    data: CaseInput,
    *,
    matter_id: uuid.UUID | None = None,
    at: datetime | None = None,
) -> CaseRef:
    """A case for a matter routed to the room, or (no matter) a dispute found directly, which
    is then registered as a matter of its own."""
    require(actor, Action.MEDIATE_CASE)
    at = (at or now()).replace(microsecond=0)
    if not data.mediator_ids and actor.role == Role.MEDIATOR and actor.user_id:
        data.mediator_ids = [actor.user_id]
    data, amount = _clean_case(session, data)
    s = load_settings(session)
    room_unit = session.scalar(select(Unit.id).where(Unit.name == data.room.label))
    if matter_id is not None:
        m = session.get(Matter, matter_id)
        if m is None:
            raise NotFound("找不到该事项，请刷新列表。")
        if m.status not in (MatterStatus.ROUTED, MatterStatus.IN_PROGRESS):
            raise ValidationError(f"事项 {m.number} 当前状态为“{m.status.label}”，不能立案调解。")
        existing = session.scalar(
            select(MediationCase.number).where(
                MediationCase.matter_id == m.id, MediationCase.status != S.TERMINATED
            )
        )
        if existing:
            raise ValidationError(f"事项 {m.number} 已立案（案号 {existing}），请在该案件中办理。")
        if m.received_at > at:
            raise ValidationError("立案时间不能早于事项的受理时间。")
    else:
        from .intake import IntakeInput, VisitorInput, register_matter

        category = session.scalar(
            select(Category.id).where(Category.name == ROOM_CATEGORY[data.room])
        )
        visitors = [
            VisitorInput(p.name, p.id_number, p.phone, p.address)
            for p in data.parties
            if p.kind == PartyKind.PERSON
        ] or [
            VisitorInput(p.representative or p.agent_name)
            for p in data.parties
            if p.representative or p.agent_name
        ][:1]
        if not visitors:
            raise ValidationError(
                {"parties": "当事人都是单位时，请填写至少一位法定代表人或代理人，以便登记事项"}
            )
        reg = register_matter(
            session,
            actor,
            IntakeInput(
                channel=SOURCE_CHANNEL[data.source],
                visitors=visitors,
                category_id=category,
                summary=data.facts[:2000],
                unit_id=room_unit if allowed(actor, Action.ROUTE_MATTER) else None,
            ),
            at=at,
        )
        m = session.get(Matter, reg.id)
        if m.status == MatterStatus.REGISTERED:  # a mediator: the case routes it to its room
            remark = f"期限 {reg.deadline_text}"
            flow.route(session, actor, m.id, room_unit, at=at, remark=remark, for_case=True)
    if m.status == MatterStatus.ROUTED:
        flow.accept(session, actor, m.id, at=at, for_case=True)
    year = at.year
    seq = next_seq(session, f"{s.prefix}{ROOM_CODES[data.room]}", year, s.terminal)
    c = MediationCase(
        number=f"{s.prefix}{ROOM_CODES[data.room]}{year}-{s.terminal}-{seq:04d}",
        prefix=s.prefix,
        room=data.room,
        year=year,
        terminal=s.terminal,
        seq=seq,
        matter_id=m.id,
        status=S.ACCEPTED,
        accepted_at=at,
        created_by=actor.user_id,
        created_at=at,
        updated_at=at,
    )
    _fill(c, data, amount)
    session.add(c)
    session.flush()
    audit.record(
        session,
        actor,
        "case_open",
        object_type="mediation_case",
        object_id=c.id,
        reason=c.number,
        at=at,
    )
    lead = session.get(User, data.mediator_ids[0]).display_name
    _matter_note(
        session, actor, c, f"{data.room.label}立案调解，案号 {c.number}，主调解员 {lead}。", at
    )
    return CaseRef(c.id, c.number, c.status)


@write_op(Change.CASES)
def update_case(session: Session, actor: Actor, case_id: uuid.UUID, data: CaseInput) -> CaseRef:
    """Parties, facts, mediators … while the case is open (the room cannot change)."""
    c = _get_case(session, case_id)
    _require_on_case(actor, c)
    _require_open(c, "修改案件信息")
    data.room = c.room
    data, amount = _clean_case(session, data)
    _fill(c, data, amount)
    c.updated_at = now()
    session.flush()
    audit.record(session, actor, "case_update", object_type="mediation_case", object_id=c.id)
    return CaseRef(c.id, c.number, c.status)


@read_op
def case_input(session: Session, actor: Actor, case_id: uuid.UUID) -> CaseInput:
    require(actor, Action.VIEW_CASES)
    c = _get_case(session, case_id)
    lead_first = sorted(c.mediators, key=lambda m: not m.is_lead)
    return CaseInput(
        room=c.room,
        dispute_type=c.dispute_type,
        facts=c.facts,
        parties=[
            PartyInput(
                p.role,
                p.name,
                p.kind,
                p.sex,
                p.ethnicity,
                p.age,
                p.occupation,
                p.id_number,
                p.phone,
                p.address,
                p.representative,
                p.agent_name,
                p.agent_kind,
                p.agent_phone,
            )
            for p in c.parties
        ],
        mediator_ids=[m.user_id for m in lead_first],
        source=c.source,
        referred_by=c.referred_by,
        form=c.form,
        title=c.title,
        requests=c.requests,
        amount=(str(Decimal(c.amount_cents) / 100) if c.amount_cents is not None else None),
        relationship=c.relationship_text or "",
        violence_risk=c.violence_risk,
    )


@read_op
def input_from_matter(session: Session, actor: Actor, matter_id: uuid.UUID) -> CaseInput:
    """A case form filled from a matter: its people as applicants, its summary as the facts."""
    require(actor, Action.VIEW_CASES)
    m = session.get(Matter, matter_id)
    if m is None:
        raise NotFound("找不到该事项，请刷新列表。")
    category = session.get(Category, m.category_id).name
    room = CaseRoom.FAMILY if category == "家事纠纷" else CaseRoom.GENERAL
    unit = session.get(Unit, m.unit_id).name if m.unit_id else ""
    if unit == CaseRoom.FAMILY.label:
        room = CaseRoom.FAMILY
    parties = [
        PartyInput(
            PartyRole.APPLICANT,
            mp.person.name,
            id_number=mp.person.id_number or "",
            phone=mp.person.phone or "",
            address=mp.person.address or "",
        )
        for mp in m.persons
    ]
    return CaseInput(
        room=room,
        dispute_type=DisputeType.MARRIAGE_FAMILY if room == CaseRoom.FAMILY else DisputeType.OTHER,
        facts=m.summary,
        parties=parties,
        mediator_ids=[actor.user_id] if actor.user_id and actor.role == Role.MEDIATOR else [],
        source=CaseSource.APPLIED,
    )


@dataclass(frozen=True)
class WaitingMatter:
    id: uuid.UUID
    number: str
    received_at: datetime
    persons: str
    summary: str


@read_op
def matters_waiting(session: Session, actor: Actor, room: CaseRoom) -> list[WaitingMatter]:
    """Matters routed to this room (or being handled there) with no case yet."""
    require(actor, Action.VIEW_CASES)
    unit = session.scalar(select(Unit.id).where(Unit.name == room.label))
    if unit is None:
        return []
    has_case = select(MediationCase.matter_id).where(MediationCase.matter_id.is_not(None))
    q = (
        select(Matter)
        .where(
            Matter.unit_id == unit,
            Matter.status.in_([MatterStatus.ROUTED, MatterStatus.IN_PROGRESS]),
            Matter.id.not_in(has_case),
        )
        .order_by(Matter.received_at)
    )
    return [
        WaitingMatter(
            m.id,
            m.number,
            m.received_at,
            "、".join(mp.person.name for mp in m.persons),
            m.summary[:60],
        )
        for m in session.scalars(q)
    ]


# --- moves ------------------------------------------------------------------------------


@write_op(Change.CASES, Change.MATTERS)
def start_mediation(
    session: Session, actor: Actor, case_id: uuid.UUID, *, at: datetime | None = None
) -> CaseRef:
    c = _get_case(session, case_id)
    _require_on_case(actor, c)
    _move(session, actor, c, CaseMove.START, "", (at or now()).replace(microsecond=0))
    return CaseRef(c.id, c.number, c.status)


def _signed_agreement(session: Session, c: MediationCase) -> Agreement | None:
    return session.scalar(
        select(Agreement)
        .where(Agreement.case_id == c.id, Agreement.status == AgreementStatus.SIGNED)
        .order_by(Agreement.version.desc())
        .limit(1)
    )


def _complete_matter(session: Session, actor: Actor, c: MediationCase, result: str, at) -> None:
    if c.matter_id is None:
        return
    m = session.get(Matter, c.matter_id)
    if m.status == MatterStatus.IN_PROGRESS and allowed(actor, Action.HANDLE_MATTER):
        flow.complete(session, actor, m.id, result, at=at, for_case=True)


@write_op(Change.CASES, Change.MATTERS)
def close_case(
    session: Session,
    actor: Actor,
    case_id: uuid.UUID,
    outcome: CaseStatus,
    reason: str = "",
    *,
    at: datetime | None = None,
) -> CaseRef:
    """调解成功 (needs a signed or registered agreement), 调解不成功 or 终止 (with the reason)."""
    c = _get_case(session, case_id)
    _require_on_case(actor, c)
    at = (at or now()).replace(microsecond=0)
    moves = {
        S.SUCCEEDED: CaseMove.SUCCEED,
        S.FAILED: CaseMove.FAIL,
        S.TERMINATED: CaseMove.TERMINATE,
    }
    if outcome not in moves:
        raise ValidationError("结案只能是调解成功、调解不成功或终止调解。")
    move = moves[outcome]
    if c.status not in CASE_MOVES[move][0]:
        raise ValidationError(f"案件当前状态为“{c.status.label}”，不能{move.label}。")
    if at < c.accepted_at:
        raise ValidationError("结案时间不能早于受理时间。")
    if outcome == S.SUCCEEDED:
        agreement = _signed_agreement(session, c)
        if agreement is None:
            raise ValidationError("调解成功须有已签署的调解协议书或已登记的口头协议。")
        reason = reason.strip() or f"达成{agreement.kind.label}（{agreement.number}）"
    else:
        label = "调解不成功的原因及告知的其他解决途径" if outcome == S.FAILED else "终止调解的原因"
        reason = validate_text(reason, "reason", label, required=True, max_len=2000)
    c.outcome, c.closed_at = reason, at
    _move(session, actor, c, move, reason, at)
    _complete_matter(session, actor, c, f"{move.label}：{reason}", at)
    return CaseRef(c.id, c.number, c.status)


@write_op(Change.CASES, Change.MATTERS)
def transfer_case(
    session: Session,
    actor: Actor,
    case_id: uuid.UUID,
    body: TransferBody,
    to: str,
    reason: str,
    *,
    at: datetime | None = None,
) -> CaseRef:
    """转办 to a court, an administrative body or arbitration, with the reason."""
    c = _get_case(session, case_id)
    _require_on_case(actor, c)
    at = (at or now()).replace(microsecond=0)
    problems: dict[str, str] = {}
    try:
        body = TransferBody(body)
    except ValueError:
        problems["body"] = "请选择转办去向（人民法院、行政机关、仲裁机构等）"
    to = _text(problems, "to", to, "接收单位名称", required=True, max_len=64)
    reason = _text(problems, "reason", reason, "转办理由", required=True, max_len=2000)
    if problems:
        raise ValidationError(problems)
    if c.status not in CASE_MOVES[CaseMove.TRANSFER][0]:
        raise ValidationError(f"案件当前状态为“{c.status.label}”，不能转办。")
    c.transfer_body, c.transfer_to, c.outcome = body, to, reason
    c.closed_at = c.closed_at or at
    _move(session, actor, c, CaseMove.TRANSFER, f"转{to}（{body.label}）：{reason}", at)
    _complete_matter(session, actor, c, f"调解转办{to}：{reason}", at)
    return CaseRef(c.id, c.number, c.status)


@write_op(Change.CASES, Change.MATTERS)
def archive_case(
    session: Session,
    actor: Actor,
    case_id: uuid.UUID,
    retention: str = "长期",
    *,
    at: datetime | None = None,
) -> CaseRef:
    c = _get_case(session, case_id)
    _require_on_case(actor, c)
    at = (at or now()).replace(microsecond=0)
    retention = validate_text(retention, "retention", "保管期限", required=True, max_len=16)
    if c.status == S.ARCHIVED:
        raise ValidationError("案件已归档，不能再次归档。")
    if c.status not in CASE_MOVES[CaseMove.ARCHIVE][0]:
        raise ValidationError(f"案件当前状态为“{c.status.label}”，结案后才能归档。")
    if session.scalar(
        select(Agreement.id).where(
            Agreement.case_id == c.id, Agreement.status == AgreementStatus.DRAFT
        )
    ):
        raise ValidationError("还有未签署的协议草稿（或更正稿），请先签署或删除后再归档。")
    c.archived_at, c.archived_by, c.retention = at, actor.user_id, retention
    _move(session, actor, c, CaseMove.ARCHIVE, f"卷宗归档，保管期限{retention}", at)
    return CaseRef(c.id, c.number, c.status)


# --- records (调解笔录) ----------------------------------------------------------------


def _clean_record(c: MediationCase, data: RecordInput) -> RecordInput:
    problems: dict[str, str] = {}
    if not isinstance(data.at, datetime):
        problems["at"] = "请填写调解时间"
    elif data.at < c.accepted_at.replace(second=0):
        problems["at"] = f"调解时间不能早于受理时间 {c.accepted_at:%Y-%m-%d %H:%M}"
    elif data.at > now() + timedelta(days=1):
        problems["at"] = "调解时间不能晚于今天"
    out = RecordInput(
        at=data.at,
        place=_text(problems, "place", data.place, "调解地点", max_len=120),
        attendees=_text(problems, "attendees", data.attendees, "参加人员", max_len=2000),
        recorder=_text(problems, "recorder", data.recorder, "记录人", required=True, max_len=64),
        rights_told=bool(data.rights_told),
        facts_checked=_text(
            problems, "facts_checked", data.facts_checked, "查明的事实", max_len=10000
        ),
        risks_warned=_text(problems, "risks_warned", data.risks_warned, "风险提示", max_len=5000),
        result=_text(problems, "result", data.result, "调解结果", max_len=5000),
        next_step=_text(problems, "next_step", data.next_step, "下一步安排", max_len=2000),
    )
    for i, st in enumerate(data.statements):
        speaker = _text(
            problems, f"statements[{i}].speaker", st.speaker, f"第 {i + 1} 段发言人", max_len=64
        )
        text = _text(
            problems, f"statements[{i}].text", st.text, f"第 {i + 1} 段发言内容", max_len=10000
        )
        if not speaker and text:
            problems[f"statements[{i}].speaker"] = f"请填写第 {i + 1} 段发言是谁说的"
        if speaker or text:
            out.statements.append(StatementInput(speaker, text))
    if problems:
        raise ValidationError(problems)
    return out


@write_op(Change.CASES, Change.MATTERS)
def save_record(
    session: Session,
    actor: Actor,
    case_id: uuid.UUID,
    data: RecordInput,
    record_id: uuid.UUID | None = None,
) -> uuid.UUID:
    """Create or update a 调解笔录; the first one moves the case to 调解中."""
    c = _get_case(session, case_id)
    _require_on_case(actor, c)
    _require_open(c, "记录调解")
    data = _clean_record(c, data)
    if record_id is None:
        rec = MediationRecord(case_id=c.id, created_by=actor.user_id)
        session.add(rec)
    else:
        rec = session.get(MediationRecord, record_id)
        if rec is None or rec.case_id != c.id:
            raise NotFound("找不到该调解笔录，请刷新。")
    for attr in (
        "at",
        "place",
        "attendees",
        "recorder",
        "rights_told",
        "facts_checked",
        "risks_warned",
        "result",
        "next_step",
    ):
        setattr(rec, attr, getattr(data, attr))
    rec.at = data.at.replace(second=0, microsecond=0)
    rec.updated_at = now()
    rec.statements.clear()
    for i, st in enumerate(data.statements):
        rec.statements.append(CaseStatement(position=i, speaker=st.speaker, text=st.text))
    session.flush()
    audit.record(
        session,
        actor,
        "case_session_save",
        object_type="case_session",
        object_id=rec.id,
        reason=c.number,
    )
    if c.status == S.ACCEPTED:
        _move(session, actor, c, CaseMove.START, f"{rec.at:%Y-%m-%d %H:%M} 第一次调解", rec.at)
    return rec.id


@read_op
def record_input(session: Session, actor: Actor, record_id: uuid.UUID) -> RecordInput:
    require(actor, Action.VIEW_CASES)
    rec = session.get(MediationRecord, record_id)
    if rec is None:
        raise NotFound("找不到该调解笔录，请刷新。")
    return RecordInput(
        at=rec.at,
        place=rec.place,
        attendees=rec.attendees,
        recorder=rec.recorder,
        rights_told=rec.rights_told,
        facts_checked=rec.facts_checked,
        risks_warned=rec.risks_warned,
        result=rec.result,
        next_step=rec.next_step,
        statements=[StatementInput(s.speaker, s.text) for s in rec.statements],
    )


# --- the agreement ----------------------------------------------------------------------


def _current_agreement(session: Session, c: MediationCase) -> Agreement | None:
    """The newest version: a draft (first or correction) or the signed one."""
    return session.scalar(
        select(Agreement)
        .where(Agreement.case_id == c.id, Agreement.status != AgreementStatus.SUPERSEDED)
        .order_by(Agreement.version.desc())
        .limit(1)
    )


def _clean_agreement(data: AgreementInput) -> AgreementInput:
    problems: dict[str, str] = {}
    try:
        kind = AgreementKind(data.kind)
    except ValueError:
        problems["kind"] = "请选择书面协议或口头协议"
        kind = AgreementKind.WRITTEN
    facts = _text(
        problems,
        "facts",
        data.facts,
        "纠纷的主要事实、争议事项及各方责任",
        required=True,
        max_len=10000,
    )
    terms = []
    for i, t in enumerate(data.terms):
        text = _text(problems, f"terms[{i}]", t, f"第 {i + 1} 项协议内容", max_len=3000)
        if text:
            terms.append(text)
    if not terms:
        problems["terms"] = "调解协议至少要有一项协议内容（当事人达成的具体约定）"
    method = _text(
        problems, "performance_method", data.performance_method, "履行方式", max_len=2000
    )
    if problems:
        raise ValidationError(problems)
    return AgreementInput(kind, facts, terms, method, data.performance_deadline)


def _agreement_ref(a: Agreement) -> AgreementRef:
    return AgreementRef(a.id, a.number, a.version, a.status)


@write_op(Change.CASES)
def save_agreement(
    session: Session, actor: Actor, case_id: uuid.UUID, data: AgreementInput
) -> AgreementRef:
    """Create the draft, or change the current draft (a signed one is frozen)."""
    c = _get_case(session, case_id)
    _require_on_case(actor, c)
    if c.status == S.ARCHIVED:
        raise ValidationError("案件已归档，协议不能再修改。")
    data = _clean_agreement(data)
    if data.performance_deadline and data.performance_deadline < c.accepted_at.date():
        raise ValidationError(
            {
                "performance_deadline": f"履行期限 {data.performance_deadline:%Y-%m-%d} "
                f"不能早于受理日期 {c.accepted_at:%Y-%m-%d}"
            }
        )
    a = _current_agreement(session, c)
    if a is not None and a.status == AgreementStatus.SIGNED:
        raise ValidationError(
            f"协议已于{_cn(a.signed_on)}签署生效，不能修改；如需更正，请点“更正（新版本）”。"
        )
    if a is None:
        if not c.status.is_open:
            raise ValidationError(f"案件已{c.status.label}，不能再制作调解协议。")
        a = Agreement(
            case_id=c.id,
            number=c.number.replace(ROOM_CODES[c.room], ROOM_CODES[c.room] + "XY", 1),
            version=1,
            status=AgreementStatus.DRAFT,
            created_by=actor.user_id,
        )
        session.add(a)
    a.kind, a.facts, a.performance_method = data.kind, data.facts, data.performance_method
    a.performance_deadline = data.performance_deadline
    a.updated_at = now()
    a.terms.clear()
    for i, t in enumerate(data.terms):
        a.terms.append(AgreementTerm(position=i, text=t))
    session.flush()
    audit.record(
        session, actor, "agreement_save", object_type="agreement", object_id=a.id, reason=a.number
    )
    return _agreement_ref(a)


def _party_snapshot(c: MediationCase) -> str:
    return json.dumps(
        [
            {
                "role": p.role.value,
                "kind": p.kind.value,
                "name": p.name,
                "sex": p.sex,
                "ethnicity": p.ethnicity,
                "age": p.age,
                "occupation": p.occupation,
                "id_number": p.id_number,
                "phone": p.phone,
                "address": p.address,
                "representative": p.representative,
                "agent_name": p.agent_name,
                "agent_kind": p.agent_kind,
            }
            for p in c.parties
        ],
        ensure_ascii=False,
    )


@write_op(Change.CASES, Change.MATTERS)
def sign_agreement(
    session: Session,
    actor: Actor,
    agreement_id: uuid.UUID,
    signed_on: date,
    *,
    at: datetime | None = None,
) -> AgreementRef:
    """All parties have signed (or, for an oral agreement, it is registered): freeze it.

    The first agreement of an open case closes the case as 调解成功; a signed correction
    replaces the version it corrects.
    """
    a = session.get(Agreement, agreement_id)
    if a is None:
        raise NotFound("找不到该调解协议，请刷新。")
    c = _get_case(session, a.case_id)
    _require_on_case(actor, c)
    at = (at or now()).replace(microsecond=0)
    if a.status != AgreementStatus.DRAFT:
        when = f"于{_cn(a.signed_on)}" if a.signed_on else ""
        raise ValidationError(f"该协议已{when}签署，不能重复签署；如需更正，请生成新版本。")
    problems: dict[str, str] = {}
    if not isinstance(signed_on, date):
        problems["signed_on"] = "请填写签署日期"
    else:
        if signed_on < c.accepted_at.date():
            problems["signed_on"] = (
                f"协议签署日期 {signed_on:%Y-%m-%d} 不能早于受理日期 {c.accepted_at:%Y-%m-%d}"
            )
        if signed_on > at.date():
            problems["signed_on"] = "协议签署日期不能晚于今天"
        if a.performance_deadline and a.performance_deadline < signed_on:
            problems["performance_deadline"] = (
                f"履行期限 {a.performance_deadline:%Y-%m-%d} "
                f"不能早于协议签署日期 {signed_on:%Y-%m-%d}"
            )
    if not a.terms:
        problems["terms"] = "调解协议至少要有一项协议内容"
    if a.kind == AgreementKind.WRITTEN and not a.performance_method.strip():
        problems["performance_method"] = "书面调解协议请写明履行方式"
    if problems:
        raise ValidationError(problems)
    if a.supersedes_id is None and not c.status.is_open:
        raise ValidationError(f"案件已{c.status.label}，不能再签署协议。")
    a.status, a.signed_on, a.signed_by = AgreementStatus.SIGNED, signed_on, actor.user_id
    a.parties_snapshot = _party_snapshot(c)
    names = dict(session.execute(select(User.id, User.display_name)).all())
    lead_first = sorted(c.mediators, key=lambda m: not m.is_lead)
    a.mediators_snapshot = json.dumps(
        [names.get(m.user_id, "") for m in lead_first], ensure_ascii=False
    )
    if a.supersedes_id:
        session.get(Agreement, a.supersedes_id).status = AgreementStatus.SUPERSEDED
    session.flush()
    audit.record(
        session,
        actor,
        "agreement_sign",
        object_type="agreement",
        object_id=a.id,
        reason=f"{a.number} 第{a.version}版",
        at=at,
    )
    what = "登记口头协议" if a.kind == AgreementKind.ORAL else "各方签署调解协议书"
    if a.supersedes_id is None:
        close_case(session, actor, c.id, S.SUCCEEDED, f"{what}（{a.number}）", at=at)
    else:
        _matter_note(session, actor, c, f"调解协议更正，第{a.version}版签署（{a.number}）。", at)
    return _agreement_ref(a)


@write_op(Change.CASES, Change.MATTERS)
def save_and_sign(
    session: Session, actor: Actor, case_id: uuid.UUID, data: AgreementInput, signed_on: date
) -> AgreementRef:
    """Sign what is on screen: the draft is saved, then signed, in one transaction."""
    ref = save_agreement(session, actor, case_id, data)
    return sign_agreement(session, actor, ref.id, signed_on)


@write_op(Change.CASES)
def correct_agreement(session: Session, actor: Actor, agreement_id: uuid.UUID) -> AgreementRef:
    """A new draft version of a signed agreement; the signed one stays as it was."""
    old = session.get(Agreement, agreement_id)
    if old is None:
        raise NotFound("找不到该调解协议，请刷新。")
    c = _get_case(session, old.case_id)
    _require_on_case(actor, c)
    if c.status == S.ARCHIVED:
        raise ValidationError("案件已归档，协议不能再更正。")
    if old.status != AgreementStatus.SIGNED:
        raise ValidationError("只有已签署的协议需要更正；草稿可以直接修改。")
    if session.scalar(
        select(Agreement.id).where(
            Agreement.supersedes_id == old.id, Agreement.status == AgreementStatus.DRAFT
        )
    ):
        raise ValidationError("这份协议已有一个未签署的更正版本，请在那一版上修改。")
    new = Agreement(
        case_id=c.id,
        number=old.number,
        version=old.version + 1,
        supersedes_id=old.id,
        kind=old.kind,
        status=AgreementStatus.DRAFT,
        facts=old.facts,
        performance_method=old.performance_method,
        performance_deadline=old.performance_deadline,
        created_by=actor.user_id,
    )
    for t in old.terms:
        new.terms.append(AgreementTerm(position=t.position, text=t.text))
    session.add(new)
    session.flush()
    audit.record(
        session,
        actor,
        "agreement_correct",
        object_type="agreement",
        object_id=new.id,
        reason=f"{new.number} 第{new.version}版",
    )
    return _agreement_ref(new)


@read_op
def agreement_input(session: Session, actor: Actor, agreement_id: uuid.UUID) -> AgreementInput:
    require(actor, Action.VIEW_CASES)
    a = session.get(Agreement, agreement_id)
    if a is None:
        raise NotFound("找不到该调解协议，请刷新。")
    return AgreementInput(
        a.kind, a.facts, [t.text for t in a.terms], a.performance_method, a.performance_deadline
    )


# --- follow-ups and judicial confirmation -----------------------------------------------


@write_op(Change.CASES)
def plan_followup(
    session: Session, actor: Actor, case_id: uuid.UUID, planned_on: date
) -> uuid.UUID:
    c = _get_case(session, case_id)
    _require_on_case(actor, c)
    if not isinstance(planned_on, date):
        raise ValidationError({"planned_on": "请填写计划回访日期"})
    if planned_on < c.accepted_at.date():
        raise ValidationError({"planned_on": "计划回访日期不能早于受理日期"})
    f = FollowUp(case_id=c.id, planned_on=planned_on)
    session.add(f)
    session.flush()
    audit.record(session, actor, "followup_plan", object_type="followup", object_id=f.id)
    return f.id


@write_op(Change.CASES, Change.MATTERS)
def record_followup(
    session: Session,
    actor: Actor,
    case_id: uuid.UUID,
    data: FollowUpInput,
    followup_id: uuid.UUID | None = None,
    *,
    today: date | None = None,
) -> uuid.UUID:
    """A follow-up made (a planned one, or one not planned)."""
    c = _get_case(session, case_id)
    _require_on_case(actor, c)
    today = today or date.today()
    problems: dict[str, str] = {}
    if not isinstance(data.done_on, date):
        problems["done_on"] = "请填写回访日期"
    elif data.done_on < c.accepted_at.date():
        problems["done_on"] = "回访日期不能早于受理日期"
    elif data.done_on > today:
        problems["done_on"] = "回访日期不能晚于今天"
    visited = _text(problems, "visited", data.visited, "回访对象", required=True, max_len=64)
    escalation = _text(problems, "escalation", data.escalation, "有无激化迹象", max_len=2000)
    measures = _text(problems, "measures", data.measures, "采取的措施", max_len=2000)
    try:
        method, performance = FollowUpMethod(data.method), Performance(data.performance)
    except ValueError:
        problems["method"] = "请选择回访方式和协议履行情况"
    if problems:
        raise ValidationError(problems)
    if followup_id is None:
        f = FollowUp(case_id=c.id, planned_on=data.done_on)
        session.add(f)
    else:
        f = session.get(FollowUp, followup_id)
        if f is None or f.case_id != c.id:
            raise NotFound("找不到该回访计划，请刷新。")
        if f.done_on is not None:
            raise ValidationError("这次回访已经记录过了。")
    f.done_on, f.method, f.visited, f.performance = data.done_on, method, visited, performance
    f.satisfaction = Satisfaction(data.satisfaction) if data.satisfaction else None
    f.lawsuit, f.escalation, f.measures = bool(data.lawsuit), escalation, measures
    f.by_user = actor.user_id
    session.flush()
    audit.record(session, actor, "followup_record", object_type="followup", object_id=f.id)
    _matter_note(
        session,
        actor,
        c,
        f"回访（{method.label}，{visited}）：协议{performance.label}。",
        datetime.combine(data.done_on, datetime.min.time()).replace(hour=12),
    )
    return f.id


@dataclass(frozen=True)
class Reminder:
    case_id: uuid.UUID
    case_number: str
    room: CaseRoom
    kind: str  # 回访 / 履行期限
    due: date
    text: str

    def overdue(self, today: date) -> bool:
        return self.due < today


@read_op
def reminders(
    session: Session,
    actor: Actor,
    *,
    room: CaseRoom | None = None,
    today: date | None = None,
    ahead_days: int = 3,
) -> list[Reminder]:
    """Planned follow-ups and performance deadlines that are due (or due within a few days)."""
    require(actor, Action.VIEW_CASES)
    today = today or date.today()
    horizon = today + timedelta(days=ahead_days)
    out: list[Reminder] = []
    q = (
        select(FollowUp, MediationCase.number, MediationCase.room, MediationCase.id)
        .join(MediationCase, MediationCase.id == FollowUp.case_id)
        .where(FollowUp.done_on.is_(None), FollowUp.planned_on <= horizon)
    )
    if room is not None:
        q = q.where(MediationCase.room == room)
    for f, number, r, cid in session.execute(q):
        out.append(Reminder(cid, number, r, "回访", f.planned_on, f"{number} 计划回访"))
    performed = select(FollowUp.case_id).where(FollowUp.performance == Performance.DONE)
    q = (
        select(Agreement, MediationCase.number, MediationCase.room)
        .join(MediationCase, MediationCase.id == Agreement.case_id)
        .where(
            Agreement.status == AgreementStatus.SIGNED,
            Agreement.performance_deadline.is_not(None),
            Agreement.performance_deadline <= horizon,
            Agreement.case_id.not_in(performed),
        )
    )
    if room is not None:
        q = q.where(MediationCase.room == room)
    for a, number, r in session.execute(q):
        out.append(
            Reminder(
                a.case_id,
                number,
                r,
                "履行期限",
                a.performance_deadline,
                f"{number} 协议履行期限届满，请回访核实履行情况",
            )
        )
    out.sort(key=lambda x: (x.due, x.case_number))
    return out


@dataclass(frozen=True)
class ConfirmationWindow:
    effective_on: date
    last_day: date

    def days_left(self, today: date) -> int:
        return (self.last_day - today).days

    def text(self, today: date) -> str:
        left = self.days_left(today)
        tail = f"，还剩 {left} 天" if left >= 0 else "，已过申请期限"
        return (
            f"协议自{self.effective_on:%Y-%m-%d}生效，"
            f"可在{self.last_day:%Y-%m-%d}前共同申请司法确认{tail}"
        )


def confirmation_window(a: Agreement) -> ConfirmationWindow | None:
    if a.status == AgreementStatus.DRAFT or a.signed_on is None or a.kind != AgreementKind.WRITTEN:
        return None
    return ConfirmationWindow(a.signed_on, a.signed_on + timedelta(days=CONFIRMATION_DAYS))


@write_op(Change.CASES, Change.MATTERS)
def record_confirmation(
    session: Session,
    actor: Actor,
    case_id: uuid.UUID,
    applied_on: date,
    court: str,
    result: ConfirmationResult = ConfirmationResult.PENDING,
    result_on: date | None = None,
    note: str = "",
) -> uuid.UUID:
    c = _get_case(session, case_id)
    _require_on_case(actor, c)
    a = _signed_agreement(session, c)
    if a is None:
        raise ValidationError("协议签署生效后才能申请司法确认。")
    window = confirmation_window(a)
    if window is None:
        raise ValidationError("口头协议不能申请司法确认，请先制作书面调解协议书。")
    problems: dict[str, str] = {}
    court = _text(problems, "court", court, "受理法院", required=True, max_len=64)
    note = _text(problems, "note", note, "备注", max_len=2000)
    if not isinstance(applied_on, date):
        problems["applied_on"] = "请填写申请日期"
    elif applied_on < window.effective_on:
        problems["applied_on"] = "申请日期不能早于协议生效日期"
    elif applied_on > window.last_day:
        problems["applied_on"] = (
            f"司法确认应在协议生效之日起 {CONFIRMATION_DAYS} 日内共同申请"
            f"（截至 {window.last_day:%Y-%m-%d}）"
        )
    result = ConfirmationResult(result)
    if result != ConfirmationResult.PENDING and result_on is None:
        problems["result_on"] = "请填写法院裁定日期"
    if result_on is not None and isinstance(applied_on, date) and result_on < applied_on:
        problems["result_on"] = "裁定日期不能早于申请日期"
    if problems:
        raise ValidationError(problems)
    j = JudicialConfirmation(
        case_id=c.id,
        agreement_id=a.id,
        applied_on=applied_on,
        court=court,
        result=result,
        result_on=result_on,
        note=note,
    )
    session.add(j)
    session.flush()
    audit.record(session, actor, "confirmation_record", object_type="confirmation", object_id=j.id)
    when = datetime.combine(applied_on, datetime.min.time()).replace(hour=12)
    _matter_note(session, actor, c, f"当事人向{court}申请司法确认（{result.label}）。", when)
    return j.id


@write_op(Change.CASES)
def set_confirmation_result(
    session: Session,
    actor: Actor,
    confirmation_id: uuid.UUID,
    result: ConfirmationResult,
    result_on: date,
) -> None:
    j = session.get(JudicialConfirmation, confirmation_id)
    if j is None:
        raise NotFound("找不到该司法确认记录。")
    c = _get_case(session, j.case_id)
    _require_on_case(actor, c)
    result = ConfirmationResult(result)
    if result == ConfirmationResult.PENDING:
        raise ValidationError("请选择法院的裁定结果")
    if result_on is None or result_on < j.applied_on:
        raise ValidationError({"result_on": "裁定日期不能早于申请日期"})
    j.result, j.result_on = result, result_on
    session.flush()
    audit.record(session, actor, "confirmation_result", object_type="confirmation", object_id=j.id)


# --- the family room --------------------------------------------------------------------


def _family_case(session: Session, actor: Actor, case_id: uuid.UUID) -> MediationCase:
    c = _get_case(session, case_id)
    _require_on_case(actor, c)
    if c.room != CaseRoom.FAMILY:
        raise ValidationError("这是家事调解室的登记项，矛盾纠纷调解室的案件没有这一项。")
    if c.status == S.ARCHIVED:
        raise ValidationError("案件已归档，不能再登记。")
    return c


@write_op(Change.CASES)
def save_minors(
    session: Session, actor: Actor, case_id: uuid.UUID, minors: list[MinorInput]
) -> None:
    """Minors involved: written and read by the case's own mediators only."""
    c = _family_case(session, actor, case_id)
    if not _is_case_mediator(actor, c):
        raise PermissionDenied("未成年人信息只有本案调解员可以查看和填写。")
    problems: dict[str, str] = {}
    clean = []
    for i, m in enumerate(minors):
        who = f"第 {i + 1} 名未成年人"
        name = ""
        try:
            name = validate_name(m.name, f"minors[{i}].name", 30, f"{who}的姓名")
        except ValidationError as err:
            problems.update(err.fields)
        if m.sex not in ("", "男", "女"):
            problems[f"minors[{i}].sex"] = f"{who}的性别请填“男”或“女”"
        if m.age is not None and not 0 <= m.age < 18:
            problems[f"minors[{i}].age"] = f"第 {i + 1} 名未成年人的年龄应在 0–17 岁之间"
        relation = _text(problems, f"minors[{i}].relation", m.relation, "与当事人关系", max_len=64)
        note = _text(problems, f"minors[{i}].note", m.note, "情况说明", max_len=2000)
        clean.append(
            CaseMinor(case_id=c.id, name=name, sex=m.sex, age=m.age, relation=relation, note=note)
        )
    if problems:
        raise ValidationError(problems)
    for old in session.scalars(select(CaseMinor).where(CaseMinor.case_id == c.id)):
        session.delete(old)
    session.add_all(clean)
    session.flush()
    audit.record(session, actor, "case_minors_save", object_type="mediation_case", object_id=c.id)


@write_op(Change.CASES, Change.MATTERS)
def add_protection(
    session: Session, actor: Actor, case_id: uuid.UUID, kind: ProtectionKind, on: date, note: str
) -> None:
    c = _family_case(session, actor, case_id)
    note = validate_text(note, "note", "措施情况（转介单位、结果）", required=True, max_len=2000)
    if on < c.accepted_at.date():
        raise ValidationError({"on": "措施日期不能早于受理日期"})
    kind = ProtectionKind(kind)
    session.add(CaseProtection(case_id=c.id, kind=kind, on=on, note=note, by_user=actor.user_id))
    session.flush()
    audit.record(session, actor, "case_protection", object_type="mediation_case", object_id=c.id)
    _matter_note(
        session,
        actor,
        c,
        f"家暴防护措施：{kind.label}。",
        datetime.combine(on, datetime.min.time()),
    )


@write_op(Change.CASES)
def add_service(
    session: Session,
    actor: Actor,
    case_id: uuid.UUID,
    service: FamilyService,
    on: date,
    note: str = "",
) -> None:
    c = _family_case(session, actor, case_id)
    note = validate_text(note, "note", "服务情况", required=False, max_len=2000)
    session.add(
        CaseService(
            case_id=c.id, service=FamilyService(service), on=on, note=note, by_user=actor.user_id
        )
    )
    session.flush()
    audit.record(session, actor, "case_service", object_type="mediation_case", object_id=c.id)


@write_op(Change.CASES)
def add_complaint(
    session: Session,
    actor: Actor,
    case_id: uuid.UUID,
    received_on: date,
    content: str,
    referred_to: str = "",
    referred_on: date | None = None,
) -> None:
    """A complaint about an infringement of women's or children's rights, and where it went."""
    c = _family_case(session, actor, case_id)
    problems: dict[str, str] = {}
    content = _text(problems, "content", content, "投诉内容", required=True, max_len=5000)
    referred_to = _text(problems, "referred_to", referred_to, "转介单位", max_len=64)
    if referred_on is not None and referred_on < received_on:
        problems["referred_on"] = "转介日期不能早于接收日期"
    if referred_on is not None and not referred_to:
        problems["referred_to"] = "请填写转介给哪个单位（如妇联、公安机关、民政部门）"
    if problems:
        raise ValidationError(problems)
    session.add(
        RightsComplaint(
            case_id=c.id,
            received_on=received_on,
            content=content,
            referred_to=referred_to,
            referred_on=referred_on,
            by_user=actor.user_id,
        )
    )
    session.flush()
    audit.record(session, actor, "case_complaint", object_type="mediation_case", object_id=c.id)


# --- reading ----------------------------------------------------------------------------


@dataclass
class CaseFilter:
    status: CaseStatus | None = None
    dispute_type: DisputeType | None = None
    mediator_id: uuid.UUID | None = None
    due_followups: bool = False
    overdue: bool = False
    query: str = ""


@dataclass(frozen=True)
class CaseRow:
    id: uuid.UUID
    number: str
    title: str
    dispute_type: DisputeType
    status: CaseStatus
    accepted_at: datetime
    lead: str
    parties: str
    violence_risk: ViolenceRisk | None
    overdue: bool
    reminder: str


@read_op
def list_cases(
    session: Session,
    actor: Actor,
    room: CaseRoom,
    f: CaseFilter | None = None,
    *,
    today: date | None = None,
) -> list[CaseRow]:
    """A room's cases, newest first, with the filters of the case list."""
    require(actor, Action.VIEW_CASES)
    f = f or CaseFilter()
    today = today or date.today()
    limit = datetime.combine(today - timedelta(days=MEDIATION_DAYS), datetime.min.time())
    q = select(MediationCase).where(MediationCase.room == room)
    if f.status:
        q = q.where(MediationCase.status == f.status)
    if f.dispute_type:
        q = q.where(MediationCase.dispute_type == f.dispute_type)
    if f.mediator_id:
        q = q.where(
            MediationCase.id.in_(
                select(CaseMediator.case_id).where(CaseMediator.user_id == f.mediator_id)
            )
        )
    if f.overdue:
        q = q.where(
            MediationCase.status.in_([S.ACCEPTED, S.MEDIATING]), MediationCase.accepted_at < limit
        )
    if f.query.strip():
        like = f"%{f.query.strip()}%"
        q = q.where(
            MediationCase.number.like(like)
            | MediationCase.title.like(like)
            | MediationCase.id.in_(select(CaseParty.case_id).where(CaseParty.name.like(like)))
        )
    due = {r.case_id: r for r in reversed(reminders(session, actor, room=room, today=today))}
    if f.due_followups:
        q = q.where(MediationCase.id.in_(list(due) or [uuid.UUID(int=0)]))
    names = dict(session.execute(select(User.id, User.display_name)).all())
    rows = []
    for c in session.scalars(
        q.order_by(MediationCase.accepted_at.desc(), MediationCase.number.desc())
    ):
        lead = next((names.get(m.user_id, "") for m in c.mediators if m.is_lead), "")
        r = due.get(c.id)
        rows.append(
            CaseRow(
                c.id,
                c.number,
                c.title,
                c.dispute_type,
                c.status,
                c.accepted_at,
                lead,
                "、".join(p.name for p in c.parties),
                c.violence_risk,
                c.status.is_open and c.accepted_at < limit,
                f"{r.kind} {r.due:%m-%d}" if r else "",
            )
        )
    return rows


@dataclass(frozen=True)
class PartyView:
    role: PartyRole
    kind: PartyKind
    name: str
    sex: str
    age: int | None
    id_number: str
    phone: str
    address: str
    agent: str


@dataclass(frozen=True)
class RecordRow:
    id: uuid.UUID
    at: datetime
    place: str
    statements: int
    result: str
    next_step: str


@dataclass(frozen=True)
class AgreementRow:
    id: uuid.UUID
    number: str
    version: int
    kind: AgreementKind
    status: AgreementStatus
    signed_on: date | None
    performance_deadline: date | None
    terms: list[str]
    window: ConfirmationWindow | None


@dataclass(frozen=True)
class FollowUpRow:
    id: uuid.UUID
    planned_on: date
    done_on: date | None
    method: str
    visited: str
    performance: str
    satisfaction: str


@dataclass(frozen=True)
class ConfirmationRow:
    id: uuid.UUID
    applied_on: date
    court: str
    result: ConfirmationResult
    result_on: date | None


@dataclass(frozen=True)
class TimelineRow:
    at: datetime
    kind: str
    who: str
    note: str


@dataclass
class CaseDetail:
    id: uuid.UUID
    number: str
    file_number: str
    room: CaseRoom
    title: str
    status: CaseStatus
    dispute_type: DisputeType
    source: CaseSource
    referred_by: str
    form: MediationForm
    facts: str
    requests: str
    amount: str
    accepted_at: datetime
    closed_at: datetime | None
    outcome: str
    transfer: str
    matter_number: str
    mediators: list[str]
    lead: str
    parties: list[PartyView]
    records: list[RecordRow]
    agreements: list[AgreementRow]
    followups: list[FollowUpRow]
    confirmations: list[ConfirmationRow]
    timeline: list[TimelineRow]
    moves: list[CaseMove]
    can_edit: bool
    overdue: bool
    # family room
    relationship: str = ""
    violence_risk: ViolenceRisk | None = None
    protections: list[tuple[date, str, str]] = field(default_factory=list)
    services: list[tuple[date, str, str]] = field(default_factory=list)
    complaints: list[tuple[date, str, str, date | None]] = field(default_factory=list)
    minors_count: int = 0
    minors: list[MinorInput] | None = None  # None: not one of this case's mediators

    @property
    def current_agreement(self) -> AgreementRow | None:
        live = [a for a in self.agreements if a.status != AgreementStatus.SUPERSEDED]
        return live[-1] if live else None


def _can_edit(actor: Actor, c: MediationCase) -> bool:
    return allowed(actor, Action.MEDIATE_CASE) and may_change_case(actor, _mediator_ids(c))


@read_op
def case_detail(
    session: Session, actor: Actor, case_id: uuid.UUID, *, today: date | None = None
) -> CaseDetail:
    require(actor, Action.VIEW_CASES)
    today = today or date.today()
    c = _get_case(session, case_id)
    s = load_settings(session)
    names = dict(session.execute(select(User.id, User.display_name)).all())
    lead_first = sorted(c.mediators, key=lambda m: not m.is_lead)
    records = list(
        session.scalars(
            select(MediationRecord)
            .where(MediationRecord.case_id == c.id)
            .order_by(MediationRecord.at)
        )
    )
    agreements = list(
        session.scalars(
            select(Agreement).where(Agreement.case_id == c.id).order_by(Agreement.version)
        )
    )
    followups = session.scalars(
        select(FollowUp).where(FollowUp.case_id == c.id).order_by(FollowUp.planned_on)
    )
    confirmations = session.scalars(
        select(JudicialConfirmation)
        .where(JudicialConfirmation.case_id == c.id)
        .order_by(JudicialConfirmation.applied_on)
    )
    timeline: list[TimelineRow] = []
    matter_number = ""
    if c.matter_id:
        m = session.get(Matter, c.matter_id)
        matter_number = m.number
        timeline = [
            TimelineRow(e.at, e.kind.label, names.get(e.user_id, "系统"), e.note or "")
            for e in m.events
        ]
    can_edit = _can_edit(actor, c)
    moves = [mv for mv, (src, _t) in CASE_MOVES.items() if c.status in src] if can_edit else []
    minors_rows = list(session.scalars(select(CaseMinor).where(CaseMinor.case_id == c.id)))
    limit = datetime.combine(today - timedelta(days=MEDIATION_DAYS), datetime.min.time())
    detail = CaseDetail(
        id=c.id,
        number=c.number,
        file_number=file_number(c.room, c.year, c.seq, c.terminal, s.center_name),
        room=c.room,
        title=c.title,
        status=c.status,
        dispute_type=c.dispute_type,
        source=c.source,
        referred_by=c.referred_by,
        form=c.form,
        facts=c.facts,
        requests=c.requests,
        amount=format_amount(c.amount_cents),
        accepted_at=c.accepted_at,
        closed_at=c.closed_at,
        outcome=c.outcome or "",
        transfer=f"{c.transfer_to}（{c.transfer_body.label}）" if c.transfer_body else "",
        matter_number=matter_number,
        mediators=[names.get(m.user_id, "") for m in lead_first],
        lead=names.get(lead_first[0].user_id, "") if lead_first else "",
        parties=[
            PartyView(
                p.role,
                p.kind,
                p.name,
                p.sex,
                p.age,
                p.id_number,
                p.phone,
                p.address,
                f"{p.agent_name}（{p.agent_kind or '代理人'}）" if p.agent_name else "",
            )
            for p in c.parties
        ],
        records=[
            RecordRow(r.id, r.at, r.place, len(r.statements), r.result, r.next_step)
            for r in records
        ],
        agreements=[
            AgreementRow(
                a.id,
                a.number,
                a.version,
                a.kind,
                a.status,
                a.signed_on,
                a.performance_deadline,
                [t.text for t in a.terms],
                confirmation_window(a),
            )
            for a in agreements
        ],
        followups=[
            FollowUpRow(
                f.id,
                f.planned_on,
                f.done_on,
                f.method.label if f.method else "",
                f.visited,
                f.performance.label if f.performance else "",
                f.satisfaction.label if f.satisfaction else "",
            )
            for f in followups
        ],
        confirmations=[
            ConfirmationRow(j.id, j.applied_on, j.court, j.result, j.result_on)
            for j in confirmations
        ],
        timeline=timeline,
        moves=moves,
        can_edit=can_edit,
        overdue=c.status.is_open and c.accepted_at < limit,
        relationship=c.relationship_text or "",
        violence_risk=c.violence_risk,
        minors_count=len(minors_rows),
    )
    if c.room == CaseRoom.FAMILY:
        detail.protections.extend(
            (p.on, p.kind.label, p.note)
            for p in session.scalars(
                select(CaseProtection)
                .where(CaseProtection.case_id == c.id)
                .order_by(CaseProtection.on)
            )
        )
        detail.services.extend(
            (v.on, v.service.label, v.note)
            for v in session.scalars(
                select(CaseService).where(CaseService.case_id == c.id).order_by(CaseService.on)
            )
        )
        detail.complaints.extend(
            (x.received_on, x.content, x.referred_to, x.referred_on)
            for x in session.scalars(
                select(RightsComplaint)
                .where(RightsComplaint.case_id == c.id)
                .order_by(RightsComplaint.received_on)
            )
        )
        if _is_case_mediator(actor, c):
            detail.minors = [
                MinorInput(m.name, m.sex, m.age, m.relation, m.note) for m in minors_rows
            ]
    return detail


@read_op
def find_case(session: Session, actor: Actor, number: str) -> uuid.UUID:
    require(actor, Action.VIEW_CASES)
    cid = session.scalar(
        select(MediationCase.id).where(MediationCase.number == number.strip().upper())
    )
    if cid is None:
        raise NotFound(f"找不到案号为“{number.strip()}”的调解案件，请核对案号。")
    return cid


@read_op
def case_counts(session: Session, actor: Actor, room: CaseRoom) -> dict[CaseStatus, int]:
    require(actor, Action.VIEW_CASES)
    return dict(
        session.execute(
            select(MediationCase.status, func.count())
            .where(MediationCase.room == room)
            .group_by(MediationCase.status)
        ).all()
    )


# --- printing ---------------------------------------------------------------------------


def _party_data(p: dict, *, whole: bool) -> PartyData:
    from .validation import mask_id_number, mask_phone

    return PartyData(
        role=PartyRole(p["role"]).label,
        name=p["name"],
        is_person=p["kind"] == PartyKind.PERSON.value,
        sex=p.get("sex", ""),
        ethnicity=p.get("ethnicity", ""),
        age=p.get("age"),
        occupation=p.get("occupation", ""),
        id_number=p.get("id_number", "") if whole else mask_id_number(p.get("id_number")),
        phone=p.get("phone", "") if whole else mask_phone(p.get("phone")),
        address=p.get("address", ""),
        representative=p.get("representative", ""),
        agent=(
            f"{p['agent_name']}（{p.get('agent_kind') or '委托代理人'}）"
            if p.get("agent_name")
            else ""
        ),
    )


def _parties_now(c: MediationCase) -> list[dict]:
    return json.loads(_party_snapshot(c))


@read_op
def case_print_data(session: Session, actor: Actor, case_id: uuid.UUID) -> CaseData:
    """The case as printed on the application and the registration form (IDs masked)."""
    require(actor, Action.VIEW_CASES)
    c = _get_case(session, case_id)
    s = load_settings(session)
    names = dict(session.execute(select(User.id, User.display_name)).all())
    lead_first = sorted(c.mediators, key=lambda m: not m.is_lead)
    minors = session.scalar(
        select(func.count()).select_from(CaseMinor).where(CaseMinor.case_id == c.id)
    )
    return CaseData(
        center_name=s.center_name,
        committee=committee_name(s.center_name),
        room=c.room.label,
        number=c.number,
        file_number=file_number(c.room, c.year, c.seq, c.terminal, s.center_name),
        title=c.title,
        dispute_type=c.dispute_type.label,
        source=c.source.label,
        accepted_at=c.accepted_at,
        facts=c.facts,
        parties=[_party_data(p, whole=False) for p in _parties_now(c)],
        referred_by=c.referred_by,
        form=c.form.label,
        requests=c.requests,
        amount=format_amount(c.amount_cents),
        mediators=[names.get(m.user_id, "") for m in lead_first],
        registered_by=names.get(c.created_by, ""),
        relationship=c.relationship_text or "" if c.room == CaseRoom.FAMILY else "",
        violence_risk=c.violence_risk.label if c.violence_risk else "",
        minors_count=minors or 0,
    )


@read_op
def record_print_data(session: Session, actor: Actor, record_id: uuid.UUID) -> RecordData:
    require(actor, Action.VIEW_CASES)
    rec = session.get(MediationRecord, record_id)
    if rec is None:
        raise NotFound("找不到该调解笔录，请刷新。")
    case = case_print_data(session, actor, rec.case_id)
    index = 1 + (
        session.scalar(
            select(func.count())
            .select_from(MediationRecord)
            .where(MediationRecord.case_id == rec.case_id, MediationRecord.at < rec.at)
        )
        or 0
    )
    return RecordData(
        case=case,
        index=index,
        at=rec.at,
        place=rec.place,
        attendees=rec.attendees,
        recorder=rec.recorder,
        rights_told=rec.rights_told,
        statements=[Statement(st.speaker, st.text) for st in rec.statements],
        facts_checked=rec.facts_checked,
        risks_warned=rec.risks_warned,
        result=rec.result,
        next_step=rec.next_step,
    )


@read_op
def agreement_print_data(session: Session, actor: Actor, agreement_id: uuid.UUID) -> AgreementData:
    """A signed agreement prints from what was frozen when it was signed; a draft from now."""
    require(actor, Action.VIEW_CASES)
    a = session.get(Agreement, agreement_id)
    if a is None:
        raise NotFound("找不到该调解协议，请刷新。")
    c = _get_case(session, a.case_id)
    s = load_settings(session)
    if a.parties_snapshot:
        parties, mediators = (
            json.loads(a.parties_snapshot),
            json.loads(a.mediators_snapshot or "[]"),
        )
    else:
        names = dict(session.execute(select(User.id, User.display_name)).all())
        parties = _parties_now(c)
        mediators = [
            names.get(m.user_id, "") for m in sorted(c.mediators, key=lambda m: not m.is_lead)
        ]
    return AgreementData(
        center_name=s.center_name,
        committee=committee_name(s.center_name),
        number=a.number,
        version=a.version,
        oral=a.kind == AgreementKind.ORAL,
        status=a.status.label,
        # The agreement binds these people: their ID numbers print whole.
        parties=[_party_data(p, whole=True) for p in parties],
        facts=a.facts,
        terms=[t.text for t in a.terms],
        performance_method=a.performance_method,
        performance_deadline=a.performance_deadline,
        signed_on=a.signed_on,
        mediators=mediators,
        case_number=c.number,
    )


@read_op
def followup_print_data(session: Session, actor: Actor, followup_id: uuid.UUID) -> FollowUpData:
    require(actor, Action.VIEW_CASES)
    f = session.get(FollowUp, followup_id)
    if f is None:
        raise NotFound("找不到该回访记录，请刷新。")
    c = _get_case(session, f.case_id)
    s = load_settings(session)
    a = _signed_agreement(session, c)
    names = dict(session.execute(select(User.id, User.display_name)).all())
    return FollowUpData(
        center_name=s.center_name,
        committee=committee_name(s.center_name),
        case_number=c.number,
        agreement_number=a.number if a else "",
        title=c.title,
        visited=f.visited,
        planned_on=f.planned_on,
        done_on=f.done_on,
        method=f.method.label if f.method else "",
        reason="了解调解协议履行情况，防止纠纷反复、激化"
        if a
        else "了解纠纷后续情况，防止反复、激化",
        performance=f.performance.label if f.performance else "",
        satisfaction=f.satisfaction.label if f.satisfaction else "",
        lawsuit=f.lawsuit,
        escalation=f.escalation,
        measures=f.measures,
        by=names.get(f.by_user, ""),
    )


@read_op
def result_label(session: Session, c: MediationCase) -> str:
    """How the case ended; for an archived case, the ending recorded before it was filed."""
    if c.status != S.ARCHIVED:
        return c.status.label
    from app.models import AuditEntry

    endings = {f"case_{m.value}": CASE_MOVES[m][1].label for m in CASE_MOVES}
    endings.pop("case_archive")
    endings.pop("case_start")
    event = session.scalar(
        select(AuditEntry.event)
        .where(AuditEntry.object_id == str(c.id), AuditEntry.event.in_(list(endings)))
        .order_by(AuditEntry.seq.desc())
        .limit(1)
    )
    return f"{endings[event]}，已归档" if event else c.status.label


@read_op
def casefile_print_data(session: Session, actor: Actor, case_id: uuid.UUID) -> CasefileData:
    require(actor, Action.VIEW_CASES)
    c = _get_case(session, case_id)
    names = dict(session.execute(select(User.id, User.display_name)).all())
    records = [
        record_print_data(session, actor, sid)
        for sid in session.scalars(
            select(MediationRecord.id)
            .where(MediationRecord.case_id == c.id)
            .order_by(MediationRecord.at)
        )
    ]
    agreements = [
        agreement_print_data(session, actor, aid)
        for aid in session.scalars(
            select(Agreement.id)
            .where(Agreement.case_id == c.id, Agreement.status != AgreementStatus.DRAFT)
            .order_by(Agreement.version)
        )
    ]
    followups = [
        followup_print_data(session, actor, fid)
        for fid in session.scalars(
            select(FollowUp.id)
            .where(FollowUp.case_id == c.id, FollowUp.done_on.is_not(None))
            .order_by(FollowUp.done_on)
        )
    ]
    confirmations = [
        f"{_cn(j.applied_on)}向{j.court}申请司法确认，"
        + (f"{_cn(j.result_on)}裁定{j.result.label}。" if j.result_on else "待裁定。")
        for j in session.scalars(
            select(JudicialConfirmation)
            .where(JudicialConfirmation.case_id == c.id)
            .order_by(JudicialConfirmation.applied_on)
        )
    ]
    family = []
    if c.room == CaseRoom.FAMILY:
        family += [
            f"{_cn(p.on)} {p.kind.label}：{p.note}"
            for p in session.scalars(
                select(CaseProtection)
                .where(CaseProtection.case_id == c.id)
                .order_by(CaseProtection.on)
            )
        ]
        family += [
            f"{_cn(v.on)} {v.service.label}" + (f"：{v.note}" if v.note else "")
            for v in session.scalars(
                select(CaseService).where(CaseService.case_id == c.id).order_by(CaseService.on)
            )
        ]
        family += [
            f"{_cn(x.received_on)} 接收权益侵害投诉：{x.content}"
            + (f"；已转介{x.referred_to}" if x.referred_to else "")
            for x in session.scalars(select(RightsComplaint).where(RightsComplaint.case_id == c.id))
        ]
    outcome = c.outcome or ""
    if c.transfer_body:
        outcome = f"转{c.transfer_to}（{c.transfer_body.label}）：{outcome}"
    return CasefileData(
        case=case_print_data(session, actor, c.id),
        status=result_label(session, c),
        closed_on=c.closed_at.date() if c.closed_at else None,
        filed_by=names.get(c.archived_by, "") if c.archived_by else "",
        filed_on=c.archived_at.date() if c.archived_at else None,
        retention=c.retention or "",
        outcome=outcome,
        records=records,
        agreements=agreements,
        followups=followups,
        confirmations=confirmations,
        family_notes=family,
    )


class Document(LabelledEnum):
    APPLICATION = ("application", "人民调解申请书")
    REGISTRATION = ("registration", "受理登记表")
    RECORD = ("record", "调解笔录")
    AGREEMENT = ("agreement", "调解协议书")
    FOLLOWUP = ("followup", "回访记录")
    CASEFILE = ("casefile", "卷宗")


@write_op()
def document_pdf(
    session: Session, actor: Actor, document: Document, object_id: uuid.UUID
) -> tuple[str, bytes]:
    """(a title for the preview, PDF bytes) of one document, with an audit row for the print.

    ``object_id`` is the case's id, or the record's, agreement's or follow-up's.
    """
    from app.reports import mediation as r

    document = Document(document)
    match document:
        case Document.APPLICATION:
            d = case_print_data(session, actor, object_id)
            title, pdf = f"人民调解申请书 {d.number}", r.render_application(d)
        case Document.REGISTRATION:
            d = case_print_data(session, actor, object_id)
            title, pdf = f"受理登记表 {d.number}", r.render_registration(d)
        case Document.RECORD:
            rd = record_print_data(session, actor, object_id)
            title, pdf = f"调解笔录 {rd.case.number} 第{rd.index}次", r.render_record(rd)
        case Document.AGREEMENT:
            ad = agreement_print_data(session, actor, object_id)
            name = "口头协议登记表" if ad.oral else "调解协议书"
            title, pdf = f"{name} {ad.number} 第{ad.version}版", r.render_agreement(ad)
        case Document.FOLLOWUP:
            fd = followup_print_data(session, actor, object_id)
            title, pdf = f"回访记录 {fd.case_number}", r.render_followup(fd)
        case Document.CASEFILE:
            cd = casefile_print_data(session, actor, object_id)
            title, pdf = f"卷宗 {cd.case.file_number}", r.render_casefile(cd)
    audit.record(
        session,
        actor,
        "case_print",
        object_type=document.value,
        object_id=object_id,
        reason=document.label,
    )
    return title, pdf


@write_op()
def document_for_number(
    session: Session, actor: Actor, document: Document, number: str, index: int | None = None
) -> tuple[str, bytes]:
    """For the command line: a case number; ``index`` picks the Nth record or follow-up
    (default: the latest). The agreement is the one in force, else the draft."""
    require(actor, Action.VIEW_CASES)
    case_id = find_case(session, actor, number)
    document = Document(document)
    if document in (Document.APPLICATION, Document.REGISTRATION, Document.CASEFILE):
        return document_pdf(session, actor, document, case_id)
    if document == Document.AGREEMENT:
        c = _get_case(session, case_id)
        a = _signed_agreement(session, c) or _current_agreement(session, c)
        if a is None:
            raise NotFound(f"案件 {c.number} 还没有调解协议。")
        return document_pdf(session, actor, document, a.id)
    if document == Document.RECORD:
        ids = list(
            session.scalars(
                select(MediationRecord.id)
                .where(MediationRecord.case_id == case_id)
                .order_by(MediationRecord.at)
            )
        )
        what = "调解笔录"
    else:
        ids = list(
            session.scalars(
                select(FollowUp.id)
                .where(FollowUp.case_id == case_id, FollowUp.done_on.is_not(None))
                .order_by(FollowUp.done_on)
            )
        )
        what = "回访记录"
    if not ids:
        raise NotFound(f"案件 {number.strip()} 还没有{what}。")
    if index is not None and not 1 <= index <= len(ids):
        raise NotFound(f"案件 {number.strip()} 只有 {len(ids)} 份{what}。")
    return document_pdf(session, actor, document, ids[(index or len(ids)) - 1])


@read_op
def mediator_choices(session: Session, actor: Actor) -> list[tuple[uuid.UUID, str]]:
    """Active mediators (and directors, who may mediate) for the case form."""
    require(actor, Action.VIEW_CASES)
    q = (
        select(User.id, User.display_name)
        .where(User.active.is_(True), User.role.in_([Role.MEDIATOR, Role.DIRECTOR]))
        .order_by(User.role.desc(), User.display_name)
    )
    return [(uid, name) for uid, name in session.execute(q)]


@dataclass(frozen=True)
class CaseScreen:
    """One case as its page shows it: the detail, the case form's values and the current
    agreement's (None before the first draft)."""

    detail: CaseDetail
    case: CaseInput
    agreement: AgreementInput | None


@read_op
def case_screen(session: Session, actor: Actor, case_id: uuid.UUID) -> CaseScreen:
    d = case_detail(session, actor, case_id)
    a = d.current_agreement
    return CaseScreen(
        d,
        case_input(session, actor, case_id),
        agreement_input(session, actor, a.id) if a else None,
    )
