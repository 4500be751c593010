"""The event flow of a matter (docs/DOMAIN.md §2) as one state machine.

已登记 ─► 已分流 ─► 办理中 ─► 已办结 ─► 已反馈 ─► 已归档, with 退回 (once), 延期 (the handler or
their unit asks, the director approves — once — or refuses), 不满意 → 办理中 (director, once),
不予受理, 转上级/移送 and 当场解答 from the start. A move
not in ``MOVES`` is refused with a message; every move is a timeline event and an audit row
(``timeline.record``). This is the only module that changes a matter's status: registration,
imports and mediation cases move their matters through it (tests/services/test_one_writer.py).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session, object_session

from app.core import clock
from app.core.clock import now
from app.core.errors import NotFound, PermissionDenied, ValidationError
from app.core.ops import Change, read_op, write_op
from app.models import (
    Category,
    EventKind,
    ExtensionRequest,
    ExtensionStatus,
    LimitKind,
    Matter,
    MatterStatus,
    Satisfaction,
    Unit,
    User,
)
from app.models.enums import LabelledEnum
from app.services.center.calendar import WorkCalendar
from app.services.context import Actor
from app.services.reception import timeline
from app.services.reception.sealed import COUNSELLING_ROOM
from app.services.security.permissions import Action, allowed, oversees_all, require
from app.services.validation import validate_text

S = MatterStatus


class Move(LabelledEnum):
    ROUTE = ("route", "分流交办")
    ACCEPT = ("accept", "接收")
    RETURN = ("return", "退回")
    PROGRESS = ("progress", "记录进展")
    REQUEST_EXTENSION = ("request_extension", "申请延期")
    EXTEND = ("extend", "批准延期")  # the director approves the request: the deadline moves
    REFUSE_EXTENSION = ("refuse_extension", "不予延期")
    COMPLETE = ("complete", "办结")
    FEEDBACK = ("feedback", "结果反馈")
    REOPEN = ("reopen", "重新办理")
    ARCHIVE = ("archive", "归档")
    REJECT = ("reject", "不予受理")
    TRANSFER = ("transfer", "转上级/移送")
    ANSWER = ("answer", "当场解答")
    UPPER_RESULT = ("upper_result", "记录上级反馈")  # 转上级/移送's answer came back


@dataclass(frozen=True)
class Rule:
    sources: frozenset[MatterStatus]
    target: MatterStatus | None  # None: the status stays (a note, an extension)
    action: Action
    event: EventKind


MOVES: dict[Move, Rule] = {
    Move.ROUTE: Rule(
        frozenset({S.REGISTERED, S.ROUTED}), S.ROUTED, Action.ROUTE_MATTER, EventKind.ROUTED
    ),
    Move.ACCEPT: Rule(
        frozenset({S.ROUTED}), S.IN_PROGRESS, Action.HANDLE_MATTER, EventKind.ACCEPTED
    ),
    Move.RETURN: Rule(
        frozenset({S.ROUTED, S.IN_PROGRESS}), S.REGISTERED, Action.HANDLE_MATTER, EventKind.RETURNED
    ),
    Move.PROGRESS: Rule(frozenset({S.IN_PROGRESS}), None, Action.HANDLE_MATTER, EventKind.PROGRESS),
    Move.REQUEST_EXTENSION: Rule(
        frozenset({S.ROUTED, S.IN_PROGRESS}),
        None,
        Action.HANDLE_MATTER,
        EventKind.EXTENSION_REQUESTED,
    ),
    # 批准延期 keeps the event the director's 延期 always wrote (EXTENDED, "期限由 … 延至 …：
    # <reason>"): the 延期办理告知书 is built from it.
    Move.EXTEND: Rule(
        frozenset({S.ROUTED, S.IN_PROGRESS}), None, Action.APPROVE_MATTER, EventKind.EXTENDED
    ),
    Move.REFUSE_EXTENSION: Rule(
        frozenset({S.ROUTED, S.IN_PROGRESS}),
        None,
        Action.APPROVE_MATTER,
        EventKind.EXTENSION_REFUSED,
    ),
    Move.COMPLETE: Rule(
        frozenset({S.IN_PROGRESS}), S.DONE, Action.HANDLE_MATTER, EventKind.COMPLETED
    ),
    Move.FEEDBACK: Rule(frozenset({S.DONE}), S.FED_BACK, Action.CLOSE_MATTER, EventKind.FEEDBACK),
    Move.REOPEN: Rule(
        frozenset({S.FED_BACK}), S.IN_PROGRESS, Action.APPROVE_MATTER, EventKind.REOPENED
    ),
    Move.ARCHIVE: Rule(
        frozenset({S.FED_BACK, S.ANSWERED, S.REJECTED, S.TRANSFERRED}),
        S.ARCHIVED,
        Action.CLOSE_MATTER,
        EventKind.ARCHIVED,
    ),
    Move.REJECT: Rule(
        frozenset({S.REGISTERED}), S.REJECTED, Action.ROUTE_MATTER, EventKind.REJECTED
    ),
    Move.TRANSFER: Rule(
        frozenset({S.REGISTERED, S.ROUTED}),
        S.TRANSFERRED,
        Action.ROUTE_MATTER,
        EventKind.TRANSFERRED,
    ),
    # 上下联动: the body a matter was sent to answers; the matter goes on to 结果反馈 and 归档.
    Move.UPPER_RESULT: Rule(
        frozenset({S.TRANSFERRED}), S.DONE, Action.ROUTE_MATTER, EventKind.UPPER_RESULT
    ),
    # 当场解答: a consultation answered and closed in the step that registers it.
    Move.ANSWER: Rule(
        frozenset({S.REGISTERED}), S.ANSWERED, Action.REGISTER_MATTER, EventKind.ANSWERED
    ),
}

# Made only while registering (intake.register_matter), never offered on a matter's page.
AT_REGISTRATION = frozenset({Move.ANSWER})


# While a matter is with a unit (已分流, 办理中) an extension may be asked for and decided.
EXTENSION_STATUSES = frozenset({S.ROUTED, S.IN_PROGRESS})
EXTENSION_MOVES = frozenset({Move.REQUEST_EXTENSION, Move.EXTEND, Move.REFUSE_EXTENSION})
# 信访工作条例: a petition's time may be extended by at most 30 days; a calendar-day rule's
# default extension is capped there (mediation's one month gives the same 30).
MAX_CALENDAR_EXTENSION = 30


@read_op
def pending_request(session: Session | None, m: Matter) -> ExtensionRequest | None:
    """The extension request of ``m`` waiting for the director, if there is one."""
    if session is None:
        return None
    return session.scalar(
        select(ExtensionRequest).where(
            ExtensionRequest.matter_id == m.id,
            ExtensionRequest.status == ExtensionStatus.PENDING,
        )
    )


def _once_used(m: Matter, move: Move) -> str | None:
    if move == Move.RETURN and m.returned:
        return "该事项已经退回过一次，不能再次退回；如确有困难请报主任协调。"
    if move in EXTENSION_MOVES and m.extended:
        return "该事项已经延期过一次，不能再次延期。"
    if move in EXTENSION_MOVES and m.status in EXTENSION_STATUSES:
        pending = pending_request(object_session(m), m) is not None
        if move == Move.REQUEST_EXTENSION and pending:
            return "该事项已有延期申请在等待主任审批，请等审批结果。"
        if move != Move.REQUEST_EXTENSION and not pending:
            return "该事项没有等待审批的延期申请。"
    if move == Move.REOPEN and m.reopened:
        return "该事项已经重新办理过一次，不能再次重新办理。"
    if move == Move.REOPEN and m.satisfaction != Satisfaction.DISSATISFIED:
        return "只有群众不满意的事项才能重新办理。"
    return None


# The work on a routed matter belongs to whoever it went to (首办责任): its handler, the B who
# covers an absent handler, the staff of its unit, and the director over all of them.
HANDLER_MOVES = frozenset(
    {Move.ACCEPT, Move.RETURN, Move.PROGRESS, Move.REQUEST_EXTENSION, Move.COMPLETE}
)


@read_op
def not_the_handler(session: Session, actor: Actor, m: Matter, what: str) -> str | None:
    """Why ``actor`` may not do ``what`` on the routed matter ``m`` as its handler (None: may).

    A unit with no accounts of its own (a stationed unit working on paper) has its work
    recorded for it by the center's staff."""
    from app.services.reception.posts import cover_for

    if oversees_all(actor):
        return None
    if m.handler_user_id is not None:
        if actor.user_id == m.handler_user_id:
            return None
        if actor.user_id is not None and cover_for(session, m.handler_user_id, now().date()) == (
            actor.user_id
        ):
            return None
        who = m.handler_name or "指定的承办人"
        return f"该事项由{who}承办，只有承办人（不在岗时由其B岗）或主任可以{what}。"
    if m.unit_id is None:
        return None
    staff = set(
        session.scalars(select(User.id).where(User.unit_id == m.unit_id, User.active.is_(True)))
    )
    if actor.user_id in staff:
        return None
    unit = session.get(Unit, m.unit_id)
    if not staff:
        # A unit with no accounts: the center's matter staff record its work for it — not a
        # role with no rights over matters (a counsellor), whatever its own rooms allow.
        if allowed(actor, Action.VIEW_MATTERS) or (
            unit.name == COUNSELLING_ROOM and allowed(actor, Action.COUNSELLING_NOTES)
        ):
            return None
        role = actor.role.label if actor.role else "未登录"
        return (
            f"该事项已交办{unit.name}（该单位没有账号），由中心的工作人员代为记录；"
            f"只有接待、调解人员或主任可以{what}，{role}没有这项权限。"
        )
    return f"该事项已交办{unit.name}，只有该单位的工作人员或主任可以{what}。"


