"""Rights are checked against the user as they are now (issue 16 §3): a disabled or demoted
user's open session is refused at its next write or confidential read, in one query per
transaction, and a demoted counsellor's notes key is dropped."""

from __future__ import annotations

import pytest
from sqlalchemy import event, select

from app.core.errors import RightsChanged
from app.models import AuditEntry, Role, User
from app.services.reception import intake
from app.services.rooms import counselling
from app.services.security import auth, notes_keys
from tests.conftest import STAFF_PASSWORD, actor
from tests.services.test_counselling import add_client_and_session, unlock
from tests.services.test_counselling import center as center  # noqa: F401 — a fixture
from tests.services.test_intake import make_input

CHANGED = "账号权限已变更，请重新登录"


def _user_id(db, username):
    with db.read() as s:
        return s.scalar(select(User.id).where(User.username == username))


def test_a_disabled_receptionist_cannot_register_with_the_open_session(db, receptionist, admin):
    with db.write() as s:
        auth.set_active(s, admin, receptionist.user_id, False)
    data = make_input(db)
    with db.write() as s, pytest.raises(RightsChanged, match=CHANGED):
        intake.register_matter(s, receptionist, data)
    with db.read() as s:
        assert s.scalar(select(AuditEntry.reason).order_by(AuditEntry.seq.desc()).limit(1)) == (
            "账号已停用"
        )
    with db.read() as s, pytest.raises(RightsChanged, match=CHANGED):
        intake.search(s, receptionist, "")


def test_a_demoted_counsellor_reads_no_notes_and_the_key_is_dropped(db, center, admin):
    key = unlock(db, "zixun")
    client_id, _ = add_client_and_session(db, key)
    old = actor(db, "zixun")
    with db.write() as s:
        auth.set_role(s, admin, old.user_id, Role.RECEPTIONIST)
    with db.write() as s, pytest.raises(RightsChanged, match=CHANGED):
        counselling.open_client(s, old, key, client_id)
    assert not key.is_open
    with db.write() as s, pytest.raises(RightsChanged):
        notes_keys.unlock(s, old, STAFF_PASSWORD)


def test_the_user_is_read_once_per_transaction(db, receptionist):
    data = make_input(db)
    with db.write() as s:
        seen = []

        def count(conn, cursor, statement, parameters, context, many):
            if "FROM users" in statement and "users.active" in statement:
                seen.append(statement)

        event.listen(db.engine, "before_cursor_execute", count)
        try:
            intake.register_matter(s, receptionist, data)
            intake.search(s, receptionist, "")
        finally:
            event.remove(db.engine, "before_cursor_execute", count)
    assert len(seen) == 1
    # A new transaction reads again.
    with db.write() as s:
        auth.set_active(s, actor(db, "admin"), receptionist.user_id, False)
    with db.read() as s, pytest.raises(RightsChanged):
        intake.search(s, receptionist, "")


def test_unlocking_an_idle_lock_re_reads_the_user(db, receptionist, admin):
    with db.write() as s:
        auth.set_role(s, admin, receptionist.user_id, Role.MEDIATOR)
    with db.write() as s, pytest.raises(RightsChanged, match=CHANGED):
        auth.verify_unlock(s, receptionist, STAFF_PASSWORD)
    with db.write() as s:
        auth.set_role(s, admin, receptionist.user_id, Role.RECEPTIONIST)
        auth.set_active(s, admin, receptionist.user_id, False)
    with db.write() as s, pytest.raises(RightsChanged, match=CHANGED):
        auth.verify_unlock(s, receptionist, STAFF_PASSWORD)
    with db.write() as s:
        auth.set_active(s, admin, receptionist.user_id, True)
    with db.write() as s:
        outcome = auth.verify_unlock(s, receptionist, STAFF_PASSWORD)
    assert outcome.actor is not None and outcome.actor.role == Role.RECEPTIONIST


def test_a_change_made_earlier_in_the_same_transaction_counts(db, receptionist, admin):
    data = make_input(db)
    with db.write() as s, pytest.raises(RightsChanged):
        intake.search(s, receptionist, "")  # cached: active
        auth.set_active(s, admin, receptionist.user_id, False)
        intake.register_matter(s, receptionist, data)
