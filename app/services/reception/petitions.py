"""The 信访 procedure (信访工作条例, docs/DOMAIN.md §3) on top of the event flow.

- **受理 decision.** A matter in a 信访 category is decided within 15 days of its receipt:
  受理 (分流交办, which gives the 受理告知书), 不予受理 (its 告知书) or 转送 (转上级/移送).
  ``acceptance_due`` is that day; lists show the clock while the matter waits (``clock_mark``).
- **暂停计时.** A matter can be paused with a reason (等待当事人补充材料 …). Paused time does
  not count: resuming moves the deadline on by the paused span, counted the way the
  category's limit counts — working days for a working-day rule (holidays and weekends in
  the pause are not working days, so they do not move it), calendar days otherwise. The span
  is the days from the day of pausing up to (not including) the day of resuming: paused and
  resumed on the same day moves nothing. Both are timeline events with their audit rows.
- **复查 / 复核.** A request for 复查 within 30 days of the 处理意见 (the day the matter was
  办结), then 复核 within 30 days of the 复查意见; each is a linked proceeding
  (``PetitionReview``) with its own 30-day limit and its own opinion document.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.core import clock
from app.core.errors import NotFound, PermissionDenied, ValidationError
from app.core.ops import Change, read_op, write_op
from app.models import (
    Category,
    EventKind,
    LimitKind,
    Matter,
    MatterEvent,
    MatterStatus,
    PetitionReview,
    ReviewKind,
    User,
)
from app.services.center.calendar import WorkCalendar
from app.services.context import Actor
from app.services.reception import timeline
from app.services.reception.flow import ensure_writable, not_the_handler
from app.services.security.permissions import Action, require
from app.services.validation import validate_text

S = MatterStatus
ACCEPTANCE_DAYS = 15  # 信访工作条例 第二十四条: 15日内决定是否受理
REVIEW_REQUEST_DAYS = 30  # 复查/复核 asked within 30 days of the opinion
REVIEW_DAYS = 30  # a 复查/复核 is decided within 30 days
# A matter's clock can be paused while it is with the center or its unit.
PAUSABLE = frozenset({S.REGISTERED, S.ROUTED, S.IN_PROGRESS})
# A 复查/复核 is asked about a matter whose 处理意见 was given.
REVIEWABLE = frozenset({S.DONE, S.FED_BACK})


def _load(session: Session, matter_id: uuid.UUID) -> Matter:
    m = session.get(Matter, matter_id)
    if m is None:
        raise NotFound("找不到该事项，请刷新列表。")
    return m


@read_op
def is_petition(session: Session, m: Matter) -> bool:
    return bool(session.get(Category, m.category_id).is_xinfang)


def paused_spans(m: Matter) -> list[tuple[date, date | None]]:
    """(paused on, resumed on — None while still paused) from the matter's timeline."""
    spans: list[tuple[date, date | None]] = []
    start: date | None = None
    for e in sorted(m.events, key=lambda e: e.at):
        if e.kind == EventKind.PAUSED and start is None:
            start = e.at.date()
        elif e.kind == EventKind.RESUMED and start is not None:
            spans.append((start, e.at.date()))
            start = None
    if start is not None:
        spans.append((start, None))
    return spans


def paused_calendar_days(m: Matter, today: date) -> int:
    return sum(((end or today) - start).days for start, end in paused_spans(m))


@read_op
def paused_days_of(session: Session, matter_id: uuid.UUID, today: date) -> int:
    """The calendar days ``matter_id`` has been paused (a list's 受理 clock; a few rows)."""
    events = session.execute(
        select(MatterEvent.kind, MatterEvent.at)
        .where(
            MatterEvent.matter_id == matter_id,
            MatterEvent.kind.in_([EventKind.PAUSED, EventKind.RESUMED]),
        )
        .order_by(MatterEvent.at)
    ).all()
    if not events:
        return 0
    days, start = 0, None
    for kind, at in events:
        if kind == EventKind.PAUSED and start is None:
            start = at.date()
        elif kind == EventKind.RESUMED and start is not None:
            days, start = days + (at.date() - start).days, None
    return days + ((today - start).days if start is not None else 0)


def acceptance_due(m: Matter, today: date | None = None) -> date:
    """The day the 受理 decision is due: 15 days after receipt, plus the days paused."""
    today = today or clock.today()
    return m.received_at.date() + timedelta(days=ACCEPTANCE_DAYS + paused_calendar_days(m, today))


