"""The event flow: every allowed and refused move, once-only rules, approvals, the timeline."""

from __future__ import annotations

from datetime import date, datetime

import pytest
from sqlalchemy import select

from app.core.errors import PermissionDenied, ValidationError
from app.models import (
    AuditEntry,
    ExtensionRequest,
    ExtensionStatus,
    Matter,
    MatterStatus,
    Satisfaction,
    Unit,
)
from app.services.reception import flow, intake
from app.services.reception.flow import MOVES, Move
from tests.conftest import actor
from tests.services.test_intake import make_input


@pytest.fixture(autouse=True)
def _the_day_after(clock):
    """The matters are registered on 2 November 2026; the moves are made the next day."""
    clock.freeze("2026-11-03")


@pytest.fixture
def director(db):
    return actor(db, "zhuren")


def asked(s, mid) -> None:
    """An extension request waiting for the director (so 批准延期/不予延期 can be tried)."""
    m = s.get(Matter, mid)
    if m.status in flow.EXTENSION_STATUSES and flow.pending_request(s, m) is None:
        s.add(
            ExtensionRequest(
                matter_id=mid,
                reason="需等待鉴定结果",
                proposed_deadline=date(2026, 12, 10),
                old_deadline=m.deadline,
                requested_at=datetime(2026, 11, 3, 9),
                status=ExtensionStatus.PENDING,
            )
        )
        s.flush()


def unit_id(db, name="司法所"):
    with db.read() as s:
        return s.scalar(select(Unit.id).where(Unit.name == name))


def new_matter(db, who, status: MatterStatus | None = None):
    with db.write() as s:
        mid = intake.register_matter(s, who, make_input(db), at=datetime(2026, 11, 2, 9)).id
        if status is not None:  # put it straight into the status under test
            m = s.get(Matter, mid)
            m.status = status
            m.satisfaction = Satisfaction.DISSATISFIED
    return mid


def attempt(db, who, move: Move, mid):
    calls = {
        Move.ROUTE: lambda s: flow.route(s, who, mid, unit_id(db), "王调解"),
        Move.ACCEPT: lambda s: flow.accept(s, who, mid),
        Move.RETURN: lambda s: flow.return_matter(s, who, mid, "不属于本单位职责"),
        Move.PROGRESS: lambda s: flow.add_progress(s, who, mid, "已约双方面谈"),
        Move.REQUEST_EXTENSION: lambda s: flow.request_extension(
            s, who, mid, date(2026, 12, 10), "需等待鉴定结果"
        ),
        Move.EXTEND: lambda s: (asked(s, mid), flow.extend(s, who, mid)),
        Move.REFUSE_EXTENSION: lambda s: (
            asked(s, mid),
            flow.refuse_extension(s, who, mid, "理由不充分"),
        ),
        Move.COMPLETE: lambda s: flow.complete(s, who, mid, "双方达成协议"),
        Move.FEEDBACK: lambda s: flow.feedback(s, who, mid, "电话", Satisfaction.SATISFIED),
        Move.REOPEN: lambda s: flow.reopen(s, who, mid, "群众不满意，重新核查"),
        Move.ARCHIVE: lambda s: flow.archive(s, who, mid),
        Move.REJECT: lambda s: flow.reject(s, who, mid, "属于诉讼事项", "向法院起诉"),
        Move.TRANSFER: lambda s: flow.transfer(s, who, mid, "市信访局", "来信原件一份"),
        Move.ANSWER: lambda s: flow.answer(s, who, mid, "可到社保所办理"),
        Move.UPPER_RESULT: lambda s: flow.record_upper_result(
            s, who, mid, date(2026, 11, 3), "市信访局已答复"
        ),
    }
    with db.write() as s:
        calls[move](s)


