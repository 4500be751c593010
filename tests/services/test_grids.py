"""网格: grids in 中心资料, a grid on matters, 网格员 held to their grid, 网格上报 sheets."""

from __future__ import annotations

import pytest
from openpyxl import Workbook, load_workbook
from sqlalchemy import func, select

from app.core.errors import PermissionDenied, ValidationError
from app.models import Channel, Grid, Matter, Person, Role, Village
from app.services.center import grids, reference_io
from app.services.center.reference import load_lookups
from app.services.command import ledgers
from app.services.reception import detail, grid_reports, intake
from app.services.reception.intake import MatterFilter, VisitorInput
from app.services.security import auth
from tests.conftest import STAFF_PASSWORD, actor
from tests.services.test_intake import make_input, register


def _village(db, name="白石村"):
    with db.read() as s:
        return s.scalar(select(Village.id).where(Village.name == name))


@pytest.fixture
def two_grids(db, admin):
    """白石村 with grids BS-01 (网格员 account wangge1) and BS-02 (wangge2); 中雁村 ZY-01."""
    with db.write() as s:
        u1 = auth.create_user(s, admin, "wangge1", "张网格", Role.GRID_WORKER, STAFF_PASSWORD)
        u2 = auth.create_user(s, admin, "wangge2", "赵网格", Role.GRID_WORKER, STAFF_PASSWORD)
    bs, zy = _village(db), _village(db, "中雁村")
    with db.write() as s:
        g1 = grids.save_grid(
            s,
            admin,
            None,
            grids.GridInput(
                bs,
                "bs-01",
                "白石一网格",
                "李网长",
                "13800000001",
                "张网格",
                "13800000002",
                u1.id,
                "一组、二组",
            ),
        )
        g2 = grids.save_grid(
            s, admin, None, grids.GridInput(bs, "BS-02", "白石二网格", worker_user_id=u2.id)
        )
        g3 = grids.save_grid(s, admin, None, grids.GridInput(zy, "ZY-01", "中雁一网格"))
    return g1, g2, g3


def test_grids_belong_to_a_village_with_unique_codes(db, admin, two_grids):
    g1, g2, g3 = two_grids
    with db.read() as s:
        items = grids.load_grids(s, admin)
        lookups = load_lookups(s)
    assert [i.code for i in items] == ["BS-01", "BS-02", "ZY-01"]  # the code in capitals
    first = items[0]
    assert (first.village, first.leader_name, first.worker_username) == (
        "白石村",
        "李网长",
        "wangge1",
    )
    assert [g.id for g in lookups.grids_of(_village(db))] == [g1, g2]
    with db.write() as s, pytest.raises(ValidationError) as err:
        grids.save_grid(s, admin, None, grids.GridInput(_village(db), "bs-01", "又一个"))
    assert "BS-01" in err.value.fields["code"]
    with db.write() as s, pytest.raises(ValidationError) as err:
        grids.save_grid(s, admin, None, grids.GridInput(None, "X 1", "", leader_phone="12"))
    assert set(err.value.fields) == {"village", "code", "name", "leader_phone"}
    # One account works in one grid; only a 网格员 account can.
    with db.write() as s, pytest.raises(ValidationError) as err:
        uid = s.scalar(select(Grid.worker_user_id).where(Grid.id == g1))
        grids.save_grid(
            s,
            admin,
            g3,
            grids.GridInput(_village(db, "中雁村"), "ZY-01", "中雁一网格", worker_user_id=uid),
        )
    assert "白石一网格" in err.value.fields["worker_user"]
    with db.write() as s:
        grids.set_grid_active(s, admin, g2, False)
    with db.read() as s:
        assert [g.id for g in load_lookups(s).grids_of(_village(db))] == [g1]
    # Only the admin keeps them.
    with db.write() as s, pytest.raises(PermissionDenied):
        grids.save_grid(s, actor(db, "jiedai"), None, grids.GridInput(_village(db), "A1", "甲"))


