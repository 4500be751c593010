"""中心资料 in and out of XLSX: command line and service, reported like the ledger import."""

from __future__ import annotations

from pathlib import Path

import pytest
from openpyxl import Workbook, load_workbook
from sqlalchemy import select

from app.cli import main
from app.db import open_database
from app.models import Category, Matter, Role, Unit, Village
from app.services.center import reference_io
from app.services.context import Actor
from app.services.reception import intake
from app.services.reception.intake import IntakeInput, VisitorInput
from app.services.security.auth import create_user
from tests.conftest import actor

STAFF_PASSWORD = "Staff#2026pass"


def _workbook(path: Path, sheets: dict[str, list[list]]) -> Path:
    wb = Workbook()
    wb.remove(wb.active)
    for title, rows in sheets.items():
        ws = wb.create_sheet(title)
        for row in rows:
            ws.append(row)
    wb.save(path)
    return path


def _init(tmp_path: Path) -> Path:
    pw = tmp_path / "pw.txt"
    pw.write_text("Center#2026pw\n", encoding="utf-8")
    db = tmp_path / "center.sqlite3"
    args = ["init", "--db", str(db), "--center-name", "青石镇综治工作中心", "--prefix", "QS"]
    assert main([*args, "--admin", "admin", "--admin-password-file", str(pw)]) == 0
    return db


@pytest.mark.sqlite_only
def test_a_new_center_gets_its_lists_from_xlsx_and_uses_them(tmp_path, capsys):
    """`zongzhi init` without a villages file, then `zongzhi reference import`."""
    path = _init(tmp_path)
    sheet = _workbook(
        tmp_path / "资料.xlsx",
        {
            "村社区": [["名称"], ["东岙村"], ["西岙社区"], [""]],
            "承办单位": [
                ["名称", "简称", "类型", "负责人", "电话", "接收分流"],
                ["民政办", "民政", "职能", "李明", "0576-1234567", "是"],
                ["供电所", "", "外星", "", "", ""],
            ],
            "事项类别": [
                ["名称", "期限规则", "期限天数", "默认承办单位", "信访"],
                ["低保救助", "工作日", 10, "民政办", "否"],
                ["邻里纠纷", "自然日", 400, "", ""],
            ],
        },
    )
    capsys.readouterr()
    assert main(["reference", "import", str(sheet), "--db", str(path)]) == 1
    out = capsys.readouterr().out
    assert "第 3 行“承办单位·类型”列：单位类型应为 派驻、职能、村社区、上级、调解委员会 之一" in out
    assert "第 3 行“事项类别·期限天数”列：期限天数应在 1–365 之间" in out
    assert "没有导入任何数据" in out
    db = open_database(path)
    with db.read() as s:
        assert not list(s.scalars(select(Village.name)))

    assert main(["reference", "import", str(sheet), "--db", str(path), "--skip-invalid"]) == 0
    out = capsys.readouterr().out
    assert "已导入 4 行" in out
    refused = load_workbook(tmp_path / "资料.未导入.xlsx")
    assert refused.sheetnames == ["承办单位", "事项类别"]
    assert refused["承办单位"]["B2"].value == "供电所"

    with db.write() as s:
        create_user(s, Actor.system(), "jiedai", "李接待", Role.RECEPTIONIST, STAFF_PASSWORD)
        village = s.scalar(select(Village.id).where(Village.name == "东岙村"))
        category = s.scalar(select(Category.id).where(Category.name == "低保救助"))
    receptionist = actor(db, "jiedai")
    data = IntakeInput(
        channel=intake.Channel.VISIT,
        visitors=[VisitorInput(name="周八", phone="13900003333", village_id=village)],
        category_id=category,
        summary="申请低保，家中老人重病。",
    )
    with db.write() as s:
        reg = intake.register_matter(s, receptionist, data)
    with db.read() as s:
        m = s.get(Matter, reg.id)
        unit = s.scalar(select(Unit.name).where(Unit.id == m.unit_id))
        assert (m.category_name, m.village_name, unit) == ("低保救助", "东岙村", "民政办")
    db.dispose()


def test_export_then_import_changes_nothing_and_a_rename_by_id(db, admin, tmp_path):
    with db.write() as s:
        path = reference_io.export_reference_file(s, admin, tmp_path / "out.xlsx")
    wb = load_workbook(path)
    assert wb.sheetnames == ["承办单位", "村社区", "网格", "事项类别", "文书署名"]
    with db.write() as s:
        report = reference_io.import_reference(s, admin, path)
    assert (report.imported, report.problems) == (0, [])
    assert report.already == report.rows > 20
    ws = wb["村社区"]
    ws["B2"] = ws["B2"].value + "（新）"
    ws.append([None, "新建村", "启用"])
    roles = wb["文书署名"]
    roles["B5"] = "白石街道文化路1号"
    wb.save(path)
    with db.write() as s:
        report = reference_io.import_reference(s, admin, path)
    assert (report.imported, report.problems) == (3, [])
    with db.read() as s:
        names = list(s.scalars(select(Village.name).order_by(Village.sort)))
    assert names[0].endswith("（新）") and names[-1] == "新建村"
    assert len(names) == ws.max_row - 1
    with db.read() as s:
        data = reference_io.ref.load_reference(s, admin)
    assert data.roles.center_address == "白石街道文化路1号"


def test_a_workbook_without_known_sheets_is_named(db, admin, tmp_path):
    path = _workbook(tmp_path / "x.xlsx", {"Sheet1": [["名称"], ["甲"]]})
    with db.write() as s:
        report = reference_io.import_reference(s, admin, path)
    assert report.checked_only
    assert "工作表应名为 承办单位、村社区、网格、事项类别、文书署名" in report.lines()[1]


def test_a_merge_asked_for_in_the_workbook_is_refused_not_ignored(db, admin, tmp_path):
    path = _workbook(
        tmp_path / "x.xlsx",
        {"村社区": [["名称", "状态", "并入"], ["白石村", "停用", "中雁村"]]},
    )
    with db.write() as s:
        report = reference_io.import_reference(s, admin, path)
    assert report.imported == 0
    assert [(p.column, "中心资料" in p.message) for p in report.problems] == [("村社区·并入", True)]
    with db.read() as s:  # nothing half-done: 白石村 is not deactivated either
        assert s.scalar(select(Village.active).where(Village.name == "白石村")) is True
