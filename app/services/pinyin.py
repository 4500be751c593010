"""Search keys for names: 张三 → ("zhangsan", "zs"), so a receptionist can type either."""

from __future__ import annotations

import re


def name_keys(name: str) -> tuple[str, str]:
    """Full pinyin without tones or spaces, and initials. Characters without pinyin are left out."""
    # Imported at first use: pypinyin's tables take a few hundred milliseconds to load, and
    # only a registration needs them, not the window opening.
    from pypinyin import Style, lazy_pinyin

    full: list[str] = []
    initials: list[str] = []
    for syl in lazy_pinyin(name or "", style=Style.NORMAL, errors=lambda s: [s]):
        syl = syl.lower()
        letters = re.sub(r"[^a-z]", "", syl.replace("ü", "v"))
        if not letters:
            continue
        full.append(letters)
        initials.append(letters[0])
    return "".join(full), "".join(initials)


def query_is_pinyin(q: str) -> bool:
    return bool(re.fullmatch(r"[A-Za-z]+", q.strip()))
