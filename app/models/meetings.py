"""例会、联席会议、调度会: attendees, agenda, decisions tracked to done, minutes versions."""

from __future__ import annotations

import uuid
from datetime import date, datetime

from sqlalchemy import Date, DateTime, ForeignKey, Integer, String, Text, UniqueConstraint, Uuid
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .base import Base, UUIDPk, now
from .enums import AttendanceKind, DecisionStatus, MeetingKind, MeetingStatus
from .org import _enum


class Meeting(UUIDPk, Base):
    """会议 (例会 / 联席会议 / 调度会): one version of its record; a correction is a new one."""

    __tablename__ = "meetings"
    __table_args__ = (UniqueConstraint("number", "version", name="uq_meetings_number_version"),)
    number: Mapped[str] = mapped_column(String(32), nullable=False, index=True)
    version: Mapped[int] = mapped_column(Integer, nullable=False, default=1)
    supersedes_id: Mapped[uuid.UUID | None] = mapped_column(Uuid, ForeignKey("meetings.id"))
    kind: Mapped[MeetingKind] = mapped_column(_enum(MeetingKind), nullable=False)
    title: Mapped[str] = mapped_column(String(120), nullable=False)
    starts_at: Mapped[datetime] = mapped_column(DateTime, nullable=False, index=True)
    place: Mapped[str] = mapped_column(String(120), nullable=False, default="")
    chair: Mapped[str] = mapped_column(String(64), nullable=False, default="")
    recorder: Mapped[str] = mapped_column(String(64), nullable=False, default="")
    situation: Mapped[str] = mapped_column(Text, nullable=False, default="")
    distribution: Mapped[str] = mapped_column(String(255), nullable=False, default="")
    status: Mapped[MeetingStatus] = mapped_column(_enum(MeetingStatus), nullable=False)
    issued_at: Mapped[datetime | None] = mapped_column(DateTime)
    issued_by: Mapped[uuid.UUID | None] = mapped_column(Uuid, ForeignKey("users.id"))
    created_by: Mapped[uuid.UUID | None] = mapped_column(Uuid, ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(DateTime, nullable=False, default=now)
    updated_at: Mapped[datetime] = mapped_column(DateTime, nullable=False, default=now)

    attendees: Mapped[list[MeetingAttendee]] = relationship(
        back_populates="meeting",
        order_by="MeetingAttendee.position",
        cascade="all, delete-orphan",
    )
    items: Mapped[list[AgendaItem]] = relationship(
        back_populates="meeting", order_by="AgendaItem.position", cascade="all, delete-orphan"
    )
    decisions: Mapped[list[Decision]] = relationship(
        back_populates="meeting", order_by="Decision.position", cascade="all, delete-orphan"
    )


class MeetingAttendee(UUIDPk, Base):
    """参会人员: 出席, 请假 or 列席, with unit and reason."""

    __tablename__ = "meeting_attendees"
    meeting_id: Mapped[uuid.UUID] = mapped_column(
        Uuid, ForeignKey("meetings.id", ondelete="CASCADE"), nullable=False, index=True
    )
    position: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    name: Mapped[str] = mapped_column(String(64), nullable=False)
    unit: Mapped[str] = mapped_column(String(64), nullable=False, default="")
    attendance: Mapped[AttendanceKind] = mapped_column(_enum(AttendanceKind), nullable=False)
    reason: Mapped[str] = mapped_column(String(120), nullable=False, default="")
    meeting: Mapped[Meeting] = relationship(back_populates="attendees")


class AgendaItem(UUIDPk, Base):
    """议题: one item of a meeting's agenda and its discussion."""

    __tablename__ = "agenda_items"
    meeting_id: Mapped[uuid.UUID] = mapped_column(
        Uuid, ForeignKey("meetings.id", ondelete="CASCADE"), nullable=False, index=True
    )
    position: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    title: Mapped[str] = mapped_column(String(200), nullable=False)
    discussion: Mapped[str] = mapped_column(Text, nullable=False, default="")
    meeting: Mapped[Meeting] = relationship(back_populates="items")


class Decision(UUIDPk, Base):
    """议定事项, tracked to done like a matter."""

    __tablename__ = "decisions"
    meeting_id: Mapped[uuid.UUID] = mapped_column(
        Uuid, ForeignKey("meetings.id", ondelete="CASCADE"), nullable=False, index=True
    )
    position: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    content: Mapped[str] = mapped_column(Text, nullable=False)
    responsible: Mapped[str] = mapped_column(String(120), nullable=False)
    deadline: Mapped[date] = mapped_column(Date, nullable=False)
    status: Mapped[DecisionStatus] = mapped_column(_enum(DecisionStatus), nullable=False)
    result: Mapped[str | None] = mapped_column(Text)
    closed_at: Mapped[datetime | None] = mapped_column(DateTime)
    closed_by: Mapped[uuid.UUID | None] = mapped_column(Uuid, ForeignKey("users.id"))
    meeting: Mapped[Meeting] = relationship(back_populates="decisions")
