"""The registers 重点青少年, 校园及周边, 护路护线, 禁毒 and the 社会救助 records: each kind's checks
name the field in Chinese, a register goes out to XLSX and comes back in, an aid record is made
from a 求助 matter (and refused for another category), and the aid ledger sums its amounts."""

from __future__ import annotations

import io
from datetime import date, datetime
from decimal import Decimal

import pytest
from openpyxl import load_workbook
from sqlalchemy import func, select

from app.core.errors import ValidationError
from app.models import AidRecord, Category, EventKind, Grid, KeyYouth, Matter, Village
from app.services.command import aid, importing, ledgers, registers
from app.services.command.ledgers import LedgerFilter
from app.services.reception import intake
from app.services.reception.intake import IntakeInput, VisitorInput
from tests.conftest import actor
from tests.services.test_statistics import _id

GOOD = {
    "youth": {
        "name": "陈小明",
        "id_number": _id(101),
        "category": "闲散青少年",
        "village_id": "白石村",
        "guardian": "陈大明",
        "guardian_phone": "13812345678",
        "school_status": "辍学",
        "helper": "林老师",
        "listed_on": "2026-03-01",
    },
    "campus": {
        "school": "白石小学",
        "school_kind": "小学",
        "contact": "王校长",
        "inspected_on": "2026-09-01",
        "items": "护校岗、封闭管理、一键报警",
        "rectify_status": "整改中",
        "problems": "校门口占道摊贩",
    },
    "lines": {
        "line": "杭温高铁",
        "line_kind": "铁路",
        "section": "K12+300至K15+800",
        "leader": "周段长",
        "patrolled_on": "2026-10-08",
        "rectify_status": "无需整改",
    },
    "drugs": {
        "name": "吴某",
        "id_number": _id(102),
        "category": "社区康复",
        "status": "在管",
        "helper": "派出所 李警官",
        "started_on": "2025-06-01",
        "last_test_on": "2026-10-15",
        "test_result": "阴性",
    },
    "aid": {
        "aid_type": "临时救助",
        "name": "张三",
        "id_number": _id(103),
        "village_id": "白石村",
        "amount": "1500",
        "approver": "白石街道办事处",
        "approved_on": "2026-11-02",
    },
}

# (kind, field, bad value, words the message must hold)
BAD = [
    ("youth", "category", "坏孩子", "人员类别“坏孩子”不在可选范围内"),
    ("youth", "guardian_phone", "12345", "电话"),
    ("youth", "released_on", "2026-01-01", "解除日期不能早于列管日期"),
    ("youth", "guardian", "", "请填写监护人"),
    ("campus", "inspected_on", "9月32日", "检查日期"),
    ("campus", "problems", "", "整改中时请写明发现问题"),
    ("campus", "rectified_on", "2026-08-01", "整改完成日期不能早于检查日期"),
    ("lines", "line_kind", "水路", "线路类别“水路”不在可选范围内"),
    ("lines", "leader", "", "请填写段长"),
    ("lines", "patrolled_on", "昨天", "巡查日期“昨天”看不懂"),
    ("drugs", "status", "戒了", "管控状态“戒了”不在可选范围内"),
    ("drugs", "last_test_on", "", "填了尿检结果，请填写最近尿检日期"),
    ("drugs", "ends_on", "2025-01-01", "期满日期不能早于执行开始日期"),
    ("drugs", "id_number", "330382198001011234", "身份证"),
    ("aid", "amount", "0", "救助金额（元）应大于 0"),
    ("aid", "amount", "-20", "救助金额（元）应大于 0"),
    ("aid", "amount", "12.345", "救助金额（元）最多到分"),
    ("aid", "amount", "一千", "救助金额（元）应为金额"),
    ("aid", "amount", "1e+26", "太大，请核对"),  # more digits than quantize may give
    ("aid", "amount", "\u0663\u0660", "救助金额（元）应为金额"),  # Arabic-Indic digits: not ours
    ("aid", "aid_type", "慰问金", "救助类型“慰问金”不在可选范围内"),
    ("aid", "approver", "", "请填写审批机关"),
    ("aid", "grid_id", "没有这个网格", "没有叫“没有这个网格”的网格"),
]


def test_each_new_kind_saves_good_values(db):
    who = actor(db, "jiedai")
    for kind, raw in GOOD.items():
        with db.write() as s:
            rid = registers.add_record(s, who, kind, raw)
        with db.read() as s:
            values = registers.record_values(s, who, kind, rid)
        first = next(iter(raw))
        assert values[first] == raw[first], kind
        if "id_number" in raw:  # the form of a role that may see it has it whole
            assert values["id_number"] == raw["id_number"], kind


