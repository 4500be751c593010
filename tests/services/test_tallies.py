"""事项汇总 (app/models/tallies.py): the command room's tallies always equal a full recount.

Whatever writes matters (intake, random changes of every counted field, a visitor moving to
another village, deletes, rolled-back transactions, a ledger import, an exchange bundle), the
tallies kept by the flush hook are exactly what counting every matter again gives; and
``zongzhi check`` puts wrong tallies right, saying so.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select, update

from app.cli import main
from app.core import visitor_keys
from app.models import (
    Category,
    Channel,
    Grid,
    Matter,
    MatterPerson,
    MatterStatus,
    MatterTally,
    Person,
    Satisfaction,
    Unit,
    Village,
    tallies,
)
from app.services.command import statistics
from app.services.pinyin import name_keys
from app.services.reception import intake, timeline
from app.services.reception.intake import IntakeInput, VisitorInput
from app.services.validation import id_check_digit
from tests.conftest import STAFF_PASSWORD, actor


def _id(n: int) -> str:
    first17 = f"33038219900101{n:03d}"
    return first17 + id_check_digit(first17)


def assert_tallies_right(db) -> None:
    """The tallies equal a recount, and so do the visitors' names kept on each matter for
    searches (``app.core.visitor_keys``: the same writes keep both)."""
    with db.engine.connect() as conn:
        assert tallies.stored(conn) == tallies.recount(conn)
        assert visitor_keys.differences(conn) == 0


class Rollback(Exception):
    pass


STEP = st.one_of(
    st.tuples(
        st.just("register"),
        st.integers(0, 5),  # category
        st.integers(0, 3),  # visitor (the same ID number is the same person)
        st.one_of(st.none(), st.integers(0, 4)),  # village
        st.one_of(st.none(), st.integers(2, 40)),  # group: head count
        st.integers(0, 400),  # days ago
    ),
    st.tuples(st.just("status"), st.integers(0, 99), st.sampled_from(list(MatterStatus))),
    st.tuples(st.just("deadline"), st.integers(0, 99), st.integers(-30, 30)),
    st.tuples(st.just("closed"), st.integers(0, 99), st.one_of(st.none(), st.integers(0, 40))),
    st.tuples(
        st.just("feedback"),
        st.integers(0, 99),
        st.one_of(st.none(), st.sampled_from(list(Satisfaction))),
        st.integers(0, 40),
    ),
    st.tuples(st.just("unit"), st.integers(0, 99), st.one_of(st.none(), st.integers(0, 3))),
    st.tuples(st.just("category"), st.integers(0, 99), st.integers(0, 5)),
    st.tuples(st.just("result"), st.integers(0, 99), st.sampled_from([None, "", "已调解"])),
    st.tuples(st.just("group"), st.integers(0, 99), st.one_of(st.none(), st.integers(1, 9))),
    st.tuples(st.just("move"), st.integers(0, 3), st.one_of(st.none(), st.integers(0, 4))),
    st.tuples(st.just("rename"), st.integers(0, 3), st.sampled_from(["王芳", "张伟", "赵"])),
    st.tuples(st.just("second visitor"), st.integers(0, 99), st.integers(0, 3)),
    st.tuples(st.just("delete"), st.integers(0, 99)),
    st.tuples(st.just("grid"), st.integers(0, 99), st.one_of(st.none(), st.integers(0, 2))),
    st.tuples(st.just("channel"), st.integers(0, 99), st.booleans()),  # 网格上报 or a visit
    st.tuples(st.just("visitor"), st.integers(0, 99), st.integers(0, 3)),  # another comes first
    st.tuples(st.just("print"), st.integers(0, 99)),  # a step on the timeline only
    st.tuples(st.just("flush")),
)


@settings(
    max_examples=14,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(steps=st.lists(STEP, max_size=12), rollback=st.booleans())
def test_random_writes_keep_the_tallies_equal_to_a_recount(db, clock, steps, rollback):
    """Up to 12 examples of a dozen writes each (about 5 s on a busy two-core machine)."""
    clock.freeze("2027-01-05 10:00")
    jiedai = actor(db, "jiedai")
    today = clock.today()
    with db.read() as s:
        cats = list(s.scalars(select(Category.id).order_by(Category.name)))
        units = list(s.scalars(select(Unit.id).order_by(Unit.name)))
        villages = list(s.scalars(select(Village.id).order_by(Village.name)))
        grids = list(s.scalars(select(Grid.id).order_by(Grid.code)))
    if not grids:  # the grid dimension: three grids (the fixture's database outlives examples)
        with db.write() as s:
            for i, code in enumerate(("G-1", "G-2", "G-3")):
                g = Grid(village_id=villages[i % 2], code=code, name=f"网格{i}", sort=i)
                s.add(g)
                s.flush()
                grids.append(g.id)
    try:
        with db.write() as s:
            for step in steps:
                kind, *args = step
                if kind == "register":
                    cat, who, village, heads, ago = args
                    data = IntakeInput(
                        channel="visit",
                        visitors=[
                            VisitorInput(
                                "来访" + "甲乙丙丁"[who],
                                _id(who),
                                village_id=villages[village % len(villages)]
                                if village is not None
                                else None,
                            )
                        ],
                        category_id=cats[cat % len(cats)],
                        summary="反映噪音扰民",
                        is_group=heads is not None,
                        head_count=heads,
                    )
                    at = datetime.combine(today - timedelta(days=ago), datetime.min.time())
                    intake.register_matter(s, jiedai, data, at=at + timedelta(hours=9))
                    continue
                if kind == "flush":
                    s.flush()
                    continue
                if kind == "rename":  # a visitor's name corrected (and its pinyin with it)
                    who, name = args
                    p = s.scalar(select(Person).where(Person.id_number == _id(who)))
                    if p is not None:
                        p.name = name
                        p.name_pinyin, p.name_initials = name_keys(name)
                    continue
                if kind == "move":  # a visitor moves to another village
                    who, village = args
                    p = s.scalar(select(Person).where(Person.id_number == _id(who)))
                    if p is not None:
                        p.village_id = (
                            villages[village % len(villages)] if village is not None else None
                        )
                    continue
                matters = s.scalars(select(Matter).order_by(Matter.number)).all()
                if not matters:
                    continue
                m = matters[args[0] % len(matters)]
                if kind == "status":
                    m.status = args[1]
                elif kind == "deadline":
                    m.deadline = today + timedelta(days=args[1])
                elif kind == "closed":
                    m.closed_at = (
                        None if args[1] is None else m.received_at + timedelta(days=args[1])
                    )
                elif kind == "feedback":
                    m.satisfaction = args[1]
                    m.feedback_at = m.received_at + timedelta(days=args[2])
                elif kind == "unit":
                    m.unit_id = units[args[1]] if args[1] is not None else None
                elif kind == "category":
                    m.category_id = cats[args[1] % len(cats)]
                elif kind == "result":
                    m.result = args[1]
                elif kind == "group":
                    m.is_group, m.head_count = args[1] is not None, args[1]
                elif kind == "delete":
                    s.delete(m)
                elif kind == "grid":
                    m.grid_id = grids[args[1]] if args[1] is not None else None
                elif kind == "channel":
                    m.channel = Channel.GRID if args[1] else Channel.VISIT
                elif kind == "second visitor":  # one more visitor on the matter, or one fewer
                    p = s.scalar(select(Person).where(Person.id_number == _id(args[1])))
                    if p is not None and all(mp.person_id != p.id for mp in m.persons):
                        m.persons.append(MatterPerson(person_id=p.id, position=len(m.persons)))
                    elif len(m.persons) > 1:
                        m.persons.pop()
                elif kind == "visitor":  # the first visitor's village is what is counted
                    p = s.scalar(select(Person).where(Person.id_number == _id(args[1])))
                    if p is not None and all(mp.person_id != p.id for mp in m.persons):
                        for mp in m.persons:
                            mp.position += 1
                        m.persons.append(MatterPerson(person=p, position=0))
                elif kind == "print":
                    timeline.record_print(s, jiedai, m, "受理回执", audit_event="receipt_print")
            if rollback:
                s.flush()
                raise Rollback
    except Rollback:
        pass
    assert_tallies_right(db)


def test_a_ledger_import_and_an_exchange_bundle_keep_the_tallies(db, clock, tmp_path):
    from app.services.center.settings import save_settings
    from tests import ledger_sheets
    from tests.services.test_exchange import export, import_, make_terminal
    from tests.services.test_intake import make_input, register

    """About 6 s: a ledger workbook is imported and a terminal database is made, filled and
    exported, the paths whose writes bypass the ORM's flush."""
    clock.freeze("2027-01-05 10:00")
    ledger = ledger_sheets.disputes_with_title(tmp_path)
    pw = tmp_path / "pw"
    pw.write_text(STAFF_PASSWORD, encoding="utf-8")
    args = ["import", ledger.kind, str(ledger.path), "--database-url", db.url, "--skip-invalid"]
    assert main([*args, "--user", "jiedai", "--password-file", str(pw)]) == 0
    assert_tallies_right(db)
    with db.write() as s:
        save_settings(s, terminal="Z")
    terminal = make_terminal(db, tmp_path, "A")
    try:
        for i in range(3):
            register(terminal, actor(terminal, "jiedai"), make_input(terminal, summary=f"第{i}件"))
        report = import_(db, export(terminal, tmp_path / "a.zzb"))
        assert report.tables["matters"] == 3
    finally:
        terminal.dispose()
    assert_tallies_right(db)
    with db.read() as s:
        assert statistics.dashboard(s, actor(db, "zhuren")).figure("today").value == 3