@read_op
def not_for(session: Session, actor: Actor, m: Matter, move: Move) -> str | None:
    """Why ``actor`` may not make the handler's ``move`` on ``m`` (None: may). 申请延期 is
    also open to the staff of the unit the matter went to, whoever its handler is."""
    reason = not_the_handler(session, actor, m, move.label)
    if reason is None or move != Move.REQUEST_EXTENSION or m.unit_id is None:
        return reason
    in_unit = session.scalar(
        select(User.id).where(
            User.id == actor.user_id, User.unit_id == m.unit_id, User.active.is_(True)
        )
    )
    if in_unit is not None:
        return None
    unit = session.get(Unit, m.unit_id)
    who = m.handler_name or "指定的承办人"
    return (
        f"该事项由{unit.name}{who}承办，只有承办人（不在岗时由其B岗）、"
        f"{unit.name}的工作人员或主任可以申请延期。"
    )


def allowed_moves(m: Matter, actor: Actor) -> list[Move]:
    """The moves this user may make on this matter now (the view shows only these)."""
    session = object_session(m)
    return [
        move
        for move, rule in MOVES.items()
        if m.status in rule.sources
        and move not in AT_REGISTRATION
        and allowed(actor, rule.action)
        and not _once_used(m, move)
        and not (move in HANDLER_MOVES and session is not None and not_for(session, actor, m, move))
    ]


