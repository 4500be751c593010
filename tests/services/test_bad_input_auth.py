"""Bad input on purpose, users and settings: user names, display names, passwords and their
rules, logging in (and unlocking the notes, granting a colleague) with odd names and
passwords, the center's settings, holiday names, villages and the first run.

A new user is stored as typed (stripped) and logs in with the password given; a log-in with
odd input is refused in Chinese and audited, never a crash; settings are kept (text stripped,
numbers as numbers) or refused in Chinese with nothing written.
"""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from app.core.errors import ServiceError, ValidationError
from app.models import AuditEntry, CalendarDay, DayKind, Role, User, Village
from app.services.center import calendar_admin, setup
from app.services.center import settings as center_settings
from app.services.security import auth, notes_keys
from tests.conftest import STAFF_PASSWORD, actor
from tests.strategies import (
    CHINESE,
    FAIR,
    NAMES,
    SHORT_FAIR,
    TEXT,
    assert_chinese,
    attempt,
    center_database,
    mostly,
    row_counts,
)

USERNAMES = mostly(
    st.from_regex(r"[a-z][a-z0-9_.-]{2,12}", fullmatch=True) | st.just(" wangwu "),
    TEXT | st.sampled_from(["ａｂｃ", "a" * 33, "admin", "ADMIN", "张三", "a b"]),
)
GOOD_PASSWORDS = st.one_of(
    st.from_regex(r"[A-Z][a-z]{3,8}[0-9]{2}[#!_]", fullmatch=True),
    # Any visible characters, rare ones too, after the three kinds the rules ask for.
    st.text(st.characters(blacklist_categories=("Cc", "Cs")), min_size=4, max_size=12).map(
        lambda t: "Aa1#" + t
    ),
)
PASSWORDS = st.one_of(
    GOOD_PASSWORDS,
    st.sampled_from(
        ["Staff#2026pw", "短1A!", "password", "Pass word1", "Пароль#2026", "密码#Abc12"]
    ),
    st.text(min_size=8, max_size=20).map(lambda t: "Aa1#" + t),
    TEXT,
)


@pytest.fixture(scope="module")
def db(tmp_path_factory):
    yield from center_database(tmp_path_factory)


@pytest.fixture
def admin(db):
    return actor(db, "admin")


@settings(max_examples=40)
@given(password=PASSWORDS, username=USERNAMES)
def test_password_rules_never_crash(password, username):
    try:
        auth.check_password_rules(password, username)
    except ValidationError as err:
        assert_chinese(err)


@settings(max_examples=30)
@given(username=USERNAMES, display_name=mostly(NAMES), password=mostly(GOOD_PASSWORDS, PASSWORDS))
def test_new_users_log_in_with_what_was_typed(db, admin, username, display_name, password):
    ok, user_id = attempt(
        db,
        lambda s: (
            auth.create_user(s, admin, username, display_name, Role.RECEPTIONIST, password).id
        ),
    )
    if not ok:
        return
    with db.read() as s:
        user = s.get(User, user_id)
        assert (user.username, user.display_name) == (username.strip(), display_name.strip())
    with db.write() as s:
        outcome = auth.login(s, username.strip(), password, "A")
    assert outcome.actor is not None and outcome.actor.user_id == user_id


@settings(max_examples=30)
@given(
    username=mostly(st.sampled_from(["jiedai", "JieDai", "nobody"]), USERNAMES),
    password=mostly(st.sampled_from([STAFF_PASSWORD, "Wrong#2026pw"]), PASSWORDS),
)
def test_logging_in_with_odd_input(db, username, password):
    before = row_counts(db)["audit_log"]
    with db.write() as s:
        outcome = auth.login(s, username, password, "A")
        s.flush()
        if outcome.actor is None:
            assert CHINESE.search(outcome.message), outcome.message
        else:
            assert outcome.actor.username == "jiedai" and password == STAFF_PASSWORD
        # Unlock whatever a failure count locked, so each example starts alike.
        s.execute(select(User).where(User.username == "jiedai")).scalar_one().locked_until = None
    with db.read() as s:
        last = s.scalar(select(AuditEntry).order_by(AuditEntry.seq.desc()).limit(1))
        assert row_counts(db)["audit_log"] > before and last.event in ("login", "lockout")
        assert last.username is not None and len(last.username) <= 64


@pytest.fixture(scope="module")
def notes_key(db):
    with db.write() as s:
        notes_keys.create_recovery_key(s, actor(db, "admin"))
    with db.write() as s:
        return notes_keys.unlock(s, actor(db, "zixun"), STAFF_PASSWORD)


@settings(max_examples=20)
@given(password=PASSWORDS, colleague=USERNAMES)
def test_unlocking_notes_and_granting_with_odd_input(db, notes_key, password, colleague):
    counsellor = actor(db, "zixun")
    for call in (
        lambda s: notes_keys.unlock(s, counsellor, password),
        lambda s: notes_keys.grant(s, counsellor, notes_key, colleague, password),
    ):
        try:
            with db.write() as s:
                call(s)
        except ServiceError as err:  # a wrong password, no such colleague, not a counsellor …
            assert_chinese(err)


