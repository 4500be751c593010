"""调解案件 · reading."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.core import clock
from app.core.errors import NotFound
from app.core.ops import read_op
from app.models import (
    Agreement,
    AgreementKind,
    AgreementStatus,
    CaseMediator,
    CaseMinor,
    CaseParty,
    CaseProtection,
    CaseRoom,
    CaseService,
    CaseSource,
    CaseStatus,
    ConfirmationResult,
    DisputeType,
    FollowUp,
    JudicialConfirmation,
    Matter,
    MediationCase,
    MediationForm,
    MediationRecord,
    PartyKind,
    PartyRole,
    RightsComplaint,
    User,
    ViolenceRisk,
)
from app.services.center.settings import load_settings
from app.services.context import Actor
from app.services.rooms.mediation.common import (
    CASE_MOVES,
    MEDIATION_DAYS,
    CaseMove,
    S,
    _get_case,
    _is_case_mediator,
    _mediator_ids,
    file_number,
    format_amount,
)
from app.services.rooms.mediation.followups import (
    ConfirmationWindow,
    confirmation_window,
    reminders,
)
from app.services.rooms.mediation.inputs import MinorInput
from app.services.security.permissions import Action, allowed, may_change_case, require


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
    today = today or clock.today()
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
    signed_by: str = ""  # who confirmed that every party had signed
    correction_reason: str = ""


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
    today = today or clock.today()
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
        from app.services.reception.sealed import sealed_lines

        m = session.get(Matter, c.matter_id)
        matter_number = m.number
        # A matter also in a room this reader is outside (暖心工作室): not its notes.
        sealed = c.matter_id in sealed_lines(session, actor, [c.matter_id])
        timeline = [
            TimelineRow(
                e.at, e.kind.label, names.get(e.user_id, "系统"), "" if sealed else e.note or ""
            )
            for e in sorted(m.events, key=lambda e: e.at)  # when it happened, to the second
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
                names.get(a.signed_by, "") if a.signed_by else "",
                a.correction_reason,
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
