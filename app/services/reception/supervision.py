"""督查督办: supervision orders (督办单) on matters, their replies, and the open list."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.core import clock
from app.core.clock import now
from app.core.errors import NotFound, PermissionDenied, ValidationError
from app.core.ops import Change, read_op, write_op
from app.models import EventKind, Matter, SupervisionOrder, Unit, User
from app.reports.contents import SUPERVISION, Printable, SupervisionData
from app.services.center.calendar import WorkCalendar
from app.services.center.settings import load_settings
from app.services.context import Actor
from app.services.reception import timeline
from app.services.reception.detail import matter_detail
from app.services.reception.flow import ensure_writable, is_read_only, not_the_handler
from app.services.reception.numbering import next_seq
from app.services.security.permissions import Action, allowed, oversees_all, require
from app.services.validation import validate_text


@dataclass(frozen=True)
class OrderDefaults:
    """What a new 督办单's form starts with: the matter's own unit (None when it has none yet)
    and a reply due a few working days from today (``supervision_reply_days``)."""

    unit_id: uuid.UUID | None
    reply_by: date


@read_op
def order_defaults(session: Session, actor: Actor, matter_id: uuid.UUID) -> OrderDefaults:
    require(actor, Action.SUPERVISE)
    m = session.get(Matter, matter_id)
    if m is None:
        raise NotFound("找不到该事项，请刷新列表。")
    days = max(1, load_settings(session).supervision_reply_days)
    reply_by = WorkCalendar.load(session).add_working_days(clock.today(), days)
    return OrderDefaults(m.unit_id, reply_by)


@write_op(Change.MATTERS)
def issue_order(
    session: Session,
    actor: Actor,
    matter_id: uuid.UUID,
    unit_id: uuid.UUID,
    requirement: str,
    reply_by: date,
    *,
    at: datetime | None = None,
) -> SupervisionOrder:
    require(actor, Action.SUPERVISE)
    m = session.get(Matter, matter_id)
    if m is None:
        raise NotFound("找不到该事项，请刷新列表。")
    ensure_writable(m, "督办")
    unit = session.get(Unit, unit_id) if unit_id else None
    problems = {}
    if unit is None:
        problems["unit"] = "请选择被督办单位"
    try:
        requirement = validate_text(requirement, "requirement", "督办要求")
    except ValidationError as err:
        problems.update(err.fields)
    at = (at or clock.now()).replace(microsecond=0)
    if reply_by is None or reply_by < at.date():
        problems["reply_by"] = "回复期限不能早于今天"
    if problems:
        raise ValidationError(problems)
    s = load_settings(session)
    seq = next_seq(session, f"{s.prefix}DB", at.year, s.terminal)
    order = SupervisionOrder(
        number=f"{s.prefix}DB{at.year}-{s.terminal}-{seq:03d}",
        matter_id=m.id,
        unit_id=unit.id,
        requirement=requirement,
        reply_by=reply_by,
        issued_by=actor.user_id,
        issued_at=at,
    )
    session.add(order)
    session.flush()
    timeline.record(
        session,
        actor,
        m,
        EventKind.SUPERVISED,
        f"督办{unit.name}（{order.number}），{reply_by:%Y-%m-%d}前回复",
        audit_event="supervision_issue",
        at=at,
        object_type="supervision",
        object_id=order.id,
        reason=order.number,
    )
    return order


@read_op
def reply_refusal(session: Session, actor: Actor, order: SupervisionOrder, m: Matter) -> str | None:
    """Why ``actor`` may not reply to ``order`` (None: may): the supervised unit replies.

    Its staff, the matter's handler (or their B), and the director may; a unit without accounts
    of its own has its reply recorded by the center's staff."""
    if not allowed(actor, Action.HANDLE_MATTER):
        return None  # ``require`` says so in the usual words
    if oversees_all(actor):
        return None
    if m.handler_user_id is not None and not_the_handler(session, actor, m, "") is None:
        return None
    staff = set(
        session.scalars(select(User.id).where(User.unit_id == order.unit_id, User.active.is_(True)))
    )
    if not staff or actor.user_id in staff:
        return None
    unit = session.get(Unit, order.unit_id)
    return f"督办单 {order.number} 督办的是{unit.name}，只有该单位的工作人员或主任可以回复。"


@write_op(Change.MATTERS)
def record_reply(
    session: Session, actor: Actor, order_id: uuid.UUID, reply: str, *, at: datetime | None = None
) -> None:
    require(actor, Action.HANDLE_MATTER)
    order = session.get(SupervisionOrder, order_id)
    if order is None:
        raise NotFound("找不到该督办单。")
    if order.reply:
        raise ValidationError("该督办单已经回复过了。")
    m = session.get(Matter, order.matter_id)
    ensure_writable(m, "回复督办")
    if reason := reply_refusal(session, actor, order, m):
        raise PermissionDenied(reason)
    order.reply = validate_text(reply, "reply", "办理情况回复")
    order.replied_by = actor.user_id
    order.replied_at = (at or now()).replace(microsecond=0)
    timeline.record(
        session,
        actor,
        m,
        EventKind.SUPERVISION_REPLY,
        f"{order.number}：{order.reply}",
        audit_event="supervision_reply",
        at=order.replied_at,
        object_type="supervision",
        object_id=order.id,
    )


@dataclass(frozen=True)
class OrderRow:
    id: uuid.UUID
    number: str
    matter_id: uuid.UUID
    matter_number: str
    unit: str
    requirement: str
    reply_by: date
    replied: bool
    can_reply: bool = False  # this user may record the reply now

    def late(self, today: date) -> bool:
        return not self.replied and self.reply_by < today


