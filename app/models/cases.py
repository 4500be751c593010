"""调解案件 with its parties and mediators: the case itself, apart from its paperwork
(records, agreements, 回访: ``mediation.py``).

Other rooms ask only about the case — whether a matter belongs to a family case, and so is
sealed; ``services.reception.sealed`` asks that of the table itself (``CASES``), so a matter's
documents printed from the command line register none of these tables (issue 17).
"""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import (
    BigInteger,
    Boolean,
    DateTime,
    ForeignKey,
    Integer,
    String,
    Text,
    UniqueConstraint,
    Uuid,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .base import Base, UUIDPk, now
from .enums import (
    CaseRoom,
    CaseSource,
    CaseStatus,
    DisputeType,
    MediationForm,
    PartyKind,
    PartyRole,
    TransferBody,
    ViolenceRisk,
)
from .org import _enum


class MediationCase(UUIDPk, Base):
    """调解案件: a case of the 矛盾纠纷调解室 or the 家事调解室, from 受理 to 归档."""

    __tablename__ = "mediation_cases"
    __table_args__ = (
        UniqueConstraint("prefix", "room", "year", "terminal", "seq", name="uq_cases_number_parts"),
    )
    number: Mapped[str] = mapped_column(String(32), unique=True, nullable=False)
    prefix: Mapped[str] = mapped_column(String(16), nullable=False)
    room: Mapped[CaseRoom] = mapped_column(_enum(CaseRoom), nullable=False, index=True)
    year: Mapped[int] = mapped_column(Integer, nullable=False)
    terminal: Mapped[str] = mapped_column(String(8), nullable=False)
    seq: Mapped[int] = mapped_column(Integer, nullable=False)
    matter_id: Mapped[uuid.UUID | None] = mapped_column(Uuid, ForeignKey("matters.id"), index=True)
    source: Mapped[CaseSource] = mapped_column(_enum(CaseSource), nullable=False)
    referred_by: Mapped[str] = mapped_column(String(64), nullable=False, default="")
    dispute_type: Mapped[DisputeType] = mapped_column(_enum(DisputeType), nullable=False)
    form: Mapped[MediationForm] = mapped_column(_enum(MediationForm), nullable=False)
    title: Mapped[str] = mapped_column(String(120), nullable=False)
    facts: Mapped[str] = mapped_column(Text, nullable=False)
    requests: Mapped[str] = mapped_column(Text, nullable=False, default="")
    amount_cents: Mapped[int | None] = mapped_column(BigInteger)
    status: Mapped[CaseStatus] = mapped_column(_enum(CaseStatus), nullable=False, index=True)
    accepted_at: Mapped[datetime] = mapped_column(DateTime, nullable=False, index=True)
    closed_at: Mapped[datetime | None] = mapped_column(DateTime)
    outcome: Mapped[str | None] = mapped_column(Text)  # why it failed / ended / was transferred
    transfer_body: Mapped[TransferBody | None] = mapped_column(_enum(TransferBody))
    transfer_to: Mapped[str | None] = mapped_column(String(64))
    archived_at: Mapped[datetime | None] = mapped_column(DateTime)
    archived_by: Mapped[uuid.UUID | None] = mapped_column(Uuid, ForeignKey("users.id"))
    retention: Mapped[str | None] = mapped_column(String(16))
    created_by: Mapped[uuid.UUID | None] = mapped_column(Uuid, ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(DateTime, nullable=False, default=now)
    updated_at: Mapped[datetime] = mapped_column(DateTime, nullable=False, default=now)
    # 家事调解室 only.
    relationship_text: Mapped[str | None] = mapped_column(String(64))
    violence_risk: Mapped[ViolenceRisk | None] = mapped_column(_enum(ViolenceRisk))

    parties: Mapped[list[CaseParty]] = relationship(
        back_populates="case", order_by="CaseParty.position", cascade="all, delete-orphan"
    )
    mediators: Mapped[list[CaseMediator]] = relationship(
        back_populates="case", cascade="all, delete-orphan"
    )


class CaseParty(UUIDPk, Base):
    """申请人 / 被申请人 / 第三人: a person or an organisation, with an agent if any."""

    __tablename__ = "case_parties"
    case_id: Mapped[uuid.UUID] = mapped_column(
        Uuid, ForeignKey("mediation_cases.id", ondelete="CASCADE"), nullable=False, index=True
    )
    position: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    role: Mapped[PartyRole] = mapped_column(_enum(PartyRole), nullable=False)
    kind: Mapped[PartyKind] = mapped_column(_enum(PartyKind), nullable=False)
    name: Mapped[str] = mapped_column(String(64), nullable=False)
    sex: Mapped[str] = mapped_column(String(4), nullable=False, default="")
    ethnicity: Mapped[str] = mapped_column(String(16), nullable=False, default="")
    age: Mapped[int | None] = mapped_column(Integer)
    occupation: Mapped[str] = mapped_column(String(64), nullable=False, default="")
    workplace: Mapped[str] = mapped_column(
        String(64), nullable=False, default="", server_default=""
    )
    id_number: Mapped[str] = mapped_column(String(18), nullable=False, default="")
    phone: Mapped[str] = mapped_column(String(20), nullable=False, default="")
    address: Mapped[str] = mapped_column(String(120), nullable=False, default="")
    # For an organisation: its legal representative (法定代表人).
    representative: Mapped[str] = mapped_column(String(64), nullable=False, default="")
    # 法定代表人 / 负责人 and the title (职务) they sign with.
    representative_title: Mapped[str] = mapped_column(
        String(32), nullable=False, default="", server_default=""
    )
    agent_name: Mapped[str] = mapped_column(String(64), nullable=False, default="")
    agent_kind: Mapped[str] = mapped_column(String(16), nullable=False, default="")
    agent_phone: Mapped[str] = mapped_column(String(20), nullable=False, default="")
    case: Mapped[MediationCase] = relationship(back_populates="parties")


class CaseMediator(Base):
    """承办调解员: a mediator of a case; ``is_lead`` marks the one in charge."""

    __tablename__ = "case_mediators"
    case_id: Mapped[uuid.UUID] = mapped_column(
        Uuid, ForeignKey("mediation_cases.id", ondelete="CASCADE"), primary_key=True
    )
    user_id: Mapped[uuid.UUID] = mapped_column(
        Uuid, ForeignKey("users.id"), primary_key=True, index=True
    )
    is_lead: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    case: Mapped[MediationCase] = relationship(back_populates="mediators")
