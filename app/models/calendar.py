"""Working-day calendar: statutory holidays and 调休 working weekends, editable per year."""

from __future__ import annotations

from datetime import date

from sqlalchemy import Date, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base
from .enums import DayKind
from .org import _enum


class CalendarDay(Base):
    """节假日 / 调休上班日: a date that differs from the Monday–Friday rule."""

    __tablename__ = "calendar_days"
    day: Mapped[date] = mapped_column(Date, primary_key=True)
    kind: Mapped[DayKind] = mapped_column(_enum(DayKind), nullable=False)
    name: Mapped[str | None] = mapped_column(String(32))


class CalendarYear(Base):
    """已知节假日的年份: seeded from the holidays library or entered by the admin."""

    __tablename__ = "calendar_years"
    year: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    source: Mapped[str] = mapped_column(String(16), nullable=False)  # library | admin


__all__ = ["CalendarDay", "CalendarYear"]
