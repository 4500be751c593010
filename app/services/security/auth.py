"""Log-in, lockout and user management. Argon2id hashes (OWASP: 19 MiB, 2 passes, 1 lane)."""

from __future__ import annotations

import string
import unicodedata
import uuid
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.core.errors import NotFound, ValidationError
from app.core.ops import Change, read_op, write_op
from app.models import Role, User
from app.models.base import now
from app.services.center.settings import load_settings
from app.services.context import Actor
from app.services.security import audit, rights
from app.services.security.common_passwords import is_common
from app.services.security.lockout import check_user_password, count_failure, locked_message
from app.services.security.passwords import DUMMY_HASH, HASHER, hash_password, verify_password
from app.services.security.permissions import Action, require
from app.services.validation import validate_text


def check_password_rules(password: str, username: str, min_length: int = 8) -> None:
    """Length, three kinds of character at least, no user name in it (docs/ARCHITECTURE.md §7)."""
    problems = []
    if len(password) < min_length:
        problems.append(f"至少要 {min_length} 位")
    classes = sum(
        any(c in group for c in password)
        for group in (string.ascii_lowercase, string.ascii_uppercase, string.digits)
    ) + any(not c.isalnum() for c in password)
    if classes < 3:
        problems.append("要包含大写字母、小写字母、数字、符号中的至少三类")
    if username and username.lower() in password.lower():
        problems.append("不能包含用户名")
    if any(unicodedata.category(c) in ("Cc", "Cs") for c in password):
        problems.append("不能有控制字符或无法保存的字符（多为复制来的残缺表情）")
    if is_common(password):
        problems.append(
            "过于常见（如 Password1、Admin@123、P@ssw0rd，或 Qwer1234、1qaz@WSX 这样键盘上"
            "连着按的），容易被猜中，请换一个别人想不到的"
        )
    if problems:
        raise ValidationError({"password": "密码" + "，".join(problems)})


@dataclass(frozen=True)
class LoginOutcome:
    actor: Actor | None
    message: str | None = None  # Chinese, shown on the log-in dialog when actor is None


@write_op(Change.USERS)
def login(
    session: Session, username: str, password: str, terminal: str = "", at: datetime | None = None
) -> LoginOutcome:
    """Check the password; count failures and lock the account after too many.

    Returns an outcome instead of raising, so the caller commits the failure count and the
    audit row.
    """
    at = at or now()
    # A name no account can have (too long, control characters, half a surrogate pair) is
    # not looked up, and is logged in a form the audit log can hold.
    plausible = len(username) <= 64 and not any(_unseen(c) for c in username)
    user = (
        session.scalar(select(User).where(func.lower(User.username) == username.lower()))
        if plausible
        else None
    )
    shown = username if plausible else "".join("?" if _unseen(c) else c for c in username)[:64]
    anon = Actor(None, shown, shown, None, terminal)
    if user is None:
        verify_password(DUMMY_HASH, password)
        audit.record(session, anon, "login", outcome="refused", reason="用户不存在", at=at)
        return LoginOutcome(None, "用户名或密码不正确。")
    actor = actor_for(user, terminal)
    if not user.active:
        audit.record(session, actor, "login", outcome="refused", reason="账号已停用", at=at)
        return LoginOutcome(None, "该账号已停用，请联系系统管理员。")
    if user.locked_until and user.locked_until > at:
        audit.record(session, actor, "login", outcome="refused", reason="账号锁定中", at=at)
        return LoginOutcome(None, locked_message(user, at))
    if not verify_password(user.password_hash, password):
        why = count_failure(session, user.id, actor, "login", at)
        return LoginOutcome(None, f"用户名或密码不正确，{why}" if why.startswith("还可") else why)
    user.failed_logins = 0
    user.locked_until = None
    if HASHER.check_needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
    audit.record(session, actor, "login", object_type="user", object_id=user.id, at=at)
    return LoginOutcome(actor)


def _unseen(c: str) -> bool:
    return unicodedata.category(c) in ("Cc", "Cs")


@write_op(Change.USERS)
def verify_unlock(session: Session, actor: Actor, password: str) -> LoginOutcome:
    """Unlock an idle-locked screen: the same user's password, failures counted like log-in.

    Refused, the outcome's message says why as the log-in dialog would: a wrong password and
    the tries left, or an account locked after too many and for how many minutes (then even
    the right password is refused until the lock runs out: the message must say so)."""
    outcome = login(session, actor.username, password, actor.terminal)
    if outcome.actor is not None and outcome.actor.user_id != actor.user_id:
        return LoginOutcome(None, "只能由锁定时登录的用户解锁；其他人请点“切换用户”。")
    return outcome


@read_op
def check_rights(session: Session, actor: Actor) -> None:
    """Nothing but the check every operation makes: ``RightsChanged`` when the account was
    disabled or given another role since ``actor`` signed in (the window asks periodically)."""


def actor_for(user: User, terminal: str = "") -> Actor:
    return Actor(user.id, user.username, user.display_name, user.role, terminal)


@dataclass(frozen=True)
class UserRow:
    id: uuid.UUID
    username: str
    display_name: str
    role: Role
    active: bool
    locked: bool
    unit_id: uuid.UUID | None = None  # the room or stationed unit they work in
    unit_name: str = ""


@read_op
def list_users(session: Session, actor: Actor) -> list[UserRow]:
    from app.models import Unit

    require(actor, Action.MANAGE_USERS)
    at = now()
    units = {uid: name for uid, name in session.execute(select(Unit.id, Unit.name))}
    return [
        UserRow(
            u.id,
            u.username,
            u.display_name,
            u.role,
            u.active,
            bool(u.locked_until and u.locked_until > at),
            u.unit_id,
            units.get(u.unit_id, "") if u.unit_id else "",
        )
        for u in session.scalars(select(User).order_by(User.username))
    ]


