"""工作例会、联席会议、调度会: records, minutes, decisions tracked to done, compliance.

Minutes go draft → issued. Issued minutes are frozen; a correction is a new version of the
same number, and the old one is kept (marked 已更正 once the new version is issued).
Decisions (议定事项) are tracked from issued minutes, like matters: due, overdue, closed.
"""

from __future__ import annotations

import uuid
from collections import Counter
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.core import clock
from app.core.errors import NotFound, PermissionDenied, ValidationError
from app.core.ops import Change, read_op, write_op
from app.models import (
    OPEN_STATUSES,
    AgendaItem,
    AttendanceKind,
    Category,
    Decision,
    DecisionStatus,
    Matter,
    MatterPerson,
    MatterStatus,
    Meeting,
    MeetingAttendee,
    MeetingKind,
    MeetingStatus,
    Unit,
    UnitKind,
)
from app.models.base import now
from app.reports.minutes import MinutesAttendee, MinutesData, MinutesDecision, MinutesItem
from app.services.center.calendar import WorkCalendar
from app.services.center.settings import load_settings, save_settings
from app.services.context import Actor
from app.services.reception.numbering import next_seq
from app.services.reception.sealed import seal_text, sealed_references
from app.services.security import audit
from app.services.security.permissions import Action, allowed, require
from app.services.validation import validate_text

DONE_STATUSES = {
    MatterStatus.DONE,
    MatterStatus.FED_BACK,
    MatterStatus.ARCHIVED,
    MatterStatus.ANSWERED,
}
DISPUTES = ("矛盾纠纷", "家事纠纷")
# What the figures draft leaves for the recorder; minutes still holding it are not issued.
PLACEHOLDER = "（请记录人根据会议讨论填写）"
UNKNOWN_VILLAGE = "未填村社区"


@dataclass
class AttendeeInput:
    name: str
    unit: str = ""
    attendance: AttendanceKind = AttendanceKind.PRESENT
    reason: str = ""


@dataclass
class ItemInput:
    title: str
    discussion: str = ""


@dataclass
class DecisionInput:
    content: str
    responsible: str
    deadline: date | None


@dataclass
class MeetingInput:
    kind: MeetingKind
    starts_at: datetime
    place: str = ""
    chair: str = ""
    recorder: str = ""
    title: str = ""
    situation: str = ""
    distribution: str = ""
    attendees: list[AttendeeInput] = field(default_factory=list)
    items: list[ItemInput] = field(default_factory=list)
    decisions: list[DecisionInput] = field(default_factory=list)


@dataclass(frozen=True)
class MeetingRef:
    id: uuid.UUID
    number: str
    version: int
    status: MeetingStatus


def default_title(center_name: str, kind: MeetingKind) -> str:
    return f"{center_name}{kind.label}"


def _clean(data: MeetingInput) -> MeetingInput:
    problems: dict[str, str] = {}

    def text(key, value, label, required=False, max_len=200):
        try:
            return validate_text(value, key, label, required=required, max_len=max_len)
        except ValidationError as err:
            problems.update(err.fields)
            return ""

    try:
        kind = MeetingKind(data.kind)
    except ValueError:
        problems["kind"] = "请选择会议类型（工作例会、联席会议或调度会）"
        kind = MeetingKind.WEEKLY
    if not isinstance(data.starts_at, datetime):
        problems["starts_at"] = "请填写会议时间"
    out = MeetingInput(
        kind=kind,
        starts_at=data.starts_at,
        place=text("place", data.place, "会议地点", max_len=120),
        chair=text("chair", data.chair, "主持人", required=True, max_len=64),
        recorder=text("recorder", data.recorder, "记录人", required=True, max_len=64),
        title=text("title", data.title, "会议名称", max_len=120),
        situation=text("situation", data.situation, "形势分析", max_len=20000),
        distribution=text("distribution", data.distribution, "分送", max_len=255),
    )
    for i, a in enumerate(data.attendees):
        name = text(f"attendees[{i}].name", a.name, f"第 {i + 1} 位参会人员姓名", True, 64)
        out.attendees.append(
            AttendeeInput(
                name,
                text(f"attendees[{i}].unit", a.unit, "单位", max_len=64),
                AttendanceKind(a.attendance),
                text(f"attendees[{i}].reason", a.reason, "请假原因", max_len=120),
            )
        )
    for i, it in enumerate(data.items):
        out.items.append(
            ItemInput(
                text(f"items[{i}].title", it.title, f"第 {i + 1} 个议题", True, 200),
                text(f"items[{i}].discussion", it.discussion, "讨论情况", max_len=20000),
            )
        )
    for i, d in enumerate(data.decisions):
        content = text(f"decisions[{i}].content", d.content, f"第 {i + 1} 项议定事项", True, 2000)
        who = text(f"decisions[{i}].responsible", d.responsible, "责任单位或责任人", True, 120)
        if d.deadline is None:
            problems[f"decisions[{i}].deadline"] = f"请填写第 {i + 1} 项议定事项的完成期限"
        out.decisions.append(DecisionInput(content, who, d.deadline))
    if problems:
        raise ValidationError(problems)
    return out


