"""Bad input on purpose, mediation rooms: cases and their parties, records, agreements,
follow-ups, judicial confirmation, the family room's minors, protection, services, complaints.

Accepted and read back exactly (stripped; ID numbers and phones as their validators write
them), or refused in Chinese with nothing written. Nothing else escapes.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from app.core.errors import ValidationError
from app.models import (
    Agreement,
    AgreementKind,
    CaseMinor,
    CaseProtection,
    CaseRoom,
    CaseService,
    CaseStatus,
    DisputeType,
    FamilyService,
    FollowUp,
    FollowUpMethod,
    JudicialConfirmation,
    Matter,
    MediationCase,
    MediationRecord,
    PartyKind,
    PartyRole,
    Performance,
    ProtectionKind,
    RightsComplaint,
    Satisfaction,
    TransferBody,
    User,
    ViolenceRisk,
)
from app.models.base import now
from app.services.rooms import mediation
from app.services.rooms.mediation import (
    AgreementInput,
    CaseInput,
    FollowUpInput,
    MinorInput,
    PartyInput,
    RecordInput,
    StatementInput,
)
from app.services.validation import sex_and_age, validate_id_number, validate_phone
from tests.conftest import actor
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
    id_numbers,
    mostly,
)

AT = (now() - timedelta(days=20)).replace(hour=9, minute=0, second=0, microsecond=0)
AMOUNTS = mostly(
    st.sampled_from([None, "", "3000", "12,000.50", "12，000元", "１２３", "0"]),
    st.one_of(
        st.sampled_from(
            [
                "0.001",
                "-1",
                "1e5",
                "NaN",
                "sNaN",
                "Infinity",
                "-Infinity",
                "1e999999",
                "100000000000.01",
            ]
        ),  # fmt: skip
        st.decimals(allow_nan=True, allow_infinity=True).map(str),
        TEXT,
    ),
)
TEXT_OK = mostly(FAIR)  # a free-text field: mostly fair, sometimes anything


def seldom(good, bad=ANY_TEXT):
    """For the fields of a party (a case has a dozen per party): bad one time in forty."""
    return mostly(good, bad, one_in=40)


def _id(value: str) -> str:
    try:
        return validate_id_number(value) if value.strip() else ""
    except ValidationError:
        return "refused"


def _phone(value: str) -> str:
    try:
        return validate_phone(value) if value.strip() else ""
    except ValidationError:
        return "refused"


@pytest.fixture(scope="module")
def db(tmp_path_factory):
    yield from center_database(tmp_path_factory)


@pytest.fixture
def mediator(db):
    return actor(db, "tiaojie")


def _case(db, mediator, room=CaseRoom.GENERAL, **kw) -> mediation.CaseRef:
    with db.read() as s:
        lead = s.scalar(select(User.id).where(User.username == "tiaojie"))
    data = CaseInput(
        room=room,
        dispute_type=DisputeType.MARRIAGE_FAMILY if room == CaseRoom.FAMILY else DisputeType.OTHER,
        facts="双方因排水沟堵塞发生纠纷。",
        parties=[
            PartyInput(PartyRole.APPLICANT, "王𠮷", phone="13812345678"),
            PartyInput(PartyRole.RESPONDENT, "李四"),
        ],
        mediator_ids=[lead],
        relationship="夫妻" if room == CaseRoom.FAMILY else "",
        violence_risk=ViolenceRisk.LOW if room == CaseRoom.FAMILY else None,
        **kw,
    )
    with db.write() as s:
        return mediation.open_case(s, mediator, data, at=AT)


@pytest.fixture
def case(db, mediator):
    return _case(db, mediator)


@pytest.fixture
def family(db, mediator):
    return _case(db, mediator, CaseRoom.FAMILY)


PARTY = st.fixed_dictionaries(
    {
        "name": seldom(NAMES),
        "kind": st.sampled_from([PartyKind.PERSON, PartyKind.PERSON, PartyKind.ORGANISATION]),
        "sex": seldom(st.sampled_from(["", "男", "女"]), st.sampled_from(["男 ", "\x00", "未知"])),
        "ethnicity": seldom(st.sampled_from(["", "汉族", "维吾尔族"]), SHORT_FAIR),
        "age": seldom(st.none() | st.integers(0, 130), st.integers(-5, 200)),
        "occupation": TEXT_OK,
        "id_number": seldom(id_numbers(valid=True), id_numbers()),
        "phone": seldom(GOOD_PHONES, PHONES),
        "address": TEXT_OK,
        "representative": seldom(st.just("") | NAMES),
        "agent_name": seldom(st.just("") | NAMES),
        "agent_kind": seldom(
            st.sampled_from(["", "委托代理人", "法定代理人"]),
            st.sampled_from(["\u200b", "代" * 17]),
        ),
        "agent_phone": seldom(st.just("") | GOOD_PHONES, PHONES),
    }
)


@settings(max_examples=40)
@given(
    applicant=PARTY,
    respondent=PARTY,
    facts=seldom(FAIR),
    requests=seldom(FAIR),
    title=seldom(st.just("") | SHORT_FAIR),
    amount=AMOUNTS,
    relationship=seldom(SHORT_FAIR),
)
def test_opening_a_case(
    db, mediator, applicant, respondent, facts, requests, title, amount, relationship
):
    with db.read() as s:
        lead = s.scalar(select(User.id).where(User.username == "tiaojie"))
    parties = [
        PartyInput(PartyRole.APPLICANT, **applicant),
        PartyInput(PartyRole.RESPONDENT, **respondent),
    ]
    data = CaseInput(
        room=CaseRoom.FAMILY,
        dispute_type=DisputeType.MARRIAGE_FAMILY,
        facts=facts,
        parties=[PartyInput(**vars(p)) for p in parties],
        mediator_ids=[lead],
        title=title,
        requests=requests,
        amount=amount,
        relationship=relationship,
        violence_risk=ViolenceRisk.HIGH,
    )
    ok, ref = attempt(db, lambda s: mediation.open_case(s, mediator, data, at=AT))
    if not ok:
        return
    with db.read() as s:
        c = s.get(MediationCase, ref.id)
        assert c.facts == facts.strip() and c.requests == requests.strip()
        assert c.title == (title.strip() or c.title) and c.relationship_text == relationship.strip()
        assert c.amount_cents == mediation.parse_amount(amount)
        assert s.get(Matter, c.matter_id).summary == facts.strip()[:2000].strip()
        for given_, stored in zip(parties, c.parties, strict=True):
            assert stored.name == given_.name.strip()
            sex, age = given_.sex, given_.age
            if given_.kind == PartyKind.PERSON and len(stored.id_number) == 18:
                sex, age = sex_and_age(stored.id_number)  # filled in from the number
            assert (stored.kind, stored.sex, stored.age) == (given_.kind, sex, age)
            assert stored.id_number == _id(given_.id_number)
            assert stored.phone == _phone(given_.phone)
            assert stored.agent_phone == _phone(given_.agent_phone)
            for attr in ("ethnicity", "occupation", "address", "representative", "agent_name",
                         "agent_kind"):  # fmt: skip
                assert getattr(stored, attr) == getattr(given_, attr).strip(), attr


def _snapshot(db, case_id) -> CaseInput:
    with db.read() as s:
        return mediation.case_input(s, actor(db, "tiaojie"), case_id)


@settings(max_examples=30)
@given(applicant=PARTY, facts=TEXT_OK, referred_by=mostly(SHORT_FAIR), amount=AMOUNTS)
def test_changing_a_case(db, mediator, case, applicant, facts, referred_by, amount):
    before = _snapshot(db, case.id)
    data = _snapshot(db, case.id)
    data.parties[0] = PartyInput(PartyRole.APPLICANT, **applicant)
    data.facts, data.referred_by, data.amount = facts, referred_by, amount
    ok, _ = attempt(db, lambda s: mediation.update_case(s, mediator, case.id, data))
    after = _snapshot(db, case.id)
    if not ok:
        assert after == before, "a refused change left something behind"
        return
    assert after.facts == facts.strip() and after.referred_by == referred_by.strip()
    assert after.parties[0].name == applicant["name"].strip()
    assert after.parties[0].id_number == _id(applicant["id_number"])
    assert after.parties[0].address == applicant["address"].strip()


STATEMENTS = st.lists(st.tuples(mostly(NAMES), TEXT_OK), max_size=3)


@settings(max_examples=30)
@given(
    place=TEXT_OK,
    attendees=TEXT_OK,
    recorder=mostly(NAMES),
    facts=TEXT_OK,
    risks=TEXT_OK,
    result=TEXT_OK,
    next_step=TEXT_OK,
    statements=STATEMENTS,
)
def test_mediation_records(
    db, mediator, case, place, attendees, recorder, facts, risks, result, next_step, statements
):
    data = RecordInput(
        at=AT + timedelta(days=1),
        place=place,
        attendees=attendees,
        recorder=recorder,
        rights_told=True,
        facts_checked=facts,
        risks_warned=risks,
        result=result,
        next_step=next_step,
        statements=[StatementInput(a, b) for a, b in statements],
    )
    ok, record_id = attempt(db, lambda s: mediation.save_record(s, mediator, case.id, data))
    if not ok:
        return
    with db.read() as s:
        rec = s.get(MediationRecord, record_id)
        assert (rec.place, rec.attendees, rec.recorder) == (
            place.strip(),
            attendees.strip(),
            recorder.strip(),
        )
        assert (rec.facts_checked, rec.risks_warned, rec.result, rec.next_step) == (
            facts.strip(),
            risks.strip(),
            result.strip(),
            next_step.strip(),
        )
        kept = [(a.strip(), b.strip()) for a, b in statements if a.strip() or b.strip()]
        assert [(st.speaker, st.text) for st in rec.statements] == kept


@settings(max_examples=30)
@given(facts=TEXT_OK, terms=st.lists(TEXT_OK, max_size=4), method=TEXT_OK)
def test_agreement_terms(db, mediator, case, facts, terms, method):
    def current():
        with db.read() as s:
            a = s.scalar(select(Agreement).where(Agreement.case_id == case.id))
            return None if a is None else (a.facts, [t.text for t in a.terms], a.performance_method)

    before = current()
    data = AgreementInput(
        AgreementKind.WRITTEN, facts, terms, method, AT.date() + timedelta(days=5)
    )
    ok, _ = attempt(db, lambda s: mediation.save_agreement(s, mediator, case.id, data))
    if not ok:
        assert current() == before
        return
    kept = [t.strip() for t in terms if t.strip()]
    assert current() == (facts.strip(), kept, method.strip())


@settings(max_examples=30)
@given(
    visited=mostly(NAMES),
    escalation=TEXT_OK,
    measures=TEXT_OK,
    satisfaction=st.sampled_from([None, *Satisfaction]),
)
def test_follow_ups(db, mediator, case, visited, escalation, measures, satisfaction):
    data = FollowUpInput(
        done_on=AT.date() + timedelta(days=3),
        method=FollowUpMethod.PHONE,
        visited=visited,
        performance=Performance.PARTIAL,
        satisfaction=satisfaction,
        escalation=escalation,
        measures=measures,
    )
    ok, fid = attempt(db, lambda s: mediation.record_followup(s, mediator, case.id, data))
    if not ok:
        return
    with db.read() as s:
        f = s.get(FollowUp, fid)
        assert (f.visited, f.escalation, f.measures, f.satisfaction) == (
            visited.strip(),
            escalation.strip(),
            measures.strip(),
            satisfaction,
        )


@pytest.fixture
def signed(db, mediator):
    ref = _case(db, mediator)
    data = AgreementInput(AgreementKind.WRITTEN, "事实", ["赔偿2000元"], "当面付清")
    with db.write() as s:
        a = mediation.save_agreement(s, mediator, ref.id, data)
        mediation.sign_agreement(s, mediator, a.id, AT.date() + timedelta(days=1))
    return ref


@settings(max_examples=25)
@given(court=mostly(SHORT_FAIR), note=TEXT_OK)
def test_judicial_confirmation(db, mediator, signed, court, note):
    applied = AT.date() + timedelta(days=2)
    ok, jid = attempt(
        db,
        lambda s: mediation.record_confirmation(s, mediator, signed.id, applied, court, note=note),
    )
    if ok:
        with db.read() as s:
            j = s.get(JudicialConfirmation, jid)
            assert (j.court, j.note) == (court.strip(), note.strip())


@settings(max_examples=20)
@given(
    how=st.sampled_from(["fail", "terminate", "transfer"]),
    reason=TEXT_OK,
    to=mostly(SHORT_FAIR),
)
def test_closing_and_transfer_reasons(db, mediator, how, reason, to):
    ref = _case(db, mediator)

    def close(s):
        if how == "transfer":
            return mediation.transfer_case(s, mediator, ref.id, TransferBody.COURT, to, reason)
        outcome = CaseStatus.FAILED if how == "fail" else CaseStatus.TERMINATED
        return mediation.close_case(s, mediator, ref.id, outcome, reason)

    ok, _ = attempt(db, close)
    with db.read() as s:
        c = s.get(MediationCase, ref.id)
        if not ok:
            assert c.status == CaseStatus.ACCEPTED and c.outcome is None
            return
        assert c.outcome == reason.strip()
        if how == "transfer":
            assert c.transfer_to == to.strip()


MINORS = st.lists(
    st.fixed_dictionaries(
        {
            "name": mostly(NAMES),
            "sex": mostly(st.sampled_from(["", "男", "女"]), st.sampled_from(["\x00", "女孩子们"])),
            "age": mostly(st.none() | st.integers(0, 17), st.integers(-2, 30)),
            "relation": mostly(SHORT_FAIR),
            "note": TEXT_OK,
        }
    ),
    max_size=3,
)


@settings(max_examples=30)
@given(minors=MINORS)
def test_minors_in_a_family_case(db, mediator, family, minors):
    def stored():
        with db.read() as s:
            return sorted(
                (
                    (m.name, m.sex, m.age, m.relation, m.note)
                    for m in s.scalars(select(CaseMinor).where(CaseMinor.case_id == family.id))
                ),
                key=repr,  # ages may be None
            )

    before = stored()
    given_ = [MinorInput(**m) for m in minors]
    ok, _ = attempt(db, lambda s: mediation.save_minors(s, mediator, family.id, given_))
    if not ok:
        assert stored() == before
        return
    assert stored() == sorted(
        ((m.name.strip(), m.sex, m.age, m.relation.strip(), m.note.strip()) for m in given_),
        key=repr,
    )


@settings(max_examples=30)
@given(
    what=st.sampled_from(["protection", "service", "complaint"]),
    text=TEXT_OK,
    referred_to=mostly(st.just("") | SHORT_FAIR),
)
def test_family_room_records(db, mediator, family, what, text, referred_to):
    on = AT.date() + timedelta(days=1)

    def add(s):
        if what == "protection":
            mediation.add_protection(
                s, mediator, family.id, ProtectionKind.WARNING_LETTER, on, text
            )
        elif what == "service":
            mediation.add_service(s, mediator, family.id, FamilyService.LEGAL_ADVICE, on, text)
        else:
            mediation.add_complaint(
                s, mediator, family.id, on, text, referred_to, on if referred_to.strip() else None
            )

    ok, _ = attempt(db, add)
    if not ok:
        return
    model, column = {
        "protection": (CaseProtection, CaseProtection.note),
        "service": (CaseService, CaseService.note),
        "complaint": (RightsComplaint, RightsComplaint.content),
    }[what]
    with db.read() as s:
        texts = list(s.scalars(select(column).where(model.case_id == family.id)))
        assert text.strip() in texts
        if what == "complaint":
            assert referred_to.strip() in s.scalars(select(RightsComplaint.referred_to))


def test_amounts_that_are_not_numbers_are_refused_in_chinese():
    for text in ("NaN", "sNaN", "Infinity", "-Infinity", "1e999999"):
        with pytest.raises(ValidationError) as err:
            mediation.parse_amount(text)
        assert "争议金额" in err.value.fields["amount"]
    assert mediation.parse_amount("12，000.50元") == 1200050


def test_a_minors_name_and_sex_are_checked_like_a_partys(db, mediator, family):
    with db.write() as s, pytest.raises(ValidationError) as err:
        mediation.save_minors(s, mediator, family.id, [MinorInput("小宝\x00", "\x00", 8)])
    assert set(err.value.fields) == {"minors[0].name", "minors[0].sex"}
    assert "性别" in err.value.fields["minors[0].sex"]
    with db.write() as s:
        mediation.save_minors(s, mediator, family.id, [MinorInput(" 钱𠮷 ", "女", 8)])
    with db.read() as s:
        assert s.scalar(select(CaseMinor.name).where(CaseMinor.case_id == family.id)) == "钱𠮷"
