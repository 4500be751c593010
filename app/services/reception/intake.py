"""群众接待窗口: register a visit, letter or call; find earlier visits; list and search matters.

A registration is validated whole before anything is written, and written in one transaction
(number, persons, matter, timeline, audit row), so a refused or failed registration leaves
nothing behind and uses up no number.
"""

from __future__ import annotations

import functools
import math
import re
import unicodedata
import uuid
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import (
    Select,
    and_,
    bindparam,
    distinct,
    func,
    literal,
    literal_column,
    not_,
    or_,
    select,
    text,
    union,
)
from sqlalchemy.orm import Session, aliased

from app.core import clock, text_search, visitor_keys
from app.core.errors import PermissionDenied, ValidationError
from app.core.ops import Change, read_op, write_op
from app.core.portable import (
    contains,
    contains_ci,
    exists_per_row,
    prefix_match,
    rows_estimated,
    serial_plans,
)
from app.models import (
    OPEN_STATUSES,
    Category,
    Channel,
    EventKind,
    Grid,
    Matter,
    MatterPerson,
    MatterStatus,
    Person,
    Unit,
)
from app.models import tallies as tally
from app.models.base import now
from app.models.tallies import MatterTally
from app.services.center.calendar import WorkCalendar
from app.services.center.grids import grid_scope
from app.services.center.settings import load_settings
from app.services.context import Actor
from app.services.idcard.card import NATIONS as CARD_NATIONS_BY_CODE
from app.services.pinyin import clean_typed_pinyin, person_keys, pinyin_keys
from app.services.reception import flow, linkage, petitions, timeline
from app.services.reception.numbering import format_number, next_seq
from app.services.reception.sealed import sealed_condition, sealed_lines
from app.services.security.permissions import Action, allowed, require
from app.services.validation import (
    char_len,
    id_number_info,
    normalize_ethnicity,
    validate_id_number,
    validate_name,
    validate_phone,
    validate_text,
)

SUMMARY_MAX = 2000
ANSWER_MAX = 2000
ADDRESS_MAX = 120
CARD_NATIONS = frozenset(CARD_NATIONS_BY_CODE.values())  # the 56, 其他, 外国血统中国籍人士
MAX_VISITORS = 50


# --- input ------------------------------------------------------------------------------


@dataclass
class VisitorInput:
    name: str
    id_number: str = ""
    phone: str = ""
    address: str = ""
    village_id: uuid.UUID | None = None
    # Typed by hand for a name pypinyin cannot read whole (王𠮷: "wang ji"); empty: pypinyin's.
    pinyin: str = ""
    # 性别 (男/女), 民族, 出生日期: from the card or typed; for an ID number, sex and birth date
    # left empty are taken from it.
    sex: str = ""
    nation: str = ""
    birth: date | None = None
    # Read from the card only: 签发机关, 有效期限 (valid_until None: 长期) and the photo (stored,
    # sealed, only while the setting store_card_photo is on).
    authority: str = ""
    valid_from: date | None = None
    valid_until: date | None = None
    card_photo: bytes = field(default=b"", repr=False)


@dataclass
class IntakeInput:
    channel: Channel
    visitors: list[VisitorInput]
    category_id: uuid.UUID | None
    summary: str
    unit_id: uuid.UUID | None = None
    handler_name: str = ""
    is_group: bool = False
    head_count: int | None = None
    # Filled for 当场解答: the consultation is answered and closed in the same step.
    answer: str | None = None
    # A handler with an account: routed to them, or to their B while they are away (AB岗).
    handler_user_id: uuid.UUID | None = None
    # 网格: the grid the matter arose in (of the first visitor's village); for 网格上报 the
    # reporting 网格员 (the grid's when left empty) and the key of the report row it came from.
    grid_id: uuid.UUID | None = None
    grid_reporter: str = ""
    grid_report_key: str | None = None


@dataclass(frozen=True)
class Registered:
    id: uuid.UUID
    number: str
    status: MatterStatus
    deadline: date
    deadline_text: str
    calendar_warning: str | None


@read_op
def validate_intake(session: Session, data: IntakeInput) -> IntakeInput:
    """Check everything, collecting every problem; return cleaned input or raise."""
    problems: dict[str, str] = {}
    clean_visitors: list[VisitorInput] = []

    def check(key: str, fn, *args, **kwargs):
        try:
            return fn(*args, **kwargs)
        except ValidationError as err:
            problems[key] = next(iter(err.fields.values()))
            return None

    try:
        channel = Channel(data.channel)
    except ValueError:
        problems["channel"] = "请选择来源渠道（来访、来信、来电等）"
        channel = None
    if not data.visitors:
        problems["visitors"] = "请至少填写一位来访群众的姓名"
    if len(data.visitors) > MAX_VISITORS:
        problems["visitors"] = f"一次最多登记 {MAX_VISITORS} 位群众，人数较多请勾选“群体性”并填人数"
    seen_ids: set[str] = set()
    for i, v in enumerate(data.visitors):
        p = f"visitors[{i}]."
        who = f"第 {i + 1} 位群众" if len(data.visitors) > 1 else ""
        name = check(p + "name", validate_name, v.name)
        id_number = (
            check(p + "id_number", validate_id_number, v.id_number) if v.id_number.strip() else ""
        )
        phone = check(p + "phone", validate_phone, v.phone) if v.phone.strip() else ""
        address = check(
            p + "address",
            validate_text,
            v.address,
            p + "address",
            "住址",
            required=False,
            max_len=ADDRESS_MAX,
        )
        if id_number and id_number in seen_ids:
            problems[p + "id_number"] = "同一身份证号填了两次，请删除重复的一位"
        if id_number:
            seen_ids.add(id_number)
        typed = clean_typed_pinyin(v.pinyin)
        if "?" in v.pinyin or "？" in v.pinyin:
            problems[p + "pinyin"] = "请把拼音里的 ? 换成那个字的读音（或清空拼音）"
        elif v.pinyin.strip() and not typed:
            problems[p + "pinyin"] = "拼音只能填字母，音节间用空格，如 wang ji"
        elif len(typed) > 120:
            problems[p + "pinyin"] = "拼音太长，请核对"
        sex, nation, birth = _card_facts(v, id_number or "", p, problems)
        authority = check(
            p + "authority",
            validate_text,
            v.authority,
            p + "authority",
            "签发机关",
            required=False,
            max_len=64,
        )
        keys = ("name", "id_number", "phone", "address", "pinyin", "sex", "nation", "birth")
        if who:
            for key in (p + k for k in (*keys, "authority")):
                if key in problems:
                    problems[key] = f"{who}：{problems[key]}"
        clean_visitors.append(
            VisitorInput(
                name or "",
                id_number or "",
                phone or "",
                address or "",
                v.village_id,
                typed,
                sex=sex,
                nation=nation,
                birth=birth,
                authority=authority or "",
                valid_from=v.valid_from,
                valid_until=v.valid_until,
                card_photo=v.card_photo,
            )
        )
    category = session.get(Category, data.category_id) if data.category_id else None
    if category is None:
        problems["category"] = "请选择事项类别"
    summary = check(
        "summary",
        validate_text,
        data.summary,
        "summary",
        "事项摘要",
        required=True,
        max_len=SUMMARY_MAX,
    )
    answer = None
    if data.answer is not None:
        answer = check(
            "answer",
            validate_text,
            data.answer,
            "answer",
            "解答内容",
            required=True,
            max_len=ANSWER_MAX,
        )
    unit_id = data.unit_id
    if unit_id is not None and session.get(Unit, unit_id) is None:
        problems["unit"] = "所选承办单位已不存在，请重新选择"
    if answer is None and unit_id is None and category is not None:
        unit_id = category.default_unit_id
    handler = check(
        "handler",
        validate_text,
        data.handler_name,
        "handler",
        "承办人",
        required=False,
        max_len=30,
    )
    grid = session.get(Grid, data.grid_id) if data.grid_id else None
    if data.grid_id and grid is None:
        problems["grid"] = "所选网格已不存在，请重新选择"
    elif grid is not None:
        village_id = next((v.village_id for v in clean_visitors if v.village_id), None)
        if village_id is not None and grid.village_id != village_id:
            problems["grid"] = "所选网格不属于来访群众所在的村社区，请重新选择网格"
        elif not grid.active:
            problems["grid"] = f"网格“{grid.name}”已停用，请选择在用的网格"
        elif village_id is None:  # the grid says the village
            for v in clean_visitors[:1]:
                v.village_id = grid.village_id
    reporter = check(
        "grid_reporter",
        validate_text,
        data.grid_reporter or "",
        "grid_reporter",
        "上报网格员",
        required=False,
        max_len=64,
    )
    if channel == Channel.GRID and grid is not None and not reporter:
        reporter = grid.worker_name
    head_count = data.head_count
    if data.is_group and (head_count is None or head_count < 2):
        problems["head_count"] = "群体性事项请填写人数（至少 2 人）"
    if head_count is not None and head_count > 100000:
        problems["head_count"] = "人数不合理，请核对"
    if problems:
        raise ValidationError(problems)
    return IntakeInput(
        channel=channel,
        visitors=clean_visitors,
        category_id=category.id,
        summary=summary,
        unit_id=unit_id,
        handler_name=handler or "",
        is_group=data.is_group,
        head_count=head_count if data.is_group else None,
        answer=answer,
        handler_user_id=data.handler_user_id,
        grid_id=grid.id if grid is not None else None,
        grid_reporter=(reporter or "") if channel == Channel.GRID else "",
        grid_report_key=data.grid_report_key,
    )


