"""上下联动: the loop with the higher level (docs/DOMAIN.md §2).

- **Sent up or across.** After 转上级/移送 a matter waits for the receiving body's answer
  (等待反馈, shown in lists). ``flow.record_upper_result`` records it (date, text; the body's
  reply goes in as an attachment), and the matter goes on to 结果反馈 and 归档. A matter with
  no answer after ``CenterSettings.upper_reply_days`` days is a reminder (``waiting_upward``).
- **Coming down.** A 上级交办 matter keeps the higher body, its 文号 and its deadline
  (``set_assignment``); the center's own deadline can be no later (extensions and resuming a
  paused clock hold to it too). Its 办结报告 to the higher body is printed from the matter
  (``completion_report``, the GB/T 9704 layout of the reports upward).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.core import clock
from app.core.errors import NotFound, ValidationError
from app.core.ops import Change, read_op, write_op
from app.models import Channel, EventKind, Matter, MatterEvent, MatterStatus, Role, User
from app.services.center.settings import load_settings
from app.services.context import Actor
from app.services.reception import timeline
from app.services.reception.flow import ensure_writable
from app.services.security.permissions import Action, require
from app.services.validation import validate_text

if TYPE_CHECKING:  # ReportLab is loaded when a document is printed, not at start-up
    from app.reports.upward import UpwardData


def _load(session: Session, matter_id: uuid.UUID) -> Matter:
    m = session.get(Matter, matter_id)
    if m is None:
        raise NotFound("找不到该事项，请刷新列表。")
    return m


def waiting_mark(sent_on: date, today: date, reply_days: int) -> tuple[str, bool]:
    """(status text, whether it is a reminder) for a matter waiting for the answer."""
    days = (today - sent_on).days
    if days >= reply_days:
        return f"等待反馈·已{days}日", True
    return "等待反馈", False


@dataclass(frozen=True)
class WaitingRow:
    id: uuid.UUID
    number: str
    summary: str
    sent_to: str
    sent_on: date
    days: int
    overdue: bool


@read_op
def waiting_upward(
    session: Session, actor: Actor, *, overdue_only: bool = False
) -> list[WaitingRow]:
    """Matters sent up or across that still wait for the answer, the longest waiting first;
    ``overdue`` past the setting's number of days (the reminder)."""
    require(actor, Action.VIEW_MATTERS)
    reply_days = load_settings(session).upper_reply_days
    today = clock.today()
    rows = []
    q = (
        select(Matter.id, Matter.number, Matter.summary, MatterEvent.at, MatterEvent.note)
        .join(MatterEvent, MatterEvent.matter_id == Matter.id)
        .where(Matter.status == MatterStatus.TRANSFERRED, MatterEvent.kind == EventKind.TRANSFERRED)
    )
    for mid, number, summary, at, note in session.execute(q):
        days = (today - at.date()).days
        body = (note or "").removeprefix("移送").partition("：")[0]
        rows.append(
            WaitingRow(mid, number, summary[:40], body, at.date(), days, days >= reply_days)
        )
    rows.sort(key=lambda r: -r.days)
    return [r for r in rows if r.overdue] if overdue_only else rows


@dataclass(frozen=True)
class Assignment:
    body: str
    ref: str
    deadline: date | None
    center_deadline: date


@read_op
def assignment(session: Session, actor: Actor, matter_id: uuid.UUID) -> Assignment:
    require(actor, Action.VIEW_MATTERS)
    m = _load(session, matter_id)
    return Assignment(m.superior_body or "", m.superior_ref or "", m.superior_deadline, m.deadline)