def _fill(m: Meeting, data: MeetingInput, center_name: str) -> None:
    m.kind = data.kind
    m.title = data.title or default_title(center_name, data.kind)
    m.starts_at = data.starts_at.replace(second=0, microsecond=0)
    m.place, m.chair, m.recorder = data.place, data.chair, data.recorder
    m.situation, m.distribution = data.situation, data.distribution
    m.updated_at = now()
    m.attendees.clear()
    m.items.clear()
    # A decision kept through an edit (same wording) keeps its row and its progress: saving a
    # draft, or the correction of issued minutes, must not set a done decision back to open.
    earlier: dict[str, list[Decision]] = {}
    for d in m.decisions:
        earlier.setdefault(d.content, []).append(d)
    kept: list[Decision] = []
    for i, d in enumerate(data.decisions):
        same = earlier.get(d.content)
        row = same.pop(0) if same else Decision(content=d.content, status=DecisionStatus.OPEN)
        row.position, row.responsible, row.deadline = i, d.responsible, d.deadline
        kept.append(row)
    m.decisions[:] = kept
    for i, a in enumerate(data.attendees):
        m.attendees.append(
            MeetingAttendee(
                position=i, name=a.name, unit=a.unit, attendance=a.attendance, reason=a.reason
            )
        )
    for i, it in enumerate(data.items):
        m.items.append(AgendaItem(position=i, title=it.title, discussion=it.discussion))


def _get(session: Session, meeting_id: uuid.UUID) -> Meeting:
    m = session.get(Meeting, meeting_id)
    if m is None:
        raise NotFound("找不到该会议记录，请刷新列表。")
    return m


def _ref(m: Meeting) -> MeetingRef:
    return MeetingRef(m.id, m.number, m.version, m.status)


@write_op(Change.MEETINGS)
def create_meeting(session: Session, actor: Actor, data: MeetingInput) -> MeetingRef:
    require(actor, Action.RECORD_MEETING)
    data = _clean(data)
    s = load_settings(session)
    year = data.starts_at.year
    seq = next_seq(session, f"{s.prefix}HY", year, s.terminal)
    m = Meeting(
        number=f"{s.prefix}HY{year}-{s.terminal}-{seq:03d}",
        version=1,
        status=MeetingStatus.DRAFT,
        created_by=actor.user_id,
    )
    _fill(m, data, s.center_name)
    session.add(m)
    session.flush()
    audit.record(
        session, actor, "meeting_create", object_type="meeting", object_id=m.id, reason=m.number
    )
    return _ref(m)


