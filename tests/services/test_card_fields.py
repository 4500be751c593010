"""What the ID card leaves on the person: 性别, 民族 and 出生日期 (for a typed ID number, sex
and birth date from the number), 签发机关 and 有效期限 from a card read, and the card's photo
only while the center's setting is on, sealed to the recovery key (never the plaintext)."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

import pytest
from sqlalchemy import event, func, select

from app.core.errors import ValidationError
from app.models import Matter, Person, PersonCardPhoto
from app.services.center import settings as settings_service
from app.services.idcard.simulator import SAMPLE_CARD
from app.services.reception import detail, intake
from app.services.reception.intake import VisitorInput
from app.services.security import notes_crypto, notes_keys
from tests.services.test_intake import VALID_ID, make_input, register

PHOTO = b"WLT-PHOTO:" + bytes(range(256)) * 4


def card_visitor(**kw) -> VisitorInput:
    c = SAMPLE_CARD
    values = dict(
        name=c.name,
        id_number=c.id_number,
        address=c.address,
        sex=c.sex,
        nation=c.nation,
        birth=c.birth,
        authority=c.authority,
        valid_from=c.valid_from,
        valid_until=c.valid_until,
        card_photo=PHOTO,
    )
    values.update(kw)
    return VisitorInput(**values)


def person_of(s, matter_id) -> Person:
    return s.get(Matter, matter_id).persons[0].person


def test_a_typed_id_number_gives_sex_and_birth_and_the_detail_shows_them(db, receptionist):
    visitors = [
        VisitorInput(name="张三", id_number=VALID_ID, nation="回"),
        VisitorInput(name="李四", sex="男", birth=date(1980, 5, 6), nation="外国血统中国籍人士"),
    ]
    r = register(db, receptionist, make_input(db, visitors=visitors))
    with db.read() as s:
        first, second = (mp.person for mp in s.get(Matter, r.id).persons)
        assert (first.sex, first.nation, first.birth_date) == ("女", "回族", date(1949, 12, 31))
        assert (first.id_authority, first.id_valid_from, first.id_valid_until) == (None,) * 3
        assert (second.sex, second.birth_date) == ("男", date(1980, 5, 6))
        assert second.nation == "外国血统中国籍人士"  # GB/T 3304 code 98, as a card may say
        seen = detail.matter_detail(s, receptionist, r.id)
    p = seen.persons[0]
    assert (p.sex, p.nation, p.authority, p.validity) == ("女", "回族", "", "")
    # The birth date is the part of the number the mask hides: only its year then.
    assert ("*" in p.id_number, p.birth) == (True, "1949年")
    assert seen.persons[1].birth == "1980-05-06"  # no ID number: nothing to give away
    with db.read() as s:
        whole = detail.matter_detail(s, receptionist, r.id, masked=False).persons[0]
    assert (whole.id_number, whole.birth) == (VALID_ID, "1949-12-31")


def test_bad_sex_or_nation_is_refused_naming_the_visitor(db, receptionist):
    visitors = [VisitorInput(name="张三"), VisitorInput(name="李四", sex="未知", nation="火星")]
    with pytest.raises(ValidationError) as err:
        register(db, receptionist, make_input(db, visitors=visitors))
    assert err.value.fields["visitors[1].sex"].startswith("第 2 位群众：性别只能是")
    assert "不是 56 个民族之一" in err.value.fields["visitors[1].nation"]
    with db.read() as s:
        assert s.scalar(select(func.count()).select_from(Person)) == 0


def _photo_sent(db):
    """A listener noting whether any statement carried the photo's plaintext bytes."""
    seen: list[bool] = []

    def flat(x):
        if isinstance(x, dict):
            x = list(x.values())
        if isinstance(x, (list, tuple)):
            for y in x:
                yield from flat(y)
        else:
            yield x

    def spy(_conn, _cursor, _statement, params, *_rest):
        seen.append(
            any(isinstance(v, (bytes, memoryview)) and PHOTO in bytes(v) for v in flat(params))
        )

    event.listen(db.engine, "before_cursor_execute", spy)
    return seen, lambda: event.remove(db.engine, "before_cursor_execute", spy)


def test_a_card_read_stores_authority_and_validity_but_no_photo_by_default(db, receptionist):
    seen, stop = _photo_sent(db)
    try:
        r = register(db, receptionist, make_input(db, visitors=[card_visitor()]))
    finally:
        stop()
    assert seen and not any(seen)  # the photo's bytes never reached the database
    with db.read() as s:
        p = person_of(s, r.id)
        assert (p.name, p.sex, p.nation, p.birth_date) == ("王𠈌", "女", "汉族", date(1949, 12, 31))
        assert (p.id_authority, p.id_valid_from, p.id_valid_until) == (
            "北京市公安局西城分局",
            date(2016, 3, 1),
            None,
        )
        assert s.scalar(select(func.count()).select_from(PersonCardPhoto)) == 0
        seen = detail.matter_detail(s, receptionist, r.id)
    assert (seen.persons[0].authority, seen.persons[0].validity) == (
        "北京市公安局西城分局",
        "2016.03.01-长期",
    )


def test_with_the_setting_on_the_photo_is_stored_sealed_and_opens_with_the_recovery_key(
    db, admin, receptionist
):
    with db.write() as s, pytest.raises(ValidationError) as err:
        settings_service.update_settings(s, admin, store_card_photo=True)
    assert "恢复密钥" in err.value.fields["store_card_photo"]  # nothing to seal it with yet
    with db.write() as s:
        sheet = notes_keys.create_recovery_key(s, admin)
        settings_service.update_settings(s, admin, store_card_photo=True)
    seen, stop = _photo_sent(db)
    try:
        r = register(db, receptionist, make_input(db, visitors=[card_visitor()]))
    finally:
        stop()
    assert not any(seen)
    with db.read() as s:
        pid = person_of(s, r.id).id
        row = s.get(PersonCardPhoto, pid)
        stored = bytes(row.photo_ct)
        assert PHOTO not in stored and PHOTO[:16] not in stored
        aad = intake.card_photo_aad(pid)
        args = (row.crypt_alg, bytes(row.ephemeral_public), stored)
        assert notes_keys.open_with_recovery(sheet.key_text, *args, aad) == PHOTO
        with pytest.raises(notes_crypto.DecryptionFailed):  # moved to another person
            notes_keys.open_with_recovery(sheet.key_text, *args, intake.card_photo_aad(r.id))
    # A typed visit of the same person keeps the card's facts and photo.
    typed = replace(card_visitor(), authority="", valid_from=None, card_photo=b"")
    register(db, receptionist, make_input(db, visitors=[replace(typed, sex="", nation="")]))
    with db.read() as s:
        again = s.get(Person, pid)
        assert (again.id_authority, again.nation) == ("北京市公安局西城分局", "汉族")
        assert s.scalar(select(func.count()).select_from(PersonCardPhoto)) == 1
