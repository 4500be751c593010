"""Mediation cases: every move from every status, the frozen agreement and its versions,
follow-up reminders, judicial confirmation's 30 days, the family room's minors, bad input."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest
from sqlalchemy import func, select

from app.core.errors import PermissionDenied, ValidationError
from app.models import (
    Agreement,
    AgreementKind,
    AgreementStatus,
    AuditEntry,
    CaseRoom,
    CaseSource,
    CaseStatus,
    ConfirmationResult,
    DisputeType,
    EventKind,
    FollowUpMethod,
    Matter,
    MatterEvent,
    MatterStatus,
    MediationCase,
    PartyKind,
    PartyRole,
    Performance,
    ProtectionKind,
    Satisfaction,
    TransferBody,
    Unit,
    User,
    ViolenceRisk,
)
from app.services.reception import flow, intake
from app.services.rooms import mediation
from app.services.rooms.mediation import (
    CASE_MOVES,
    AgreementInput,
    CaseFilter,
    CaseInput,
    CaseMove,
    FollowUpInput,
    MinorInput,
    PartyInput,
    RecordInput,
    StatementInput,
)
from tests.conftest import actor
from tests.services.test_intake import make_input

T0 = datetime(2026, 11, 2, 9, 0)


def uid(db, username):
    with db.read() as s:
        return s.scalar(select(User.id).where(User.username == username))


def neighbours(db, **kw) -> CaseInput:
    values = dict(
        room=CaseRoom.GENERAL,
        dispute_type=DisputeType.NEIGHBOUR,
        facts="双方因排水沟堵塞发生纠纷，雨天积水流入申请人院内。",
        requests="1. 被申请人疏通排水沟；\n2. 赔偿损失 3000 元。",
        amount="3000",
        parties=[
            PartyInput(PartyRole.APPLICANT, "王𠮷", sex="男", age=56, phone="13812345678"),
            PartyInput(PartyRole.RESPONDENT, "李四", sex="男", age=48, address="白石村2号"),
        ],
        mediator_ids=[uid(db, "tiaojie")],
    )
    values.update(kw)
    return CaseInput(**values)


def terms(**kw) -> AgreementInput:
    values = dict(
        kind=AgreementKind.WRITTEN,
        facts="排水沟堵塞系被申请人堆放杂物所致，被申请人负主要责任。",
        terms=["李四于2026年11月10日前清理杂物、疏通排水沟", "李四赔偿王𠮷损失2000元"],
        performance_method="现场清理；赔偿款当面付清",
        performance_deadline=date(2026, 11, 10),
    )
    values.update(kw)
    return AgreementInput(**values)


@pytest.fixture
def mediator(db):
    return actor(db, "tiaojie")


@pytest.fixture
def director(db):
    return actor(db, "zhuren")


def open_case(db, who, data=None, at=T0, matter_id=None):
    with db.write() as s:
        return mediation.open_case(s, who, data or neighbours(db), matter_id=matter_id, at=at)


def routed_matter(db, category="矛盾纠纷", room="矛盾纠纷调解室"):
    with db.write() as s:
        data = make_input(db, category=category)
        data.unit_id = s.scalar(select(Unit.id).where(Unit.name == room))
        return intake.register_matter(s, actor(db, "jiedai"), data, at=T0 - timedelta(hours=1))


def sign(db, who, ref, on=date(2026, 11, 5), at=datetime(2026, 11, 5, 16)):
    with db.write() as s:
        return mediation.sign_agreement(s, who, ref.id, on, at=at)


def count(db, model):
    with db.read() as s:
        return s.scalar(select(func.count()).select_from(model))


def test_a_routed_matter_becomes_a_case_and_its_steps_are_on_the_matter(db, mediator):
    reg = routed_matter(db)
    with db.read() as s:
        waiting = mediation.matters_waiting(s, mediator, CaseRoom.GENERAL)
        data = mediation.input_from_matter(s, mediator, reg.id)
    assert [w.number for w in waiting] == [reg.number]
    assert data.parties[0].name == "王𠮷" and data.parties[0].role == PartyRole.APPLICANT
    data.parties.append(PartyInput(PartyRole.RESPONDENT, "李四"))
    data.dispute_type = DisputeType.NEIGHBOUR
    ref = open_case(db, mediator, data, matter_id=reg.id)
    assert ref.number == "BSTJ2026-A-0001" and ref.status == CaseStatus.ACCEPTED
    with db.write() as s:
        mediation.save_record(
            s,
            mediator,
            ref.id,
            RecordInput(
                at=T0 + timedelta(days=1),
                place="调解室",
                recorder="王调解",
                statements=[StatementInput("王𠮷", "雨天积水流进院子。")],
            ),
        )
    with db.write() as s:
        agreement = mediation.save_agreement(s, mediator, ref.id, terms())
    sign(db, mediator, agreement)
    with db.read() as s:
        m = s.get(Matter, reg.id)
        notes = [e.note for e in m.events]
        kinds = [e.kind for e in m.events]
        status = m.status
        d = mediation.case_detail(s, mediator, ref.id)
        waiting = mediation.matters_waiting(s, mediator, CaseRoom.GENERAL)
        events = {e for (e,) in s.execute(select(AuditEntry.event))}
    # The matter went through the flow's own moves: accepted, progress, completed.
    assert status == MatterStatus.DONE
    assert kinds[-4:] == [
        EventKind.PROGRESS,
        EventKind.PROGRESS,
        EventKind.PROGRESS,
        EventKind.COMPLETED,
    ]
    assert any("立案调解，案号 BSTJ2026-A-0001" in (n or "") for n in notes)
    assert any("开始调解" in (n or "") for n in notes)
    assert d.status == CaseStatus.SUCCEEDED and d.matter_number == reg.number
    assert d.file_number == "（2026）白石人调字第1号"
    assert waiting == []
    assert {"case_open", "case_start", "agreement_sign", "case_succeed"} <= events


def test_a_case_opened_directly_registers_its_matter(db, mediator):
    ref = open_case(db, mediator, neighbours(db, source=CaseSource.OWN_INITIATIVE))
    with db.read() as s:
        c = s.get(MediationCase, ref.id)
        m = s.get(Matter, c.matter_id)
        unit = s.get(Unit, m.unit_id).name
        assert m.number == "BS2026-A-000001" and m.status == MatterStatus.IN_PROGRESS
        assert unit == "矛盾纠纷调解室" and m.channel.label == "网格上报"


def _case_in(db, status: CaseStatus) -> mediation.CaseRef:
    """A case brought to ``status`` by the service's own moves."""
    m, d = actor(db, "tiaojie"), actor(db, "zhuren")
    ref = open_case(db, m)
    if status == CaseStatus.ACCEPTED:
        return ref
    with db.write() as s:
        if status in (CaseStatus.SUCCEEDED, CaseStatus.ARCHIVED):
            a = mediation.save_agreement(s, m, ref.id, terms())
            mediation.sign_agreement(s, m, a.id, date(2026, 11, 5), at=datetime(2026, 11, 5, 16))
        elif status == CaseStatus.MEDIATING:
            mediation.start_mediation(s, m, ref.id, at=T0)
        elif status == CaseStatus.FAILED:
            mediation.close_case(s, m, ref.id, CaseStatus.FAILED, "双方分歧大，已告知可起诉")
        elif status == CaseStatus.TERMINATED:
            mediation.close_case(s, m, ref.id, CaseStatus.TERMINATED, "申请人撤回申请")
        elif status == CaseStatus.TRANSFERRED:
            mediation.transfer_case(s, d, ref.id, TransferBody.COURT, "乐清市人民法院", "涉诉")
        if status == CaseStatus.ARCHIVED:
            mediation.archive_case(s, m, ref.id, "长期")
    return ref