def test_intake_records_the_grid_on_the_matter_and_the_person(db, receptionist, two_grids):
    g1, g2, g3 = two_grids
    bs = _village(db)
    data = make_input(
        db,
        channel=Channel.GRID,
        visitors=[VisitorInput(name="钱多多", village_id=bs)],
        grid_id=g1,
    )
    reg = register(db, receptionist, data)
    with db.read() as s:
        m = s.get(Matter, reg.id)
        person = s.scalar(select(Person).where(Person.name == "钱多多"))
        seen = detail.matter_detail(s, receptionist, reg.id)
        assert (m.grid_id, m.grid_reporter, person.grid_id) == (g1, "张网格", g1)
    assert (seen.grid, seen.grid_reporter) == ("白石一网格（BS-01）", "张网格")
    # A grid of another village is refused, naming the grid field.
    bad = make_input(db, visitors=[VisitorInput(name="孙某", village_id=bs)], grid_id=g3)
    with pytest.raises(ValidationError) as err:
        register(db, receptionist, bad)
    assert "不属于" in err.value.fields["grid"]


def test_a_grid_worker_sees_and_registers_only_its_own_grid(db, receptionist, two_grids):
    g1, g2, _g3 = two_grids
    bs = _village(db)
    other = register(
        db, receptionist, make_input(db, visitors=[VisitorInput("周某", village_id=bs)], grid_id=g2)
    )
    none = register(db, receptionist, make_input(db))
    worker = actor(db, "wangge1")
    own = register(
        db, worker, make_input(db, channel=Channel.VISIT, visitors=[VisitorInput("吴某")])
    )
    with db.read() as s:
        m = s.get(Matter, own.id)
        assert (m.channel, m.grid_id, m.unit_id) == (Channel.GRID, g1, None)
        assert detail.matter_detail(s, worker, own.id).number == own.number
        # Another grid's matter (or one without a grid) by id: refused, in the service.
        for mid in (other.id, none.id):
            with pytest.raises(PermissionDenied):
                detail.matter_detail(s, worker, mid)
        assert intake.list_matter_ids(s, worker, MatterFilter()) == [own.id]
        assert intake.count_matters(s, worker, MatterFilter(grid_id=g2)) == 1  # own grid only
        assert [r.id for r in intake.matter_rows(s, worker, [other.id, own.id])] == [own.id]
        with pytest.raises(Exception, match="找不到"):
            detail.find_matter_id(s, worker, other.number)
        # The receptionist sees them all, and filters by grid.
        assert set(intake.list_matter_ids(s, receptionist, MatterFilter(grid_id=g2))) == {other.id}
    with pytest.raises(PermissionDenied):
        register(db, worker, make_input(db, grid_id=g2))
    # A 网格员 has none of the center's other matter rights.
    with db.read() as s, pytest.raises(PermissionDenied):
        ledgers.build_ledger(s, worker, "matters")
    with db.read() as s, pytest.raises(PermissionDenied):
        intake.earlier_visits(s, worker, name="周某")


def test_a_grid_worker_without_a_grid_is_refused(db, admin):
    with db.write() as s:
        auth.create_user(s, admin, "wangge9", "孤网格", Role.GRID_WORKER, STAFF_PASSWORD)
    worker = actor(db, "wangge9")
    with db.read() as s, pytest.raises(PermissionDenied, match="没有分配网格"):
        intake.list_matter_ids(s, worker, MatterFilter())


def _report_sheet(path, rows):
    wb = Workbook()
    ws = wb.active
    ws.title = grid_reports.SHEET
    ws.append(grid_reports.COLUMNS)
    for r in rows:
        ws.append(r)
    wb.save(path)
    return path


def test_template_has_the_fixed_columns(tmp_path):
    path = tmp_path / "t.xlsx"
    path.write_bytes(grid_reports.grid_template())
    ws = load_workbook(path).active
    assert [c.value for c in ws[1]] == grid_reports.COLUMNS


