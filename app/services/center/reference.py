"""Reference data the forms offer: units, categories, villages (plain rows, cached by views)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.core.ops import read_op
from app.models import Category, Grid, LimitKind, Role, Unit, UnitKind, User, Village


@dataclass(frozen=True)
class UnitRow:
    id: uuid.UUID
    name: str
    kind: UnitKind
    takes_routed: bool = True
    active: bool = True


@dataclass(frozen=True)
class CategoryRow:
    id: uuid.UUID
    name: str
    limit_kind: LimitKind
    limit_days: int
    default_unit_id: uuid.UUID | None
    is_xinfang: bool = False
    active: bool = True


@dataclass(frozen=True)
class VillageRow:
    id: uuid.UUID
    name: str
    active: bool = True


@dataclass(frozen=True)
class GridRow:
    id: uuid.UUID
    village_id: uuid.UUID
    name: str  # 名称（编码）
    worker: str  # the 网格员's name
    active: bool = True
    leader: str = ""  # the 网格长's name

    @property
    def workers(self) -> list[str]:
        """Who may report for the grid, as intake offers them: its 网格员, then its 网格长."""
        return list(dict.fromkeys(n for n in (self.worker, self.leader) if n))


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
    # Filters list every unit, category and village, deactivated ones too (history has them);
    # new choices (the lists above) only the active ones.
    all_units: list[UnitRow] = field(default_factory=list)
    all_categories: list[CategoryRow] = field(default_factory=list)
    all_villages: list[VillageRow] = field(default_factory=list)
    # Every grid, deactivated ones too (filters); ``grids_of`` offers a village's active ones.
    all_grids: list[GridRow] = field(default_factory=list)

    def grids_of(self, village_id: uuid.UUID | None) -> list[GridRow]:
        """The active grids of a village, for the choice at intake."""
        return [g for g in self.all_grids if g.active and g.village_id == village_id]

    def grid(self, grid_id: uuid.UUID | None) -> GridRow | None:
        return next((g for g in self.all_grids if g.id == grid_id), None)

    def routable(self) -> list[UnitRow]:
        """The active units a matter can be routed to (交办)."""
        return [u for u in self.units if u.takes_routed]

    def category(self, category_id: uuid.UUID) -> CategoryRow | None:
        return next((c for c in self.categories if c.id == category_id), None)

    def unit(self, unit_id: uuid.UUID | None) -> UnitRow | None:
        return next((u for u in self.units if u.id == unit_id), None)


def _shown(name: str, active: bool) -> str:
    return name if active else f"{name}（已停用）"


@read_op
def load_lookups(session: Session) -> Lookups:
    all_units = [
        UnitRow(u.id, _shown(u.name, u.active), u.kind, u.takes_routed, u.active)
        for u in session.scalars(select(Unit).order_by(Unit.sort, Unit.name))
    ]
    all_cats = [
        CategoryRow(
            c.id,
            _shown(c.name, c.active),
            c.limit_kind,
            c.limit_days,
            c.default_unit_id,
            c.is_xinfang,
            c.active,
        )
        for c in session.scalars(select(Category).order_by(Category.sort, Category.name))
    ]
    all_villages = [
        VillageRow(v.id, _shown(v.name, v.active), v.active)
        for v in session.scalars(select(Village).order_by(Village.sort, Village.name))
    ]
    units = [u for u in all_units if u.active]
    cats = [c for c in all_cats if c.active]
    villages = [v for v in all_villages if v.active]
    staff = [
        StaffRow(u.id, u.display_name, u.role)
        for u in session.scalars(
            select(User)
            .where(User.active.is_(True), User.role != Role.ADMIN)
            .order_by(User.display_name)
        )
    ]
    all_grids = [
        GridRow(
            g.id,
            g.village_id,
            _shown(f"{g.name}（{g.code}）", g.active),
            g.worker_name,
            g.active,
            g.leader_name,
        )
        for g in session.scalars(select(Grid).order_by(Grid.sort, Grid.code))
    ]
    return Lookups(units, cats, villages, staff, all_units, all_cats, all_villages, all_grids)
