"""工作台账: each ledger's columns, its filters, register records, XLSX read back, PDF text."""

from __future__ import annotations

import io
from datetime import date, datetime

import pytest
from openpyxl import load_workbook
from pypdf import PdfReader
from sqlalchemy import func, select

from app.core.errors import PermissionDenied, ValidationError
from app.models import (
    AuditEntry,
    CaseRoom,
    DisputeType,
    PartyRole,
    SafetyKind,
    SafetyStatus,
    SpecialCategory,
    Unit,
    ViolenceRisk,
    WatchLevel,
)
from app.reports.ledger import display_width
from app.services.command import ledgers, registers, statistics
from app.services.command.ledgers import LedgerFilter
from app.services.rooms import mediation
from app.services.rooms.mediation import CaseInput, PartyInput
from tests.conftest import actor
from tests.services.test_statistics import TODAY, _id

COLUMNS = {
    "matters": "受理编号 受理时间 来源 类别 群众 村社区 事项摘要 承办单位 承办人 状态 办理期限 "
    "办结时间 办理结果 满意度 网格 上报网格员",
    "mediation": "案号 受理日期 调解室 纠纷类型 案件来源 当事人 村社区 案由 调解员 状态 协议 "
    "涉及金额（元） 结案日期 结果说明",
    "disputes": "编号 排查受理日期 来源 村社区 当事人 纠纷简要情况 类别 群体性（人数） "
    "化解责任单位 责任人 化解情况 化解日期 化解结果",
    "social_aid": "救助类型 救助对象 性别 身份证号 村社区 网格 救助金额（元） 审批机关 审批日期 "
    "经办单位 关联事项 备注",
    "aid_matters": "受理编号 受理日期 求助人 联系电话 村社区 求助事项 承办单位 状态 救助结果 "
    "办结日期",
    "migrants": "姓名 性别 身份证号 联系电话 户籍地 现住址 村社区 工作单位 来本地日期 居住证号 "
    "离开日期 责任单位 备注",
    "special": "姓名 性别 身份证号 联系电话 人员类别 村社区 现住址 风险等级 帮扶责任人 管控单位 "
    "列管日期 最近走访 帮扶管控措施 解除列管日期",
    "safety": "创建类型 创建对象 村社区 牵头单位 年度 创建状态 考评日期 备注",
    "youth": "姓名 性别 身份证号 联系电话 人员类别 村社区 现住址 监护人 监护人电话 就学就业 "
    "学校或单位 帮扶人 帮扶单位 列管日期 帮扶措施 解除日期",
    "campus": "学校名称 学校类别 村社区 安全负责人 联系电话 检查单位 检查日期 检查项目 发现问题 "
    "整改情况 整改措施 整改完成日期 备注",
    "lines": "线路名称 线路类别 管护路段 村社区 段长 段长电话 责任单位 巡查日期 隐患处置 "
    "风险隐患点 处置情况 备注",
    "drugs": "姓名 性别 身份证号 联系电话 人员类别 管控状态 村社区 现住址 帮教人 管控单位 "
    "执行开始日期 期满日期 最近尿检日期 尿检结果 帮教措施",
    "places": "场所名称 场所类型 地址 村社区 网格 负责人 联系电话 监管单位 最近检查 "
    "未整改问题 备注",
}


def test_every_ledger_the_notice_names_with_its_columns(db):
    choices = ledgers.list_ledgers(actor(db, "zhuren"))
    assert [c.title for c in choices] == [
        "事项台账",
        "调解台账",
        "矛盾排查化解台账",
        "社会救助台账",
        "求助事项台账",
        "流动人口服务管理台账",
        "特殊人群帮扶管控台账",
        "平安创建台账",
        "重点青少年帮扶台账",
        "校园及周边安全检查台账",
        "护路护线台账",
        "禁毒工作台账",
        "重点场所台账",
    ]
    for c in choices:
        assert c.columns == COLUMNS[c.code].split(), c.code
    # The window sees every ledger but the mediation one (case files stay with the mediators).
    assert "mediation" not in {c.code for c in ledgers.list_ledgers(actor(db, "jiedai"))}