def _card_facts(
    v: VisitorInput, id_number: str, p: str, problems: dict[str, str]
) -> tuple[str, str, date | None]:
    """性别, 民族, 出生日期 checked; sex and birth date left empty are the ID number's."""
    sex = (v.sex or "").strip()
    if sex not in ("", "男", "女"):
        problems[p + "sex"] = "性别只能是“男”或“女”"
    nation = normalize_ethnicity(v.nation)
    if nation is None and v.nation.strip() in CARD_NATIONS:  # 其他, 外国血统中国籍人士
        nation = v.nation.strip()
    if nation is None:
        problems[p + "nation"] = f"民族“{v.nation.strip()}”不是 56 个民族之一，请从列表中选择"
        nation = ""
    birth = v.birth
    if birth is not None and birth > clock.today():
        problems[p + "birth"] = "出生日期不能晚于今天"
    if id_number:
        born, by_number = id_number_info(id_number)
        sex = sex or by_number
        birth = birth or born
    return sex, nation, birth


def _person_for(session: Session, v: VisitorInput) -> Person:
    """Reuse the person with the same ID number, so repeat visits are linked."""
    person = None
    if v.id_number:
        person = session.scalar(select(Person).where(Person.id_number == v.id_number).limit(1))
    if person is None:
        person = Person(name=v.name, id_number=v.id_number or None)
        session.add(person)
    if v.pinyin:
        person.name_pinyin_typed = v.pinyin
    elif person.name != v.name:  # a pinyin typed for another name no longer fits
        person.name_pinyin_typed = None
    person.name = v.name
    person.name_pinyin, person.name_initials = person_keys(v.name, person.name_pinyin_typed or "")
    if v.phone:
        person.phone = v.phone
        person.phone_tail = re.sub(r"\D", "", v.phone)[-4:] or None
    if v.address:
        person.address = v.address
    if v.village_id:
        person.village_id = v.village_id
    for attr, value in (("sex", v.sex), ("nation", v.nation), ("birth_date", v.birth)):
        if value:
            setattr(person, attr, value)
    if v.authority or v.valid_from or v.valid_until:  # a card read: its 签发机关 and 有效期限
        person.id_authority = v.authority or None
        person.id_valid_from = v.valid_from
        person.id_valid_until = v.valid_until
    if v.card_photo:
        _store_card_photo(session, person, v.card_photo)
    return person


def _store_card_photo(session: Session, person: Person, photo: bytes) -> None:
    """The card's photo, only while the center's setting is on: sealed to the recovery key
    (``notes_keys.seal_to_recovery``), bound to the person; never the plaintext."""
    if not load_settings(session).store_card_photo:
        return
    from app.models import PersonCardPhoto  # registered when first named (app.models)
    from app.services.security.notes_keys import seal_to_recovery  # lazy: cryptography

    session.flush()  # the person's id binds the ciphertext
    sealed = seal_to_recovery(session, bytes(photo), card_photo_aad(person.id))
    if sealed is None:  # no recovery key: nothing can be sealed, so nothing is stored
        return
    row = session.get(PersonCardPhoto, person.id)
    if row is None:
        row = PersonCardPhoto(person_id=person.id)
        session.add(row)
    row.recovery_id, row.crypt_alg = sealed.recovery_id, sealed.crypt_alg
    row.ephemeral_public, row.photo_ct = sealed.ephemeral_public, sealed.sealed
    row.stored_at = now()


def card_photo_aad(person_id: uuid.UUID) -> bytes:
    """What a card photo's ciphertext is bound to: moved to another person, it does not open."""
    return f"zongzhi/person_card_photos/{person_id}/photo_ct".encode("ascii")