def _start(
    session: Session, actor: Actor, matter_id: uuid.UUID, move: Move, *, for_case: bool = False
) -> Matter:
    rule = MOVES[move]
    # A case opened directly routes its own matter to its room under the case's rule.
    require(actor, Action.MEDIATE_CASE if for_case and move == Move.ROUTE else rule.action)
    m = session.get(Matter, matter_id)
    if m is None:
        raise NotFound("找不到该事项，请刷新列表。")
    if m.status not in rule.sources:
        raise ValidationError(f"事项当前状态为“{m.status.label}”，不能{move.label}。")
    if reason := _once_used(m, move):
        raise ValidationError(reason)
    # A mediation case moves its matter under the case's own rule (its mediators, the director).
    if move in HANDLER_MOVES and not for_case and (reason := not_for(session, actor, m, move)):
        raise PermissionDenied(reason)
    return m


def _finish(
    session: Session, actor: Actor, m: Matter, move: Move, note: str, at: datetime | None
) -> None:
    rule = MOVES[move]
    at = (at or now()).replace(microsecond=0)
    before = m.status
    if rule.target is not None:
        m.status = rule.target
    if move == Move.ROUTE or m.status not in EXTENSION_STATUSES:
        # The request was the unit's, about its work: completed, returned or sent to another
        # unit, it is not decided any more (a new handler asks again if needed).
        for req in session.scalars(
            select(ExtensionRequest).where(
                ExtensionRequest.matter_id == m.id,
                ExtensionRequest.status == ExtensionStatus.PENDING,
            )
        ):
            req.status = ExtensionStatus.LAPSED
    if m.paused_at is not None and m.status not in (S.REGISTERED, S.ROUTED, S.IN_PROGRESS):
        # 办结, 退回 … with the clock paused: no clock runs any more, so no pause either.
        m.paused_at = m.pause_reason = None
    m.updated_at = at
    timeline.record(
        session,
        actor,
        m,
        rule.event,
        note,
        audit_event=f"matter_{move.value}",
        at=at,
        from_status=before,
        to_status=m.status,
    )


