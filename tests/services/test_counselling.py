"""暖心工作室: the notes stay secret on disk, only counsellors read them, keys fail loudly."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from app.core import clock
from app.core.errors import AuthError, PermissionDenied, ValidationError
from app.models import (
    AuditEntry,
    ClientSource,
    CounsellingSession,
    NotesKeyWrap,
    RiskLevel,
    Role,
    SessionForm,
    TargetGroup,
    User,
)
from app.services.center import settings
from app.services.data.backup import backup_database
from app.services.rooms import counselling
from app.services.rooms.counselling import ClientInput, PlanInput, SessionInput
from app.services.security import audit, auth, notes_keys
from app.services.security.notes_crypto import DecryptionFailed
from app.services.security.notes_keys import NoNotesAccess, NotesLocked
from tests.conftest import ADMIN_PASSWORD, STAFF_PASSWORD, actor

SECRET = "来访者说起三年前那场大火后一直梦见橘色的风筝"
BASIS = "反复提到不想活了，已写好遗书"
GOALS = "每周两次电话联系，陪同到医院复诊"
NEW_PASSWORD = "Reset#2027pw"


@pytest.fixture
def center(db, admin):
    """Recovery key set up by the admin; a second counsellor; the sheet's key text kept."""
    with db.write() as s:
        sheet = notes_keys.create_recovery_key(s, admin)
        auth.create_user(s, admin, "zixun2", "林咨询", Role.COUNSELLOR, STAFF_PASSWORD)
    return sheet


def unlock(db, who, password=STAFF_PASSWORD):
    with db.write() as s:
        return notes_keys.unlock(s, actor(db, who), password)


def add_client_and_session(db, key, notes=SECRET, risk=RiskLevel.CRISIS):
    c = actor(db, "zixun")
    with db.write() as s:
        client_id = counselling.register_client(
            s,
            c,
            ClientInput(
                TargetGroup.SETBACK, ClientSource.RECEPTION, pseudonym="小林", use_pseudonym=True
            ),
        )
        session_id = counselling.record_session(
            s,
            c,
            key,
            SessionInput(client_id, clock.today(), 50, SessionForm.CRISIS, risk, BASIS, notes),
        )
    return client_id, session_id


@pytest.mark.sqlite_only
def test_note_plaintext_is_absent_from_database_wal_and_backup(db, center, tmp_path):
    key = unlock(db, "zixun")
    client_id, session_id = add_client_and_session(db, key, notes="草稿")
    c = actor(db, "zixun")
    for n in range(1, len(SECRET) + 1):  # saves as it goes: every prefix once written
        with db.write() as s:
            counselling.save_notes(s, c, key, session_id, SECRET[:n])
    with db.write() as s:
        counselling.create_care_plan(
            s, c, key, PlanInput(client_id, GOALS, c.user_id, 7, clock.today() + timedelta(days=3))
        )
    with db.write() as s:
        assert counselling.open_client(s, c, key, client_id).sessions[0].notes == SECRET
    path = db.path
    wal = path.with_name(path.name + "-wal")
    assert wal.exists() and wal.stat().st_size > 0  # the WAL really holds the recent writes
    copy = backup_database(path, tmp_path / "copy.sqlite3")
    for f in (path, wal, copy):
        data = f.read_bytes()
        for text in (SECRET, SECRET[:6], BASIS, GOALS):
            assert text.encode("utf-8") not in data, f"{text} in {f.name}"
            assert text.encode("utf-16-le") not in data
    with db.read() as s:  # nor in the audit log, which names only the client's id
        reasons = " ".join(e.reason or "" for e in s.scalars(select(AuditEntry)))
        assert SECRET[:6] not in reasons


def test_every_opening_is_audited(db, center):
    key = unlock(db, "zixun")
    client_id, _ = add_client_and_session(db, key)
    with db.write() as s:
        counselling.open_client(s, actor(db, "zixun"), key, client_id)
    with db.read() as s:
        rows = [
            (e.username, e.object_type, e.at is not None)
            for e in audit.recent(s, 20, client_id)
            if e.event == "counselling_notes_open"
        ]
    assert rows == [("zixun", "counselling_client", True)]


