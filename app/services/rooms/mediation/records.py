"""调解案件 · records (调解笔录)."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta

from sqlalchemy.orm import Session

from app.core.errors import NotFound, ValidationError
from app.core.ops import Change, read_op, write_op
from app.models import (
    CaseStatement,
    MediationCase,
    MediationRecord,
)
from app.models.base import now
from app.services.context import Actor
from app.services.rooms.mediation.common import (
    CaseMove,
    S,
    _get_case,
    _move,
    _require_on_case,
    _require_open,
    _text,
)
from app.services.rooms.mediation.inputs import RecordInput, StatementInput
from app.services.security import audit
from app.services.security.permissions import Action, require


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