def _text(
    value: str, label: str, required: bool = True, max_len: int = 2000, *, field: str = "text"
) -> str:
    """``field`` names the input of the move's form that a refusal concerns (``text``: the
    move's main text; ``where``, ``method`` …), so the dialog marks that field."""
    return validate_text(value, field, label, required=required, max_len=max_len)


@write_op(Change.MATTERS)
def route(
    session: Session,
    actor: Actor,
    matter_id: uuid.UUID,
    unit_id: uuid.UUID,
    handler: str = "",
    *,
    handler_user_id: uuid.UUID | None = None,
    at: datetime | None = None,
    remark: str = "",
    for_case: bool = False,
) -> None:
    """To a unit and, optionally, a handler; a handler away on AB岗 goes to their B.

    ``remark`` ends the timeline note (registration adds the deadline); ``for_case``: a
    mediation case opened directly routes its matter to its room (the case's rule)."""
    from app.services.reception.posts import cover_for

    m = _start(session, actor, matter_id, Move.ROUTE, for_case=for_case)
    unit = session.get(Unit, unit_id) if unit_id else None
    if unit is None:
        raise ValidationError({"unit": "请选择承办单位"})
    handler = _text(handler, "承办人", required=False, max_len=30, field="handler")
    note = ""
    if handler_user_id is not None:
        user = session.get(User, handler_user_id)
        if user is None:
            raise ValidationError({"handler": "所选承办人已不存在"})
        if (cover := cover_for(session, user.id, (at or now()).date())) is not None:
            b = session.get(User, cover)
            note = f"（A岗 {user.display_name} 不在岗，由B岗 {b.display_name} 承办）"
            user = b
        handler, m.handler_user_id = user.display_name, user.id
    m.unit_id, m.handler_name = unit.id, handler or None
    who = f"，承办人 {handler}" if handler else ""
    remark = f"，{remark}" if remark else ""
    _finish(session, actor, m, Move.ROUTE, f"交办{unit.name}{who}{note}{remark}", at)


@write_op(Change.MATTERS)
def answer(
    session: Session, actor: Actor, matter_id: uuid.UUID, text: str, *, at: datetime | None = None
) -> None:
    """当场解答: a consultation answered on the spot is closed in the step that registers it
    (its deadline is that day)."""
    m = _start(session, actor, matter_id, Move.ANSWER)
    m.answer = _text(text, "解答内容")
    at = (at or now()).replace(microsecond=0)
    m.unit_id, m.closed_at, m.deadline = None, at, at.date()
    _finish(session, actor, m, Move.ANSWER, m.answer, at)


def planned(status: MatterStatus, move: Move) -> tuple[EventKind, MatterStatus]:
    """The timeline event and the status ``move`` leads to from ``status``, for a writer that
    builds many matters' rows at once (the demo generator) instead of moving stored matters;
    a move the table does not allow is refused as it is for a stored matter."""
    rule = MOVES[move]
    if status not in rule.sources:
        raise ValidationError(f"事项当前状态为“{status.label}”，不能{move.label}。")
    return rule.event, rule.target or status


def take_over(actor: Actor, m: Matter, status: MatterStatus, *, at: datetime) -> None:
    """A matter brought in from an old sheet (importing) takes the status its record had.

    ``m`` is new and not yet flushed; the import writes one audit row for the whole sheet."""
    if status == m.status:
        return
    before, m.status = m.status, status
    timeline.record_in_bulk(
        actor,
        m,
        EventKind.STATUS,
        f"导入时的状态：{status.label}",
        at=at,
        from_status=before,
        to_status=status,
    )


@write_op(Change.MATTERS)
def accept(
    session: Session,
    actor: Actor,
    matter_id: uuid.UUID,
    *,
    at: datetime | None = None,
    for_case: bool = False,
) -> None:
    m = _start(session, actor, matter_id, Move.ACCEPT, for_case=for_case)
    m.handler_name = m.handler_name or actor.display_name
    _finish(session, actor, m, Move.ACCEPT, f"{actor.display_name}接收", at)


@write_op(Change.MATTERS)
def return_matter(
    session: Session, actor: Actor, matter_id: uuid.UUID, reason: str, *, at: datetime | None = None
) -> None:
    """A unit may hand a matter back once, saying why; it goes back to be routed again."""
    m = _start(session, actor, matter_id, Move.RETURN)
    reason = _text(reason, "退回理由")
    m.returned = True
    m.unit_id, m.handler_name = None, None
    _finish(session, actor, m, Move.RETURN, reason, at)