def _try(db, move: CaseMove, case_id):
    m = actor(db, "tiaojie")
    with db.write() as s:
        match move:
            case CaseMove.START:
                mediation.start_mediation(s, m, case_id)
            case CaseMove.SUCCEED:
                mediation.close_case(s, m, case_id, CaseStatus.SUCCEEDED)
            case CaseMove.FAIL:
                mediation.close_case(s, m, case_id, CaseStatus.FAILED, "分歧大")
            case CaseMove.TERMINATE:
                mediation.close_case(s, m, case_id, CaseStatus.TERMINATED, "撤回")
            case CaseMove.TRANSFER:
                mediation.transfer_case(s, m, case_id, TransferBody.ARBITRATION, "仲裁委", "合同")
            case CaseMove.ARCHIVE:
                mediation.archive_case(s, m, case_id)
        return s.get(MediationCase, case_id).status


@pytest.mark.parametrize("status", list(CaseStatus), ids=lambda s: s.value)
@pytest.mark.parametrize("move", list(CaseMove), ids=lambda m: m.value)
def test_every_move_from_every_status(db, status, move):
    ref = _case_in(db, status)
    sources, target = CASE_MOVES[move]
    before = count(db, AuditEntry)
    legal = status in sources and move != CaseMove.SUCCEED  # success needs a signed agreement
    if legal:
        assert _try(db, move, ref.id) == target
        with db.read() as s:
            last = s.scalar(select(AuditEntry).order_by(AuditEntry.seq.desc()).limit(1))
            notes = [
                e.note
                for e in s.scalars(select(MatterEvent).order_by(MatterEvent.at, MatterEvent.id))
            ]
        assert f"case_{move.value}" in {e for (e,) in _events_since(db, before)}, (
            "the move is audited"
        )
        assert any(f"：{move.label}" in (n or "") for n in notes), "and on the matter's timeline"
        assert last is not None
    else:
        with pytest.raises(ValidationError) as err:
            _try(db, move, ref.id)
        assert status.label in err.value.message or "须有" in err.value.message
        assert count(db, AuditEntry) == before, "a refused move writes nothing"
        with db.read() as s:
            assert s.get(MediationCase, ref.id).status == status


