"""社会救助 records made from a 求助 matter: the form comes filled in with the matter's first
person and village, the record keeps a link to the matter, and the matter's timeline shows it.

A record entered on its own (or imported) is a plain register record (``registers``, kind
``aid``); only a matter of the 求助 category (``AID_CATEGORIES``) can make one.
"""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy.orm import Session

from app.core import clock
from app.core.errors import NotFound, ValidationError
from app.core.ops import Change, read_op, write_op
from app.models import AidType, Category, EventKind, Grid, Matter, Unit, Village
from app.services.command import registers
from app.services.command.ledgers import AID_CATEGORIES
from app.services.context import Actor
from app.services.reception import timeline
from app.services.security.permissions import Action, allowed, require
from app.services.validation import mask_id_number

KIND = "aid"


def _aid_matter(session: Session, matter_id: uuid.UUID) -> Matter:
    m = session.get(Matter, matter_id)
    if m is None:
        raise NotFound("找不到该事项，可能已被撤销，请刷新列表。")
    category = m.category_name or session.get(Category, m.category_id).name
    if category not in AID_CATEGORIES:
        raise ValidationError(
            f"只有“求助”类事项可以登记社会救助，这件事项的类别是“{category}”。"
            "其他救助请在工作台账的社会救助台账中登记。"
        )
    return m


def can_make_aid(actor: Actor, category: str) -> bool:
    """Whether the handling tab offers 登记社会救助 on a matter of ``category``."""
    return category in AID_CATEGORIES and allowed(actor, Action.EDIT_REGISTERS)


@read_op
def aid_defaults(session: Session, actor: Actor, matter_id: uuid.UUID) -> dict[str, Any]:
    """The form's values for an aid record from the matter: its first person (name, ID number
    — masked for roles that may not see it whole), village, grid and unit; approved today."""
    require(actor, Action.EDIT_REGISTERS)
    m = _aid_matter(session, matter_id)
    values: dict[str, Any] = {
        "aid_type": AidType.TEMPORARY.label,
        "approved_on": clock.today(),
    }
    if m.persons:
        p = m.persons[0].person
        whole = allowed(actor, Action.VIEW_PERSONAL_DATA)
        values["name"] = p.name
        values["id_number"] = (p.id_number if whole else mask_id_number(p.id_number)) or ""
        if p.village_id is not None:
            values["village_id"] = session.get(Village, p.village_id).name
    grid_id = m.grid_id or (m.persons[0].person.grid_id if m.persons else None)
    if grid_id is not None and (g := session.get(Grid, grid_id)) is not None:
        values["grid_id"] = registers.grid_label(g.name, g.code)
        values.setdefault("village_id", session.get(Village, g.village_id).name)
    if m.unit_id is not None:
        values["unit_id"] = session.get(Unit, m.unit_id).name
    return values


@write_op(Change.REGISTERS, Change.MATTERS)
def add_for_matter(
    session: Session, actor: Actor, matter_id: uuid.UUID, raw: dict[str, Any]
) -> uuid.UUID:
    """An aid record made from a 求助 matter: every field checked as in the register, linked to
    the matter, and a 社会救助 step on the matter's timeline. Returns the record's id."""
    require(actor, Action.EDIT_REGISTERS)
    m = _aid_matter(session, matter_id)
    raw = dict(raw)
    typed = str(raw.get("id_number") or "").strip()
    for mp in m.persons:  # a masked number given back unchanged means the person's own
        stored = mp.person.id_number
        if stored and typed == mask_id_number(stored):
            raw["id_number"] = stored
    clean = registers.check_values(session, actor, KIND, raw)
    record = registers.new_record(session, actor, KIND, clean)
    record.matter_id = m.id
    session.flush()
    note = (
        f"登记社会救助：{record.aid_type.label} {record.amount:.2f} 元，"
        f"救助对象 {record.name}，{record.approver} {record.approved_on} 审批"
    )
    timeline.record(
        session,
        actor,
        m,
        EventKind.AID,
        note,
        audit_event="register_add_aid",
        object_type=KIND,
        object_id=record.id,
    )
    return record.id
