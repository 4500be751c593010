"""预约联动, 信访陪访 and 代理服务: arrangements made for a matter, and what came of them."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.core.errors import NotFound, ValidationError
from app.core.ops import Change, read_op, write_op
from app.models import Arrangement, ArrangementKind, EventKind, Matter, MatterStatus
from app.models.base import now
from app.services.context import Actor
from app.services.reception import timeline
from app.services.reception.flow import ensure_writable
from app.services.security.permissions import Action, require
from app.services.validation import validate_text

PARTIES = {
    ArrangementKind.APPOINTMENT: "参加联动的单位",
    ArrangementKind.ESCORT: "陪同前往的机关",
    ArrangementKind.PROXY: "代理人",
}


@write_op(Change.MATTERS)
def arrange(
    session: Session,
    actor: Actor,
    matter_id: uuid.UUID,
    kind: ArrangementKind,
    at: datetime,
    parties: str,
    staff: str = "",
    promised_by: date | None = None,
    *,
    recorded_at: datetime | None = None,
) -> Arrangement:
    """``at``: when the service takes place; ``recorded_at``: when it was arranged (now)."""
    require(actor, Action.HANDLE_MATTER)
    kind = ArrangementKind(kind)
    m = session.get(Matter, matter_id)
    if m is None:
        raise NotFound("找不到该事项，请刷新列表。")
    if m.status == MatterStatus.ARCHIVED:
        raise ValidationError("已归档的事项不能再安排服务。")
    problems: dict[str, str] = {}
    try:
        parties = validate_text(parties, "parties", PARTIES[kind], max_len=255)
        staff = validate_text(staff, "staff", "陪同/经办人员", required=False, max_len=64)
    except ValidationError as err:
        problems.update(err.fields)
    if kind == ArrangementKind.PROXY and promised_by is None:
        problems["promised_by"] = "代理服务请填写承诺办结日期"
    if problems:
        raise ValidationError(problems)
    item = Arrangement(
        matter_id=m.id,
        kind=kind,
        at=at.replace(second=0, microsecond=0),
        parties=parties,
        staff=staff,
        promised_by=promised_by,
        created_by=actor.user_id,
    )
    session.add(item)
    when = f"{item.at:%Y-%m-%d %H:%M}"
    promise = f"，承诺 {promised_by:%Y-%m-%d} 前办结" if promised_by else ""
    recorded_at = (recorded_at or now()).replace(microsecond=0)
    timeline.record(
        session,
        actor,
        m,
        EventKind.ARRANGEMENT,
        f"{kind.label}：{when} {parties}{promise}",
        audit_event=f"arrange_{kind.value}",
        at=recorded_at,
    )
    return item


@write_op(Change.MATTERS)
def record_outcome(
    session: Session,
    actor: Actor,
    arrangement_id: uuid.UUID,
    outcome: str,
    *,
    at: datetime | None = None,
) -> None:
    require(actor, Action.HANDLE_MATTER)
    item = session.get(Arrangement, arrangement_id)
    if item is None:
        raise NotFound("找不到该服务安排。")
    if item.outcome:
        raise ValidationError("该服务安排已经记录过结果。")
    item.outcome = validate_text(outcome, "outcome", "结果")
    m = session.get(Matter, item.matter_id)
    ensure_writable(m, "记录服务结果")
    at = (at or now()).replace(microsecond=0)
    timeline.record(
        session,
        actor,
        m,
        EventKind.ARRANGEMENT_DONE,
        f"{item.kind.label}结果：{item.outcome}",
        audit_event="arrangement_outcome",
        at=at,
    )


@dataclass(frozen=True)
class ArrangementRow:
    id: uuid.UUID
    matter_id: uuid.UUID
    matter_number: str
    kind: ArrangementKind
    at: datetime
    parties: str
    staff: str
    promised_by: date | None
    outcome: str


@read_op
def list_arrangements(
    session: Session, actor: Actor, *, matter_id: uuid.UUID | None = None, day: date | None = None
) -> list[ArrangementRow]:
    """For one matter, or everything due on ``day`` (today's appointments and escorts)."""
    require(actor, Action.VIEW_MATTERS)
    q = (
        select(Arrangement, Matter.number)
        .join(Matter, Matter.id == Arrangement.matter_id)
        .order_by(Arrangement.at)
    )
    if matter_id is not None:
        q = q.where(Arrangement.matter_id == matter_id)
    if day is not None:
        start = datetime.combine(day, datetime.min.time())
        q = q.where(Arrangement.at >= start, Arrangement.at < start + timedelta(days=1))
    return [
        ArrangementRow(
            a.id,
            a.matter_id,
            number,
            a.kind,
            a.at,
            a.parties,
            a.staff,
            a.promised_by,
            a.outcome or "",
        )
        for a, number in session.execute(q)
    ]
