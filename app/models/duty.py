"""值班 (roster, log, handover, 突发事件) and 信息报送 (reports upward, 呈报 of a matter)."""

from __future__ import annotations

import uuid
from datetime import date, datetime

from sqlalchemy import Date, DateTime, ForeignKey, Integer, String, Text, UniqueConstraint, Uuid
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base, UUIDPk, now
from .enums import EmergencyLevel, ReportKind, ReportStage
from .org import _enum


class DutyDay(UUIDPk, Base):
    """值班表的一天: the 带班领导 (director or deputy), the duty staff and the duty phone."""

    __tablename__ = "duty_days"
    day: Mapped[date] = mapped_column(Date, unique=True, nullable=False)
    leader_id: Mapped[uuid.UUID | None] = mapped_column(Uuid, ForeignKey("users.id"))
    staff_id: Mapped[uuid.UUID | None] = mapped_column(Uuid, ForeignKey("users.id"))
    phone: Mapped[str] = mapped_column(String(32), nullable=False, default="")
    note: Mapped[str] = mapped_column(String(120), nullable=False, default="")
    updated_at: Mapped[datetime] = mapped_column(DateTime, nullable=False, default=now)


class DutyLogEntry(UUIDPk, Base):
    """值班日志的一条: a call or an event, its source and what was done; possibly a 突发事件."""

    __tablename__ = "duty_log_entries"
    at: Mapped[datetime] = mapped_column(DateTime, nullable=False, index=True)
    source: Mapped[str] = mapped_column(String(32), nullable=False)
    caller: Mapped[str] = mapped_column(String(64), nullable=False, default="")
    phone: Mapped[str] = mapped_column(String(32), nullable=False, default="")
    content: Mapped[str] = mapped_column(Text, nullable=False)
    action: Mapped[str] = mapped_column(Text, nullable=False, default="")
    recorded_by: Mapped[uuid.UUID | None] = mapped_column(Uuid, ForeignKey("users.id"))
    # The matter it was turned into (登记为事项), registered through intake.
    matter_id: Mapped[uuid.UUID | None] = mapped_column(Uuid, ForeignKey("matters.id"))
    # 突发事件: its level, when it was marked and when the 首报 is due (None: no clock).
    emergency_level: Mapped[EmergencyLevel | None] = mapped_column(_enum(EmergencyLevel))
    emergency_at: Mapped[datetime | None] = mapped_column(DateTime)
    first_report_due: Mapped[datetime | None] = mapped_column(DateTime)


class DutyHandover(UUIDPk, Base):
    """交接班: the outgoing person's note, acknowledged by the incoming person."""

    __tablename__ = "duty_handovers"
    day: Mapped[date] = mapped_column(Date, nullable=False, index=True)
    from_user_id: Mapped[uuid.UUID] = mapped_column(Uuid, ForeignKey("users.id"), nullable=False)
    to_user_id: Mapped[uuid.UUID] = mapped_column(Uuid, ForeignKey("users.id"), nullable=False)
    note: Mapped[str] = mapped_column(Text, nullable=False)
    written_at: Mapped[datetime] = mapped_column(DateTime, nullable=False, default=now)
    acknowledged_at: Mapped[datetime | None] = mapped_column(DateTime)


class UpwardReport(UUIDPk, Base):
    """信息报送: a 情况报告, 专报, 简报 or 突发事件报告, numbered per year, kind and terminal
    (the numbering service's counter); frozen once the director signs it (签发)."""

    __tablename__ = "upward_reports"
    __table_args__ = (
        UniqueConstraint(
            "kind", "year", "terminal", "seq", name="uq_upward_reports_kind_year_terminal_seq"
        ),
    )
    kind: Mapped[ReportKind] = mapped_column(_enum(ReportKind), nullable=False)
    stage: Mapped[ReportStage | None] = mapped_column(_enum(ReportStage))
    year: Mapped[int] = mapped_column(Integer, nullable=False)
    # The terminal that numbered it: each terminal has its own series (see number_for).
    terminal: Mapped[str] = mapped_column(String(8), nullable=False, server_default="A")
    seq: Mapped[int] = mapped_column(Integer, nullable=False)
    number: Mapped[str] = mapped_column(String(40), unique=True, nullable=False)
    title: Mapped[str] = mapped_column(String(120), nullable=False)
    body: Mapped[str] = mapped_column(Text, nullable=False, default="")
    attachments: Mapped[str] = mapped_column(Text, nullable=False, default="")  # one a line
    recipient: Mapped[str] = mapped_column(String(120), nullable=False, default="")  # 主送
    copy_no: Mapped[str] = mapped_column(String(8), nullable=False, default="")  # 份号
    secrecy: Mapped[str] = mapped_column(String(16), nullable=False, default="")  # 密级
    urgency: Mapped[str] = mapped_column(String(8), nullable=False, default="")  # 紧急程度
    distribution: Mapped[str] = mapped_column(String(255), nullable=False, default="")  # 抄送
    duty_entry_id: Mapped[uuid.UUID | None] = mapped_column(
        Uuid, ForeignKey("duty_log_entries.id"), index=True
    )
    signer: Mapped[str] = mapped_column(String(64), nullable=False, default="")  # 签发人
    signed_by: Mapped[uuid.UUID | None] = mapped_column(Uuid, ForeignKey("users.id"))
    signed_at: Mapped[datetime | None] = mapped_column(DateTime)
    created_by: Mapped[uuid.UUID | None] = mapped_column(Uuid, ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(DateTime, nullable=False, default=now)
    updated_at: Mapped[datetime] = mapped_column(DateTime, nullable=False, default=now)


class ReportAttachment(UUIDPk, Base):
    """信息报送的附件: a file kept with a report, stored by content hash in the same folder as
    matters' attachments (app/services/reception/attachments.py)."""

    __tablename__ = "report_attachments"
    report_id: Mapped[uuid.UUID] = mapped_column(
        Uuid, ForeignKey("upward_reports.id"), nullable=False, index=True
    )
    file_name: Mapped[str] = mapped_column(String(255), nullable=False)
    sha256: Mapped[str] = mapped_column(String(64), nullable=False)
    size: Mapped[int] = mapped_column(Integer, nullable=False)
    added_by: Mapped[uuid.UUID | None] = mapped_column(Uuid, ForeignKey("users.id"))
    added_at: Mapped[datetime] = mapped_column(DateTime, nullable=False, default=now)


class MatterEscalation(UUIDPk, Base):
    """呈报: a matter sent up to a named higher body with a reason, linked to a report."""

    __tablename__ = "matter_escalations"
    matter_id: Mapped[uuid.UUID] = mapped_column(
        Uuid, ForeignKey("matters.id"), nullable=False, index=True
    )
    body: Mapped[str] = mapped_column(String(64), nullable=False)
    reason: Mapped[str] = mapped_column(Text, nullable=False)
    report_id: Mapped[uuid.UUID | None] = mapped_column(Uuid, ForeignKey("upward_reports.id"))
    at: Mapped[datetime] = mapped_column(DateTime, nullable=False, default=now)
    by_user_id: Mapped[uuid.UUID | None] = mapped_column(Uuid, ForeignKey("users.id"))


__all__ = [
    "DutyDay",
    "DutyHandover",
    "DutyLogEntry",
    "MatterEscalation",
    "ReportAttachment",
    "UpwardReport",
]
