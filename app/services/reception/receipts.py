"""受理回执: the data printed on the receipt (docs/DOMAIN.md §4).

What a receipt says is what was true when the matter was registered: the unit and handler it
was routed to then (the registration's own 分流交办 step on the timeline), the deadline promised
then (before any 延期). So the receipt printed at the window and any reprint later
(``documents``) are the same paper, however the matter has moved since.
"""

from __future__ import annotations

import re
import uuid
from datetime import date, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.core.errors import NotFound
from app.core.ops import Change, read_op, write_op
from app.models import Category, EventKind, Matter, MatterEvent, MatterStatus, Unit, User
from app.reports.contents import RECEIPT, Printable, ReceiptData, ReceiptPerson
from app.services.center.calendar import WorkCalendar
from app.services.center.settings import CenterSettings, load_settings
from app.services.context import Actor
from app.services.reception import timeline
from app.services.reception.detail import matter_detail
from app.services.security.permissions import Action, require


def _route(answered: bool, unit: str, handler: str) -> str:
    if answered:
        return "已当场解答，本事项办结。如仍有疑问，可凭受理编号再次咨询。"
    if not unit:
        return "由中心统一分流交办，办理单位确定后告知您；办结后将向您反馈结果。"
    who = f"（承办人：{handler}）" if handler else ""
    return (
        f"交{unit}{who}办理，按“受理—分流交办—办理—办结—反馈”流程，在承诺期限内办结并向您反馈结果。"
    )


RECEIPT_TITLE = "受理回执"
WINDOW = "群众接待窗口"  # the window's unit in a new center (setup.DEFAULT_UNITS)
# A routing written in the same registration (its own transaction, seconds apart at most).
SAME_REGISTRATION = timedelta(minutes=2)
_HANDLER = re.compile(r"，承办人 ([^，（]+)")
_DATES = re.compile(r"(\d{4}-\d{2}-\d{2})")


@read_op
def window_name(session: Session, m: Matter) -> str:
    """The window a matter was received (or answered) at, named after its unit: the
    receptionist's unit, else the unit of a same-day category (咨询), else the default."""
    user = session.get(User, m.receptionist_id)
    if user is not None and user.unit_id is not None:
        return session.get(Unit, user.unit_id).name
    unit = session.scalar(
        select(Unit.name)
        .join(Category, Category.default_unit_id == Unit.id)
        .where(Category.limit_days == 0, Unit.active.is_(True))
        .order_by(Category.sort)
        .limit(1)
    )
    return unit or WINDOW


@read_op
def query_hint(
    session: Session, m: Matter, settings: CenterSettings | None = None, window: str | None = None
) -> str:
    """The center's own hint, else where and how to ask, naming the window's unit (``settings``
    and ``window``, where the caller has them already, are not read again)."""
    hint = (settings or load_settings(session)).query_hint
    return hint or f"凭受理编号到{window or window_name(session, m)}或拨打中心电话查询办理进度。"


def events_of(m: Matter) -> list[MatterEvent]:
    """The matter's steps in time order; within one second (registration and its routing are
    written together) the registration first, then each step after the one it moved from."""
    return sorted(m.events, key=lambda e: (e.at, e.kind != EventKind.REGISTERED))


def status_at(m: Matter, when) -> MatterStatus | None:
    """The matter's status at ``when``: the last status step by then (of steps in the same
    second, the one no other step moved on from)."""
    steps = [e for e in m.events if e.at <= when and e.to_status is not None]
    if not steps:
        return None
    last = max(e.at for e in steps)
    tied = [e for e in steps if e.at == last]
    moved_on = {e.from_status for e in tied}
    return next((e for e in tied if e.to_status not in moved_on), tied[-1]).to_status


def routed_to(note: str | None) -> tuple[str, str]:
    """(unit, handler) named by a 分流交办 step's note ("交办{unit}，承办人 {handler}…"), as the
    unit was named then: a unit renamed since keeps its old name on earlier papers."""
    note = note or ""
    if not note.startswith("交办"):
        return "", ""
    unit = note[len("交办") :].split("，", 1)[0].strip()
    found = _HANDLER.search(note)
    return unit, found.group(1).strip() if found else ""


def extension_dates(note: str | None) -> tuple[date | None, date | None, str]:
    """(old deadline, new deadline, reason) of a 延期 step ("期限由 A 延至 B：理由"); the reason is
    what follows the new date, so words before the dates ("批准延期：…") are not taken for it."""
    note = note or ""
    found = list(_DATES.finditer(note))
    if not found:
        return None, None, note.strip()
    old = date.fromisoformat(found[0].group(1))
    new = date.fromisoformat(found[1].group(1)) if len(found) >= 2 else None
    rest = note[found[min(1, len(found) - 1)].end() :]
    reason = (rest.split("：", 1)[1] if "：" in rest else rest).strip(" ，。；")
    if reason.endswith("）") and "（" not in reason:  # "…（理由：X）"
        reason = reason[:-1]
    return old, new, reason