@write_op(Change.MATTERS)
def register_matter(
    session: Session, actor: Actor, data: IntakeInput, *, at: datetime | None = None
) -> Registered:
    """Register one matter as 已登记, then route it (``flow.route``) or close it at once
    (``flow.answer``, when ``data.answer`` is given) under the flow's own rules.

    A unit chosen on the form is routed to by the flow, which refuses someone who may not
    route (the whole registration is then refused). The category's usual unit is only a
    suggestion: it is routed to by someone who may route, and otherwise the matter waits,
    registered, for the window or the director to route it."""
    scope = None
    if not allowed(actor, Action.REGISTER_MATTER):
        scope = grid_scope(session, actor)  # a 网格员: 网格上报 in its own grid, nothing else
        if scope is None:
            require(actor, Action.REGISTER_MATTER)
        if data.grid_id not in (None, scope):
            raise PermissionDenied("网格员只有上报本网格事项的权限，不能上报其他网格的事项。")
        data = replace(data, channel=Channel.GRID, grid_id=scope, unit_id=None, answer=None)
    chosen_unit = data.unit_id is not None
    data = validate_intake(session, data)
    if scope is not None:
        data = replace(data, unit_id=None)  # routed by the center's window, not by the grid
    settings = load_settings(session)
    at = (at or now()).replace(microsecond=0)
    category = session.get(Category, data.category_id)
    cal = WorkCalendar.load(session)
    deadline = cal.deadline(at, category.limit_kind, category.limit_days)
    answered = data.answer is not None
    seq = next_seq(session, settings.prefix, at.year, settings.terminal)
    number = format_number(settings.number_format, settings.prefix, at.year, settings.terminal, seq)
    matter = Matter(
        number=number,
        prefix=settings.prefix,
        year=at.year,
        terminal=settings.terminal,
        seq=seq,
        channel=data.channel,
        category_id=category.id,
        summary=data.summary,
        handler_name=data.handler_name or None,
        receptionist_id=actor.user_id,
        status=MatterStatus.REGISTERED,
        received_at=at,
        deadline=deadline.due,
        is_group=data.is_group,
        head_count=data.head_count,
        grid_id=data.grid_id,
        grid_reporter=data.grid_reporter or None,
        grid_report_key=data.grid_report_key,
        created_at=at,
        updated_at=at,
    )
    session.add(matter)
    persons = [_person_for(session, v) for v in data.visitors]
    if data.grid_id is not None:
        for person in persons:
            if person.village_id in (None, data.visitors[0].village_id):
                person.grid_id = data.grid_id
    session.flush()
    added: set[uuid.UUID] = set()
    for pos, person in enumerate(persons):
        if person.id not in added:  # the same person typed twice by name only stays once
            matter.persons.append(MatterPerson(person_id=person.id, position=pos))
            added.add(person.id)
    timeline.record(
        session,
        actor,
        matter,
        EventKind.REGISTERED,
        f"{data.channel.label}登记，首问责任人 {actor.display_name}"
        + (f"，上报网格员 {data.grid_reporter}" if data.grid_reporter else ""),
        audit_event="matter_register",
        at=at,
        to_status=MatterStatus.REGISTERED,
        reason=number,
    )
    if answered:
        flow.answer(session, actor, matter.id, data.answer, at=at)
    elif data.unit_id is not None and (chosen_unit or allowed(actor, Action.ROUTE_MATTER)):
        flow.route(
            session,
            actor,
            matter.id,
            data.unit_id,
            data.handler_name,
            handler_user_id=data.handler_user_id,
            at=at,
            remark=f"期限 {deadline.text}",
        )
    text = f"当场办结（{at.year}年{at.month}月{at.day}日）" if answered else deadline.text
    return Registered(
        matter.id,
        number,
        matter.status,
        matter.deadline,
        text,
        None if answered else deadline.warning,
    )


# --- lists, search and earlier visits ---------------------------------------------------


@dataclass(frozen=True)
class MatterRow:
    id: uuid.UUID
    number: str
    received_at: datetime
    channel: Channel
    category: str
    persons: str
    summary: str
    unit: str
    status: MatterStatus
    deadline: date
    days_left: int | None  # working days left for open matters; negative when overdue
    # What the status column shows instead of the status (暂停中, 等待反馈, 待受理·剩N日 …)
    # and whether it is a reminder (red) — services/reception/petitions.py and linkage.py.
    mark: str = ""
    alert: bool = False

    @property
    def overdue(self) -> bool:
        return self.alert or (self.days_left is not None and self.days_left < 0)

    @property
    def due_soon(self) -> bool:
        return self.days_left is not None and 0 <= self.days_left <= 2


@dataclass
class MatterFilter:
    query: str = ""
    statuses: frozenset[MatterStatus] | None = None  # None: any
    category_id: uuid.UUID | None = None
    overdue_only: bool = False
    received_on: date | None = None  # e.g. today
    open_or_today: bool = False  # the window's default: today's and every open matter
    today: date | None = None
    handler_user_id: uuid.UUID | None = None  # "my matters"
    unit_id: uuid.UUID | None = None  # "my unit's matters"
    leader_only: bool = False  # matters received by a leader (领导接访)
    grid_id: uuid.UUID | None = None  # one grid's matters (a 网格员 sees only its own)
    # Only these matters (a list narrowed by another register: 督办, 延期申请, 预约 …).
    matter_ids: frozenset[uuid.UUID] | None = None
    # Due on or before this day, or still to be accepted (the candidates of 即将到期和超期;
    # ``MatterRow.overdue`` / ``due_soon`` decide on each row: ``due_cutoff``).
    due_by: date | None = None
    # Set by the service, not the caller: the matters whose summary this user may not search
    # (a family case's or 暖心工作室's, for roles outside that room: ``sealed``).
    sealed: Any = None
    # Set by the service too: whether SQLite's full-text index of summaries is there, and
    # for two characters searched, its trigrams that begin with them (``text_search.pair_terms``).
    fts: bool = False
    pair_terms: tuple[str, ...] | None = None


def _prepared(session: Session, actor: Actor, f: MatterFilter) -> MatterFilter:
    """The filter with what the service adds: a 网格员's own grid (``grid_scope`` also checks
    the right to see matters), the sealed matters, the full-text index."""
    scope = grid_scope(session, actor)
    if scope is not None:
        f = replace(f, grid_id=scope)
    bind = session.get_bind()
    engine = getattr(bind, "engine", bind)
    conn = session.connection()
    fts = text_search.available(engine, conn)
    pair = None
    lk = _search_lookups(f.query) if fts and text_search.pair_available(engine, conn) else None
    if lk is not None and lk.summary is not None and text_search.pair_searchable(lk.summary):
        pair = text_search.pair_terms(conn, lk.summary)
    return replace(f, sealed=sealed_condition(actor), fts=fts, pair_terms=pair)


_SUMMARY_PREVIEW = 60


@functools.cache
def _persons_subquery(dialect: str):
    """The visitors' names joined by 、 (one correlated scalar; PostgreSQL says string_agg)."""
    mp = aliased(MatterPerson)
    p = aliased(Person)
    if dialect == "postgresql":
        joined = func.string_agg(p.name, "、")
    else:
        joined = func.group_concat(p.name, "、")
    return (
        select(joined)
        .select_from(mp)
        .join(p, p.id == mp.person_id)
        .where(mp.matter_id == Matter.id)
        .correlate(Matter)
        .scalar_subquery()
    )


