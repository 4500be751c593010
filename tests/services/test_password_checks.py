"""Every password check counts toward the log-in lockout and is audited (issue 16 §4): the
counselling notes' unlock, a colleague's password typed into 授权, and the old password of
改密码. Common passwords are refused by name, not only by the three-class rule."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from app.core.errors import AuthError, ServiceError, ValidationError
from app.models import AuditEntry, User
from app.services.security import auth, notes_keys
from tests.conftest import STAFF_PASSWORD, actor
from tests.services.test_counselling import center as center  # noqa: F401 — a fixture
from tests.services.test_counselling import unlock

WRONG = "Wrong#2026pw"


def _refusals(db, username):
    with db.read() as s:
        return [
            (e.event, e.reason)
            for e in s.scalars(select(AuditEntry).order_by(AuditEntry.seq))
            if e.username == username and e.outcome == "refused"
        ]


def _login(db, username, password):
    with db.write() as s:
        return auth.login(s, username, password)


def _locked(db, username) -> bool:
    with db.read() as s:
        return s.scalar(select(User.locked_until).where(User.username == username)) is not None


def test_wrong_grant_passwords_lock_the_colleague_and_the_right_one_is_then_refused(db, center):
    key = unlock(db, "zixun")
    c = actor(db, "zixun")
    for _ in range(5):
        with db.write() as s, pytest.raises(ValidationError, match="密码"):
            notes_keys.grant(s, c, key, "zixun2", WRONG)
    assert _locked(db, "zixun2")
    assert len(_refusals(db, "zixun")) == 5  # each guess audited (by who typed into 授权)
    with db.write() as s, pytest.raises(ServiceError, match="已锁定"):
        notes_keys.grant(s, c, key, "zixun2", STAFF_PASSWORD)
    assert _login(db, "zixun2", STAFF_PASSWORD).actor is None  # the log-in shares the lock


def test_wrong_notes_unlocks_count_toward_the_log_in_lockout(db, center):
    for _ in range(3):
        with pytest.raises(AuthError, match="还可再试"):
            unlock(db, "zixun", WRONG)
    for _ in range(2):
        assert _login(db, "zixun", WRONG).actor is None
    assert _locked(db, "zixun")
    with pytest.raises(ServiceError, match="已锁定"):
        unlock(db, "zixun", STAFF_PASSWORD)
    assert _refusals(db, "zixun").count(("notes_unlock", "密码错误")) == 3


def test_a_wrong_old_password_counts_and_is_audited(db, receptionist):
    for _ in range(5):
        with db.write() as s, pytest.raises(ValidationError, match="原密码不正确|已锁定"):
            auth.change_own_password(s, receptionist, WRONG, "Brand#new2027")
    assert _locked(db, "jiedai")
    assert _refusals(db, "jiedai").count(("password_change", "密码错误")) == 5
    with db.write() as s, pytest.raises(ValidationError, match="已锁定"):
        auth.change_own_password(s, receptionist, STAFF_PASSWORD, "Brand#new2027")


def test_a_right_password_resets_the_count(db, receptionist):
    for _ in range(4):
        with db.write() as s, pytest.raises(ValidationError):
            auth.change_own_password(s, receptionist, WRONG, "Brand#new2027")
    with db.write() as s:
        auth.change_own_password(s, receptionist, STAFF_PASSWORD, "Brand#new2027")
    assert _login(db, "jiedai", WRONG).message.endswith("还可再试 4 次。")


@pytest.mark.parametrize(
    "password",
    [
        "Password1",
        "Qwer1234",
        "Admin@123",
        "P@ssw0rd",
        "1qaz@WSX",
        "1qaz2wsx",
        "Qwerty123!",
        "Asdf1234",
        "Zxcv!2345",
        "Passw0rd!",
        "Admin@2026",
        "Welcome@1",
        "Abc@123456",
        "1q2w3e4R",
    ],
)
def test_common_passwords_are_refused_by_name(password):
    with pytest.raises(ValidationError, match="常见"):
        auth.check_password_rules(password, "zhangsan")


@pytest.mark.parametrize(
    "password", ["Staff#2026pw", "Center#2026pw", "Tiaojie@2026", "Xinren#2026", "Pw#12345"]
)
def test_ordinary_passwords_still_pass(password):
    auth.check_password_rules(password, "zhangsan")