@write_op(Change.MEETINGS)
def save_meeting(
    session: Session, actor: Actor, meeting_id: uuid.UUID, data: MeetingInput
) -> MeetingRef:
    require(actor, Action.RECORD_MEETING)
    m = _get(session, meeting_id)
    if m.status != MeetingStatus.DRAFT:
        raise ValidationError("已印发的纪要不能修改；如需更正，请点“更正”生成新版本。")
    _fill(m, _clean(data), load_settings(session).center_name)
    session.flush()
    audit.record(session, actor, "meeting_save", object_type="meeting", object_id=m.id)
    return _ref(m)


def issue_problems(data: MeetingInput) -> dict[str, str]:
    """What stops minutes from being issued: the template's placeholder left in, or an empty
    required section (参会人员 with someone present, 议题及讨论 with the discussion written)."""
    problems: dict[str, str] = {}
    if PLACEHOLDER in data.situation:
        problems["situation"] = f"形势分析研判中还有“{PLACEHOLDER}”，请填写研判意见后再印发"
    if not any(a.attendance == AttendanceKind.PRESENT for a in data.attendees):
        problems["attendees"] = "参会人员还没有填写出席的人，请填写后再印发"
    if not data.items:
        problems["items"] = "议题及讨论还是空的，请至少填写一个议题后再印发"
    for i, it in enumerate(data.items):
        if PLACEHOLDER in it.title or PLACEHOLDER in it.discussion:
            problems[f"items[{i}].discussion"] = (
                f"第 {i + 1} 个议题中还有“{PLACEHOLDER}”，请填写后再印发"
            )
        elif not it.discussion.strip():
            problems[f"items[{i}].discussion"] = (
                f"第 {i + 1} 个议题“{it.title}”的讨论情况还是空的，请填写后再印发"
            )
    for i, d in enumerate(data.decisions):
        if PLACEHOLDER in d.content:
            problems[f"decisions[{i}].content"] = (
                f"第 {i + 1} 项议定事项中还有“{PLACEHOLDER}”，请填写后再印发"
            )
    return problems


def _as_input(m: Meeting) -> MeetingInput:
    return MeetingInput(
        kind=m.kind,
        starts_at=m.starts_at,
        place=m.place,
        chair=m.chair,
        recorder=m.recorder,
        title=m.title,
        situation=m.situation,
        distribution=m.distribution,
        attendees=[AttendeeInput(a.name, a.unit, a.attendance, a.reason) for a in m.attendees],
        items=[ItemInput(i.title, i.discussion) for i in m.items],
        decisions=[DecisionInput(d.content, d.responsible, d.deadline) for d in m.decisions],
    )


@write_op(Change.MEETINGS)
def issue_minutes(
    session: Session, actor: Actor, meeting_id: uuid.UUID, at: datetime | None = None
) -> MeetingRef:
    """Freeze the record; a corrected version replaces the one it corrects."""
    require(actor, Action.ISSUE_MINUTES)
    m = _get(session, meeting_id)
    if m.status != MeetingStatus.DRAFT:
        raise ValidationError("这份纪要已经印发过了。")
    problems = issue_problems(_as_input(m))
    if problems:
        raise ValidationError(problems)
    m.status = MeetingStatus.ISSUED
    m.issued_at = (at or now()).replace(microsecond=0)
    m.issued_by = actor.user_id
    if m.supersedes_id:
        old = session.get(Meeting, m.supersedes_id)
        old.status = MeetingStatus.SUPERSEDED
    session.flush()
    audit.record(
        session,
        actor,
        "minutes_issue",
        object_type="meeting",
        object_id=m.id,
        reason=f"{m.number} 第{m.version}版",
    )
    return _ref(m)


@write_op(Change.MEETINGS)
def save_and_issue(
    session: Session, actor: Actor, meeting_id: uuid.UUID, data: MeetingInput
) -> MeetingRef:
    """Issue what is on screen: the record is saved, then issued, in one transaction."""
    save_meeting(session, actor, meeting_id, data)
    return issue_minutes(session, actor, meeting_id)


