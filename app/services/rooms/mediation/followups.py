"""调解案件 · follow-ups and judicial confirmation."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.core import clock
from app.core.errors import NotFound, ValidationError
from app.core.ops import Change, read_op, write_op
from app.models import (
    Agreement,
    AgreementKind,
    AgreementStatus,
    CaseRoom,
    ConfirmationResult,
    FollowUp,
    FollowUpMethod,
    JudicialConfirmation,
    MediationCase,
    Performance,
    Satisfaction,
)
from app.services.context import Actor
from app.services.rooms.mediation.common import (
    CONFIRMATION_DAYS,
    _get_case,
    _matter_note,
    _require_on_case,
    _text,
    day_event_time,
)
from app.services.rooms.mediation.inputs import FollowUpInput
from app.services.rooms.mediation.moves import _signed_agreement
from app.services.security import audit
from app.services.security.permissions import Action, require


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
    today = today or clock.today()
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
        day_event_time(data.done_on, c),
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
    today = today or clock.today()
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
