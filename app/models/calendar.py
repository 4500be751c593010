"""Working-day calendar: statutory holidays and 调休 working weekends, editable per year."""

from __future__ import annotations

from datetime import date

from sqlalchemy import Date, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base
from .enums import DayKind
from .org import _enum


class CalendarDay(Base):
    """A date that differs from the Monday–Friday rule: a holiday, or a working weekend (调休)."""

    __tablename__ = "calendar_days"
    day: Mapped[date] = mapped_column(Date, primary_key=True)
    kind: Mapped[DayKind] = mapped_column(_enum(DayKind), nullable=False)
    name: Mapped[str | None] = mapped_column(String(32))


class CalendarYear(Base):
    """A year whose holidays are known (seeded from the library or entered by the admin)."""

    __tablename__ = "calendar_years"
    year: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    source: Mapped[str] = mapped_column(String(16), nullable=False)  # library | admin


__all__ = ["CalendarDay", "CalendarYear"]