@write_op(Change.MEETINGS)
def correct_minutes(session: Session, actor: Actor, meeting_id: uuid.UUID) -> MeetingRef:
    """A new draft version of issued minutes; the issued one stays as it was."""
    require(actor, Action.RECORD_MEETING)
    old = _get(session, meeting_id)
    _refuse_sealed(session, actor, old)
    if old.status != MeetingStatus.ISSUED:
        raise ValidationError("只有已印发的纪要需要更正；草稿可以直接修改。")
    pending = session.scalar(
        select(Meeting.id).where(
            Meeting.supersedes_id == old.id, Meeting.status == MeetingStatus.DRAFT
        )
    )
    if pending:
        raise ValidationError("这份纪要已有一个未印发的更正版本，请在那一版上修改。")
    new = Meeting(
        number=old.number,
        version=old.version + 1,
        supersedes_id=old.id,
        kind=old.kind,
        title=old.title,
        starts_at=old.starts_at,
        place=old.place,
        chair=old.chair,
        recorder=old.recorder,
        situation=old.situation,
        distribution=old.distribution,
        status=MeetingStatus.DRAFT,
        created_by=actor.user_id,
    )
    for a in old.attendees:
        new.attendees.append(
            MeetingAttendee(
                position=a.position,
                name=a.name,
                unit=a.unit,
                attendance=a.attendance,
                reason=a.reason,
            )
        )
    for it in old.items:
        new.items.append(AgendaItem(position=it.position, title=it.title, discussion=it.discussion))
    for d in old.decisions:  # progress on decisions carries over
        new.decisions.append(
            Decision(
                position=d.position,
                content=d.content,
                responsible=d.responsible,
                deadline=d.deadline,
                status=d.status,
                result=d.result,
                closed_at=d.closed_at,
                closed_by=d.closed_by,
            )
        )
    session.add(new)
    session.flush()
    audit.record(
        session,
        actor,
        "minutes_correct",
        object_type="meeting",
        object_id=new.id,
        reason=f"{new.number} 第{new.version}版",
    )
    return _ref(new)


# --- reading ----------------------------------------------------------------------------


@dataclass(frozen=True)
class MeetingRow:
    id: uuid.UUID
    number: str
    version: int
    kind: MeetingKind
    title: str
    starts_at: datetime
    status: MeetingStatus
    open_decisions: int


@read_op
def list_meetings(session: Session, actor: Actor) -> list[MeetingRow]:
    """Every version, newest meeting first (superseded versions stay visible, marked)."""
    require(actor, Action.VIEW_MEETINGS)
    open_counts = dict(
        session.execute(
            select(Decision.meeting_id, func.count())
            .where(Decision.status == DecisionStatus.OPEN)
            .group_by(Decision.meeting_id)
        ).all()
    )
    rows = session.scalars(
        select(Meeting).order_by(Meeting.starts_at.desc(), Meeting.number, Meeting.version.desc())
    )
    return [
        MeetingRow(
            m.id,
            m.number,
            m.version,
            m.kind,
            m.title,
            m.starts_at,
            m.status,
            open_counts.get(m.id, 0),
        )
        for m in rows
    ]


@read_op
def meeting_input(session: Session, actor: Actor, meeting_id: uuid.UUID) -> MeetingInput:
    """A meeting as editable input (for the editor). Issued minutes (shown read-only) are
    sealed like the minutes themselves where they name a sealed matter or case."""
    require(actor, Action.VIEW_MEETINGS)
    m = _get(session, meeting_id)
    data = _as_input(m)
    if not (refs := sealed_references(session, actor)):
        return data
    if m.status == MeetingStatus.DRAFT:  # editable: whole, or not at all
        _refuse_sealed(session, actor, m, refs)
        return data
    items = [_sealed_item(i.title, i.discussion, refs) for i in data.items]
    return replace(
        data,
        situation=seal_text(data.situation, refs),
        items=[ItemInput(i.title, i.discussion) for i in items],
        decisions=[replace(d, content=seal_text(d.content, refs)) for d in data.decisions],
    )


