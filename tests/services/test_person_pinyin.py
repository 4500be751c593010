"""The pinyin of people's names: pypinyin's where it can read the name, typed by hand where it
cannot (王𠮷), stored and searched; the 重复来访 summary line and the particulars to copy."""

from __future__ import annotations

from datetime import date, datetime

import pytest
from sqlalchemy import select

from app.core.errors import ValidationError
from app.models import Person
from app.services import pinyin
from app.services.reception import intake
from app.services.reception.intake import MatterFilter, VisitorInput
from tests.services.test_intake import VALID_ID, make_input, register


def test_pypinyin_reads_what_it_can_and_says_what_it_cannot():
    assert pinyin.suggested_pinyin("刘䶮") == "liu yan" and not pinyin.lacks_reading("刘䶮")
    assert pinyin.suggested_pinyin("王𠮷") == "wang ?" and pinyin.lacks_reading("王𠮷")
    assert pinyin.clean_typed_pinyin("  Wáng   Jí ") == "wang ji"
    assert pinyin.pinyin_keys("lü bu") == ("lvbu", "lb")
    assert pinyin.person_keys("王𠮷") == ("wang", "w")
    assert pinyin.person_keys("王𠮷", "wang ji") == ("wangji", "wj")


def test_typed_pinyin_is_stored_and_the_person_found_by_it(db, receptionist):
    visitor = VisitorInput(name="王𠮷", id_number=VALID_ID, pinyin="Wang Ji")
    register(db, receptionist, make_input(db, visitors=[visitor]), at=datetime(2026, 11, 2, 9))
    # The next visit by ID number, without typing the pinyin again, keeps it.
    again = VisitorInput(name="王𠮷", id_number=VALID_ID, phone="13812345678")
    register(db, receptionist, make_input(db, visitors=[again]), at=datetime(2026, 11, 28, 9))
    with db.read() as s:
        p = s.scalar(select(Person))
        assert (p.name_pinyin, p.name_initials, p.name_pinyin_typed) == ("wangji", "wj", "wang ji")
        for q in ("wangji", "wj", "wangj"):
            assert intake.count_matters(s, receptionist, MatterFilter(query=q)) == 2, q
        # 重复来访 by the pinyin typed for the name (the IME could not write 𠮷: 王吉 typed).
        found = intake.earlier_visits(s, receptionist, name="王吉", pinyin="wang ji")
    assert [v.matched_by for v in found] == ["拼音", "拼音"]
    person = found[0].person
    assert (person.name, person.id_number, person.phone, person.pinyin) == (
        "王𠮷",
        VALID_ID,
        "13812345678",
        "wang ji",
    )
    line = intake.repeat_summary(found, today=date(2026, 12, 3))
    assert line == "此人以往来访 2 次，最近一次 11月28日，在办 2 件"
    assert "2026年11月28日" in intake.repeat_summary(found, today=date(2027, 1, 5))


def test_a_renamed_person_loses_the_pinyin_typed_for_the_old_name(db, receptionist):
    first = VisitorInput(name="王𠮷", id_number=VALID_ID, pinyin="wang ji")
    register(db, receptionist, make_input(db, visitors=[first]))
    renamed = VisitorInput(name="王吉祥", id_number=VALID_ID)
    register(db, receptionist, make_input(db, visitors=[renamed]))
    with db.read() as s:
        p = s.scalar(select(Person))
        assert (p.name_pinyin, p.name_initials, p.name_pinyin_typed) == ("wangjixiang", "wjx", None)


@pytest.mark.parametrize(
    ("typed", "message"), [("wang ?", "换成那个字的读音"), ("王吉", "只能填字母")]
)
def test_bad_typed_pinyin_is_refused_in_chinese(db, receptionist, typed, message):
    visitor = VisitorInput(name="王𠮷", pinyin=typed)
    with pytest.raises(ValidationError) as err, db.write() as s:
        intake.register_matter(s, receptionist, make_input(db, visitors=[visitor]))
    assert message in err.value.fields["visitors[0].pinyin"]


def test_earlier_particulars_are_empty_where_the_role_may_not_see_them(
    db, receptionist, monkeypatch
):
    from app.services.security.permissions import Action

    register(db, receptionist, make_input(db))
    original = intake.allowed
    monkeypatch.setattr(
        intake,
        "allowed",
        lambda actor, action: action != Action.VIEW_PERSONAL_DATA and original(actor, action),
    )
    with db.read() as s:
        found = intake.earlier_visits(s, receptionist, name="王𠮷")
    assert found[0].person.name == "王𠮷"
    assert found[0].person.id_number == "" and found[0].person.phone == ""
