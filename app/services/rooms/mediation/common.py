"""调解案件 · helpers."""

from __future__ import annotations

import re
import uuid
from datetime import date, datetime, timedelta
from decimal import Decimal, InvalidOperation

from sqlalchemy.orm import Session

from app.core.errors import NotFound, PermissionDenied, ValidationError
from app.models import (
    CaseRoom,
    CaseSource,
    CaseStatus,
    Channel,
    EventKind,
    Matter,
    MatterStatus,
    MediationCase,
)
from app.models.base import now
from app.models.enums import LabelledEnum
from app.services.context import Actor
from app.services.reception import flow, timeline
from app.services.security import audit
from app.services.security.permissions import Action, allowed, may_change_case, require
from app.services.validation import validate_text

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


def day_event_time(on: date, c: MediationCase) -> datetime:
    """When a step given only as a day (a 回访, a 防护措施) goes on the timeline: now if it
    is today's, else that day — never before the case was accepted (the same day's 立案)."""
    current = now().replace(microsecond=0)
    if on >= current.date():
        return current
    return max(datetime.combine(on, datetime.min.time()), c.accepted_at + timedelta(seconds=1))


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