@read_op
def list_orders(
    session: Session, actor: Actor, *, only_open: bool = True, matter_id: uuid.UUID | None = None
) -> list[OrderRow]:
    require(actor, Action.VIEW_MATTERS)
    q = (
        select(
            SupervisionOrder, Matter.number, func.coalesce(SupervisionOrder.unit_name, Unit.name)
        )
        .join(Matter, Matter.id == SupervisionOrder.matter_id)
        .join(Unit, Unit.id == SupervisionOrder.unit_id)
        .order_by(SupervisionOrder.reply_by, SupervisionOrder.number)
    )
    if only_open:
        q = q.where(SupervisionOrder.reply.is_(None))
    if matter_id is not None:
        q = q.where(SupervisionOrder.matter_id == matter_id)
    may_handle = allowed(actor, Action.HANDLE_MATTER)

    def can_reply(o: SupervisionOrder) -> bool:
        if o.reply is not None or not may_handle:
            return False
        m = session.get(Matter, o.matter_id)
        return not is_read_only(m) and reply_refusal(session, actor, o, m) is None

    return [
        OrderRow(
            o.id,
            o.number,
            o.matter_id,
            mnum,
            unit,
            o.requirement,
            o.reply_by,
            o.reply is not None,
            can_reply(o),
        )
        for o, mnum, unit in session.execute(q).all()
    ]


@read_op
def order_data(
    session: Session, actor: Actor, order_id: uuid.UUID, *, as_issued: bool = False
) -> SupervisionData:
    """A 督办单's contents. ``as_issued``: the paper as it was first printed — the matter's
    status and deadline when the order was issued, the reply section still blank — so a
    reprint (``documents``) is that paper again; otherwise as it stands, with the reply."""
    from app.services.reception.receipts import deadline_before_extension, status_at

    require(actor, Action.VIEW_MATTERS)
    o = session.get(SupervisionOrder, order_id)
    if o is None:
        raise NotFound("找不到该督办单。")
    d = matter_detail(session, actor, o.matter_id)
    names = dict(session.execute(select(User.id, User.display_name)).all())
    status, deadline, replied = d.status.label, d.deadline, o.reply is not None
    unit = o.unit_name or session.get(Unit, o.unit_id).name  # the name it was issued to
    if as_issued:
        m = session.get(Matter, o.matter_id)
        then = status_at(m, o.issued_at)
        status = then.label if then is not None else status
        deadline, replied = deadline_before_extension(m, since=o.issued_at), False
        tag = f"（{o.number}）"  # the unit as named then: "督办{unit}（{number}），…"
        issued = next(
            (e.note for e in m.events if e.kind == EventKind.SUPERVISED and tag in (e.note or "")),
            "",
        )
        if issued.startswith("督办"):
            unit = issued[len("督办") : issued.index(tag)]
    return SupervisionData(
        center_name=load_settings(session).center_name,
        number=o.number,
        matter_number=d.number,
        received_at=d.received_at,
        category=d.category,
        persons="、".join(p.name for p in d.persons),
        summary=d.summary,
        status=status,
        deadline=deadline,
        unit=unit,
        requirement=o.requirement,
        reply_by=o.reply_by,
        issued_by=names.get(o.issued_by, ""),
        issued_at=o.issued_at,
        reply=o.reply if replied else None,
        replied_by=names.get(o.replied_by) if replied and o.replied_by else None,
        replied_at=o.replied_at if replied else None,
    )


@write_op(Change.MATTERS)
def order_pdf(session: Session, actor: Actor, order_id: uuid.UUID) -> tuple[str, bytes]:
    """The 督办单 as it stands (with the reply once recorded); the print is on the matter's
    timeline, with its audit row."""
    data = order_data(session, actor, order_id)
    pdf = Printable(SUPERVISION, data).render()
    record_order_print(session, actor, order_id)
    return data.number, pdf


@write_op(Change.MATTERS)
def record_order_print(session: Session, actor: Actor, order_id: uuid.UUID) -> None:
    """The 督办单 went to the printer: "打印督办单 …" on the matter's timeline, audited."""
    require(actor, Action.VIEW_MATTERS)
    o = session.get(SupervisionOrder, order_id)
    if o is None:
        raise NotFound("找不到这张督办单，可能已被删除。")
    timeline.record_print(
        session,
        actor,
        session.get(Matter, o.matter_id),
        order_title(o),
        audit_event="supervision_print",
        object_type="supervision",
        object_id=order_id,
    )


def order_title(o: SupervisionOrder) -> str:
    return f"督办单 {o.number}"


@write_op(Change.MATTERS)
def issue_and_print(
    session: Session,
    actor: Actor,
    matter_id: uuid.UUID,
    unit_id: uuid.UUID,
    requirement: str,
    reply_by: date,
) -> tuple[str, bytes]:
    """Issue a 督办单 and print it (the print audited): its number and PDF, in one step."""
    order = issue_order(session, actor, matter_id, unit_id, requirement, reply_by)
    return order_pdf(session, actor, order.id)


@write_op(Change.MATTERS)
def issue_for_print(
    session: Session,
    actor: Actor,
    matter_id: uuid.UUID,
    unit_id: uuid.UUID,
    requirement: str,
    reply_by: date,
) -> tuple[uuid.UUID, str, bytes]:
    """Issue a 督办单 and render it for the preview: (its id, number, PDF). The print is
    recorded by ``record_order_print`` once the job was handed to the printer."""
    order = issue_order(session, actor, matter_id, unit_id, requirement, reply_by)
    data = order_data(session, actor, order.id)
    return order.id, data.number, Printable(SUPERVISION, data).render()
