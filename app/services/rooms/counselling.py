"""暖心工作室: clients, sessions with confidential notes, care plans, alerts, activities.

Only counsellors (``Action.COUNSELLING_NOTES``) see clients and notes, and only with the notes
key open (``notes_keys.unlock``): the admin and the director are refused here, not only by the
view. The director (``Action.COUNSELLING_OVERVIEW``) sees that a client exists, the risk level
and the follow-up status — who is at risk, since when, who is responsible — never the notes.

Confidential text is encrypted before it leaves this module (``notes_crypto``); search over it
happens in memory for a logged-in counsellor. Every opening of a client's notes writes an audit
row (who, when, which client); audit rows never carry the text.
"""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.core import clock
from app.core.errors import NotFound, ValidationError
from app.core.ops import Change, read_op, write_op
from app.models import (
    ActivityKind,
    CareFollowUp,
    CarePlan,
    CarePlanStatus,
    ClientSource,
    ConsentKind,
    CounsellingActivity,
    CounsellingClient,
    CounsellingReferral,
    CounsellingSession,
    Person,
    RiskLevel,
    Role,
    SessionForm,
    TargetGroup,
    User,
)
from app.models.base import now
from app.services.center.calendar import WorkCalendar
from app.services.center.settings import load_settings, save_settings
from app.services.context import Actor
from app.services.pinyin import name_keys
from app.services.security import audit
from app.services.security import notes_crypto as nc
from app.services.security.notes_keys import NotesKeyHandle, NotesLocked
from app.services.security.permissions import Action, allowed, require
from app.services.validation import validate_name, validate_phone, validate_text

if TYPE_CHECKING:  # ReportLab (0.3 s) is loaded when a referral is printed, not with the
    # room's risks that 指挥研判 reads on its first click (statistics._load_providers).
    from app.reports.referral import ReferralData

NOTES_MAX = 50_000
_RISK_ORDER = {r: i for i, r in enumerate(RiskLevel)}


# --- inputs and rows -----------------------------------------------------------------------


@dataclass
class ClientInput:
    target_group: TargetGroup
    source: ClientSource
    name: str = ""  # the real name (a Person is made or reused) …
    phone: str = ""
    person_id: uuid.UUID | None = None
    pseudonym: str = ""  # … or a pseudonym when the client asks
    use_pseudonym: bool = False


@dataclass(frozen=True)
class ClientRow:
    id: uuid.UUID
    label: str  # "小林（化名）" for a pseudonym
    is_pseudonym: bool
    target_group: TargetGroup
    source: ClientSource
    counsellor: str
    risk_level: RiskLevel
    risk_since: date
    sessions: int
    last_session: date | None
    next_appointment: datetime | None
    next_follow_up: date | None


@dataclass
class SessionInput:
    client_id: uuid.UUID
    held_on: date
    duration_minutes: int
    form: SessionForm
    risk_level: RiskLevel
    risk_basis: str
    notes: str = ""
    next_appointment: datetime | None = None


@dataclass(frozen=True)
class SessionView:
    id: uuid.UUID
    held_on: date
    counsellor: str
    duration_minutes: int
    form: SessionForm
    risk_level: RiskLevel
    risk_basis: str
    notes: str
    next_appointment: datetime | None
    updated_at: datetime


@dataclass
class PlanInput:
    client_id: uuid.UUID
    goals: str
    follower_id: uuid.UUID
    interval_days: int
    first_follow_up: date
    referral_to: str = ""


@dataclass(frozen=True)
class FollowUpView:
    done_on: date
    by: str
    note: str


@dataclass(frozen=True)
class PlanView:
    id: uuid.UUID
    goals: str
    follower: str
    interval_days: int
    next_follow_up: date | None
    referral_to: str
    status: CarePlanStatus
    outcome: str
    follow_ups: list[FollowUpView]


@dataclass(frozen=True)
class ClientFile:
    client: ClientRow
    sessions: list[SessionView]
    plans: list[PlanView]


@dataclass(frozen=True)
class DueFollowUp:
    plan_id: uuid.UUID
    client_id: uuid.UUID
    label: str
    due_on: date
    overdue: bool
    risk_level: RiskLevel


@dataclass(frozen=True)
class AlertRow:
    """What the director sees: who, since when, who is responsible, follow-up status."""

    client_id: uuid.UUID
    label: str
    risk_level: RiskLevel
    since: date
    counsellor: str
    follow_up: str
    # The last contact: the latest session or follow-up (None: none yet).
    last_contact: date | None = None
    days_since_contact: int | None = None

    @property
    def since_contact_text(self) -> str:
        """ "今天", "3天前", or "无联系记录"."""
        if self.days_since_contact is None:
            return "无联系记录"
        return "今天" if self.days_since_contact <= 0 else f"{self.days_since_contact}天前"


