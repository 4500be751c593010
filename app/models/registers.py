"""工作台账 registers that are records of their own (not views over matters): 流动人口,
特殊人群, 平安创建; and the keys of imported sheet rows, so an import never adds a row twice."""

from __future__ import annotations

import uuid
from datetime import date, datetime

from sqlalchemy import Boolean, Date, DateTime, ForeignKey, Integer, String, Text, Uuid
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base, UUIDPk, now
from .enums import SafetyKind, SafetyStatus, SpecialCategory, WatchLevel
from .org import _enum


class Migrant(UUIDPk, Base):
    """流动人口: a person from elsewhere living or working here, from arrival to departure."""

    __tablename__ = "migrants"
    name: Mapped[str] = mapped_column(String(64), nullable=False, index=True)
    id_number: Mapped[str | None] = mapped_column(String(18), index=True)
    phone: Mapped[str | None] = mapped_column(String(20))
    origin: Mapped[str] = mapped_column(String(120), nullable=False, default="")  # 户籍地
    village_id: Mapped[uuid.UUID | None] = mapped_column(Uuid, ForeignKey("villages.id"))
    grid_id: Mapped[uuid.UUID | None] = mapped_column(Uuid, ForeignKey("grids.id"))
    address: Mapped[str] = mapped_column(String(120), nullable=False, default="")  # 现住址
    employer: Mapped[str] = mapped_column(String(120), nullable=False, default="")
    arrived_on: Mapped[date] = mapped_column(Date, nullable=False, index=True)
    permit_no: Mapped[str] = mapped_column(String(32), nullable=False, default="")  # 居住证号
    left_on: Mapped[date | None] = mapped_column(Date)
    unit_id: Mapped[uuid.UUID | None] = mapped_column(Uuid, ForeignKey("units.id"))
    note: Mapped[str] = mapped_column(Text, nullable=False, default="")
    created_by: Mapped[uuid.UUID | None] = mapped_column(Uuid, ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(DateTime, nullable=False, default=now)


class SpecialPerson(UUIDPk, Base):
    """特殊人群: 社区矫正, 刑满释放, 吸毒人员, 严重精神障碍患者 …, with who helps and watches."""

    __tablename__ = "special_persons"
    name: Mapped[str] = mapped_column(String(64), nullable=False, index=True)
    id_number: Mapped[str | None] = mapped_column(String(18), index=True)
    phone: Mapped[str | None] = mapped_column(String(20))
    category: Mapped[SpecialCategory] = mapped_column(_enum(SpecialCategory), nullable=False)
    village_id: Mapped[uuid.UUID | None] = mapped_column(Uuid, ForeignKey("villages.id"))
    grid_id: Mapped[uuid.UUID | None] = mapped_column(Uuid, ForeignKey("grids.id"))
    address: Mapped[str] = mapped_column(String(120), nullable=False, default="")
    risk_level: Mapped[WatchLevel] = mapped_column(_enum(WatchLevel), nullable=False)
    helper: Mapped[str] = mapped_column(String(64), nullable=False, default="")  # 帮扶责任人
    unit_id: Mapped[uuid.UUID | None] = mapped_column(Uuid, ForeignKey("units.id"))
    listed_on: Mapped[date] = mapped_column(Date, nullable=False, index=True)  # 列管日期
    measures: Mapped[str] = mapped_column(Text, nullable=False, default="")
    released_on: Mapped[date | None] = mapped_column(Date)  # 解除列管
    note: Mapped[str] = mapped_column(Text, nullable=False, default="")
    created_by: Mapped[uuid.UUID | None] = mapped_column(Uuid, ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(DateTime, nullable=False, default=now)


class SafetyCreation(UUIDPk, Base):
    """平安创建: a village, family, unit, enterprise or market taking part in a year's campaign."""

    __tablename__ = "safety_creations"
    kind: Mapped[SafetyKind] = mapped_column(_enum(SafetyKind), nullable=False)
    name: Mapped[str] = mapped_column(String(120), nullable=False)
    village_id: Mapped[uuid.UUID | None] = mapped_column(Uuid, ForeignKey("villages.id"))
    grid_id: Mapped[uuid.UUID | None] = mapped_column(Uuid, ForeignKey("grids.id"))
    unit_id: Mapped[uuid.UUID | None] = mapped_column(Uuid, ForeignKey("units.id"))
    year: Mapped[int] = mapped_column(Integer, nullable=False, index=True)
    status: Mapped[SafetyStatus] = mapped_column(_enum(SafetyStatus), nullable=False)
    assessed_on: Mapped[date | None] = mapped_column(Date)
    note: Mapped[str] = mapped_column(Text, nullable=False, default="")
    created_by: Mapped[uuid.UUID | None] = mapped_column(Uuid, ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(DateTime, nullable=False, default=now)


class ImportedRow(Base):
    """已导入的表格行: one sheet row already imported (hash of its cleaned values, per kind)."""

    __tablename__ = "imported_rows"
    kind: Mapped[str] = mapped_column(String(32), primary_key=True)
    row_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    object_id: Mapped[uuid.UUID] = mapped_column(Uuid, nullable=False)
    imported_at: Mapped[datetime] = mapped_column(DateTime, nullable=False, default=now)


class ImportJob(UUIDPk, Base):
    """导入批次: an import under way. Its checked rows are staged first (``staging``); the
    commit point turns it ``ready``, and its rows then move into the records in short
    transactions — finished by whoever next finds it, if the importing program was stopped."""

    __tablename__ = "import_jobs"
    kind: Mapped[str] = mapped_column(String(32), nullable=False)
    file_name: Mapped[str] = mapped_column(String(255), nullable=False)
    sheet_named: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    user_id: Mapped[uuid.UUID | None] = mapped_column(Uuid, ForeignKey("users.id"))
    state: Mapped[str] = mapped_column(String(16), nullable=False)  # staging, ready
    rows: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    created_at: Mapped[datetime] = mapped_column(DateTime, nullable=False, default=now)
    touched_at: Mapped[datetime] = mapped_column(DateTime, nullable=False, default=now)


class StagedRow(Base):
    """待写入的导入行: a checked row of an import, waiting to be written (tagged JSON)."""

    __tablename__ = "import_staged_rows"
    job_id: Mapped[uuid.UUID] = mapped_column(
        Uuid, ForeignKey("import_jobs.id", ondelete="CASCADE"), primary_key=True
    )
    n: Mapped[int] = mapped_column(Integer, primary_key=True)  # the order of the sheet
    row_hash: Mapped[str] = mapped_column(String(64), nullable=False)
    payload: Mapped[str] = mapped_column(Text, nullable=False)