def _rows(db, code, who="zhuren", **kw):
    with db.read() as s:
        return ledgers.build_ledger(s, actor(db, who), code, LedgerFilter(**kw)).rows


def test_matter_views_filter_by_period_village_and_unit(db, center):
    ids, vil, _cat, unit = center
    rows = _rows(db, "matters", since=date(2026, 11, 1), until=date(2026, 11, 30))
    assert [r[6] for r in rows] == ["事项C", "事项D", "事项F", "事项H", "事项J", "事项A", "事项B"]
    a = rows[-2]
    assert (a[2], a[3], a[4], a[5], a[7], a[9]) == (
        "来访",
        "投诉",
        "张𠮷",
        "白石村",
        "司法所",
        "已分流",
    )
    rows = _rows(db, "matters", since=date(2026, 1, 1), village_id=vil["中雁村"])
    assert [r[6] for r in rows] == ["事项G", "事项D", "事项J", "事项B"]
    g = rows[0]
    assert (g[11], g[12], g[13]) == ("2026-03-01 17:00", "已答复", "不满意")
    rows = _rows(db, "matters", unit_id=unit["司法所"])
    assert [r[6] for r in rows] == ["事项G", "事项C", "事项A"]

    disputes = _rows(db, "disputes", since=date(2026, 1, 1))
    assert [(r[5], r[7], r[10]) for r in disputes] == [
        ("事项D", "是（12人）", "化解中"),
        ("事项J", "是（8人）", "化解中"),
    ]
    aid = _rows(db, "aid_matters")
    assert [(r[2], r[5], r[7], r[8], r[9]) for r in aid] == [
        ("张𠮷", "事项E", "已反馈", "已协调", "2026-10-25")
    ]
    with db.read() as s, pytest.raises(ValidationError, match="结束日期不能早于开始日期"):
        ledgers.build_ledger(
            s, actor(db, "zhuren"), "matters", LedgerFilter(date(2026, 2, 1), date(2026, 1, 1))
        )
    with db.read() as s, pytest.raises(ValidationError, match="没有“nope”这本台账"):
        ledgers.build_ledger(s, actor(db, "zhuren"), "nope")


def _case(db, matter_id, risk):
    with db.write() as s:
        data = CaseInput(
            room=CaseRoom.FAMILY,
            dispute_type=DisputeType.MARRIAGE_FAMILY,
            facts="夫妻因家务争吵，女方称曾被推搡。",
            parties=[
                PartyInput(PartyRole.APPLICANT, "李𠮷"),
                PartyInput(PartyRole.RESPONDENT, "赵某"),
            ],
            violence_risk=risk,
            relationship="夫妻",
        )
        return mediation.open_case(s, actor(db, "tiaojie"), data, at=datetime(2026, 11, 4, 10))


def test_mediation_ledger_and_violence_risk_from_family_cases(db, center):
    ids, *_ = center
    ref = _case(db, None, ViolenceRisk.HIGH)
    rows = _rows(db, "mediation", since=date(2026, 11, 1), until=date(2026, 11, 30))
    assert len(rows) == 1
    r = rows[0]
    assert (r[0], r[2], r[3], r[5], r[8]) == (
        ref.number,
        "家事调解室",
        "婚姻家庭",
        "李𠮷、赵某",
        "王调解",
    )
    with db.read() as s:
        unit = s.scalar(select(Unit.id).where(Unit.name == "家事调解室"))
        other = s.scalar(select(Unit.id).where(Unit.name == "司法所"))
    assert len(_rows(db, "mediation", unit_id=unit)) == 1
    assert _rows(db, "mediation", unit_id=other) == []
    with db.read() as s, pytest.raises(PermissionDenied):
        ledgers.build_ledger(s, actor(db, "jiedai"), "mediation")
    # The command room sees the risk, and the matter behind it, not the case file.
    with db.read() as s:
        dash = statistics.dashboard(s, actor(db, "zhuren"), today=TODAY)
        risk = next(x for x in dash.risks if x.kind == "家暴风险")
        behind = statistics.matter_ids_for(s, actor(db, "zhuren"), risk.key, today=TODAY)
    assert risk.text == "家事调解室在办案件 1 件有家暴风险（高 1 件、低 0 件）"
    assert len(behind) == 1