@dataclass(frozen=True)
class SearchHit:
    client_id: uuid.UUID
    label: str
    session_id: uuid.UUID
    held_on: date
    snippet: str


@dataclass
class ActivityInput:
    kind: ActivityKind
    held_on: date
    topic: str
    audience: str = ""
    attendance: int = 0
    partners: str = ""
    notes: str = ""


@dataclass(frozen=True)
class ActivityRow:
    id: uuid.UUID
    kind: ActivityKind
    held_on: date
    topic: str
    audience: str
    attendance: int
    partners: str


@dataclass
class ReferralInput:
    client_id: uuid.UUID
    to_body: str
    consent: ConsentKind | None
    consent_on: date | None
    session_ids: list[uuid.UUID] = field(default_factory=list)
    include_notes: bool = False
    include_risk: bool = True
    summary: str = ""  # the counsellor's own words for the receiving body
    reason: str = ""


# --- helpers -------------------------------------------------------------------------------


def _notes_actor(actor: Actor, handle: NotesKeyHandle | None) -> bytes:
    """The notes permission and an open key of the center's data key, or a refusal."""
    require(actor, Action.COUNSELLING_NOTES)
    if handle is None or not handle.is_open:
        raise NotesLocked()
    if handle.user_id is not None and handle.user_id != actor.user_id:
        raise NotesLocked("咨询记录密钥属于另一位用户，请重新输入您的密码打开。")
    return handle.material()


def _alg(session: Session) -> str:
    return nc.check_algorithm(load_settings(session).notes_algorithm)


def _owner(row) -> str | None:
    """Whom a sealed row belongs to, bound into its ciphertext: a session's or a care plan's
    client. A row moved to another client then fails to decrypt."""
    client_id = getattr(row, "client_id", None)
    return f"client:{client_id}" if client_id is not None else None


def _seal(session: Session, handle: NotesKeyHandle, key: bytes, row, table: str, **cols) -> None:
    alg = _alg(session)
    row.crypt_alg, row.key_id = alg, handle.key_id
    for col, text in cols.items():
        setattr(row, f"{col}_ct", nc.seal_text(alg, key, text, table, row.id, col, _owner(row)))


def _rebind(session: Session, handle: NotesKeyHandle, key: bytes, row, table: str, **cols) -> None:
    """A row written before the binding (version 1) is sealed again, bound to its client, once
    it has been read (``cols``: its texts just decrypted)."""
    if _owner(row) is None:
        return
    stored = {c: t for c, t in cols.items() if getattr(row, f"{c}_ct") is not None}
    if any(not nc.is_bound(getattr(row, f"{c}_ct")) for c in stored):
        _seal(session, handle, key, row, table, **stored)


def _open(row, key: bytes, handle: NotesKeyHandle, table: str, col: str) -> str:
    blob = getattr(row, f"{col}_ct")
    if blob is None:
        return ""
    if row.key_id != handle.key_id:
        raise nc.DecryptionFailed(
            "这条记录用另一把密钥加密，当前密钥无法打开（没有修改任何数据）。"
        )
    return nc.unseal_text(row.crypt_alg, key, blob, table, row.id, col, _owner(row))


def _names(session: Session) -> dict[uuid.UUID, str]:
    return dict(session.execute(select(User.id, User.display_name)).all())


def _label(client: CounsellingClient, person_name: str | None) -> str:
    if client.pseudonym:
        return f"{client.pseudonym}（化名）"
    return person_name or "（未填姓名）"


def _client(session: Session, client_id: uuid.UUID) -> CounsellingClient:
    client = session.get(CounsellingClient, client_id)
    if client is None:
        raise NotFound("找不到该来访者，可能已被修改，请刷新列表。")
    return client


def _client_rows(session: Session, where=None) -> list[ClientRow]:
    names = _names(session)
    last = (
        select(
            CounsellingSession.client_id,
            func.count(CounsellingSession.id).label("n"),
            func.max(CounsellingSession.held_on).label("last"),
            func.max(CounsellingSession.next_appointment).label("next"),
        )
        .group_by(CounsellingSession.client_id)
        .subquery()
    )
    follow = (
        select(CarePlan.client_id, func.min(CarePlan.next_follow_up).label("due"))
        .where(CarePlan.status == CarePlanStatus.ACTIVE)
        .group_by(CarePlan.client_id)
        .subquery()
    )
    q = (
        select(CounsellingClient, Person.name, last.c.n, last.c.last, last.c.next, follow.c.due)
        .outerjoin(Person, Person.id == CounsellingClient.person_id)
        .outerjoin(last, last.c.client_id == CounsellingClient.id)
        .outerjoin(follow, follow.c.client_id == CounsellingClient.id)
        .where(CounsellingClient.closed.is_(False))
        .order_by(CounsellingClient.created_at.desc())
    )
    if where is not None:
        q = q.where(where)
    rows = []
    for c, pname, n, last_on, nxt, due in session.execute(q):
        rows.append(
            ClientRow(
                c.id,
                _label(c, pname),
                bool(c.pseudonym),
                c.target_group,
                c.source,
                names.get(c.counsellor_id, ""),
                c.risk_level,
                c.risk_since,
                n or 0,
                last_on,
                nxt,
                due,
            )
        )
    return rows