@write_op(Change.MATTERS)
def add_progress(
    session: Session,
    actor: Actor,
    matter_id: uuid.UUID,
    note: str,
    *,
    at: datetime | None = None,
    for_case: bool = False,
) -> None:
    m = _start(session, actor, matter_id, Move.PROGRESS, for_case=for_case)
    _finish(session, actor, m, Move.PROGRESS, _text(note, "办理进展"), at)


@read_op
def default_extension(session: Session, m: Matter) -> date:
    """The date an extension of ``m`` proposes to start with: its deadline plus its category's
    rule (a calendar-day rule at most MAX_CALENDAR_EXTENSION days), and never a day that
    would be refused (it is after today and after the deadline)."""
    cal = WorkCalendar.load(session)
    category = session.get(Category, m.category_id)
    kind, days = category.limit_kind, category.limit_days
    if kind == LimitKind.CALENDAR:
        days = min(days, MAX_CALENDAR_EXTENSION)
    due = cal.deadline(m.deadline, kind, days).due
    floor = max(clock.today(), m.deadline)
    return due if due > floor else cal.add_working_days(floor, 1)


@read_op
def extension_default(session: Session, actor: Actor, matter_id: uuid.UUID) -> date:
    require(actor, Action.VIEW_MATTERS)
    m = session.get(Matter, matter_id)
    if m is None:
        raise NotFound("找不到该事项，请刷新列表。")
    return default_extension(session, m)


@read_op
def latest_extension(session: Session, m: Matter) -> date:
    """The latest date an extension may move ``m``'s deadline to: MAX_CALENDAR_EXTENSION days
    on (信访工作条例's limit for a petition), or the category's own rule where that is longer
    (a 信访 category is held to the 30 days)."""
    cap = m.deadline + timedelta(days=MAX_CALENDAR_EXTENSION)
    category = session.get(Category, m.category_id)
    if category.is_xinfang:
        return cap
    rule = WorkCalendar.load(session).deadline(m.deadline, category.limit_kind, category.limit_days)
    return max(cap, rule.due)


def _check_new_deadline(session: Session, m: Matter, new: date | None) -> date:
    today = clock.today()
    if new is None:
        raise ValidationError({"deadline": "请填写新的期限"})
    if new <= m.deadline or new <= today:
        first = max(m.deadline, today) + timedelta(days=1)
        raise ValidationError(
            {
                "deadline": f"新的期限应晚于今天（{today:%Y-%m-%d}）和原期限"
                f"（{m.deadline:%Y-%m-%d}），最早为 {first:%Y-%m-%d}"
            }
        )
    if new > (latest := latest_extension(session, m)):
        raise ValidationError(
            {"deadline": f"延期不能超过 {MAX_CALENDAR_EXTENSION} 天，最晚为 {latest:%Y-%m-%d}"}
        )
    if m.superior_deadline is not None and new > m.superior_deadline:
        raise ValidationError(
            {
                "deadline": f"该事项是上级交办（{m.superior_ref or '—'}），中心的期限不能晚于"
                f"上级要求的办结期限 {m.superior_deadline:%Y-%m-%d}"
            }
        )
    return new


@write_op(Change.MATTERS)
def request_extension(
    session: Session,
    actor: Actor,
    matter_id: uuid.UUID,
    proposed: date | None,
    reason: str,
    *,
    at: datetime | None = None,
) -> ExtensionRequest:
    """申请延期: the handler (their B, their unit's staff, or the director) asks, with the reason
    and the date proposed. Nothing about the matter changes until the director decides."""
    m = _start(session, actor, matter_id, Move.REQUEST_EXTENSION)
    problems: dict[str, str] = {}
    try:
        reason = _text(reason, "延期理由")
    except ValidationError as err:
        problems.update(err.fields)
    try:
        _check_new_deadline(session, m, proposed)
    except ValidationError as err:
        problems.update(err.fields)
    if problems:
        raise ValidationError(problems)
    at = (at or clock.now()).replace(microsecond=0)
    request = ExtensionRequest(
        matter_id=m.id,
        reason=reason,
        proposed_deadline=proposed,
        old_deadline=m.deadline,
        requested_by=actor.user_id,
        requested_at=at,
        status=ExtensionStatus.PENDING,
    )
    session.add(request)
    session.flush()
    _finish(
        session,
        actor,
        m,
        Move.REQUEST_EXTENSION,
        f"申请将期限由 {m.deadline:%Y-%m-%d} 延至 {proposed:%Y-%m-%d}：{reason}",
        at,
    )
    return request


