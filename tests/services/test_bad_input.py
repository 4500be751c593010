"""Bad input on purpose (hypothesis): accepted and shown back exactly, or refused in Chinese.

Nothing crashes and nothing is half-saved.
"""

from __future__ import annotations

import io
import re
from datetime import date

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pypdf import PdfReader

from app.core.errors import ValidationError
from app.models import Matter
from app.reports.receipt import render_receipt
from app.services.reception import intake, receipts
from app.services.reception.intake import VisitorInput
from app.services.validation import (
    id_check_digit,
    validate_id_number,
    validate_name,
    validate_phone,
    validate_text,
)
from tests.services.test_intake import make_input
from tests.strategies import (
    CHINESE,
    FAIR,
    GOOD_PHONES,
    LONG,
    NAMES,
    PHONES,
    TEXT,
    attempt,
    center_database,
    id_numbers,
    mostly,
)

FUZZ = settings(max_examples=60)


def accepted_or_refused(fn, value, *args):
    try:
        return fn(value, *args)
    except ValidationError as err:
        for message in err.fields.values():
            assert CHINESE.search(message), f"message not in Chinese: {message!r}"
        return None


@FUZZ
@given(TEXT)
def test_names(value):
    out = accepted_or_refused(validate_name, value)
    assert out is None or out == value.strip()


@FUZZ
@given(st.one_of(TEXT, LONG))
def test_free_text(value):
    out = accepted_or_refused(validate_text, value, "summary", "事项摘要")
    assert out is None or out == value.strip()


@FUZZ
@given(st.one_of(TEXT, id_numbers(), st.from_regex(r"[0-9Xx ]{10,20}", fullmatch=True)))
def test_id_numbers_never_crash(value):
    out = accepted_or_refused(validate_id_number, value)
    assert out is None or re.fullmatch(r"[0-9]{15}|[0-9]{17}[0-9X]", out), out


@FUZZ
@given(
    st.dates(min_value=date(1900, 1, 1), max_value=date(2025, 12, 31)),
    st.integers(min_value=0, max_value=999),
    st.sampled_from(["330382", "110105", "440305"]),
    st.booleans(),
)
def test_generated_id_numbers_and_their_mutations(born, seq, area, with_spaces):
    first17 = f"{area}{born:%Y%m%d}{seq:03d}"
    good = first17 + id_check_digit(first17)
    typed = " ".join(good[i : i + 6] for i in range(0, 18, 6)) if with_spaces else good.lower()
    assert validate_id_number(typed) == good
    wrong = first17 + next(c for c in "0123456789X" if c != good[-1])
    try:
        validate_id_number(wrong)
        raise AssertionError("a wrong check digit was accepted")
    except ValidationError as err:
        assert f"应为 {good[-1]}" in err.fields["id_number"]


@FUZZ
@given(st.one_of(TEXT, PHONES, st.from_regex(r"(\+86 ?)?1[3-9]\d{9}", fullmatch=True)))
def test_phones(value):
    out = accepted_or_refused(validate_phone, value)
    if out is not None:
        assert re.fullmatch(r"1[3-9]\d{9}|0\d{2,3}-\d{7,8}|[2-9]\d{6,7}", out, re.ASCII), out


def test_full_width_digits_are_read_as_digits_and_other_scripts_refused():
    # A Chinese input method in 全角 mode types these; kept as ASCII, they match searches.
    assert validate_phone("１３８ １２３４ ５６７８") == "13812345678"
    assert validate_phone("13８12345678") == "13812345678"
    assert validate_phone("＋８６－１３８１２３４５６７８") == "13812345678"
    assert validate_id_number("１１０１０５１９４９１２３１００２ｘ") == "11010519491231002X"
    for check, other in (
        (validate_phone, "١٣٨١٢٣٤٥٦٧٨"),
        (validate_id_number, "११०१०५१९४९१२३१००२X"),
    ):
        with pytest.raises(ValidationError):
            check(other)


@pytest.fixture(scope="module")
def db(tmp_path_factory):
    yield from center_database(tmp_path_factory)


def _or_empty(check, value: str) -> str:
    return check(value) if value.strip() else ""


@settings(max_examples=40)
@given(
    name=mostly(NAMES, TEXT),
    id_number=mostly(id_numbers(valid=True), id_numbers()),
    phone=mostly(st.just("") | GOOD_PHONES, PHONES),
    summary=mostly(FAIR, st.one_of(TEXT, LONG)),
    address=mostly(st.just("") | FAIR, TEXT),
    handler=mostly(st.just("") | NAMES),
    answer=st.none() | mostly(FAIR),
)
def test_registration_saves_exactly_or_writes_nothing(
    db, receptionist, name, id_number, phone, summary, address, handler, answer
):
    visitor = VisitorInput(name=name, id_number=id_number, phone=phone, address=address)
    data = make_input(db, visitors=[visitor], summary=summary, handler_name=handler, answer=answer)
    ok, result = attempt(db, lambda s: intake.register_matter(s, receptionist, data))
    if not ok:
        return
    with db.write() as s:
        m = s.get(Matter, result.id)
        assert (m.summary, m.handler_name or "") == (summary.strip(), handler.strip())
        assert m.answer == (answer.strip() if answer is not None else None)
        p = m.persons[0].person
        assert p.name == name.strip()
        assert (p.id_number or "") == _or_empty(validate_id_number, id_number)
        if phone.strip():
            assert p.phone == validate_phone(phone)
        if address.strip():
            assert p.address == address.strip()
        receipt = receipts.receipt_data(s, receptionist, result.id)
    pdf = render_receipt(receipt)
    assert result.number in PdfReader(io.BytesIO(pdf)).pages[0].extract_text()
