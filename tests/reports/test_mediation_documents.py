"""Each printed mediation document, read back as text the way a reader (or a court) sees it."""

from __future__ import annotations

import io
import re
from datetime import date, datetime, timedelta

import pytest
from pypdf import PdfReader
from sqlalchemy import select

from app.models import (
    AgreementKind,
    CaseParty,
    FollowUpMethod,
    Performance,
    ProtectionKind,
    Satisfaction,
)
from app.services.rooms import mediation
from app.services.rooms.mediation import Document, FollowUpInput, RecordInput, StatementInput
from tests.conftest import actor
from tests.services.test_mediation import T0, family, neighbours, terms


def text_of(pdf: bytes) -> tuple[str, int]:
    pages = PdfReader(io.BytesIO(pdf)).pages
    # Paragraphs are joined; the two-character indent that starts one reads as a space.
    return re.sub(r"\n\s*", "", "\n".join(p.extract_text() for p in pages)), len(pages)


@pytest.fixture
def case(db):
    return make_case(db)


def make_case(db):
    """A neighbours' dispute taken from intake to an archived file."""
    m = actor(db, "tiaojie")
    with db.write() as s:
        ref = mediation.open_case(s, m, neighbours(db), at=T0)
        sid = mediation.save_record(
            s,
            m,
            ref.id,
            RecordInput(
                at=T0 + timedelta(days=1, hours=5),
                place="中心一楼调解室",
                attendees="王𠮷、李四、王调解",
                recorder="王调解",
                rights_told=True,
                statements=[
                    StatementInput("王𠮷", "雨天积水流进院子，墙脚泡坏了。"),
                    StatementInput("李四", "杂物是临时堆的，愿意清理。"),
                ],
                facts_checked="排水沟被杂物堵塞约三米。",
                risks_warned="告知双方不得采取过激行为。",
                result="双方同意清理并赔偿。",
                next_step="起草调解协议书。",
            ),
        )
        a = mediation.save_agreement(s, m, ref.id, terms())
        mediation.sign_agreement(s, m, a.id, date(2026, 11, 5), at=datetime(2026, 11, 5, 16))
        mediation.record_confirmation(s, m, ref.id, date(2026, 11, 9), "乐清市人民法院")
        fid = mediation.record_followup(
            s,
            m,
            ref.id,
            FollowUpInput(
                date(2026, 11, 12),
                FollowUpMethod.HOME,
                "王𠮷",
                Performance.DONE,
                Satisfaction.SATISFIED,
                measures="无需其他措施",
            ),
            today=date(2026, 11, 12),
        )
        mediation.archive_case(s, m, ref.id, "长期", at=datetime(2026, 11, 20, 10))
    return ref, sid, a, fid


def pdf(db, document, object_id):
    with db.write() as s:
        return mediation.document_pdf(s, actor(db, "tiaojie"), document, object_id)


def test_application(db, case):
    ref, *_ = case
    _title, data = pdf(db, Document.APPLICATION, ref.id)
    text, _n = text_of(data)
    for expected in (
        "白石街道人民调解委员会",
        "人民调解申请书",
        "申请人：王𠮷，男，56岁",
        "联系电话：138****5678",  # masked on an application copy
        "被申请人：李四，男，48岁，住址：白石村2号",
        "申请事项：",
        "1. 被申请人疏通排水沟；",
        "事实和理由：",
        "争议金额：3,000元。",
        "申请人自愿申请白石街道人民调解委员会进行调解",
        "申请人 王𠮷（签名、盖章或按指印）：",
    ):
        assert expected in text, expected


def test_registration_form(db, case):
    ref, *_ = case
    text, _n = text_of(pdf(db, Document.REGISTRATION, ref.id)[1])
    # Headed by the committee whose seal it carries; one mediator needs no "主调解员" note.
    assert text.startswith("白石街道人民调解委员会人民调解受理登记表")
    assert "第一位为主调解员" not in text
    for expected in (
        "人民调解受理登记表",
        "案号：BSTJ2026-A-0001",
        "卷号：（2026）白石人调字第1号",
        "纠纷类型邻里",
        "纠纷来源申请调解",
        "调解形式人民调解",
        "争议金额3,000元",
        "调解员王调解",
        "白石街道人民调解委员会（印章）",
        "2026年11月2日",
    ):
        assert expected in text, expected


def test_record(db, case):
    _ref, sid, *_ = case
    title, data = pdf(db, Document.RECORD, sid)
    text, _n = text_of(data)
    assert title == "调解笔录 BSTJ2026-A-0001 第1次"
    for expected in (
        "调 解 笔 录",
        "第1次调解",
        "时间：2026年11月3日 14:00",
        "地点：中心一楼调解室",
        "纠纷：王𠮷与李四邻里纠纷",
        "调解员已告知当事人人民调解的性质",
        "王𠮷：雨天积水流进院子，墙脚泡坏了。",
        "李四：杂物是临时堆的，愿意清理。",
        "查明的事实：排水沟被杂物堵塞约三米。",
        "风险提示：告知双方不得采取过激行为。",
        "下一步安排：起草调解协议书。",
        "以上笔录已向当事人宣读",
        "记录人（签名、盖章或按指印）",
        "第 1 页",
    ):
        assert expected in text, expected


