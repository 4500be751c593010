"""Recomputing deadlines once a year's holidays are entered (on the admin's request).

While a year's holidays were missing, deadlines running into it counted weekends only. Once
the year is entered, the open matters whose deadline is still the one the calendar computed
then are moved to the deadline the full calendar gives. A deadline someone set by hand (an
approved extension, ``Matter.extended``) or one that no longer matches the calculation (the
category's rule changed since) is left as it is. Each moved matter gets a line on its
timeline; the run is audited. Matters are the only deadlines the calendar computes
(registration, the ledger import, the demo).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.core.clock import now
from app.core.ops import Change, read_op, write_op
from app.models import OPEN_STATUSES, Category, EventKind, LimitKind, Matter, MatterEvent
from app.services.center.calendar import WorkCalendar
from app.services.context import Actor
from app.services.security import audit
from app.services.security.permissions import Action, require


@dataclass(frozen=True)
class Moved:
    matter_id: uuid.UUID
    number: str
    old: date
    new: date


def _without_year(cal: WorkCalendar, year: int) -> WorkCalendar:
    """The calendar as it was while ``year`` was missing: weekends only in that year."""
    return WorkCalendar(
        {d for d in cal.holidays if d.year != year},
        {d for d in cal.workdays if d.year != year},
        cal.years - {year},
    )


def _moves(session: Session, year: int) -> list[tuple[Matter, date]]:
    cal = WorkCalendar.load(session)
    if year not in cal.years:
        return []
    before = _without_year(cal, year)
    q = (
        select(Matter, Category.limit_kind, Category.limit_days)
        .join(Category, Category.id == Matter.category_id)
        .where(
            Matter.status.in_(list(OPEN_STATUSES)),
            Matter.extended.is_(False),
            Category.limit_kind == LimitKind.WORKING,
            Matter.deadline >= date(year, 1, 1),
            Matter.received_at < datetime(year + 1, 1, 1),
        )
        .order_by(Matter.received_at, Matter.number)
    )
    found = []
    for m, kind, days in session.execute(q):
        if m.deadline != before.deadline(m.received_at, kind, days).due:
            continue  # not the weekends-only deadline: set by hand, or by another rule
        new = cal.deadline(m.received_at, kind, days).due
        if new != m.deadline:
            found.append((m, new))
    return found


@read_op
def preview(session: Session, actor: Actor, year: int) -> list[Moved]:
    """What :func:`recompute` would move, without moving it."""
    require(actor, Action.MANAGE_CALENDAR)
    return [Moved(m.id, m.number, m.deadline, new) for m, new in _moves(session, year)]


@write_op(Change.MATTERS)
def recompute(session: Session, actor: Actor, year: int) -> list[Moved]:
    """Move the deadlines that counted ``year`` as weekends only; returns what moved."""
    require(actor, Action.MANAGE_CALENDAR)
    at = now().replace(microsecond=0)
    moved = []
    for m, new in _moves(session, year):
        moved.append(Moved(m.id, m.number, m.deadline, new))
        session.add(
            MatterEvent(
                matter_id=m.id,
                at=at,
                user_id=actor.user_id,
                kind=EventKind.NOTE,
                note=(
                    f"{year}年节假日录入后重算期限：由 {m.deadline:%Y-%m-%d} 改为 {new:%Y-%m-%d}"
                ),
            )
        )
        m.deadline, m.updated_at = new, at
    session.flush()
    audit.record(
        session,
        actor,
        "deadlines_recomputed",
        object_type="calendar",
        object_id=str(year),
        reason=f"{len(moved)} 件事项的期限已重算",
    )
    return moved