@read_op
def find_meeting(session: Session, actor: Actor, number: str) -> uuid.UUID:
    """The current version of a numbered meeting: the newest issued, else the draft."""
    require(actor, Action.VIEW_MEETINGS)
    versions = list(
        session.scalars(
            select(Meeting)
            .where(Meeting.number == number.strip().upper())
            .order_by(Meeting.version.desc())
        )
    )
    if not versions:
        raise NotFound(f"找不到编号为“{number.strip()}”的会议，请核对编号。")
    issued = [m for m in versions if m.status == MeetingStatus.ISSUED]
    return (issued or versions)[0].id


# --- decisions --------------------------------------------------------------------------


@dataclass(frozen=True)
class DecisionRow:
    id: uuid.UUID
    meeting_number: str
    meeting_date: date
    content: str
    responsible: str
    deadline: date
    status: DecisionStatus
    result: str
    closed_on: date | None = None

    def overdue(self, today: date) -> bool:
        return self.status == DecisionStatus.OPEN and self.deadline < today

    def due_soon(self, today: date, days: int = 3) -> bool:
        return self.status == DecisionStatus.OPEN and today <= self.deadline <= today + timedelta(
            days=days
        )


@read_op
def decisions(
    session: Session, actor: Actor, *, only_open: bool = True, before: datetime | None = None
) -> list[DecisionRow]:
    """Decisions of issued minutes (the current versions), oldest deadline first.

    ``before``: only those of meetings held before then (a meeting reviews earlier ones).
    """
    require(actor, Action.VIEW_MEETINGS)
    q = (
        select(Decision, Meeting.number, Meeting.starts_at)
        .join(Meeting, Meeting.id == Decision.meeting_id)
        .where(Meeting.status == MeetingStatus.ISSUED)
        .order_by(Decision.deadline, Meeting.number, Decision.position)
    )
    if only_open:
        q = q.where(Decision.status == DecisionStatus.OPEN)
    if before is not None:
        q = q.where(Meeting.starts_at < before)
    refs = sealed_references(session, actor)  # a decision about a sealed matter: sealed
    found = session.execute(q).all()
    sealed = {}
    for d, _n, _s in found:
        both = d.content + "\n" + (d.result or "")
        if (line := seal_text(both, refs)) != both:
            sealed[d.id] = line
    return [
        DecisionRow(
            d.id,
            number,
            starts.date(),
            sealed.get(d.id, d.content),
            d.responsible,
            d.deadline,
            d.status,
            "" if d.id in sealed else d.result or "",
            d.closed_at.date() if d.closed_at else None,
        )
        for d, number, starts in found
    ]


@write_op(Change.MEETINGS)
def close_decision(
    session: Session, actor: Actor, decision_id: uuid.UUID, result: str, at: datetime | None = None
) -> None:
    require(actor, Action.CLOSE_DECISION)
    d = session.get(Decision, decision_id)
    if d is None:
        raise NotFound("找不到该议定事项，请刷新列表。")
    if d.meeting.status != MeetingStatus.ISSUED:
        raise ValidationError("纪要印发后才能办结其中的议定事项。")
    if d.status == DecisionStatus.DONE:
        raise ValidationError("该议定事项已经办结。")
    d.result = validate_text(result, "result", "办理结果", required=True, max_len=2000)
    d.status = DecisionStatus.DONE
    d.closed_at = (at or now()).replace(microsecond=0)
    d.closed_by = actor.user_id
    session.flush()
    audit.record(session, actor, "decision_close", object_type="decision", object_id=d.id)


# --- the period's figures, and whether every meeting was held ---------------------------


