"""SQLAlchemy models. Importing this package registers every table on ``Base.metadata``."""

from .audit import AuditEntry
from .base import Base
from .calendar import CalendarDay, CalendarYear
from .enums import (
    OPEN_STATUSES,
    Channel,
    DayKind,
    EventKind,
    LimitKind,
    MatterStatus,
    Role,
    UnitKind,
)
from .matters import Matter, MatterEvent, MatterPerson, NumberCounter
from .org import Category, Setting, Unit, User, Village
from .people import Person

__all__ = [
    "OPEN_STATUSES",
    "AuditEntry",
    "Base",
    "CalendarDay",
    "CalendarYear",
    "Category",
    "Channel",
    "DayKind",
    "EventKind",
    "LimitKind",
    "Matter",
    "MatterEvent",
    "MatterPerson",
    "MatterStatus",
    "NumberCounter",
    "Person",
    "Role",
    "Setting",
    "Unit",
    "UnitKind",
    "User",
    "Village",
]
