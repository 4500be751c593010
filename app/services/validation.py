"""Checks for what is typed at the window: ID numbers (GB 11643), phones, names, lengths.

Every refusal is a ``ValidationError`` whose message says what to fix. Lengths count
characters (code points), not UTF-16 units, so 𠮷 is one character (GB 18030-2022).
"""

from __future__ import annotations

import dataclasses
import functools
import re
import types
import typing
import unicodedata
import uuid
from datetime import date, datetime

from app.core import clock
from app.core.errors import ValidationError
from app.core.ops import register_check

_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_CHECK = "10X98765432"  # ISO 7064 MOD 11-2: sum mod 11 → check character


def char_len(s: str | None) -> int:
    return len(s or "")  # Python strings are code points already


def id_check_digit(first17: str) -> str:
    return _CHECK[sum(int(c) * w for c, w in zip(first17, _WEIGHTS, strict=True)) % 11]


def _birth(value: str, today: date) -> date | None:
    try:
        born = date(int(value[:4]), int(value[4:6]), int(value[6:8]))
    except ValueError:
        return None
    return born if date(1900, 1, 1) <= born <= today else None


def validate_id_number(value: str, *, today: date | None = None) -> str:
    """18-digit numbers with their check digit, or old 15-digit numbers; returns it normalised."""
    today = today or clock.today()
    v = re.sub(r"\s", "", halfwidth(value)).upper()
    if re.fullmatch(r"[0-9]{15}", v):
        born = _birth("19" + v[6:12], today)
        if v[0] not in "12345678" or born is None:
            raise ValidationError(
                {"id_number": f"旧版15位身份证号中的出生日期 19{v[6:12]} 不存在，请核对"}
            )
        return v
    if not re.fullmatch(r"[0-9]{17}[0-9X]", v):
        raise ValidationError(
            {
                "id_number": "身份证号应为18位（或旧版15位）数字，最后一位可以是X；"
                f"现在是 {len(v)} 位"
            }
        )
    if v[0] not in "12345678":
        raise ValidationError({"id_number": "身份证号开头的地区码不对，请核对前6位"})
    if _birth(v[6:14], today) is None:
        raise ValidationError(
            {
                "id_number": f"身份证号中的出生日期 {v[6:10]}-{v[10:12]}-{v[12:14]} 不存在，"
                "请核对第7–14位"
            }
        )
    expected = id_check_digit(v[:17])
    if v[17] != expected:
        raise ValidationError(
            {"id_number": f"身份证号校验位不对：按前17位，最后一位应为 {expected}，请逐位核对"}
        )
    return v


def halfwidth(value: str | None) -> str:
    """Digits, letters and signs typed in full width (a Chinese input method's 全角 mode:
    １３８, Ｘ, ＋) as their ASCII selves; other scripts' digits stay, and are refused."""
    return unicodedata.normalize("NFKC", value or "")


def id15_to_18(value: str) -> str:
    v = value.strip()
    first17 = v[:6] + "19" + v[6:]
    return first17 + id_check_digit(first17)


def id_number_info(value: str) -> tuple[date, str]:
    """(birth date, 男/女) of a valid number."""
    v = validate_id_number(value)
    if len(v) == 15:
        v = id15_to_18(v)
    born = date(int(v[6:10]), int(v[10:12]), int(v[12:14]))
    return born, "男" if int(v[16]) % 2 else "女"


# 中华人民共和国的 56 个民族, in the order of GB/T 3304 (民族的名称和代码).
ETHNICITIES: tuple[str, ...] = tuple(
    f"{n}族"
    for n in [
        "汉",
        "蒙古",
        "回",
        "藏",
        "维吾尔",
        "苗",
        "彝",
        "壮",
        "布依",
        "朝鲜",
        "满",
        "侗",
        "瑶",
        "白",
        "土家",
        "哈尼",
        "哈萨克",
        "傣",
        "黎",
        "傈僳",
        "佤",
        "畲",
        "高山",
        "拉祜",
        "水",
        "东乡",
        "纳西",
        "景颇",
        "柯尔克孜",
        "土",
        "达斡尔",
        "仫佬",
        "羌",
        "布朗",
        "撒拉",
        "毛南",
        "仡佬",
        "锡伯",
        "阿昌",
        "普米",
        "塔吉克",
        "怒",
        "乌孜别克",
        "俄罗斯",
        "鄂温克",
        "德昂",
        "保安",
        "裕固",
        "京",
        "塔塔尔",
        "独龙",
        "鄂伦春",
        "赫哲",
        "门巴",
        "珞巴",
        "基诺",
    ]
)


def normalize_ethnicity(value: str) -> str | None:
    """ "汉族" or "汉" → "汉族"; None for a name that is not one of the 56."""
    v = re.sub(r"\s", "", value or "")
    if not v:
        return ""
    if v in ETHNICITIES:
        return v
    return v + "族" if v + "族" in ETHNICITIES else None