@pytest.mark.parametrize("who", ["admin", "zhuren", "jiedai", "tiaojie"])
def test_non_counsellors_are_refused_by_the_service(db, center, who):
    key = unlock(db, "zixun")
    client_id, _ = add_client_and_session(db, key)
    other = actor(db, who)
    with db.write() as s:
        with pytest.raises(PermissionDenied):
            counselling.open_client(s, other, key, client_id)  # even holding the key object
        with pytest.raises(PermissionDenied):
            counselling.list_clients(s, other)
        with pytest.raises(PermissionDenied):
            counselling.search_notes(s, other, key, "风筝")
        with pytest.raises(PermissionDenied):
            notes_keys.unlock(s, other, ADMIN_PASSWORD if who == "admin" else STAFF_PASSWORD)


def test_director_sees_the_alert_without_the_notes(db, center):
    key = unlock(db, "zixun")
    client_id, _ = add_client_and_session(db, key, risk=RiskLevel.HIGH)
    with db.read() as s:
        alerts = counselling.crisis_alerts(s, actor(db, "zhuren"))
        with pytest.raises(PermissionDenied):
            counselling.crisis_alerts(s, actor(db, "admin"))
    assert [(a.client_id, a.label, a.risk_level, a.counsellor) for a in alerts] == [
        (client_id, "小林（化名）", RiskLevel.HIGH, "陈咨询")
    ]
    assert alerts[0].since == clock.today()
    assert alerts[0].follow_up == "未制定跟踪帮扶计划"
    assert SECRET not in repr(alerts) and BASIS not in repr(alerts)


def test_recovery_key_restores_access_after_every_password_is_reset(db, center, admin):
    key = unlock(db, "zixun")
    client_id, _ = add_client_and_session(db, key)
    with db.write() as s:
        notes_keys.grant(s, actor(db, "zixun"), key, "zixun2", STAFF_PASSWORD)
    key.drop()
    with pytest.raises(NotesLocked):
        key.material()
    with db.write() as s:
        for name in ("zixun", "zixun2"):
            user = s.scalar(select(User).where(User.username == name))
            auth.reset_password(s, admin, user.id, NEW_PASSWORD)
    for name in ("zixun", "zixun2"):  # no access from a reset alone, and not for the admin
        with pytest.raises(NoNotesAccess, match="重置"):
            unlock(db, name, NEW_PASSWORD)
    with db.write() as s:
        key2 = notes_keys.restore_with_recovery(
            s, actor(db, "zixun2"), center.key_text, NEW_PASSWORD
        )
    with db.write() as s:
        assert (
            counselling.open_client(s, actor(db, "zixun2"), key2, client_id).sessions[0].notes
            == SECRET
        )
    # … and the restored counsellor's password now opens the notes on its own.
    key3 = unlock(db, "zixun2", NEW_PASSWORD)
    with db.write() as s:
        assert (
            counselling.open_client(s, actor(db, "zixun2"), key3, client_id).sessions[0].notes
            == SECRET
        )