def _events_since(db, seq):
    with db.read() as s:
        return list(s.execute(select(AuditEntry.event).where(AuditEntry.seq > seq)))


def test_success_needs_a_signed_agreement(db, mediator):
    ref = open_case(db, mediator)
    with db.write() as s, pytest.raises(ValidationError, match="须有已签署的调解协议书"):
        mediation.close_case(s, mediator, ref.id, CaseStatus.SUCCEEDED)


def test_the_signed_agreement_is_frozen_and_a_correction_is_a_new_version(db, mediator):
    ref = open_case(db, mediator)
    with db.write() as s:
        v1 = mediation.save_agreement(s, mediator, ref.id, terms(terms=["只有一项"]))
        again = mediation.save_agreement(s, mediator, ref.id, terms())  # the draft is edited
    assert again.id == v1.id and v1.number == "BSTJXY2026-A-0001"
    sign(db, mediator, v1)
    with db.write() as s, pytest.raises(ValidationError, match="签署生效，不能修改"):
        mediation.save_agreement(s, mediator, ref.id, terms(terms=["改过的"]))
    with db.write() as s, pytest.raises(ValidationError, match="不能重复签署"):
        mediation.sign_agreement(s, mediator, v1.id, date(2026, 11, 6))
    with db.write() as s:
        v2 = mediation.correct_agreement(s, mediator, v1.id, "赔偿金额笔误")
        data = mediation.agreement_input(s, mediator, v2.id)
        data.terms[1] = "李四赔偿王𠮷损失2500元"
        mediation.save_agreement(s, mediator, ref.id, data)
    with db.write() as s, pytest.raises(ValidationError, match="已有一个未签署的更正版本"):
        mediation.correct_agreement(s, mediator, v1.id, "赔偿金额笔误")
    with db.read() as s:  # until v2 is signed, v1 is the agreement in force
        d = mediation.case_detail(s, mediator, ref.id)
    assert [(a.version, a.status) for a in d.agreements] == [
        (1, AgreementStatus.SIGNED),
        (2, AgreementStatus.DRAFT),
    ]
    sign(db, mediator, v2, on=date(2026, 11, 6), at=datetime(2026, 11, 6, 10))
    with db.read() as s:
        d = mediation.case_detail(s, mediator, ref.id)
        old = mediation.agreement_input(s, mediator, v1.id)
    assert [(a.version, a.status) for a in d.agreements] == [
        (1, AgreementStatus.SUPERSEDED),
        (2, AgreementStatus.SIGNED),
    ]
    assert old.terms[1] == "李四赔偿王𠮷损失2000元", "the signed version is kept as it was"
    assert d.current_agreement.terms[1] == "李四赔偿王𠮷损失2500元"
    assert d.status == CaseStatus.SUCCEEDED


