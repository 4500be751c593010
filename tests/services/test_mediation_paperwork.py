"""Issue 18's paperwork rules in the services: party identity from the ID number, the
default mediator, signing and correcting agreements, oral agreements, what printouts show."""

from __future__ import annotations

import io
from datetime import date, timedelta

import pytest
from pypdf import PdfReader

from app.core.errors import ValidationError
from app.models import MediationCase, PartyKind, PartyRole
from app.services.reception import posts
from app.services.rooms import mediation
from app.services.rooms.mediation import PartyInput
from app.services.validation import ETHNICITIES, id_check_digit, sex_and_age
from tests.conftest import actor
from tests.services.test_mediation import T0, neighbours, open_case, routed_matter, uid


def pdf_text(db, who, document, object_id) -> str:
    with db.write() as s:
        _title, pdf = mediation.document_pdf(s, who, document, object_id)
    reader = PdfReader(io.BytesIO(pdf))
    return "".join(p.extract_text() for p in reader.pages).replace("\n", "")


def an_id(born: str, seventeenth: int) -> str:
    first17 = f"330382{born}01{seventeenth}"
    return first17 + id_check_digit(first17)


WOMAN = an_id("19900315", 2)  # an even 17th digit: a woman
MAN = an_id("19900315", 3)


@pytest.fixture
def mediator(db):
    return actor(db, "tiaojie")


def test_56_ethnic_groups():
    assert len(ETHNICITIES) == len(set(ETHNICITIES)) == 56
    assert {"汉族", "畲族", "维吾尔族", "基诺族"} <= set(ETHNICITIES)


def test_sex_and_age_are_filled_in_from_an_18_digit_id(db, mediator, clock):
    clock.freeze("2027-01-05")
    data = neighbours(db)
    data.parties[0] = PartyInput(PartyRole.APPLICANT, "王芳", id_number=WOMAN, ethnicity="畲")
    ref = open_case(db, mediator, data, at=T0.replace(year=2027, month=1, day=5))
    with db.read() as s:
        p = s.get(MediationCase, ref.id).parties[0]
        assert (p.sex, p.age, p.ethnicity) == ("女", 36, "畲族")


def test_a_contradicting_sex_or_age_is_refused_with_what_to_check(db, mediator, clock):
    clock.freeze("2027-01-05")
    data = neighbours(db)
    data.parties[0] = PartyInput(PartyRole.APPLICANT, "王芳", sex="男", id_number=WOMAN)
    with pytest.raises(ValidationError) as err:
        open_case(db, mediator, data, at=T0.replace(year=2027, month=1, day=5))
    msg = err.value.fields["parties[0].sex"]
    assert "性别填的是“男”" in msg and "第17位表示女性" in msg
    data.parties[0] = PartyInput(PartyRole.APPLICANT, "王强", sex="男", age=50, id_number=MAN)
    with pytest.raises(ValidationError) as err:
        open_case(db, mediator, data, at=T0.replace(year=2027, month=1, day=5))
    assert "1990-03-15（36 岁）" in err.value.fields["parties[0].age"]
    # A wrong 民族 is named.
    data.parties[0] = PartyInput(PartyRole.APPLICANT, "王强", ethnicity="火星族")
    with pytest.raises(ValidationError) as err:
        open_case(db, mediator, data, at=T0.replace(year=2027, month=1, day=5))
    assert "不是56个民族之一" in err.value.fields["parties[0].ethnicity"]


def test_an_organisation_keeps_its_representative_and_title(db, mediator):
    data = neighbours(db)
    data.parties[1] = PartyInput(
        PartyRole.RESPONDENT,
        "白石物业有限公司",
        kind=PartyKind.ORGANISATION,
        representative="郑某",
        representative_title="总经理",
    )
    data.parties[0].workplace = "白石五金厂"
    ref = open_case(db, mediator, data)
    with db.read() as s:
        back = mediation.case_input(s, mediator, ref.id)
    assert back.parties[1].representative_title == "总经理"
    assert back.parties[0].workplace == "白石五金厂"
    text = pdf_text(db, mediator, mediation.Document.APPLICATION, ref.id)
    assert "法定代表人（负责人）：郑某，职务：总经理" in text
    assert "工作单位：白石五金厂" in text


def test_an_id_taken_over_from_the_matter_fills_sex_and_age(db, mediator):
    m = routed_matter(db)
    with db.read() as s:
        data = mediation.input_from_matter(s, mediator, m.id)
    p = data.parties[0]
    assert p.id_number and (p.sex, p.age) == sex_and_age(p.id_number)
    assert p.sex in ("男", "女") and p.age is not None


def test_a_mediator_on_leave_is_named_so_and_comes_last(db, mediator, clock):
    today = clock.today()
    away = uid(db, "tiaojie")
    with db.write() as s:
        posts.add_absence(s, actor(db, "admin"), away, today, today + timedelta(days=5), "年休假")
    with db.read() as s:
        choices = mediation.mediator_choices(s, actor(db, "zhuren"))
    end = today + timedelta(days=5)
    assert choices[-1][0] == away
    assert choices[-1][1].endswith(f"（请假至{end.month}月{end.day}日）")
    assert all("请假" not in name for _id, name in choices[:-1])


def test_sex_and_age_of_a_bad_number_are_left_empty():
    assert sex_and_age("123") == ("", None)
    assert sex_and_age(WOMAN, date(2000, 3, 14)) == ("女", 9)


def test_timeline_steps_given_as_a_day_never_come_before_the_same_days_intake(db, clock):
    """A 防护措施 on the day of 立案 (14:00) and a 回访 recorded today: in the order they
    happened, to the second."""
    from datetime import datetime

    from app.models import AgreementKind, FollowUpMethod, Performance, ProtectionKind
    from app.services.rooms.mediation import FollowUpInput
    from tests.services.test_mediation import family

    clock.freeze("2027-01-05 16:30:15")
    m = actor(db, "tiaojie")
    accepted = datetime(2027, 1, 4, 14, 0, 0)
    with db.write() as s:
        ref = mediation.open_case(s, m, family(db), at=accepted)
        mediation.add_protection(
            s, m, ref.id, ProtectionKind.WARNING_LETTER, date(2027, 1, 4), "已转介"
        )
        a = mediation.save_agreement(
            s,
            m,
            ref.id,
            mediation.AgreementInput(AgreementKind.WRITTEN, "事实", ["条款"], "当面", None),
        )
        mediation.sign_agreement(s, m, a.id, date(2027, 1, 5))
        mediation.record_followup(
            s,
            m,
            ref.id,
            FollowUpInput(date(2027, 1, 5), FollowUpMethod.PHONE, "钱某", Performance.DONE),
        )
    with db.read() as s:
        rows = mediation.case_detail(s, m, ref.id).timeline
    times = [r.at for r in rows]
    assert times == sorted(times)
    notes = [r.note for r in rows]
    intake = next(i for i, n in enumerate(notes) if "防护措施" in n)
    assert rows[intake].at == accepted.replace(second=1)  # right after the 立案 at 14:00
    assert min(r.at for r in rows) <= accepted
    followup = next(r for r in rows if r.note.startswith("回访"))
    assert followup.at == datetime(2027, 1, 5, 16, 30, 15)  # recorded now, to the second
