"""重点人员走访 and 重点场所: the visit log, 待走访, the on-time rate, the old 最近走访 kept by
the migration, and the key places' inspections and their ledger's XLSX round trip."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import select, update

from app.core.errors import ValidationError
from app.models import SpecialPerson, SpecialVisit, WatchLevel
from app.services.center.grids import GridInput, save_grid
from app.services.center.settings import update_settings
from app.services.command import importing, ledgers, places, registers, visits
from app.services.command.ledgers import LedgerFilter
from app.services.validation import id_check_digit
from tests.conftest import actor

ID_NUMBER = "33038219900101123" + id_check_digit("33038219900101123")


def _person(db, clock, name, category, listed_ago, last_ago=None, village="白石村"):
    today = clock.today()
    raw = {
        "name": name,
        "category": category,
        "risk_level": "低",
        "helper": "司法所 王某",
        "listed_on": today - timedelta(days=listed_ago),
        "village_id": village,
    }
    if last_ago is not None:
        raw["last_visit_on"] = today - timedelta(days=last_ago)
    with db.write() as s:
        return registers.add_record(s, actor(db, "jiedai"), "special", raw)


def _visit(db, person_id, on, risk="低", method="走访"):
    raw = {"visited_on": on, "visitor": "网格员 陈某", "method": method, "risk_level": risk}
    raw["findings"] = "情绪稳定，按时服药"
    with db.write() as s:
        return visits.add_visit(s, actor(db, "jiedai"), person_id, raw)


def test_overdue_visits_by_each_groups_interval(db, clock):
    clock.freeze("2026-06-15")
    mental = _person(db, clock, "甲", "严重精神障碍患者", 200, last_ago=40)  # monthly: 10 late
    _person(db, clock, "乙", "刑满释放", 200, last_ago=40)  # every 90 days: not yet due
    never = _person(db, clock, "丙", "社区矫正", 45)  # no visit: due 30 days after listing
    _person(db, clock, "丁", "严重精神障碍患者", 200, last_ago=30)  # due today: on time still
    with db.read() as s:
        rows = visits.overdue_visits(s, actor(db, "jiedai"), clock.today())
        soon = visits.overdue_visits(s, actor(db, "jiedai"), clock.today(), within=7)
        assert visits.overdue_count(s, clock.today()) == 2
    assert [(r.name, r.days_overdue) for r in rows] == [("丙", 15), ("甲", 10)]
    assert rows[1].person_id == mental and rows[0].person_id == never
    assert rows[0].last_visit_on is None and rows[1].last_visit_on == date(2026, 5, 6)
    assert [r.name for r in soon] == ["丙", "甲", "丁"]  # overdue first, then due soon
    # A visit today takes 甲 off the list; the interval is a setting.
    _visit(db, mental, clock.today())
    with db.write() as s:
        update_settings(s, actor(db, "admin"), visit_days_released=30)
    with db.read() as s:
        names = [r.name for r in visits.overdue_visits(s, actor(db, "jiedai"), clock.today())]
    assert names == ["丙", "乙"]


def test_a_visit_is_checked_and_its_risk_becomes_the_persons(db, clock):
    clock.freeze("2026-06-15")
    pid = _person(db, clock, "甲", "吸毒人员", 100)
    with db.write() as s, pytest.raises(ValidationError) as err:
        visits.add_visit(
            s, actor(db, "jiedai"), pid, {"visited_on": "2026-06-16", "method": "上门"}
        )
    assert set(err.value.fields) == {"visited_on", "visitor", "method", "risk_level"}
    _visit(db, pid, "2026-06-10", risk="高", method="电话")
    _visit(db, pid, "2026-05-01", risk="低")  # an older visit entered later changes nothing
    with db.read() as s:
        assert s.get(SpecialPerson, pid).risk_level is WatchLevel.HIGH
        history = visits.list_visits(s, actor(db, "jiedai"), pid)
        risks = visits.high_risk_people(s, clock.today())
    assert [(v.visited_on, v.method, v.risk) for v in history] == [
        (date(2026, 6, 10), "电话", "高"),
        (date(2026, 5, 1), "走访", "低"),
    ]
    assert [r.name for r in risks] == ["甲"]


def test_on_time_rate_counts_each_due_day_of_the_period(db, clock):
    clock.freeze("2026-07-01")
    # Monthly (30 days), listed 2026-01-01: due 01-31, then from each visit.
    pid = _person(db, clock, "甲", "严重精神障碍患者", (date(2026, 7, 1) - date(2026, 1, 1)).days)
    for on in ("2026-01-30", "2026-03-05", "2026-04-01"):  # on time, late, on time
        _visit(db, pid, on)
    # Then nothing: due 05-01 and 05-31 and 06-30 are missed.
    with db.read() as s:
        assert visits.visit_on_time_rate(s, date(2026, 1, 1), date(2026, 6, 30)) == (2, 6)
        assert visits.visit_on_time_rate(s, date(2026, 4, 1), date(2026, 4, 30)) == (1, 1)
        # Due days after today are not counted yet; other villages have none.
        assert visits.visit_on_time_rate(s, date(2026, 7, 1), date(2026, 12, 31)) == (0, 0)
        village = registers.Names.load(s).villages["山马社区"]
        assert visits.visit_on_time_rate(
            s, date(2026, 1, 1), date(2026, 6, 30), village_id=village
        ) == (0, 0)


@pytest.mark.sqlite_only
def test_the_migration_keeps_every_old_last_visit_as_a_first_visit(tmp_path):
    import uuid

    from alembic import command
    from sqlalchemy import text

    from app.db import Database, alembic_config, upgrade

    db = Database("sqlite:///" + str(tmp_path / "at26.sqlite3"))
    a, b = uuid.uuid4().hex, uuid.uuid4().hex
    with db.engine.connect() as conn:
        command.upgrade(alembic_config(conn), "0026")
        conn.commit()
        for pid, last in ((a, "'2026-03-05'"), (b, "NULL")):
            conn.execute(
                text(
                    "INSERT INTO special_persons (id, name, category, address, risk_level, "
                    "helper, listed_on, last_visit_on, measures, note, created_at) VALUES "
                    f"(:id, '甲', 'mental', '', 'high', '王某', '2026-01-01', {last}, '', '', "
                    "'2026-01-01 09:00:00')"
                ),
                {"id": pid},
            )
        conn.commit()
    upgrade(db)
    with db.read() as s:
        rows = [(v.visitor, v.risk_level) for v in s.scalars(select(SpecialVisit))]
        assert visits.last_visits(s) == {uuid.UUID(a): date(2026, 3, 5)}
    db.dispose()
    assert rows == [("王某", WatchLevel.HIGH)]


def test_an_imported_last_visit_becomes_the_first_visit_and_the_ledger_shows_it(db, clock):
    clock.freeze("2026-06-15")
    pid = _person(db, clock, "甲", "刑满释放", 100, last_ago=20)
    _visit(db, pid, "2026-06-01")
    with db.read() as s:
        rows = ledgers.build_ledger(s, actor(db, "zhuren"), "special", LedgerFilter()).rows
        values = registers.record_values(s, actor(db, "jiedai"), "special", pid)
    assert rows[0][11] == "2026-06-01"
    assert values["last_visit_on"] == date(2026, 6, 1)
    with db.write() as s:  # saving the form again leaves the log as it is
        assert registers.update_record(s, actor(db, "jiedai"), "special", pid, values) == []
    with db.read() as s:
        assert len(visits.list_visits(s, actor(db, "jiedai"), pid)) == 2


def test_key_places_inspections_and_their_ledger_round_trip(db, clock, tmp_path):
    clock.freeze("2026-06-15")
    clerk = actor(db, "jiedai")
    with db.write() as s:
        village = registers.Names.load(s).villages["白石村"]
        save_grid(s, actor(db, "admin"), None, GridInput(village, "BS01", "白石一网格"))
    with db.write() as s:
        place = registers.add_record(
            s,
            clerk,
            "places",
            {
                "name": "白石村12号出租房",
                "kind": "出租房",
                "address": "白石村12号",
                "village_id": "白石村",
                "grid_id": "白石一网格（BS01）",
                "responsible": "林某",
                "phone": "13812345678",
            },
        )
        registers.add_record(
            s,
            clerk,
            "places",
            {
                "name": "顺达快递点",
                "kind": "寄递网点",
                "address": "中雁路8号",
                "responsible": "赵某",
            },
        )
    with db.write() as s, pytest.raises(ValidationError) as err:
        places.add_inspection(
            s, clerk, place, {"inspected_on": "2026-06-10", "deadline": "2026-06-01"}
        )
    assert set(err.value.fields) == {"inspector", "deadline"}
    with db.write() as s:
        places.add_inspection(
            s,
            clerk,
            place,
            {
                "inspected_on": "2026-06-10",
                "inspector": "派出所 李某",
                "findings": "住户登记齐全",
                "problems": "消防通道堆放杂物",
                "deadline": "2026-06-20",
            },
        )
    with db.read() as s:
        (row,) = places.list_inspections(s, clerk, place)
    assert row.state == "待整改（期限 2026-06-20）"
    with db.write() as s:
        table, data = ledgers.export_ledger(s, clerk, "places", LedgerFilter(), "xlsx")
    assert table.rows[1][:5] == ("白石村12号出租房", "出租房", "白石村12号", "白石村", "白石一网格")
    assert table.rows[1][8:10] == ("2026-06-10", "1")
    # The exported sheet imports into another center as it is (here: the same one, so both
    # rows are already known only if nothing changed — the import keys rows by their values).
    path = tmp_path / "places.xlsx"
    path.write_bytes(data)
    with db.write() as s:
        for pid in list(s.scalars(select(registers.KeyPlace.id))):
            s.delete(s.get(registers.KeyPlace, pid))
    with db.write() as s:
        report = importing.import_sheet(s, clerk, "places", path)
    assert (report.imported, report.problems) == (2, [])
    with db.read() as s:
        again = ledgers.build_ledger(s, clerk, "places", LedgerFilter()).rows
    assert [r[:8] for r in again] == [
        r[:8] for r in table.rows
    ]  # name, kind, address, village, grid, person, phone, unit


def test_a_control_character_in_the_visitor_or_inspector_is_refused_in_chinese(db, clock):
    """Pasted from another program, U+0000 reached PostgreSQL (which cannot store it) and
    crashed the save; now the field is named and nothing is saved."""
    clock.freeze("2026-06-15")
    clerk = actor(db, "jiedai")
    pid = _person(db, clock, "戊", "吸毒人员", 100)
    with db.write() as s:
        place = registers.add_record(
            s,
            clerk,
            "places",
            {
                "name": "控制字符测试点",
                "kind": "出租房",
                "address": "白石村1号",
                "responsible": "林某",
            },
        )
    for bad in ("网格员\x00陈某", "网格员\x1b陈某"):
        with db.write() as s, pytest.raises(ValidationError) as err:
            visits.add_visit(
                s,
                clerk,
                pid,
                {"visited_on": "2026-06-10", "visitor": bad, "method": "走访", "risk_level": "低"},
            )
        assert "控制字符" in err.value.fields["visitor"]
        with db.write() as s, pytest.raises(ValidationError) as err:
            places.add_inspection(s, clerk, place, {"inspected_on": "2026-06-10", "inspector": bad})
        assert "控制字符" in err.value.fields["inspector"]
    with db.read() as s:
        assert visits.list_visits(s, clerk, pid) == []
        assert places.list_inspections(s, clerk, place) == []


def test_a_last_visit_after_today_is_refused_as_a_visit_would_be(db, clock):
    """最近走访 typed with a record becomes the first visit of the log: like 添加走访记录, it
    cannot be after today."""
    clock.freeze("2026-06-15")
    with db.write() as s, pytest.raises(ValidationError) as err:
        registers.add_record(
            s,
            actor(db, "jiedai"),
            "special",
            {
                "name": "己",
                "category": "吸毒人员",
                "risk_level": "低",
                "helper": "司法所 王某",
                "listed_on": "2026-01-01",
                "last_visit_on": "2026-06-16",
            },
        )
    assert err.value.fields["last_visit_on"] == "最近走访日期不能晚于今天"
    with db.read() as s:
        assert s.scalar(select(SpecialPerson).where(SpecialPerson.name == "己")) is None


def test_a_visit_before_the_listing_date_is_refused_and_nothing_saved(db, clock):
    """列管日期 2026-03-01: a visit typed as 2026-02-28 (a slip of the month) is refused by its
    field, naming the date of the listing, and the log stays empty."""
    clock.freeze("2026-06-15")
    pid = _person(db, clock, "庚", "社区矫正", (date(2026, 6, 15) - date(2026, 3, 1)).days)
    with pytest.raises(ValidationError) as err:
        _visit(db, pid, "2026-02-28")
    assert err.value.fields == {
        "visited_on": "走访日期不能早于列管日期（2026-03-01），请核对走访日期"
    }
    with db.read() as s:
        assert visits.list_visits(s, actor(db, "jiedai"), pid) == []
    _visit(db, pid, "2026-03-01")  # on the listing day itself: fine
    with db.read() as s:
        assert [v.visited_on for v in visits.list_visits(s, actor(db, "jiedai"), pid)] == [
            date(2026, 3, 1)
        ]


def test_a_last_visit_before_the_listing_date_is_refused_typed_or_imported(db, clock, tmp_path):
    """最近走访 becomes the first visit of the log, so the register refuses it before 列管日期
    as 添加走访记录 does — in the form and in an imported sheet (row and column named, nothing
    imported). A kept record's form is saved again as it is, whatever its old visits."""
    from openpyxl import Workbook

    clock.freeze("2026-06-15")
    raw = {
        "name": "辛",
        "category": "吸毒人员",
        "risk_level": "低",
        "helper": "司法所 王某",
        "listed_on": "2026-03-01",
        "last_visit_on": "2026-02-20",
    }
    with db.write() as s, pytest.raises(ValidationError) as err:
        registers.add_record(s, actor(db, "jiedai"), "special", raw)
    assert err.value.fields == {
        "last_visit_on": "最近走访日期不能早于列管日期（2026-03-01），请核对最近走访日期"
    }
    wb = Workbook()
    ws = wb.active
    ws.append(["姓名", "人员类别", "风险等级", "帮扶责任人", "列管日期", "最近走访"])
    ws.append(["壬", "吸毒人员", "低", "司法所 王某", "2026-03-01", "2026-03-10"])
    ws.append(["癸", "吸毒人员", "低", "司法所 王某", "2026-03-01", "2026-02-20"])
    path = tmp_path / "special.xlsx"
    wb.save(path)
    with db.write() as s:
        report = importing.import_sheet(s, actor(db, "jiedai"), "special", path)
    assert report.imported == 0
    assert [(p.row, p.column, p.message) for p in report.problems] == [
        (3, "最近走访", "最近走访日期不能早于列管日期（2026-03-01），请核对最近走访日期")
    ]
    with db.read() as s:
        assert s.scalars(select(SpecialPerson.name)).all() == []
        assert s.scalars(select(SpecialVisit.id)).all() == []
    # Listed anew later than an old visit: the kept record's form still saves.
    pid = _person(db, clock, "子", "吸毒人员", 100, last_ago=50)
    with db.read() as s:
        values = registers.record_values(s, actor(db, "jiedai"), "special", pid)
    values["listed_on"] = date(2026, 6, 1)
    with db.write() as s:
        assert registers.update_record(s, actor(db, "jiedai"), "special", pid, values) == [
            "列管日期"
        ]


