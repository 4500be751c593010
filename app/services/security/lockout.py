"""One failure counter for every password check (issue 16 §4).

Log-in, the counselling notes' unlock, a colleague's password typed into 授权 and the old
password of 改密码 all count toward the same lockout (``User.failed_logins`` and
``locked_until``, the center's 连续错误次数 and 锁定时间), and every wrong password is audited:
none of them is a way to guess a log-in password without limit.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import datetime, timedelta

from sqlalchemy.orm import Session

from app.core.errors import ServiceError
from app.core.ops import Change, write_op
from app.models import User
from app.models.base import now
from app.services.center.settings import load_settings
from app.services.context import Actor
from app.services.security import audit
from app.services.security.passwords import verify_password


def locked_message(user: User, at: datetime) -> str:
    minutes = max(1, int((user.locked_until - at).total_seconds() // 60) + 1)
    return f"密码错误次数过多，账号已锁定，请 {minutes} 分钟后再试。"


@write_op(Change.USERS)
def count_failure(
    session: Session, user_id: uuid.UUID, actor: Actor, event: str, at: datetime
) -> str:
    """One more wrong password for the account: counted, audited (``event``, 密码错误), and
    the account locked after the center's limit. The message says the tries left, or the lock."""
    settings = load_settings(session)
    user = session.get(User, user_id)
    user.failed_logins += 1
    left = settings.max_failed_logins - user.failed_logins
    audit.record(session, actor, event, outcome="refused", reason="密码错误", at=at)
    if left <= 0:
        user.locked_until = at + timedelta(minutes=settings.lockout_minutes)
        user.failed_logins = 0
        audit.record(session, actor, "lockout", object_type="user", object_id=user.id, at=at)
        return (
            f"密码连续错误 {settings.max_failed_logins} 次，账号已锁定 "
            f"{settings.lockout_minutes} 分钟。"
        )
    return f"还可再试 {left} 次。"


@write_op(Change.USERS)
def check_user_password(
    session: Session,
    user: User,
    password: str,
    *,
    actor: Actor,
    event: str,
    refusal: Callable[[str], ServiceError],
) -> None:
    """Every password check outside log-in (counselling unlock, a colleague's 授权, the old
    password of 改密码) shares log-in's failure counter and lock, and is audited.

    ``refusal(message)`` makes the error to raise; the count and its audit rows outlive the
    refused request's rollback (``ServiceError.after_rollback``). A right password, while the
    account is not locked, resets the count as log-in does."""
    at = now()
    if user.locked_until and user.locked_until > at:
        exc = refusal(locked_message(user, at))
        raise audit.refused(exc, session, actor, event, reason="账号锁定中", at=at)
    if not verify_password(user.password_hash, password):
        user_id = user.id
        exc = refusal(count_failure(session, user_id, actor, event, at))
        exc.after_rollback.append(lambda s: count_failure(s, user_id, actor, event, at))
        raise exc
    if user.failed_logins or user.locked_until:
        user.failed_logins = 0
        user.locked_until = None