@write_op(Change.MATTERS)
def extend(
    session: Session,
    actor: Actor,
    matter_id: uuid.UUID,
    new_deadline: date | None = None,
    note: str = "",
    *,
    at: datetime | None = None,
) -> None:
    """批准延期: the director approves the waiting request — its date, or ``new_deadline`` — and
    the deadline moves. This uses up the matter's one extension. The timeline note is the
    one 延期 has always written: 期限由 <old> 延至 <new>：<the request's reason>."""
    m = _start(session, actor, matter_id, Move.EXTEND)
    request = pending_request(session, m)
    new = _check_new_deadline(session, m, new_deadline or request.proposed_deadline)
    note = _text(note, "审批意见", required=False, field="note")
    at = (at or clock.now()).replace(microsecond=0)
    old = m.deadline
    m.deadline, m.extended = new, True
    request.status, request.approved_deadline = ExtensionStatus.APPROVED, new
    request.decided_by, request.decided_at, request.decision_note = actor.user_id, at, note or None
    _finish(
        session,
        actor,
        m,
        Move.EXTEND,
        f"期限由 {old:%Y-%m-%d} 延至 {new:%Y-%m-%d}：{request.reason}",
        at,
    )


@write_op(Change.MATTERS)
def refuse_extension(
    session: Session,
    actor: Actor,
    matter_id: uuid.UUID,
    reason: str,
    *,
    at: datetime | None = None,
) -> None:
    """不予延期: the director refuses the waiting request, saying why; the deadline stays and
    the matter's one extension is not used (the handler may ask again)."""
    m = _start(session, actor, matter_id, Move.REFUSE_EXTENSION)
    request = pending_request(session, m)
    reason = _text(reason, "不予延期的理由")
    at = (at or clock.now()).replace(microsecond=0)
    request.status = ExtensionStatus.REFUSED
    request.decided_by, request.decided_at, request.decision_note = actor.user_id, at, reason
    _finish(
        session,
        actor,
        m,
        Move.REFUSE_EXTENSION,
        f"不同意延至 {request.proposed_deadline:%Y-%m-%d}，"
        f"期限仍为 {m.deadline:%Y-%m-%d}：{reason}",
        at,
    )


@dataclass(frozen=True)
class ExtensionView:
    """One extension request of a matter, as the handler and the director see it."""

    id: uuid.UUID
    status: ExtensionStatus
    reason: str
    proposed_deadline: date
    old_deadline: date
    requested_by: str
    requested_at: datetime
    decided_by: str
    decided_at: datetime | None
    approved_deadline: date | None
    decision_note: str


def _newness(r: ExtensionRequest) -> tuple:
    """Requests in the order they were made: the waiting one is always the newest (there is
    one at a time, asked after every decided one)."""
    return (r.status == ExtensionStatus.PENDING, r.requested_at, r.decided_at or r.requested_at)


@read_op
def extension_requests(session: Session, actor: Actor, matter_id: uuid.UUID) -> list[ExtensionView]:
    """A matter's extension requests, the newest first."""
    require(actor, Action.VIEW_MATTERS)
    names = dict(session.execute(select(User.id, User.display_name)).all())
    rows = sorted(
        session.scalars(select(ExtensionRequest).where(ExtensionRequest.matter_id == matter_id)),
        key=_newness,
        reverse=True,
    )
    return [
        ExtensionView(
            r.id,
            r.status,
            r.reason,
            r.proposed_deadline,
            r.old_deadline,
            names.get(r.requested_by, ""),
            r.requested_at,
            names.get(r.decided_by, ""),
            r.decided_at,
            r.approved_deadline,
            r.decision_note or "",
        )
        for r in rows
    ]


@read_op
def extension_marks(
    session: Session, actor: Actor, matter_ids: list[uuid.UUID]
) -> dict[uuid.UUID, ExtensionStatus]:
    """For a page of a list: the state of the newest extension request of each matter still
    with its unit (待审批, 已批准, 不予延期), so the handler sees the director's answer there."""
    require(actor, Action.VIEW_MATTERS)
    if not matter_ids:
        return {}
    rows = session.scalars(
        select(ExtensionRequest)
        .join(Matter, Matter.id == ExtensionRequest.matter_id)
        .where(
            ExtensionRequest.matter_id.in_(matter_ids),
            Matter.status.in_(EXTENSION_STATUSES),
            ExtensionRequest.status != ExtensionStatus.LAPSED,
        )
    )
    marks: dict[uuid.UUID, ExtensionStatus] = {}
    for r in sorted(rows, key=_newness):
        marks[r.matter_id] = r.status  # the newest last
    return marks


