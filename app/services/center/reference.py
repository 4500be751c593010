"""Reference data the forms offer: units, categories, villages (plain rows, cached by views)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.core.ops import read_op
from app.models import Category, LimitKind, Role, Unit, UnitKind, User, Village


@dataclass(frozen=True)
class UnitRow:
    id: uuid.UUID
    name: str
    kind: UnitKind


@dataclass(frozen=True)
class CategoryRow:
    id: uuid.UUID
    name: str
    limit_kind: LimitKind
    limit_days: int
    default_unit_id: uuid.UUID | None


@dataclass(frozen=True)
class VillageRow:
    id: uuid.UUID
    name: str


@dataclass(frozen=True)
class StaffRow:
    id: uuid.UUID
    name: str
    role: Role


@dataclass(frozen=True)
class Lookups:
    units: list[UnitRow]
    categories: list[CategoryRow]
    villages: list[VillageRow]
    staff: list[StaffRow] = field(default_factory=list)

    def category(self, category_id: uuid.UUID) -> CategoryRow | None:
        return next((c for c in self.categories if c.id == category_id), None)

    def unit(self, unit_id: uuid.UUID | None) -> UnitRow | None:
        return next((u for u in self.units if u.id == unit_id), None)


@read_op
def load_lookups(session: Session) -> Lookups:
    units = [
        UnitRow(u.id, u.name, u.kind)
        for u in session.scalars(
            select(Unit).where(Unit.active.is_(True)).order_by(Unit.sort, Unit.name)
        )
    ]
    cats = [
        CategoryRow(c.id, c.name, c.limit_kind, c.limit_days, c.default_unit_id)
        for c in session.scalars(
            select(Category).where(Category.active.is_(True)).order_by(Category.sort)
        )
    ]
    villages = [
        VillageRow(v.id, v.name)
        for v in session.scalars(select(Village).order_by(Village.sort, Village.name))
    ]
    staff = [
        StaffRow(u.id, u.display_name, u.role)
        for u in session.scalars(
            select(User)
            .where(User.active.is_(True), User.role != Role.ADMIN)
            .order_by(User.display_name)
        )
    ]
    return Lookups(units, cats, villages, staff)
