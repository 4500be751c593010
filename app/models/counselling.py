"""暖心工作室: clients, sessions, care plans, activities, and the keys of the confidential notes.

Confidential text (session notes, what a risk level is based on, care-plan goals, follow-up
notes, outcomes) is stored only as ciphertext: ``*_ct`` columns hold nonce ‖ ciphertext ‖ tag,
and every row that has them names the algorithm (``crypt_alg``) and the data key (``key_id``).
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
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
    Uuid,
)
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base, UUIDPk, now
from .enums import (
    ActivityKind,
    CarePlanStatus,
    ClientSource,
    ConsentKind,
    RiskLevel,
    SessionForm,
    TargetGroup,
)
from .org import _enum


class NotesRecoveryKey(UUIDPk, Base):
    """恢复密钥 (公钥): the private half of the center's recovery key is printed, in a safe."""

    __tablename__ = "notes_recovery_keys"
    public_key: Mapped[bytes] = mapped_column(LargeBinary, nullable=False)
    fingerprint: Mapped[str] = mapped_column(String(32), nullable=False)
    created_at: Mapped[datetime] = mapped_column(DateTime, nullable=False, default=now)


class NotesKey(UUIDPk, Base):
    """咨询记录数据密钥: a data key of the notes; the key itself is never stored, only its wraps."""

    __tablename__ = "notes_keys"
    created_at: Mapped[datetime] = mapped_column(DateTime, nullable=False, default=now)
    created_by: Mapped[uuid.UUID | None] = mapped_column(Uuid, ForeignKey("users.id"))