S = MatterStatus
# docs/DOMAIN.md §2, written out again here (not read from flow.MOVES) so that a wrong table in the
# service fails this test: (status, move) → the status it leads to; any other pair is refused.
ALLOWED = {
    (S.REGISTERED, Move.ROUTE): S.ROUTED,
    (S.REGISTERED, Move.REJECT): S.REJECTED,
    (S.REGISTERED, Move.TRANSFER): S.TRANSFERRED,
    (S.REGISTERED, Move.ANSWER): S.ANSWERED,  # 当场解答, in the step that registers it
    (S.TRANSFERRED, Move.UPPER_RESULT): S.DONE,  # 上下联动: the answer came back
    (S.ROUTED, Move.ROUTE): S.ROUTED,  # re-routed to another unit
    (S.ROUTED, Move.ACCEPT): S.IN_PROGRESS,
    (S.ROUTED, Move.RETURN): S.REGISTERED,
    (S.ROUTED, Move.REQUEST_EXTENSION): S.ROUTED,
    (S.ROUTED, Move.EXTEND): S.ROUTED,
    (S.ROUTED, Move.REFUSE_EXTENSION): S.ROUTED,
    (S.ROUTED, Move.TRANSFER): S.TRANSFERRED,
    (S.IN_PROGRESS, Move.RETURN): S.REGISTERED,
    (S.IN_PROGRESS, Move.PROGRESS): S.IN_PROGRESS,
    (S.IN_PROGRESS, Move.REQUEST_EXTENSION): S.IN_PROGRESS,
    (S.IN_PROGRESS, Move.EXTEND): S.IN_PROGRESS,
    (S.IN_PROGRESS, Move.REFUSE_EXTENSION): S.IN_PROGRESS,
    (S.IN_PROGRESS, Move.COMPLETE): S.DONE,
    (S.DONE, Move.FEEDBACK): S.FED_BACK,
    (S.FED_BACK, Move.REOPEN): S.IN_PROGRESS,
    (S.FED_BACK, Move.ARCHIVE): S.ARCHIVED,
    (S.ANSWERED, Move.ARCHIVE): S.ARCHIVED,
    (S.REJECTED, Move.ARCHIVE): S.ARCHIVED,
    (S.TRANSFERRED, Move.ARCHIVE): S.ARCHIVED,
}


@pytest.mark.parametrize("status", list(MatterStatus), ids=lambda s: s.value)
def test_every_move_from_every_status(db, director, status):
    assert set(MOVES) == set(Move)
    for move, rule in MOVES.items():
        mid = new_matter(db, director, status)
        if (status, move) in ALLOWED:
            attempt(db, director, move, mid)
            with db.read() as s:
                m = s.get(Matter, mid)
                assert m.status == ALLOWED[status, move], move
                assert m.events[-1].kind == rule.event
        else:
            with pytest.raises(ValidationError, match=f"不能{move.label}"):
                attempt(db, director, move, mid)
            with db.read() as s:
                assert s.get(Matter, mid).status == status, "a refused move changes nothing"


def test_a_matter_from_routing_to_archive_with_one_reopen(db, receptionist, director):
    handler = actor(db, "tiaojie")
    mid = new_matter(db, receptionist)
    attempt(db, receptionist, Move.ROUTE, mid)
    with db.read() as s:
        assert [m.value for m in flow.allowed_moves(s.get(Matter, mid), handler)] == [
            "accept",
            "return",
            "request_extension",
        ]
    attempt(db, handler, Move.ACCEPT, mid)
    attempt(db, handler, Move.PROGRESS, mid)
    attempt(db, handler, Move.REQUEST_EXTENSION, mid)  # the handler asks
    with pytest.raises(PermissionDenied):
        attempt(db, handler, Move.EXTEND, mid)  # the director approves extensions
    attempt(db, director, Move.EXTEND, mid)
    with pytest.raises(ValidationError, match="已经延期过一次"):
        attempt(db, handler, Move.REQUEST_EXTENSION, mid)
    attempt(db, handler, Move.COMPLETE, mid)
    with db.write() as s:
        flow.feedback(s, receptionist, mid, "上门", Satisfaction.DISSATISFIED, "认为赔偿偏低")
    attempt(db, director, Move.REOPEN, mid)
    attempt(db, handler, Move.COMPLETE, mid)
    with db.write() as s:
        flow.feedback(s, receptionist, mid, "电话", Satisfaction.DISSATISFIED)
    with pytest.raises(ValidationError, match="已经重新办理过一次"):
        attempt(db, director, Move.REOPEN, mid)
    attempt(db, receptionist, Move.ARCHIVE, mid)
    with db.read() as s:
        m = s.get(Matter, mid)
        assert m.status == MatterStatus.ARCHIVED and flow.is_read_only(m)
        assert m.deadline == date(2026, 12, 10)
        kinds = [e.kind.value for e in m.events]
        events = [
            a.event
            for a in s.scalars(
                select(AuditEntry).where(AuditEntry.object_id == str(mid)).order_by(AuditEntry.seq)
            )
        ]
    assert kinds == [
        "registered",
        "routed",
        "accepted",
        "progress",
        "extension_requested",
        "extended",
        "completed",
        "feedback",
        "reopened",
        "completed",
        "feedback",
        "archived",
    ]
    assert events[-1] == "matter_archive" and events.count("matter_complete") == 2
    with pytest.raises(ValidationError, match="不能"):
        attempt(db, director, Move.PROGRESS, mid)  # archived: read-only