def age_on(born: date, day: date) -> int:
    """Full years of someone born on ``born`` at ``day``."""
    return day.year - born.year - ((day.month, day.day) < (born.month, born.day))


def sex_and_age(id_number: str, day: date | None = None) -> tuple[str, int | None]:
    """(性别, 年龄 at ``day``) read from an ID number; ("", None) if it is not a valid one."""
    try:
        born, sex = id_number_info(id_number)
    except ValidationError:
        return "", None
    return sex, age_on(born, day or clock.today())


def validate_phone(value: str) -> str:
    """Mobiles (1[3-9] + 9 digits) and landlines (area code 0xx/0xxx + 7–8 digits, or local)."""
    v = re.sub(r"[\s\-()（）]", "", halfwidth(value))
    v = re.sub(r"^(\+?86)(?=1[0-9]{10}$|0[0-9]{9,11}$)", "", v)
    if re.fullmatch(r"1[3-9][0-9]{9}", v):
        return v
    m = re.fullmatch(r"(0[0-9]{2,3})([0-9]{7,8})", v)
    if m and 10 <= len(v) <= 12:
        area = m.group(1)
        # 010 and 02x are three-digit area codes; the rest four.
        if area[:2] in ("01", "02"):
            area, local = v[:3], v[3:]
        else:
            area, local = v[:4], v[4:]
        if 7 <= len(local) <= 8:
            return f"{area}-{local}"
    if re.fullmatch(r"[2-9][0-9]{6,7}", v):
        return v
    raise ValidationError(
        {
            "phone": "电话号码格式不对：手机为11位（如 13812345678），"
            "固话为区号加号码（如 0577-61234567）"
        }
    )


_NAME_MARKS = {"·", "•", "・", "．"}


def validate_name(value: str, field: str = "name", max_len: int = 30, label: str = "姓名") -> str:
    """Any Chinese character, rare ones included; letters and the middle dot of minority names."""
    if value is not None and not isinstance(value, str):
        raise ValidationError({field: f"{label}应为文字，收到的是{_type_word(value)}"})
    v = (value or "").strip()
    if not v:
        raise ValidationError({field: f"请填写{label}"})
    if (problem := unsavable_char(v, label)) is not None:
        raise ValidationError({field: problem})
    if char_len(v) > max_len:
        raise ValidationError({field: f"{label}最多 {max_len} 个字，现有 {char_len(v)} 个"})
    for ch in v:
        cat = unicodedata.category(ch)
        if ch in _NAME_MARKS or ch == " " or cat.startswith(("L", "M")):
            continue
        if cat == "Co":  # private-use: old fonts' rare-character codes
            continue
        if cat.startswith("N"):
            raise ValidationError({field: f"{label}里不能有数字“{ch}”"})
        raise ValidationError({field: f"{label}里不能有符号“{ch}”，少数民族姓名的间隔号请用“·”"})
    return v


def validate_text(
    value: str | None, field: str, label: str, *, required: bool = True, max_len: int = 2000
) -> str:
    if value is not None and not isinstance(value, str):
        raise ValidationError({field: f"{label}应为文字，收到的是{_type_word(value)}"})
    v = (value or "").strip()
    if required and not v:
        raise ValidationError({field: f"请填写{label}"})
    if char_len(v) > max_len:
        raise ValidationError({field: f"{label}最多 {max_len} 字，现有 {char_len(v)} 字"})
    if (problem := unsavable_char(v, label)) is not None:
        raise ValidationError({field: problem})
    return v


# The ways a sheet or a form says 是 / 否 (lower-cased, half-width).
YES_WORDS = frozenset({"是", "y", "yes", "1", "true", "√", "✓"})
NO_WORDS = frozenset({"否", "n", "no", "0", "false", "×", "✗"})


def parse_yes_no(value: object, field: str = "", label: str = "") -> bool | None:
    """是 or 否 as a sheet or a form gives it: a bool, 1/0 (a number cell), or words like
    是/否, yes/no, √/×; None when blank. Anything else is refused, saying what to write —
    so "否" or "0" is never taken for yes, as ``bool("否")`` would."""
    if value is None or isinstance(value, bool):
        return value
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    text = str(value).strip()
    if not text:
        return None
    word = halfwidth(text).lower()
    if word in YES_WORDS:
        return True
    if word in NO_WORDS:
        return False
    raise ValidationError({field: f"{label}应填“是”或“否”，不是“{text}”"})


# Bidirectional overrides and isolates (U+202A–U+202E, U+2066–U+2069): they make a name or a
# file name read differently from what it is ("申请书\u202eexe.pdf" shows as "申请书fdp.exe").
BIDI_CONTROLS = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")


def _invisible(c: str) -> bool:
    """Control and surrogate code points (pasted from other programs); newlines and tabs pass."""
    return c not in "\n\t" and unicodedata.category(c) in ("Cc", "Cs")