def test_bad_input_is_refused_and_nothing_is_half_saved(db, mediator):
    before = (count(db, MediationCase), count(db, Matter), count(db, AuditEntry))
    bad = neighbours(db)
    bad.parties[1].name = "  "
    with db.write() as s, pytest.raises(ValidationError, match="请填写第 2 位当事人的姓名或名称"):
        mediation.open_case(s, mediator, bad, at=T0)
    with db.write() as s, pytest.raises(ValidationError, match="争议金额应为数字"):
        mediation.open_case(s, mediator, neighbours(db, amount="三千"), at=T0)
    assert (count(db, MediationCase), count(db, Matter), count(db, AuditEntry)) == before
    ref = open_case(db, mediator)
    with db.write() as s, pytest.raises(ValidationError, match="至少要有一项协议内容"):
        mediation.save_agreement(s, mediator, ref.id, terms(terms=["", "  "]))
    assert count(db, Agreement) == 0
    with (
        db.write() as s,
        pytest.raises(ValidationError, match="履行期限 2026-10-31 不能早于受理日期"),
    ):
        mediation.save_agreement(
            s, mediator, ref.id, terms(performance_deadline=date(2026, 10, 31))
        )
    assert count(db, Agreement) == 0
    with db.write() as s:
        a = mediation.save_agreement(s, mediator, ref.id, terms())
    with db.write() as s, pytest.raises(ValidationError, match="不能早于受理日期 2026-11-02"):
        mediation.sign_agreement(s, mediator, a.id, date(2026, 11, 1), at=datetime(2026, 11, 5))
    with db.write() as s, pytest.raises(ValidationError, match="履行期限 2026-11-10 不能早于"):
        mediation.sign_agreement(s, mediator, a.id, date(2026, 11, 11), at=datetime(2026, 11, 12))
    with db.write() as s, pytest.raises(ValidationError, match="调解时间不能早于受理时间"):
        mediation.save_record(
            s, mediator, ref.id, RecordInput(T0 - timedelta(days=1), "", "", "王调解")
        )
    with db.read() as s:
        assert s.get(Agreement, a.id).status == AgreementStatus.DRAFT
        assert s.get(MediationCase, ref.id).status == CaseStatus.ACCEPTED


def test_follow_up_reminders_come_due(db, mediator):
    ref = open_case(db, mediator)
    with db.write() as s:
        a = mediation.save_agreement(s, mediator, ref.id, terms())
    sign(db, mediator, a)
    with db.write() as s:
        planned = mediation.plan_followup(s, mediator, ref.id, date(2026, 11, 20))
    with db.read() as s:
        early = mediation.reminders(s, mediator, today=date(2026, 11, 1))
        on_deadline = mediation.reminders(s, mediator, today=date(2026, 11, 10), ahead_days=0)
        later = mediation.reminders(s, mediator, today=date(2026, 11, 21))
        due = mediation.list_cases(
            s, mediator, CaseRoom.GENERAL, CaseFilter(due_followups=True), today=date(2026, 11, 21)
        )
    assert early == []
    assert [(r.kind, r.due) for r in on_deadline] == [("履行期限", date(2026, 11, 10))]
    assert [(r.kind, r.due) for r in later] == [
        ("履行期限", date(2026, 11, 10)),
        ("回访", date(2026, 11, 20)),
    ]
    assert later[1].overdue(date(2026, 11, 21)) and [r.number for r in due] == [ref.number]
    with db.write() as s, pytest.raises(ValidationError, match="回访日期不能晚于今天"):
        mediation.record_followup(
            s,
            mediator,
            ref.id,
            FollowUpInput(date(2026, 11, 22), FollowUpMethod.PHONE, "王𠮷", Performance.DONE),
            planned,
            today=date(2026, 11, 21),
        )
    with db.write() as s:
        mediation.record_followup(
            s,
            mediator,
            ref.id,
            FollowUpInput(
                date(2026, 11, 21),
                FollowUpMethod.PHONE,
                "王𠮷",
                Performance.DONE,
                Satisfaction.SATISFIED,
            ),
            planned,
            today=date(2026, 11, 21),
        )
    with db.read() as s:
        assert mediation.reminders(s, mediator, today=date(2026, 11, 21)) == []