@dataclass(frozen=True)
class _Lookups:
    """What a search query stands for. Each part is found on its own — people through their
    indexes and then their matters, numbers through the number index, text by one pass over
    the summaries — rather than through one OR that tests every matter against every part."""

    number_prefix: str | None = None
    number_tail: str | None = None  # the end of a 受理编号's sequence number
    summary: str | None = None
    person: tuple = ()  # conditions on a visitor: name, pinyin, initials, phone, ID number
    # The same for a name, pinyin or initials, as found in the matter's own row (the
    # visitors' names kept on it, ``app.core.visitor_keys``): for the rows a window reads.
    visitor_key: str | None = None
    sealed: Any = None  # matters whose summary is not searched (``MatterFilter.sealed``)
    fts: bool = False  # SQLite's full-text index of summaries is there (``text_search``)
    # Two characters: the index's trigrams that begin with them (``text_search.pair_terms``).
    pair_terms: tuple[str, ...] | None = None

    def summary_match(self, indexed: bool = True, whole: bool = False):
        """Summary contains the text: from the full-text index for three characters or more
        (``indexed``, where there is one), else LIKE (cheaper on a few thousand rows). Shorter
        text looked for among ``whole`` the matters, on SQLite: every summary is read from
        their own index (ix_matters_summary), not from the table's rows."""
        if indexed and self.fts and len(self.summary) >= text_search.MIN_CHARS:
            found = text(
                f"SELECT rowid FROM {text_search.TABLE} WHERE {text_search.TABLE} MATCH :q"
            ).bindparams(bindparam("q", text_search.match_text(self.summary), unique=True))
            cond = literal_column("matters.rowid").in_(found)
        elif indexed and self.pair_terms is not None:
            # Two characters: before a third, as one of the trigrams that begin with them;
            # else as the summary's last two (the index of those, ``PAIR_END_INDEX``; its
            # expression is written out as the index has it, -2 not a parameter).
            end = func.substr(Matter.summary, literal_column("-2")) == self.summary
            if self.pair_terms:
                found = text(
                    f"SELECT rowid FROM {text_search.TABLE} WHERE {text_search.TABLE} MATCH :q"
                ).bindparams(bindparam("q", text_search.terms_match(self.pair_terms), unique=True))
                cond = or_(literal_column("matters.rowid").in_(found), end)
            else:
                cond = end
        elif indexed and whole and self.fts:
            every = aliased(Matter, name="summaries")
            found = (
                select(literal_column("summaries.rowid"))
                .select_from(every)
                .where(contains_ci(every.summary, self.summary))
            )
            cond = literal_column("matters.rowid").in_(found)
        else:
            cond = contains_ci(Matter.summary, self.summary, indexed=indexed)
        return cond if self.sealed is None else and_(cond, not_(self.sealed))


def _search_lookups(
    query: str, sealed: Any = None, fts: bool = False, pair_terms: tuple[str, ...] | None = None
) -> _Lookups | None:
    """Number, name, pinyin or initials, phone tail, ID number, or summary text."""
    typed = query.strip()
    if not typed:
        return None
    # Digits and letters typed in an input method's 全角 mode (１３８, ｚｓ) are searched as the
    # ASCII they stand for; anything with Chinese in it is searched as typed.
    q = unicodedata.normalize("NFKC", typed)
    if not q.isascii():
        q = typed
    if re.fullmatch(r"[A-Za-z]+", q):
        low = q.lower()
        return _Lookups(
            number_prefix=q.upper(),
            person=(prefix_match(Person.name_pinyin, low), prefix_match(Person.name_initials, low)),
            visitor_key=visitor_keys.letters_key(low),
        )
    if re.fullmatch(r"\d{3,4}", q):
        return _Lookups(number_tail=q, person=(Person.phone_tail == q,) if len(q) == 4 else ())
    if re.fullmatch(r"[\dXx]{5,18}", q):
        return _Lookups(
            number_tail=q if len(q) <= 6 else None,
            person=(prefix_match(Person.phone, q), prefix_match(Person.id_number, q.upper())),
        )
    if re.fullmatch(r"[A-Za-z]+\d{4}-?[A-Za-z0-9]*-?\d*", q):
        return _Lookups(number_prefix=q.upper())
    return _Lookups(
        summary=q,
        person=(prefix_match(Person.name, q),),
        visitor_key=visitor_keys.name_key(q),
        sealed=sealed,
        fts=fts,
        pair_terms=pair_terms,
    )


def _ends_with(tail: str, *, indexed: bool = True):
    """受理编号 ending in ``tail``: a prefix of the number read backwards, from its index
    (migration 0036). Not from the index (``indexed=False``) for a test of each row that
    another index reads (a window of the newest matters), which SQLite would otherwise answer
    by listing every match first."""
    column = Matter.number_reversed if indexed else Matter.number_reversed.concat("")
    return prefix_match(column, tail[::-1])


def _people_matters(cond) -> Select:
    return (
        select(MatterPerson.matter_id).join(Person, Person.id == MatterPerson.person_id).where(cond)
    )


def _matching_ids(lk: _Lookups):
    """Ids of the matching matters: a UNION of the parts' own lookups."""
    parts = []
    if lk.number_prefix is not None:
        parts.append(select(Matter.id).where(prefix_match(Matter.number, lk.number_prefix)))
    if lk.number_tail is not None:
        parts.append(select(Matter.id).where(_ends_with(lk.number_tail)))
    if lk.summary is not None:
        parts.append(select(Matter.id).where(lk.summary_match(whole=True)))
    parts += [_people_matters(cond) for cond in lk.person]
    return parts[0] if len(parts) == 1 else union(*parts)


def _matches_row(lk: _Lookups, many_people: bool):
    """The same test on one matter, for ``_among_newest``."""
    conds = []
    if lk.number_prefix is not None:
        # Tested on each row the window reads (``number || ''``: not through the number index,
        # which SQLite would rather walk for a prefix like BS2026 and then sort 300,000 matches).
        conds.append(prefix_match(Matter.number.concat(""), lk.number_prefix))
    if lk.number_tail is not None:
        conds.append(_ends_with(lk.number_tail, indexed=False))
    if lk.summary is not None:
        conds.append(lk.summary_match(indexed=False))  # on the newest few thousand rows
    if lk.visitor_key is not None:  # the visitors' names on the row itself
        conds.append(contains(Matter.visitor_keys, lk.visitor_key))
    elif lk.person and many_people:  # asked of the few rows read before the page is full
        conds.append(
            exists_per_row(
                select(MatterPerson.matter_id)
                .join(Person, Person.id == MatterPerson.person_id)
                .where(MatterPerson.matter_id == Matter.id, or_(*lk.person))
            )
        )
    elif lk.person:  # few people: their matters are looked up once
        people = [_people_matters(cond) for cond in lk.person]
        conds.append(Matter.id.in_(people[0] if len(people) == 1 else union(*people)))
    return or_(*conds)