@settings(max_examples=30)
@given(
    center_name=mostly(SHORT_FAIR),
    center_phone=mostly(st.sampled_from(["0577-61234567", "", "12345"]) | SHORT_FAIR),
    query_hint=mostly(FAIR),
    numbers=st.fixed_dictionaries(
        {},
        optional={
            key: mostly(
                st.integers(least, most) | st.integers(least, most).map(str),
                st.sampled_from(["七", "", "1.5", "1e9", None, float("inf"), float("nan"), -1, 0])
                | st.integers(),
            )
            for key, _label, least, most, _outside in center_settings.NUMBER_SETTINGS
        },
    ),
)
def test_settings(db, admin, center_name, center_phone, query_hint, numbers):
    changes = dict(center_name=center_name, center_phone=center_phone, query_hint=query_hint)
    changes.update(numbers)
    ok, _ = attempt(db, lambda s: center_settings.update_settings(s, admin, **dict(changes)))
    if not ok:
        return
    with db.read() as s:
        now_ = center_settings.load_settings(s)
    assert (now_.center_name, now_.center_phone, now_.query_hint) == (
        center_name.strip(),
        center_phone.strip(),
        query_hint.strip(),
    )
    for key, value in numbers.items():
        assert getattr(now_, key) == int(value)


def test_a_log_in_with_a_name_no_account_can_have_is_audited_not_a_crash(db):
    for name in ("ad\x00min", "a" * 500, "\ud83d", "jie\u200bdai"):
        with db.write() as s:
            outcome = auth.login(s, name, "Wrong#2026pw", "A")
        assert outcome.actor is None and outcome.message == "用户名或密码不正确。"
    with db.read() as s:
        names = list(
            s.scalars(select(AuditEntry.username).order_by(AuditEntry.seq.desc()).limit(4))
        )
    assert names == ["jie\u200bdai", "?", "a" * 64, "ad?min"]


def test_passwords_and_display_names_that_cannot_be_kept_are_refused(db, admin):
    with db.write() as s, pytest.raises(ValidationError) as err:
        auth.create_user(s, admin, "zhaoliu", "赵\x00六", Role.RECEPTIONIST, "Abc#1234\ud83d")
    assert set(err.value.fields) == {"display_name"}
    with pytest.raises(ValidationError, match="控制字符"):
        auth.check_password_rules("Abc#1234\ud83d", "zhaoliu")
    with db.write() as s:
        assert auth.login(s, "jiedai", "Staff#2026pw\ud83d", "A").actor is None


def test_settings_typed_wrong_are_refused_in_chinese(db, admin):
    with db.write() as s, pytest.raises(ValidationError) as err:
        center_settings.update_settings(
            s, admin, center_name="中" * 65, lockout_minutes="十五", idle_lock_minutes=float("inf")
        )
    assert set(err.value.fields) == {"center_name", "lockout_minutes", "idle_lock_minutes"}
    with db.write() as s, pytest.raises(ValidationError, match="1–1440"):
        center_settings.update_settings(s, admin, lockout_minutes=-15)
    with db.write() as s:
        center_settings.update_settings(s, admin, center_name=" 白石街道综治工作中心 ")
    with db.read() as s:
        assert center_settings.load_settings(s).center_name == "白石街道综治工作中心"


@settings(max_examples=25)
@given(
    name=mostly(st.just("") | SHORT_FAIR),
    villages=st.lists(mostly(SHORT_FAIR), max_size=3),
    day=st.dates(min_value=date(2030, 1, 1), max_value=date(2030, 12, 31)),
)
def test_holiday_names_and_villages(db, admin, name, villages, day):
    ok, _ = attempt(db, lambda s: calendar_admin.set_day(s, admin, day, DayKind.HOLIDAY, name))
    if ok:
        with db.read() as s:
            assert s.get(CalendarDay, day).name == (name.strip() or None)
    with db.read() as s:
        before = set(s.scalars(select(Village.name)))
    ok, _ = attempt(db, lambda s: setup.add_villages(s, villages))
    with db.read() as s:
        after = set(s.scalars(select(Village.name)))
    assert after == (before | {v.strip() for v in villages if v.strip()} if ok else before)


def test_the_first_run_refuses_what_it_cannot_keep_and_keeps_nothing(database_url):
    from app.db import open_database

    database = open_database(database_url=database_url)
    try:
        values = dict(
            center_name=" 白石街道综治工作中心\x00 ",
            prefix="BS",
            terminal="A",
            admin_username="admin",
            admin_password="Center#2026pw",
            villages=["白石村", "", "中雁\x1b村", "山" * 65],
        )
        with database.write() as s, pytest.raises(ValidationError) as err:
            setup.init_center(s, **values)
        assert set(err.value.fields) == {"center_name"}
        values["center_name"] = " 白石街道综治工作中心 "
        with database.write() as s, pytest.raises(ValidationError) as err:
            setup.init_center(s, **values)
        assert set(err.value.fields) == {"villages[2]", "villages[3]"}
        with database.read() as s:
            assert not setup.is_initialised(s)
        values["villages"] = ["白石村", " ", "中雁村"]
        with database.write() as s:
            setup.init_center(s, **values)
        with database.read() as s:
            assert set(s.scalars(select(Village.name))) == {"白石村", "中雁村"}
            assert center_settings.load_settings(s).center_name == "白石街道综治工作中心"
    finally:
        database.dispose()
