"""检查记录 of the 重点场所 register: who inspected a place when, what they found, the
problems and whether they were put right (整改) by the deadline. The places themselves are
register records (``registers.REGISTERS["places"]``)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.core import clock
from app.core.errors import NotFound, ValidationError
from app.core.ops import Change, read_op, write_op
from app.models import KeyPlace, PlaceInspection
from app.services.context import Actor
from app.services.security import audit
from app.services.security.permissions import Action, require
from app.services.validation import parse_yes_no, validate_text


@dataclass(frozen=True)
class InspectionRow:
    id: uuid.UUID
    inspected_on: date
    inspector: str
    findings: str
    problems: str
    rectified: bool
    deadline: date | None

    @property
    def state(self) -> str:
        """整改 as a list shows it: 无问题, 已整改, 待整改 (期限 …) or 逾期未整改."""
        if not self.problems:
            return "无问题"
        if self.rectified:
            return "已整改"
        if self.deadline and self.deadline < clock.today():
            return "逾期未整改"
        return f"待整改（期限 {self.deadline}）" if self.deadline else "待整改"


def _place(session: Session, place_id: uuid.UUID) -> KeyPlace:
    place = session.get(KeyPlace, place_id)
    if place is None:
        raise NotFound("找不到这个重点场所，可能已被其他终端修改，请刷新后再试。")
    return place


def _date(value: Any, label: str) -> date | None:
    from app.services.command.registers import parse_date

    if value in (None, ""):
        return None
    return parse_date(value, label)


@write_op(Change.REGISTERS)
def add_inspection(
    session: Session, actor: Actor, place_id: uuid.UUID, raw: dict[str, Any]
) -> uuid.UUID:
    """添加检查记录: date, inspector, findings, problems, rectified, deadline; every field
    checked, then saved with an audit row."""
    require(actor, Action.EDIT_REGISTERS)
    place = _place(session, place_id)
    problems: dict[str, str] = {}
    clean: dict[str, Any] = {}
    for key, label in (("inspected_on", "检查日期"), ("deadline", "整改期限")):
        try:
            clean[key] = _date(raw.get(key), label)
        except ValidationError as err:
            problems[key] = next(iter(err.fields.values()))
    if "inspected_on" not in problems:
        if clean["inspected_on"] is None:
            problems["inspected_on"] = "请填写检查日期"
        elif clean["inspected_on"] > clock.today():
            problems["inspected_on"] = "检查日期不能晚于今天"
    inspector = str(raw.get("inspector") or "")
    try:  # a control character pasted in (U+0000 PostgreSQL cannot even store) is refused
        inspector = validate_text(inspector, "inspector", "检查人", max_len=64)
    except ValidationError as err:
        problems["inspector"] = next(iter(err.fields.values()))
    for key, label in (("findings", "检查情况"), ("problems", "发现问题")):
        try:
            clean[key] = validate_text(
                str(raw.get(key) or ""), key, label, required=False, max_len=1000
            )
        except ValidationError as err:
            problems[key] = next(iter(err.fields.values()))
    try:  # "否" or "0" from a sheet or a form is not rectified, as bool() would take it
        rectified = bool(parse_yes_no(raw.get("rectified"), "rectified", "是否已整改"))
    except ValidationError as err:
        problems["rectified"] = err.fields["rectified"]
        rectified = False
    deadline, on = clean.get("deadline"), clean.get("inspected_on")
    if deadline and on and deadline < on:
        problems["deadline"] = "整改期限不能早于检查日期"
    if problems:
        raise ValidationError(problems)
    row = PlaceInspection(
        id=uuid.uuid4(),
        place_id=place.id,
        inspector=inspector,
        rectified=rectified,
        created_by=actor.user_id,
        **clean,
    )
    session.add(row)
    session.flush()
    audit.record(
        session,
        actor,
        "place_inspection_add",
        object_type="places",
        object_id=place.id,
        reason=on.isoformat(),
    )
    return row.id


@write_op(Change.REGISTERS)
def mark_rectified(session: Session, actor: Actor, inspection_id: uuid.UUID) -> None:
    """The problems an inspection found were put right (已整改)."""
    require(actor, Action.EDIT_REGISTERS)
    row = session.get(PlaceInspection, inspection_id)
    if row is None:
        raise NotFound("找不到这条检查记录，请刷新后再试。")
    if not row.rectified:
        row.rectified = True
        audit.record(
            session, actor, "place_rectified", object_type="places", object_id=row.place_id
        )


@read_op
def list_inspections(session: Session, actor: Actor, place_id: uuid.UUID) -> list[InspectionRow]:
    """A place's inspections, newest first."""
    require(actor, Action.VIEW_LEDGERS)
    _place(session, place_id)
    q = (
        select(PlaceInspection)
        .where(PlaceInspection.place_id == place_id)
        .order_by(PlaceInspection.inspected_on.desc(), PlaceInspection.created_at.desc())
    )
    return [
        InspectionRow(
            r.id, r.inspected_on, r.inspector, r.findings, r.problems, r.rectified, r.deadline
        )
        for r in session.scalars(q)
    ]