def _filtered(f: MatterFilter, *, search: bool = True) -> Select:
    today = f.today or clock.today()
    q = select(Matter.id)
    if f.statuses:
        q = q.where(Matter.status.in_(list(f.statuses)))
    if f.category_id:
        q = q.where(Matter.category_id == f.category_id)
    if f.handler_user_id:
        q = q.where(Matter.handler_user_id == f.handler_user_id)
    if f.unit_id:
        q = q.where(Matter.unit_id == f.unit_id)
    if f.leader_only:
        q = q.where(Matter.leader_id.is_not(None))
    if f.grid_id:
        q = q.where(Matter.grid_id == f.grid_id)
    if f.matter_ids is not None:
        q = q.where(Matter.id.in_(sorted(f.matter_ids)))
    if f.due_by is not None:
        q = q.where(or_(Matter.deadline <= f.due_by, Matter.status == MatterStatus.REGISTERED))
    if f.overdue_only:
        q = q.where(Matter.status.in_(list(OPEN_STATUSES)), Matter.deadline < today)
    if f.received_on:
        start = datetime.combine(f.received_on, datetime.min.time())
        q = q.where(Matter.received_at >= start, Matter.received_at < _next_day(start))
    if f.open_or_today:
        start = datetime.combine(today, datetime.min.time())
        q = q.where(or_(Matter.status.in_(list(OPEN_STATUSES)), Matter.received_at >= start))
    if search and (lookups := _search_lookups(f.query, f.sealed, f.fts, f.pair_terms)) is not None:
        if lookups.summary is not None and q.whereclause is not None:
            # Narrowed by a status, a unit …: text is tested on those matters only (the
            # database starts from that index), not looked for in every summary.
            conds = [lookups.summary_match()]
            indexed = replace(lookups, summary=None)
            if indexed.person or indexed.number_prefix is not None or indexed.number_tail:
                conds.append(Matter.id.in_(_matching_ids(indexed)))
            q = q.where(or_(*conds))
        else:
            q = q.where(Matter.id.in_(_matching_ids(lookups)))
    return q


def _next_day(d: datetime) -> datetime:
    from datetime import timedelta

    return d + timedelta(days=1)


@read_op
def count_matters(session: Session, actor: Actor, f: MatterFilter) -> int:
    f = _prepared(session, actor, f)
    return session.scalar(select(func.count()).select_from(_filtered(f).subquery()))


# A search for a page of results looks among the newest matters first when the query matches
# many (a surname, an ID number's area code, a common word): the page fills there at once,
# where collecting every match and sorting them would take most of a second.
RECENT_WINDOW = 2000
# As many people (or numbers) matching as this is "many": with 100,000 matters, about one in
# thirty is theirs, and the newest RECENT_WINDOW hold a page of them.
MANY = 2500
# Visitors matching are "many" from this many, for a page of PAGE rows: fewer (a birth year
# and month, a rare surname's pinyin), their matters are listed once through the person indexes
# and sorted (3303821959 at 300,000 matters: 50 ms), where windows of the newest matters would
# each ask every row read whether one of them came (137 ms). A window reads rows in proportion
# to the page's size, the list in proportion to the matches: for a smaller page, from fewer
# (``_many_people``: 2,500 for the 50 rows of ``search``).
MANY_PEOPLE = 2 * MANY


def _many_people(limit: int | None) -> int:
    return max(1, round(MANY_PEOPLE * math.sqrt(min(limit or PAGE, PAGE) / PAGE)))


_NEWEST_FIRST = (Matter.received_at.desc(), Matter.number.desc())


@read_op
def list_matter_ids(
    session: Session,
    actor: Actor,
    f: MatterFilter,
    *,
    limit: int | None = None,
    after: tuple[datetime, str] | None = None,
) -> list[uuid.UUID]:
    """Matching ids, newest first (the first ``limit`` of them, if given; those after the key
    ``after`` = (received_at, number) of the last row already shown, if given): cheap (one
    indexed column), rows are fetched lazily."""
    return _ordered_ids(session, _prepared(session, actor, f), limit, after)


# A page of the reception list: the list pages by key (``after``), never loading every id.
PAGE = 200


@read_op
def matter_page(
    session: Session,
    actor: Actor,
    f: MatterFilter,
    *,
    after: tuple[datetime, str] | None = None,
    limit: int = PAGE,
    calendar: WorkCalendar | None = None,
) -> list[MatterRow]:
    """The next ``limit`` rows of the list, newest first, after the key (received_at,
    number) of the last row shown (``None``: the first page). Fewer than ``limit``: the end."""
    ids = list_matter_ids(session, actor, f, limit=limit, after=after)
    return matter_rows(session, actor, ids, today=f.today, calendar=calendar)


def due_cutoff(cal: WorkCalendar, today: date, days: int = 2) -> date:
    """The last deadline that is due within ``days`` working days of ``today`` (a row is
    "due soon" with 0..days working days left): the list's ``MatterFilter.due_by``."""
    d = today
    while cal.working_days_left(today, d + timedelta(days=1)) <= days:
        d += timedelta(days=1)
    return d


@dataclass(frozen=True)
class Estimate:
    """How many matters a list holds: exact when counting them was cheap, else estimated from
    the share of matches among the newest matters."""

    count: int
    exact: bool

    def text(self) -> str:
        if self.exact:
            return f"共 {self.count} 件"
        n = self.count
        if n >= 100_000:
            return f"约 {round(n / 10_000)} 万件"
        if n >= 10_000:
            return f"约 {round(n / 10_000, 1):g} 万件"
        if n >= 1_000:
            return f"约 {round(n, -2)} 件"
        return f"约 {round(n, -1)} 件"


# Up to this many matches are counted exactly; beyond, a broad list's size is estimated.
EXACT_UP_TO = 2000


@read_op
def estimate_matters(session: Session, actor: Actor, f: MatterFilter) -> Estimate:
    """The size of a list, for "共 12 件" or "约 22 万件": a broad search (a surname, an ID
    number's area code, a common word) is not counted match by match."""
    f = _prepared(session, actor, f)
    lk = _search_lookups(f.query, f.sealed, f.fts, f.pair_terms)
    base = _filtered(f, search=False)
    if lk is None:
        return Estimate(_total(session, base), True)
    serial_plans(session)
    numbers = None
    if _numbers_only(lk):
        # A 受理编号's beginning (BS2026…) holds a year at most: counted in the number index
        # alone (100,000 entries: about 10 ms), where the newest matters' share would say
        # "every matter" of a database that keeps ten years.
        q = select(literal(1)).select_from(Matter)
        numbers = _count(session, q.where(prefix_match(Matter.number, lk.number_prefix)))
        if base.whereclause is None:
            return Estimate(numbers, True)
    many_people, many_numbers, many_texts = _breadth(session, lk)
    if many_people or many_numbers or many_texts:
        window = _newest_window(session, f, None, RECENT_WINDOW)
        if window is not None:
            # The window's matters and its matches, in one pass over the window.
            shown, hits = session.execute(
                base.with_only_columns(
                    func.count(),
                    func.count().filter(_matches_row(lk, many_people)),
                    maintain_column_froms=True,
                ).where(Matter.received_at >= window)
            ).one()
            if shown:
                guess = round(_total(session, base, exact=False) * hits / shown)
                if numbers is not None:
                    guess = min(guess, numbers)  # never more than the year's numbers
                # Text too short for the full-text index is counted by reading every
                # summary: estimated as soon as the list is more than a page.
                scans = lk.summary is not None and not _text_indexed(session, lk)
                if guess > (PAGE if scans else EXACT_UP_TO):
                    return Estimate(guess, False)
    if base.whereclause is None:
        # Nothing but the query: its matches are counted as the lookups find them, without
        # a second visit to each matter (each id a visitor's row or a number gives is one).
        found = _matching_ids(lk).subquery()
        return Estimate(session.scalar(select(func.count(distinct(found.c[0])))), True)
    return Estimate(_count(session, _filtered(f)), True)