@write_op(Change.MATTERS)
def set_assignment(
    session: Session,
    actor: Actor,
    matter_id: uuid.UUID,
    body: str,
    ref: str,
    superior_deadline: date | None,
    center_deadline: date | None,
) -> None:
    """上级交办: the higher body, its 文号 and deadline, and the center's own deadline, which
    can be no later than the higher body's."""
    require(actor, Action.ROUTE_MATTER)
    m = _load(session, matter_id)
    ensure_writable(m, "登记上级交办")
    if m.channel != Channel.SUPERIOR:
        raise ValidationError(f"只有来源为“{Channel.SUPERIOR.label}”的事项才登记上级交办文号。")
    problems: dict[str, str] = {}
    for key, label, value, most in (("body", "交办机关", body, 64), ("ref", "交办文号", ref, 64)):
        try:
            validate_text(value, key, label, max_len=most)
        except ValidationError as err:
            problems.update(err.fields)
    if superior_deadline is None:
        problems["superior_deadline"] = "请填写上级要求的办结期限"
    if center_deadline is None:
        problems["deadline"] = "请填写中心的办理期限"
    elif superior_deadline is not None and center_deadline > superior_deadline:
        problems["deadline"] = (
            f"中心的办理期限不能晚于上级要求的办结期限（{superior_deadline:%Y-%m-%d}），请提前"
        )
    elif center_deadline < m.received_at.date():
        problems["deadline"] = f"办理期限不能早于受理日期（{m.received_at:%Y-%m-%d}）"
    if problems:
        raise ValidationError(problems)
    old = m.deadline
    m.superior_body, m.superior_ref = body.strip(), ref.strip()
    m.superior_deadline, m.deadline = superior_deadline, center_deadline
    moved = (
        f"，中心期限由 {old:%Y-%m-%d} 改为 {center_deadline:%Y-%m-%d}"
        if old != center_deadline
        else ""
    )
    timeline.record(
        session,
        actor,
        m,
        EventKind.SUPERIOR_ASSIGNED,
        f"{m.superior_body}交办（{m.superior_ref}），"
        f"要求 {superior_deadline:%Y-%m-%d} 前办结{moved}",
        audit_event="matter_superior_assignment",
    )


@write_op(Change.MATTERS)
def record_answer(
    session: Session,
    actor: Actor,
    matter_id: uuid.UUID,
    on: date | None,
    result: str,
    files: list[Path],
    folder: Path,
) -> None:
    """上级反馈 with the body's reply as attachments (the attachments of any matter), in one
    step: nothing is kept when the answer is refused."""
    from app.services.reception import attachments, flow

    flow.record_upper_result(session, actor, matter_id, on, result)
    for path in files:
        attachments.add_attachment(session, actor, matter_id, path, folder)


def _done_event(m: Matter) -> MatterEvent | None:
    done = [e for e in m.events if e.kind in (EventKind.COMPLETED, EventKind.UPPER_RESULT)]
    return done[-1] if done else None


@read_op
def completion_report(session: Session, actor: Actor, matter_id: uuid.UUID) -> UpwardData:
    """办结报告 of a 上级交办 matter to the body that assigned it, from the stored matter."""
    from app.reports.upward import UpwardData

    require(actor, Action.PRINT_RECEIPT)
    m = _load(session, matter_id)
    done = _done_event(m)
    if m.channel != Channel.SUPERIOR or done is None:
        raise ValidationError("只有已办结的上级交办事项才能打印办结报告。")
    s = load_settings(session)
    body = m.superior_body or "上级机关"
    ref = f"（{m.superior_ref}）" if m.superior_ref else ""
    limit = (
        f"要求于{m.superior_deadline.year}年{m.superior_deadline.month}月"
        f"{m.superior_deadline.day}日前办结"
        if m.superior_deadline
        else ""
    )
    handled = m.unit_name or "本中心"
    on = done.at.date()
    intime = ""
    if m.superior_deadline is not None:
        intime = "在规定期限内办结。" if on <= m.superior_deadline else "超过规定期限办结。"
    text = (
        f"贵单位交办的事项{ref}（本中心受理编号 {m.number}）{limit}。"
        f"本中心于{m.received_at.year}年{m.received_at.month}月{m.received_at.day}日受理，"
        f"交由{handled}办理。\n"
        f"一、反映事项。{m.summary}\n"
        f"二、办理结果。{m.result or done.note or ''}\n"
        f"三、办结时间。{on.year}年{on.month}月{on.day}日{'，' + intime if intime else '。'}\n"
        "特此报告。"
    )
    director = session.scalar(
        select(User.display_name)
        .where(User.role == Role.DIRECTOR, User.active.is_(True))
        .order_by(User.display_name)
    )
    return UpwardData(
        center_name=s.center_name,
        kind="办结报告",
        signer=director or "",
        number=m.number,
        title=f"关于{m.superior_ref or m.number}交办事项办理情况的报告",
        body=text,
        recipient=body,
        signed_on=on,
    )


def completion_report_at(m: Matter) -> datetime | None:
    done = _done_event(m)
    return done.at if done is not None and m.channel == Channel.SUPERIOR else None
