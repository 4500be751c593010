"""事项: the unit of the event flow, its visitors and its timeline."""

from __future__ import annotations

import uuid
from datetime import date, datetime

from sqlalchemy import (
    Boolean,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    Uuid,
    event,
)
from sqlalchemy import false as sa_false
from sqlalchemy.orm import Mapped, Session, mapped_column, relationship, validates
from sqlalchemy.orm.attributes import get_history

from .base import Base, UUIDPk, now, pattern_index
from .enums import (
    Channel,
    EventKind,
    ExtensionStatus,
    MatterStatus,
    ReviewKind,
    Satisfaction,
)
from .org import _enum


class NumberCounter(Base):
    """编号计数器: the last number handed out per (prefix, year, terminal), gap-free."""

    __tablename__ = "number_counters"
    prefix: Mapped[str] = mapped_column(String(16), primary_key=True)
    year: Mapped[int] = mapped_column(Integer, primary_key=True)
    terminal: Mapped[str] = mapped_column(String(8), primary_key=True)
    last_value: Mapped[int] = mapped_column(Integer, nullable=False, default=0)


class Matter(UUIDPk, Base):
    """事项: a visit, letter, call or report taken in and carried through the event flow."""

    __tablename__ = "matters"
    __table_args__ = (
        UniqueConstraint("prefix", "year", "terminal", "seq", name="uq_matters_number_parts"),
        Index("ix_matters_status_deadline", "status", "deadline"),
        pattern_index("matters", "number"),  # 受理编号 searched by prefix (PostgreSQL)
        # A 受理编号's end searched as a prefix of the reversed number (0036): a range on SQLite,
        # LIKE 'x%' on PostgreSQL.
        Index("ix_matters_number_reversed", "number_reversed").ddl_if(dialect="sqlite"),
        pattern_index("matters", "number_reversed"),
        # SQLite: the summaries alone, read for search text too short for matters_fts (0034).
        Index("ix_matters_summary", "summary").ddl_if(dialect="sqlite"),
        # SQLite: the newest matters with their visitors' names (0039): a window of them is
        # searched for pinyin or initials without reading the table's rows.
        Index("ix_matters_newest_visitors", "received_at", "number", "visitor_keys", "id").ddl_if(
            dialect="sqlite"
        ),
    )
    number: Mapped[str] = mapped_column(String(32), unique=True, nullable=False)
    # The number read backwards, for a sequence number typed alone ("0001": ``intake._ends_with``).
    # Set with the number (``_keep_reversed``), and by its default for rows inserted without
    # the ORM (imports, the demo, an exchange bundle from an older terminal).
    number_reversed: Mapped[str] = mapped_column(
        String(32), nullable=False, default=lambda ctx: ctx.get_current_parameters()["number"][::-1]
    )
    prefix: Mapped[str] = mapped_column(String(16), nullable=False)
    year: Mapped[int] = mapped_column(Integer, nullable=False)
    terminal: Mapped[str] = mapped_column(String(8), nullable=False)
    seq: Mapped[int] = mapped_column(Integer, nullable=False)
    channel: Mapped[Channel] = mapped_column(_enum(Channel), nullable=False)
    category_id: Mapped[uuid.UUID] = mapped_column(
        Uuid, ForeignKey("categories.id"), nullable=False, index=True
    )
    summary: Mapped[str] = mapped_column(Text, nullable=False)
    unit_id: Mapped[uuid.UUID | None] = mapped_column(Uuid, ForeignKey("units.id"), index=True)
    # The names as they were when the matter was made or routed (history never changes when
    # a unit, category or village is renamed later); filled by _snapshot_names below.
    category_name: Mapped[str | None] = mapped_column(String(32))
    unit_name: Mapped[str | None] = mapped_column(String(64))
    village_name: Mapped[str | None] = mapped_column(String(64))
    handler_name: Mapped[str | None] = mapped_column(String(64))
    # 网格: the grid the matter arose in; 网格上报: the 网格员 who reported it, and the key of
    # the report row it came from (the worker's own report number and the grid's code).
    grid_id: Mapped[uuid.UUID | None] = mapped_column(Uuid, ForeignKey("grids.id"), index=True)
    grid_reporter: Mapped[str | None] = mapped_column(String(64))
    grid_report_key: Mapped[str | None] = mapped_column(String(80), unique=True)
    # 首办责任人 as a user, when the handler has an account (AB岗 reassignment needs it).
    handler_user_id: Mapped[uuid.UUID | None] = mapped_column(Uuid, ForeignKey("users.id"))
    # 领导接访: the leader who received the person, when a leader did.
    leader_id: Mapped[uuid.UUID | None] = mapped_column(Uuid, ForeignKey("users.id"))
    receptionist_id: Mapped[uuid.UUID] = mapped_column(Uuid, ForeignKey("users.id"), nullable=False)
    status: Mapped[MatterStatus] = mapped_column(_enum(MatterStatus), nullable=False)
    received_at: Mapped[datetime] = mapped_column(DateTime, nullable=False, index=True)
    deadline: Mapped[date] = mapped_column(Date, nullable=False)
    answer: Mapped[str | None] = mapped_column(Text)
    is_group: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    head_count: Mapped[int | None] = mapped_column(Integer)
    closed_at: Mapped[datetime | None] = mapped_column(DateTime)
    created_at: Mapped[datetime] = mapped_column(DateTime, nullable=False, default=now)
    updated_at: Mapped[datetime] = mapped_column(DateTime, nullable=False, default=now)
    # The event flow (docs/DOMAIN.md §2): each "once" rule is kept as a flag on the matter.
    returned: Mapped[bool] = mapped_column(
        Boolean, nullable=False, default=False, server_default=sa_false()
    )
    extended: Mapped[bool] = mapped_column(
        Boolean, nullable=False, default=False, server_default=sa_false()
    )
    reopened: Mapped[bool] = mapped_column(
        Boolean, nullable=False, default=False, server_default=sa_false()
    )
    result: Mapped[str | None] = mapped_column(Text)
    feedback_method: Mapped[str | None] = mapped_column(String(32))
    feedback_at: Mapped[datetime | None] = mapped_column(DateTime)
    satisfaction: Mapped[Satisfaction | None] = mapped_column(_enum(Satisfaction))
    # 上级交办: the higher body, its reference number (文号) and its deadline; the center's own
    # deadline is never later (services/reception/linkage.py).
    superior_body: Mapped[str | None] = mapped_column(String(64))
    superior_ref: Mapped[str | None] = mapped_column(String(64))
    superior_deadline: Mapped[date | None] = mapped_column(Date)
    # 暂停计时 (e.g. 等待当事人补充材料): since when and why; resuming moves the deadline on
    # by the paused time (services/reception/petitions.py).
    paused_at: Mapped[datetime | None] = mapped_column(DateTime)
    pause_reason: Mapped[str | None] = mapped_column(Text)
    # 来访人检索串: the visitors' names, pinyin and initials, kept by triggers for searches that
    # test each matter read (``app.core.visitor_keys``, migration 0039). Never set it here.
    visitor_keys: Mapped[str] = mapped_column(
        Text, nullable=False, server_default="", info={"derived": True}
    )

    persons: Mapped[list[MatterPerson]] = relationship(
        back_populates="matter", order_by="MatterPerson.position", cascade="all, delete-orphan"
    )
    events: Mapped[list[MatterEvent]] = relationship(
        back_populates="matter", order_by="MatterEvent.at", cascade="all, delete-orphan"
    )

    @validates("number")
    def _keep_reversed(self, _key: str, number: str) -> str:
        self.number_reversed = number[::-1]
        return number