def test_judicial_confirmation_within_thirty_days(db, mediator):
    ref = open_case(db, mediator)
    with db.write() as s:
        a = mediation.save_agreement(s, mediator, ref.id, terms())
    sign(db, mediator, a)
    with db.read() as s:
        window = mediation.case_detail(s, mediator, ref.id).current_agreement.window
    assert window.last_day == date(2026, 12, 5)
    assert "还剩 20 天" in window.text(date(2026, 11, 15))
    with (
        db.write() as s,
        pytest.raises(ValidationError, match="30 日内共同申请（截至 2026-12-05）"),
    ):
        mediation.record_confirmation(s, mediator, ref.id, date(2026, 12, 6), "乐清市人民法院")
    with db.write() as s:
        j = mediation.record_confirmation(s, mediator, ref.id, date(2026, 11, 20), "乐清市人民法院")
        mediation.set_confirmation_result(
            s, mediator, j, ConfirmationResult.CONFIRMED, date(2026, 11, 27)
        )
    with db.read() as s:
        (row,) = mediation.case_detail(s, mediator, ref.id).confirmations
    assert row.result == ConfirmationResult.CONFIRMED and row.court == "乐清市人民法院"


def test_an_oral_agreement_is_registered_and_cannot_be_confirmed_by_a_court(db, mediator):
    ref = open_case(db, mediator)
    with db.write() as s:
        a = mediation.save_agreement(
            s, mediator, ref.id, terms(kind=AgreementKind.ORAL, performance_method="")
        )
    sign(db, mediator, a)
    with db.write() as s, pytest.raises(ValidationError, match="口头协议不能申请司法确认"):
        mediation.record_confirmation(s, mediator, ref.id, date(2026, 11, 6), "乐清市人民法院")
    with db.read() as s:
        assert s.get(MediationCase, ref.id).outcome.startswith("登记口头协议")


def family(db, **kw) -> CaseInput:
    return neighbours(
        db,
        room=CaseRoom.FAMILY,
        dispute_type=DisputeType.MARRIAGE_FAMILY,
        facts="夫妻因家庭琐事长期争吵，女方称曾被推搡。",
        parties=[
            PartyInput(PartyRole.APPLICANT, "赵敏", sex="女", age=35),
            PartyInput(PartyRole.RESPONDENT, "钱强", sex="男", age=37),
        ],
        violence_risk=ViolenceRisk.HIGH,
        **({"relationship": "夫妻"} | kw),
    )


def test_minors_are_shown_only_to_the_case_mediators(db, mediator, director):
    ref = open_case(db, mediator, family(db))
    assert ref.number == "BSJT2026-A-0001"
    with db.write() as s, pytest.raises(PermissionDenied, match="只有本案调解员"):
        mediation.save_minors(s, director, ref.id, [MinorInput("钱小宝", "男", 8, "之子")])
    with db.write() as s:
        mediation.save_minors(s, mediator, ref.id, [MinorInput("钱小宝", "男", 8, "之子")])
        mediation.add_protection(
            s, mediator, ref.id, ProtectionKind.WARNING_LETTER, date(2026, 11, 3), "已转介派出所"
        )
        mediation.add_service(s, mediator, ref.id, "counselling", date(2026, 11, 3), "转暖心工作室")
        mediation.add_complaint(
            s, mediator, ref.id, date(2026, 11, 3), "女方反映被推搡", "妇联", date(2026, 11, 4)
        )
    with db.read() as s:
        mine = mediation.case_detail(s, mediator, ref.id)
        theirs = mediation.case_detail(s, director, ref.id)
    assert [m.name for m in mine.minors] == ["钱小宝"]
    assert theirs.minors is None and theirs.minors_count == 1
    assert theirs.violence_risk == ViolenceRisk.HIGH and theirs.relationship == "夫妻"
    assert [p[1] for p in mine.protections] == ["告诫书（转介公安机关）"]
    assert [v[1] for v in mine.services] == ["心理咨询"]
    assert mine.complaints[0][2] == "妇联"


