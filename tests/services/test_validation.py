"""What the window accepts: ID numbers, phones, names with rare characters; masking."""

from __future__ import annotations

from datetime import date

import pytest

from app.core.errors import ValidationError
from app.services.pinyin import name_keys
from app.services.validation import (
    char_len,
    id15_to_18,
    id_number_info,
    mask_id_number,
    mask_phone,
    validate_id_number,
    validate_name,
    validate_phone,
    validate_text,
)


def message(fn, *args) -> str:
    with pytest.raises(ValidationError) as err:
        fn(*args)
    return next(iter(err.value.fields.values()))


def test_valid_id_numbers():
    assert validate_id_number(" 11010519491231002x ") == "11010519491231002X"
    assert id_number_info("11010519491231002X") == (date(1949, 12, 31), "女")
    assert validate_id_number("110105491231002") == "110105491231002"  # old 15-digit
    assert id15_to_18("110105491231002") == "11010519491231002X"


def test_wrong_check_digit_names_the_right_one():
    assert "应为 X" in message(validate_id_number, "110105194912310021")


@pytest.mark.parametrize(
    ("value", "hint"),
    [
        ("1101051949123100", "18位"),
        ("11010519490230002X", "出生日期"),  # 30 February
        ("11010520990101002X", "出生日期"),  # born in the future
        ("91010519491231002X", "地区码"),
    ],
)
def test_bad_id_numbers_say_what_to_fix(value, hint):
    assert hint in message(validate_id_number, value)


@pytest.mark.parametrize(
    ("value", "stored"),
    [
        ("138 1234 5678", "13812345678"),
        ("+86 13812345678", "13812345678"),
        ("0577-61234567", "0577-61234567"),
        ("057761234567", "0577-61234567"),
        ("(010)12345678", "010-12345678"),
        ("61234567", "61234567"),
    ],
)
def test_phones(value, stored):
    assert validate_phone(value) == stored


@pytest.mark.parametrize("value", ["12345", "1381234567", "2381234567x"])
def test_bad_phones(value):
    assert "手机为11位" in message(validate_phone, value)


def test_names_accept_rare_characters_and_count_characters_not_utf16_units():
    for name in ("王𠮷", "李䶮", "张𪚥", "阿依古丽·买买提"):
        assert validate_name(name) == name
    assert char_len("王𠮷") == 2 and len("王𠮷".encode("utf-16-le")) // 2 == 3
    assert "数字" in message(validate_name, "张3")
    assert message(validate_name, "  ") == "请填写姓名"
    assert "最多 30 个字" in message(validate_name, "𠮷" * 31)


def test_text_lengths():
    assert "现有 2001 字" in message(validate_text, "字" * 2001, "summary", "事项摘要")


def test_masking():
    assert mask_id_number("330382199001011234") == "330382********1234"
    assert mask_id_number("110105491231002") == "110105******002"
    assert mask_phone("13812345678") == "138****5678"
    assert mask_phone("0577-61234567") == "0577-****4567"
    assert mask_phone(None) == "" and mask_id_number("") == ""


def test_pinyin_keys():
    assert name_keys("张三") == ("zhangsan", "zs")
    assert name_keys("王𠮷")[0].startswith("wang")
    assert name_keys("Tom李") == ("tomli", "tl")