def deadline_before_extension(m: Matter, since=None) -> date:
    """The deadline as it stood at ``since`` (default: registration): a later 延期 step
    names the deadline it replaced."""
    for e in events_of(m):
        if e.kind == EventKind.EXTENDED and (since is None or e.at > since):
            old, _new, _reason = extension_dates(e.note)
            if old is not None:
                return old
    return m.deadline


@read_op
def as_registered(session: Session, m: Matter) -> tuple[str, str, date, bool]:
    """(unit, handler, deadline, answered on the spot) as the matter stood when registered."""
    events = events_of(m)
    answered = any(e.kind == EventKind.ANSWERED for e in events)
    start = next((e.at for e in events if e.kind == EventKind.REGISTERED), m.received_at)
    unit = handler = ""
    for e in events:
        if e.kind == EventKind.REGISTERED or e.to_status is None:
            continue  # a print or a note in the same second is not a step of the matter
        if e.kind == EventKind.ROUTED and e.at - start <= SAME_REGISTRATION:
            unit, handler = routed_to(e.note)
        break  # only the registration's own first step (of the status steps)
    return unit, handler, deadline_before_extension(m), answered


@read_op
def receipt_data(session: Session, actor: Actor, matter_id: uuid.UUID) -> ReceiptData:
    """The receipt's contents as at registration; ID numbers and phones are always masked on
    paper."""
    require(actor, Action.PRINT_RECEIPT)
    # Held from before the detail is read: the session keeps an object only while something
    # holds it, and the matter and its steps are read again below (the first receipt of a
    # command-line print: five statements fewer).
    m = session.get(Matter, matter_id)
    d = matter_detail(session, actor, matter_id, masked=True)
    s = load_settings(session)
    unit, handler, deadline, answered = as_registered(session, m)
    window = window_name(session, m) if (answered and not unit) or not s.query_hint else None
    if answered:
        deadline_text = "当场办结"
    else:
        category = session.get(Category, m.category_id)
        rule = WorkCalendar.load(session).deadline(
            m.received_at, category.limit_kind, category.limit_days
        )
        moved = f"{deadline.year}年{deadline.month}月{deadline.day}日前"
        deadline_text = rule.text if rule.due == deadline else moved
    return ReceiptData(
        center_name=s.center_name,
        center_phone=s.center_phone or None,
        number=d.number,
        received_at=d.received_at,
        channel=d.channel.label,
        persons=[ReceiptPerson(p.name, p.id_number or None, p.phone or None) for p in d.persons],
        category=d.category,
        summary=d.summary,
        destination=unit or (window if answered else "待分流"),
        route=_route(answered, unit, handler),
        deadline=deadline,
        deadline_text=deadline_text,
        receptionist=d.receptionist,
        answer=d.answer if answered else None,
        query_hint=query_hint(session, m, s, window),
        center_address=s.center_address or None,
    )


@write_op(Change.MATTERS)
def receipt_pdf(session: Session, actor: Actor, matter_id: uuid.UUID) -> tuple[str, bytes]:
    """(number, PDF bytes) printed at once (the command line writes it out): the print is on
    the matter's timeline, with its audit row."""
    number, pdf = render_receipt_pdf(session, actor, matter_id)
    record_receipt_print(session, actor, matter_id)
    return number, pdf


@read_op
def render_receipt_pdf(session: Session, actor: Actor, matter_id: uuid.UUID) -> tuple[str, bytes]:
    """(number, PDF bytes) for the preview. Nothing is recorded: the print is recorded by
    ``record_receipt_print`` once the job was handed to the printer."""
    data = receipt_data(session, actor, matter_id)
    return data.number, Printable(RECEIPT, data).render()


@write_op(Change.MATTERS)
def record_receipt_print(session: Session, actor: Actor, matter_id: uuid.UUID) -> None:
    """The receipt went to the printer: "打印受理回执" ("补打…" again) on the matter's timeline,
    with its audit row."""
    require(actor, Action.PRINT_RECEIPT)
    m = session.get(Matter, matter_id)
    if m is None:
        raise NotFound("找不到这件事项，可能已被删除。")
    timeline.record_print(session, actor, m, RECEIPT_TITLE, audit_event="receipt_print")
