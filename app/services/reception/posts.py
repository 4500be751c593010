"""AB岗: each post has an A and a B; while A is away (leave, training), B covers A's work.

Routing to an absent A hands the matter to B (noted on the timeline), and matters already
waiting on an absent A are listed with who covers them.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date

from sqlalchemy import and_, select
from sqlalchemy.orm import Session

from app.core.errors import NotFound, ValidationError
from app.core.ops import Change, read_op, write_op
from app.models import OPEN_STATUSES, Absence, Matter, Post, User
from app.services.context import Actor
from app.services.security import audit
from app.services.security.permissions import Action, require
from app.services.validation import validate_text


@write_op(Change.USERS, Change.MATTERS)  # 处理 shows matters waiting on an absent handler
def set_post(
    session: Session, actor: Actor, name: str, a_user_id: uuid.UUID, b_user_id: uuid.UUID | None
) -> Post:
    require(actor, Action.MANAGE_POSTS)
    name = validate_text(name, "name", "岗位名称", max_len=64)
    if session.get(User, a_user_id) is None:
        raise ValidationError({"a_user": "请选择A岗人员"})
    if b_user_id is not None and b_user_id == a_user_id:
        raise ValidationError({"b_user": "B岗不能和A岗是同一个人"})
    post = session.scalar(select(Post).where(Post.name == name)) or Post(name=name)
    post.a_user_id, post.b_user_id = a_user_id, b_user_id
    session.add(post)
    session.flush()
    audit.record(session, actor, "post_set", object_type="post", object_id=post.id)
    return post


@write_op(Change.USERS, Change.MATTERS)
def add_absence(
    session: Session, actor: Actor, user_id: uuid.UUID, starts_on: date, ends_on: date, reason: str
) -> Absence:
    require(actor, Action.MANAGE_POSTS)
    if session.get(User, user_id) is None:
        raise NotFound("找不到该工作人员。")
    reason = validate_text(reason, "reason", "请假事由", max_len=64)
    if ends_on < starts_on:
        raise ValidationError({"ends_on": "结束日期不能早于开始日期"})
    absence = Absence(user_id=user_id, starts_on=starts_on, ends_on=ends_on, reason=reason)
    session.add(absence)
    session.flush()
    audit.record(session, actor, "absence_add", object_type="user", object_id=user_id)
    return absence


@read_op
def is_absent(session: Session, user_id: uuid.UUID, day: date) -> bool:
    return (
        session.scalar(
            select(Absence.id)
            .where(Absence.user_id == user_id, Absence.starts_on <= day, Absence.ends_on >= day)
            .limit(1)
        )
        is not None
    )


@read_op
def cover_for(session: Session, user_id: uuid.UUID, day: date) -> uuid.UUID | None:
    """B of a post whose A is ``user_id`` and away on ``day`` (None: no cover needed/known)."""
    if not is_absent(session, user_id, day):
        return None
    for post in session.scalars(select(Post).where(Post.a_user_id == user_id)):
        if post.b_user_id and not is_absent(session, post.b_user_id, day):
            return post.b_user_id
    return None


@dataclass(frozen=True)
class Covered:
    matter_id: uuid.UUID
    number: str
    absent: str
    covered_by: str


@read_op
def waiting_on_absent(session: Session, actor: Actor, day: date) -> list[Covered]:
    """Open matters whose handler is away on ``day``, with who covers them."""
    require(actor, Action.VIEW_MATTERS)
    names = dict(session.execute(select(User.id, User.display_name)).all())
    rows = session.execute(
        select(Matter.id, Matter.number, Matter.handler_user_id)
        .join(
            Absence,
            and_(
                Absence.user_id == Matter.handler_user_id,
                Absence.starts_on <= day,
                Absence.ends_on >= day,
            ),
        )
        .where(Matter.status.in_(list(OPEN_STATUSES)))
        .distinct()
        .order_by(Matter.number)
    ).all()
    out = []
    for mid, number, handler in rows:
        cover = cover_for(session, handler, day)
        out.append(
            Covered(
                mid,
                number,
                names.get(handler, ""),
                names.get(cover, "（未设B岗，请主任指定）") if cover else "（未设B岗，请主任指定）",
            )
        )
    return out


@dataclass(frozen=True)
class PostRow:
    name: str
    a: str
    b: str


@dataclass(frozen=True)
class AbsenceRow:
    who: str
    starts_on: date
    ends_on: date
    reason: str


@read_op
def list_posts(session: Session, actor: Actor) -> list[PostRow]:
    require(actor, Action.MANAGE_POSTS)
    names = dict(session.execute(select(User.id, User.display_name)).all())
    return [
        PostRow(
            p.name,
            names.get(p.a_user_id, ""),
            names.get(p.b_user_id, "") if p.b_user_id else "（未设）",
        )
        for p in session.scalars(select(Post).order_by(Post.name))
    ]


@read_op
def list_absences(session: Session, actor: Actor, since: date) -> list[AbsenceRow]:
    """Absences that end on or after ``since`` (current and planned)."""
    require(actor, Action.MANAGE_POSTS)
    names = dict(session.execute(select(User.id, User.display_name)).all())
    return [
        AbsenceRow(names.get(a.user_id, ""), a.starts_on, a.ends_on, a.reason)
        for a in session.scalars(
            select(Absence).where(Absence.ends_on >= since).order_by(Absence.starts_on)
        )
    ]
