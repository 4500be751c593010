"""统计报表 for superiors: each table counted against a small hand-made center (made on
2027-02-03, for January 2027 and for the first quarter).

Matters (all received in January unless said):
  D1 矛盾纠纷 白石村 主动排查, 群体性, with a 邻里 case that succeeded (written agreement, 1,200 元)
  D2 矛盾纠纷 中雁村, open, past its deadline
  D3 家事纠纷 白石村, 不予受理
  D4 矛盾纠纷 白石村, received in December: outside the period
  P1 信访事项 来访 白石村, group of 5, done, 满意
  P2 信访事项 来信 中雁村, open (not overdue)
  P3 信访事项 来访 中雁村, 转上级/移送
  Q1 咨询 (neither table)
Cases (accepted in January): the 邻里 case of D1 (申请调解, succeeded), a 婚姻家庭 case found
directly (主动调解, failed), a 邻里 case (委托移送, archived after a transfer), a 合同 case
(申请调解, open, 5,000 元 disputed: not counted as an agreement amount).
"""

from __future__ import annotations

import io
from datetime import date, datetime

import pytest
from openpyxl import load_workbook
from pypdf import PdfReader
from sqlalchemy import select

from app.core.errors import PermissionDenied, ValidationError
from app.models import (
    Agreement,
    AgreementKind,
    AgreementStatus,
    AuditEntry,
    CaseRoom,
    CaseSource,
    CaseStatus,
    Category,
    Channel,
    DisputeType,
    Matter,
    MatterStatus,
    MediationCase,
    PartyRole,
    Satisfaction,
    TransferBody,
    Village,
)
from app.services.command import superior_stats
from app.services.command.superior_stats import StatsFilter
from app.services.reception import intake
from app.services.reception.intake import IntakeInput, VisitorInput
from app.services.rooms import mediation
from app.services.rooms.mediation import CaseInput, PartyInput
from tests.conftest import actor
from tests.services.test_statistics import _id

JAN = StatsFilter(date(2027, 1, 1), date(2027, 1, 31))