@pytest.fixture
def registers_filled(db):
    who = actor(db, "jiedai")
    with db.write() as s:
        registers.add_record(
            s,
            who,
            "migrants",
            {
                "name": "𪚥明",
                "id_number": "11010519491231002x",
                "phone": "13812345678",
                "origin": "贵州省毕节市",
                "village_id": "白石村",
                "address": "白石村工业区3号",
                "employer": "乐清某电器厂",
                "arrived_on": "2026/3/5",
                "unit_id": "派出所",
            },
        )
        registers.add_record(
            s,
            who,
            "migrants",
            {
                "name": "周一",
                "origin": "江西省上饶市",
                "address": "中雁村",
                "arrived_on": "2025-01-02",
                "left_on": "2025-12-31",
            },
        )
        registers.add_record(
            s,
            who,
            "special",
            {
                "name": "吴二",
                "id_number": _id(71),
                "category": "社区矫正",
                "risk_level": "中",
                "helper": "司法所 王某",
                "listed_on": date(2026, 2, 1),
                "village_id": "山马社区",
            },
        )
        registers.add_record(
            s,
            who,
            "safety",
            {"kind": "平安村", "name": "白石村", "year": "2026", "status": "已达标"},
        )


def test_register_records_and_their_ledgers(db, registers_filled):
    rows = _rows(db, "migrants", since=date(2026, 1, 1), until=date(2026, 12, 31))
    assert len(rows) == 1  # 周一 left at the end of 2025
    m = rows[0]
    assert m[:4] == ("𪚥明", "女", "11010519491231002X", "13812345678")
    assert (m[6], m[8], m[11]) == ("白石村", "2026-03-05", "派出所")
    assert len(_rows(db, "migrants")) == 2
    (sp,) = _rows(db, "special")
    assert (sp[0], sp[4], sp[5], sp[7], sp[10]) == (
        "吴二",
        "社区矫正",
        "山马社区",
        "中",
        "2026-02-01",
    )
    (sf,) = _rows(db, "safety", since=date(2026, 1, 1), until=date(2026, 12, 31))
    assert sf[:6] == ("平安村", "白石村", "", "", "2026", "已达标")
    assert _rows(db, "safety", since=date(2027, 1, 1)) == []
    assert SpecialCategory.MENTAL.label == "严重精神障碍患者"
    assert {k.label for k in SafetyKind} == {
        "平安村",
        "平安家庭",
        "平安单位",
        "平安企业",
        "平安市场",
    }
    assert WatchLevel.HIGH.label == "高" and SafetyStatus.PASSED.label == "已达标"


def test_a_bad_record_names_every_field_and_saves_nothing(db):
    with db.write() as s, pytest.raises(ValidationError) as err:
        registers.add_record(
            s,
            actor(db, "jiedai"),
            "migrants",
            {
                "name": "张3",
                "id_number": "110105194912310021",
                "origin": "",
                "address": "某地",
                "arrived_on": "2026-02-30",
                "village_id": "不存在村",
            },
        )
    f = err.value.fields
    assert "数字" in f["name"] and "校验位" in f["id_number"] and "户籍地" in f["origin"]
    assert "不存在" in f["arrived_on"] and "不存在村" in f["village_id"]
    assert _rows(db, "migrants") == []
    with db.write() as s, pytest.raises(ValidationError, match="离开日期不能早于来本地日期"):
        registers.add_record(
            s,
            actor(db, "jiedai"),
            "migrants",
            {
                "name": "王五",
                "origin": "甲",
                "address": "乙",
                "arrived_on": "2026-05-01",
                "left_on": "2026-04-01",
            },
        )
    with db.write() as s, pytest.raises(PermissionDenied):
        registers.add_record(s, actor(db, "zixun"), "safety", {})