@read_op
def waiting_extensions(session: Session, actor: Actor) -> list[uuid.UUID]:
    """The matters whose extension request waits for the director."""
    require(actor, Action.VIEW_MATTERS)
    return list(
        session.scalars(
            select(ExtensionRequest.matter_id).where(
                ExtensionRequest.status == ExtensionStatus.PENDING
            )
        )
    )


@write_op(Change.MATTERS)
def complete(
    session: Session,
    actor: Actor,
    matter_id: uuid.UUID,
    result: str,
    *,
    at: datetime | None = None,
    for_case: bool = False,
) -> None:
    m = _start(session, actor, matter_id, Move.COMPLETE, for_case=for_case)
    m.result = _text(result, "办理结果")
    m.closed_at = (at or now()).replace(microsecond=0)
    _finish(session, actor, m, Move.COMPLETE, m.result, at)


@write_op(Change.MATTERS)
def feedback(
    session: Session,
    actor: Actor,
    matter_id: uuid.UUID,
    method: str,
    satisfaction: Satisfaction | None,
    note: str = "",
    *,
    at: datetime | None = None,
) -> None:
    """The result told to the person (how, when) and how satisfied they are."""
    m = _start(session, actor, matter_id, Move.FEEDBACK)
    problems: dict[str, str] = {}
    try:
        method = _text(method, "反馈方式", max_len=32, field="method")
    except ValidationError as err:
        problems.update(err.fields)
    try:  # nothing is chosen for the person: the form starts with no 满意度 selected
        chosen = Satisfaction(satisfaction) if satisfaction is not None else None
    except ValueError:
        chosen = None
    if chosen is None:
        problems["satisfaction"] = "请选择群众评价：满意、基本满意或不满意"
    if problems:
        raise ValidationError(problems)
    m.feedback_method, m.satisfaction = method, chosen
    m.feedback_at = (at or now()).replace(microsecond=0)
    extra = f"；{_text(note, '反馈情况', required=False)}" if note.strip() else ""
    _finish(
        session,
        actor,
        m,
        Move.FEEDBACK,
        f"{m.feedback_method}反馈，{m.satisfaction.label}{extra}",
        at,
    )


@write_op(Change.MATTERS)
def reopen(
    session: Session, actor: Actor, matter_id: uuid.UUID, reason: str, *, at: datetime | None = None
) -> None:
    """不满意 → 办理中, once, approved by the director."""
    m = _start(session, actor, matter_id, Move.REOPEN)
    reason = _text(reason, "重新办理的理由")
    m.reopened, m.closed_at = True, None
    _finish(session, actor, m, Move.REOPEN, reason, at)


@write_op(Change.MATTERS)
def archive(
    session: Session, actor: Actor, matter_id: uuid.UUID, *, at: datetime | None = None
) -> None:
    m = _start(session, actor, matter_id, Move.ARCHIVE)
    m.closed_at = m.closed_at or (at or now()).replace(microsecond=0)
    _finish(session, actor, m, Move.ARCHIVE, "", at)


@write_op(Change.MATTERS)
def reject(
    session: Session,
    actor: Actor,
    matter_id: uuid.UUID,
    reason: str,
    where_to_go: str,
    *,
    at: datetime | None = None,
) -> None:
    m = _start(session, actor, matter_id, Move.REJECT)
    reason = _text(reason, "不予受理的理由")
    where = _text(where_to_go, "告知的办理途径", field="where")
    m.closed_at = (at or now()).replace(microsecond=0)
    _finish(session, actor, m, Move.REJECT, f"{reason}；已告知：{where}", at)


@write_op(Change.MATTERS)
def transfer(
    session: Session,
    actor: Actor,
    matter_id: uuid.UUID,
    body: str,
    what_sent: str,
    *,
    at: datetime | None = None,
) -> None:
    m = _start(session, actor, matter_id, Move.TRANSFER)
    body, sent = _text(body, "接收机关", max_len=64, field="where"), _text(what_sent, "移送材料")
    m.closed_at = (at or now()).replace(microsecond=0)
    _finish(session, actor, m, Move.TRANSFER, f"移送{body}：{sent}", at)