# --- clients -------------------------------------------------------------------------------


@write_op(Change.COUNSELLING)
def register_client(session: Session, actor: Actor, data: ClientInput) -> uuid.UUID:
    require(actor, Action.COUNSELLING_NOTES)
    problems: dict[str, str] = {}
    try:
        group = TargetGroup(data.target_group)
    except ValueError:
        problems["target_group"] = "请选择来访者所属人群"
    try:
        source = ClientSource(data.source)
    except ValueError:
        problems["source"] = "请选择来访途径"
    person: Person | None = None
    pseudonym = None
    if data.use_pseudonym:
        try:
            pseudonym = validate_text(data.pseudonym, "pseudonym", "化名", max_len=30)
        except ValidationError as err:
            problems.update(err.fields)
    elif data.person_id is not None:
        person = session.get(Person, data.person_id)
        if person is None:
            problems["name"] = "所选群众已不存在，请重新选择"
    else:
        try:
            name = validate_name(data.name, "name")
            phone = validate_phone(data.phone) if data.phone.strip() else None
        except ValidationError as err:
            problems.update(err.fields)
        else:
            pinyin, initials = name_keys(name)
            person = Person(name=name, name_pinyin=pinyin, name_initials=initials, phone=phone)
            if phone:
                person.phone_tail = re.sub(r"\D", "", phone)[-4:] or None
            session.add(person)
    if problems:
        raise ValidationError(problems)
    session.flush()
    client = CounsellingClient(
        person_id=person.id if person else None,
        pseudonym=pseudonym,
        target_group=group,
        source=source,
        counsellor_id=actor.user_id,
        risk_level=RiskLevel.LOW,
        risk_since=clock.today(),
        closed=False,
        created_by=actor.user_id,
    )
    session.add(client)
    session.flush()
    audit.record(
        session,
        actor,
        "counselling_client_create",
        object_type="counselling_client",
        object_id=client.id,
    )
    return client.id


@read_op
def list_clients(session: Session, actor: Actor) -> list[ClientRow]:
    """Counsellors' list: names or pseudonyms, risk, appointments; no notes (none needed)."""
    require(actor, Action.COUNSELLING_NOTES)
    return _client_rows(session)


# --- sessions and notes --------------------------------------------------------------------


def _validate_session(data: SessionInput) -> None:
    problems: dict[str, str] = {}
    if not isinstance(data.held_on, date):
        problems["held_on"] = "请填写咨询日期"
    elif data.held_on > clock.today():
        problems["held_on"] = "咨询日期不能晚于今天"
    if not isinstance(data.duration_minutes, int) or not 1 <= data.duration_minutes <= 600:
        problems["duration"] = "时长应在 1–600 分钟之间"
    try:
        SessionForm(data.form)
    except ValueError:
        problems["form"] = "请选择咨询形式"
    try:
        risk = RiskLevel(data.risk_level)
    except ValueError:
        problems["risk_level"] = "请选择风险等级（低、中、高、危机）"
    else:
        if risk != RiskLevel.LOW and not (data.risk_basis or "").strip():
            problems["risk_basis"] = "风险等级为中及以上时，请写明判断依据"
    for key, value, label, limit in (
        ("risk_basis", data.risk_basis, "风险依据", 2000),
        ("notes", data.notes, "咨询记录", NOTES_MAX),
    ):
        if problem := _unsavable(value, label, limit):
            problems[key] = problem
    if (
        data.next_appointment is not None
        and isinstance(data.held_on, date)
        and data.next_appointment.date() < data.held_on
    ):
        problems["next_appointment"] = "下次预约不能早于本次咨询"
    if problems:
        raise ValidationError(problems)


def _unsavable(text: str | None, label: str, max_len: int) -> str | None:
    """Why confidential text cannot be kept as typed (it is encrypted whole, not stripped of
    control characters): too long, or half a surrogate pair that no encoding can hold."""
    text = text or ""
    if len(text) > max_len:
        return f"{label}最多 {max_len} 字，现有 {len(text)} 字"
    bad = next((c for c in text if "\ud800" <= c <= "\udfff"), None)
    if bad is not None:
        return (
            f"{label}里有无法保存的字符（U+{ord(bad):04X}，多为复制来的残缺表情或生僻字），"
            "请删除后重新输入"
        )
    return None


