"""Common passwords, refused by name (NIST SP 800-63B §5.1.1.2: check against values known to
be commonly used), not only by the three-class rule: Password1, Qwer1234, Admin@123 and
P@ssw0rd all have three classes.

Three checks, on the password lower-cased:
- a list of passwords seen again and again in leaked lists and on Chinese office computers;
- a common word (password, admin, welcome, qwerty, woaini …), written with the usual
  substitutions (@ for a, 0 for o, 1 for i or l, $ for s, 3 for e), with only digits and
  symbols around it (Admin@2026, Passw0rd!, Welcome@1);
- a keyboard walk: the whole password in at most three runs of neighbouring keys (1qaz@WSX,
  Qwer1234, Zxcv!2345, 1q2w3e4r, Abc@123456's 123456).
"""

from __future__ import annotations

_COMMON_TEXT = """
    password password1 password12 password123 passw0rd p@ssw0rd p@ssword p@55w0rd pa$$w0rd
    qwer1234 qwer!234 qwer@1234 qwerty12 qwerty123 qwerty1234 qwertyuiop q1w2e3r4 q1w2e3r4t5
    1q2w3e4r 1q2w3e4r5t 1qaz2wsx 1qaz@wsx 1qaz!qaz zaq12wsx zaq1@wsx 2wsx3edc asdf1234
    asdfghjkl zxcvbnm zxcv1234 admin admin123 admin@123 admin1234 admin@1234 administrator
    root123 root@123 abc123 abc@123 abc12345 abcd1234 abcd@1234 a1234567 a12345678 aa123456
    aa12345678 woaini1314 woaini520 iloveyou iloveyou1 welcome welcome1 welcome@1 letmein
    changeme test1234 test@123 user1234 guest123 huawei@123 huawei123 sunshine1 football1
    12345678 123456789 1234567890 11111111 88888888 00000000 66666666 87654321 147258369
    123qwe!@# 1234qwer 123qweasd qweasdzxc qazwsxedc
"""
COMMON = frozenset(_COMMON_TEXT.split())

_WORDS_TEXT = """
    password passwd pass pwd admin administrator root qwer qwert qwerty asdf zxcv qaz wsx
    abc abcd abcde welcome letmein iloveyou woaini test user guest login changeme china
    huawei sunshine football monkey dragon master hello super system server
"""
_WORDS = frozenset(_WORDS_TEXT.split())

_LEET = str.maketrans(
    {"@": "a", "4": "a", "0": "o", "1": "i", "!": "i", "$": "s", "5": "s", "3": "e", "7": "t"}
)

_ROWS = ("1234567890-=", "qwertyuiop[]", "asdfghjkl;'", "zxcvbnm,./")
_SHIFTED = dict(zip("!@#$%^&*()_+", "1234567890-=", strict=True))
_POS = {c: (r, col) for r, row in enumerate(_ROWS) for col, c in enumerate(row)}


def _neighbours(a: str, b: str) -> bool:
    (r1, c1), (r2, c2) = _POS[a], _POS[b]
    if r1 == r2:
        return abs(c1 - c2) <= 1
    if r2 == r1 + 1:
        return c2 - c1 in (-1, 0)
    if r2 == r1 - 1:
        return c2 - c1 in (0, 1)
    return False


def _keyboard_walk(text: str) -> bool:
    keys = [_SHIFTED.get(c, c) for c in text]
    if not all(k in _POS for k in keys):
        return False
    runs, length = 1, 1
    for a, b in zip(keys, keys[1:], strict=False):
        if _neighbours(a, b):
            length += 1
            continue
        if length < 3:
            return False
        runs, length = runs + 1, 1
    return length >= 3 and runs <= 3


def _word_with_decoration(text: str) -> bool:
    """A common word (with the usual substitutions) and only digits and symbols around it."""
    letters = [i for i, c in enumerate(text) if c.isalpha()]
    if not letters:
        return False
    # The word may start or end with a substituted letter (P@ssw0rd, Passw0rd): try every
    # stretch from the first letter to the last, widened by the characters next to it.
    first, last = letters[0], letters[-1]
    for start in range(max(0, first - 1), first + 1):
        for end in range(last + 1, min(len(text), last + 2) + 1):
            if text[start:end].translate(_LEET) in _WORDS:
                return True
    return False


def is_common(password: str) -> bool:
    text = password.lower()
    return text in COMMON or _word_with_decoration(text) or _keyboard_walk(text)
