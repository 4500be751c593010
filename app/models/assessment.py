"""考核评价: schemes of indicators per year, periods, stored (versioned) scores, the director's
加分/扣分 items, and 教育培训 sessions (training hours are an indicator).

- A scheme (考核方案) belongs to a year and lists indicators: each has a weight (the most points
  it gives), a kind (computed from the data, or manual: the director's items) and its rule's
  parameters as JSON (``app/services/command/assessment.py`` reads them).
- A period (month, quarter or year) is open or closed. Closing stores every target's scores as
  version 1 and freezes the scheme; a correction stores a new version with its reason and keeps
  the old one.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime

from sqlalchemy import (
    Boolean,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Integer,
    String,
    Text,
    UniqueConstraint,
    Uuid,
)
from sqlalchemy import false as sa_false
from sqlalchemy import true as sa_true
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base, UUIDPk, now


class AssessmentScheme(UUIDPk, Base):
    """考核方案: the indicators of one year; frozen once a period of it is closed."""

    __tablename__ = "assessment_schemes"
    year: Mapped[int] = mapped_column(Integer, unique=True, nullable=False)
    name: Mapped[str] = mapped_column(String(120), nullable=False)
    frozen: Mapped[bool] = mapped_column(
        Boolean, nullable=False, default=False, server_default=sa_false()
    )
    created_at: Mapped[datetime] = mapped_column(DateTime, nullable=False, default=now)


class AssessmentIndicator(UUIDPk, Base):
    """考核指标: a rule (``code``) for units or villages, its weight and its parameters."""

    __tablename__ = "assessment_indicators"
    __table_args__ = (
        UniqueConstraint("scheme_id", "target_kind", "code", name="uq_assessment_indicators_code"),
    )
    scheme_id: Mapped[uuid.UUID] = mapped_column(
        Uuid, ForeignKey("assessment_schemes.id", ondelete="CASCADE"), nullable=False, index=True
    )
    target_kind: Mapped[str] = mapped_column(String(16), nullable=False)  # unit | village
    code: Mapped[str] = mapped_column(String(40), nullable=False)
    name: Mapped[str] = mapped_column(String(64), nullable=False)
    kind: Mapped[str] = mapped_column(String(16), nullable=False)  # computed | manual
    weight: Mapped[float] = mapped_column(Float, nullable=False)
    params: Mapped[str] = mapped_column(Text, nullable=False, default="{}")  # JSON
    position: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    # 停用: an indicator switched off gives no points and is left out of the scores
    active: Mapped[bool] = mapped_column(
        Boolean, nullable=False, default=True, server_default=sa_true()
    )


class AssessmentPeriod(UUIDPk, Base):
    """考核期: a month, quarter or year of a scheme; open, or closed with its scores stored."""

    __tablename__ = "assessment_periods"
    __table_args__ = (UniqueConstraint("scheme_id", "label", name="uq_assessment_periods_label"),)
    scheme_id: Mapped[uuid.UUID] = mapped_column(
        Uuid, ForeignKey("assessment_schemes.id"), nullable=False, index=True
    )
    kind: Mapped[str] = mapped_column(String(8), nullable=False)  # month | quarter | year
    label: Mapped[str] = mapped_column(String(16), nullable=False)  # 2027Q1, 2027-03, 2027
    starts_on: Mapped[date] = mapped_column(Date, nullable=False)
    ends_on: Mapped[date] = mapped_column(Date, nullable=False)
    closed: Mapped[bool] = mapped_column(
        Boolean, nullable=False, default=False, server_default=sa_false()
    )
    version: Mapped[int] = mapped_column(Integer, nullable=False, default=0)  # the current one
    closed_at: Mapped[datetime | None] = mapped_column(DateTime)
    closed_by: Mapped[uuid.UUID | None] = mapped_column(Uuid, ForeignKey("users.id"))


class AssessmentVersion(UUIDPk, Base):
    """得分版本: one stored set of a closed period's scores, 1 on closing, then one per
    correction (更正) with its reason."""

    __tablename__ = "assessment_versions"
    __table_args__ = (
        UniqueConstraint("period_id", "version", name="uq_assessment_versions_version"),
    )
    period_id: Mapped[uuid.UUID] = mapped_column(
        Uuid, ForeignKey("assessment_periods.id"), nullable=False, index=True
    )
    version: Mapped[int] = mapped_column(Integer, nullable=False)
    reason: Mapped[str] = mapped_column(Text, nullable=False, default="")
    made_at: Mapped[datetime] = mapped_column(DateTime, nullable=False, default=now)
    made_by: Mapped[uuid.UUID | None] = mapped_column(Uuid, ForeignKey("users.id"))


class AssessmentScore(UUIDPk, Base):
    """一项得分: one indicator's figure and points for one target in one version of a period."""

    __tablename__ = "assessment_scores"
    period_id: Mapped[uuid.UUID] = mapped_column(
        Uuid, ForeignKey("assessment_periods.id"), nullable=False, index=True
    )
    version: Mapped[int] = mapped_column(Integer, nullable=False)
    target_kind: Mapped[str] = mapped_column(String(16), nullable=False)
    target_id: Mapped[uuid.UUID] = mapped_column(Uuid, nullable=False)
    target_name: Mapped[str] = mapped_column(String(64), nullable=False)
    code: Mapped[str] = mapped_column(String(40), nullable=False)
    name: Mapped[str] = mapped_column(String(64), nullable=False)
    value: Mapped[float | None] = mapped_column(Float)  # the figure (a rate, a count …)
    shown: Mapped[str] = mapped_column(String(64), nullable=False, default="")  # as printed
    points: Mapped[float] = mapped_column(Float, nullable=False)