def _set_risk(client: CounsellingClient, level: RiskLevel, on: date) -> None:
    if client.risk_level != level:
        client.risk_level = level
        client.risk_since = on


@write_op(Change.COUNSELLING)
def record_session(
    session: Session, actor: Actor, handle: NotesKeyHandle | None, data: SessionInput
) -> uuid.UUID:
    key = _notes_actor(actor, handle)
    _validate_session(data)
    client = _client(session, data.client_id)
    latest = session.scalar(
        select(func.max(CounsellingSession.held_on)).where(
            CounsellingSession.client_id == client.id
        )
    )
    row = CounsellingSession(
        id=uuid.uuid4(),
        client_id=client.id,
        held_on=data.held_on,
        counsellor_id=actor.user_id,
        duration_minutes=data.duration_minutes,
        form=SessionForm(data.form),
        risk_level=RiskLevel(data.risk_level),
        next_appointment=data.next_appointment,
    )
    _seal(
        session,
        handle,
        key,
        row,
        "counselling_sessions",
        notes=data.notes or "",
        risk_basis=(data.risk_basis or "").strip(),
    )
    session.add(row)
    if latest is None:  # the first session sets the level and the day it was assessed
        client.risk_level, client.risk_since = row.risk_level, data.held_on
    elif data.held_on >= latest:
        _set_risk(client, row.risk_level, data.held_on)
    session.flush()
    audit.record(
        session,
        actor,
        "counselling_session_create",
        object_type="counselling_client",
        object_id=client.id,
    )
    return row.id


@write_op()  # notes show in no list: an autosave refreshes nothing
def save_notes(
    session: Session, actor: Actor, handle: NotesKeyHandle | None, session_id: uuid.UUID, notes: str
) -> datetime:
    """The notes editor saves as it goes: each save is encrypted afresh (new nonce)."""
    key = _notes_actor(actor, handle)
    row = session.get(CounsellingSession, session_id)
    if row is None:
        raise NotFound("找不到这次咨询记录，请刷新列表。")
    if problem := _unsavable(notes, "咨询记录", NOTES_MAX):
        raise ValidationError({"notes": problem})
    # Keep the risk basis under the same key and algorithm as the notes (one tag per row).
    basis = _open(row, key, handle, "counselling_sessions", "risk_basis")
    _seal(session, handle, key, row, "counselling_sessions", notes=notes or "", risk_basis=basis)
    row.updated_at = now()
    session.flush()
    audit.record(
        session,
        actor,
        "counselling_notes_save",
        object_type="counselling_session",
        object_id=row.id,
    )
    return row.updated_at


@write_op()
def open_client(
    session: Session, actor: Actor, handle: NotesKeyHandle | None, client_id: uuid.UUID
) -> ClientFile:
    """A client's file with the notes decrypted in memory; the opening is audited."""
    key = _notes_actor(actor, handle)
    client = _client(session, client_id)
    names = _names(session)
    sessions = []
    for s in session.scalars(
        select(CounsellingSession)
        .where(CounsellingSession.client_id == client.id)
        .order_by(CounsellingSession.held_on.desc(), CounsellingSession.created_at.desc())
    ):
        basis = _open(s, key, handle, "counselling_sessions", "risk_basis")
        notes = _open(s, key, handle, "counselling_sessions", "notes")
        _rebind(session, handle, key, s, "counselling_sessions", notes=notes, risk_basis=basis)
        sessions.append(
            SessionView(
                s.id,
                s.held_on,
                names.get(s.counsellor_id, ""),
                s.duration_minutes,
                s.form,
                s.risk_level,
                basis,
                notes,
                s.next_appointment,
                s.updated_at,
            )
        )
    plans = []
    for p in session.scalars(
        select(CarePlan).where(CarePlan.client_id == client.id).order_by(CarePlan.created_at)
    ):
        follow_ups = [
            FollowUpView(
                f.done_on, names.get(f.by_id, ""), _open(f, key, handle, "care_follow_ups", "note")
            )
            for f in session.scalars(
                select(CareFollowUp)
                .where(CareFollowUp.plan_id == p.id)
                .order_by(CareFollowUp.done_on)
            )
        ]
        goals = _open(p, key, handle, "care_plans", "goals")
        outcome = _open(p, key, handle, "care_plans", "outcome")
        _rebind(session, handle, key, p, "care_plans", goals=goals, outcome=outcome)
        plans.append(
            PlanView(
                p.id,
                goals,
                names.get(p.follower_id, ""),
                p.interval_days,
                p.next_follow_up,
                p.referral_to,
                p.status,
                outcome,
                follow_ups,
            )
        )
    row = _client_rows(session, CounsellingClient.id == client.id)
    audit.record(
        session,
        actor,
        "counselling_notes_open",
        object_type="counselling_client",
        object_id=client.id,
    )
    return ClientFile(row[0] if row else _closed_row(session, client, names), sessions, plans)


