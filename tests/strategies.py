"""Bad input on purpose: the strategies and checks every hypothesis test shares.

The property everywhere: a value is accepted and read back from the database exactly (after
the normalisation the service documents, e.g. ``strip``), or refused with a ``ServiceError``
whose message is Chinese, and then nothing at all was written. Nothing else may escape.

Profiles: ``zongzhi`` (on a desk: new examples each run) and ``ci`` (where ``CI`` is set:
derandomized, no example database, so every run and both passes of the suite see the same
examples); ``HYPOTHESIS_PROFILE`` chooses either.
"""

from __future__ import annotations

import os
import re
import unicodedata
from contextlib import contextmanager
from datetime import date

from hypothesis import HealthCheck, settings
from hypothesis import event as note_event
from hypothesis import strategies as st
from sqlalchemy import String, event, func, inspect, select

from app.core.errors import ServiceError, ValidationError
from app.models.base import Base
from app.services.validation import id_check_digit

settings.register_profile(
    "zongzhi",
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
settings.register_profile(
    "ci", parent=settings.get_profile("zongzhi"), derandomize=True, database=None
)
# CI runs the same examples every time; on a desk each run tries new ones.
settings.load_profile(
    os.environ.get("HYPOTHESIS_PROFILE", "ci" if os.environ.get("CI") else "zongzhi")
)

# CJK Unified Ideographs (with Extension A) and the supplementary planes' ideographs.
CHINESE = re.compile(r"[\u3400-\u9fff\U00020000-\U0003134f]")

# Pieces of text that break programs: each may be accepted (and then kept exactly) or
# refused (in Chinese), never anything else.
NASTY_PIECES = [
    "𠮷",
    "𪚥",
    "䶮",
    "\u0301",
    "e\u0301",
    "\u200b",
    "\u200d",
    "\ufeff",
    "\x00",
    "\x1b",
    "\x7f",
    "\ud83d",  # half a surrogate pair, as a broken paste leaves it
    "\u202e",
    "'; DROP TABLE matters; --",
    '" OR 1=1 --',
    "<script>",
    "&amp;",
    "%",
    "_",
    "\\",
    "\n",
    "\r\n",
    "\t",
    "·",
    "张三",
    "  ",
    "\u3000",
    "１２３",
    "+86",
    "Ⅻ",
]
NASTY = st.sampled_from(NASTY_PIECES)
TEXT = st.lists(st.one_of(NASTY, st.text(max_size=8)), max_size=12).map("".join)
LONG = st.integers(min_value=0, max_value=3000).map(lambda n: "长" * n)
# Lengths at and just past the limits fields have (16, 30, 32, 64, 120, 255, 2000 …).
LENGTHS = st.sampled_from([1, 16, 17, 30, 31, 32, 33, 64, 65, 120, 121, 255, 256, 2000, 2001])
AT_LENGTH = st.tuples(LENGTHS, st.sampled_from(["长", "𠮷", "a"])).map(lambda t: t[1] * t[0])
ANY_TEXT = st.one_of(TEXT, LONG, AT_LENGTH)

_VISIBLE = st.characters(blacklist_categories=("Cc", "Cs"))


def _unseen(c: str) -> bool:
    return unicodedata.category(c) in ("Cc", "Cs")


# Text a careful form accepts, odd as it is: rare characters, combining marks, zero-width and
# direction marks, SQL and markup, full-width digits, spaces around it (which are stripped).
FAIR_PIECES = [p for p in NASTY_PIECES if not any(_unseen(c) for c in p)]
FAIR = st.lists(
    st.one_of(st.sampled_from(FAIR_PIECES), st.text(_VISIBLE, min_size=1, max_size=6)),
    min_size=1,
    max_size=5,
).map(lambda pieces: "".join(pieces)[:40])
SHORT_FAIR = FAIR.map(lambda t: t[:16])
NAMES = st.one_of(
    st.sampled_from(
        [
            "王𠮷",
            "𪚥华",
            "䶮明",
            "阿依古丽·买买提",
            "欧阳娜娜",
            "e\u0301",
            "Zhāng Sān",
            " 李四 ",
            "张\u3000三",
        ]
    ),
    st.text(st.characters(whitelist_categories=("Lo", "Mn")), min_size=1, max_size=6),
)


def mostly(good, bad=ANY_TEXT, one_in: int = 6):
    """Mostly ``good``, and one time in ``one_in`` ``bad``: a form with a dozen fields then
    still gets through often enough for 'stored exactly' to be tried as much as 'refused'."""
    return st.sampled_from([False] * (one_in - 1) + [True]).flatmap(
        lambda is_bad: bad if is_bad else good
    )


@st.composite
def id_numbers(draw, valid: bool = False) -> str:
    """ID numbers as people write them: good ones (x/X, spaces), a wrong check digit, a birth
    date that does not exist, old 15-digit ones, full-width digits, and plain junk."""
    area = draw(st.sampled_from(["330382", "110105", "440305", "000000", "912345"]))
    lo, hi = (
        (date(1900, 1, 1), date(2020, 12, 31)) if valid else (date(1890, 1, 1), date(2030, 1, 1))
    )
    born = draw(st.dates(min_value=lo, max_value=hi))
    seq = draw(st.integers(min_value=0, max_value=999))
    if valid:
        area = area if area[0] in "12345678" else "330382"
    first17 = f"{area}{born:%Y%m%d}{seq:03d}"
    good = first17 + id_check_digit(first17)
    spaced = " ".join(good[i : i + 6] for i in range(0, 18, 6))
    full_width = good.translate(str.maketrans("0123456789X", "０１２３４５６７８９Ｘ"))
    if valid:
        return draw(st.sampled_from([good, good.lower(), spaced, "", f" {good} ", full_width]))
    return draw(
        st.sampled_from(
            [
                good,
                good.lower(),
                spaced,
                first17 + next(c for c in "0123456789X" if c != good[-1]),
                f"{area}{born.year}1340{seq:03d}" + good[-1],
                f"{area}{born:%y%m%d}{seq:03d}",
                good[:-1],
                good + "1",
                full_width,
            ]
        )
        | TEXT
    )


GOOD_PHONES = st.one_of(
    st.from_regex(r"(\+86 ?|86)?1[3-9][0-9]{9}", fullmatch=True),
    st.from_regex(r"1[3-9][0-9] [0-9]{4} [0-9]{4}", fullmatch=True),
    st.from_regex(r"0[1-9][0-9]{2}-?[2-9][0-9]{6,7}", fullmatch=True),
    st.sampled_from(["", "+86 138 1234 5678", "（0577）61234567", "61234567"]),
)
PHONES = st.one_of(
    GOOD_PHONES,
    st.from_regex(r"(\+86)?1[3-9]\d{9}", fullmatch=True),  # any script's digits
    st.sampled_from(
        ["12345", "110", "１３８１２３４５６７８", "138-1234-567８", "+1 415 555 0100"]
    ),
    TEXT,
)

# Values a sheet's cell may hold, as openpyxl or the csv module hands them over.
CELLS = st.one_of(
    ANY_TEXT,
    id_numbers(),
    PHONES,
    st.none(),
    st.integers(min_value=-(10**6), max_value=10**15),
    st.floats(allow_nan=True, allow_infinity=True),
    st.booleans(),
    st.dates(min_value=date(1900, 1, 1)),
    st.sampled_from(["46086", "46086.625", "2026年3月5日", "2026/3/5 14:30", "2026.02.30", "0"]),
)


def assert_chinese(err: ServiceError) -> None:
    """Every message a refusal carries is one a person can read: Chinese."""
    messages = list(err.fields.values()) if isinstance(err, ValidationError) else [str(err)]
    assert messages, "a refusal without a message"
    for message in messages:
        assert CHINESE.search(message), f"message not in Chinese: {message!r}"


def row_counts(db) -> dict[str, int]:
    """The number of rows of every table, in one round trip."""
    tables = Base.metadata.sorted_tables
    query = select(
        *[select(func.count()).select_from(t).scalar_subquery().label(t.name) for t in tables]
    )
    with db.read() as s:
        row = s.execute(query).one()
    return {t.name: row[i] for i, t in enumerate(tables)}


@contextmanager
def nothing_written_if_refused(db):
    """Wrap a write: a ``ServiceError`` must be Chinese and leave every table as it was.

    Yields a one-item list; it holds the refusal after the block (None when accepted).
    """
    before = row_counts(db)
    outcome: list[ServiceError | None] = [None]
    try:
        yield outcome
    except ServiceError as err:
        assert_chinese(err)
        after = row_counts(db)
        assert after == before, {k: (before[k], after[k]) for k in before if before[k] != after[k]}
        outcome[0] = err


def attempt(db, call):
    """``call(session)`` in one write transaction: (True, its result) or (False, the refusal)."""
    with nothing_written_if_refused(db) as outcome, db.write() as s:
        result = call(s)
    if outcome[0] is not None:
        note_event("refused")
        return False, outcome[0]
    note_event("accepted")
    return True, result


def center_database(tmp_path_factory):
    """The tests' center (白石, one user per role, as ``tests/conftest.py`` makes it), for a
    whole module: migrating a fresh database per test would cost more than the tests. The
    examples only ever add rows or compare before and after, so they can share it."""
    import pytest

    from app.db import open_database
    from app.models import Role
    from app.services.center import setup
    from app.services.security import auth
    from tests import pg
    from tests.conftest import ADMIN_PASSWORD, STAFF_PASSWORD, VILLAGES

    tmp = tmp_path_factory.mktemp("center")
    with pytest.MonkeyPatch.context() as mp:
        if pg.ON_PG:
            mp.setenv("XDG_DATA_HOME", str(tmp / "data"))
            url = pg.fresh_url()
        else:
            url = "sqlite:///" + str(tmp / "zongzhi.sqlite3")
        database = open_database(database_url=url)
        event.listen(database._write, "before_flush", _as_postgresql_would)
        with database.write() as s:
            admin = auth.actor_for(
                setup.init_center(
                    s,
                    center_name="白石街道综治工作中心",
                    prefix="BS",
                    terminal="A",
                    admin_username="admin",
                    admin_password=ADMIN_PASSWORD,
                    center_phone="0577-61234567",
                    villages=VILLAGES,
                )
            )
            for username, name, role in [
                ("jiedai", "李接待", Role.RECEPTIONIST),
                ("tiaojie", "王调解", Role.MEDIATOR),
                ("zixun", "陈咨询", Role.COUNSELLOR),
                ("zhuren", "周主任", Role.DIRECTOR),
            ]:
                auth.create_user(s, admin, username, name, role, STAFF_PASSWORD)
        if pg.ON_PG:
            pg.share_key(url)
        try:
            yield database
        finally:
            database.dispose()
            if pg.ON_PG:
                pg.shared_keys.pop(url, None)
                pg.drop(url)


def _as_postgresql_would(session, flush_context, instances) -> None:
    """On SQLite too, fail where PostgreSQL would: NUL in text, text longer than its column."""
    for obj in (*session.new, *session.dirty):
        for column in inspect(obj).mapper.columns:
            value = getattr(obj, column.key, None)
            if not isinstance(value, str) or not isinstance(column.type, String):
                continue
            assert "\x00" not in value, f"NUL in {column} (PostgreSQL refuses it): {value!r}"
            limit = column.type.length
            assert limit is None or len(value) <= limit, (
                f"{column} holds {len(value)} characters, PostgreSQL allows {limit}: {value!r}"
            )