class AssessmentItem(UUIDPk, Base):
    """加分/扣分: the director's item for a target under a manual indicator, with its reason
    and, optionally, an attachment (its bytes in ``attachment_blobs`` by SHA-256)."""

    __tablename__ = "assessment_items"
    period_id: Mapped[uuid.UUID] = mapped_column(
        Uuid, ForeignKey("assessment_periods.id"), nullable=False, index=True
    )
    target_kind: Mapped[str] = mapped_column(String(16), nullable=False)
    target_id: Mapped[uuid.UUID] = mapped_column(Uuid, nullable=False)
    code: Mapped[str] = mapped_column(String(40), nullable=False)
    points: Mapped[float] = mapped_column(Float, nullable=False)  # + 加分, - 扣分
    reason: Mapped[str] = mapped_column(Text, nullable=False)
    file_name: Mapped[str | None] = mapped_column(String(255))
    sha256: Mapped[str | None] = mapped_column(String(64))
    entered_by: Mapped[uuid.UUID | None] = mapped_column(Uuid, ForeignKey("users.id"))
    entered_at: Mapped[datetime] = mapped_column(DateTime, nullable=False, default=now)


class TrainingSession(UUIDPk, Base):
    """教育培训: a training session with its date, topic, trainer and hours."""

    __tablename__ = "training_sessions"
    day: Mapped[date] = mapped_column(Date, nullable=False, index=True)
    topic: Mapped[str] = mapped_column(String(120), nullable=False)
    trainer: Mapped[str] = mapped_column(String(64), nullable=False, default="")
    hours: Mapped[float] = mapped_column(Float, nullable=False)
    created_by: Mapped[uuid.UUID | None] = mapped_column(Uuid, ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(DateTime, nullable=False, default=now)


class TrainingAttendee(UUIDPk, Base):
    """参训人员: one attendee of a session, with the unit they came from (training hours per
    unit are counted from these)."""

    __tablename__ = "training_attendees"
    session_id: Mapped[uuid.UUID] = mapped_column(
        Uuid, ForeignKey("training_sessions.id", ondelete="CASCADE"), nullable=False, index=True
    )
    position: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    name: Mapped[str] = mapped_column(String(64), nullable=False)
    unit_id: Mapped[uuid.UUID | None] = mapped_column(Uuid, ForeignKey("units.id"), index=True)