def test_rectified_as_text_is_read_as_yes_or_no_and_other_text_is_refused(db, clock):
    """是否已整改 from a sheet or a form: "否", "0", "false" are not rectified (bool() took any
    text for yes), "是" and "√" are, and text that says neither is refused by its field."""
    clock.freeze("2026-06-15")
    clerk = actor(db, "jiedai")
    with db.write() as s:
        place = registers.add_record(
            s,
            clerk,
            "places",
            {
                "name": "顺达快递点",
                "kind": "寄递网点",
                "address": "中雁路8号",
                "responsible": "赵某",
            },
        )
    said = ["否", "0", "false", "是", "√", 0, None]
    for day, rectified in enumerate(said, start=1):
        with db.write() as s:
            places.add_inspection(
                s,
                clerk,
                place,
                {
                    "inspected_on": f"2026-06-{day:02d}",
                    "inspector": "派出所 李某",
                    "problems": "消防通道堆放杂物",
                    "deadline": "2026-06-30",
                    "rectified": rectified,
                },
            )
    with db.read() as s:
        rows = places.list_inspections(s, clerk, place)
    states = [r.state for r in sorted(rows, key=lambda r: r.inspected_on)]
    pending = "待整改（期限 2026-06-30）"
    assert states == [pending, pending, pending, "已整改", "已整改", pending, pending]
    with db.write() as s, pytest.raises(ValidationError) as err:
        places.add_inspection(
            s,
            clerk,
            place,
            {"inspected_on": "2026-06-10", "inspector": "派出所 李某", "rectified": "整改中"},
        )
    assert err.value.fields == {"rectified": "是否已整改应填“是”或“否”，不是“整改中”"}
    with db.read() as s:
        assert len(places.list_inspections(s, clerk, place)) == len(said)