def test_grid_reports_become_matters_once(db, receptionist, two_grids, tmp_path, clock):
    g1, g2, _ = two_grids
    clock.freeze("2027-01-05")
    path = _report_sheet(
        tmp_path / "r.xlsx",
        [
            [
                "R-1",
                "BS-01",
                "2027-01-04",
                "张网格",
                "矛盾纠纷",
                "邻里排水纠纷",
                "钱某",
                "",
                "",
                "",
            ],
            ["R-2", "bs-02", None, "", "求助", "独居老人求助", "", "13800000009", "", "三组"],
            ["R-1", "BS-02", "2027-01-05", "", "矛盾纠纷", "同号不同网格", "孙某", "", "", ""],
        ],
    )
    with db.write() as s:
        report = grid_reports.import_grid_reports(s, receptionist, path)
    assert (report.imported, report.already, report.problems) == (3, 0, [])
    with db.read() as s:
        got = {
            m.grid_report_key: (
                m.channel,
                m.grid_id,
                m.grid_reporter,
                m.received_at.date(),
                m.village_name,
            )
            for m in s.scalars(select(Matter).where(Matter.grid_report_key.is_not(None)))
        }
    assert set(got) == {"BS-01:R-1", "BS-02:R-2", "BS-02:R-1"}
    channel, grid_id, reporter, day, _ = got["BS-01:R-1"]
    assert (channel, grid_id, reporter, day.isoformat()) == (
        Channel.GRID,
        g1,
        "张网格",
        "2027-01-04",
    )
    assert got["BS-02:R-2"][4] == "白石村"  # the grid says the village
    # The same sheet again (with one more row) adds only the new row.
    _report_sheet(
        path,
        [
            [
                "R-1",
                "BS-01",
                "2027-01-04",
                "张网格",
                "矛盾纠纷",
                "邻里排水纠纷",
                "钱某",
                "",
                "",
                "",
            ],
            ["R-3", "BS-01", "", "", "矛盾纠纷", "新的一件", "", "", "", ""],
        ],
    )
    with db.write() as s:
        again = grid_reports.import_grid_reports(s, receptionist, path)
    assert (again.imported, again.already) == (1, 1)
    with db.read() as s:
        assert s.scalar(select(func.count()).where(Matter.channel == Channel.GRID)) == 4


def test_bad_report_rows_import_nothing_and_name_the_column(db, receptionist, two_grids, tmp_path):
    path = _report_sheet(
        tmp_path / "r.xlsx",
        [
            ["R-1", "BS-01", "", "", "矛盾纠纷", "好的一行", "", "", "", ""],
            ["R-2", "XX-99", "", "", "矛盾纠纷", "没有这个网格", "", "", "", ""],
            ["R-3", "BS-01", "", "", "没有的类别", "类别不对", "", "", "", ""],
            ["R-4", "BS-01", "", "", "矛盾纠纷", "电话不对", "", "123", "", ""],
        ],
    )
    with db.write() as s:
        report = grid_reports.import_grid_reports(s, receptionist, path)
    assert report.checked_only and report.imported == 0
    assert [(p.row, p.column) for p in report.problems] == [
        (3, "网格编码"),
        (4, "事项类别"),
        (5, "联系电话"),
    ]
    with db.write() as s:
        report = grid_reports.import_grid_reports(s, receptionist, path, skip_invalid=True)
    assert (report.imported, report.refused_rows) == (1, 3)


def test_a_grid_worker_imports_only_its_own_grid(db, two_grids, tmp_path):
    path = _report_sheet(
        tmp_path / "r.xlsx",
        [
            ["R-1", "BS-01", "", "", "矛盾纠纷", "本网格", "", "", "", ""],
            ["R-2", "BS-02", "", "", "矛盾纠纷", "别的网格", "", "", "", ""],
        ],
    )
    with db.write() as s:
        report = grid_reports.import_grid_reports(s, actor(db, "wangge1"), path)
    assert [(p.row, p.column) for p in report.problems] == [(3, "网格编码")]
    assert report.imported == 0


