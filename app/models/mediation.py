"""矛盾纠纷调解室 · 家事调解室: a case's records, agreements and 回访 (docs/DOMAIN.md §5–6); the
case itself, its parties and mediators are in ``cases.py``.

An agreement is edited as a draft until every party has signed; then it is frozen, with the
parties' details as they stood copied into it. A correction is a new version of the same
agreement number and the signed one is kept (as with issued minutes).
"""

from __future__ import annotations

import uuid
from datetime import date, datetime

from sqlalchemy import (
    Boolean,
    Date,
    DateTime,
    ForeignKey,
    Integer,
    String,
    Text,
    UniqueConstraint,
    Uuid,
)
from sqlalchemy import false as sa_false
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .base import Base, UUIDPk, now
from .cases import CaseMediator, CaseParty, MediationCase  # noqa: F401 — the case
from .enums import (
    AgreementKind,
    AgreementStatus,
    ConfirmationResult,
    FamilyService,
    FollowUpMethod,
    Performance,
    ProtectionKind,
    Satisfaction,
)
from .org import _enum


class MediationRecord(UUIDPk, Base):
    """调解笔录: the record of one sitting of a case: when, where, who, what was said, result."""

    __tablename__ = "case_sessions"
    case_id: Mapped[uuid.UUID] = mapped_column(
        Uuid, ForeignKey("mediation_cases.id"), nullable=False, index=True
    )
    at: Mapped[datetime] = mapped_column(DateTime, nullable=False)
    place: Mapped[str] = mapped_column(String(120), nullable=False, default="")
    attendees: Mapped[str] = mapped_column(Text, nullable=False, default="")
    recorder: Mapped[str] = mapped_column(String(64), nullable=False, default="")
    rights_told: Mapped[bool] = mapped_column(
        Boolean, nullable=False, default=False, server_default=sa_false()
    )
    facts_checked: Mapped[str] = mapped_column(Text, nullable=False, default="")
    risks_warned: Mapped[str] = mapped_column(Text, nullable=False, default="")
    result: Mapped[str] = mapped_column(Text, nullable=False, default="")
    next_step: Mapped[str] = mapped_column(Text, nullable=False, default="")
    created_by: Mapped[uuid.UUID | None] = mapped_column(Uuid, ForeignKey("users.id"))
    updated_at: Mapped[datetime] = mapped_column(DateTime, nullable=False, default=now)
    statements: Mapped[list[CaseStatement]] = relationship(
        order_by="CaseStatement.position", cascade="all, delete-orphan"
    )


class CaseStatement(UUIDPk, Base):
    """陈述: who said what in a 调解笔录, in order."""

    __tablename__ = "case_statements"
    record_id: Mapped[uuid.UUID] = mapped_column(
        "session_id",
        Uuid,
        ForeignKey("case_sessions.id", ondelete="CASCADE"),
        nullable=False,
        index=True,
    )
    position: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    speaker: Mapped[str] = mapped_column(String(64), nullable=False)
    text: Mapped[str] = mapped_column(Text, nullable=False)