@pytest.fixture
def stats_center(db, clock):
    clock.freeze("2027-02-03 09:00")
    jiedai, tiaojie = actor(db, "jiedai"), actor(db, "tiaojie")
    with db.read() as s:
        cat = {c.name: c.id for c in s.scalars(select(Category))}
        vil = {v.name: v.id for v in s.scalars(select(Village))}
    ids = {}

    def reg(name, at, category, village, channel=Channel.VISIT, group=None, **fields):
        data = IntakeInput(
            channel=channel,
            visitors=[
                VisitorInput(
                    "张三李四王五赵六钱七孙八周九吴十"[len(ids)] + "某",
                    _id(len(ids) + 1),
                    village_id=vil[village],
                )
            ],
            category_id=cat[category],
            summary=f"事项{name}",
            is_group=group is not None,
            head_count=group,
        )
        with db.write() as s:
            mid = intake.register_matter(s, jiedai, data, at=at).id
            m = s.get(Matter, mid)
            for k, v in fields.items():
                setattr(m, k, v)
        ids[name] = mid

    jan = datetime(2027, 1, 10, 9)
    reg("D1", jan, "矛盾纠纷", "白石村", Channel.INSPECTION, group=6)
    reg("D2", jan, "矛盾纠纷", "中雁村", status=MatterStatus.ROUTED, deadline=date(2027, 1, 20))
    reg("D3", jan, "家事纠纷", "白石村", status=MatterStatus.REJECTED)
    reg("D4", datetime(2026, 12, 20, 9), "矛盾纠纷", "白石村")
    reg("P1", jan, "信访事项", "白石村", group=5, status=MatterStatus.DONE, result="已答复",
        satisfaction=Satisfaction.SATISFIED)  # fmt: skip
    reg("P2", jan, "信访事项", "中雁村", Channel.LETTER, status=MatterStatus.ROUTED,
        deadline=date(2027, 3, 1))  # fmt: skip
    reg("P3", jan, "信访事项", "中雁村", status=MatterStatus.TRANSFERRED)
    reg("Q1", jan, "咨询", "白石村")

    def case(dtype, source, matter=None, room=CaseRoom.GENERAL, amount=None):
        data = CaseInput(
            room=room,
            dispute_type=dtype,
            facts="纠纷经过",
            parties=[PartyInput(PartyRole.APPLICANT, "甲"), PartyInput(PartyRole.RESPONDENT, "乙")],
            source=source,
            referred_by="派出所" if source == CaseSource.REFERRED else "",
            amount=amount,
            relationship="夫妻" if room == CaseRoom.FAMILY else "",
        )
        with db.write() as s:
            return mediation.open_case(
                s, tiaojie, data, matter_id=matter, at=datetime(2027, 1, 12, 10)
            ).id

    c1 = case(DisputeType.NEIGHBOUR, CaseSource.APPLIED, ids["D1"], amount="1200")
    c2 = case(DisputeType.MARRIAGE_FAMILY, CaseSource.OWN_INITIATIVE, room=CaseRoom.FAMILY)
    c3 = case(DisputeType.NEIGHBOUR, CaseSource.REFERRED)
    case(DisputeType.CONTRACT, CaseSource.APPLIED, amount="5000")
    with db.write() as s:
        c = s.get(MediationCase, c1)
        c.status = CaseStatus.SUCCEEDED
        s.add(
            Agreement(
                case_id=c1,
                number="X1",
                kind=AgreementKind.WRITTEN,
                status=AgreementStatus.SIGNED,
                signed_on=date(2027, 1, 15),
            )
        )
        m = s.get(Matter, ids["D1"])
        m.status, m.result = MatterStatus.DONE, "调解成功"
        s.get(MediationCase, c2).status = CaseStatus.FAILED
        c = s.get(MediationCase, c3)
        c.status, c.transfer_body = CaseStatus.ARCHIVED, TransferBody.COURT
    return ids, vil


def _sheet(db, code, f=JAN, who="zhuren"):
    with db.read() as s:
        return superior_stats.build_sheet(s, actor(db, who), code, f)


def _row(sheet, label):
    return next(r for r in sheet.rows if r[0] == label)


def test_disputes_table_by_dispute_type(db, stats_center):
    sheet = _sheet(db, "disputes")
    assert [c.title for c in sheet.columns][:6] == [
        "纠纷类型", "排查受理（件）", "其中主动排查", "其中群体性", "化解成功（件）", "化解成功率",
    ]  # fmt: skip
    # Sixteen dispute types of §5, then the matters without a case.
    assert [r[0] for r in sheet.rows] == [t.label for t in DisputeType] + ["未立调解案件"]
    # D1 (邻里 case): received, inspected, group, resolved; and c3, found directly, whose
    # case registered a matter of its own (still open, not yet due).
    assert _row(sheet, "邻里") == ["邻里", 2, 1, 1, 1, 0.5, 1, 0, 0]
    assert _row(sheet, "婚姻家庭")[1] == 1 and _row(sheet, "合同")[1] == 1
    # D2 (open, overdue) and D3 (不予受理); D4 (December) and the 信访 and 咨询 matters not.
    assert _row(sheet, "未立调解案件") == ["未立调解案件", 2, 0, 0, 0, 0.0, 1, 1, 1]
    total = sheet.total
    assert total[0] == "合计"
    assert total[1] == sum(r[1] for r in sheet.rows)
    assert total[4] == 1 and total[5] == pytest.approx(1 / total[1])
    # A village filter: only 中雁村's D2.
    with db.read() as s:
        vil = s.scalar(select(Village.id).where(Village.name == "中雁村"))
    sheet = _sheet(db, "disputes", StatsFilter(JAN.since, JAN.until, village_id=vil))
    assert sheet.total[1] == 1 and sheet.filters == "村社区：中雁村"