@write_op(Change.MATTERS)
def record_upper_result(
    session: Session,
    actor: Actor,
    matter_id: uuid.UUID,
    on: date | None,
    result: str,
    *,
    at: datetime | None = None,
) -> None:
    """上级反馈: the answer of the body a matter was sent up or across to (转上级/移送) came
    back on ``on``; its text becomes the matter's result, the matter is 已办结 and goes on to
    结果反馈 and 归档. Attachments (the body's reply as scanned) are added as any other."""
    m = _start(session, actor, matter_id, Move.UPPER_RESULT)
    problems: dict[str, str] = {}
    try:
        result = _text(result, "上级反馈的结果")
    except ValidationError as err:
        problems.update(err.fields)
    sent = next((e.at for e in reversed(m.events) if e.kind == EventKind.TRANSFERRED), None)
    if on is None:
        problems["on"] = "请填写收到反馈的日期"
    elif on > clock.today():
        problems["on"] = f"收到反馈的日期不能晚于今天（{clock.today():%Y-%m-%d}）"
    elif sent is not None and on < sent.date():
        problems["on"] = f"收到反馈的日期不能早于移送的日期（{sent:%Y-%m-%d}）"
    if problems:
        raise ValidationError(problems)
    m.result = result
    m.closed_at = (at or now()).replace(microsecond=0)
    _finish(session, actor, m, Move.UPPER_RESULT, f"{on:%Y-%m-%d} 收到反馈：{result}", at)


def is_read_only(m: Matter) -> bool:
    """Archived matters are read-only."""
    return m.status == S.ARCHIVED


def ensure_writable(m: Matter, what: str) -> None:
    """Refuse ``what`` (督办, 领导接访, 组团服务 …) on an archived matter: it is read-only."""
    if is_read_only(m):
        raise ValidationError(f"事项 {m.number} 已归档，只能查看，不能再{what}。")


@read_op
def moves_for(session: Session, actor: Actor, matter_id: uuid.UUID) -> list[Move]:
    """The moves the view offers for this matter and this user."""
    require(actor, Action.VIEW_MATTERS)
    m = session.get(Matter, matter_id)
    if m is None:
        raise NotFound("找不到该事项，请刷新列表。")
    return allowed_moves(m, actor)


@write_op(Change.MATTERS)
def perform(session: Session, actor: Actor, matter_id: uuid.UUID, move: Move, values: dict) -> None:
    """One entry point for the view: ``values`` holds what the move's form asked for."""
    v = values
    match Move(move):
        case Move.ROUTE:
            route(
                session,
                actor,
                matter_id,
                v.get("unit_id"),
                v.get("handler", ""),
                handler_user_id=v.get("handler_user_id"),
            )
        case Move.ACCEPT:
            accept(session, actor, matter_id)
        case Move.RETURN:
            return_matter(session, actor, matter_id, v.get("text", ""))
        case Move.PROGRESS:
            add_progress(session, actor, matter_id, v.get("text", ""))
        case Move.REQUEST_EXTENSION:
            request_extension(session, actor, matter_id, v.get("deadline"), v.get("text", ""))
        case Move.EXTEND:
            extend(session, actor, matter_id, v.get("deadline"), v.get("note", ""))
        case Move.REFUSE_EXTENSION:
            refuse_extension(session, actor, matter_id, v.get("text", ""))
        case Move.COMPLETE:
            complete(session, actor, matter_id, v.get("text", ""))
        case Move.FEEDBACK:
            feedback(
                session,
                actor,
                matter_id,
                v.get("method", ""),
                v.get("satisfaction"),
                v.get("text", ""),
            )
        case Move.REOPEN:
            reopen(session, actor, matter_id, v.get("text", ""))
        case Move.ARCHIVE:
            archive(session, actor, matter_id)
        case Move.REJECT:
            reject(session, actor, matter_id, v.get("text", ""), v.get("where", ""))
        case Move.TRANSFER:
            transfer(session, actor, matter_id, v.get("where", ""), v.get("text", ""))
        case Move.UPPER_RESULT:
            record_upper_result(session, actor, matter_id, v.get("on"), v.get("text", ""))
        case _:  # 当场解答 is given at registration, never on a matter's page
            raise ValidationError(f"这里不能{Move(move).label}。")
