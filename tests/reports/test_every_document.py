"""Every printed document, rendered with realistic data and read back line by line: Chinese
line-breaking rules hold (no line starts with "：", "）", "，" or "。", none ends with "（"),
and a form's labels each stay on one line."""

from __future__ import annotations

import io
from datetime import date, datetime

import pytest
from pypdf import PdfReader

from app.models import AgreementKind, PartyKind, PartyRole
from app.reports.ledger import LedgerTable, render_ledger_pdf
from app.reports.mediation import AgreementData, PartyData, render_agreement
from app.reports.minutes import render_minutes
from app.reports.receipt import render_receipt
from app.reports.recovery_key import RecoveryKeyData, render_recovery_key
from app.reports.referral import ReferralData, ReferralSession, render_referral
from app.reports.supervision import SupervisionData, render_supervision
from app.services.rooms import mediation
from app.services.rooms.mediation import Document, PartyInput
from tests.conftest import actor
from tests.reports.test_mediation_documents import make_case, pdf
from tests.reports.test_minutes import minutes
from tests.reports.test_receipt import sample
from tests.services.test_mediation import T0, family, neighbours, terms

CANNOT_START = "：）)，。、；！？”》"
CANNOT_END = "（(“《"
LONG = (
    "雨天积水顺着被堵塞的排水沟流进申请人院子，墙脚被泡坏（约三米），"
    "双方多次协商未果（村调委会曾于2026年10月组织调解），申请人请求：清理杂物、疏通排水沟，"
    "并赔偿损失（含修缮费用）3000元。"
)


def lines(data: bytes) -> list[str]:
    out = []
    for page in PdfReader(io.BytesIO(data)).pages:
        out += [line.strip() for line in page.extract_text().splitlines() if line.strip()]
    return out


def broken(data: bytes) -> list[str]:
    return [
        line
        for line in lines(data)
        if line[0] in CANNOT_START or line[-1] in CANNOT_END or line in ("：", "项")
    ]


def people() -> list[PartyData]:
    return [
        PartyData("申请人", "王𠮷", sex="男", age=56, phone="13812345678", address="白石村1号"),
        PartyData("被申请人", "乐清市某某五金制品有限公司", is_person=False, address="白石工业区"),
    ]


def agreement(oral: bool) -> bytes:
    return render_agreement(
        AgreementData(
            center_name="白石街道综治工作中心",
            committee="白石街道人民调解委员会",
            number="BSTJXY2026-A-0002",
            version=1,
            oral=oral,
            status="已签署生效",
            parties=people(),
            facts=LONG,
            terms=[LONG, "被申请人于2026年11月10日前（含当日）清理杂物。"],
            performance_deadline=date(2026, 11, 10),
            signed_on=date(2026, 11, 5),
            mediators=["王调解", "陈国平"],
        )
    )


STANDALONE = {
    "receipt": lambda: render_receipt(sample(summary=LONG, route=LONG)),
    "minutes": lambda: render_minutes(minutes(situation=LONG * 3)),
    "oral agreement": lambda: agreement(True),
    "written agreement": lambda: agreement(False),
    "supervision": lambda: render_supervision(
        SupervisionData(
            center_name="白石街道综治工作中心",
            number="BSDB2026-A-0003",
            matter_number="BS2026-A-000123",
            received_at=datetime(2026, 11, 5, 9, 7),
            category="矛盾纠纷",
            persons="王𠮷、李四",
            summary=LONG,
            status="办理中",
            deadline=date(2026, 12, 5),
            unit="白石街道司法所",
            requirement=LONG,
            reply_by=date(2026, 11, 20),
            issued_by="周主任",
            issued_at=datetime(2026, 11, 16, 10),
        )
    ),
    "referral": lambda: render_referral(
        ReferralData(
            center_name="白石街道综治工作中心",
            center_phone="0577-61234567",
            client_label="小林（化名）",
            to_body="乐清市第三人民医院心理科",
            reason=LONG,
            summary=LONG,
            risk_level="中",
            consent="书面同意",
            consent_on=date(2026, 11, 20),
            counsellor="周静",
            printed_at=datetime(2026, 11, 25, 10, 0),
            reference="AB12CD34",
            sessions=[ReferralSession(date(2026, 11, 18), "个体咨询", 50, LONG)],
        )
    ),
    "recovery key": lambda: render_recovery_key(
        RecoveryKeyData(
            "白石街道综治工作中心",
            "6A7IM-ZJ7ZE-EOFL4-GXKQU-N6T34-FYBPV-WJXBC-WILKB-2Z6UP-TLMEB-4WSYY",
            "E881-E262-DB69-35CB",
            datetime(2026, 11, 25, 9),
        )
    ),
    "ledger": lambda: render_ledger_pdf(
        LedgerTable(
            "矛盾纠纷排查化解台账",
            "白石街道综治工作中心",
            [("编号", 16), ("摘要", 40), ("承办单位", 10)],
            [("BS2026-A-000123", LONG, "司法所（派驻）")] * 3,
        )
    ),
}


@pytest.mark.parametrize("name", list(STANDALONE))
def test_line_breaking_in(name):
    assert not broken(STANDALONE[name]()), name


def test_line_breaking_in_the_mediation_documents(db):
    ref, sid, a, fid = make_case(db)
    m = actor(db, "tiaojie")
    with db.write() as s:
        fam = mediation.open_case(s, m, family(db, requests=LONG), at=T0)
        long_case = mediation.open_case(
            s,
            m,
            neighbours(
                db,
                facts=LONG,
                requests=LONG,
                parties=[
                    PartyInput(PartyRole.APPLICANT, "王𠮷", sex="男", age=56, phone="13812345678"),
                    PartyInput(
                        PartyRole.RESPONDENT,
                        "乐清市某某五金制品有限公司",
                        PartyKind.ORGANISATION,
                        representative="林志强",
                    ),
                ],
            ),
            at=T0,
        )
        oral = mediation.save_agreement(
            s, m, long_case.id, terms(kind=AgreementKind.ORAL, facts=LONG, performance_method="")
        )
    documents = [
        (Document.APPLICATION, ref.id),
        (Document.REGISTRATION, ref.id),
        (Document.RECORD, sid),
        (Document.AGREEMENT, a.id),
        (Document.FOLLOWUP, fid),
        (Document.CASEFILE, ref.id),
        (Document.REGISTRATION, fam.id),
        (Document.APPLICATION, long_case.id),
        (Document.REGISTRATION, long_case.id),
        (Document.AGREEMENT, oral.id),
    ]
    for document, object_id in documents:
        _title, data = pdf(db, document, object_id)
        assert not broken(data), (document, broken(data))
        text = lines(data)
        if document is Document.REGISTRATION:  # the label column is wide enough
            assert any(line.startswith("当事人申请事项") for line in text)
    _title, data = pdf(db, Document.AGREEMENT, oral.id)
    assert any("登记人（人民调解员）（签名、盖章或按指印）：" in line for line in lines(data))


@pytest.mark.parametrize("title", ["受理告知书", "处理意见书", "复查意见书"])
def test_a_notice_names_itself_where_it_says_who_keeps_it(title):
    from app.reports.notice import NoticeData, render

    data = NoticeData(
        center_name="白石街道综治工作中心",
        title=title,
        number="BS-2027-000123",
        addressee="林玉梅",
        rows=[("事项", "反映小区物业收费问题")],
        text=["经研究，意见如下。"],
        issued_on=date(2027, 1, 5),
    )
    text = "".join(lines(render(data)))
    assert f"本{title}由群众收执" in text
    assert "本告知书" not in text  # an opinion is not called a 告知书