def test_xlsx_read_back_with_openpyxl(db, center, tmp_path):
    with db.write() as s:
        table, data = ledgers.export_ledger(
            s, actor(db, "zhuren"), "matters", LedgerFilter(since=date(2026, 1, 1)), "xlsx"
        )
    path = tmp_path / "事项台账.xlsx"
    path.write_bytes(data)
    wb = load_workbook(path)
    ws = wb.active
    assert ws.title == "事项台账" and ws.freeze_panes == "A2"
    header = [c.value for c in ws[1]]
    assert header == COLUMNS["matters"].split()
    assert all(c.font.b for c in ws[1]) and ws["A1"].fill.fgColor.rgb.endswith("1F4E79")
    body = [[c.value or "" for c in row] for row in ws.iter_rows(min_row=2)]
    assert body == [list(r) for r in table.rows] and len(body) == 9  # I is last year
    assert "张𠮷" in {r[4] for r in body}
    for i, name in enumerate(header):  # wide enough for the Chinese header and its values
        width = ws.column_dimensions[chr(ord("A") + i)].width
        longest = max(display_width(str(v)) for v in [name] + [r[i] for r in body])
        assert width >= min(longest, 60), name
    with db.read() as s:
        event, who, reason = s.execute(
            select(AuditEntry.event, AuditEntry.username, AuditEntry.reason).order_by(
                AuditEntry.seq.desc()
            )
        ).first()
    assert (event, who) == ("export_ledger", "zhuren") and "事项台账，9 行，XLSX" in reason
    assert "张" not in reason  # who exported what, never the names themselves


def test_pdf_shows_title_and_rows(db, registers_filled):
    with db.write() as s:
        _table, data = ledgers.export_ledger(
            s, actor(db, "zhuren"), "migrants", LedgerFilter(), "pdf"
        )
    reader = PdfReader(io.BytesIO(data))
    page = reader.pages[0]
    assert page.mediabox.width > page.mediabox.height  # landscape
    text = "".join(p.extract_text() for p in reader.pages).replace("\n", "")
    assert "白石街道综治工作中心流动人口服务管理台账" in text
    assert "贵州省毕节市" in text and "共 2 条" in text
    with db.write() as s, pytest.raises(ValidationError, match="xlsx 或 pdf"):
        ledgers.export_ledger(s, actor(db, "zhuren"), "migrants", None, "doc")


