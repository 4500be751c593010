"""信息报送: numbering per year and kind, 签发 freezes, the emergency stages, search, figures,
the GB/T 9704 print, and 呈报 of a matter shown on its timeline."""

from __future__ import annotations

import io
from datetime import date, datetime

import pytest
from pypdf import PdfReader

from app.core.errors import NotFound, PermissionDenied, ValidationError
from app.models import EmergencyLevel, ReportKind, ReportStage
from app.services.command import duty, reports_upward
from app.services.command.reports_upward import ReportInput
from app.services.reception import detail, intake
from tests.conftest import actor
from tests.services.test_intake import make_input


@pytest.fixture
def frozen(clock):
    clock.freeze("2027-03-01 09:00")
    return clock


def create(db, who, data):
    with db.write() as s:
        return reports_upward.create_report(s, who, data)


def brief(title="本周矛盾纠纷排查情况", **kw):
    return ReportInput(ReportKind.BRIEF, title, kw.pop("body", "本周共排查矛盾纠纷 12 起。"), **kw)


def test_numbered_per_year_and_kind(db, frozen, receptionist):
    a = create(db, receptionist, brief())
    b = create(db, receptionist, brief("第二期"))
    c = create(db, receptionist, ReportInput(ReportKind.SITUATION, "情况", "正文"))
    assert (a.number, b.number, c.number) == (
        "简报〔2027〕第1期", "简报〔2027〕第2期", "情况报告〔2027〕第1期",
    )  # fmt: skip
    frozen.freeze("2028-01-02 09:00")
    assert create(db, receptionist, brief()).number == "简报〔2028〕第1期"


def test_signing_freezes_and_only_directors_sign(db, frozen, receptionist):
    r = create(db, receptionist, brief(urgency="加急", copy_no="12"))
    with db.write() as s, pytest.raises(PermissionDenied):
        reports_upward.sign_report(s, receptionist, r.id)
    with db.write() as s:
        signed = reports_upward.sign_report(s, actor(db, "zhuren"), r.id)
    assert signed.signer == "周主任" and signed.status == "已签发"
    with db.write() as s, pytest.raises(ValidationError, match="不能修改"):
        reports_upward.save_report(s, receptionist, r.id, brief("改标题"))
    with db.write() as s, pytest.raises(ValidationError, match="已经签发"):
        reports_upward.sign_report(s, actor(db, "zhuren"), r.id)
    with db.read() as s:
        assert reports_upward.report_input(s, receptionist, r.id).copy_no == "000012"


def test_bad_input_names_the_fields(db, frozen, receptionist):
    with db.write() as s, pytest.raises(ValidationError) as err:
        reports_upward.create_report(
            s, receptionist, brief("", copy_no="A1", urgency="很急", secrecy="绝密")
        )
    assert set(err.value.fields) == {"title", "copy_no", "urgency", "secrecy"}
    with db.write() as s, pytest.raises(ValidationError) as err:
        reports_upward.create_report(s, receptionist, ReportInput(ReportKind.EMERGENCY, "x", "y"))
    assert {"stage", "duty_entry"} <= set(err.value.fields)
    empty = create(db, receptionist, brief(body=""))
    with db.write() as s, pytest.raises(ValidationError, match="正文为空"):
        reports_upward.sign_report(s, actor(db, "zhuren"), empty.id)