def shifted_deadline(
    cal: WorkCalendar, deadline: date, kind: LimitKind, paused_on: date, resumed_on: date
) -> date:
    """``deadline`` moved on by the span paused_on ≤ d < resumed_on: by its working days for a
    working-day rule (a holiday in the pause moves nothing), by its days otherwise."""
    if resumed_on <= paused_on:
        return deadline
    if LimitKind(kind) == LimitKind.WORKING:
        n = sum(
            cal.is_working_day(paused_on + timedelta(days=i))
            for i in range((resumed_on - paused_on).days)
        )
        return cal.add_working_days(deadline, n) if n else deadline
    return deadline + timedelta(days=(resumed_on - paused_on).days)


def _may_handle(session: Session, actor: Actor, m: Matter, what: str) -> None:
    require(actor, Action.HANDLE_MATTER)
    if m.status in (S.ROUTED, S.IN_PROGRESS) and (
        reason := not_the_handler(session, actor, m, what)
    ):
        raise PermissionDenied(reason)


@write_op(Change.MATTERS)
def pause(
    session: Session, actor: Actor, matter_id: uuid.UUID, reason: str, *, at: datetime | None = None
) -> None:
    """暂停计时: the clock stops (e.g. 等待当事人补充材料) until ``resume``."""
    m = _load(session, matter_id)
    ensure_writable(m, "暂停计时")
    _may_handle(session, actor, m, "暂停计时")
    if m.paused_at is not None:
        raise ValidationError(f"该事项自 {m.paused_at:%Y-%m-%d} 起已暂停计时，请先恢复计时。")
    if m.status not in PAUSABLE:
        raise ValidationError(f"事项当前状态为“{m.status.label}”，不能暂停计时。")
    reason = validate_text(reason, "text", "暂停的理由", max_len=500)
    at = (at or clock.now()).replace(microsecond=0)
    m.paused_at, m.pause_reason, m.updated_at = at, reason, at
    timeline.record(
        session,
        actor,
        m,
        EventKind.PAUSED,
        f"暂停计时：{reason}",
        audit_event="matter_pause",
        at=at,
    )


@write_op(Change.MATTERS)
def resume(
    session: Session,
    actor: Actor,
    matter_id: uuid.UUID,
    note: str = "",
    *,
    at: datetime | None = None,
) -> date:
    """恢复计时: the deadline moves on by the paused span (``shifted_deadline``); the new
    deadline is returned. A 上级交办 matter's deadline stays within the higher body's."""
    m = _load(session, matter_id)
    ensure_writable(m, "恢复计时")
    _may_handle(session, actor, m, "恢复计时")
    if m.paused_at is None:
        raise ValidationError("该事项没有暂停计时。")
    note = validate_text(note, "text", "说明", required=False, max_len=500)
    at = (at or clock.now()).replace(microsecond=0)
    category = session.get(Category, m.category_id)
    old = m.deadline
    m.deadline = shifted_deadline(
        WorkCalendar.load(session), old, category.limit_kind, m.paused_at.date(), at.date()
    )
    capped = ""
    if m.superior_deadline is not None and m.deadline > m.superior_deadline:
        m.deadline = max(old, m.superior_deadline)
        capped = "（不晚于上级交办期限）"
    since = m.paused_at
    m.paused_at, m.pause_reason, m.updated_at = None, None, at
    moved = (
        f"期限由 {old:%Y-%m-%d} 顺延至 {m.deadline:%Y-%m-%d}{capped}"
        if m.deadline != old
        else "期限不变"
    )
    timeline.record(
        session,
        actor,
        m,
        EventKind.RESUMED,
        f"恢复计时（自 {since:%Y-%m-%d} 暂停），{moved}" + (f"：{note}" if note else ""),
        audit_event="matter_resume",
        at=at,
    )
    return m.deadline


def clock_mark(
    m_status: MatterStatus,
    is_xinfang: bool,
    received: datetime,
    paused: bool,
    today: date,
    paused_days: int = 0,
) -> tuple[str, bool]:
    """(what a list shows in the status column, whether it is an alert) for the 信访 clocks."""
    if paused:
        return "暂停中", False
    if is_xinfang and m_status == S.REGISTERED:
        due = received.date() + timedelta(days=ACCEPTANCE_DAYS + paused_days)
        left = (due - today).days
        if left < 0:
            return f"受理超期{-left}日", True
        return f"待受理·剩{left}日", left <= 2
    return "", False


# --- 复查 / 复核 ---------------------------------------------------------------------------


