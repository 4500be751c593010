"""Bad input on purpose, 暖心工作室: clients (real name or pseudonym), sessions and their
encrypted notes, care plans and follow-ups, activities, referral summaries.

Notes are kept exactly as typed (not even stripped) and must decrypt back to it; other text
is stripped. Or the input is refused in Chinese and nothing at all was written.
"""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from app.core import clock
from app.core.errors import ValidationError
from app.models import (
    ActivityKind,
    CarePlan,
    ClientSource,
    ConsentKind,
    CounsellingActivity,
    CounsellingClient,
    Person,
    RiskLevel,
    SessionForm,
    TargetGroup,
)
from app.services.rooms import counselling
from app.services.rooms.counselling import (
    NOTES_MAX,
    ActivityInput,
    ClientInput,
    PlanInput,
    SessionInput,
)
from app.services.security import notes_keys
from app.services.validation import validate_phone
from tests.conftest import STAFF_PASSWORD, actor
from tests.strategies import (
    ANY_TEXT,
    FAIR,
    GOOD_PHONES,
    NAMES,
    PHONES,
    SHORT_FAIR,
    TEXT,
    attempt,
    center_database,
    mostly,
)

TEXT_OK = mostly(FAIR)
NOTES = st.one_of(
    TEXT,
    FAIR,
    ANY_TEXT,
    st.sampled_from([NOTES_MAX, NOTES_MAX + 1]).map(lambda n: "记" * n),
    st.sampled_from(["\x00\x00", " 前后有空格 ", "\r\n第二行\r\n", "\ud83d\ude00", "\ud83d"]),
)


@pytest.fixture(scope="module")
def db(tmp_path_factory):
    yield from center_database(tmp_path_factory)


@pytest.fixture(scope="module")
def key(db):
    """The recovery key set up by the admin, then the counsellor's notes opened."""
    with db.write() as s:
        notes_keys.create_recovery_key(s, actor(db, "admin"))
    with db.write() as s:
        return notes_keys.unlock(s, actor(db, "zixun"), STAFF_PASSWORD)


@pytest.fixture
def counsellor(db):
    return actor(db, "zixun")


@pytest.fixture(scope="module")
def client_id(db, key):
    with db.write() as s:
        return counselling.register_client(
            s,
            actor(db, "zixun"),
            ClientInput(
                TargetGroup.SETBACK, ClientSource.SELF, pseudonym="小林", use_pseudonym=True
            ),
        )


def _phone(value: str) -> str | None:
    return validate_phone(value) if value.strip() else None


@settings(max_examples=40)
@given(
    use_pseudonym=st.booleans(),
    name=mostly(NAMES),
    phone=mostly(st.just("") | GOOD_PHONES, PHONES),
    pseudonym=mostly(SHORT_FAIR),
)
def test_clients_by_name_or_pseudonym(db, counsellor, use_pseudonym, name, phone, pseudonym):
    data = ClientInput(
        TargetGroup.CONFLICT,
        ClientSource.RECEPTION,
        name=name,
        phone=phone,
        pseudonym=pseudonym,
        use_pseudonym=use_pseudonym,
    )
    ok, cid = attempt(db, lambda s: counselling.register_client(s, counsellor, data))
    if not ok:
        return
    with db.read() as s:
        c = s.get(CounsellingClient, cid)
        if use_pseudonym:
            assert c.pseudonym == pseudonym.strip() and c.person_id is None
        else:
            person = s.get(Person, c.person_id)
            assert (person.name, person.phone) == (name.strip(), _phone(phone))
            assert c.pseudonym is None


def _notes_of(db, key, client_id, session_id):
    with db.write() as s:
        file = counselling.open_client(s, actor(db, "zixun"), key, client_id)
    return next(v for v in file.sessions if v.id == session_id)


@settings(max_examples=30)
@given(
    notes=NOTES,
    basis=mostly(FAIR),
    risk=st.sampled_from(list(RiskLevel)),
    minutes=mostly(st.integers(1, 600), st.integers(-5, 10_000)),
)
def test_session_notes_decrypt_back_exactly(
    db, key, counsellor, client_id, notes, basis, risk, minutes
):
    data = SessionInput(
        client_id, clock.today(), minutes, SessionForm.INDIVIDUAL, risk, basis, notes
    )
    ok, sid = attempt(db, lambda s: counselling.record_session(s, counsellor, key, data))
    if not ok:
        return
    view = _notes_of(db, key, client_id, sid)
    assert view.notes == notes, "the notes did not decrypt to what was typed"
    assert view.risk_basis == basis.strip()
    assert (view.duration_minutes, view.risk_level) == (minutes, risk)