def test_check_lists_visits_before_the_listing_date_and_leaves_them(db, clock, capsys):
    """A visit dated before its person's 列管日期 (as imports wrote before that rule), put in
    the table past ``add_visit``'s check: ``zongzhi check`` names the person and both dates,
    exits 0 (not a fault of the database) and changes nothing."""
    from app.cli import main
    from app.models import VisitMethod

    clock.freeze("2026-06-15")
    listed = (date(2026, 6, 15) - date(2026, 3, 1)).days
    pid = _person(db, clock, "辛某某", "社区矫正", listed)
    _visit(db, pid, "2026-03-02")  # after the listing: not reported
    with db.write() as s:
        s.execute(update(SpecialPerson).where(SpecialPerson.id == pid).values(id_number=ID_NUMBER))
        s.add(
            SpecialVisit(
                person_id=pid,
                visited_on=date(2026, 2, 20),
                visitor="网格员 陈某",
                method=VisitMethod.IN_PERSON,
                findings="导入",
                risk_level=WatchLevel.LOW,
            )
        )
    other = _person(db, clock, "壬", "刑满释放", 30)
    _visit(db, other, clock.today() - timedelta(days=30))  # on the listing day: fine

    assert main(["check", "--database-url", db.url]) == 0
    out = capsys.readouterr().out
    assert "提示：特殊人群走访记录有 1 条的走访日期早于列管日期（涉及 1 人" in out
    assert "工作台账 → 特殊人群" in out
    assert (
        "  辛某某（社区矫正，白石村，330382********1237）："
        "列管日期 2026-03-01，走访日期 2026-02-20，走访人 网格员 陈某"
    ) in out.splitlines()
    assert "壬" not in out and ID_NUMBER not in out
    with db.read() as s:  # nothing deleted or moved
        assert [v.visited_on for v in visits.list_visits(s, actor(db, "jiedai"), pid)] == [
            date(2026, 3, 2),
            date(2026, 2, 20),
        ]
        assert s.get(SpecialPerson, pid).listed_on == date(2026, 3, 1)


def test_check_says_when_every_visit_is_on_or_after_its_listing(db, clock, capsys):
    from app.cli import main

    clock.freeze("2026-06-15")
    pid = _person(db, clock, "癸", "社区矫正", 10)
    _visit(db, pid, clock.today() - timedelta(days=10))
    assert main(["check", "--database-url", db.url]) == 0
    assert "特殊人群走访记录：走访日期都不早于列管日期" in capsys.readouterr().out