def _validate_username(username: str) -> str:
    username = username.strip()
    if not username:
        raise ValidationError({"username": "请填写用户名"})
    if not (username.isascii() and all(c.isalnum() or c in "-_." for c in username)):
        raise ValidationError({"username": "用户名只能使用字母、数字和 - _ .，如 zhangsan"})
    if len(username) > 32:
        raise ValidationError({"username": "用户名最多 32 位"})
    return username


@write_op(Change.USERS)
def create_user(
    session: Session,
    actor: Actor,
    username: str,
    display_name: str,
    role: Role,
    password: str,
) -> User:
    require(actor, Action.MANAGE_USERS)
    username = _validate_username(username)
    display_name = validate_text(display_name, "display_name", "姓名", max_len=64)
    if session.scalar(select(User.id).where(func.lower(User.username) == username.lower())):
        raise ValidationError({"username": f"用户名“{username}”已存在，请换一个"})
    check_password_rules(password, username, load_settings(session).password_min_length)
    user = User(
        username=username,
        display_name=display_name,
        role=Role(role),
        password_hash=hash_password(password),
        active=True,
        failed_logins=0,
    )
    session.add(user)
    session.flush()
    audit.record(session, actor, "user_create", object_type="user", object_id=user.id, reason=role)
    return user


def _get_user(session: Session, user_id: uuid.UUID) -> User:
    user = session.get(User, user_id)
    if user is None:
        raise NotFound("找不到该用户，可能已被其他管理员修改，请刷新列表。")
    return user


@write_op(Change.USERS)
def reset_password(session: Session, actor: Actor, user_id: uuid.UUID, new_password: str) -> None:
    require(actor, Action.MANAGE_USERS)
    user = _get_user(session, user_id)
    check_password_rules(new_password, user.username, load_settings(session).password_min_length)
    user.password_hash = hash_password(new_password)
    user.failed_logins = 0
    user.locked_until = None
    audit.record(session, actor, "password_reset", object_type="user", object_id=user.id)
    # The counselling-notes copy wrapped under the old password is suspended (kept, never
    # destroyed): the admin who set the new password must not gain access through it.
    from app.services.security.notes_keys import stale_on_password_reset  # lazy: cryptography

    stale_on_password_reset(session, actor, user.id)


@write_op(Change.USERS)
def change_own_password(session: Session, actor: Actor, old: str, new: str) -> None:
    user = _get_user(session, actor.user_id)
    check_user_password(
        session,
        user,
        old,
        actor=actor,
        event="password_change",
        refusal=lambda why: ValidationError(
            {"old_password": why if "锁定" in why else f"原密码不正确，{why}"}
        ),
    )
    check_password_rules(new, user.username, load_settings(session).password_min_length)
    from app.services.security.notes_keys import rewrap_on_password_change

    rewrap_on_password_change(session, user.id, old, new)  # counselling notes key, if any
    user.password_hash = hash_password(new)
    audit.record(session, actor, "password_change", object_type="user", object_id=user.id)


@write_op(Change.USERS)
def set_role(session: Session, actor: Actor, user_id: uuid.UUID, role: Role) -> None:
    require(actor, Action.MANAGE_USERS)
    user = _get_user(session, user_id)
    if user.id == actor.user_id and role != Role.ADMIN:
        raise ValidationError({"role": "不能取消自己的管理员角色，请由另一位管理员操作"})
    old = user.role
    user.role = Role(role)
    rights.forget(session, user.id)
    audit.record(
        session,
        actor,
        "role_change",
        object_type="user",
        object_id=user.id,
        reason=f"{old.value}->{Role(role).value}",
    )


@write_op(Change.USERS)
def set_active(session: Session, actor: Actor, user_id: uuid.UUID, active: bool) -> None:
    require(actor, Action.MANAGE_USERS)
    user = _get_user(session, user_id)
    if user.id == actor.user_id and not active:
        raise ValidationError({"active": "不能停用自己的账号"})
    user.active = active
    user.locked_until = None if active else user.locked_until
    rights.forget(session, user.id)
    audit.record(
        session,
        actor,
        "user_enable" if active else "user_disable",
        object_type="user",
        object_id=user.id,
    )


@write_op(Change.USERS)
def unlock_user(session: Session, actor: Actor, user_id: uuid.UUID) -> None:
    require(actor, Action.MANAGE_USERS)
    user = _get_user(session, user_id)
    user.locked_until = None
    user.failed_logins = 0
    audit.record(session, actor, "user_unlock", object_type="user", object_id=user.id)


@write_op(Change.USERS)
def set_unit(session: Session, actor: Actor, user_id: uuid.UUID, unit_id: uuid.UUID | None) -> None:
    """Which room or stationed unit the person works in (None: the center itself)."""
    from app.models import Unit

    require(actor, Action.MANAGE_USERS)
    user = _get_user(session, user_id)
    if unit_id is not None and session.get(Unit, unit_id) is None:
        raise ValidationError({"unit": "所选单位已不存在"})
    user.unit_id = unit_id
    audit.record(session, actor, "user_unit", object_type="user", object_id=user.id)


@read_op
def unit_of(session: Session, user_id: uuid.UUID | None) -> uuid.UUID | None:
    user = session.get(User, user_id) if user_id else None
    return user.unit_id if user else None
