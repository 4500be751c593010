"""Importing the sheets centers keep: good, bad, repeated, empty and wrongly headed sheets."""

from __future__ import annotations

from datetime import date, datetime

import pytest
from openpyxl import Workbook, load_workbook
from sqlalchemy import func, select

from app.core.errors import PermissionDenied
from app.models import AuditEntry, Matter, MatterStatus, Migrant, Person, Satisfaction
from app.services.command import importing
from app.services.command.importing import ImportCancelled
from app.services.validation import id_check_digit
from tests.conftest import actor

HEADER = ["序号", "受理时间", "来源", "类别", "姓名", "身份证号", "联系电话", "村社区", "事项摘要",
          "承办单位", "状态", "办结时间", "办理结果", "满意度"]  # fmt: skip


def _id(n: int) -> str:
    first17 = f"33038219850203{n:03d}"
    return first17 + id_check_digit(first17)


def good_rows():
    return [
        # a date cell, a rare name, an ID number ending in a lower-case x
        [1, datetime(2026, 3, 5, 9, 30), "来访", "投诉", "王𠮷", "11010519491231002x",
         "13812345678", "白石村", "反映噪音扰民", "司法所", "已分流", None, None, None],
        # an Excel serial number (46086 = 2026-03-05) and text statuses
        [2, 46086.625, "来电", "咨询", "䶮明", _id(12), None, "中雁村", "咨询低保政策",
         None, "当场办结", None, "已解答", None],
        # dates as Chinese text, satisfaction after feedback
        [3, "2026年3月6日 14:30", "来信", "求助", "𪚥华", _id(13), "0577-61234567", "山马社区",
         "申请临时救助", "民政办", "已反馈", "2026/3/10", "已发放临时救助", "满意"],
        [4, "2026-03-07", "来访", "矛盾纠纷", "李四", None, None, None, "宅基地边界纠纷",
         "矛盾纠纷调解室", "办理中", None, None, None],
    ]  # fmt: skip


def write_xlsx(path, header, rows):
    wb = Workbook()
    ws = wb.active
    if header:
        ws.append(header)
    for r in rows:
        ws.append(r)
    wb.save(path)
    return path


def count(db, model):
    with db.read() as s:
        return s.scalar(select(func.count()).select_from(model))


def run(db, who, kind, path, **kw):
    with db.write() as s:
        return importing.import_sheet(s, actor(db, who), kind, path, **kw)


@pytest.fixture
def units(db):
    from app.models import Unit

    with db.write() as s:
        if not s.scalar(select(Unit).where(Unit.name == "民政办")):
            from app.models import UnitKind

            s.add(Unit(name="民政办", kind=UnitKind.STATIONED, sort=99))


def test_a_good_sheet_imports_every_row_and_a_second_time_nothing(db, units, tmp_path):
    path = write_xlsx(tmp_path / "事项台账2026.xlsx", HEADER, good_rows())
    report = run(db, "jiedai", "matters", path)
    assert (report.rows, report.valid, report.imported, report.already) == (4, 4, 4, 0)
    assert report.problems == [] and report.refused_file is None
    with db.read() as s:
        ms = {m.summary: m for m in s.scalars(select(Matter))}
        a = ms["反映噪音扰民"]
        assert a.received_at == datetime(2026, 3, 5, 9, 30) and a.status == MatterStatus.ROUTED
        assert a.number == "BS2026-A-000001" and a.persons[0].person.name == "王𠮷"
        assert a.persons[0].person.id_number == "11010519491231002X"
        b = ms["咨询低保政策"]
        assert b.received_at == datetime(2026, 3, 5, 15, 0) and b.status == MatterStatus.ANSWERED
        assert b.answer == "已解答" and b.closed_at == b.received_at
        c = ms["申请临时救助"]
        assert c.received_at == datetime(2026, 3, 6, 14, 30)
        assert c.closed_at == datetime(2026, 3, 10) and c.satisfaction == Satisfaction.SATISFIED
        assert c.persons[0].person.phone == "0577-61234567"
        assert ms["宅基地边界纠纷"].status == MatterStatus.IN_PROGRESS
        assert "事项台账2026.xlsx 第 2 行" in a.events[0].note
        assert a.deadline > date(2026, 3, 5)
        last = s.execute(
            select(AuditEntry.event, AuditEntry.reason).order_by(AuditEntry.seq.desc())
        ).first()
    assert last == ("import_matters", "事项台账2026.xlsx：导入 4 行，跳过已导入 0 行，未导入 0 行")
    again = run(db, "jiedai", "matters", path)
    assert (again.imported, again.already) == (0, 4)
    assert count(db, Matter) == 4 and count(db, Person) == 4
    # The same rows in a CSV saved by a Chinese Excel (GB 18030) are the same rows.
    csv_path = tmp_path / "事项.csv"
    lines = [",".join(HEADER)]
    for r in good_rows()[2:]:
        lines.append(",".join("" if v is None else str(v) for v in r))
    csv_path.write_bytes("\n".join(lines).encode("gb18030"))
    third = run(db, "jiedai", "matters", csv_path)
    assert (third.imported, third.already) == (0, 2), third.lines()
    assert count(db, Matter) == 4


