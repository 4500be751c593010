"""延期 as a request and an approval: the handler (or their unit) asks with a reason and a date,
the director approves or refuses, the handler sees the answer in the list; a date not after
both today and the deadline is refused; the default date is the deadline plus the category's
rule; the matter's one extension is used only when one is approved."""

from __future__ import annotations

from datetime import date, datetime

import pytest
from sqlalchemy import select

from app.core.errors import PermissionDenied, ValidationError
from app.models import (
    AuditEntry,
    EventKind,
    ExtensionRequest,
    ExtensionStatus,
    Matter,
    MatterEvent,
    Unit,
)
from app.services.reception import flow, intake
from app.services.reception.flow import Move
from app.services.security import auth
from tests.conftest import actor
from tests.services.test_intake import make_input

REGISTERED_AT = datetime(2026, 11, 2, 9)  # a Monday; 投诉 (7 working days) is due 11 November


@pytest.fixture(autouse=True)
def _next_day(clock):
    clock.freeze("2026-11-03")


@pytest.fixture
def director(db):
    return actor(db, "zhuren")


@pytest.fixture
def handler(db):
    return actor(db, "tiaojie")


def matter(db, category="投诉", *, accepted=True) -> object:
    """Registered on 2 November, routed to 司法所 with 王调解 (tiaojie) as its handler."""
    director, handler = actor(db, "zhuren"), actor(db, "tiaojie")
    with db.write() as s:
        mid = intake.register_matter(
            s, actor(db, "jiedai"), make_input(db, category=category), at=REGISTERED_AT
        ).id
        unit = s.scalar(select(Unit.id).where(Unit.name == "司法所"))
        flow.route(s, director, mid, unit, handler_user_id=handler.user_id)
        if accepted:
            flow.accept(s, handler, mid)
    return mid


def deadline_of(db, mid) -> tuple[date, bool]:
    with db.read() as s:
        m = s.get(Matter, mid)
        return m.deadline, m.extended


def ask(db, who, mid, day: date | None = date(2026, 11, 20), reason="需等待伤情鉴定结果"):
    with db.write() as s:
        return flow.request_extension(s, who, mid, day, reason).id


def events(db, mid) -> list[tuple[str, str]]:
    with db.read() as s:
        return [
            (e.kind.value, e.note or "")
            for e in s.scalars(
                select(MatterEvent).where(MatterEvent.matter_id == mid).order_by(MatterEvent.at)
            )
        ]


def test_the_handler_asks_and_nothing_changes_until_the_director_approves(db, handler, director):
    mid = matter(db)
    assert deadline_of(db, mid) == (date(2026, 11, 11), False)
    ask(db, handler, mid)
    assert deadline_of(db, mid) == (date(2026, 11, 11), False), "asking changes nothing"
    assert events(db, mid)[-1] == (
        "extension_requested",
        "申请将期限由 2026-11-11 延至 2026-11-20：需等待伤情鉴定结果",
    )
    with db.read() as s:
        assert flow.waiting_extensions(s, director) == [mid]
        assert flow.extension_marks(s, handler, [mid]) == {mid: ExtensionStatus.PENDING}
        assert Move.EXTEND in flow.moves_for(s, director, mid)
        assert Move.REFUSE_EXTENSION in flow.moves_for(s, director, mid)
        assert Move.REQUEST_EXTENSION not in flow.moves_for(s, handler, mid)
        assert Move.EXTEND not in flow.moves_for(s, handler, mid)
    with db.write() as s, pytest.raises(ValidationError, match="已有延期申请"):
        flow.request_extension(s, handler, mid, date(2026, 11, 25), "再申请")
    for decide in (
        lambda s: flow.extend(s, handler, mid),
        lambda s: flow.refuse_extension(s, handler, mid, "不同意"),
    ):
        with db.write() as s, pytest.raises(PermissionDenied, match="审批延期申请"):
            decide(s)
    with db.write() as s:
        flow.extend(s, director, mid, note="同意")
    assert deadline_of(db, mid) == (date(2026, 11, 20), True)
    # The approval writes the 延期 event as it always did (the 延期办理告知书 is built from it).
    assert events(db, mid)[-1] == (
        "extended",
        "期限由 2026-11-11 延至 2026-11-20：需等待伤情鉴定结果",
    )
    with db.read() as s:
        r = s.scalar(select(ExtensionRequest).where(ExtensionRequest.matter_id == mid))
        assert (r.status, r.approved_deadline, r.decided_by, r.decision_note) == (
            ExtensionStatus.APPROVED,
            date(2026, 11, 20),
            director.user_id,
            "同意",
        )
        assert flow.extension_marks(s, handler, [mid]) == {mid: ExtensionStatus.APPROVED}
        assert flow.waiting_extensions(s, director) == []
        audit = [
            a.event
            for a in s.scalars(
                select(AuditEntry).where(AuditEntry.object_id == str(mid)).order_by(AuditEntry.seq)
            )
        ]
    assert audit[-2:] == ["matter_request_extension", "matter_extend"]
    # The one extension is used: no second request.
    with db.write() as s, pytest.raises(ValidationError, match="已经延期过一次"):
        flow.request_extension(s, handler, mid, date(2026, 12, 1), "还需要时间")