def test_wrong_keys_fail_loudly_and_lose_nothing(db, center, admin):
    key = unlock(db, "zixun")
    client_id, session_id = add_client_and_session(db, key)
    with db.read() as s:
        before = [(w.id, w.wrapped, w.stale) for w in s.scalars(select(NotesKeyWrap))]
        ct_before = s.get(CounsellingSession, session_id).notes_ct
    c = actor(db, "zixun")
    with pytest.raises(AuthError):
        unlock(db, "zixun", "Wrong#2026pw")
    # A recovery key of another center (well-formed, wrong key).
    other = notes_keys._encode_recovery(bytes(range(32)))
    with db.write() as s, pytest.raises(DecryptionFailed):
        notes_keys.restore_with_recovery(s, c, other, STAFF_PASSWORD)
    # One mistyped character in the printed key, always a different one (replacing the last
    # three with "AAA" left a key that ended in AAA intact). Character 53 of 55 carries only
    # checksum bits (260-264), so the mistake is one the checksum always catches.
    at = 52 + 52 // 5  # its place among the dashes
    typo = (
        center.key_text[:at]
        + ("B" if center.key_text[at] != "B" else "C")
        + center.key_text[at + 1 :]
    )
    assert typo != center.key_text
    with db.write() as s, pytest.raises(ValidationError, match="恢复密钥不正确"):
        notes_keys.restore_with_recovery(s, c, typo, STAFF_PASSWORD)
    # A data key that is not this center's.
    forged = notes_keys.NotesKeyHandle(key.key_id, c.user_id, bytearray(32))
    with db.write() as s, pytest.raises(DecryptionFailed):
        counselling.open_client(s, c, forged, client_id)
    with db.write() as s, pytest.raises(DecryptionFailed):
        counselling.save_notes(s, c, forged, session_id, "覆盖")
    # A ciphertext moved to another record does not open there (AAD binds table/row/column).
    _, other_session = add_client_and_session(db, key, notes="另一段记录")
    with db.write() as s:
        s.get(CounsellingSession, other_session).notes_ct = ct_before
    with db.write() as s, pytest.raises(DecryptionFailed):
        counselling.open_client(s, c, key, s.get(CounsellingSession, other_session).client_id)
    with db.read() as s:
        assert [(w.id, w.wrapped, w.stale) for w in s.scalars(select(NotesKeyWrap))] == before
        assert s.get(CounsellingSession, session_id).notes_ct == ct_before
    with db.write() as s:
        assert counselling.open_client(s, c, key, client_id).sessions[0].notes == SECRET


def test_password_change_rewraps(db, center):
    key = unlock(db, "zixun")
    client_id, _ = add_client_and_session(db, key)
    with db.write() as s:
        auth.change_own_password(s, actor(db, "zixun"), STAFF_PASSWORD, NEW_PASSWORD)
    with pytest.raises(AuthError):
        unlock(db, "zixun", STAFF_PASSWORD)
    key2 = unlock(db, "zixun", NEW_PASSWORD)
    with db.write() as s:
        assert (
            counselling.open_client(s, actor(db, "zixun"), key2, client_id).sessions[0].notes
            == SECRET
        )


def test_sm4_gcm_and_aes_gcm_rows_live_side_by_side(db, center):
    key = unlock(db, "zixun")
    _, aes_id = add_client_and_session(db, key, notes="AES 写的记录")
    with db.write() as s:
        settings.save_settings(s, notes_algorithm="SM4-GCM")
    client_id, sm4_id = add_client_and_session(db, key, notes=SECRET)
    with db.write() as s:
        assert s.get(CounsellingSession, aes_id).crypt_alg == "AES-256-GCM"
        assert s.get(CounsellingSession, sm4_id).crypt_alg == "SM4-GCM"
        assert s.get(CounsellingSession, sm4_id).key_id == key.key_id
        assert (
            counselling.open_client(s, actor(db, "zixun"), key, client_id).sessions[0].notes
            == SECRET
        )
        hits = counselling.search_notes(s, actor(db, "zixun"), key, "写的")
    assert [h.session_id for h in hits] == [aes_id]


def test_no_notes_before_the_recovery_key_exists(db):
    with pytest.raises(NoNotesAccess, match="counselling-recovery"):
        unlock(db, "zixun")


def test_grant_only_to_counsellors_with_their_own_password(db, center):
    key = unlock(db, "zixun")
    c = actor(db, "zixun")
    with db.write() as s, pytest.raises(PermissionDenied):
        notes_keys.grant(s, c, key, "zhuren", STAFF_PASSWORD)
    with db.write() as s, pytest.raises(ValidationError, match="密码不正确"):
        notes_keys.grant(s, c, key, "zixun2", "Wrong#2026pw")
    with pytest.raises(NoNotesAccess):
        unlock(db, "zixun2")