def test_check_rebuilds_wrong_tallies_and_says_so(db, receptionist, capsys):
    from tests.services.test_intake import make_input, register

    register(db, receptionist, make_input(db))
    with db.engine.begin() as conn:
        conn.execute(update(MatterTally).values(n=MatterTally.n + 5))
    main(["check", "--database-url", db.url])
    assert "指挥研判汇总：有" in capsys.readouterr().out
    assert_tallies_right(db)
    main(["check", "--database-url", db.url])
    assert "指挥研判汇总：与逐件重新统计一致" in capsys.readouterr().out


def test_check_rewrites_wrong_visitor_keys_and_puts_back_their_triggers(db, receptionist, capsys):
    """The visitors' names kept on each matter (``app.core.visitor_keys``): a tool that wrote
    the column, or dropped a trigger, is caught by ``check``, which puts them right."""
    from tests.services.test_intake import make_input, register

    register(db, receptionist, make_input(db))
    with db.engine.begin() as conn:
        conn.exec_driver_sql("UPDATE matters SET visitor_keys = ''")
    main(["check", "--database-url", db.url])
    assert "来访人检索串：有 1 件事项与其来访人不符，已按现有来访人重写" in capsys.readouterr().out
    assert_tallies_right(db)
    main(["check", "--database-url", db.url])
    assert "来访人检索串：与每件事项的来访人一致" in capsys.readouterr().out
    with db.engine.begin() as conn:
        if conn.dialect.name == "postgresql":
            conn.exec_driver_sql("DROP TRIGGER visitor_keys_person ON persons")
        else:
            conn.exec_driver_sql("DROP TRIGGER visitor_keys_person_au")
        conn.exec_driver_sql("UPDATE persons SET name = '改名后'")  # unseen: no trigger
    main(["check", "--database-url", db.url])
    assert "维护它的触发器缺失，已重新建立" in capsys.readouterr().out
    assert_tallies_right(db)
    with db.engine.begin() as conn:  # and the trigger is back
        conn.exec_driver_sql("UPDATE persons SET name = '再改名'")
        assert visitor_keys.differences(conn) == 0


def test_writers_at_the_same_time_lose_no_count(db, receptionist):
    """Two terminals register at once (threads; on PostgreSQL two connections): every matter
    is counted once. About 1–2 s."""
    import threading

    from tests.services.test_intake import make_input

    errors: list[BaseException] = []

    def terminal(n: int) -> None:
        try:
            for i in range(3):
                with db.write() as s:
                    intake.register_matter(s, receptionist, make_input(db, summary=f"同时{n}-{i}"))
        except BaseException as exc:  # reported below
            errors.append(exc)

    threads = [threading.Thread(target=terminal, args=(n,)) for n in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert_tallies_right(db)
    with db.read() as s:
        assert statistics.dashboard(s, actor(db, "zhuren")).figure("open").value == 6