def test_agreement_one_original_per_party_and_one_for_the_file(db, case):
    _ref, _sid, a, _fid = case
    with db.write() as s:  # a later edit of a party does not reach the signed agreement
        s.scalar(select(CaseParty).where(CaseParty.name == "李四")).address = "别处"
    title, data = pdf(db, Document.AGREEMENT, a.id)
    text, pages = text_of(data)
    assert title == "调解协议书 BSTJXY2026-A-0001 第1版"
    assert pages == 3
    assert "第1份　申请人王𠮷执" in text and "第2份　被申请人李四执" in text
    assert "第3份　调解委员会存档" in text
    for expected in (
        "人民调解协议书",
        "编号：BSTJXY2026-A-0001",
        "被申请人：李四，男，48岁，住址：白石村2号",
        "联系电话：13812345678",  # the agreement names its parties exactly
        "纠纷主要事实、争议事项及各方责任：",
        "经调解，当事人自愿达成如下协议：",
        "1. 李四于2026年11月10日前清理杂物、疏通排水沟",
        "2. 李四赔偿王𠮷损失2000元",
        "履行期限：2026年11月10日。",
        "本协议书一式3份，当事人各执一份，人民调解委员会留存一份。",
        "三十日内共同向人民法院申请司法确认",
        "人民调解员（签名、盖章或按指印）",
        "白石街道人民调解委员会（印章）",
        "2026年11月5日",
    ):
        assert text.count(expected) >= 3 or expected.startswith("编号"), expected
    assert "别处" not in text


def test_a_draft_and_an_oral_agreement_say_so(db):
    m = actor(db, "tiaojie")
    with db.write() as s:
        ref = mediation.open_case(s, m, neighbours(db), at=T0)
        draft = mediation.save_agreement(s, m, ref.id, terms())
        other = mediation.open_case(s, m, neighbours(db), at=T0)
        oral = mediation.save_agreement(
            s, m, other.id, terms(kind=AgreementKind.ORAL, performance_method="")
        )
        mediation.sign_agreement(s, m, oral.id, date(2026, 11, 3), at=datetime(2026, 11, 3, 9))
    text, _n = text_of(pdf(db, Document.AGREEMENT, draft.id)[1])
    assert "（草稿）" in text
    title, data = pdf(db, Document.AGREEMENT, oral.id)
    text, pages = text_of(data)
    assert title.startswith("口头协议登记表") and pages == 1
    assert "口头协议登记表" in text and "人民调解法》第二十八条" in text
    assert "经调解，当事人口头达成如下协议：" in text


def test_followup_record(db, case):
    *_, fid = case
    text, _n = text_of(pdf(db, Document.FOLLOWUP, fid)[1])
    for expected in (
        "人民调解回访记录",
        "回访对象王𠮷",
        "协议编号BSTJXY2026-A-0001",
        "回访时间2026年11月12日",
        "回访方式上门回访",
        "了解调解协议履行情况",
        "协议履行情况已履行完毕",
        "当事人满意度满意",
        "是否起诉否",
        "采取的措施无需其他措施",
    ):
        assert expected in text, expected


def test_casefile_cover_contents_and_every_document(db, case):
    ref, *_ = case
    with db.read() as s:
        data = mediation.casefile_print_data(s, actor(db, "tiaojie"), ref.id)
    title, raw = pdf(db, Document.CASEFILE, ref.id)
    text, pages = text_of(raw)
    assert title == "卷宗 （2026）白石人调字第1号"
    from app.reports.mediation import casefile_contents

    contents = casefile_contents(data)
    assert [t for t, _a, _b in contents] == [
        "人民调解申请书",
        "人民调解受理登记表",
        "调解笔录（第1次，2026年11月3日）",
        "人民调解协议书（已签署生效）",
        "回访记录（2026年11月12日）",
        "卷宗情况说明",
    ]
    assert contents[0][1] == 3  # after the cover and the contents
    assert pages == contents[-1][2] + 1  # and the back cover
    for expected in (
        "人民调解卷宗",
        "卷　　名王𠮷与李四邻里纠纷",
        "卷　　号（2026）白石人调字第1号",
        "调 解 员王调解",
        "受理日期2026年11月2日",
        "结案日期2026年11月5日",
        "调解结果调解成功，已归档",
        "本案于2026年11月2日受理，调解成功，已归档。",
        "立卷日期2026年11月20日",
        "保管期限长期",
        "卷 内 目 录",
        "人民调解申请书",
        "调 解 笔 录",
        "第3份　调解委员会存档",  # the file holds the archive copy only
        "人民调解回访记录",
        "卷宗情况说明",
        "2026年11月9日向乐清市人民法院申请司法确认，待裁定。",
        f"本卷共 {pages} 页",
        f"— {pages} —",
    ):
        assert expected in text, expected
    assert "第1份" not in text and "第2份" not in text


def test_family_registration_counts_minors_but_never_names_them(db):
    m = actor(db, "tiaojie")
    with db.write() as s:
        ref = mediation.open_case(s, m, family(db), at=T0)
        mediation.save_minors(s, m, ref.id, [mediation.MinorInput("钱小宝", "男", 8, "之子")])
        mediation.add_protection(
            s, m, ref.id, ProtectionKind.PROTECTION_ORDER, date(2026, 11, 3), "已引导向法院申请"
        )
    text, _n = text_of(pdf(db, Document.REGISTRATION, ref.id)[1])
    assert "家事调解室" in text and "卷号：（2026）白石家调字第1号" in text
    # The parties sign this form: no violence risk, no protective measures on it.
    assert "当事人关系：夫妻；涉及未成年人 1 名" in text
    assert "家庭暴力" not in text and "保护令" not in text
    assert "钱小宝" not in text
    text, _n = text_of(pdf(db, Document.CASEFILE, ref.id)[1])
    assert "调解结果尚未结案（受理）" in text  # the cover of an open case
    assert "家庭暴力风险：高（内部材料，不向当事人出示）" in text
    assert "人身安全保护令（引导向法院申请）：已引导向法院申请" in text
    assert "钱小宝" not in text