class MatterPerson(Base):
    """来访人: a visitor of a matter (several for a shared matter); position keeps the order."""

    __tablename__ = "matter_persons"
    # A person's matters from the index alone, not from each link's row (with ix_persons_name:
    # the visitors' matters a search lists, 0037).
    __table_args__ = (Index("ix_matter_persons_person_id", "person_id", "matter_id"),)
    matter_id: Mapped[uuid.UUID] = mapped_column(
        Uuid, ForeignKey("matters.id", ondelete="CASCADE"), primary_key=True
    )
    person_id: Mapped[uuid.UUID] = mapped_column(Uuid, ForeignKey("persons.id"), primary_key=True)
    position: Mapped[int] = mapped_column(Integer, nullable=False, default=0)

    matter: Mapped[Matter] = relationship(back_populates="persons")
    person: Mapped[Person] = relationship()  # noqa: F821 — resolved by the registry


class MatterEvent(UUIDPk, Base):
    """事项流转记录: one step on a matter's timeline: who, when, what, why."""

    __tablename__ = "matter_events"
    matter_id: Mapped[uuid.UUID] = mapped_column(
        Uuid, ForeignKey("matters.id", ondelete="CASCADE"), nullable=False, index=True
    )
    at: Mapped[datetime] = mapped_column(DateTime, nullable=False, default=now)
    user_id: Mapped[uuid.UUID | None] = mapped_column(Uuid, ForeignKey("users.id"))
    kind: Mapped[EventKind] = mapped_column(_enum(EventKind), nullable=False)
    from_status: Mapped[MatterStatus | None] = mapped_column(_enum(MatterStatus))
    to_status: Mapped[MatterStatus | None] = mapped_column(_enum(MatterStatus))
    note: Mapped[str | None] = mapped_column(Text)

    matter: Mapped[Matter] = relationship(back_populates="events")