@dataclass(frozen=True)
class FiguresDraft:
    since: date
    until: date
    total: int
    by_category: list[tuple[str, int]]
    by_village: list[tuple[str, int]]
    disputes: int
    disputes_resolved: int
    overdue: int
    group_matters: int
    repeat_visitors: int

    def as_text(self) -> str:
        """A draft of the situation analysis for the recorder to edit. Numbers are written
        without spaces ("5件"), as in the rest of the minutes; every matter of the period is in
        the by-village list, those without a village as "未填村社区 N件"."""
        period = f"{self.since.month}月{self.since.day}日至{self.until.month}月{self.until.day}日"
        cats = "，".join(f"{n}{c}件" for n, c in self.by_category if c) or "无"
        vills = "，".join(f"{n}{c}件" for n, c in self.by_village if c) or "无"
        rate = f"{self.disputes_resolved * 100 // self.disputes}%" if self.disputes else "—"
        return (
            f"{period}，中心共受理群众诉求{self.total}件。按类别：{cats}。\n"
            f"按村（社区）：{vills}。\n"
            f"矛盾纠纷（含家事纠纷）{self.disputes}件，已化解{self.disputes_resolved}件，"
            f"化解率{rate}。\n"
            f"目前超期未办结{self.overdue}件；群体性事项{self.group_matters}件；"
            f"重复来访群众{self.repeat_visitors}人。\n"
            f"研判意见：{PLACEHOLDER}"
        )


@read_op
def last_meeting_date(session: Session) -> date | None:
    last = session.scalar(select(func.max(Meeting.starts_at)))
    return last.date() if last else None


@read_op
def figures_draft(
    session: Session, actor: Actor, since: date, until: date, today: date | None = None
) -> FiguresDraft:
    """Figures for [since, until] inclusive; 'overdue' is as of ``today``."""
    require(actor, Action.RECORD_MEETING)
    today = today or clock.today()
    start = datetime.combine(since, datetime.min.time())
    end = datetime.combine(until + timedelta(days=1), datetime.min.time())
    in_period = (Matter.received_at >= start, Matter.received_at < end)
    by_cat = dict(
        session.execute(
            select(Category.name, func.count())
            .join(Matter, Matter.category_id == Category.id)
            .where(*in_period)
            .group_by(Category.name)
        ).all()
    )
    cats = [
        (name, by_cat.get(name, 0))
        for name in session.scalars(select(Category.name).order_by(Category.sort))
    ]
    # Each matter once, under the village it was registered with (its first person's).
    villages: Counter[str] = Counter()
    for name, n in session.execute(
        select(Matter.village_name, func.count()).where(*in_period).group_by(Matter.village_name)
    ):
        villages[(name or "").strip() or UNKNOWN_VILLAGE] += n
    unknown = villages.pop(UNKNOWN_VILLAGE, 0)
    by_village = villages.most_common() + ([(UNKNOWN_VILLAGE, unknown)] if unknown else [])
    dispute_rows = (
        session.execute(
            select(Matter.status)
            .join(Category, Category.id == Matter.category_id)
            .where(*in_period, Category.name.in_(DISPUTES))
        )
        .scalars()
        .all()
    )
    overdue = (
        session.scalar(
            select(func.count())
            .select_from(Matter)
            .where(Matter.status.in_(list(OPEN_STATUSES)), Matter.deadline < today)
        )
        or 0
    )
    group = (
        session.scalar(
            select(func.count()).select_from(Matter).where(*in_period, Matter.is_group.is_(True))
        )
        or 0
    )
    visits = session.execute(
        select(MatterPerson.person_id, func.count())
        .join(Matter, Matter.id == MatterPerson.matter_id)
        .where(*in_period)
        .group_by(MatterPerson.person_id)
        .having(func.count() > 1)
    ).all()
    return FiguresDraft(
        since,
        until,
        sum(by_cat.values()),
        cats,
        by_village,
        len(dispute_rows),
        sum(1 for s in dispute_rows if s in DONE_STATUSES),
        overdue,
        group,
        len(visits),
    )


HELD, MISSING, NOT_DUE, EXCUSED = "已召开", "未召开", "未到期", "节假日免开"


