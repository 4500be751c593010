"""Room confidentiality through the matter (issue 16 §5).

Once a matter belongs to a family mediation case (or was routed to 家事调解室), or was routed
to 暖心工作室, roles outside that room see only that it is there and its status:
"已转家事调解室，案号 BSJT2026-A-0001" — never its facts, the measures taken or the notes.
The detail, its timeline, lists, search and the ledgers (and so their exports) all ask here.

Inside the family room: whoever may view mediation cases (mediators, the director). Inside
暖心工作室: the counsellors, and the director who oversees the center (and the program itself).
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable

from sqlalchemy import ColumnElement, DateTime, String, Uuid, and_, column, or_, select, table
from sqlalchemy.orm import Session

from app.core.ops import read_op
from app.models import CaseRoom, Matter, Unit
from app.services.context import Actor
from app.services.security.permissions import Action, allowed, oversees_all

FAMILY_ROOM = "家事调解室"
COUNSELLING_ROOM = "暖心工作室"

# What is asked here of mediation's cases, asked of their table itself (app.models.cases):
# a matter's documents printed from the command line then need not map the case classes
# (issue 17). tests/services/test_room_confidentiality.py checks it against the model.
CASES = table(
    "mediation_cases",
    column("matter_id", Uuid),
    column("room", String),  # CaseRoom's value, as the model stores it
    column("number", String),
    column("accepted_at", DateTime),
)
_FAMILY = CASES.c.room == CaseRoom.FAMILY.value


def _family_cases():
    return select(CASES.c.matter_id).where(_FAMILY, CASES.c.matter_id.is_not(None))


def _routed_to(name: str) -> ColumnElement[bool]:
    # Never NULL (a matter with no unit is simply not there), so NOT of it is safe in a search.
    unit = select(Unit.id).where(Unit.name == name)
    return and_(Matter.unit_id.is_not(None), Matter.unit_id.in_(unit))


def _outside_family(actor: Actor) -> bool:
    return not allowed(actor, Action.VIEW_CASES)


def _outside_counselling(actor: Actor) -> bool:
    return not (oversees_all(actor) or allowed(actor, Action.COUNSELLING_NOTES))


def sealed_condition(actor: Actor) -> ColumnElement[bool] | None:
    """SQL: the matters whose contents ``actor`` may not see (None: they may see them all)."""
    conds = []
    if _outside_family(actor):
        conds += [Matter.id.in_(_family_cases()), _routed_to(FAMILY_ROOM)]
    if _outside_counselling(actor):
        conds.append(_routed_to(COUNSELLING_ROOM))
    return or_(*conds) if conds else None


@read_op
def sealed_lines(
    session: Session, actor: Actor, ids: Iterable[uuid.UUID] | None = None
) -> dict[uuid.UUID, str]:
    """The line shown instead of the contents, for each of ``ids`` (None: every matter) that
    ``actor`` may not see into; matters they may see are not in the result."""
    cond = sealed_condition(actor)
    if cond is None:
        return {}
    q = select(Matter.id, Unit.name).outerjoin(Unit, Unit.id == Matter.unit_id)
    if ids is None:
        found = {mid: unit for mid, unit in session.execute(q.where(cond))}
    else:
        ids = list(ids)
        if not ids:
            return {}
        # The page's rows are read by id and the condition tested on each, in the SELECT list:
        # in the WHERE clause SQLite would rather read every matter routed to either room
        # (33 ms for a page at 300,000 matters, instead of 1).
        q = q.add_columns(cond.label("sealed")).where(Matter.id.in_(ids))
        found = {mid: unit for mid, unit, sealed in session.execute(q) if sealed}
    if not found:
        return {}
    cases = {}
    if _outside_family(actor):
        cases = dict(
            session.execute(
                select(CASES.c.matter_id, CASES.c.number)
                .where(_FAMILY)
                .where(CASES.c.matter_id.in_(list(found)))
                .order_by(CASES.c.accepted_at)
            ).all()
        )
    lines = {}
    for mid, unit in found.items():
        if mid in cases:
            lines[mid] = f"已转{FAMILY_ROOM}，案号 {cases[mid]}（内容仅该室可见）"
        else:
            room = unit if unit in (FAMILY_ROOM, COUNSELLING_ROOM) else FAMILY_ROOM
            lines[mid] = f"已转{room}（内容仅该室可见）"
    return lines


@read_op
def sealed_references(session: Session, actor: Actor) -> dict[str, str]:
    """The numbers (matters', and family cases') whose contents ``actor`` may not see, each
    with the line shown instead: free text elsewhere (meeting minutes, decisions) that names
    one of them is sealed too (``seal_text``)."""
    cond = sealed_condition(actor)
    if cond is None:
        return {}
    lines = sealed_lines(session, actor)
    refs = {
        number: lines[mid]
        for mid, number in session.execute(select(Matter.id, Matter.number).where(cond))
        if mid in lines
    }
    if _outside_family(actor):
        for number, mid in session.execute(
            select(CASES.c.number, CASES.c.matter_id).where(_FAMILY)
        ):
            refs[number] = lines.get(mid) or f"{FAMILY_ROOM}的案件（内容仅该室可见）"
    return refs


def seal_text(text: str, refs: dict[str, str]) -> str:
    """``text``, or — if it names a sealed matter or case — only that it is there."""
    if not text or not refs:
        return text
    for number, line in refs.items():
        if number and number in text:
            return f"涉及 {number}：{line}"
    return text
