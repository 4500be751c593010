"""SQLAlchemy models. Importing this package registers every table on ``Base.metadata``."""

from .audit import AuditEntry
from .base import Base
from .calendar import CalendarDay, CalendarYear
from .enums import (
    OPEN_STATUSES,
    ArrangementKind,
    AttendanceKind,
    Channel,
    DayKind,
    DecisionStatus,
    EventKind,
    LimitKind,
    MatterStatus,
    MeetingKind,
    MeetingStatus,
    Role,
    Satisfaction,
    UnitKind,
)
from .matters import (
    Arrangement,
    Attachment,
    Matter,
    MatterEvent,
    MatterPerson,
    NumberCounter,
    SupervisionOrder,
)
from .meetings import AgendaItem, Decision, Meeting, MeetingAttendee
from .org import Absence, Category, LeaderDay, Post, Setting, Team, Unit, User, Village
from .people import Person

__all__ = [
    "OPEN_STATUSES",
    "Absence",
    "Arrangement",
    "ArrangementKind",
    "Attachment",
    "Post",
    "AgendaItem",
    "AttendanceKind",
    "Decision",
    "DecisionStatus",
    "Meeting",
    "MeetingAttendee",
    "MeetingKind",
    "MeetingStatus",
    "AuditEntry",
    "Base",
    "CalendarDay",
    "CalendarYear",
    "Category",
    "Channel",
    "DayKind",
    "EventKind",
    "LeaderDay",
    "LimitKind",
    "Matter",
    "MatterEvent",
    "MatterPerson",
    "MatterStatus",
    "NumberCounter",
    "Person",
    "Role",
    "Satisfaction",
    "Setting",
    "SupervisionOrder",
    "Team",
    "Unit",
    "UnitKind",
    "User",
    "Village",
]