def test_bad_values_get_chinese_messages_naming_the_field(db):
    who = actor(db, "jiedai")
    for kind, key, value, words in BAD:
        with db.write() as s, pytest.raises(ValidationError) as err:
            registers.add_record(s, who, kind, dict(GOOD[kind], **{key: value}))
        assert words in err.value.fields.get(key, ""), (kind, key, err.value.fields)
    with db.read() as s:
        assert s.scalar(select(func.count()).select_from(AidRecord)) == 0


@pytest.mark.parametrize(
    ("typed", "kept"),
    [("１２３", "123.00"), ("￥１，５００．５０", "1500.50"), ("８８元", "88.00")],
)
def test_an_amount_typed_in_full_width_is_kept_as_its_digits(db, typed, kept):
    """A Chinese input method in 全角 mode types １２３ and ．: read as 123 and ., like the
    ID numbers and phones are."""
    who = actor(db, "jiedai")
    with db.write() as s:
        rid = registers.add_record(s, who, "aid", dict(GOOD["aid"], amount=typed))
    with db.read() as s:
        assert registers.record_values(s, who, "aid", rid)["amount"] == kept


def test_a_year_typed_in_full_width_reads_as_the_year():
    spec = next(f for f in registers.REGISTERS["safety"][1] if f.key == "year")
    assert registers.clean_value(spec, "２０２６", registers.Names({}, {}, {})) == 2026
    with pytest.raises(ValidationError, match="年度应为整数"):
        registers.clean_value(spec, "\u0662\u0660\u0662\u0666", registers.Names({}, {}, {}))


def test_a_grid_must_be_of_the_village(db):
    with db.write() as s:
        vil = {v.name: v.id for v in s.scalars(select(Village))}
        s.add(Grid(village_id=vil["中雁村"], code="ZY01", name="中雁一网格"))
    with db.write() as s, pytest.raises(ValidationError) as err:
        registers.add_record(s, actor(db, "jiedai"), "aid", dict(GOOD["aid"], grid_id="ZY01"))
    assert "这个网格不属于所填的村社区" in err.value.fields["grid_id"]
    with db.write() as s:
        raw = dict(GOOD["aid"], village_id="中雁村", grid_id="中雁一网格（ZY01）")
        rid = registers.add_record(s, actor(db, "jiedai"), "aid", raw)
    with db.read() as s:
        assert registers.record_values(s, actor(db, "jiedai"), "aid", rid)["grid_id"] == (
            "中雁一网格（ZY01）"
        )


def test_youth_register_out_to_xlsx_and_back_in(db, tmp_path):
    director = actor(db, "zhuren")
    with db.write() as s:
        registers.add_record(s, director, "youth", GOOD["youth"])
        registers.add_record(
            s,
            director,
            "youth",
            dict(GOOD["youth"], name="李小红", id_number=_id(104), category="农村留守儿童"),
        )
        _table, data = ledgers.export_ledger(s, director, "youth", None, "xlsx")
    sheet = load_workbook(io.BytesIO(data)).active
    assert [c.value for c in sheet[1]][:5] == ["姓名", "性别", "身份证号", "联系电话", "人员类别"]
    path = tmp_path / "青少年.xlsx"
    path.write_bytes(data)
    # The same rows again add nothing; into an empty register they come back whole.
    with db.write() as s:
        s.query(KeyYouth).delete()
    with db.write() as s:
        report = importing.import_sheet(s, director, "youth", path)
    assert report.imported == 2, report.lines()
    with db.read() as s:
        table = ledgers.build_ledger(s, director, "youth", LedgerFilter())
    assert sorted(r[0] for r in table.rows) == ["李小红", "陈小明"]
    assert {r[2] for r in table.rows} == {_id(101), _id(104)}
    with db.write() as s:
        assert importing.import_sheet(s, director, "youth", path).already == 2
    with db.read() as s:  # on a screen the numbers are masked
        shown = ledgers.build_ledger(s, director, "youth", LedgerFilter(), on_screen=True)
    assert all("*" in r[2] and "*" in r[8] for r in shown.rows)


def _aid_matter(db, category="求助"):
    with db.read() as s:
        cat = s.scalar(select(Category.id).where(Category.name == category))
        vil = s.scalar(select(Village.id).where(Village.name == "中雁村"))
    data = IntakeInput(
        channel="visit",
        visitors=[VisitorInput("王五", _id(31), village_id=vil)],
        category_id=cat,
        summary="家中失火，生活困难，申请救助",
    )
    with db.write() as s:
        return intake.register_matter(s, actor(db, "jiedai"), data, at=datetime(2026, 11, 1, 9)).id