def _closed_row(session: Session, c: CounsellingClient, names) -> ClientRow:
    pname = session.get(Person, c.person_id).name if c.person_id else None
    return ClientRow(
        c.id,
        _label(c, pname),
        bool(c.pseudonym),
        c.target_group,
        c.source,
        names.get(c.counsellor_id, ""),
        c.risk_level,
        c.risk_since,
        0,
        None,
        None,
        None,
    )


@write_op()
def search_notes(
    session: Session, actor: Actor, handle: NotesKeyHandle | None, query: str
) -> list[SearchHit]:
    """Full text over the notes, decrypted in memory only (no index ever holds them)."""
    key = _notes_actor(actor, handle)
    q = (query or "").strip().lower()
    if not q:
        return []
    labels = {r.id: r.label for r in _client_rows(session)}
    hits = []
    for s in session.scalars(
        select(CounsellingSession).order_by(CounsellingSession.held_on.desc())
    ):
        if s.client_id not in labels:
            continue
        text = _open(s, key, handle, "counselling_sessions", "notes")
        pos = text.lower().find(q)
        if pos >= 0:
            start = max(0, pos - 15)
            snippet = ("…" if start else "") + text[start : pos + len(q) + 25].replace("\n", " ")
            hits.append(SearchHit(s.client_id, labels[s.client_id], s.id, s.held_on, snippet))
    audit.record(
        session,
        actor,
        "counselling_notes_search",
        object_type="counselling_client",
        reason=f"{len(hits)} hits",
    )
    for client_id in dict.fromkeys(h.client_id for h in hits):
        audit.record(
            session,
            actor,
            "counselling_notes_open",
            object_type="counselling_client",
            object_id=client_id,
            reason="search",
        )
    return hits


# --- care plans ----------------------------------------------------------------------------


@write_op(Change.COUNSELLING)
def create_care_plan(
    session: Session, actor: Actor, handle: NotesKeyHandle | None, data: PlanInput
) -> uuid.UUID:
    key = _notes_actor(actor, handle)
    client = _client(session, data.client_id)
    problems: dict[str, str] = {}
    try:
        goals = validate_text(data.goals, "goals", "帮扶目标", max_len=5000)
    except ValidationError as err:
        problems.update(err.fields)
    follower = session.get(User, data.follower_id) if data.follower_id else None
    if follower is None or not follower.active or follower.role != Role.COUNSELLOR:
        problems["follower"] = "请选择负责跟踪回访的心理咨询师"
    if not isinstance(data.interval_days, int) or not 1 <= data.interval_days <= 365:
        problems["interval_days"] = "回访间隔应在 1–365 天之间"
    if not isinstance(data.first_follow_up, date):
        problems["first_follow_up"] = "请填写首次回访日期"
    try:
        referral_to = validate_text(
            data.referral_to, "referral_to", "转介去向", required=False, max_len=255
        )
    except ValidationError as err:
        problems.update(err.fields)
    if problems:
        raise ValidationError(problems)
    plan = CarePlan(
        id=uuid.uuid4(),
        client_id=client.id,
        follower_id=follower.id,
        interval_days=data.interval_days,
        next_follow_up=data.first_follow_up,
        referral_to=referral_to,
        status=CarePlanStatus.ACTIVE,
    )
    _seal(session, handle, key, plan, "care_plans", goals=goals)
    session.add(plan)
    session.flush()
    audit.record(
        session, actor, "care_plan_create", object_type="counselling_client", object_id=client.id
    )
    return plan.id


def _plan(session: Session, plan_id: uuid.UUID) -> CarePlan:
    plan = session.get(CarePlan, plan_id)
    if plan is None:
        raise NotFound("找不到该帮扶计划，请刷新列表。")
    return plan


@write_op(Change.COUNSELLING)
def record_follow_up(
    session: Session,
    actor: Actor,
    handle: NotesKeyHandle | None,
    plan_id: uuid.UUID,
    done_on: date,
    note: str,
) -> date:
    """A follow-up done: recorded (encrypted) and the next one scheduled."""
    key = _notes_actor(actor, handle)
    plan = _plan(session, plan_id)
    if plan.status != CarePlanStatus.ACTIVE:
        raise ValidationError("该帮扶计划已结束，不能再记录回访。")
    note = validate_text(note, "note", "回访情况", max_len=5000)
    if not isinstance(done_on, date) or done_on > clock.today():
        raise ValidationError({"done_on": "回访日期不能晚于今天"})
    f = CareFollowUp(id=uuid.uuid4(), plan_id=plan.id, done_on=done_on, by_id=actor.user_id)
    _seal(session, handle, key, f, "care_follow_ups", note=note)
    session.add(f)
    plan.next_follow_up = done_on + timedelta(days=plan.interval_days)
    session.flush()
    audit.record(
        session, actor, "care_follow_up", object_type="counselling_client", object_id=plan.client_id
    )
    return plan.next_follow_up


