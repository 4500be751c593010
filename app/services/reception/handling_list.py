"""事项办理's list, read a page at a time by key (``intake.matter_page``), never every id.

The list's views narrowed by another register (督办, 延期申请, AB岗, 今日预约) look their
matters up once per page; 本单位 looks the user's unit up when asked (an admin may have just
moved them); 即将到期和超期 reads the candidates (``intake.due_cutoff``) and keeps the rows
that are due. Each page comes with the rows' extension marks (``flow.extension_marks``).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, replace
from datetime import date

from sqlalchemy.orm import Session

from app.core.ops import read_op
from app.models import ExtensionStatus, MatterStatus
from app.services.center.calendar import WorkCalendar
from app.services.context import Actor
from app.services.reception import arrangements, flow, intake, posts, supervision
from app.services.reception.intake import Estimate, MatterFilter, MatterRow
from app.services.security import auth

IN_FLOW = frozenset(
    {MatterStatus.REGISTERED, MatterStatus.ROUTED, MatterStatus.IN_PROGRESS, MatterStatus.DONE}
)
Marks = dict[uuid.UUID, ExtensionStatus | None]


@dataclass
class HandlingPage:
    """A page of the list: the filter as narrowed (None: the list is empty, e.g. 本单位 for a
    user of no unit), its rows and their extension marks."""

    filter: MatterFilter | None
    rows: list[MatterRow]
    marks: Marks


def _narrowed(
    session: Session, actor: Actor, f: MatterFilter, view: str, today: date, cal: WorkCalendar
) -> MatterFilter | None:
    g = replace(f)
    if view == "unit":
        g.unit_id = auth.unit_of(session, actor.user_id)
        g.statuses = IN_FLOW
        if g.unit_id is None:
            return None
    if view == "extension":
        g.matter_ids = frozenset(flow.waiting_extensions(session, actor))
    elif view == "supervised":
        g.matter_ids = frozenset(o.matter_id for o in supervision.list_orders(session, actor))
    elif view == "today":
        found = arrangements.list_arrangements(session, actor, day=today)
        g.matter_ids = frozenset(a.matter_id for a in found)
    elif view == "absent":
        found = posts.waiting_on_absent(session, actor, today)
        g.matter_ids = frozenset(c.matter_id for c in found)
    elif view == "due":
        g.due_by = intake.due_cutoff(cal, today)
    return g


def _rows_after(
    session: Session,
    actor: Actor,
    g: MatterFilter | None,
    view: str,
    after: tuple | None,
    cal: WorkCalendar,
) -> list[MatterRow]:
    """The next page: a page read by key, less the rows not kept, until it is full."""
    rows: list[MatterRow] = []
    while g is not None:
        batch = intake.matter_page(session, actor, g, after=after, limit=intake.PAGE, calendar=cal)
        rows += [r for r in batch if view != "due" or r.overdue or r.due_soon]
        if len(batch) < intake.PAGE or len(rows) >= intake.PAGE:
            break
        after = (batch[-1].received_at, batch[-1].number)
    return rows


@read_op
def handling_page(
    session: Session,
    actor: Actor,
    f: MatterFilter,
    view: str,
    today: date,
    calendar: WorkCalendar,
    after: tuple | None = None,
) -> HandlingPage:
    """The page of the list after ``after`` (the first page when None), in the ``view`` chosen
    (all, unit, extension, supervised, today, absent, due)."""
    g = _narrowed(session, actor, f, view, today, calendar)
    rows = _rows_after(session, actor, g, view, after, calendar)
    marks = flow.extension_marks(session, actor, [r.id for r in rows]) if rows else {}
    return HandlingPage(g, rows, marks)


@read_op
def handling_count(
    session: Session, actor: Actor, g: MatterFilter, view: str, calendar: WorkCalendar
) -> Estimate:
    """How many the list holds (``g`` as ``handling_page`` narrowed it): an estimate, except
    for 即将到期和超期, whose rows are known only row by row, so all are read."""
    if view != "due":
        return intake.estimate_matters(session, actor, g)
    n, after = 0, None
    while rows := _rows_after(session, actor, g, view, after, calendar):
        n += len(rows)
        if len(rows) < intake.PAGE:
            break
        after = (rows[-1].received_at, rows[-1].number)
    return Estimate(n, True)


@read_op
def handling_rows(
    session: Session, actor: Actor, ids: list[uuid.UUID], calendar: WorkCalendar
) -> tuple[list[MatterRow], Marks]:
    """The rows of these matters and their extension marks."""
    rows = intake.matter_rows(session, actor, ids, calendar=calendar)
    return rows, flow.extension_marks(session, actor, ids)
