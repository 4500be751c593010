"""调解案件 · moves."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.core.errors import ValidationError
from app.core.ops import Change, write_op
from app.models import (
    Agreement,
    AgreementStatus,
    CaseStatus,
    Matter,
    MatterStatus,
    MediationCase,
    TransferBody,
)
from app.models.base import now
from app.services.context import Actor
from app.services.reception import flow
from app.services.rooms.mediation.common import (
    CASE_MOVES,
    CaseMove,
    S,
    _get_case,
    _move,
    _require_on_case,
    _text,
)
from app.services.rooms.mediation.inputs import CaseRef
from app.services.security.permissions import Action, allowed
from app.services.validation import validate_text


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
