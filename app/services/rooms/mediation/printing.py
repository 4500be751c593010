"""调解案件 · printing."""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.core import clock
from app.core.errors import NotFound
from app.core.ops import read_op, write_op
from app.models import (
    Absence,
    Agreement,
    AgreementKind,
    AgreementStatus,
    CaseMinor,
    CaseProtection,
    CaseRoom,
    CaseService,
    FollowUp,
    JudicialConfirmation,
    MediationCase,
    MediationRecord,
    PartyKind,
    PartyRole,
    RightsComplaint,
    Role,
    User,
)
from app.models.enums import LabelledEnum
from app.reports.mediation import (
    AgreementData,
    CaseData,
    CasefileData,
    FollowUpData,
    PartyData,
    RecordData,
    Statement,
)
from app.services.center.settings import load_settings
from app.services.context import Actor
from app.services.rooms.mediation.agreement import (
    _current_agreement,
    _party_snapshot,
    agreement_input,
)
from app.services.rooms.mediation.cases import case_input
from app.services.rooms.mediation.common import (
    CASE_MOVES,
    S,
    _cn,
    _get_case,
    committee_name,
    file_number,
    format_amount,
)
from app.services.rooms.mediation.inputs import AgreementInput, CaseInput
from app.services.rooms.mediation.moves import _signed_agreement
from app.services.rooms.mediation.reading import CaseDetail, case_detail, find_case
from app.services.security import audit
from app.services.security.permissions import Action, require


def _party_data(p: dict, *, whole: bool) -> PartyData:
    from app.services.validation import mask_id_number, mask_phone

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
        workplace=p.get("workplace", ""),
        representative_title=p.get("representative_title", ""),
        agent=(
            f"{p['agent_name']}（{p.get('agent_kind') or '委托代理人'}）"
            if p.get("agent_name")
            else ""
        ),
    )


def _parties_now(c: MediationCase) -> list[dict]:
    return json.loads(_party_snapshot(c))


def _committee(s, room: CaseRoom) -> str:
    """The committee named on the room's documents (中心资料 → 文书署名), or the default."""
    if room == CaseRoom.FAMILY and s.family_committee:
        return s.family_committee
    return s.mediation_committee or committee_name(s.center_name)


def _seal(s, room: CaseRoom) -> str:
    """The seal's text: the one set for the people's mediation committee, when its name is
    the one printed; else the committee's name."""
    committee = _committee(s, room)
    if s.mediation_seal and committee == (s.mediation_committee or committee_name(s.center_name)):
        return s.mediation_seal
    return committee


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
        committee=_committee(s, c.room),
        seal=_seal(s, c.room),
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
        committee=_committee(s, c.room),
        seal=_seal(s, c.room),
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
        correction_reason=a.correction_reason,
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
        committee=_committee(s, c.room),
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
        status=(f"尚未结案（{c.status.label}）" if c.status.is_open else result_label(session, c)),
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
    """(a title for the preview, PDF bytes) of one document printed at once (the command line
    writes it out), with an audit row for the print.

    ``object_id`` is the case's id, or the record's, agreement's or follow-up's.
    """
    title, pdf = render_document_pdf(session, actor, document, object_id)
    record_document_print(session, actor, document, object_id)
    return title, pdf


@write_op()
def record_document_print(
    session: Session, actor: Actor, document: Document, object_id: uuid.UUID
) -> None:
    """The document went to the printer: its audit row."""
    document = Document(document)
    require(actor, Action.VIEW_CASES)
    audit.record(
        session,
        actor,
        "case_print",
        object_type=document.value,
        object_id=object_id,
        reason=document.label,
    )


@read_op
def render_document_pdf(
    session: Session, actor: Actor, document: Document, object_id: uuid.UUID
) -> tuple[str, bytes]:
    """(title, PDF) for the preview; ``record_document_print`` records the print once the job
    was handed to the printer."""
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
    """Active mediators (and directors, who may mediate) for the case form; one on leave
    today comes last, named "李志明（请假至12月10日）", so no form picks them unawares."""
    require(actor, Action.VIEW_CASES)
    q = (
        select(User.id, User.display_name)
        .where(
            User.active.is_(True),
            User.role.in_([Role.MEDIATOR, Role.DIRECTOR, Role.DEPUTY_DIRECTOR]),
        )
        .order_by(User.role.desc(), User.display_name)
    )
    today = clock.today()
    away = dict(
        session.execute(
            select(Absence.user_id, func.max(Absence.ends_on))
            .where(Absence.starts_on <= today, Absence.ends_on >= today)
            .group_by(Absence.user_id)
        ).all()
    )
    here = [(uid, name) for uid, name in session.execute(q) if uid not in away]
    gone = [
        (uid, f"{name}（请假至{away[uid].month}月{away[uid].day}日）")
        for uid, name in session.execute(q)
        if uid in away
    ]
    return here + gone


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