def _numbers_only(lk: _Lookups) -> bool:
    """A query that can only be the beginning of a 受理编号 (letters and a year: BS2026-A)."""
    return (
        lk.number_prefix is not None
        and lk.number_tail is None
        and lk.summary is None
        and not lk.person
    )


def _count(session: Session, q: Select) -> int:
    return session.scalar(select(func.count()).select_from(q.subquery()))


def _total(session: Session, base: Select, *, exact: bool = True) -> int:
    """How many matters ``base`` (``_filtered`` without the search) holds. With no condition,
    every matter: not ``exact`` (for an estimate), as PostgreSQL's planner reckons them (a
    catalog read); else from the tallies of matters received per day (a few thousand rows,
    kept in each write's transaction). Either instead of counting a million matters (25 ms at
    1,000,000 on PostgreSQL)."""
    if base.whereclause is not None:
        return _count(session, base)
    if not exact and (rows := rows_estimated(session, Matter.__tablename__)) is not None:
        return rows
    t = MatterTally
    q = select(func.coalesce(func.sum(t.n), 0)).where(t.facet == tally.RECEIVED)
    return int(session.scalar(q))


def _breadth(session: Session, lk: _Lookups, limit: int | None = None) -> tuple[bool, bool, bool]:
    """Whether the query's people (``_many_people`` for a page of ``limit``), its numbers, and
    the summaries with its text are many (``MANY``): counted in their indexes, no further. Text
    without the full-text index (too short, or no index) counts as many: it is found by reading
    summaries, newest first."""
    least = _many_people(limit)
    if lk.summary is None and lk.visitor_key is not None:
        least = min(least, _many_letters(session, limit))
    many_people = _people(session, lk, least) >= least
    many_numbers = lk.number_prefix is not None and _at_least(
        session,
        select(literal(1)).select_from(Matter).where(prefix_match(Matter.number, lk.number_prefix)),
        MANY,
    )
    many_texts = lk.summary is not None
    if many_texts and _text_indexed(session, lk):
        texts = select(literal(1)).select_from(Matter).where(lk.summary_match())
        many_texts = _at_least(session, texts, MANY)
    return many_people, many_numbers, many_texts


# Pinyin or initials on SQLite are tested on a window of the newest matters from an index that
# holds them (0039: about 0.15 µs an entry), where listing the matters of the visitors they
# match and sorting those costs about 12 µs a match: a page of ``limit`` from M matters needs
# some limit × M / matches entries read, so the window is the cheaper from about
# sqrt(LETTERS_RATIO × limit × M) matches (775 at 300,000 matters; 141 at 10,000).
LETTERS_RATIO = 0.01


def _many_letters(session: Session, limit: int | None) -> int:
    """How many visitors matching letters are "many" on SQLite (else ``MANY_PEOPLE``'s rule)."""
    if session.get_bind().dialect.name != "sqlite":
        return MANY_PEOPLE
    every = _total(session, select(Matter.id))
    return max(1, round(math.sqrt(LETTERS_RATIO * min(limit or PAGE, PAGE) * every)))


def _people(session: Session, lk: _Lookups, n: int) -> int:
    """How many visitors match the query, counted in their indexes up to ``n``. PostgreSQL
    counts each condition in its own index (the index alone: an OR of two, an ID number's and a
    phone's, is answered by reading each match's row, 15 ms for 3303821988 at 1,000,000
    matters, against 1); a visitor matching two conditions is then counted twice, which only
    makes the query's people look a little more "many" (results never depend on it)."""
    if not lk.person:
        return 0
    if session.get_bind().dialect.name != "postgresql":
        q = select(literal(1)).select_from(Person).where(or_(*lk.person))
        return _count(session, q.limit(n))
    found = 0
    for cond in lk.person:
        q = select(literal(1)).select_from(Person).where(cond)
        found += _count(session, q.limit(n - found))
        if found >= n:
            break
    return found


def _text_indexed(session: Session, lk: _Lookups) -> bool:
    """Whether the summary text is found from an index: SQLite's full-text index (three
    characters or more; two without case from its trigrams that begin with them and the index
    of summaries' last two characters, ``text_search.pair_terms``), PostgreSQL's index of
    two-character runs (two characters without case, ``contains_ci``; migration 0035)."""
    if lk.fts and len(lk.summary) >= text_search.MIN_CHARS or lk.pair_terms is not None:
        return True
    return (
        session.get_bind().dialect.name == "postgresql"
        and contains_ci(Matter.summary, lk.summary).pair
    )


def _ordered_ids(
    session: Session,
    f: MatterFilter,
    limit: int | None,
    after: tuple[datetime, str] | None = None,
) -> list[uuid.UUID]:
    lk = _search_lookups(f.query, f.sealed, f.fts, f.pair_terms)
    if lk is not None:
        serial_plans(session)
    if lk is not None and limit is not None:
        many_people, many_numbers, many_texts = _breadth(session, lk, limit)
        # Found in many places: in the newest few thousand first.
        if many_people or many_numbers or many_texts:
            found = _among_newest(session, f, lk, many_people, limit, after)
            if found is not None:
                return found
    q = _filtered(f)
    if after is not None:
        q = q.where(*_older_than(after))
    q = q.order_by(*(_NEWEST_FIRST if lk is None else _sorted_after_reading(session)))
    if limit is not None:
        q = q.limit(limit)
    return list(session.scalars(q))


def _sorted_after_reading(session: Session) -> tuple:
    """Newest first for a search's matches collected all at once (few, or found in few
    places): SQLite reads the table in its order and sorts the matches, instead of walking
    the received_at index and reading every row out of order to test it (a 2-character word
    found once: 426 ms instead of about 50 at 300,000 matters). The ``+`` keeps the index
    out of the ORDER BY."""
    if session.get_bind().dialect.name == "sqlite":
        return (text("+matters.received_at DESC"), text("+matters.number DESC"))
    # PostgreSQL likewise, where its planner would otherwise take a guess of the matches
    # (1% of the matters for a LIKE it has no statistics of) and walk the received_at index
    # testing each row: 999 matters ending in 733 at 1,000,000, 0.8 s to find by walking
    # 200,000 rows, 3 ms to collect and sort.
    return (text("matters.received_at + interval '0 seconds' DESC"), text("matters.number DESC"))