@write_op(Change.COUNSELLING)
def close_care_plan(
    session: Session, actor: Actor, handle: NotesKeyHandle | None, plan_id: uuid.UUID, outcome: str
) -> None:
    key = _notes_actor(actor, handle)
    plan = _plan(session, plan_id)
    if plan.status != CarePlanStatus.ACTIVE:
        raise ValidationError("该帮扶计划已经结束。")
    outcome = validate_text(outcome, "outcome", "帮扶结果", max_len=5000)
    goals = _open(plan, key, handle, "care_plans", "goals")
    _seal(session, handle, key, plan, "care_plans", goals=goals, outcome=outcome)
    plan.status = CarePlanStatus.CLOSED
    plan.next_follow_up = None
    plan.closed_at = now()
    session.flush()
    audit.record(
        session,
        actor,
        "care_plan_close",
        object_type="counselling_client",
        object_id=plan.client_id,
    )


@read_op
def due_follow_ups(
    session: Session, actor: Actor, today: date | None = None, days_ahead: int = 7
) -> list[DueFollowUp]:
    """The counsellor's own follow-ups due within ``days_ahead`` days, overdue ones first."""
    require(actor, Action.COUNSELLING_NOTES)
    today = today or clock.today()
    q = (
        select(CarePlan, CounsellingClient, Person.name)
        .join(CounsellingClient, CounsellingClient.id == CarePlan.client_id)
        .outerjoin(Person, Person.id == CounsellingClient.person_id)
        .where(
            CarePlan.status == CarePlanStatus.ACTIVE,
            CarePlan.follower_id == actor.user_id,
            CarePlan.next_follow_up <= today + timedelta(days=days_ahead),
        )
        .order_by(CarePlan.next_follow_up)
    )
    return [
        DueFollowUp(
            p.id, c.id, _label(c, pname), p.next_follow_up, p.next_follow_up < today, c.risk_level
        )
        for p, c, pname in session.execute(q)
    ]


# --- what the director sees ----------------------------------------------------------------


def _follow_up_status(due: date | None, today: date) -> str:
    if due is None:
        return "未制定跟踪帮扶计划"
    if due < today:
        return f"回访已逾期 {(today - due).days} 天（应于 {due:%Y-%m-%d}）"
    return f"下次回访 {due:%Y-%m-%d}"


def _last_contacts(session: Session) -> dict[uuid.UUID, date]:
    """Each client's latest contact: a session held or a follow-up done."""
    out: dict[uuid.UUID, date] = {}
    held = select(CounsellingSession.client_id, func.max(CounsellingSession.held_on)).group_by(
        CounsellingSession.client_id
    )
    followed = (
        select(CarePlan.client_id, func.max(CareFollowUp.done_on))
        .join(CareFollowUp, CareFollowUp.plan_id == CarePlan.id)
        .group_by(CarePlan.client_id)
    )
    for q in (held, followed):
        for client_id, on in session.execute(q):
            if on is not None and (client_id not in out or on > out[client_id]):
                out[client_id] = on
    return out


def _alert_rows(session: Session, rows: list[ClientRow], today: date) -> list[AlertRow]:
    contacts = _last_contacts(session)
    out = []
    for r in rows:
        last = contacts.get(r.id)
        out.append(
            AlertRow(
                r.id,
                r.label,
                r.risk_level,
                r.risk_since,
                r.counsellor,
                _follow_up_status(r.next_follow_up, today),
                last,
                (today - last).days if last else None,
            )
        )
    return out


@read_op
def crisis_alerts(session: Session, actor: Actor, today: date | None = None) -> list[AlertRow]:
    """Clients at risk 高 or 危机, 危机 first: who, since when, who is responsible, how long
    since the last contact; never the notes."""
    require(actor, Action.COUNSELLING_OVERVIEW)
    today = today or clock.today()
    rows = [r for r in _client_rows(session) if r.risk_level.is_alert]
    rows.sort(key=lambda r: (-_RISK_ORDER[r.risk_level], r.risk_since))
    return _alert_rows(session, rows, today)


