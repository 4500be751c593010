"""调解案件 · the family room."""

from __future__ import annotations

import uuid
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.core.errors import PermissionDenied, ValidationError
from app.core.ops import Change, write_op
from app.models import (
    CaseMinor,
    CaseProtection,
    CaseRoom,
    CaseService,
    FamilyService,
    MediationCase,
    ProtectionKind,
    RightsComplaint,
)
from app.services.context import Actor
from app.services.rooms.mediation.common import (
    S,
    _get_case,
    _is_case_mediator,
    _matter_note,
    _require_on_case,
    _text,
    day_event_time,
)
from app.services.rooms.mediation.inputs import MinorInput
from app.services.security import audit
from app.services.validation import validate_name, validate_text


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
        day_event_time(on, c),
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