def _older_than(after: tuple[datetime, str]) -> tuple:
    """Rows after the key in the list's order (newest first, ties by number, descending): the
    first condition lets the received_at index start at the key."""
    at, number = after
    return (
        Matter.received_at <= at,
        or_(Matter.received_at < at, Matter.number < number),
    )


def _at_least(session: Session, q: Select, n: int) -> bool:
    """Whether ``q`` has ``n`` rows, counting no further (in its index alone: a millisecond)."""
    return session.scalar(select(func.count()).select_from(q.limit(n).subquery())) >= n


# Days of the tallies read to place a window (more than a year's worth: counted by rows).
WINDOW_DAYS = 400


def _newest_window(
    session: Session, f: MatterFilter, after: tuple[datetime, str] | None, size: int
) -> datetime | None:
    """A time from which at least ``size`` matters (after the key) were received, or None if
    there are fewer. Read from the tallies of matters received per day, newest first, rather
    than by walking ``size`` entries of the received_at index (OFFSET costs as much as the rows
    it skips: 45 ms for the whole index at 300,000), and only as far as the day that brings
    the sum to ``size`` (a week's tallies for a page's window): SQLite computes rows as they are
    read; PostgreSQL would send all WINDOW_DAYS days at once (3,600 tallies at 1,000,000
    matters), so there the running sum is taken in the query, which stops at that day. Any time
    is correct for the callers — a window only decides where to look first — so a tally behind
    by a few matters costs nothing but a wider look."""
    t = MatterTally
    days = (
        select(t.day.label("day"), func.sum(t.n).label("n"))
        .where(t.facet == tally.RECEIVED)
        .group_by(t.day)
        .order_by(t.day.desc())
        .limit(WINDOW_DAYS)
    )
    if after is not None:
        days = days.where(t.day <= after[0].date())
    if session.get_bind().dialect.name == "postgresql":
        days = days.subquery()
        running = select(
            days.c.day, func.sum(days.c.n).over(order_by=days.c.day.desc()).label("total")
        ).subquery()
        day = session.scalar(select(running.c.day).where(running.c.total >= size).limit(1))
        if day is not None:
            return datetime.combine(day, datetime.min.time())
        # Fewer in WINDOW_DAYS days, or fewer days than that: the index says which.
        return _newest_by_index(session, after, size)
    total, read = 0, 0
    for day, n in session.execute(days):
        read += 1
        total += n or 0
        if total >= size:
            return datetime.combine(day, datetime.min.time())
    if read < WINDOW_DAYS:
        return None  # every day counted: fewer matters than that
    return _newest_by_index(session, after, size)


def _newest_by_index(
    session: Session, after: tuple[datetime, str] | None, size: int
) -> datetime | None:
    """The received_at of the ``size``-th newest matter (after the key), or None if fewer.
    Ties need no order here (the ``size``-th time is the same whichever comes first): the
    received_at index alone answers, without sorting by number."""
    q = select(Matter.received_at)
    if after is not None:
        q = q.where(*_older_than(after))
    return session.scalar(q.order_by(Matter.received_at.desc()).offset(size - 1).limit(1))


# A page not filled among the newest RECENT_WINDOW matters is looked for in a window at least
# this many times larger (as large as the matches seen suggest), and so on, this many times,
# before every match is collected and sorted; none at all in the first: collected at once.
WINDOW_GROWTH = 4
WINDOW_TRIES = 3