def test_a_refusal_keeps_the_deadline_and_the_one_extension(db, handler, director):
    mid = matter(db)
    ask(db, handler, mid)
    with db.write() as s, pytest.raises(ValidationError) as err:
        flow.refuse_extension(s, director, mid, " ")
    assert err.value.fields == {"text": "请填写不予延期的理由"}
    with db.write() as s:
        flow.refuse_extension(s, director, mid, "鉴定可同步进行，请按期办结")
    assert deadline_of(db, mid) == (date(2026, 11, 11), False)
    assert events(db, mid)[-1] == (
        "extension_refused",
        "不同意延至 2026-11-20，期限仍为 2026-11-11：鉴定可同步进行，请按期办结",
    )
    with db.read() as s:
        assert flow.extension_marks(s, handler, [mid]) == {mid: ExtensionStatus.REFUSED}
        views = flow.extension_requests(s, handler, mid)
    assert [(v.status, v.decided_by, v.decision_note) for v in views] == [
        (ExtensionStatus.REFUSED, "周主任", "鉴定可同步进行，请按期办结")
    ]
    # Refused, not used: the handler may ask again, and this time it is approved.
    ask(db, handler, mid, date(2026, 11, 18), "鉴定机构推迟出具报告")
    with db.read() as s:
        assert flow.extension_marks(s, handler, [mid]) == {mid: ExtensionStatus.PENDING}
    with db.write() as s:
        flow.extend(s, director, mid, date(2026, 11, 19))  # the director may set another date
    assert deadline_of(db, mid) == (date(2026, 11, 19), True)
    assert events(db, mid)[-1][1] == "期限由 2026-11-11 延至 2026-11-19：鉴定机构推迟出具报告"


def test_a_date_not_after_both_today_and_the_deadline_is_refused(db, handler, director, clock):
    mid = matter(db)
    for day in (date(2026, 11, 11), date(2026, 11, 10), date(2026, 11, 3), None):
        with db.write() as s, pytest.raises(ValidationError) as err:
            flow.request_extension(s, handler, mid, day, "理由")
        assert set(err.value.fields) == {"deadline"}
    with db.write() as s, pytest.raises(ValidationError) as err:
        flow.request_extension(s, handler, mid, date(2026, 11, 11), " ")
    assert set(err.value.fields) == {"deadline", "text"}
    assert "最早为 2026-11-12" in err.value.fields["deadline"]
    # Overdue: the deadline has passed, so the new date must be after today.
    clock.freeze("2026-11-16")
    with db.write() as s, pytest.raises(ValidationError, match="最早为 2026-11-17"):
        flow.request_extension(s, handler, mid, date(2026, 11, 16), "理由")
    ask(db, handler, mid, date(2026, 11, 18))
    # By the time the director decides, the proposed date may have passed: another is needed.
    clock.freeze("2026-11-19")
    with db.write() as s, pytest.raises(ValidationError, match="应晚于今天"):
        flow.extend(s, director, mid)
    assert deadline_of(db, mid) == (date(2026, 11, 11), False)
    with db.write() as s:
        flow.extend(s, director, mid, date(2026, 11, 24))
    assert deadline_of(db, mid) == (date(2026, 11, 24), True)
    with db.read() as s:
        assert s.get(Matter, mid).events[-1].kind == EventKind.EXTENDED


