"""调解案件 · the agreement."""

from __future__ import annotations

import json
import uuid
from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.core.errors import NotFound, ValidationError
from app.core.ops import Change, read_op, write_op
from app.models import (
    Agreement,
    AgreementKind,
    AgreementStatus,
    AgreementTerm,
    MediationCase,
    User,
)
from app.models.base import now
from app.services.context import Actor
from app.services.rooms.mediation.common import (
    ROOM_CODES,
    S,
    _cn,
    _get_case,
    _matter_note,
    _require_on_case,
    _text,
)
from app.services.rooms.mediation.inputs import AgreementInput, AgreementRef
from app.services.rooms.mediation.moves import close_case
from app.services.security import audit
from app.services.security.permissions import Action, require


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
                "workplace": p.workplace,
                "id_number": p.id_number,
                "phone": p.phone,
                "address": p.address,
                "representative": p.representative,
                "representative_title": p.representative_title,
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
def correct_agreement(
    session: Session, actor: Actor, agreement_id: uuid.UUID, reason: str
) -> AgreementRef:
    """A new draft version of a signed agreement, with why it is corrected; the signed one
    stays as it was (and in force) until the correction is signed."""
    problems: dict[str, str] = {}
    reason = _text(problems, "reason", reason, "更正原因", required=True, max_len=500)
    if problems:
        raise ValidationError(problems)
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
        correction_reason=reason,
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
        reason=f"{new.number} 第{new.version}版：{reason}",
    )
    return _agreement_ref(new)


@write_op(Change.CASES)
def discard_correction(session: Session, actor: Actor, agreement_id: uuid.UUID) -> None:
    """Throw away an unsigned correction draft; the signed version it corrects stays in force."""
    a = session.get(Agreement, agreement_id)
    if a is None:
        raise NotFound("找不到该调解协议，请刷新。")
    c = _get_case(session, a.case_id)
    _require_on_case(actor, c)
    if a.status != AgreementStatus.DRAFT or a.supersedes_id is None:
        raise ValidationError("只有未签署的更正版本可以放弃；已签署的协议和第一版草稿不能放弃。")
    label = f"{a.number} 第{a.version}版"
    session.delete(a)
    session.flush()
    audit.record(
        session,
        actor,
        "agreement_discard",
        object_type="agreement",
        object_id=agreement_id,
        reason=label,
    )


@read_op
def agreement_input(session: Session, actor: Actor, agreement_id: uuid.UUID) -> AgreementInput:
    require(actor, Action.VIEW_CASES)
    a = session.get(Agreement, agreement_id)
    if a is None:
        raise NotFound("找不到该调解协议，请刷新。")
    return AgreementInput(
        a.kind, a.facts, [t.text for t in a.terms], a.performance_method, a.performance_deadline
    )
