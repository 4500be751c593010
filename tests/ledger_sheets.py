"""Ledgers as centers really keep them, built in code for the import's tests (issue 23):
merged titles and 填报单位 lines over the header, the center's own column names, a two-row
header, a sheet per month, dates as cells, serial numbers and text, ID numbers Excel turned
into numbers, a totals row, and a CSV saved by a Chinese Excel (GBK).

Each builder returns a ``Ledger``: the file, the import kind, and what an import must give —
the matters by summary (name, status and more) and the refused rows by (sheet, row)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from openpyxl import Workbook

from app.models import Channel, MatterStatus
from app.services.validation import id_check_digit

S = MatterStatus
FLOAT_ID = 3.30382198502031e17  # an 18-digit ID number Excel stored as a number


def ident(n: int) -> str:
    first17 = f"33038219850203{n:03d}"
    return first17 + id_check_digit(first17)


def wrong_digit(id_number: str) -> str:
    return id_number[:-1] + ("1" if id_number[-1] != "1" else "2")


@dataclass
class Ledger:
    name: str
    path: Path
    kind: str
    matters: dict[str, dict[str, Any]]  # summary → expected attributes
    refused: set[tuple[str, int]] = field(default_factory=set)  # (sheet or "", row)
    sheets: list[str] | None = None
    headers: list[str] = field(default_factory=list)  # the header as the mapping step shows it


def _title(ws, text: str, width: int) -> None:
    ws.append([text])
    ws.merge_cells(start_row=ws.max_row, start_column=1, end_row=ws.max_row, end_column=width)


DISPUTE_HEAD = ["序号", "排查日期", "当事人姓名", "身份证号", "联系电话", "所属村（社区）",
                "纠纷类别", "纠纷简要情况", "化解措施", "化解结果", "责任单位",
                "责任人"]  # fmt: skip


def disputes_with_title(folder: Path) -> Ledger:
    """The notice's 矛盾纠纷排查化解台账: a merged title, a 填报单位 line, an empty column, the
    center's column names, a totals row and the filler's signature at the bottom."""
    wb = Workbook()
    ws = wb.active
    ws.title = "台账"
    _title(ws, "白石街道矛盾纠纷排查化解台账（2026年）", 13)
    ws.append(["填报单位：白石街道综治中心", None, None, None, None, None, None, None, None,
               "填报日期：2026年4月1日"])  # fmt: skip
    ws.append([])
    ws.append([DISPUTE_HEAD[0], None, *DISPUTE_HEAD[1:]])  # an empty column B
    rows = [
        [1, None, datetime(2026, 3, 2, 9, 0), "王 小明", ident(1), "138 1234 5678", "白石村",
         "邻里纠纷", "相邻通道堵塞引发争吵", "上门调解，约双方协商", "调解成功", "司法所", "陈立"],
        [2, None, "2026年3月5日", "李　芳", None, 13912345678, "中雁村", "婚姻家庭纠纷",
         "夫妻因赡养老人分歧", "妇联介入疏导", "调处中", "妇联", "周敏"],
        [3, None, 46090, "赵大", None, "0577-6123 4567", "山马社区", "矛盾纠纷",
         "承包地边界争议", None, None, None, None],
        [4, None, "2026/3/12", "钱多", FLOAT_ID, None, "白石村", "劳资纠纷",
         "拖欠工资三个月", "劝导企业", "已化解", "人力社保所", "吴刚"],
    ]  # fmt: skip
    for r in rows:
        ws.append(r)
    ws.append(["合计", None, "4 件"])
    ws.append([])
    ws.append(["填表人：张敏", None, None, None, "审核人：李华"])
    wb.save(path := folder / "矛盾纠纷排查化解台账.xlsx")
    return Ledger(
        "title",
        path,
        "disputes",
        {
            "相邻通道堵塞引发争吵": dict(
                name="王小明",
                status=S.DONE,
                phone="13812345678",
                result="调解成功",
                unit="司法所",
                handler="陈立",
                progress="上门调解，约双方协商",
                received=datetime(2026, 3, 2, 9, 0),
                category="矛盾纠纷",
                channel=Channel.INSPECTION,
            ),
            "夫妻因赡养老人分歧": dict(
                name="李芳",
                status=S.IN_PROGRESS,
                category="家事纠纷",
                received=datetime(2026, 3, 5),
            ),
            "承包地边界争议": dict(
                name="赵大",
                status=S.REGISTERED,
                phone="0577-61234567",
                received=datetime(2026, 3, 9),
            ),
        },  # fmt: skip
        {("", 8)},  # the float ID number
        headers=[DISPUTE_HEAD[0], "", *DISPUTE_HEAD[1:]],
    )


def two_row_header(folder: Path) -> Ledger:
    """A merged "当事人" over 姓名 | 身份证号 | 电话."""
    wb = Workbook()
    ws = wb.active
    _title(ws, "2026年矛盾纠纷排查台账", 8)
    ws.append(["序号", "排查日期", "当事人", None, None, "纠纷类型", "基本情况", "处理结果"])
    ws.merge_cells("C2:E2")
    ws.append([None, None, "姓名", "身份证号", "电话"])
    for col in "ABFGH":
        ws.merge_cells(f"{col}2:{col}3")
    ws.append([1, "2026-04-01", "孙 丽", ident(21), "13700001111", "物业纠纷", "物业费争议",
               "已化解"])  # fmt: skip
    ws.append(
        [2, "2026.4.3", "周杰", wrong_digit(ident(22)), None, "邻里纠纷", "噪音扰民", "正在化解"]
    )  # fmt: skip — row 5: a wrong check digit
    ws.append([3, "4月8日", "吴 用", None, "021-5555 1234", "其他纠纷", "楼道堆物", "调处中"])
    wb.save(path := folder / "两行表头.xlsx")
    return Ledger(
        "two-row",
        path,
        "disputes",
        {
            "物业费争议": dict(
                name="孙丽",
                status=S.ANSWERED,
                category="矛盾纠纷",
                result="已化解",
                received=datetime(2026, 4, 1),
            ),
            "楼道堆物": dict(
                name="吴用",
                status=S.REGISTERED,
                phone="021-55551234",
                received=datetime(2026, 4, 8),
            ),
        },  # fmt: skip
        {("", 5)},
        headers=[
            "序号",
            "排查日期",
            "当事人姓名",
            "当事人身份证号",
            "电话",
            "纠纷类型",
            "基本情况",
            "处理结果",
        ],  # fmt: skip
    )


def sheets_per_month(folder: Path) -> Ledger:
    """A workbook with a sheet per month; dates without a year take it from the title."""
    wb = Workbook()
    wb.remove(wb.active)
    head = ["序号", "登记日期", "反映人", "矛盾类型", "反映问题", "调处措施", "调处结果",
            "包案单位", "包案领导"]  # fmt: skip
    months = {
        "1月": [[1, "1月6日", "郑一", "邻里纠纷", "一月的纠纷", "约谈", "化解", "司法所", "林"]],
        "2月": [[1, "2月3日", "郑二", "吵架", "二月的纠纷", None, None, None, None],
                [2, "2月9日", "郑三", "土地纠纷", "二月的土地纠纷", None, "调处中", "司法所",
                 "林"]],
        "3月": [[1, "3月30日", "郑四", "矛盾纠纷", "三月的纠纷", None, None, None, None]],
    }  # fmt: skip
    for name, rows in months.items():
        ws = wb.create_sheet(name)
        _title(ws, f"白石街道2026年{name}矛盾纠纷排查表", 9)
        ws.append(head)
        for r in rows:
            ws.append(r)
    notes = wb.create_sheet("填表说明")
    notes.append(["每月一张表，月底前报送。"])
    wb.save(path := folder / "每月一张表.xlsx")
    return Ledger(
        "months",
        path,
        "disputes",
        {
            "一月的纠纷": dict(
                name="郑一",
                status=S.DONE,
                received=datetime(2026, 1, 6),
                progress="约谈",
                unit="司法所",
            ),
            "二月的土地纠纷": dict(
                name="郑三", status=S.IN_PROGRESS, received=datetime(2026, 2, 9)
            ),
            "三月的纠纷": dict(name="郑四", status=S.REGISTERED, received=datetime(2026, 3, 30)),
        },  # fmt: skip
        {("2月", 3)},  # 吵架 is no category
        headers=head,
    )


def dates_every_way(folder: Path) -> Ledger:
    """A matters sheet with dates as cells, Excel serials and each text form."""
    wb = Workbook()
    ws = wb.active
    head = ["受理日期", "群众姓名", "类别", "事项摘要", "联系电话"]
    ws.append(head)
    forms = [datetime(2026, 3, 12, 10, 15), 46093, "2026.3.12", "2026/3/12", "2026-03-12",
             "2026年3月12日", "2026年13月1日"]  # fmt: skip
    for i, d in enumerate(forms):
        ws.append([d, f"韩{'一二三四五六七'[i]}", "咨询", f"日期写法{i}", None])
    wb.save(path := folder / "日期.xlsx")
    day = datetime(2026, 3, 12)
    matters = {f"日期写法{i}": dict(received=day, status=S.REGISTERED) for i in range(6)}
    matters["日期写法0"]["received"] = datetime(2026, 3, 12, 10, 15)
    return Ledger("dates", path, "matters", matters, {("", 8)}, headers=head)


def ids_and_phones(folder: Path) -> Ledger:
    """ID numbers as text, with X, as a 15-digit number and as an 18-digit float; phones as
    numbers, with spaces and dashes, and a landline that lost its leading 0."""
    wb = Workbook()
    ws = wb.active
    head = ["登记时间", "姓名", "身份证号码", "手机号", "类别", "诉求内容"]
    ws.append(head)
    x_id = "11010519491231002X"
    ws.append(["2026-05-01", "冯 一", x_id, 13812345678, "求助", "证件X"])
    ws.append(["2026-05-01", "冯二", 330382850203123, "138-1234-5679", "求助", "十五位"])
    ws.append(["2026-05-01", "冯三", FLOAT_ID, "138 1234 5670", "求助", "浮点"])
    ws.append(["2026-05-01", "冯四", ident(31), 57761234567, "求助", "固话"])
    wb.save(path := folder / "身份证号.xlsx")
    return Ledger(
        "ids",
        path,
        "matters",
        {
            "证件X": dict(name="冯一", id_number=x_id, phone="13812345678"),
            "十五位": dict(id_number="330382850203123", phone="13812345679"),
            "固话": dict(id_number=ident(31), phone="0577-61234567"),
        },
        {("", 4)},
        headers=head,
    )


def gbk_csv(folder: Path) -> Ledger:
    """A CSV saved by a Chinese Excel: GBK, a title line, a totals row."""
    lines = [
        "白石街道群众来访登记表,,,,,",
        "反映时间,申请人,类别,反映问题,村居,处理结果",
        "2026-06-01 09:30,欧阳 娜娜,投诉,小区噪音,白石村,",
        "2026/6/2,何必,咨询,社保补缴,中雁村,",
        "2026-06-03,何苦,投诉,占道经营,不存在村,",
        "合计,3,,,,",
    ]
    path = folder / "来访登记.csv"
    path.write_bytes("\r\n".join(lines).encode("gbk"))
    return Ledger(
        "gbk",
        path,
        "matters",
        {
            "小区噪音": dict(
                name="欧阳娜娜",
                received=datetime(2026, 6, 1, 9, 30),
                status=S.REGISTERED,
                village="白石村",
            ),
            "社保补缴": dict(name="何必", received=datetime(2026, 6, 2)),
        },  # fmt: skip
        {("", 5)},
        headers=lines[1].split(","),
    )


BUILDERS = [disputes_with_title, two_row_header, sheets_per_month, dates_every_way,
            ids_and_phones, gbk_csv]  # fmt: skip


def check_imported(db, ledger: Ledger) -> None:
    """The matters an import made are the ledger's, with the statuses it says."""
    from sqlalchemy import select

    from app.models import Matter, MatterEvent, Village

    with db.read() as s:
        found = {m.summary: m for m in s.scalars(select(Matter))}
        assert set(found) == set(ledger.matters), sorted(found)
        for summary, want in ledger.matters.items():
            m = found[summary]
            p = m.persons[0].person
            got = {
                "name": p.name,
                "status": m.status,
                "phone": p.phone,
                "id_number": p.id_number,
                "received": m.received_at,
                "result": m.result or m.answer,
                "unit": m.unit_name,
                "handler": m.handler_name,
                "category": m.category_name,
                "channel": m.channel,
                "village": s.get(Village, p.village_id).name if p.village_id else None,
            }
            if "progress" in want:
                notes = s.scalars(
                    select(MatterEvent.note).where(
                        MatterEvent.matter_id == m.id, MatterEvent.kind == "progress"
                    )
                ).all()
                got["progress"] = notes[0] if notes else None
            for key, value in want.items():
                assert got[key] == value, (summary, key, got[key])
            if ledger.kind == "disputes":
                assert m.channel == Channel.INSPECTION
