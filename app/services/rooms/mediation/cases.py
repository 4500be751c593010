"""调解案件 · opening and changing a case."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.core.errors import NotFound, ValidationError
from app.core.ops import Change, read_op, write_op
from app.models import (
    CaseRoom,
    CaseSource,
    Category,
    DisputeType,
    Matter,
    MatterStatus,
    MediationCase,
    PartyKind,
    PartyRole,
    Role,
    Unit,
    User,
)
from app.models.base import now
from app.services.center.settings import load_settings
from app.services.context import Actor
from app.services.reception import flow
from app.services.reception.numbering import next_seq
from app.services.rooms.mediation.common import (
    ROOM_CATEGORY,
    ROOM_CODES,
    SOURCE_CHANNEL,
    S,
    _get_case,
    _matter_note,
    _require_on_case,
    _require_open,
)
from app.services.rooms.mediation.inputs import CaseInput, CaseRef, PartyInput
from app.services.rooms.mediation.validation import _clean_case, _fill
from app.services.security import audit
from app.services.security.permissions import Action, allowed, require
from app.services.validation import sex_and_age


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
        from app.services.reception.intake import IntakeInput, VisitorInput, register_matter

        category = session.scalar(
            select(Category.id).where(Category.name == ROOM_CATEGORY[data.room])
        )
        if room_unit is None:  # the room's unit renamed: the category's usual unit, as before
            room_unit = session.scalar(
                select(Category.default_unit_id).where(Category.id == category)
            )
        if room_unit is None:
            raise ValidationError(
                f"找不到{data.room.label}对应的承办单位，请管理员恢复该单位后再立案。"
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
        if room_unit is None:  # the room's unit renamed: the category's usual unit, as before
            room_unit = session.scalar(
                select(Category.default_unit_id).where(Category.id == category)
            )
        if room_unit is None:
            raise ValidationError(
                f"找不到{data.room.label}对应的承办单位，请管理员在中心资料里恢复该单位后再立案。"
            )
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
                p.workplace,
                p.representative_title,
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
    from app.services.reception.sealed import sealed_lines

    if line := sealed_lines(session, actor, [m.id]).get(m.id):
        # Routed to a room this mediator is outside (暖心工作室): not its facts or people.
        return CaseInput(CaseRoom.GENERAL, DisputeType.OTHER, line, [], source=CaseSource.APPLIED)
    category = session.get(Category, m.category_id).name
    room = CaseRoom.FAMILY if category == "家事纠纷" else CaseRoom.GENERAL
    unit = session.get(Unit, m.unit_id).name if m.unit_id else ""
    if unit == CaseRoom.FAMILY.label:
        room = CaseRoom.FAMILY
    parties = []
    for mp in m.persons:
        number = mp.person.id_number or ""
        sex, age = sex_and_age(number)
        parties.append(
            PartyInput(
                PartyRole.APPLICANT,
                mp.person.name,
                sex=sex,
                age=age,
                id_number=number,
                phone=mp.person.phone or "",
                address=mp.person.address or "",
            )
        )
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