def _among_newest(
    session: Session,
    f: MatterFilter,
    lk: _Lookups,
    many_people: bool,
    limit: int,
    after: tuple[datetime, str] | None = None,
) -> list[uuid.UUID] | None:
    """The first ``limit`` matches (after the key) if the newest RECENT_WINDOW matters (after
    it; for many visitors, the window ``_people_plan`` gives) hold that many (every older
    matter comes after all of them), else None. Read newest first, stopping when full; a
    window that falls short is widened a few times."""
    size, each_row = RECENT_WINDOW, many_people
    if many_people and _filtered(f, search=False).whereclause is None:
        # Only the query: the visitors' share of all visitors is the matches' share of the
        # matters read (a status or a unit chosen leaves fewer, found as before).
        size, each_row = _people_plan(session, lk, limit)
    for _try in range(WINDOW_TRIES):
        boundary = _newest_window(session, f, after, size)
        q = _filtered(f, search=False).where(_matches_row(lk, each_row))
        if after is not None:
            q = q.where(*_older_than(after))
        if boundary is not None:
            q = q.where(Matter.received_at >= boundary)
        if boundary is None:
            return None  # the window is every matter: collected at once, as rare ones are
        found = list(session.scalars(q.order_by(*_NEWEST_FIRST).limit(limit)))
        if len(found) == limit:
            return found
        if not found:
            return None  # rare here, rare everywhere: collect every match at once
        # Widen to where the page should fill at the rate seen (twice over, to be sure).
        size = max(size * WINDOW_GROWTH, 2 * size * limit // len(found))
    return None


# Visitors counted, at most, to plan a search matching many of them (``_people_plan``).
PEOPLE_COUNTED = 4 * MANY_PEOPLE
# Index pages read, about, on PostgreSQL: to collect one visitor's matters (the visitor's
# index entry, then ix_matter_persons_person_id), and to ask one matter read whether one
# of its visitors matches (its visitors' index entries and rows), beyond reading the matter.
PAGES_PER_VISITOR = 4
PAGES_PER_ROW_ASKED = 6


def _people_plan(session: Session, lk: _Lookups, limit: int) -> tuple[int, bool]:
    """For a query matching many visitors: the first window of newest matters to look in for
    ``limit`` matches, and whether each matter read is asked about its visitors (else their
    matters are collected once and each matter read is looked up among them).

    SQLite asks each row, from RECENT_WINDOW. PostgreSQL weighs the two by what they read: a
    page needs about ``limit`` × (all visitors / those matching) matters read, newest first;
    asked one by one they cost PAGES_PER_ROW_ASKED each, collected PAGES_PER_VISITOR per
    visitor matching. A surname (王: 7,281 visitors at 1,000,000 matters, 18,400 matters read
    for a page) is collected, a letter (z: 49,279, 2,800 read) is asked. Collected, the first
    window is as large as that share says the page needs (twice over), not found by widening a
    look at the newest RECENT_WINDOW, which would collect the same matters again for the wider
    window. Reading stops at the page's last match: the window costs more only when the page
    does not fill there (a filter that leaves few matches)."""
    if session.get_bind().dialect.name != "postgresql":
        return RECENT_WINDOW, True
    everyone = rows_estimated(session, Person.__tablename__)
    if not everyone:
        return RECENT_WINDOW, True  # never analysed (a new database): no share to go by
    found = max(_people(session, lk, PEOPLE_COUNTED), 1)
    rows = limit * everyone / found
    if found >= PEOPLE_COUNTED:
        return RECENT_WINDOW, True
    if lk.visitor_key is not None:
        # A name or letters: asked of each row from its own column (the visitors' names on
        # the matter), which costs nothing beyond reading the row.
        return max(RECENT_WINDOW, round(2 * rows)), True
    if PAGES_PER_VISITOR * found > PAGES_PER_ROW_ASKED * rows:
        return RECENT_WINDOW, True
    return max(RECENT_WINDOW, round(2 * rows)), False


@read_op
def matter_rows(
    session: Session,
    actor: Actor,
    ids: list[uuid.UUID],
    *,
    today: date | None = None,
    calendar: WorkCalendar | None = None,
) -> list[MatterRow]:
    """Rows for the given ids, in the given order (a page of a list)."""
    scope = grid_scope(session, actor)
    if not ids:
        return []
    today = today or clock.today()
    cal = calendar or WorkCalendar.load(session)
    q = (
        select(
            Matter.id,
            Matter.number,
            Matter.received_at,
            Matter.channel,
            func.coalesce(Matter.category_name, Category.name),
            _persons_subquery(session.get_bind().dialect.name),
            func.substr(Matter.summary, 1, _SUMMARY_PREVIEW),
            func.coalesce(Matter.unit_name, Unit.name),
            Matter.status,
            Matter.deadline,
            Matter.paused_at,
            Category.is_xinfang,
            Matter.closed_at,
        )
        .join(Category, Category.id == Matter.category_id)
        .outerjoin(Unit, Unit.id == Matter.unit_id)
        .where(Matter.id.in_(ids))
    )
    if scope is not None:
        q = q.where(Matter.grid_id == scope)
    by_id = {}
    sealed = sealed_lines(session, actor, ids)
    reply_days: int | None = None
    for r in session.execute(q):
        status = r[8]
        days_left = cal.working_days_left(today, r[9]) if status in OPEN_STATUSES else None
        waiting = bool(r[11]) and status == MatterStatus.REGISTERED and r[10] is None
        paused = petitions.paused_days_of(session, r[0], today) if waiting else 0
        mark, alert = petitions.clock_mark(
            status, bool(r[11]), r[2], r[10] is not None, today, paused
        )
        if r[10] is not None:
            days_left = None  # paused: the time does not count
        elif status == MatterStatus.TRANSFERRED and r[12] is not None:
            if reply_days is None:
                reply_days = load_settings(session).upper_reply_days
            mark, alert = linkage.waiting_mark(r[12].date(), today, reply_days)
        by_id[r[0]] = MatterRow(
            r[0],
            r[1],
            r[2],
            r[3],
            r[4],
            r[5] or "",
            sealed.get(r[0]) or (r[6] or "").replace("\n", " "),
            r[7] or "",
            status,
            r[9],
            days_left,
            mark,
            alert,
        )
    return [by_id[i] for i in ids if i in by_id]


@read_op
def search(
    session: Session, actor: Actor, query: str, *, limit: int = 50, today: date | None = None
) -> list[MatterRow]:
    ids = list_matter_ids(session, actor, MatterFilter(query=query), limit=limit)
    return matter_rows(session, actor, ids, today=today)


@dataclass(frozen=True)
class PersonCopy:
    """An earlier visitor's particulars, to copy into the form (带入信息). The ID number and
    phone are whole only for a role that may see them, else empty."""

    person_id: uuid.UUID
    name: str
    id_number: str
    phone: str
    address: str
    village_id: uuid.UUID | None
    pinyin: str  # as stored: pypinyin's, or typed by hand for a name it cannot read


@dataclass(frozen=True)
class EarlierVisit:
    row: MatterRow
    matched_by: str  # 身份证号 / 电话 / 姓名 / 拼音
    person: PersonCopy | None = None  # the visitor of that matter who matched


@read_op
def earlier_visits(
    session: Session,
    actor: Actor,
    *,
    name: str = "",
    id_number: str = "",
    phone: str = "",
    pinyin: str = "",
    limit: int = 20,
    today: date | None = None,
) -> list[EarlierVisit]:
    """重复来访: matters of the same person, found by ID number, phone, exact name, or the
    pinyin typed for a name with rare characters (王𠮷 stored as "wang ji" is found by
    "wangji" too, whichever way the name's rare character was typed)."""
    require(actor, Action.VIEW_MATTERS)
    found: dict[uuid.UUID, tuple[str, uuid.UUID]] = {}
    id_number = unicodedata.normalize("NFKC", id_number).strip().upper()
    digits = re.sub(r"[^0-9]", "", unicodedata.normalize("NFKC", phone))
    probes = []
    if len(id_number) in (15, 18):
        probes.append(("身份证号", Person.id_number == id_number))
    if len(digits) >= 7:
        tail = digits[-4:]
        probes.append(
            ("电话", and_(Person.phone_tail == tail, func.replace(Person.phone, "-", "") == digits))
        )
    if name.strip() and char_len(name.strip()) >= 2:
        probes.append(("姓名", Person.name == name.strip()))
    typed_pinyin = pinyin_keys(pinyin)[0] if pinyin.strip() else ""
    if len(typed_pinyin) >= 4:
        probes.append(("拼音", Person.name_pinyin == typed_pinyin))
    for label, cond in probes:
        q = (
            select(Matter.id, Person.id)
            .join(MatterPerson, MatterPerson.matter_id == Matter.id)
            .join(Person, Person.id == MatterPerson.person_id)
            .where(cond)
            .order_by(Matter.received_at.desc())
            .limit(limit)
        )
        for mid, pid in session.execute(q):
            found.setdefault(mid, (label, pid))
    rows = matter_rows(session, actor, list(found), today=today)
    rows.sort(key=lambda r: r.received_at, reverse=True)
    whole = allowed(actor, Action.VIEW_PERSONAL_DATA)
    copies: dict[uuid.UUID, PersonCopy] = {}
    result = []
    for r in rows[:limit]:
        label, pid = found[r.id]
        if pid not in copies:
            p = session.get(Person, pid)
            copies[pid] = PersonCopy(
                p.id,
                p.name,
                (p.id_number or "") if whole else "",
                (p.phone or "") if whole else "",
                p.address or "",
                p.village_id,
                p.name_pinyin_typed or "",
            )
        result.append(EarlierVisit(r, label, copies[pid]))
    return result


def repeat_summary(visits: list[EarlierVisit], today: date | None = None) -> str:
    """The line at the top of the form: "此人以往来访 3 次，最近一次 11月28日，在办 1 件"
    (the year too when the last visit was in another year)."""
    if not visits:
        return ""
    today = today or clock.today()
    latest = max(v.row.received_at for v in visits)
    when = f"{latest.month}月{latest.day}日"
    if latest.year != today.year:
        when = f"{latest.year}年{when}"
    open_count = sum(1 for v in visits if v.row.status in OPEN_STATUSES)
    return f"此人以往来访 {len(visits)} 次，最近一次 {when}，在办 {open_count} 件"
