"""Log-in, lockout, password rules and user management, with audit rows."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from sqlalchemy import select

from app.core.errors import PermissionDenied, ValidationError
from app.models import AuditEntry, Role, User
from app.services.security import auth, passwords
from tests.conftest import STAFF_PASSWORD, actor


def login(db, username, password, at=None):
    with db.write() as s:
        return auth.login(s, username, password, "A", at=at)


def events(db, *names):
    with db.read() as s:
        return [
            (e.event, e.outcome)
            for e in s.scalars(select(AuditEntry).order_by(AuditEntry.seq))
            if e.event in names
        ]


def test_right_password_logs_in(db):
    outcome = login(db, "jiedai", STAFF_PASSWORD)
    assert outcome.actor is not None and outcome.actor.role == Role.RECEPTIONIST
    assert events(db, "login")[-1] == ("login", "success")


def test_five_wrong_passwords_lock_the_account_for_fifteen_minutes(db):
    t0 = datetime(2026, 11, 25, 9, 0)
    messages = [login(db, "jiedai", "wrong", at=t0).message for _ in range(5)]
    assert "还可再试 4 次" in messages[0]
    assert "已锁定 15 分钟" in messages[4]
    locked = login(db, "jiedai", STAFF_PASSWORD, at=t0 + timedelta(minutes=14))
    assert locked.actor is None and "锁定" in locked.message
    later = login(db, "jiedai", STAFF_PASSWORD, at=t0 + timedelta(minutes=16))
    assert later.actor is not None
    assert ("lockout", "success") in events(db, "lockout")
    assert events(db, "login").count(("login", "refused")) == 6


def test_unknown_user_gets_the_same_message_as_a_wrong_password(db):
    assert login(db, "nobody", "x").message == "用户名或密码不正确。"


@pytest.mark.parametrize(
    ("password", "problem"),
    [
        ("Ab1!", "密码至少要 8 位"),
        ("abcdefgh", "至少三类"),
        ("Zhangsan#2026", "密码不能包含用户名"),
    ],
)
def test_password_rules(password, problem):
    with pytest.raises(ValidationError, match=problem):
        auth.check_password_rules(password, "zhangsan")


def test_admin_manages_users_and_others_cannot(db, admin):
    with db.write() as s:
        user = auth.create_user(s, admin, "xiaoli", "小李", Role.RECEPTIONIST, "Window#2026")
        auth.set_role(s, admin, user.id, Role.DIRECTOR)
        auth.reset_password(s, admin, user.id, "NewPass#2027")
    assert login(db, "xiaoli", "NewPass#2027").actor.role == Role.DIRECTOR
    assert ("role_change", "success") in events(db, "role_change")
    with db.write() as s, pytest.raises(PermissionDenied):
        auth.create_user(s, actor(db, "zhuren"), "x1", "某", Role.ADMIN, "Window#2026")
    with db.write() as s, pytest.raises(ValidationError, match="已存在"):
        auth.create_user(s, admin, "XiaoLi", "重名", Role.RECEPTIONIST, "Window#2026")


def test_disabled_account_cannot_log_in(db, admin):
    with db.read() as s:
        uid = s.scalar(select(User.id).where(User.username == "jiedai"))
    with db.write() as s:
        auth.set_active(s, admin, uid, False)
    assert "停用" in login(db, "jiedai", STAFF_PASSWORD).message


def test_passwords_are_argon2id_hashes(db):
    with db.read() as s:
        stored = s.scalar(select(User.password_hash).where(User.username == "jiedai"))
    assert stored.startswith("$argon2id$") and STAFF_PASSWORD not in stored
    assert "m=19456,t=2,p=1" in stored


def test_unknown_names_are_checked_against_a_hash_as_costly_as_a_real_one():
    """The written-out stand-in hash has the hasher's own parameters (and its password)."""
    assert not passwords.HASHER.check_needs_rehash(passwords.DUMMY_HASH)
    assert passwords.HASHER.verify(passwords.DUMMY_HASH, "zongzhi-dummy-password")