@dataclass(frozen=True)
class ReviewView:
    id: uuid.UUID
    kind: ReviewKind
    body: str
    reason: str
    requested_on: date
    due: date
    opinion: str
    decided_on: date | None
    decided_by: str

    @property
    def line(self) -> str:
        head = f"{self.kind.label}：{self.requested_on:%Y-%m-%d} 向{self.body}提出，"
        if self.decided_on is None:
            return head + f"{self.due:%Y-%m-%d}前出具{self.kind.label}意见"
        return head + f"{self.decided_on:%Y-%m-%d} 出具意见：{self.opinion}"


def opinion_day(m: Matter) -> date | None:
    """The day of the 处理意见: when the matter was 办结 (its COMPLETED or 上级反馈 step)."""
    done = [e.at for e in m.events if e.kind in (EventKind.COMPLETED, EventKind.UPPER_RESULT)]
    return max(done).date() if done else None


def _reviews(session: Session, matter_id: uuid.UUID) -> list[PetitionReview]:
    return list(
        session.scalars(
            select(PetitionReview)
            .where(PetitionReview.matter_id == matter_id)
            .order_by(PetitionReview.requested_on)
        )
    )


@read_op
def list_reviews(session: Session, actor: Actor, matter_id: uuid.UUID) -> list[ReviewView]:
    require(actor, Action.VIEW_MATTERS)
    names = dict(session.execute(select(User.id, User.display_name)).all())
    return [
        ReviewView(
            r.id,
            r.kind,
            r.body,
            r.reason,
            r.requested_on,
            r.due,
            r.opinion or "",
            r.decided_on,
            names.get(r.decided_by, ""),
        )
        for r in _reviews(session, matter_id)
    ]


@read_op
def next_review(session: Session, m: Matter) -> tuple[ReviewKind | None, str]:
    """(the proceeding that may be asked for next, or None with why not)."""
    if not is_petition(session, m):
        return None, "只有信访事项可以申请复查、复核。"
    if m.status not in REVIEWABLE:
        return None, f"事项当前状态为“{m.status.label}”，还没有出具处理意见，不能申请复查。"
    rows = _reviews(session, m.id)
    if not rows:
        return ReviewKind.REVIEW, ""
    last = rows[-1]
    if last.decided_on is None:
        return None, f"{last.kind.label}正在办理，请等{last.kind.label}意见出具后再申请。"
    if last.kind == ReviewKind.REVIEW:
        return ReviewKind.RECHECK, ""
    return None, "复核意见为最终意见，不能再申请复查、复核。"


@read_op
def review_kind_next(session: Session, actor: Actor, matter_id: uuid.UUID) -> ReviewKind | None:
    require(actor, Action.VIEW_MATTERS)
    return next_review(session, _load(session, matter_id))[0]


@write_op(Change.MATTERS)
def request_review(
    session: Session,
    actor: Actor,
    matter_id: uuid.UUID,
    body: str,
    reason: str,
    requested_on: date | None,
) -> ReviewView:
    """复查 (or, after the 复查意见, 复核) asked for on ``requested_on``: within 30 days of the
    opinion it reviews, its own 30-day limit starts."""
    require(actor, Action.ROUTE_MATTER)
    m = _load(session, matter_id)
    kind, why = next_review(session, m)
    if kind is None:
        raise ValidationError(why)
    problems: dict[str, str] = {}
    try:
        body = validate_text(body, "body", f"{kind.label}机关", max_len=64)
    except ValidationError as err:
        problems.update(err.fields)
    try:
        reason = validate_text(reason, "text", f"{kind.label}请求", max_len=2000)
    except ValidationError as err:
        problems.update(err.fields)
    rows = _reviews(session, m.id)
    since = rows[-1].decided_on if rows else opinion_day(m)
    what = "复查意见" if rows else "处理意见"
    today = clock.today()
    if requested_on is None:
        problems["on"] = "请填写提出请求的日期"
    elif requested_on > today:
        problems["on"] = f"提出请求的日期不能晚于今天（{today:%Y-%m-%d}）"
    elif since is not None and requested_on < since:
        problems["on"] = f"提出请求的日期不能早于{what}的日期（{since:%Y-%m-%d}）"
    elif since is not None and requested_on > since + timedelta(days=REVIEW_REQUEST_DAYS):
        last = since + timedelta(days=REVIEW_REQUEST_DAYS)
        problems["on"] = (
            f"{kind.label}请求应自收到{what}之日起{REVIEW_REQUEST_DAYS}日内提出"
            f"（{what} {since:%Y-%m-%d}，最晚 {last:%Y-%m-%d}），已超过期限"
        )
    if problems:
        raise ValidationError(problems)
    review = PetitionReview(
        matter_id=m.id,
        kind=kind,
        body=body,
        reason=reason,
        requested_on=requested_on,
        due=requested_on + timedelta(days=REVIEW_DAYS),
        requested_by=actor.user_id,
    )
    session.add(review)
    session.flush()
    timeline.record(
        session,
        actor,
        m,
        EventKind.REVIEW_REQUESTED,
        f"{requested_on:%Y-%m-%d} 请求{body}{kind.label}，"
        f"{review.due:%Y-%m-%d}前出具意见：{reason}",
        audit_event=f"petition_{kind.value}_request",
        object_type="petition_review",
        object_id=review.id,
    )
    return next(r for r in list_reviews(session, actor, m.id) if r.id == review.id)