def test_petitions_table_by_channel(db, stats_center):
    sheet = _sheet(db, "petitions")
    assert [r[0] for r in sheet.rows] == [c.label for c in Channel]
    # P1 (group of 5, done, 满意) and P3 (移送) came in by visit.
    assert _row(sheet, "来访") == ["来访", 2, 6, 1, 1, 0.5, 0, 0, 0, 1, 1]
    assert _row(sheet, "来信") == ["来信", 1, 1, 0, 0, 0.0, 1, 0, 0, 0, 0]
    assert sheet.total == ["合计", 3, 7, 1, 1, pytest.approx(1 / 3), 1, 0, 0, 1, 1]
    assert _row(sheet, "来电")[5] is None  # nothing received: no rate ("—")


def test_mediation_table_by_type_source_outcome_and_amount(db, stats_center):
    sheet = _sheet(db, "mediation", StatsFilter(date(2027, 1, 1), date(2027, 3, 31)))
    neighbour = _row(sheet, "邻里")
    # two cases: c1 applied & succeeded (written, 1,200), c3 referred & transferred.
    assert neighbour == ["邻里", 2, 1, 0, 1, 1, 0, 1, 0, 0.5, 1, 0, 1200.0]
    assert _row(sheet, "婚姻家庭") == ["婚姻家庭", 1, 0, 1, 0, 0, 1, 0, 0, 0.0, 0, 0, 0.0]
    assert _row(sheet, "合同") == ["合同", 1, 1, 0, 0, 0, 0, 0, 1, None, 0, 0, 0.0]
    assert sheet.total == ["合计", 4, 2, 1, 1, 1, 1, 1, 1, pytest.approx(1 / 3), 1, 0, 1200.0]
    # December is outside the quarter.
    sheet = _sheet(db, "mediation", StatsFilter(date(2026, 10, 1), date(2026, 12, 31)))
    assert sheet.total[1] == 0


def test_rights_bad_period_and_unknown_table(db, stats_center):
    with pytest.raises(PermissionDenied):
        _sheet(db, "disputes", who="jiedai")
    with pytest.raises(ValidationError, match="结束日期不能早于开始日期"):
        _sheet(db, "disputes", StatsFilter(date(2027, 2, 1), date(2027, 1, 1)))
    with pytest.raises(ValidationError, match="没有“nope”这张统计表"):
        _sheet(db, "nope")


def test_default_periods():
    assert superior_stats.default_period("disputes", date(2027, 2, 3)) == (
        date(2027, 1, 1),
        date(2027, 1, 31),
    )
    assert superior_stats.default_period("mediation", date(2027, 2, 3)) == (
        date(2026, 10, 1),
        date(2026, 12, 31),
    )
    assert superior_stats.default_period("mediation", date(2027, 5, 3)) == (
        date(2027, 1, 1),
        date(2027, 3, 31),
    )


def test_export_xlsx_and_pdf_are_audited(db, stats_center):
    zhuren = actor(db, "zhuren")
    with db.write() as s:
        sheet, data = superior_stats.export_sheet(s, zhuren, "petitions", JAN, "xlsx")
    ws = load_workbook(io.BytesIO(data)).active
    values = [[c.value for c in row] for row in ws.iter_rows()]
    assert values[0][0] == "信访事项情况统计表"
    header = values.index([c.title for c in sheet.columns])
    assert values[header + 1][:3] == ["来访", 2, 6]
    assert ws.cell(header + 2, 6).number_format == "0.0%"
    assert values[header + 1 + len(Channel)][0] == "合计"
    with db.write() as s:
        _sheet_, pdf = superior_stats.export_sheet(s, zhuren, "mediation", JAN, "pdf")
    text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf)).pages)
    assert "人民调解案件情况统计表" in text and "1,200.00" in text
    with db.read() as s:
        reasons = list(
            s.scalars(select(AuditEntry.reason).where(AuditEntry.event == "export_stats"))
        )
    assert len(reasons) == 2 and "XLSX" in reasons[0] and "PDF" in reasons[1]
