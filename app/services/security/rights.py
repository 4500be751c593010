"""Rights checked against the user as they are now, not as they signed in (issue 16 §3).

An :class:`~app.services.context.Actor` is what the user was when they signed in. Every marked
operation (``@read_op`` / ``@write_op``) that acts for an actor re-reads that user's active
state and role first, in the operation's own transaction: one query, kept for the rest of
that transaction. A disabled user, or one given another role, is refused with
:class:`~app.core.errors.RightsChanged` ("账号权限已变更，请重新登录"); in a write the refusal
is audited, any counselling notes key passed along is dropped, and the window that asked
locks (``DbWorker.rights_changed``).
"""

from __future__ import annotations

import uuid

from sqlalchemy import event, select
from sqlalchemy.orm import Session

from app.core.errors import RightsChanged
from app.core.ops import READ_ONLY, read_op, register_check
from app.models import Role, User
from app.services.context import Actor
from app.services.security import audit

_CACHE = "zongzhi_current_users"  # Session.info: user id -> (active, role) in this transaction


def _current(session: Session, user_id: uuid.UUID) -> tuple[bool, Role] | None:
    """The user's active state and role in this transaction (read once, then remembered)."""
    cache = session.info.setdefault(_CACHE, {})
    if user_id not in cache:
        row = session.execute(
            select(User.active, User.role).where(User.id == user_id)
        ).one_or_none()
        cache[user_id] = (bool(row[0]), Role(row[1])) if row else None
    return cache[user_id]


@read_op  # touches only this transaction's memory of the user
def forget(session: Session, user_id: uuid.UUID) -> None:
    """The user's account was changed in this transaction: the next check reads it again."""
    session.info.get(_CACHE, {}).pop(user_id, None)


def _problem(session: Session, actor: Actor) -> str | None:
    """Why ``actor`` may no longer act (for the audit log), or None when they still may."""
    if actor.user_id is None:  # the program itself, or a log-in not yet made
        return None
    now = _current(session, actor.user_id)
    if now is None:
        return "账号已删除"
    active, role = now
    if not active:
        return "账号已停用"
    if role != actor.role:
        return "角色已变更"
    return None


def _check(session: Session, args: tuple, kwargs: dict) -> None:
    actor = next(
        (a for a in (*args[1:], *kwargs.values()) if isinstance(a, Actor)),
        None,
    )
    if actor is None:
        return
    reason = _problem(session, actor)
    if reason is None:
        return
    for a in (*args, *kwargs.values()):
        if getattr(a, "drop_on_rights_change", False):
            a.drop()  # a demoted counsellor's notes key is forgotten, not only refused
    exc = RightsChanged()
    if not session.info.get(READ_ONLY):
        raise audit.refused(exc, session, actor, "rights_changed", reason=reason)
    raise exc


@event.listens_for(Session, "after_transaction_end")
def _end(session: Session, transaction) -> None:
    if transaction.parent is None:
        session.info.pop(_CACHE, None)


register_check(_check)