def test_grids_go_out_and_come_back_in_the_reference_workbook(db, admin, two_grids, tmp_path):
    path = tmp_path / "ref.xlsx"
    with db.read() as s:
        path.write_bytes(reference_io.export_reference(s, admin))
    wb = load_workbook(path)
    ws = wb["网格"]
    assert [c.value for c in ws[1]] == reference_io.GRID_COLUMNS
    ws.append([None, "SM-01", "山马一网格", "山马社区", "陈网长", "", "", "", "", "山马路以东", ""])
    wb.save(path)
    with db.write() as s:
        report = reference_io.import_reference(s, admin, path)
    assert report.problems == [] and report.imported == 1
    with db.read() as s:
        sm = s.scalar(select(Grid).where(Grid.code == "SM-01"))
        assert (sm.name, sm.coverage, sm.village_id) == (
            "山马一网格",
            "山马路以东",
            _village(db, "山马社区"),
        )
    with db.write() as s:  # again: nothing changes
        again = reference_io.import_reference(s, admin, path)
    assert again.imported == 0


def test_ledgers_and_statistics_filter_by_grid(db, receptionist, two_grids):
    g1, g2, _ = two_grids
    bs = _village(db)
    a = register(
        db, receptionist, make_input(db, visitors=[VisitorInput("甲", village_id=bs)], grid_id=g1)
    )
    register(
        db, receptionist, make_input(db, visitors=[VisitorInput("乙", village_id=bs)], grid_id=g2)
    )
    register(db, receptionist, make_input(db, visitors=[VisitorInput("丙", village_id=bs)]))
    director = actor(db, "zhuren")
    with db.read() as s:
        table = ledgers.build_ledger(s, director, "matters", ledgers.LedgerFilter(grid_id=g1))
        by_village = grid_reports.village_grid_counts(s, director, bs)
        one = grid_reports.grid_statistics(s, director, grid_id=g2)
    assert len(table.rows) == 1 and a.number in table.rows[0]
    assert "网格：白石一网格（BS-01）" in table.filters
    assert [(c.grid, c.received) for c in by_village] == [
        ("白石一网格（BS-01）", 1),
        ("白石二网格（BS-02）", 1),
        ("未划分网格", 1),
    ]
    assert [(c.grid, c.received, c.open) for c in one] == [("白石二网格（BS-02）", 1, 1)]
    # 上报统计表 narrowed to a grid: only its matters are counted.
    from app.services.command import superior_stats

    for grid in (g1, g2):
        visitors = [VisitorInput("戊", village_id=bs)]
        register(
            db, receptionist, make_input(db, visitors=visitors, grid_id=grid, category="信访事项")
        )
    with db.read() as s:
        day = s.get(Matter, a.id).received_at.date()
        f = superior_stats.StatsFilter(day, day, grid_id=g1)
        sheet = superior_stats.build_sheet(s, director, "petitions", f)
    assert sheet.total[1] == 1 and "网格：白石一网格（BS-01）" in sheet.filters
    with db.read() as s, pytest.raises(PermissionDenied):
        grid_reports.village_grid_counts(s, receptionist, bs)


def test_a_village_terminal_brings_its_grid_reports_in_a_bundle(db, admin, tmp_path):
    """A village 综治站 runs a terminal: the sheet imported there travels to the center in an
    exchange bundle as 网格上报 matters with their grids; the bundle again adds nothing.
    (Over 2 s: it copies the center's database to make the terminal, as test_exchange does.)"""
    from app.services.center.settings import save_settings
    from tests.services.test_exchange import export, import_, make_terminal

    with db.write() as s:
        save_settings(s, terminal="Z")
        grids.save_grid(s, admin, None, grids.GridInput(_village(db), "BS-01", "白石一网格"))
    station = make_terminal(db, tmp_path, "C")
    path = _report_sheet(
        tmp_path / "r.xlsx",
        [["R-1", "BS-01", "", "张网格", "矛盾纠纷", "站里收到", "", "", "", ""]],
    )
    with station.write() as s:
        report = grid_reports.import_grid_reports(s, actor(station, "jiedai"), path)
    assert report.imported == 1
    bundle = export(station, tmp_path / "c.zzb")
    station.dispose()
    first = import_(db, bundle)
    assert first.tables["matters"] == 1
    import_(db, bundle)
    with db.read() as s:
        (m,) = s.scalars(select(Matter).where(Matter.channel == Channel.GRID))
        assert (m.grid_report_key, m.grid_reporter, m.number[-8:]) == (
            "BS-01:R-1",
            "张网格",
            "C-000001",
        )