class SupervisionOrder(UUIDPk, Base):
    """督办单: the director's order to a unit on a matter, with the date a reply is due."""

    __tablename__ = "supervision_orders"
    number: Mapped[str] = mapped_column(String(32), unique=True, nullable=False)
    matter_id: Mapped[uuid.UUID] = mapped_column(
        Uuid, ForeignKey("matters.id"), nullable=False, index=True
    )
    unit_id: Mapped[uuid.UUID] = mapped_column(Uuid, ForeignKey("units.id"), nullable=False)
    # The unit's name when the order was issued (a later rename leaves the order as printed).
    unit_name: Mapped[str | None] = mapped_column(String(64))
    requirement: Mapped[str] = mapped_column(Text, nullable=False)
    reply_by: Mapped[date] = mapped_column(Date, nullable=False)
    issued_by: Mapped[uuid.UUID | None] = mapped_column(Uuid, ForeignKey("users.id"))
    issued_at: Mapped[datetime] = mapped_column(DateTime, nullable=False)
    reply: Mapped[str | None] = mapped_column(Text)
    replied_by: Mapped[uuid.UUID | None] = mapped_column(Uuid, ForeignKey("users.id"))
    replied_at: Mapped[datetime | None] = mapped_column(DateTime)


class ExtensionRequest(UUIDPk, Base):
    """延期申请: the handler (or their unit) asks for a later deadline, saying why and proposing
    a date; the director approves it (the deadline moves: the matter's one extension is used)
    or refuses it, and the handler sees which in the list."""

    __tablename__ = "extension_requests"
    matter_id: Mapped[uuid.UUID] = mapped_column(
        Uuid, ForeignKey("matters.id"), nullable=False, index=True
    )
    reason: Mapped[str] = mapped_column(Text, nullable=False)
    proposed_deadline: Mapped[date] = mapped_column(Date, nullable=False)
    old_deadline: Mapped[date] = mapped_column(Date, nullable=False)  # when it was asked
    requested_by: Mapped[uuid.UUID | None] = mapped_column(Uuid, ForeignKey("users.id"))
    requested_at: Mapped[datetime] = mapped_column(DateTime, nullable=False)
    status: Mapped[ExtensionStatus] = mapped_column(_enum(ExtensionStatus), nullable=False)
    decided_by: Mapped[uuid.UUID | None] = mapped_column(Uuid, ForeignKey("users.id"))
    decided_at: Mapped[datetime | None] = mapped_column(DateTime)
    approved_deadline: Mapped[date | None] = mapped_column(Date)
    decision_note: Mapped[str | None] = mapped_column(Text)


