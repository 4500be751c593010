"""Realistic ledgers (tests/ledger_sheets.py) through the command line: header found, columns
and values mapped, sheets named, refused rows set aside; and the disputes kind's rows come
back out of the 矛盾排查化解台账 as they went in."""

from __future__ import annotations

import pytest
from openpyxl import load_workbook

from app.cli import main
from app.services.command import importing, ledgers
from app.services.command.ledgers import LedgerFilter
from tests import ledger_sheets
from tests.conftest import STAFF_PASSWORD, actor
from tests.ledger_sheets import BUILDERS, check_imported


@pytest.fixture(autouse=True)
def _day(clock):
    clock.freeze("2027-01-05")


LOGIN: list[str] = []


@pytest.fixture(autouse=True)
def _login(tmp_path):
    """The clerk who imports: each import is audited under her."""
    pw = tmp_path / "pw.txt"
    pw.write_text(STAFF_PASSWORD, encoding="utf-8")
    LOGIN[:] = ["--user", "jiedai", "--password-file", str(pw)]


def cli(db, ledger, *extra: str) -> int:
    return main(["import", ledger.kind, str(ledger.path), "--database-url", db.url, *LOGIN, *extra])


@pytest.mark.parametrize("build", BUILDERS, ids=lambda b: b.__name__)
def test_each_ledger_through_the_command_line(db, tmp_path, capsys, build):
    ledger = build(tmp_path)
    assert cli(db, ledger) == 1  # refused rows: nothing imported, every problem named
    out = capsys.readouterr().out
    assert "没有导入任何数据" in out
    for sheet, row in ledger.refused:
        where = f"工作表“{sheet}”第 {row} 行" if sheet else f"第 {row} 行"
        assert where in out, out
    assert cli(db, ledger, "--skip-invalid") == 0
    out = capsys.readouterr().out
    assert f"已导入 {len(ledger.matters)} 行" in out, out
    check_imported(db, ledger)
    refused = load_workbook(ledger.path.with_name(f"{ledger.path.stem}.未导入.xlsx"))
    got = {("" if ws.title == "未导入的行" else ws.title, r[0].value)
           for ws in refused.worksheets for r in ws.iter_rows(min_row=2)}  # fmt: skip
    assert got == ledger.refused
    assert cli(db, ledger, "--skip-invalid") == 0  # again: nothing new
    assert "已导入 0 行" in capsys.readouterr().out


def test_the_automatic_mapping_is_reported(db, tmp_path, capsys):
    ledger = ledger_sheets.disputes_with_title(tmp_path)
    cli(db, ledger)
    out = capsys.readouterr().out
    assert "表头在第 4 行" in out
    assert "“排查日期”→受理时间" in out and "“化解措施”→化解措施" not in out
    assert "纠纷类别：邻里纠纷（1 行）→ 矛盾纠纷 · 邻里" in out.replace(
        "类别：", "纠纷类别：", 1
    ) or ("邻里纠纷（1 行）→ 矛盾纠纷 · 邻里" in out)
    assert "第 8 行“身份证号”列：Excel 已把身份证号存成数字，末几位已丢失" in out


def test_map_and_template_on_the_command_line(db, tmp_path, capsys):
    ledger = ledger_sheets.sheets_per_month(tmp_path)
    args = ["--map", "矛盾类型:吵架=矛盾纠纷", "--map", "调处措施=忽略"]
    assert cli(db, ledger, *args, "--save-template", "月报") == 0, capsys.readouterr()
    assert "已保存导入模板“月报”" in capsys.readouterr().out
    with db.read() as s:
        (t,) = importing.templates(s, "disputes")
        assert t.name == "月报" and t.columns == {"调处措施": "忽略"}
        assert t.values == {"矛盾类型": {"吵架": "矛盾纠纷"}}
    # A file with the same headers is offered the template; with it nothing is refused.
    again = ledger_sheets.sheets_per_month(tmp_path / "..")
    assert cli(db, again) == 1
    assert "有表头相同的导入模板“月报”" in capsys.readouterr().out
    assert cli(db, again, "--template", "月报") == 0
    assert "以前已导入、本次跳过 4 行" in capsys.readouterr().out
    assert cli(db, again, "--template", "没有") == 1
    assert "没有叫“没有”的导入模板；已有：月报" in capsys.readouterr().err


def test_a_sheet_can_be_picked_and_a_year_given(db, tmp_path, capsys):
    ledger = ledger_sheets.sheets_per_month(tmp_path)
    assert cli(db, ledger, "--sheet", "3月") == 0
    assert "已导入 1 行" in capsys.readouterr().out
    path = tmp_path / "无年份.csv"
    path.write_text("排查日期,当事人姓名,纠纷类别,纠纷简要情况\n5月6日,卫青,矛盾纠纷,无年份\n")
    assert main(["import", "disputes", str(path), "--database-url", db.url, *LOGIN]) == 1
    assert "没有年份" in capsys.readouterr().out
    assert (
        main(["import", "disputes", str(path), "--database-url", db.url, *LOGIN, "--year", "2026"])
        == 0
    )
    with db.read() as s:  # on record under the clerk who imported
        from sqlalchemy import select

        from app.models import AuditEntry

        who = s.scalars(
            select(AuditEntry.username).where(AuditEntry.event == "import_disputes")
        ).all()
    assert who and set(who) == {"jiedai"}
    with db.read() as s:
        from sqlalchemy import select

        from app.models import Matter

        m = s.scalar(select(Matter).where(Matter.summary == "无年份"))
        assert m.received_at.date().isoformat() == "2026-05-06"


def test_imported_disputes_come_back_out_of_the_disputes_ledger(db, tmp_path):
    ledger = ledger_sheets.disputes_with_title(tmp_path)
    assert cli(db, ledger, "--skip-invalid") == 0
    with db.read() as s:
        table = ledgers.build_ledger(s, actor(db, "zhuren"), "disputes", LedgerFilter())
    rows = {r[5]: r for r in table.rows}
    assert set(rows) == set(ledger.matters)
    done = rows["相邻通道堵塞引发争吵"]
    assert done[1:7] == ("2026-03-02", "主动排查", "白石村", "王小明", "相邻通道堵塞引发争吵",
                         "矛盾纠纷")  # fmt: skip
    assert done[8:] == ("司法所", "陈立", "已化解", "2026-03-02", "调解成功")
    assert rows["夫妻因赡养老人分歧"][10] == "化解中"
    # The dispute type of the 人民调解 statistics is kept with the matter.
    with db.read() as s:
        from sqlalchemy import select

        from app.models import MatterEvent

        notes = s.scalars(select(MatterEvent.note).where(MatterEvent.kind == "registered"))
        assert any("纠纷类型：邻里" in n for n in notes)