def test_emergency_reports_first_follow_final(db, frozen, receptionist):
    director = actor(db, "zhuren")
    with db.write() as s:
        eid = duty.log_entry(
            s, receptionist, duty.EntryInput(datetime(2027, 3, 1, 8, 55), "来电", "山体滑坡")
        )
    with db.write() as s, pytest.raises(ValidationError, match="不是突发事件"):
        reports_upward.create_report(s, receptionist, ReportInput(
            ReportKind.EMERGENCY, "首报", "x", ReportStage.FIRST, duty_entry_id=eid))  # fmt: skip
    with db.write() as s:
        duty.mark_emergency(s, receptionist, eid, EmergencyLevel.LARGER)

    def report(stage, title):
        r = create(db, receptionist, ReportInput(
            ReportKind.EMERGENCY, title, "正文", stage, duty_entry_id=eid))  # fmt: skip
        with db.write() as s:
            reports_upward.sign_report(s, director, r.id)
        return r

    report(ReportStage.FIRST, "首报")
    with db.write() as s, pytest.raises(ValidationError, match="已有首报"):
        reports_upward.create_report(s, receptionist, ReportInput(
            ReportKind.EMERGENCY, "再报", "x", ReportStage.FIRST, duty_entry_id=eid))  # fmt: skip
    report(ReportStage.FOLLOW, "续报一")
    final = report(ReportStage.FINAL, "终报")
    assert final.number == "突发事件报告〔2027〕第3期" and final.kind_text.endswith("（终报）")
    with db.write() as s, pytest.raises(ValidationError, match="已有终报"):
        reports_upward.create_report(s, receptionist, ReportInput(
            ReportKind.EMERGENCY, "再续", "x", ReportStage.FOLLOW, duty_entry_id=eid))  # fmt: skip


def test_list_search_and_find(db, frozen, receptionist):
    create(db, receptionist, brief("山体滑坡后续"))
    create(db, receptionist, brief("平安创建", body="平安村创建进展"))
    with db.read() as s:
        assert [r.title for r in reports_upward.list_reports(s, receptionist, "滑坡")] == [
            "山体滑坡后续"
        ]
        assert len(reports_upward.list_reports(s, receptionist, "平安村")) == 1
        assert len(reports_upward.list_reports(s, receptionist, kind=ReportKind.SPECIAL)) == 0
        assert reports_upward.find_report(s, receptionist, "简报〔2027〕第2期")
        with pytest.raises(NotFound, match="第9期"):
            reports_upward.find_report(s, receptionist, "简报〔2027〕第9期")


def test_figures_come_from_the_statistics(db, frozen, receptionist):
    with db.write() as s:
        intake.register_matter(s, receptionist, make_input(db))
    with db.read() as s:
        text = reports_upward.figures_text(s, receptionist, date(2027, 2, 1), date(2027, 3, 1))
    assert "共受理群众诉求1件" in text and "研判意见" not in text


def test_escalation_links_matter_and_report_on_the_timeline(db, frozen, receptionist):
    with db.write() as s:
        mid = intake.register_matter(s, receptionist, make_input(db)).id
    r = create(db, receptionist, ReportInput(ReportKind.SPECIAL, "关于某事项的专报", "正文"))
    with db.write() as s, pytest.raises(ValidationError) as err:
        reports_upward.escalate_matter(s, receptionist, mid, "", "", r.id)
    assert set(err.value.fields) == {"body", "reason"}
    with db.write() as s:
        reports_upward.escalate_matter(
            s, receptionist, mid, "县委政法委", "涉及多部门，需县级协调", r.id
        )
    with db.read() as s:
        seen = detail.matter_detail(s, receptionist, mid)
        rows = reports_upward.escalations(s, receptionist, r.id)
    assert any("呈报县委政法委" in e.note and r.number in e.note for e in seen.events)
    assert rows[0].body == "县委政法委"


def test_report_prints_in_the_gbt9704_layout(db, frozen, receptionist, tmp_path):
    r = create(
        db,
        receptionist,
        brief(
            copy_no="3",
            secrecy="秘密",
            urgency="特急",
            recipient="县委政法委",
            attachments="排查台账\n化解情况表",
            distribution="县综治中心",
            body="一、基本情况\n本周共排查矛盾纠纷 12 起，化解 10 起。",
        ),
    )
    with db.write() as s:
        reports_upward.sign_report(s, actor(db, "zhuren"), r.id)
        number, pdf = reports_upward.report_pdf(s, receptionist, r.id)
    assert number == r.number
    text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf)).pages)
    for words in ("000003", "秘密", "特急", "签发人：周主任", "县委政法委：", "附件：1. 排查台账",
                  "抄送：县综治中心", "2027年3月1日印发", "— 1 —"):  # fmt: skip
        assert words in text, words
