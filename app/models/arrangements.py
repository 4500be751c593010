"""预约联动, 信访陪访, 代理服务 and 组团服务: what is arranged for a matter beyond its timeline.

Registered when first named (``app.models``): a matter's documents printed from the command
line never read them (issue 17).
"""

from __future__ import annotations

import uuid
from datetime import date, datetime

from sqlalchemy import Date, DateTime, ForeignKey, String, Text, Uuid
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base, UUIDPk, now
from .enums import ArrangementKind
from .org import _enum


class Arrangement(UUIDPk, Base):
    """预约联动 (units meet at an agreed time), 信访陪访 (escort to a higher body) or
    代理服务 (a staff member carries the matter through for the person), with the outcome."""

    __tablename__ = "arrangements"
    matter_id: Mapped[uuid.UUID] = mapped_column(
        Uuid, ForeignKey("matters.id"), nullable=False, index=True
    )
    kind: Mapped[ArrangementKind] = mapped_column(_enum(ArrangementKind), nullable=False)
    at: Mapped[datetime] = mapped_column(DateTime, nullable=False, index=True)
    parties: Mapped[str] = mapped_column(String(255), nullable=False)  # units, body or agent
    staff: Mapped[str] = mapped_column(String(64), nullable=False, default="")
    promised_by: Mapped[date | None] = mapped_column(Date)
    outcome: Mapped[str | None] = mapped_column(Text)
    created_by: Mapped[uuid.UUID | None] = mapped_column(Uuid, ForeignKey("users.id"))


class Team(UUIDPk, Base):
    """组团服务: grid workers and unit staff assigned together to a matter or a village."""

    __tablename__ = "teams"
    name: Mapped[str] = mapped_column(String(64), nullable=False)
    members: Mapped[str] = mapped_column(String(255), nullable=False)
    matter_id: Mapped[uuid.UUID | None] = mapped_column(Uuid, ForeignKey("matters.id"))
    village_id: Mapped[uuid.UUID | None] = mapped_column(Uuid, ForeignKey("villages.id"))
    created_at: Mapped[datetime] = mapped_column(DateTime, nullable=False, default=now)