def is_noncharacter(c: str) -> bool:
    """U+FDD0–U+FDEF and the last two code points of every plane (U+FFFE, U+FFFF, U+1FFFF …):
    Unicode's non-characters, which XML 1.0 cannot hold (one made a whole XLSX unreadable)."""
    o = ord(c)
    return 0xFDD0 <= o <= 0xFDEF or (o & 0xFFFE) == 0xFFFE


def unsavable_char(text: str, label: str) -> str | None:
    """Why ``text`` cannot be kept as it is (a Chinese message naming the character), or None:
    control and surrogate characters (newlines and tabs pass), non-characters, and the
    bidirectional override and isolate characters."""
    for c in text:
        if _invisible(c):
            return f"{label}里有看不见的控制字符（U+{ord(c):04X}），请删除后重新输入"
        if is_noncharacter(c):
            return (
                f"{label}里有无法保存的字符（U+{ord(c):04X}，多为复制来的乱码），请删除后重新输入"
            )
        if c in BIDI_CONTROLS:
            return (
                f"{label}里有改变文字方向的隐藏字符（U+{ord(c):04X}），"
                "会让内容显示得与实际不同，请删除后重新输入"
            )
    return None


def mask_id_number(value: str | None) -> str:
    """330382199001011234 → 330382********1234 (15-digit: first 6 and last 3 kept)."""
    v = (value or "").strip()
    if not v:
        return ""
    keep = 4 if len(v) == 18 else 3
    if len(v) <= 6 + keep:
        return v[:2] + "*" * (len(v) - 2)
    return v[:6] + "*" * (len(v) - 6 - keep) + v[-keep:]


def mask_name(value: str | None) -> str:
    """张三 → 张*, 欧阳娜娜 → 欧***: the first character stays (lists on a shared screen)."""
    v = (value or "").strip()
    if len(v) <= 1:
        return v
    return v[0] + "*" * (len(v) - 1)


def mask_phone(value: str | None) -> str:
    """13812345678 → 138****5678; 0577-61234567 → 0577-****4567."""
    v = (value or "").strip()
    if not v:
        return ""
    if "-" in v:
        area, local = v.split("-", 1)
        return f"{area}-{'*' * max(0, len(local) - 4)}{local[-4:]}"
    if len(v) == 11:
        return v[:3] + "****" + v[-4:]
    return "*" * max(0, len(v) - 4) + v[-4:]


# --- the types of service inputs --------------------------------------------------------------

_TYPE_WORDS = {str: "文字", int: "整数", bool: "是或否", date: "日期", uuid.UUID: "所选项目"}


def _type_word(value: object) -> str:
    if isinstance(value, bytes | bytearray):
        return "字节串"
    return _TYPE_WORDS.get(type(value), type(value).__name__)


@functools.cache
def _field_types(cls: type) -> tuple[tuple[str, tuple[type, ...], bool], ...]:
    """(field, the plain types it accepts, whether None is accepted) of a dataclass's fields
    that are typed with plain types only (str, int, bool, date, UUID, optionally None)."""
    try:
        hints = typing.get_type_hints(cls)
    except Exception:  # noqa: BLE001 — a hint that does not resolve is not checked
        return ()
    result = []
    for f in dataclasses.fields(cls):
        hint = hints.get(f.name)
        args = typing.get_args(hint) if isinstance(hint, types.UnionType) else (hint,)
        plain = tuple(a for a in args if a is not type(None))
        if plain and all(a in _TYPE_WORDS for a in plain):
            result.append((f.name, plain, type(None) in args))
    return tuple(result)


def _wrong(value: object, plain: tuple[type, ...], optional: bool) -> bool:
    if value is None:
        # Left empty: each service's own checks say what is required (``请填写…``); many
        # callers pass None for an empty text field, and that is not a wrong type.
        return False
    if isinstance(value, bool) and bool not in plain:
        return True  # True is an int to Python, not a number to a form
    if date in plain and isinstance(value, datetime) and datetime not in plain:
        return False
    return not isinstance(value, plain)


def check_input_types(value: object, where: str = "") -> None:
    """A dataclass input (and those in its lists) has values of its fields' types, or a
    ``ValidationError`` names the field and what it should be."""
    if not dataclasses.is_dataclass(value) or isinstance(value, type):
        return
    problems = {}
    for name, plain, optional in _field_types(type(value)):
        v = getattr(value, name)
        if _wrong(v, plain, optional):
            problems[where + name] = (
                f"输入有误：{where + name} 应为{'或'.join(_TYPE_WORDS[p] for p in plain)}，"
                f"收到的是{_type_word(v)}"
            )
    if problems:
        raise ValidationError(problems)
    for f in dataclasses.fields(value):
        items = getattr(value, f.name)
        if isinstance(items, list | tuple):
            for i, item in enumerate(items):
                check_input_types(item, f"{where}{f.name}[{i}].")


def _check_arguments(session: object, args: tuple, kwargs: dict) -> None:
    for a in (*args[1:], *kwargs.values()):
        check_input_types(a)


register_check(_check_arguments)