@pytest.fixture(scope="module")
def session_id(db, key, client_id):
    data = SessionInput(client_id, clock.today(), 50, SessionForm.INDIVIDUAL, RiskLevel.LOW, "")
    with db.write() as s:
        return counselling.record_session(s, actor(db, "zixun"), key, data)


@settings(max_examples=30)
@given(notes=NOTES)
def test_saving_notes_as_they_are_typed(db, key, counsellor, client_id, session_id, notes):
    before = _notes_of(db, key, client_id, session_id).notes
    ok, _ = attempt(db, lambda s: counselling.save_notes(s, counsellor, key, session_id, notes))
    after = _notes_of(db, key, client_id, session_id).notes
    assert after == (notes if ok else before)


@settings(max_examples=30)
@given(
    goals=TEXT_OK,
    referral_to=mostly(st.just("") | SHORT_FAIR),
    follow_up=TEXT_OK,
    outcome=TEXT_OK,
)
def test_care_plans(db, key, counsellor, client_id, goals, referral_to, follow_up, outcome):
    data = PlanInput(client_id, goals, counsellor.user_id, 7, clock.today(), referral_to)
    ok, plan_id = attempt(db, lambda s: counselling.create_care_plan(s, counsellor, key, data))
    if not ok:
        return
    with db.read() as s:
        assert s.get(CarePlan, plan_id).referral_to == referral_to.strip()
    attempt(
        db,
        lambda s: counselling.record_follow_up(
            s, counsellor, key, plan_id, clock.today(), follow_up
        ),
    )
    attempt(db, lambda s: counselling.close_care_plan(s, counsellor, key, plan_id, outcome))
    with db.write() as s:
        file = counselling.open_client(s, counsellor, key, client_id)
    plan = next(p for p in file.plans if p.id == plan_id)
    assert plan.goals == goals.strip()
    assert [f.note for f in plan.follow_ups] in ([], [follow_up.strip()])
    assert plan.outcome in ("", outcome.strip())


@settings(max_examples=30)
@given(
    topic=mostly(SHORT_FAIR),
    audience=mostly(st.just("") | SHORT_FAIR),
    partners=mostly(st.just("") | SHORT_FAIR),
    notes=TEXT_OK,
    attendance=mostly(st.integers(0, 500), st.integers(-10, 10**7)),
)
def test_activities(db, counsellor, topic, audience, partners, notes, attendance):
    data = ActivityInput(
        ActivityKind.PUBLICITY, clock.today(), topic, audience, attendance, partners, notes
    )
    ok, aid = attempt(db, lambda s: counselling.record_activity(s, counsellor, data))
    if not ok:
        return
    with db.read() as s:
        a = s.get(CounsellingActivity, aid)
        assert (a.topic, a.audience, a.partners, a.notes, a.attendance) == (
            topic.strip(),
            audience.strip(),
            partners.strip(),
            notes.strip(),
            attendance,
        )


@settings(max_examples=25)
@given(to_body=mostly(SHORT_FAIR), summary=TEXT_OK, reason=TEXT_OK)
def test_referral_summaries(db, key, counsellor, client_id, session_id, to_body, summary, reason):
    data = counselling.ReferralInput(
        client_id,
        to_body,
        ConsentKind.WRITTEN,
        clock.today(),
        [session_id],
        include_notes=True,
        summary=summary,
        reason=reason,
    )
    ok, ref = attempt(db, lambda s: counselling.referral_summary(s, counsellor, key, data))
    if ok:
        assert (ref.to_body, ref.summary, ref.reason) == (
            to_body.strip(),
            summary.strip(),
            reason.strip(),
        )


def test_notes_with_half_a_surrogate_pair_are_refused_in_chinese(db, key, counsellor, client_id):
    data = SessionInput(
        client_id, clock.today(), 50, SessionForm.INDIVIDUAL, RiskLevel.LOW, "", "半个\ud83d字"
    )
    with db.write() as s, pytest.raises(ValidationError) as err:
        counselling.record_session(s, counsellor, key, data)
    assert "U+D83D" in err.value.fields["notes"]


def test_activity_and_referral_text_with_control_characters_is_refused(
    db, key, counsellor, client_id
):
    data = ActivityInput(ActivityKind.GROUP, clock.today(), "减压团体", "社区\x00居民", 12, "妇联")
    with db.write() as s, pytest.raises(ValidationError) as err:
        counselling.record_activity(s, counsellor, data)
    assert set(err.value.fields) == {"audience"}
    plan = PlanInput(client_id, "每周联系", counsellor.user_id, 7, clock.today(), "医院\x1b")
    with db.write() as s, pytest.raises(ValidationError) as err:
        counselling.create_care_plan(s, counsellor, key, plan)
    assert set(err.value.fields) == {"referral_to"}
    with db.read() as s:
        assert (
            s.scalar(select(CounsellingActivity).where(CounsellingActivity.topic == "减压团体"))
            is None
        )