def test_due_follow_ups_and_search_in_memory(db, center):
    key = unlock(db, "zixun")
    client_id, _ = add_client_and_session(db, key)
    c = actor(db, "zixun")
    today = clock.today()
    with db.write() as s:
        plan = counselling.create_care_plan(
            s,
            c,
            key,
            PlanInput(client_id, GOALS, c.user_id, 14, today - timedelta(days=2), "市第七人民医院"),
        )
    with db.read() as s:
        due = counselling.due_follow_ups(s, c, today)
        assert [(d.plan_id, d.overdue) for d in due] == [(plan, True)]
        assert counselling.due_follow_ups(s, actor(db, "zixun2"), today) == []
    with db.write() as s:
        nxt = counselling.record_follow_up(s, c, key, plan, today, "电话回访，情绪平稳")
        assert nxt == today + timedelta(days=14)
        assert counselling.due_follow_ups(s, c, today) == []
        hits = counselling.search_notes(s, c, key, "橘色的风筝")
        assert [h.client_id for h in hits] == [client_id] and "风筝" in hits[0].snippet
        alerts = counselling.crisis_alerts(s, actor(db, "zhuren"))
        assert alerts[0].follow_up.startswith("下次回访")


def test_bad_session_input_says_what_to_fix(db, center):
    key = unlock(db, "zixun")
    client_id, _ = add_client_and_session(db, key)
    with db.write() as s, pytest.raises(ValidationError) as err:
        counselling.record_session(
            s,
            actor(db, "zixun"),
            key,
            SessionInput(
                client_id,
                clock.today() + timedelta(days=1),
                0,
                SessionForm.PHONE,
                RiskLevel.HIGH,
                "",
            ),
        )
    assert set(err.value.fields) == {"held_on", "duration", "risk_basis"}
    with db.read() as s:
        assert len(s.scalars(select(CounsellingSession)).all()) == 1


def test_risk_since_is_the_day_the_level_was_first_assessed(db, center):
    key = unlock(db, "zixun")
    c = actor(db, "zixun")
    today = clock.today()
    with db.write() as s:
        cid = counselling.register_client(
            s, c, ClientInput(TargetGroup.OTHER, ClientSource.SELF, name="赵立新")
        )
        for ago, risk in ((30, RiskLevel.LOW), (20, RiskLevel.LOW), (10, RiskLevel.HIGH)):
            counselling.record_session(
                s,
                c,
                key,
                SessionInput(
                    cid, today - timedelta(days=ago), 50, SessionForm.INDIVIDUAL, risk, "依据"
                ),
            )
        counselling.record_session(  # an older session entered late changes nothing
            s,
            c,
            key,
            SessionInput(cid, today - timedelta(days=40), 50, SessionForm.PHONE, RiskLevel.LOW, ""),
        )
    with db.read() as s:
        (row,) = counselling.client_overview(s, actor(db, "zhuren"))
    assert (row.risk_level, row.since) == (RiskLevel.HIGH, today - timedelta(days=10))


def test_refused_unlocks_grants_and_recovery_keys_stay_in_the_audit_log(db, center):
    """The refusal rolls the request back, but its audit row is kept (and the chain holds)."""

    def refusals():
        with db.read() as s:
            return [
                (e.event, e.reason)
                for e in s.scalars(select(AuditEntry).order_by(AuditEntry.seq))
                if e.outcome == "refused"
            ]

    with pytest.raises(AuthError):
        unlock(db, "zixun", "Wrong#2026pw")
    key = unlock(db, "zixun")
    with db.write() as s, pytest.raises(PermissionDenied):
        notes_keys.grant(s, actor(db, "zixun"), key, "zhuren", STAFF_PASSWORD)
    other = notes_keys._encode_recovery(bytes(range(32)))
    with db.write() as s, pytest.raises(DecryptionFailed):
        notes_keys.restore_with_recovery(s, actor(db, "zixun"), other, STAFF_PASSWORD)
    assert refusals() == [
        ("notes_unlock", "密码错误"),  # as a wrong log-in password (it counts toward the lock)
        ("notes_grant", "not counsellor"),
        ("notes_recovery_use", "wrong key"),
    ]
    with db.read() as s:
        assert audit.verify_chain(s).first_broken is None


