"""AB岗, 请假 and 领导接访: who covers a post, who is away, which leader receives when.

Registered when first named (``app.models``): a matter's documents printed from the command
line never read them (issue 17).
"""

from __future__ import annotations

import uuid
from datetime import date

from sqlalchemy import Date, ForeignKey, String, Uuid
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base, UUIDPk


class Post(UUIDPk, Base):
    """AB岗: a post (综合受理窗口, 调解员 …) held by A, covered by B when A is away."""

    __tablename__ = "posts"
    name: Mapped[str] = mapped_column(String(64), unique=True, nullable=False)
    a_user_id: Mapped[uuid.UUID] = mapped_column(Uuid, ForeignKey("users.id"), nullable=False)
    b_user_id: Mapped[uuid.UUID | None] = mapped_column(Uuid, ForeignKey("users.id"))


class Absence(UUIDPk, Base):
    """请假 / 外出: a member of staff away (leave, training …) between two days, inclusive."""

    __tablename__ = "absences"
    user_id: Mapped[uuid.UUID] = mapped_column(
        Uuid, ForeignKey("users.id"), nullable=False, index=True
    )
    starts_on: Mapped[date] = mapped_column(Date, nullable=False)
    ends_on: Mapped[date] = mapped_column(Date, nullable=False)
    reason: Mapped[str] = mapped_column(String(64), nullable=False)


class LeaderDay(UUIDPk, Base):
    """领导接访: a leader's reception day at the center."""

    __tablename__ = "leader_days"
    leader_id: Mapped[uuid.UUID] = mapped_column(Uuid, ForeignKey("users.id"), nullable=False)
    day: Mapped[date] = mapped_column(Date, nullable=False, index=True)
    place: Mapped[str] = mapped_column(String(64), nullable=False, default="")