@dataclass(frozen=True)
class Compliance:
    # Monday of each ISO week and whether it had its 工作例会: 已召开, 未召开, 未到期 (the week
    # is not over) or 节假日免开 (a holiday week: fewer than 3 working days Monday to Friday).
    weeks: list[tuple[date, str]]
    # year, month and whether it had a 联席会议 the required stationed units attended.
    months: list[tuple[int, int, str]]
    # A joint meeting that did not count, and which required units were absent.
    joint_short: list[tuple[date, list[str]]] = field(default_factory=list)

    @property
    def missing(self) -> list[str]:
        out = [
            f"{w.year}年第{w.isocalendar()[1]}周（{w.month}月{w.day}日起）未开工作例会"
            for w, state in self.weeks
            if state == MISSING
        ]
        out += [f"{y}年{m}月未开联席会议" for y, m, state in self.months if state == MISSING]
        return out


def _unit_names(session: Session) -> dict[str, str]:
    """Every way an attendee's unit may be written (name, short name) → the unit's name."""
    out: dict[str, str] = {}
    for name, short, kind in session.execute(select(Unit.name, Unit.short_name, Unit.kind)):
        if kind == UnitKind.STATIONED:
            out[name] = name
            if short:
                out.setdefault(short, name)
    return out


def joint_absent_units(
    attended: set[str], required: list[str], stationed: dict[str, str]
) -> list[str]:
    """Which required units did not attend (by name or short name); with none required, a
    meeting without any stationed unit lacks "派驻单位"."""
    present = {stationed.get(u, u) for u in attended}
    if required:
        return [u for u in required if u not in present and u not in attended]
    if not any(u in stationed for u in attended):
        return ["派驻单位"]
    return []


@read_op
def compliance(
    session: Session, actor: Actor, since: date, until: date, today: date | None = None
) -> Compliance:
    """Whether every week had its weekly meeting and every month its joint meeting."""
    require(actor, Action.VIEW_MEETINGS)
    today = today or clock.today()
    held = session.scalars(
        select(Meeting).where(
            Meeting.status != MeetingStatus.SUPERSEDED,
            Meeting.kind.in_([MeetingKind.WEEKLY, MeetingKind.JOINT]),
            Meeting.starts_at >= datetime.combine(since - timedelta(days=7), datetime.min.time()),
            Meeting.starts_at < datetime.combine(until + timedelta(days=1), datetime.min.time()),
        )
    ).all()
    weekly = {m.starts_at.date().isocalendar()[:2] for m in held if m.kind == MeetingKind.WEEKLY}
    required = [u.strip() for u in load_settings(session).joint_required_units if u.strip()]
    stationed = _unit_names(session)
    joint: set[tuple[int, int]] = set()
    short: list[tuple[date, list[str]]] = []
    for m in held:
        if m.kind != MeetingKind.JOINT:
            continue
        attended = {a.unit.strip() for a in m.attendees if a.attendance == AttendanceKind.PRESENT}
        absent = joint_absent_units(attended, required, stationed)
        if absent:
            short.append((m.starts_at.date(), absent))
        else:
            joint.add((m.starts_at.year, m.starts_at.month))
    cal = WorkCalendar.load(session)
    weeks = []
    monday = since - timedelta(days=since.weekday())
    while monday <= until:
        if monday.isocalendar()[:2] in weekly:
            state = HELD
        elif monday + timedelta(days=6) >= today:
            state = NOT_DUE
        elif cal.is_holiday_week(monday):
            state = EXCUSED
        else:
            state = MISSING
        weeks.append((monday, state))
        monday += timedelta(days=7)
    months = []
    y, m = since.year, since.month
    while (y, m) <= (until.year, until.month):
        if (y, m) in joint:
            state = HELD
        elif (y, m) >= (today.year, today.month):
            state = NOT_DUE
        else:
            state = MISSING
        months.append((y, m, state))
        y, m = (y + 1, 1) if m == 12 else (y, m + 1)
    return Compliance(weeks, months, sorted(short))