class Agreement(UUIDPk, Base):
    """调解协议书 (or a registered 口头协议); one row per version."""

    __tablename__ = "case_agreements"
    __table_args__ = (UniqueConstraint("number", "version", name="uq_case_agreements_version"),)
    case_id: Mapped[uuid.UUID] = mapped_column(
        Uuid, ForeignKey("mediation_cases.id"), nullable=False, index=True
    )
    number: Mapped[str] = mapped_column(String(40), nullable=False, index=True)
    version: Mapped[int] = mapped_column(Integer, nullable=False, default=1)
    supersedes_id: Mapped[uuid.UUID | None] = mapped_column(Uuid, ForeignKey("case_agreements.id"))
    kind: Mapped[AgreementKind] = mapped_column(_enum(AgreementKind), nullable=False)
    status: Mapped[AgreementStatus] = mapped_column(_enum(AgreementStatus), nullable=False)
    facts: Mapped[str] = mapped_column(Text, nullable=False, default="")
    performance_method: Mapped[str] = mapped_column(Text, nullable=False, default="")
    performance_deadline: Mapped[date | None] = mapped_column(Date)
    signed_on: Mapped[date | None] = mapped_column(Date)
    signed_by: Mapped[uuid.UUID | None] = mapped_column(Uuid, ForeignKey("users.id"))
    # 更正: why this version replaces the one before (asked when the correction is made).
    correction_reason: Mapped[str] = mapped_column(
        Text, nullable=False, default="", server_default=""
    )
    # The parties as they stood when it was signed (JSON), so a later edit of a party's
    # address cannot change what was signed.
    parties_snapshot: Mapped[str | None] = mapped_column(Text)
    mediators_snapshot: Mapped[str | None] = mapped_column(Text)
    created_by: Mapped[uuid.UUID | None] = mapped_column(Uuid, ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(DateTime, nullable=False, default=now)
    updated_at: Mapped[datetime] = mapped_column(DateTime, nullable=False, default=now)
    terms: Mapped[list[AgreementTerm]] = relationship(
        order_by="AgreementTerm.position", cascade="all, delete-orphan"
    )


class AgreementTerm(UUIDPk, Base):
    """协议条款: one numbered term of an agreement, in order."""

    __tablename__ = "agreement_terms"
    agreement_id: Mapped[uuid.UUID] = mapped_column(
        Uuid, ForeignKey("case_agreements.id", ondelete="CASCADE"), nullable=False, index=True
    )
    position: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    text: Mapped[str] = mapped_column(Text, nullable=False)


class FollowUp(UUIDPk, Base):
    """回访: planned for a date, recorded when made."""

    __tablename__ = "case_followups"
    case_id: Mapped[uuid.UUID] = mapped_column(
        Uuid, ForeignKey("mediation_cases.id"), nullable=False, index=True
    )
    planned_on: Mapped[date] = mapped_column(Date, nullable=False, index=True)
    done_on: Mapped[date | None] = mapped_column(Date)
    method: Mapped[FollowUpMethod | None] = mapped_column(_enum(FollowUpMethod))
    visited: Mapped[str] = mapped_column(String(64), nullable=False, default="")
    performance: Mapped[Performance | None] = mapped_column(_enum(Performance))
    satisfaction: Mapped[Satisfaction | None] = mapped_column(_enum(Satisfaction))
    lawsuit: Mapped[bool] = mapped_column(
        Boolean, nullable=False, default=False, server_default=sa_false()
    )
    escalation: Mapped[str] = mapped_column(Text, nullable=False, default="")
    measures: Mapped[str] = mapped_column(Text, nullable=False, default="")
    by_user: Mapped[uuid.UUID | None] = mapped_column(Uuid, ForeignKey("users.id"))


class JudicialConfirmation(UUIDPk, Base):
    """司法确认 of a signed agreement: applied jointly within 30 days of its effect."""

    __tablename__ = "case_confirmations"
    case_id: Mapped[uuid.UUID] = mapped_column(
        Uuid, ForeignKey("mediation_cases.id"), nullable=False, index=True
    )
    agreement_id: Mapped[uuid.UUID] = mapped_column(
        Uuid, ForeignKey("case_agreements.id"), nullable=False
    )
    applied_on: Mapped[date] = mapped_column(Date, nullable=False)
    court: Mapped[str] = mapped_column(String(64), nullable=False)
    result: Mapped[ConfirmationResult] = mapped_column(_enum(ConfirmationResult), nullable=False)
    result_on: Mapped[date | None] = mapped_column(Date)
    note: Mapped[str] = mapped_column(Text, nullable=False, default="")


class CaseMinor(UUIDPk, Base):
    """涉案未成年人: a minor involved in a family case, shown only to the case's mediators."""

    __tablename__ = "case_minors"
    case_id: Mapped[uuid.UUID] = mapped_column(
        Uuid, ForeignKey("mediation_cases.id"), nullable=False, index=True
    )
    name: Mapped[str] = mapped_column(String(64), nullable=False)
    sex: Mapped[str] = mapped_column(String(4), nullable=False, default="")
    age: Mapped[int | None] = mapped_column(Integer)
    relation: Mapped[str] = mapped_column(String(64), nullable=False, default="")
    note: Mapped[str] = mapped_column(Text, nullable=False, default="")


class CaseProtection(UUIDPk, Base):
    """反家暴保护措施: 告诫书 or 保护令 referral, shelter, against domestic violence."""

    __tablename__ = "case_protections"
    case_id: Mapped[uuid.UUID] = mapped_column(
        Uuid, ForeignKey("mediation_cases.id"), nullable=False, index=True
    )
    kind: Mapped[ProtectionKind] = mapped_column(_enum(ProtectionKind), nullable=False)
    on: Mapped[date] = mapped_column(Date, nullable=False)
    note: Mapped[str] = mapped_column(Text, nullable=False, default="")
    by_user: Mapped[uuid.UUID | None] = mapped_column(Uuid, ForeignKey("users.id"))


class CaseService(UUIDPk, Base):
    """家事服务: a service of the family room given in a case (普法宣传, 心理咨询 …)."""

    __tablename__ = "case_services"
    case_id: Mapped[uuid.UUID] = mapped_column(
        Uuid, ForeignKey("mediation_cases.id"), nullable=False, index=True
    )
    service: Mapped[FamilyService] = mapped_column(_enum(FamilyService), nullable=False)
    on: Mapped[date] = mapped_column(Date, nullable=False)
    note: Mapped[str] = mapped_column(Text, nullable=False, default="")
    by_user: Mapped[uuid.UUID | None] = mapped_column(Uuid, ForeignKey("users.id"))


class RightsComplaint(UUIDPk, Base):
    """妇女儿童权益投诉: a complaint of an infringement, taken in and referred."""

    __tablename__ = "case_complaints"
    case_id: Mapped[uuid.UUID] = mapped_column(
        Uuid, ForeignKey("mediation_cases.id"), nullable=False, index=True
    )
    received_on: Mapped[date] = mapped_column(Date, nullable=False)
    content: Mapped[str] = mapped_column(Text, nullable=False)
    referred_to: Mapped[str] = mapped_column(String(64), nullable=False, default="")
    referred_on: Mapped[date | None] = mapped_column(Date)
    by_user: Mapped[uuid.UUID | None] = mapped_column(Uuid, ForeignKey("users.id"))
