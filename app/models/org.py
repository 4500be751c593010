"""Center settings, staff, units, villages and categories: data, never hard-wired."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import Boolean, DateTime, Enum, ForeignKey, Integer, String, Text, Uuid
from sqlalchemy import false as sa_false
from sqlalchemy import true as sa_true
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base, UUIDPk, now
from .enums import LimitKind, Role, UnitKind


def _enum(cls, length: int = 20) -> Enum:
    # Stored as plain VARCHAR of the codes: no CHECK constraint to recreate in batch migrations.
    return Enum(
        cls,
        native_enum=False,
        create_constraint=False,
        length=length,
        values_callable=lambda e: [m.value for m in e],
    )


class Setting(Base):
    """系统设置: one row per setting (center name, prefix, terminal code …); JSON value."""

    __tablename__ = "settings"
    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[str] = mapped_column(Text, nullable=False)


class User(UUIDPk, Base):
    """用户: a member of staff who signs in, with one role."""

    __tablename__ = "users"
    username: Mapped[str] = mapped_column(String(64), unique=True, nullable=False)
    display_name: Mapped[str] = mapped_column(String(64), nullable=False)
    password_hash: Mapped[str] = mapped_column(String(255), nullable=False)
    role: Mapped[Role] = mapped_column(_enum(Role), nullable=False)
    phone: Mapped[str | None] = mapped_column(String(32))
    # The room or stationed unit the person works in ("本单位" lists its matters).
    unit_id: Mapped[uuid.UUID | None] = mapped_column(Uuid, ForeignKey("units.id"))
    active: Mapped[bool] = mapped_column(Boolean, nullable=False, default=True)
    failed_logins: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    locked_until: Mapped[datetime | None] = mapped_column(DateTime)
    created_at: Mapped[datetime] = mapped_column(DateTime, nullable=False, default=now)


class Unit(UUIDPk, Base):
    """单位: a room of the center, a 派驻单位 or an outside body a matter can go to."""

    __tablename__ = "units"
    name: Mapped[str] = mapped_column(String(64), unique=True, nullable=False)
    short_name: Mapped[str] = mapped_column(
        String(32), nullable=False, default="", server_default=""
    )
    kind: Mapped[UnitKind] = mapped_column(_enum(UnitKind), nullable=False)
    head: Mapped[str] = mapped_column(String(64), nullable=False, default="", server_default="")
    phone: Mapped[str | None] = mapped_column(String(32))
    # Offered as a destination when a matter is routed (分流交办).
    takes_routed: Mapped[bool] = mapped_column(
        Boolean, nullable=False, default=True, server_default=sa_true()
    )
    sort: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    active: Mapped[bool] = mapped_column(Boolean, nullable=False, default=True)


class Village(UUIDPk, Base):
    """村/社区 of the street or township."""

    __tablename__ = "villages"
    name: Mapped[str] = mapped_column(String(64), unique=True, nullable=False)
    sort: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    active: Mapped[bool] = mapped_column(
        Boolean, nullable=False, default=True, server_default=sa_true()
    )
    # 合并: the village this one was merged into (its people moved there; it stays, inactive).
    merged_into_id: Mapped[uuid.UUID | None] = mapped_column(Uuid, ForeignKey("villages.id"))
    # 常住人口: for 考核评价's matters per 1,000 residents (None: not known).
    population: Mapped[int | None] = mapped_column(Integer)


class Grid(UUIDPk, Base):
    """网格 (全科网格): a part of a village or community with its 网格长 and 网格员; a village
    holds many. The 网格员 may have an account (role 网格员) that sees only this grid's matters."""

    __tablename__ = "grids"
    village_id: Mapped[uuid.UUID] = mapped_column(
        Uuid, ForeignKey("villages.id"), nullable=False, index=True
    )
    code: Mapped[str] = mapped_column(String(32), unique=True, nullable=False)
    name: Mapped[str] = mapped_column(String(64), nullable=False)
    leader_name: Mapped[str] = mapped_column(String(64), nullable=False, default="")  # 网格长
    leader_phone: Mapped[str] = mapped_column(String(32), nullable=False, default="")
    worker_name: Mapped[str] = mapped_column(String(64), nullable=False, default="")  # 网格员
    worker_phone: Mapped[str] = mapped_column(String(32), nullable=False, default="")
    worker_user_id: Mapped[uuid.UUID | None] = mapped_column(
        Uuid, ForeignKey("users.id"), unique=True
    )
    coverage: Mapped[str] = mapped_column(Text, nullable=False, default="")  # 覆盖范围
    sort: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    active: Mapped[bool] = mapped_column(
        Boolean, nullable=False, default=True, server_default=sa_true()
    )


class Category(UUIDPk, Base):
    """事项类别 with its time limit rule (docs/DOMAIN.md §3) and the unit it usually goes to."""

    __tablename__ = "categories"
    name: Mapped[str] = mapped_column(String(32), unique=True, nullable=False)
    limit_kind: Mapped[LimitKind] = mapped_column(_enum(LimitKind), nullable=False)
    limit_days: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    default_unit_id: Mapped[uuid.UUID | None] = mapped_column(
        Uuid, ForeignKey("units.id", ondelete="SET NULL")
    )
    # 信访事项: handled under the 信访工作条例 (the 信访 ledger and its limits).
    is_xinfang: Mapped[bool] = mapped_column(
        Boolean, nullable=False, default=False, server_default=sa_false()
    )
    sort: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    active: Mapped[bool] = mapped_column(Boolean, nullable=False, default=True)