@read_op
def joint_required_units(session: Session, actor: Actor) -> tuple[list[str], list[str]]:
    """The stationed units required at a 联席会议, and every active stationed unit to choose
    from (names from 中心资料)."""
    require(actor, Action.VIEW_MEETINGS)
    units = list(
        session.scalars(
            select(Unit.name)
            .where(Unit.kind == UnitKind.STATIONED, Unit.active.is_(True))
            .order_by(Unit.sort, Unit.name)
        )
    )
    return list(load_settings(session).joint_required_units), units


@write_op(Change.SETTINGS)
def set_joint_required_units(session: Session, actor: Actor, names: list[str]) -> list[str]:
    """The director (or the admin) sets which stationed units a 联席会议 must have present."""
    if not (allowed(actor, Action.ISSUE_MINUTES) or allowed(actor, Action.MANAGE_SETTINGS)):
        require(actor, Action.ISSUE_MINUTES)
    known = set(session.scalars(select(Unit.name).where(Unit.kind == UnitKind.STATIONED)))
    cleaned: list[str] = []
    for n in names:
        n = (n or "").strip()
        if not n or n in cleaned:
            continue
        if n not in known:
            raise ValidationError({"units": f"“{n}”不是中心资料里的派驻单位，请从列表中选择"})
        cleaned.append(n)
    save_settings(session, joint_required_units=tuple(cleaned))
    audit.record(
        session, actor, "settings_change", reason="joint_required_units=" + "、".join(cleaned)
    )
    return cleaned


# --- printing ---------------------------------------------------------------------------


def _refuse_sealed(
    session: Session, actor: Actor, m: Meeting, refs: dict[str, str] | None = None
) -> None:
    """Editing (or correcting) a record that names a sealed matter or case is for the room."""
    refs = sealed_references(session, actor) if refs is None else refs
    texts = [m.situation] + [i.title + i.discussion for i in m.items]
    texts += [d.content + (d.result or "") for d in m.decisions]
    for text in texts:
        if (line := seal_text(text, refs)) != text:
            raise PermissionDenied(
                f"这份会议记录{line.split('：', 1)[0]}，内容仅该室可见："
                "请由主任或该室人员打开和修改。"
            )


def _sealed_item(title: str, discussion: str, refs: dict[str, str]) -> MinutesItem:
    """An agenda item naming a sealed matter (in its title or its discussion): both sealed."""
    both = title + "\n" + discussion
    line = seal_text(both, refs)
    if line == both:
        return MinutesItem(title, discussion)
    return MinutesItem(line.split("：", 1)[0], line)


@read_op
def minutes_data(session: Session, actor: Actor, meeting_id: uuid.UUID) -> MinutesData:
    require(actor, Action.VIEW_MEETINGS)
    m = _get(session, meeting_id)
    s = load_settings(session)
    refs = sealed_references(session, actor)  # what names a sealed matter or case: sealed
    return MinutesData(
        center_name=s.center_name,
        kind=m.kind.label,
        is_minutes=m.kind != MeetingKind.WEEKLY,
        title=m.title,
        number=m.number,
        version=m.version,
        issued=m.status != MeetingStatus.DRAFT,
        starts_at=m.starts_at,
        place=m.place,
        chair=m.chair,
        recorder=m.recorder,
        situation=seal_text(m.situation, refs),
        items=[_sealed_item(i.title, i.discussion, refs) for i in m.items],
        decisions=[
            MinutesDecision(seal_text(d.content, refs), d.responsible, d.deadline)
            for d in m.decisions
        ],
        attendees=[
            MinutesAttendee(a.name, a.unit, a.attendance.label, a.reason) for a in m.attendees
        ],
        distribution=m.distribution,
        issued_on=m.issued_at.date() if m.issued_at else None,
    )


@write_op()
def minutes_pdf(session: Session, actor: Actor, meeting_id: uuid.UUID) -> tuple[str, bytes]:
    from app.reports.minutes import render_minutes

    data = minutes_data(session, actor, meeting_id)
    pdf = render_minutes(data)
    audit.record(session, actor, "minutes_print", object_type="meeting", object_id=meeting_id)
    return data.number, pdf