class NotesKeyWrap(UUIDPk, Base):
    """数据密钥封装: the data key encrypted for one counsellor or for the recovery key.

    A counsellor's wrap: ``user_id`` set, ``salt`` for Argon2id. The recovery wrap: ``user_id``
    empty, ``recovery_id`` and ``ephemeral_public`` set (X25519 to the recovery public key).
    A wrap made stale by an admin's password reset is kept (nothing is destroyed) but unused.
    """

    __tablename__ = "notes_key_wraps"
    __table_args__ = (UniqueConstraint("key_id", "user_id", name="uq_notes_key_wraps_key_user"),)
    key_id: Mapped[uuid.UUID] = mapped_column(
        Uuid, ForeignKey("notes_keys.id"), nullable=False, index=True
    )
    user_id: Mapped[uuid.UUID | None] = mapped_column(Uuid, ForeignKey("users.id"))
    recovery_id: Mapped[uuid.UUID | None] = mapped_column(
        Uuid, ForeignKey("notes_recovery_keys.id")
    )
    crypt_alg: Mapped[str] = mapped_column(String(16), nullable=False)
    kdf: Mapped[str] = mapped_column(String(64), nullable=False)
    salt: Mapped[bytes | None] = mapped_column(LargeBinary)
    ephemeral_public: Mapped[bytes | None] = mapped_column(LargeBinary)
    wrapped: Mapped[bytes] = mapped_column(LargeBinary, nullable=False)
    stale: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    granted_by: Mapped[uuid.UUID | None] = mapped_column(Uuid, ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(DateTime, nullable=False, default=now)


class CounsellingClient(UUIDPk, Base):
    """来访者: linked to a Person, or registered under a pseudonym when the client asks."""

    __tablename__ = "counselling_clients"
    person_id: Mapped[uuid.UUID | None] = mapped_column(Uuid, ForeignKey("persons.id"))
    pseudonym: Mapped[str | None] = mapped_column(String(64))
    target_group: Mapped[TargetGroup] = mapped_column(_enum(TargetGroup), nullable=False)
    source: Mapped[ClientSource] = mapped_column(_enum(ClientSource), nullable=False)
    counsellor_id: Mapped[uuid.UUID] = mapped_column(
        Uuid, ForeignKey("users.id"), nullable=False, index=True
    )
    # Current risk (the latest session's), kept here so the director's alert needs no notes.
    risk_level: Mapped[RiskLevel] = mapped_column(_enum(RiskLevel), nullable=False)
    risk_since: Mapped[date] = mapped_column(Date, nullable=False)
    closed: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    created_at: Mapped[datetime] = mapped_column(DateTime, nullable=False, default=now)
    created_by: Mapped[uuid.UUID | None] = mapped_column(Uuid, ForeignKey("users.id"))


class CounsellingSession(UUIDPk, Base):
    """心理咨询记录: one session (date, counsellor, form, risk level); its notes encrypted."""

    __tablename__ = "counselling_sessions"
    client_id: Mapped[uuid.UUID] = mapped_column(
        Uuid, ForeignKey("counselling_clients.id"), nullable=False, index=True
    )
    held_on: Mapped[date] = mapped_column(Date, nullable=False)
    counsellor_id: Mapped[uuid.UUID] = mapped_column(Uuid, ForeignKey("users.id"), nullable=False)
    duration_minutes: Mapped[int] = mapped_column(Integer, nullable=False)
    form: Mapped[SessionForm] = mapped_column(_enum(SessionForm), nullable=False)
    risk_level: Mapped[RiskLevel] = mapped_column(_enum(RiskLevel), nullable=False)
    next_appointment: Mapped[datetime | None] = mapped_column(DateTime)
    crypt_alg: Mapped[str] = mapped_column(String(16), nullable=False)
    key_id: Mapped[uuid.UUID] = mapped_column(Uuid, ForeignKey("notes_keys.id"), nullable=False)
    risk_basis_ct: Mapped[bytes] = mapped_column(LargeBinary, nullable=False)
    notes_ct: Mapped[bytes] = mapped_column(LargeBinary, nullable=False)
    created_at: Mapped[datetime] = mapped_column(DateTime, nullable=False, default=now)
    updated_at: Mapped[datetime] = mapped_column(DateTime, nullable=False, default=now)


class CarePlan(UUIDPk, Base):
    """跟踪帮扶: goals, follow-up schedule, who follows up, referrals, outcome."""

    __tablename__ = "care_plans"
    client_id: Mapped[uuid.UUID] = mapped_column(
        Uuid, ForeignKey("counselling_clients.id"), nullable=False, index=True
    )
    follower_id: Mapped[uuid.UUID] = mapped_column(
        Uuid, ForeignKey("users.id"), nullable=False, index=True
    )
    interval_days: Mapped[int] = mapped_column(Integer, nullable=False)
    next_follow_up: Mapped[date | None] = mapped_column(Date, index=True)
    referral_to: Mapped[str] = mapped_column(String(255), nullable=False, default="")
    status: Mapped[CarePlanStatus] = mapped_column(_enum(CarePlanStatus), nullable=False)
    crypt_alg: Mapped[str] = mapped_column(String(16), nullable=False)
    key_id: Mapped[uuid.UUID] = mapped_column(Uuid, ForeignKey("notes_keys.id"), nullable=False)
    goals_ct: Mapped[bytes] = mapped_column(LargeBinary, nullable=False)
    outcome_ct: Mapped[bytes | None] = mapped_column(LargeBinary)
    created_at: Mapped[datetime] = mapped_column(DateTime, nullable=False, default=now)
    closed_at: Mapped[datetime | None] = mapped_column(DateTime)


class CareFollowUp(UUIDPk, Base):
    """帮扶回访: one follow-up made under a care plan; its note is encrypted."""

    __tablename__ = "care_follow_ups"
    plan_id: Mapped[uuid.UUID] = mapped_column(
        Uuid, ForeignKey("care_plans.id"), nullable=False, index=True
    )
    done_on: Mapped[date] = mapped_column(Date, nullable=False)
    by_id: Mapped[uuid.UUID] = mapped_column(Uuid, ForeignKey("users.id"), nullable=False)
    crypt_alg: Mapped[str] = mapped_column(String(16), nullable=False)
    key_id: Mapped[uuid.UUID] = mapped_column(Uuid, ForeignKey("notes_keys.id"), nullable=False)
    note_ct: Mapped[bytes] = mapped_column(LargeBinary, nullable=False)
    created_at: Mapped[datetime] = mapped_column(DateTime, nullable=False, default=now)


class CounsellingReferral(UUIDPk, Base):
    """转介: a printed referral summary: to whom, and the client's consent (not its content)."""

    __tablename__ = "counselling_referrals"
    client_id: Mapped[uuid.UUID] = mapped_column(
        Uuid, ForeignKey("counselling_clients.id"), nullable=False, index=True
    )
    to_body: Mapped[str] = mapped_column(String(120), nullable=False)
    consent: Mapped[ConsentKind] = mapped_column(_enum(ConsentKind), nullable=False)
    consent_on: Mapped[date] = mapped_column(Date, nullable=False)
    sessions_included: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    printed_by: Mapped[uuid.UUID] = mapped_column(Uuid, ForeignKey("users.id"), nullable=False)
    printed_at: Mapped[datetime] = mapped_column(DateTime, nullable=False, default=now)


class CounsellingActivity(UUIDPk, Base):
    """团体活动 and 心理健康宣传教育: date, topic, audience, attendance."""

    __tablename__ = "counselling_activities"
    kind: Mapped[ActivityKind] = mapped_column(_enum(ActivityKind), nullable=False)
    held_on: Mapped[date] = mapped_column(Date, nullable=False, index=True)
    topic: Mapped[str] = mapped_column(String(120), nullable=False)
    audience: Mapped[str] = mapped_column(String(120), nullable=False, default="")
    attendance: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    partners: Mapped[str] = mapped_column(String(120), nullable=False, default="")
    notes: Mapped[str] = mapped_column(Text, nullable=False, default="")
    created_by: Mapped[uuid.UUID | None] = mapped_column(Uuid, ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(DateTime, nullable=False, default=now)
