"""重点人员、重点场所: the visits made to the 特殊人群 register's people (走访记录), and the
重点场所 register (出租房, 娱乐场所, 寄递网点 …) with its inspections (检查记录)."""

from __future__ import annotations

import uuid
from datetime import date, datetime

from sqlalchemy import Boolean, Date, DateTime, ForeignKey, String, Text, Uuid
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .base import Base, UUIDPk, now
from .enums import PlaceKind, VisitMethod, WatchLevel
from .org import _enum
from .registers import SpecialPerson


class SpecialVisit(UUIDPk, Base):
    """走访记录: one visit (or call) to a person of the 特殊人群 register; the newest one is the
    register's 最近走访, and its risk level the person's current one."""

    __tablename__ = "special_visits"
    person_id: Mapped[uuid.UUID] = mapped_column(
        Uuid, ForeignKey("special_persons.id", ondelete="CASCADE"), nullable=False, index=True
    )
    visited_on: Mapped[date] = mapped_column(Date, nullable=False, index=True)
    visitor: Mapped[str] = mapped_column(String(64), nullable=False)  # staff or 网格员
    method: Mapped[VisitMethod] = mapped_column(_enum(VisitMethod), nullable=False)
    findings: Mapped[str] = mapped_column(Text, nullable=False, default="")
    risk_level: Mapped[WatchLevel] = mapped_column(_enum(WatchLevel), nullable=False)
    created_by: Mapped[uuid.UUID | None] = mapped_column(Uuid, ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(DateTime, nullable=False, default=now)
    # Written in the same flush as a new person (its first visit): inserted after it.
    person: Mapped[SpecialPerson] = relationship(lazy="raise", passive_deletes=True)


class KeyPlace(UUIDPk, Base):
    """重点场所: a place the center keeps watch on (出租房, 娱乐场所, 寄递网点 …)."""

    __tablename__ = "key_places"
    name: Mapped[str] = mapped_column(String(120), nullable=False, index=True)
    kind: Mapped[PlaceKind] = mapped_column(_enum(PlaceKind), nullable=False)
    address: Mapped[str] = mapped_column(String(120), nullable=False, default="")
    village_id: Mapped[uuid.UUID | None] = mapped_column(Uuid, ForeignKey("villages.id"))
    grid_id: Mapped[uuid.UUID | None] = mapped_column(Uuid, ForeignKey("grids.id"))
    responsible: Mapped[str] = mapped_column(String(64), nullable=False, default="")  # 负责人
    phone: Mapped[str | None] = mapped_column(String(20))
    unit_id: Mapped[uuid.UUID | None] = mapped_column(Uuid, ForeignKey("units.id"))
    note: Mapped[str] = mapped_column(Text, nullable=False, default="")
    created_by: Mapped[uuid.UUID | None] = mapped_column(Uuid, ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(DateTime, nullable=False, default=now)


class PlaceInspection(UUIDPk, Base):
    """检查记录: one inspection of a 重点场所, the problems found and whether they were put right
    (整改) by the deadline."""

    __tablename__ = "place_inspections"
    place_id: Mapped[uuid.UUID] = mapped_column(
        Uuid, ForeignKey("key_places.id", ondelete="CASCADE"), nullable=False, index=True
    )
    inspected_on: Mapped[date] = mapped_column(Date, nullable=False, index=True)
    inspector: Mapped[str] = mapped_column(String(64), nullable=False)
    findings: Mapped[str] = mapped_column(Text, nullable=False, default="")
    problems: Mapped[str] = mapped_column(Text, nullable=False, default="")
    rectified: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    deadline: Mapped[date | None] = mapped_column(Date)  # 整改期限
    created_by: Mapped[uuid.UUID | None] = mapped_column(Uuid, ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(DateTime, nullable=False, default=now)