def test_a_crisis_plan_proposes_the_next_working_day(db, center, clock):
    clock.freeze("2026-09-30")  # a Wednesday; 10-01..10-07 are the 国庆 holiday
    key = unlock(db, "zixun")
    crisis, _ = add_client_and_session(db, key)
    with db.read() as s:
        c = actor(db, "zixun")
        assert counselling.first_follow_up_default(s, c, crisis) == clock.today().replace(
            month=10, day=8
        )
    clock.freeze("2026-11-20")  # a Friday: the Monday after
    with db.read() as s:
        assert counselling.first_follow_up_default(s, c, crisis).isoformat() == "2026-11-23"
    high, _ = add_client_and_session(db, key, risk=RiskLevel.HIGH)
    with db.read() as s:
        assert counselling.first_follow_up_default(s, c, high) == clock.today() + timedelta(7)


def test_crisis_clients_come_first_with_the_time_since_the_last_contact(db, center, clock):
    clock.freeze("2027-01-05")
    key = unlock(db, "zixun")
    c = actor(db, "zixun")
    clock.freeze("2026-12-20")
    high, _ = add_client_and_session(db, key, risk=RiskLevel.HIGH)
    crisis, _ = add_client_and_session(db, key)
    with db.write() as s:
        plan = counselling.create_care_plan(
            s, c, key, PlanInput(crisis, GOALS, c.user_id, 7, clock.today())
        )
    clock.freeze("2026-12-29")
    with db.write() as s:
        counselling.record_follow_up(s, c, key, plan, clock.today(), "电话联系，情绪平稳")
    clock.freeze("2027-01-05")
    director = actor(db, "zhuren")
    with db.read() as s:
        alerts = counselling.crisis_alerts(s, director)
        login = counselling.crisis_contact_alert(s, director)
        assert counselling.crisis_contact_alert(s, c) == ""  # the director's alert only
    assert [(a.risk_level, a.since_contact_text) for a in alerts] == [
        (RiskLevel.CRISIS, "7天前"),  # the follow-up counts as contact
        (RiskLevel.HIGH, "16天前"),
    ]
    assert "危机来访者已超过3天没有联系：小林（化名）（上次联系7天前，陈咨询负责）。" in login
    with db.write() as s:
        assert counselling.set_crisis_contact_days(s, director, 7) == 7
    with db.read() as s:
        assert counselling.crisis_contact_alert(s, director) == ""  # 7 days is not more than 7
    with pytest.raises(ValidationError) as err, db.write() as s:
        counselling.set_crisis_contact_days(s, director, 0)
    assert "1–30" in err.value.fields["crisis_contact_days"]
    with pytest.raises(PermissionDenied), db.write() as s:
        counselling.set_crisis_contact_days(s, c, 5)
    with db.read() as s:
        assert settings.load_settings(s).crisis_contact_days == 7


def test_notes_wanted_but_no_session_chosen_is_refused(db, center):
    key = unlock(db, "zixun")
    client_id, session_id = add_client_and_session(db, key)
    data = counselling.ReferralInput(
        client_id, "市第三人民医院", counselling.ConsentKind.WRITTEN, clock.today(), [], True
    )
    with pytest.raises(ValidationError) as err, db.write() as s:
        counselling.referral_pdf(s, actor(db, "zixun"), key, data)
    assert "还没有选择哪几次咨询" in err.value.fields["sessions"]
    data.session_ids = [session_id]
    with db.write() as s:
        summary = counselling.referral_summary(s, actor(db, "zixun"), key, data)
    assert [x.notes for x in summary.sessions] == [SECRET]