@write_op(Change.MATTERS)
def decide_review(
    session: Session,
    actor: Actor,
    review_id: uuid.UUID,
    opinion: str,
    decided_on: date | None,
) -> None:
    """The 复查/复核意见 (the director's decision), with its own document."""
    require(actor, Action.APPROVE_MATTER)
    review = session.get(PetitionReview, review_id)
    if review is None:
        raise NotFound("找不到该复查/复核，请刷新。")
    if review.decided_on is not None:
        raise ValidationError(f"该{review.kind.label}已于 {review.decided_on:%Y-%m-%d} 出具意见。")
    problems: dict[str, str] = {}
    try:
        opinion = validate_text(opinion, "text", f"{review.kind.label}意见", max_len=4000)
    except ValidationError as err:
        problems.update(err.fields)
    today = clock.today()
    if decided_on is None:
        problems["on"] = "请填写出具意见的日期"
    elif decided_on > today or decided_on < review.requested_on:
        problems["on"] = (
            f"出具意见的日期应在请求日期（{review.requested_on:%Y-%m-%d}）和今天"
            f"（{today:%Y-%m-%d}）之间"
        )
    if problems:
        raise ValidationError(problems)
    at = clock.now().replace(microsecond=0)
    review.opinion, review.decided_on = opinion, decided_on
    review.decided_by, review.decided_at = actor.user_id, at
    late = "（已超过办理期限）" if decided_on > review.due else ""
    m = _load(session, review.matter_id)
    timeline.record(
        session,
        actor,
        m,
        EventKind.REVIEW_DECIDED,
        f"{decided_on:%Y-%m-%d} 出具{review.kind.label}意见{late}：{opinion}",
        audit_event=f"petition_{review.kind.value}_decide",
        object_type="petition_review",
        object_id=review.id,
        at=at,
    )


@read_op
def pending_review(session: Session, actor: Actor, matter_id: uuid.UUID) -> ReviewView | None:
    """The 复查/复核 of the matter waiting for its opinion."""
    return next((r for r in list_reviews(session, actor, matter_id) if r.decided_on is None), None)


@dataclass(frozen=True)
class ProcedureState:
    """What the handling tab shows and offers about a matter's 信访 procedure and its loop
    with the higher level (暂停计时, 受理期限, 复查/复核, 上级交办, 等待反馈)."""

    is_petition: bool
    paused_at: datetime | None
    pause_reason: str
    pausable: bool
    acceptance_due: date | None  # while a 信访 matter waits for its 受理 decision
    next_review: ReviewKind | None
    pending_review: ReviewView | None
    reviews: list[ReviewView]
    is_superior: bool  # 上级交办: its 文号 and deadline can be recorded
    superior_body: str
    superior_ref: str
    superior_deadline: date | None
    waiting_since: date | None  # 转上级/移送, waiting for the answer


@read_op
def procedure_state(session: Session, actor: Actor, matter_id: uuid.UUID) -> ProcedureState:
    from app.models import Channel

    require(actor, Action.VIEW_MATTERS)
    m = _load(session, matter_id)
    petition = is_petition(session, m)
    reviews = list_reviews(session, actor, matter_id)
    sent = [e.at.date() for e in m.events if e.kind == EventKind.TRANSFERRED]
    return ProcedureState(
        is_petition=petition,
        paused_at=m.paused_at,
        pause_reason=m.pause_reason or "",
        pausable=m.status in PAUSABLE,
        acceptance_due=acceptance_due(m) if petition and m.status == S.REGISTERED else None,
        next_review=next_review(session, m)[0] if petition else None,
        pending_review=next((r for r in reviews if r.decided_on is None), None),
        reviews=reviews,
        is_superior=m.channel == Channel.SUPERIOR and m.status != S.ARCHIVED,
        superior_body=m.superior_body or "",
        superior_ref=m.superior_ref or "",
        superior_deadline=m.superior_deadline,
        waiting_since=sent[-1] if m.status == S.TRANSFERRED and sent else None,
    )
