"""A matter's timeline: every step is written here, together with its audit row.

A timeline event and the audit row that records who did it are written by one helper, so no
step on a matter's timeline goes unaudited. Only ``flow`` moves a matter's status; the other
services (督办, 服务安排, 附件, 领导接访, 调解 …) add events that leave it as it is.
"""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy.orm import Session

from app.core.ops import Change, write_op
from app.models import EventKind, Matter, MatterEvent, MatterStatus
from app.models.base import now
from app.services.context import Actor
from app.services.security import audit


def _event(
    actor: Actor,
    matter: Matter | uuid.UUID,
    kind: EventKind,
    note: str | None,
    at: datetime,
    from_status: MatterStatus | None,
    to_status: MatterStatus | None,
) -> MatterEvent:
    event = MatterEvent(
        at=at,
        user_id=actor.user_id,
        kind=kind,
        from_status=from_status,
        to_status=to_status,
        note=note or None,
    )
    if isinstance(matter, Matter):
        matter.events.append(event)
    else:
        event.matter_id = matter
    return event


@write_op(Change.MATTERS)
def record(
    session: Session,
    actor: Actor,
    matter: Matter | uuid.UUID,
    kind: EventKind,
    note: str | None = None,
    *,
    audit_event: str,
    at: datetime | None = None,
    from_status: MatterStatus | None = None,
    to_status: MatterStatus | None = None,
    object_type: str = "matter",
    object_id: object | None = None,
    reason: str | None = None,
) -> MatterEvent:
    """One step on ``matter``'s timeline and its audit row ``audit_event``, in the caller's
    transaction. The audit row names the matter unless the step is about an object of its own
    (a 督办单, a team: ``object_type``/``object_id``)."""
    at = (at or now()).replace(microsecond=0)
    event = _event(actor, matter, kind, note, at, from_status, to_status)
    session.add(event)
    session.flush()
    audit.record(
        session,
        actor,
        audit_event,
        object_type=object_type,
        object_id=object_id if object_id is not None else event.matter_id,
        reason=reason,
        at=at,
    )
    return event


def record_in_bulk(
    actor: Actor,
    matter: Matter,
    kind: EventKind,
    note: str | None = None,
    *,
    at: datetime,
    from_status: MatterStatus | None = None,
    to_status: MatterStatus | None = None,
) -> MatterEvent:
    """A step on the timeline of a matter written by a bulk operation (an import of thousands
    of rows), which writes one audit row for the whole batch itself: nothing is flushed here."""
    return _event(actor, matter, kind, note, at.replace(microsecond=0), from_status, to_status)


def printed_before(matter: Matter, title: str) -> list[datetime]:
    """When the document ``title`` of ``matter`` was printed (its ``record_print`` steps)."""
    return [
        e.at
        for e in matter.events
        if e.kind == EventKind.DOCUMENT and e.note in (f"打印{title}", f"补打{title}")
    ]


@write_op(Change.MATTERS)
def record_print(
    session: Session,
    actor: Actor,
    matter: Matter,
    title: str,
    *,
    audit_event: str,
    object_type: str = "matter",
    object_id: object | None = None,
) -> None:
    """A document of ``matter`` printed: "打印{title}" on its timeline ("补打…" when printed
    before) with the audit row ``audit_event``. An archived matter's timeline is closed: there
    the print is only audited."""
    if matter.status == MatterStatus.ARCHIVED:
        audit.record(
            session,
            actor,
            audit_event,
            object_type=object_type,
            object_id=object_id if object_id is not None else matter.id,
            reason=title,
        )
        return
    again = bool(printed_before(matter, title))
    record(
        session,
        actor,
        matter,
        EventKind.DOCUMENT,
        ("补打" if again else "打印") + title,
        audit_event=audit_event,
        object_type=object_type,
        object_id=object_id,
        reason=title,
    )
