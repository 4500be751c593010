"""Search keys for names: 张三 → ("zhangsan", "zs"), so a receptionist can type either.

pypinyin reads nearly every name; for a character it has no reading for (𠮷 in 王𠮷) the
pinyin is typed by hand, syllables apart ("wang ji"), and stored beside the name."""

from __future__ import annotations

import re


def _syllables(name: str) -> list[tuple[str, bool]]:
    """Each character's pinyin without tones, and whether pypinyin could read it."""
    # Imported at first use: pypinyin's tables take a few hundred milliseconds to load, and
    # only a registration needs them, not the window opening.
    from pypinyin import Style, lazy_pinyin

    out: list[tuple[str, bool]] = []
    for ch in name or "":
        if ch.isspace() or ch in "·・.":
            continue
        (syl,) = lazy_pinyin(ch, style=Style.NORMAL, errors=lambda s: [""])[:1] or [""]
        letters = re.sub(r"[^a-z]", "", syl.lower().replace("ü", "v"))
        if letters:
            out.append((letters, True))
        elif ch.isascii():
            continue  # digits and Latin letters carry no pinyin
        else:
            out.append(("", False))
    return out


def name_keys(name: str) -> tuple[str, str]:
    """Full pinyin without tones or spaces, and initials. Characters without pinyin are left out."""
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


def suggested_pinyin(name: str) -> str:
    """The name's pinyin by syllables ("wang ji"), "?" where pypinyin has no reading
    (王𠮷 → "wang ?"): what the pinyin field starts from."""
    return " ".join(s if ok else "?" for s, ok in _syllables(name))


def lacks_reading(name: str) -> bool:
    """Whether some character of the name has no pinyin reading (𠮷): its pinyin is typed."""
    return any(not ok for _s, ok in _syllables(name))


def clean_typed_pinyin(typed: str) -> str:
    """Typed pinyin as stored: lower-case syllables apart ("Wang  Ji" → "wang ji"); tone
    marks and digits dropped, ü as v."""
    import unicodedata

    text = unicodedata.normalize("NFKD", (typed or "").lower().replace("ü", "v"))
    text = "".join(c for c in text if not unicodedata.combining(c))
    return " ".join(re.sub(r"[^a-z]", "", w) for w in re.split(r"[\s'’,，]+", text) if w).strip()


def pinyin_keys(typed: str) -> tuple[str, str]:
    """Search keys of typed pinyin: "wang ji" → ("wangji", "wj")."""
    words = [w for w in clean_typed_pinyin(typed).split() if w]
    return "".join(words), "".join(w[0] for w in words)


def person_keys(name: str, typed_pinyin: str = "") -> tuple[str, str]:
    """A person's search keys: from the pinyin typed by hand if any, else pypinyin's."""
    if clean_typed_pinyin(typed_pinyin):
        return pinyin_keys(typed_pinyin)
    return name_keys(name)


def query_is_pinyin(q: str) -> bool:
    return bool(re.fullmatch(r"[A-Za-z]+", q.strip()))