def test_a_unit_returns_a_matter_once(db, receptionist):
    handler = actor(db, "tiaojie")
    mid = new_matter(db, receptionist)
    attempt(db, receptionist, Move.ROUTE, mid)
    attempt(db, handler, Move.RETURN, mid)
    with db.read() as s:
        m = s.get(Matter, mid)
        assert m.status == MatterStatus.REGISTERED and m.unit_id is None
        assert m.events[-1].note == "不属于本单位职责"
    attempt(db, receptionist, Move.ROUTE, mid)
    with pytest.raises(ValidationError, match="已经退回过一次"):
        attempt(db, handler, Move.RETURN, mid)


def test_reopen_needs_a_dissatisfied_person(db, receptionist, director):
    mid = new_matter(db, receptionist)
    for who, move in (
        (receptionist, Move.ROUTE),
        (director, Move.ACCEPT),
        (director, Move.COMPLETE),
    ):
        attempt(db, who, move, mid)
    with db.write() as s:
        flow.feedback(s, receptionist, mid, "短信", Satisfaction.FAIRLY)
    with pytest.raises(ValidationError, match="不满意"):
        attempt(db, director, Move.REOPEN, mid)


def test_bad_input_to_moves_says_what_to_fix(db, receptionist, director):
    mid = new_matter(db, receptionist)
    with db.write() as s, pytest.raises(ValidationError, match="请填写不予受理的理由"):
        flow.reject(s, receptionist, mid, " ", "向法院起诉")
    attempt(db, receptionist, Move.ROUTE, mid)
    with db.write() as s, pytest.raises(ValidationError, match="应晚于今天"):
        flow.request_extension(s, director, mid, date(2026, 11, 1), "理由")


def test_feedback_needs_the_persons_satisfaction_chosen(db, receptionist, director):
    """Nothing is recorded for the person without the user choosing it: no 满意度, no save."""
    mid = new_matter(db, receptionist, MatterStatus.DONE)
    for missing in (None, ""):
        with db.write() as s, pytest.raises(ValidationError) as err:
            flow.perform(s, receptionist, mid, Move.FEEDBACK, {"method": "电话", "text": "已告知"})
        assert err.value.fields == {"satisfaction": "请选择群众评价：满意、基本满意或不满意"}
        with db.write() as s, pytest.raises(ValidationError) as err:
            flow.feedback(s, receptionist, mid, " ", missing)
        assert set(err.value.fields) == {"method", "satisfaction"}
    with db.read() as s:
        m = s.get(Matter, mid)
        assert m.status == MatterStatus.DONE and m.feedback_at is None
    with db.write() as s:
        flow.perform(
            s, receptionist, mid, Move.FEEDBACK, {"method": "电话", "satisfaction": "fairly"}
        )
    with db.read() as s:
        assert s.get(Matter, mid).satisfaction == Satisfaction.FAIRLY


def test_a_refusal_names_the_field_of_the_form(db, receptionist):
    mid = new_matter(db, receptionist)
    with db.write() as s, pytest.raises(ValidationError) as err:
        flow.reject(s, receptionist, mid, "属于诉讼事项", " ")
    assert set(err.value.fields) == {"where"}
    with db.write() as s, pytest.raises(ValidationError) as err:
        flow.transfer(s, receptionist, mid, "市信访局", "")
    assert set(err.value.fields) == {"text"}
