"""工作台账 registers that are records of their own (not views over matters): 流动人口,
特殊人群, 平安创建, 重点青少年, 校园及周边, 护路护线, 禁毒 and 社会救助; and the keys
of imported sheet rows, so an import never adds a row twice."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import Boolean, Date, DateTime, ForeignKey, Integer, Numeric, String, Text, Uuid
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base, UUIDPk, now
from .enums import (
    AidType,
    DrugCategory,
    DrugStatus,
    LineKind,
    RectifyStatus,
    SafetyKind,
    SafetyStatus,
    SchoolKind,
    SchoolStatus,
    SpecialCategory,
    UrineResult,
    WatchLevel,
    YouthCategory,
)
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


class KeyYouth(UUIDPk, Base):
    """重点青少年: 闲散、不良行为、社区矫正青少年 …, with guardian, schooling and who helps."""

    __tablename__ = "key_youths"
    name: Mapped[str] = mapped_column(String(64), nullable=False, index=True)
    id_number: Mapped[str | None] = mapped_column(String(18), index=True)
    phone: Mapped[str | None] = mapped_column(String(20))
    category: Mapped[YouthCategory] = mapped_column(_enum(YouthCategory), nullable=False)
    village_id: Mapped[uuid.UUID | None] = mapped_column(Uuid, ForeignKey("villages.id"))
    grid_id: Mapped[uuid.UUID | None] = mapped_column(Uuid, ForeignKey("grids.id"))
    address: Mapped[str] = mapped_column(String(120), nullable=False, default="")
    guardian: Mapped[str] = mapped_column(String(64), nullable=False, default="")  # 监护人
    guardian_phone: Mapped[str | None] = mapped_column(String(20))
    school_status: Mapped[SchoolStatus] = mapped_column(_enum(SchoolStatus), nullable=False)
    school: Mapped[str] = mapped_column(String(120), nullable=False, default="")  # 学校或单位
    helper: Mapped[str] = mapped_column(String(64), nullable=False, default="")  # 帮扶人
    unit_id: Mapped[uuid.UUID | None] = mapped_column(Uuid, ForeignKey("units.id"))
    listed_on: Mapped[date] = mapped_column(Date, nullable=False, index=True)
    measures: Mapped[str] = mapped_column(Text, nullable=False, default="")
    released_on: Mapped[date | None] = mapped_column(Date)
    note: Mapped[str] = mapped_column(Text, nullable=False, default="")
    created_by: Mapped[uuid.UUID | None] = mapped_column(Uuid, ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(DateTime, nullable=False, default=now)


class CampusCheck(UUIDPk, Base):
    """校园及周边: one safety inspection of a school and its surroundings, what it found and
    how that was put right (整改)."""

    __tablename__ = "campus_checks"
    school: Mapped[str] = mapped_column(String(120), nullable=False, index=True)
    school_kind: Mapped[SchoolKind] = mapped_column(_enum(SchoolKind), nullable=False)
    village_id: Mapped[uuid.UUID | None] = mapped_column(Uuid, ForeignKey("villages.id"))
    grid_id: Mapped[uuid.UUID | None] = mapped_column(Uuid, ForeignKey("grids.id"))
    contact: Mapped[str] = mapped_column(String(64), nullable=False, default="")  # 安全负责人
    contact_phone: Mapped[str | None] = mapped_column(String(20))
    unit_id: Mapped[uuid.UUID | None] = mapped_column(Uuid, ForeignKey("units.id"))
    inspected_on: Mapped[date] = mapped_column(Date, nullable=False, index=True)
    items: Mapped[str] = mapped_column(String(200), nullable=False, default="")  # 检查项目
    problems: Mapped[str] = mapped_column(Text, nullable=False, default="")
    rectify_status: Mapped[RectifyStatus] = mapped_column(_enum(RectifyStatus), nullable=False)
    rectify: Mapped[str] = mapped_column(Text, nullable=False, default="")  # 整改措施
    rectified_on: Mapped[date | None] = mapped_column(Date)
    note: Mapped[str] = mapped_column(Text, nullable=False, default="")
    created_by: Mapped[uuid.UUID | None] = mapped_column(Uuid, ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(DateTime, nullable=False, default=now)


class LinePatrol(UUIDPk, Base):
    """护路护线: a section of railway, road, power or telecom line, its 段长, its risk points
    and a patrol of it."""

    __tablename__ = "line_patrols"
    line: Mapped[str] = mapped_column(String(120), nullable=False, index=True)
    line_kind: Mapped[LineKind] = mapped_column(_enum(LineKind), nullable=False)
    section: Mapped[str] = mapped_column(String(120), nullable=False, default="")  # 管护路段
    village_id: Mapped[uuid.UUID | None] = mapped_column(Uuid, ForeignKey("villages.id"))
    grid_id: Mapped[uuid.UUID | None] = mapped_column(Uuid, ForeignKey("grids.id"))
    leader: Mapped[str] = mapped_column(String(64), nullable=False, default="")  # 段长
    leader_phone: Mapped[str | None] = mapped_column(String(20))
    unit_id: Mapped[uuid.UUID | None] = mapped_column(Uuid, ForeignKey("units.id"))
    patrolled_on: Mapped[date] = mapped_column(Date, nullable=False, index=True)
    risk_points: Mapped[str] = mapped_column(Text, nullable=False, default="")
    rectify_status: Mapped[RectifyStatus] = mapped_column(_enum(RectifyStatus), nullable=False)
    handling: Mapped[str] = mapped_column(Text, nullable=False, default="")  # 处置情况
    note: Mapped[str] = mapped_column(Text, nullable=False, default="")
    created_by: Mapped[uuid.UUID | None] = mapped_column(Uuid, ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(DateTime, nullable=False, default=now)


class DrugCase(UUIDPk, Base):
    """禁毒: a person in 社区戒毒 or 社区康复 (or another person using drugs), with the 帮教人
    and the latest urine test."""

    __tablename__ = "drug_cases"
    name: Mapped[str] = mapped_column(String(64), nullable=False, index=True)
    id_number: Mapped[str | None] = mapped_column(String(18), index=True)
    phone: Mapped[str | None] = mapped_column(String(20))
    category: Mapped[DrugCategory] = mapped_column(_enum(DrugCategory), nullable=False)
    status: Mapped[DrugStatus] = mapped_column(_enum(DrugStatus), nullable=False)
    village_id: Mapped[uuid.UUID | None] = mapped_column(Uuid, ForeignKey("villages.id"))
    grid_id: Mapped[uuid.UUID | None] = mapped_column(Uuid, ForeignKey("grids.id"))
    address: Mapped[str] = mapped_column(String(120), nullable=False, default="")
    helper: Mapped[str] = mapped_column(String(64), nullable=False, default="")  # 帮教人
    unit_id: Mapped[uuid.UUID | None] = mapped_column(Uuid, ForeignKey("units.id"))
    started_on: Mapped[date] = mapped_column(Date, nullable=False, index=True)  # 执行开始
    ends_on: Mapped[date | None] = mapped_column(Date)  # 期满 or 解除
    last_test_on: Mapped[date | None] = mapped_column(Date)  # 最近尿检
    test_result: Mapped[UrineResult | None] = mapped_column(_enum(UrineResult))
    measures: Mapped[str] = mapped_column(Text, nullable=False, default="")
    note: Mapped[str] = mapped_column(Text, nullable=False, default="")
    created_by: Mapped[uuid.UUID | None] = mapped_column(Uuid, ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(DateTime, nullable=False, default=now)


class AidRecord(UUIDPk, Base):
    """社会救助: aid granted to a person — its type, the amount, who approved it and when —
    made from a 求助 matter (``matter_id``) or entered on its own."""

    __tablename__ = "aid_records"
    aid_type: Mapped[AidType] = mapped_column(_enum(AidType), nullable=False)
    amount: Mapped[Decimal] = mapped_column(Numeric(12, 2), nullable=False)  # 元
    approver: Mapped[str] = mapped_column(String(64), nullable=False)  # 审批机关
    approved_on: Mapped[date] = mapped_column(Date, nullable=False, index=True)
    name: Mapped[str] = mapped_column(String(64), nullable=False, index=True)
    id_number: Mapped[str | None] = mapped_column(String(18), index=True)
    village_id: Mapped[uuid.UUID | None] = mapped_column(Uuid, ForeignKey("villages.id"))
    grid_id: Mapped[uuid.UUID | None] = mapped_column(Uuid, ForeignKey("grids.id"))
    unit_id: Mapped[uuid.UUID | None] = mapped_column(Uuid, ForeignKey("units.id"))
    matter_id: Mapped[uuid.UUID | None] = mapped_column(
        Uuid, ForeignKey("matters.id", ondelete="SET NULL"), index=True
    )
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