def test_the_default_date_is_the_deadline_plus_the_categorys_rule(db, director, clock):
    cases = [
        ("投诉", date(2026, 11, 11), date(2026, 11, 20)),  # 7 working days after the 11th
        ("求助", date(2026, 11, 9), date(2026, 11, 16)),  # 5 working days
        ("矛盾纠纷", date(2026, 12, 2), date(2027, 1, 1)),  # 30 calendar days
        ("信访事项", date(2027, 1, 1), date(2027, 1, 31)),  # 60 days, extended by at most 30
    ]
    for category, deadline, default in cases:
        mid = matter(db, category)
        with db.read() as s:
            assert s.get(Matter, mid).deadline == deadline, category
            assert flow.extension_default(s, director, mid) == default, category
    # 咨询 is due the same day: the default is the next working day (never a refused date).
    mid = matter(db, "咨询")
    with db.read() as s:
        assert s.get(Matter, mid).deadline == date(2026, 11, 2)
        assert flow.extension_default(s, director, mid) == date(2026, 11, 4)
    clock.freeze("2026-11-06")  # a Friday: the next working day is Monday
    with db.read() as s:
        assert flow.extension_default(s, director, mid) == date(2026, 11, 9)


def test_who_may_ask(db, handler, director, receptionist):
    mid = matter(db, accepted=False)  # 已分流: the handler may ask before accepting
    with db.write() as s, pytest.raises(PermissionDenied, match="承办人"):
        flow.request_extension(s, receptionist, mid, date(2026, 11, 20), "理由")
    with db.write() as s, pytest.raises(PermissionDenied, match="承办人"):
        flow.request_extension(s, actor(db, "zixun"), mid, date(2026, 11, 20), "理由")
    with db.write() as s, pytest.raises(PermissionDenied, match="权限"):
        flow.request_extension(s, actor(db, "admin"), mid, date(2026, 11, 20), "理由")
    # Their unit may ask too: a colleague at 司法所 while 王调解 is out on the matter.
    with db.write() as s:
        unit = s.scalar(select(Unit.id).where(Unit.name == "司法所"))
        auth.set_unit(s, actor(db, "admin"), receptionist.user_id, unit)
    with db.read() as s:
        assert Move.REQUEST_EXTENSION in flow.moves_for(s, receptionist, mid)
        assert Move.ACCEPT not in flow.moves_for(s, receptionist, mid)  # the work stays his
    ask(db, receptionist, mid)
    with db.write() as s:
        flow.refuse_extension(s, director, mid, "不需要")
    ask(db, director, mid)  # the director oversees every matter and may ask too
    with db.write() as s:
        flow.refuse_extension(s, director, mid, "不需要")
    ask(db, handler, mid)
    with db.read() as s:
        asked = [v.requested_by for v in flow.extension_requests(s, receptionist, mid)]
    assert asked[0] == "王调解" and sorted(asked[1:]) == sorted(["周主任", "李接待"])


def test_a_request_not_decided_lapses_when_the_matter_leaves_the_unit(db, handler, director):
    mid = matter(db)
    ask(db, handler, mid)
    with db.write() as s:
        flow.complete(s, handler, mid, "已调解")
    with db.read() as s:
        assert flow.extension_requests(s, handler, mid)[0].status == ExtensionStatus.LAPSED
        assert flow.extension_marks(s, handler, [mid]) == {}
        assert flow.waiting_extensions(s, director) == []
        assert deadline_of(db, mid) == (date(2026, 11, 11), False)
    other = matter(db)
    ask(db, handler, other)
    with db.write() as s:
        flow.return_matter(s, handler, other, "不属于本所职责")
    with db.write() as s, pytest.raises(ValidationError, match="不能批准延期"):
        flow.extend(s, director, other)
    with db.read() as s:
        assert flow.extension_requests(s, handler, other)[0].status == ExtensionStatus.LAPSED
    with db.write() as s:
        flow.route(s, director, other, s.scalar(select(Unit.id).where(Unit.name == "派出所")))
    with db.write() as s, pytest.raises(ValidationError, match="没有等待审批的延期申请"):
        flow.extend(s, director, other)


def test_an_extension_of_more_than_30_days_is_refused(db, handler, director, clock):
    mid = matter(db)  # 投诉, due 2026-11-11
    with db.write() as s, pytest.raises(ValidationError) as err:
        flow.request_extension(s, handler, mid, date(2099, 1, 1), "理由")
    assert err.value.fields["deadline"] == "延期不能超过 30 天，最晚为 2026-12-11"
    ask(db, handler, mid, date(2026, 12, 11))  # the last day allowed
    with db.write() as s, pytest.raises(ValidationError, match="最晚为 2026-12-11"):
        flow.extend(s, director, mid, date(2026, 12, 12))  # nor may the director go further
    with db.write() as s:
        flow.extend(s, director, mid)
    assert deadline_of(db, mid) == (date(2026, 12, 11), True)