class PetitionReview(UUIDPk, Base):
    """复查 / 复核 of a 信访 matter's 处理意见: a linked proceeding with its own 30-day limit,
    ended by its own opinion (复查意见书 / 复核意见书)."""

    __tablename__ = "petition_reviews"
    matter_id: Mapped[uuid.UUID] = mapped_column(
        Uuid, ForeignKey("matters.id"), nullable=False, index=True
    )
    kind: Mapped[ReviewKind] = mapped_column(_enum(ReviewKind), nullable=False)
    body: Mapped[str] = mapped_column(String(64), nullable=False)  # 复查/复核机关
    reason: Mapped[str] = mapped_column(Text, nullable=False)  # what the petitioner asks
    requested_on: Mapped[date] = mapped_column(Date, nullable=False)
    due: Mapped[date] = mapped_column(Date, nullable=False)
    requested_by: Mapped[uuid.UUID | None] = mapped_column(Uuid, ForeignKey("users.id"))
    opinion: Mapped[str | None] = mapped_column(Text)
    decided_on: Mapped[date | None] = mapped_column(Date)
    decided_by: Mapped[uuid.UUID | None] = mapped_column(Uuid, ForeignKey("users.id"))
    decided_at: Mapped[datetime | None] = mapped_column(DateTime)


NAMES_CACHE = "reference_names"  # session.info key: (table, id) → name, for one session


def _name_of(session: Session, model, item_id) -> str | None:
    """A unit's, category's or village's name, read once per session (an import of 10,000
    matters asks for the same few thousand times); a rename clears the cache."""
    cache = session.info.setdefault(NAMES_CACHE, {})
    key = (model.__tablename__, item_id)
    if key not in cache:
        item = session.get(model, item_id)
        cache[key] = item.name if item is not None else None
    return cache[key]


@event.listens_for(Session, "before_flush")
def _snapshot_names(session: Session, _context, _instances) -> None:
    """Keep a matter's category, unit and village names as they are when it is made, routed
    or reclassified, and a 督办单's unit as issued, so later renames leave receipts, ledgers,
    timelines and orders unchanged."""
    from .org import Category, Unit, Village
    from .people import Person

    with session.no_autoflush:
        for o in session.new:
            if isinstance(o, SupervisionOrder) and o.unit_name is None and o.unit_id:
                o.unit_name = _name_of(session, Unit, o.unit_id)
    matters = {o for o in (*session.new, *session.dirty) if isinstance(o, Matter)}
    matters |= {
        o.matter
        for o in session.new
        if isinstance(o, MatterPerson) and o.position == 0 and o.matter is not None
    }
    if not matters:
        return
    # People added in this flush are not in the identity map yet: found here, not by a query.
    pending = {p.id: p for p in session.new if isinstance(p, Person)}
    with session.no_autoflush:
        for m in matters:
            if m.category_id and (m.category_name is None or get_history(m, "category_id").added):
                m.category_name = _name_of(session, Category, m.category_id) or m.category_name
            if get_history(m, "unit_id").added or (m.unit_id and m.unit_name is None):
                m.unit_name = _name_of(session, Unit, m.unit_id) if m.unit_id else None
            if m.village_name is None:
                first = next((mp for mp in m.persons if mp.position == 0), None)
                person = first.person if first is not None and first.person is not None else None
                if person is None and first is not None:
                    person = pending.get(first.person_id) or session.get(Person, first.person_id)
                if person is not None and person.village_id:
                    m.village_name = _name_of(session, Village, person.village_id)