def test_family_items_are_refused_on_a_general_case(db, mediator):
    ref = open_case(db, mediator)
    with db.write() as s, pytest.raises(ValidationError, match="家事调解室"):
        mediation.add_service(s, mediator, ref.id, "legal_advice", date(2026, 11, 3))


def test_a_family_case_needs_the_relationship(db, mediator):
    with db.write() as s, pytest.raises(ValidationError, match="当事人之间的关系"):
        mediation.open_case(s, mediator, family(db, relationship=""), at=T0)


def test_only_the_case_mediators_and_the_director_change_a_case(db, mediator, director):
    ref = open_case(db, mediator)
    with db.write() as s:
        other = mediation.case_input(s, director, ref.id)
    with db.write() as s:  # a second mediator joins, not on this case
        from app.services.security import auth

        auth.create_user(s, actor(db, "admin"), "tiaojie2", "孙调解", "mediator", "Staff#2026pw")
    stranger = actor(db, "tiaojie2")
    with (
        db.write() as s,
        pytest.raises(PermissionDenied, match="不是案件 BSTJ2026-A-0001 的调解员"),
    ):
        mediation.update_case(s, stranger, ref.id, other)
    with db.write() as s:
        other.parties.append(
            PartyInput(PartyRole.THIRD, "温州某建设有限公司", PartyKind.ORGANISATION)
        )
        mediation.update_case(s, director, ref.id, other)
    with db.read() as s, pytest.raises(PermissionDenied):
        mediation.list_cases(s, actor(db, "jiedai"), CaseRoom.GENERAL)
    with db.read() as s:
        assert len(mediation.case_detail(s, director, ref.id).parties) == 3
        assert mediation.case_detail(s, stranger, ref.id).can_edit is False


def test_list_filters(db, mediator, director):
    a = open_case(db, mediator)
    b = open_case(
        db, mediator, neighbours(db, dispute_type=DisputeType.CONTRACT), at=T0 + timedelta(days=40)
    )
    with db.write() as s:
        mediation.start_mediation(s, mediator, b.id, at=T0 + timedelta(days=40))
    today = date(2026, 12, 20)
    with db.read() as s:

        def numbers(**kw):
            rows = mediation.list_cases(
                s, director, CaseRoom.GENERAL, CaseFilter(**kw), today=today
            )
            return [r.number for r in rows]

        assert numbers() == [b.number, a.number]
        assert numbers(status=CaseStatus.MEDIATING) == [b.number]
        assert numbers(dispute_type=DisputeType.NEIGHBOUR) == [a.number]
        assert numbers(overdue=True) == [a.number]
        assert numbers(mediator_id=uid(db, "tiaojie")) == [b.number, a.number]
        assert numbers(mediator_id=uid(db, "zhuren")) == []
        assert numbers(query="王𠮷") == [b.number, a.number]
        assert mediation.list_cases(s, director, CaseRoom.FAMILY) == []


def test_transfer_needs_where_and_why(db, mediator):
    ref = open_case(db, mediator)
    with db.write() as s, pytest.raises(ValidationError, match="转办理由"):
        mediation.transfer_case(s, mediator, ref.id, TransferBody.COURT, "乐清市人民法院", "")
    with db.write() as s:
        mediation.transfer_case(s, mediator, ref.id, TransferBody.COURT, "乐清市人民法院", "已起诉")
    with db.read() as s:
        d = mediation.case_detail(s, mediator, ref.id)
        m = s.scalar(select(Matter))
        s.expunge(m)
    assert d.status == CaseStatus.TRANSFERRED and d.transfer == "乐清市人民法院（人民法院）"
    assert m.status == MatterStatus.DONE and "转办乐清市人民法院" in m.result


def test_flow_rules_still_apply_to_the_matter(db, mediator):
    """A case on a matter that was returned meanwhile cannot complete it by the back door."""
    reg = routed_matter(db)
    ref = open_case(db, mediator, matter_id=reg.id)
    with db.write() as s:
        flow.return_matter(s, mediator, reg.id, "不属于调解范围")
        mediation.close_case(s, mediator, ref.id, CaseStatus.TERMINATED, "事项已退回")
        m = s.get(Matter, reg.id)
        assert m.status == MatterStatus.REGISTERED and m.events[-1].kind == EventKind.NOTE