def test_the_command_line_saves_the_template_and_imports_once(
    db, database_url, two_grids, tmp_path
):
    from app.cli import main

    template = tmp_path / "模板.xlsx"
    assert main(["grid", "template", "--out", str(template)]) == 0
    wb = load_workbook(template)
    ws = wb.active
    ws.delete_rows(2)  # the example row
    ws.append(["R-9", "BS-01", "", "", "矛盾纠纷", "命令行导入", "", "", "", ""])
    wb.save(template)
    secret = tmp_path / "pw.txt"
    secret.write_text(STAFF_PASSWORD, encoding="utf-8")
    args = ["grid", "import", str(template), "--database-url", database_url, "--user", "jiedai"]
    args += ["--password-file", str(secret)]
    assert main(args) == 0
    assert main(args) == 0
    with db.read() as s:
        assert s.scalar(select(func.count()).where(Matter.grid_report_key == "BS-01:R-9")) == 1


def test_grid_counts_come_from_the_tallies(db, receptionist, two_grids, clock):
    """指挥研判's grid drill-down and 统计 by grid read the matter tallies (BY_GRID, OPEN_GRID):
    received, open, overdue, resolved and 网格上报 per grid, in a period; with the tallies
    emptied they say nothing, and ``zongzhi check``'s rebuild brings them back."""
    from datetime import timedelta

    from sqlalchemy import delete

    from app.models import MatterStatus, MatterTally
    from app.models import tallies as tl

    clock.freeze("2027-03-10 10:00")
    g1, g2, _g3 = two_grids
    bs = _village(db)
    at = clock.now() - timedelta(days=40)

    def reg(name, grid, channel=Channel.VISIT, when=at):
        data = make_input(
            db, channel=channel, visitors=[VisitorInput(name, village_id=bs)], grid_id=grid
        )
        with db.write() as s:
            return intake.register_matter(s, receptionist, data, at=when).id

    late = reg("甲", g1, Channel.GRID)  # its deadline long past: overdue
    done = reg("乙", g1)
    reg("丙", g2, when=clock.now())
    reg("丁", None, when=clock.now())
    with db.write() as s:
        s.get(Matter, done).status = MatterStatus.DONE
    director = actor(db, "zhuren")
    with db.read() as s:
        rows = grid_reports.village_grid_counts(s, director, bs)
        recent = grid_reports.grid_statistics(
            s, director, village_id=bs, since=clock.today() - timedelta(days=7)
        )
    counts = [(c.grid, c.received, c.open, c.overdue, c.resolved, c.reported) for c in rows]
    assert counts == [
        ("白石一网格（BS-01）", 2, 1, 1, 1, 1),
        ("白石二网格（BS-02）", 1, 1, 0, 0, 0),
        ("未划分网格", 1, 1, 0, 0, 0),
    ]
    assert [(c.grid, c.received) for c in recent] == [
        ("白石一网格（BS-01）", 0),
        ("白石二网格（BS-02）", 1),
    ]
    with db.read() as s, pytest.raises(ValidationError, match="开始日期晚于结束日期"):
        grid_reports.grid_statistics(
            s, director, since=clock.today(), until=clock.today() - timedelta(days=1)
        )
    with db.write() as s:
        s.get(Matter, late).grid_id = g2  # moved to another grid: the tallies follow
    with db.read() as s:
        moved = grid_reports.grid_statistics(s, director, grid_id=g2)
    assert [(c.received, c.overdue, c.reported) for c in moved] == [(2, 1, 1)]
    with db.write() as s:
        s.execute(delete(MatterTally).where(MatterTally.facet == tl.BY_GRID))
    with db.read() as s:
        assert grid_reports.grid_statistics(s, director, grid_id=g2)[0].received == 0
    with db.engine.begin() as conn:
        tl.rebuild(conn)
    with db.read() as s:
        assert grid_reports.grid_statistics(s, director, grid_id=g2)[0].received == 2