@read_op
def client_overview(session: Session, actor: Actor, today: date | None = None) -> list[AlertRow]:
    """Every open client for the director: exists, risk level, follow-up status."""
    require(actor, Action.COUNSELLING_OVERVIEW)
    today = today or clock.today()
    rows = sorted(_client_rows(session), key=lambda r: (-_RISK_ORDER[r.risk_level], r.label))
    return _alert_rows(session, rows, today)


@read_op
def crisis_contact_alert(session: Session, actor: Actor, today: date | None = None) -> str:
    """What the director is told on log-in: the 危机 clients with no contact (session or
    follow-up) for more than the center's ``crisis_contact_days``; empty when none (and for
    everyone but the director)."""
    if actor.role != Role.DIRECTOR or not allowed(actor, Action.COUNSELLING_OVERVIEW):
        return ""
    today = today or clock.today()
    days = load_settings(session).crisis_contact_days
    late = [
        a
        for a in crisis_alerts(session, actor, today)
        if a.risk_level == RiskLevel.CRISIS
        and (a.days_since_contact is None or a.days_since_contact > days)
    ]
    if not late:
        return ""

    def one(a: AlertRow) -> str:
        last = "无联系记录" if a.last_contact is None else f"上次联系{a.since_contact_text}"
        return f"{a.label}（{last}，{a.counsellor}负责）"

    who = "；".join(one(a) for a in late[:5])
    more = f"等{len(late)}名" if len(late) > 5 else ""
    return (
        f"暖心工作室：危机来访者已超过{days}天没有联系：{who}{more}。"
        "请督促责任咨询师尽快回访（详见 暖心工作室 → 风险预警）。"
    )


@write_op(Change.SETTINGS)
def set_crisis_contact_days(session: Session, actor: Actor, days: int) -> int:
    """The director sets after how many days without contact a 危机 client is raised."""
    if actor.role != Role.DIRECTOR:
        require(actor, Action.MANAGE_SETTINGS)
    if isinstance(days, bool) or not isinstance(days, int) or not 1 <= days <= 30:
        raise ValidationError({"crisis_contact_days": "未联系天数应在 1–30 天之间"})
    save_settings(session, crisis_contact_days=days)
    audit.record(session, actor, "settings_change", reason=f"crisis_contact_days={days}")
    return days


@read_op
def first_follow_up_default(
    session: Session, actor: Actor, client_id: uuid.UUID, today: date | None = None
) -> date:
    """The first follow-up a new care plan proposes: the next working day for a 危机 client,
    a week on otherwise."""
    require(actor, Action.COUNSELLING_NOTES)
    today = today or clock.today()
    if _client(session, client_id).risk_level == RiskLevel.CRISIS:
        return WorkCalendar.load(session).next_working_day(today)
    return today + timedelta(days=7)


# --- activities ----------------------------------------------------------------------------


@write_op(Change.COUNSELLING)
def record_activity(session: Session, actor: Actor, data: ActivityInput) -> uuid.UUID:
    require(actor, Action.COUNSELLING_NOTES)
    problems: dict[str, str] = {}
    try:
        kind = ActivityKind(data.kind)
    except ValueError:
        problems["kind"] = "请选择活动类型"
    if not isinstance(data.held_on, date):
        problems["held_on"] = "请填写活动日期"
    try:
        topic = validate_text(data.topic, "topic", "活动主题", max_len=120)
    except ValidationError as err:
        problems.update(err.fields)
    if not isinstance(data.attendance, int) or not 0 <= data.attendance <= 100_000:
        problems["attendance"] = "参加人数应为 0–100000 的整数"
    extra = {}
    for key, value, label, n in (
        ("audience", data.audience, "对象", 120),
        ("partners", data.partners, "合作单位", 120),
        ("notes", data.notes, "活动情况", 5000),
    ):
        try:
            extra[key] = validate_text(value, key, label, required=False, max_len=n)
        except ValidationError as err:
            problems.update(err.fields)
    if problems:
        raise ValidationError(problems)
    row = CounsellingActivity(
        kind=kind,
        held_on=data.held_on,
        topic=topic,
        attendance=data.attendance,
        **extra,
        created_by=actor.user_id,
    )
    session.add(row)
    session.flush()
    audit.record(
        session, actor, "counselling_activity", object_type="counselling_activity", object_id=row.id
    )
    return row.id


@read_op
def list_activities(session: Session, actor: Actor, year: int | None = None) -> list[ActivityRow]:
    require(actor, Action.COUNSELLING_OVERVIEW)
    q = select(CounsellingActivity).order_by(CounsellingActivity.held_on.desc())
    if year:
        q = q.where(
            CounsellingActivity.held_on >= date(year, 1, 1),
            CounsellingActivity.held_on < date(year + 1, 1, 1),
        )
    return [
        ActivityRow(a.id, a.kind, a.held_on, a.topic, a.audience, a.attendance, a.partners)
        for a in session.scalars(q)
    ]