def test_an_aid_record_made_from_a_help_matter(db):
    mid = _aid_matter(db)
    who = actor(db, "jiedai")
    with db.read() as s:
        values = aid.aid_defaults(s, who, mid)
    assert (values["name"], values["id_number"], values["village_id"]) == (
        "王五",
        _id(31),
        "中雁村",
    )
    with db.write() as s:
        rid = aid.add_for_matter(
            s, who, mid, dict(values, amount="2000.50", approver="白石街道办事处")
        )
    with db.read() as s:
        record = s.get(AidRecord, rid)
        assert (record.matter_id, record.amount) == (mid, Decimal("2000.50"))
        events = s.get(Matter, mid).events
        assert events[-1].kind == EventKind.AID
        assert "临时救助 2000.50 元" in events[-1].note
        (row,) = ledgers.build_ledger(s, who, "social_aid", LedgerFilter()).rows
        number = s.get(Matter, mid).number
    assert (row[0], row[1], row[6], row[10]) == ("临时救助", "王五", "2000.50", number)
    # The 求助 matters themselves stay in a ledger of their own.
    with db.read() as s:
        (m,) = ledgers.build_ledger(s, who, "aid_matters", LedgerFilter()).rows
    assert m[2] == "王五"


def test_only_help_matters_make_aid_records(db):
    mid = _aid_matter(db, "投诉")
    with db.write() as s, pytest.raises(ValidationError, match="只有“求助”类事项"):
        aid.add_for_matter(s, actor(db, "jiedai"), mid, GOOD["aid"])
    with db.read() as s:
        assert s.scalar(select(func.count()).select_from(AidRecord)) == 0
        assert not any(e.kind == EventKind.AID for e in s.get(Matter, mid).events)
    assert not aid.can_make_aid(actor(db, "jiedai"), "投诉")
    assert not aid.can_make_aid(actor(db, "zixun"), "求助")


def test_an_aid_sheet_links_rows_to_their_help_matters_by_number(db, tmp_path):
    """A 关联事项 (受理编号) column links the imported record to its 求助 matter (the number
    typed in lower case or full width too); a number that
    is no matter, or not a 求助 one, is named with its row and column."""
    from openpyxl import Workbook

    help_id, other_id = _aid_matter(db), _aid_matter(db, "投诉")
    with db.read() as s:
        help_no, other_no = (s.get(Matter, m).number for m in (help_id, other_id))
    labels = ["救助类型", "救助对象", "身份证号", "村社区", "救助金额", "审批机关", "审批日期"]
    good = ["临时救助", "王五", _id(31), "中雁村", "800", "白石街道办事处", "2026-11-05"]
    book = Workbook()
    sheet = book.active
    sheet.append([*labels, "受理编号"])
    # The number as typed in lower case and full width (ｂｓ２０２６－…) is the matter's.
    typed = "".join(chr(ord(c) + 0xFEE0) for c in help_no.lower())
    for number in (typed, "BS2026-X-999999", other_no):
        sheet.append([*good, number])
    path = tmp_path / "救助.xlsx"
    book.save(path)
    clerk = actor(db, "jiedai")
    with db.write() as s:
        report = importing.import_sheet(s, clerk, "aid", path)
    assert report.imported == 0 and [(p.row, p.column) for p in report.problems] == [
        (3, "关联事项"),
        (4, "关联事项"),
    ]
    assert "没有受理编号为“BS2026-X-999999”的事项" in report.problems[0].message
    assert "只有“求助”类事项" in report.problems[1].message
    with db.write() as s:
        report = importing.import_sheet(s, clerk, "aid", path, skip_invalid=True)
    assert report.imported == 1
    with db.read() as s:
        (record,) = s.scalars(select(AidRecord)).all()
        assert record.matter_id == help_id
        assert "导入社会救助：临时救助 800.00 元" in s.get(Matter, help_id).events[-1].note


def test_the_aid_ledger_sums_amounts_per_type(db):
    who = actor(db, "zhuren")
    with db.write() as s:
        for kind, amount in [("临时救助", "1500"), ("医疗救助", "3000.25"), ("临时救助", "800.5")]:
            registers.add_record(s, who, "aid", dict(GOOD["aid"], aid_type=kind, amount=amount))
        registers.add_record(
            s, who, "aid", dict(GOOD["aid"], amount="99", approved_on="2025-12-31")
        )
        table, data = ledgers.export_ledger(
            s, who, "social_aid", LedgerFilter(since=date(2026, 1, 1)), "xlsx"
        )
    assert [(t[0], t[1], t[6]) for t in table.totals] == [
        ("小计：临时救助", "2 人次", "2300.50"),
        ("小计：医疗救助", "1 人次", "3000.25"),
        ("合计", "3 人次", "5300.75"),
    ]
    rows = [[c.value for c in r] for r in load_workbook(io.BytesIO(data)).active.iter_rows()]
    assert rows[-1][0] == "合计" and rows[-1][6] == "5300.75"
    assert len(rows) == 1 + 3 + 1 + 3  # header, records, a blank row, the totals