def test_a_register_record_is_corrected_with_an_audit_row(db, registers_filled):
    with db.read() as s:
        table = ledgers.build_ledger(s, actor(db, "jiedai"), "migrants", LedgerFilter())
    assert len(table.ids) == len(table.rows) == 2  # each row's record, for editing
    rid = table.ids[table.rows.index(next(r for r in table.rows if r[0] == "𪚥明"))]
    with db.read() as s:
        values = registers.record_values(s, actor(db, "jiedai"), "migrants", rid)
    assert values["id_number"] == "11010519491231002X" and values["village_id"] == "白石村"
    assert values["arrived_on"] == date(2026, 3, 5) and values["left_on"] is None
    assert values["unit_id"] == "派出所" and values["permit_no"] == ""

    bad = dict(values, id_number="110105194912310021", left_on="2026-01-01")
    with db.write() as s, pytest.raises(ValidationError) as err:
        registers.update_record(s, actor(db, "jiedai"), "migrants", rid, bad)
    assert "校验位" in err.value.fields["id_number"]
    good = dict(values, phone="13900001111", left_on="2026-11-20", village_id="中雁村")
    with db.write() as s:
        changed = registers.update_record(s, actor(db, "jiedai"), "migrants", rid, good)
    assert changed == ["联系电话", "村社区", "离开日期"]
    with db.read() as s:
        event, reason, object_id = s.execute(
            select(AuditEntry.event, AuditEntry.reason, AuditEntry.object_id).order_by(
                AuditEntry.seq.desc()
            )
        ).first()
    assert (event, object_id) == ("register_update_migrants", str(rid))
    assert reason == "修改：联系电话、村社区、离开日期" and "139" not in reason
    (row,) = [r for r in _rows(db, "migrants") if r[0] == "𪚥明"]
    assert (row[3], row[6], row[10]) == ("13900001111", "中雁村", "2026-11-20")
    with db.write() as s:  # nothing changed: no audit row
        assert registers.update_record(s, actor(db, "jiedai"), "migrants", rid, good) == []
    with db.write() as s, pytest.raises(PermissionDenied):
        registers.update_record(s, actor(db, "zixun"), "migrants", rid, good)
    with db.read() as s, pytest.raises(registers.NotFound):
        registers.record_values(s, actor(db, "jiedai"), "special", rid)


def test_a_cancelled_export_leaves_no_audit_row(db, registers_filled):
    with db.read() as s:
        before = s.scalar(select(func.count()).select_from(AuditEntry))
    with pytest.raises(ledgers.ExportCancelled, match="已取消导出"), db.write() as s:
        ledgers.export_ledger(
            s, actor(db, "zhuren"), "migrants", None, "xlsx", progress=lambda d, t: False
        )
    with db.read() as s:
        assert s.scalar(select(func.count()).select_from(AuditEntry)) == before


@pytest.mark.parametrize("code", ["migrants", "special"])
def test_register_lists_mask_numbers_on_screen_and_forms_show_them_whole(
    db, registers_filled, code
):
    with db.read() as s:
        screen = ledgers.build_ledger(s, actor(db, "zhuren"), code, LedgerFilter(), on_screen=True)
        export = ledgers.build_ledger(s, actor(db, "zhuren"), code, LedgerFilter())
    ids = [r[2] for r in screen.rows if r[2]]
    assert ids and all("*" in v for v in ids)  # 身份证号 masked in the list
    assert all("*" not in r[2] for r in export.rows if r[2])  # the export, for this role, whole
    phones = [r[3] for r in screen.rows if r[3]]
    assert all(p.count("*") == 4 for p in phones)
    with db.read() as s:
        values = registers.record_values(s, actor(db, "zhuren"), code, screen.ids[0])
    assert "*" not in values["id_number"]


def test_a_role_without_personal_data_sees_a_masked_form_and_saving_keeps_the_numbers(
    db, registers_filled, monkeypatch
):
    from app.models import Role
    from app.services.security import permissions

    with db.read() as s:
        table = ledgers.build_ledger(s, actor(db, "jiedai"), "migrants", LedgerFilter())
    rid = table.ids[[r[0] for r in table.rows].index("𪚥明")]
    monkeypatch.setitem(
        permissions.PERMISSIONS,
        permissions.Action.VIEW_PERSONAL_DATA,
        frozenset({Role.MEDIATOR, Role.DIRECTOR}),
    )
    with db.read() as s:
        values = registers.record_values(s, actor(db, "jiedai"), "migrants", rid)
    assert (values["id_number"], values["phone"]) == ("110105********002X", "138****5678")
    with db.write() as s:  # given back unchanged: the stored numbers stay
        changed = registers.update_record(
            s, actor(db, "jiedai"), "migrants", rid, dict(values, origin="贵州省遵义市")
        )
    assert changed == ["户籍地"]
    (row,) = [r for r in _rows(db, "migrants") if r[0] == "𪚥明"]
    assert row[2:4] == ("11010519491231002X", "13812345678")