# --- referral summary ----------------------------------------------------------------------


@write_op(Change.COUNSELLING)
def referral_summary(
    session: Session, actor: Actor, handle: NotesKeyHandle | None, data: ReferralInput
) -> ReferralData:
    """What a printed referral carries: only what the counsellor chose, with consent recorded."""
    from app.reports.referral import ReferralData, ReferralSession

    key = _notes_actor(actor, handle)
    client = _client(session, data.client_id)
    problems: dict[str, str] = {}
    try:
        to_body = validate_text(data.to_body, "to_body", "转介单位", max_len=120)
    except ValidationError as err:
        problems.update(err.fields)
    if data.consent is None:
        problems["consent"] = "请先取得来访者同意（书面或口头）并在此记录，才能打印转介摘要"
    if not isinstance(data.consent_on, date) or data.consent_on > clock.today():
        problems["consent_on"] = "请填写来访者同意的日期（不能晚于今天）"
    if len(data.summary or "") > 5000:
        problems["summary"] = "摘要最多 5000 字"
    if data.include_notes and not data.session_ids:
        problems["sessions"] = (
            "已勾选“附上所选咨询的记录内容”，但还没有选择哪几次咨询；请勾选要附上的咨询，"
            "或取消勾选附上记录内容"
        )
    if problems:
        raise ValidationError(problems)
    chosen = []
    for sid in data.session_ids:
        s = session.get(CounsellingSession, sid)
        if s is None or s.client_id != client.id:
            raise ValidationError({"sessions": "所选咨询记录不属于这位来访者，请重新选择"})
        chosen.append(s)
    chosen.sort(key=lambda s: s.held_on)
    names = _names(session)
    pname = session.get(Person, client.person_id).name if client.person_id else None
    ref = CounsellingReferral(
        client_id=client.id,
        to_body=to_body,
        consent=ConsentKind(data.consent),
        consent_on=data.consent_on,
        sessions_included=len(chosen),
        printed_by=actor.user_id,
    )
    session.add(ref)
    session.flush()
    audit.record(
        session,
        actor,
        "counselling_referral_print",
        object_type="counselling_client",
        object_id=client.id,
        reason=f"sessions={len(chosen)}",
    )
    settings = load_settings(session)
    return ReferralData(
        center_name=settings.center_name,
        center_phone=settings.center_phone,
        client_label=_label(client, pname),
        to_body=to_body,
        reason=(data.reason or "").strip(),
        summary=(data.summary or "").strip(),
        risk_level=client.risk_level.label if data.include_risk else "",
        sessions=[
            ReferralSession(
                s.held_on,
                s.form.label,
                s.duration_minutes,
                _open(s, key, handle, "counselling_sessions", "notes")
                if data.include_notes
                else "",
            )
            for s in chosen
        ],
        consent=ConsentKind(data.consent).label,
        consent_on=data.consent_on,
        counsellor=names.get(actor.user_id, actor.display_name),
        printed_at=ref.printed_at,
        reference=str(ref.id)[:8].upper(),
    )


@write_op(Change.COUNSELLING)
def referral_pdf(
    session: Session, actor: Actor, handle: NotesKeyHandle | None, data: ReferralInput
) -> bytes:
    """The printed 转介摘要, as every document is printed: through a service, which checks
    and records the referral and its audit row (``referral_summary``), then renders it."""
    from app.reports import referral as referral_document

    return referral_document.render(referral_summary(session, actor, handle, data))


# --- the command room's risk list (statistics) ---------------------------------------------


def _command_risks(session: Session, actor: Actor, today: date) -> list:
    from app.services.command.statistics import RiskItem
    from app.services.security.permissions import allowed

    if not allowed(actor, Action.COUNSELLING_OVERVIEW):
        return []
    alerts = crisis_alerts(session, actor, today)
    crisis = sum(a.risk_level == RiskLevel.CRISIS for a in alerts)
    if not alerts:
        return []
    return [
        RiskItem(
            ("crisis_alerts",),
            "危机预警",
            f"暖心工作室：{len(alerts)} 名来访者风险为高或危机（其中危机 {crisis} 名），"
            "名单见暖心工作室（不含谈话记录）",
            len(alerts),
        )
    ]


def _command_ids(session: Session, actor: Actor, key, today: date) -> list[uuid.UUID] | None:
    return [] if key and key[0] == "crisis_alerts" else None  # clients, not matters


def _register_with_command_room() -> None:
    from app.services.command.statistics import register_risk_provider

    register_risk_provider("crisis_alerts", _command_risks, _command_ids)


_register_with_command_room()