def test_a_bad_sheet_is_reported_row_by_row_and_imports_nothing(db, units, tmp_path):
    rows = good_rows()
    rows[1][4] = "张3"  # row 3: a digit in a name
    rows[2][5] = 1.10105194912310e17  # row 4: an ID number Excel turned into a number
    rows[2][1] = "2026-02-30"  # and a date that does not exist
    rows[3][3] = "吵架"  # row 5: no such category
    rows.append([5, "2026-03-08", "来访", "投诉", "赵六", "110105194912310021", None, None,
                 "", None, None, None, None, None])  # fmt: skip
    path = write_xlsx(tmp_path / "有错.xlsx", HEADER, rows)
    report = run(db, "jiedai", "matters", path)
    assert report.checked_only and report.imported == 0 and count(db, Matter) == 0
    found = {(p.row, p.column) for p in report.problems}
    assert found == {
        (3, "姓名"),
        (4, "身份证号"),
        (4, "受理时间"),
        (5, "类别"),
        (6, "身份证号"),
        (6, "事项摘要"),
    }
    text = "\n".join(report.lines())
    assert "第 3 行“姓名”列：姓名里不能有数字“3”" in text
    assert "Excel 已把身份证号存成数字，末几位已丢失：请把该列设为文本，按原始登记重新填写" in text
    assert "2026-02-30" in text
    assert "没有叫“吵架”的类别" in text and "校验位不对" in text and "请填写事项摘要" in text
    assert "没有导入任何数据" in text

    report = run(db, "jiedai", "matters", path, skip_invalid=True)
    assert (report.imported, report.refused_rows) == (1, 4) and count(db, Matter) == 1
    refused = load_workbook(report.refused_file).active
    assert report.refused_file.name == "有错.未导入.xlsx"
    assert [c.value for c in refused[1]][:2] == ["原行号", "序号"]
    assert [r[0].value for r in refused.iter_rows(min_row=2)] == [3, 4, 5, 6]
    assert "姓名" in refused.cell(row=2, column=len(HEADER) + 2).value


def test_empty_sheet_wrong_header_and_other_files(db, tmp_path):
    empty = write_xlsx(tmp_path / "空表.xlsx", None, [])
    report = run(db, "jiedai", "matters", empty)
    assert report.checked_only and "表格是空的" in report.problems[0].message
    only_header = write_xlsx(tmp_path / "只有表头.xlsx", HEADER, [])
    assert "没有数据行" in run(db, "jiedai", "matters", only_header).problems[0].message
    wrong = write_xlsx(tmp_path / "错表头.xlsx", ["日期", "人", "事"], [["2026-1-1", "张三", "x"]])
    report = run(db, "jiedai", "matters", wrong)
    (p,) = report.problems
    assert p.row == 1 and p.column == "受理时间、类别、姓名、事项摘要"
    assert "表头缺少必填列" in p.message and report.ignored_columns == ["日期", "人", "事"]
    (tmp_path / "x.xls").write_bytes(b"old")
    with db.write() as s, pytest.raises(importing.ValidationError, match="另存为 .xlsx"):
        importing.import_sheet(s, actor(db, "jiedai"), "matters", tmp_path / "x.xls")
    (tmp_path / "bad.xlsx").write_bytes(b"not a zip")
    with db.write() as s, pytest.raises(importing.ValidationError, match="打不开"):
        importing.import_sheet(s, actor(db, "jiedai"), "matters", tmp_path / "bad.xlsx")
    with db.write() as s, pytest.raises(PermissionDenied):
        importing.import_sheet(s, actor(db, "zixun"), "matters", empty)
    assert count(db, Matter) == 0


def test_registers_import_from_csv_and_repeat(db, tmp_path):
    path = tmp_path / "流动人口.csv"
    path.write_text(
        "姓名,公民身份号码,户籍地,现住址,村社区,来本地日期,离开日期\n"
        f"𠮷祥,{_id(21)},贵州省毕节市,白石村1号,白石村,46000,\n"
        f"周一,{_id(31)},江西省上饶市,中雁村2号,中雁村,2025.1.2,2025.12.31\n",
        encoding="utf-8-sig",
    )
    report = run(db, "jiedai", "migrants", path)
    assert report.imported == 2, report.lines()
    with db.read() as s:
        names = dict(s.execute(select(Migrant.name, Migrant.arrived_on)).all())
    assert names == {"𠮷祥": date(2025, 12, 9), "周一": date(2025, 1, 2)}
    assert run(db, "jiedai", "migrants", path).already == 2 and count(db, Migrant) == 2


def test_cancel_leaves_nothing(db, units, tmp_path):
    rows = [[i, f"2026-03-{1 + i % 28:02d}", "来访", "投诉", "王五", None, None, None,
             f"第{i}件", None, None, None, None, None] for i in range(450)]  # fmt: skip
    path = write_xlsx(tmp_path / "大表.xlsx", HEADER, rows)
    seen = []

    def progress(phase, done, total):
        seen.append((phase, done, total))
        return phase != "导入"

    with pytest.raises(ImportCancelled, match="已取消导入"), db.write() as s:
        importing.import_sheet(s, actor(db, "jiedai"), "matters", path, progress=progress)
    assert ("检查", 400, 450) in seen and seen[-1][0] == "导入"
    assert count(db, Matter) == 0 and count(db, Person) == 0
