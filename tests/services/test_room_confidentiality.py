"""Room confidentiality through the matter (issue 16 §5): once a matter belongs to a family
mediation case or to 暖心工作室, roles outside that room see only that it is there and its
status — in the detail, its timeline, lists, search and ledgers — never facts, measures or
notes. And a matter routed to a unit without accounts is worked only by the center's staff."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from app.core import clock
from app.core.errors import PermissionDenied
from app.models import ProtectionKind, Unit
from app.services.command import ledgers
from app.services.command.ledgers import LedgerFilter
from app.services.reception import detail, flow, intake
from app.services.rooms import mediation
from tests.conftest import actor
from tests.services.test_intake import make_input
from tests.services.test_mediation import family, open_case

FACTS = "家暴事实：女方称多次被殴打"


def _unit(db, name):
    with db.read() as s:
        return s.scalar(select(Unit.id).where(Unit.name == name))


@pytest.fixture
def family_matter(db):
    """A matter registered at the window, routed to 家事调解室, opened there as a family case
    with a protection measure recorded."""
    jiedai, tiaojie = actor(db, "jiedai"), actor(db, "tiaojie")
    with db.write() as s:
        data = make_input(db, category="家事纠纷", summary=FACTS + "，要求调解离婚事宜。")
        data.unit_id = _unit(db, "家事调解室")
        reg = intake.register_matter(s, jiedai, data)
    ref = open_case(db, tiaojie, family(db), matter_id=reg.id, at=clock.now())
    with db.write() as s:
        mediation.add_protection(
            s, tiaojie, ref.id, ProtectionKind.WARNING_LETTER, clock.today(), "已转介派出所"
        )
    return reg, ref


def test_the_window_sees_only_that_a_family_matter_is_in_the_room(db, family_matter):
    reg, ref = family_matter
    jiedai = actor(db, "jiedai")
    with db.read() as s:
        d = detail.matter_detail(s, jiedai, reg.id)
    assert d.summary.startswith("已转家事调解室，案号 " + ref.number)
    shown = d.summary + "".join(e.note for e in d.events) + (d.answer or "")
    assert "家暴" not in shown and "殴打" not in shown and "告诫书" not in shown
    with db.read() as s:
        (row,) = intake.search(s, jiedai, reg.number)
        assert "殴打" not in row.summary and row.summary.startswith("已转家事调解室")
        # The facts are not searchable by those who may not read them.
        assert intake.search(s, jiedai, "殴打") == []
    # The room itself (its mediators, the director) sees the facts and the measures.
    for who in ("tiaojie", "zhuren"):
        with db.read() as s:
            d = detail.matter_detail(s, actor(db, who), reg.id)
            assert FACTS in d.summary
            assert any("告诫书" in e.note for e in d.events)
            assert [r.id for r in intake.search(s, actor(db, who), "殴打")] == [reg.id]


def test_ledgers_and_exports_hide_a_family_matters_facts(db, family_matter):
    reg, _ = family_matter
    f = LedgerFilter(since=clock.today() - timedelta(days=1), until=clock.today())
    with db.read() as s:
        data = ledgers.build_ledger(s, actor(db, "jiedai"), "matters", f)
    text = repr(data)
    assert reg.number in text and "殴打" not in text and "已转家事调解室" in text


def test_a_matter_at_the_counselling_room_is_closed_to_the_window(db):
    jiedai = actor(db, "jiedai")
    with db.write() as s:
        data = make_input(db, category="心理服务", summary="来访者说想轻生，情绪低落。")
        data.unit_id = _unit(db, "暖心工作室")
        reg = intake.register_matter(s, jiedai, data)
    with db.read() as s:
        d = detail.matter_detail(s, jiedai, reg.id)
        rows = intake.search(s, jiedai, reg.number)
    assert d.summary.startswith("已转暖心工作室") and "轻生" not in d.summary
    assert "轻生" not in rows[0].summary


def test_a_counsellor_cannot_work_a_matter_routed_to_a_unit_without_accounts(db):
    jiedai, zixun = actor(db, "jiedai"), actor(db, "zixun")
    with db.write() as s:
        mid = intake.register_matter(s, jiedai, make_input(db)).id
        flow.route(s, jiedai, mid, _unit(db, "派出所"))
    with db.write() as s, pytest.raises(PermissionDenied):
        flow.accept(s, zixun, mid)
    with db.write() as s:
        flow.accept(s, actor(db, "tiaojie"), mid)  # the center's staff record it for the unit


def test_meeting_minutes_and_decisions_naming_a_family_matter_are_sealed(db, family_matter):
    """会议: an item or decision that names a sealed matter (or its family case) shows only
    that it is there to those outside the room; the room and the director read it all."""
    from app.services.meetings import meetings
    from app.services.meetings.meetings import DecisionInput, ItemInput
    from tests.services.test_meetings import joint

    reg, ref = family_matter
    data = joint(
        items=[
            ItemInput(f"{reg.number} 家事纠纷", "女方称多次被殴打，已发告诫书。"),
            ItemInput("中雁村宅基地纠纷", "双方对边界仍有分歧。"),
        ],
        decisions=[
            DecisionInput(
                f"{ref.number}：协调派出所落实人身安全保护措施", "家事调解室", clock.today()
            ),
            DecisionInput("两周内完成现场测量并再次调解", "司法所", clock.today()),
        ],
    )
    zhuren = actor(db, "zhuren")
    with db.write() as s:
        m = meetings.create_meeting(s, zhuren, data)
        meetings.issue_minutes(s, zhuren, m.id)
    for who in ("jiedai", "zixun"):
        with db.read() as s:
            minutes = meetings.minutes_data(s, actor(db, who), m.id)
            rows = meetings.decisions(s, actor(db, who))
        shown = repr(minutes) + repr(rows)
        assert "殴打" not in shown and "告诫书" not in shown and "人身安全" not in shown, who
        assert "已转家事调解室" in minutes.items[0].discussion
        assert minutes.items[1].discussion == "双方对边界仍有分歧。"  # the rest as written
        assert "两周内完成现场测量并再次调解" in [r.content for r in rows]
        with db.read() as s:  # the issued minutes as the meetings tab shows them
            shown = repr(meetings.meeting_input(s, actor(db, who), m.id))
        assert "殴打" not in shown and "人身安全" not in shown, who
    # A correction (a new, editable draft) is not a way round it; nor is a draft.
    with db.write() as s, pytest.raises(PermissionDenied, match="内容仅该室可见"):
        meetings.correct_minutes(s, actor(db, "jiedai"), m.id)
    with db.write() as s:
        draft = meetings.create_meeting(s, actor(db, "tiaojie"), data)
    with db.read() as s, pytest.raises(PermissionDenied, match="内容仅该室可见"):
        meetings.meeting_input(s, actor(db, "jiedai"), draft.id)
    with db.read() as s:
        assert "殴打" in repr(meetings.meeting_input(s, actor(db, "tiaojie"), draft.id))
    with db.read() as s:
        minutes = meetings.minutes_data(s, zhuren, m.id)
        rows = meetings.decisions(s, actor(db, "tiaojie"))
    assert "殴打" in minutes.items[0].discussion
    assert any("人身安全" in r.content for r in rows)


def test_a_mediator_cannot_read_a_counselling_matter_through_a_case_form(db):
    """调解: filling a case form from a matter routed to 暖心工作室 gives a mediator (outside
    that room) neither its summary nor its people."""
    jiedai = actor(db, "jiedai")
    with db.write() as s:
        data = make_input(db, category="心理服务", summary="来访者说想轻生，情绪低落。")
        data.unit_id = _unit(db, "暖心工作室")
        reg = intake.register_matter(s, jiedai, data)
    with db.read() as s:
        form = mediation.input_from_matter(s, actor(db, "tiaojie"), reg.id)
    assert "轻生" not in form.facts and form.facts.startswith("已转暖心工作室")
    assert form.parties == []
    with db.read() as s:  # the director, who oversees the center, reads it
        assert "轻生" in mediation.input_from_matter(s, actor(db, "zhuren"), reg.id).facts


def test_a_case_on_a_counselling_matter_shows_a_mediator_no_notes_of_its_timeline(db):
    """调解 case detail: the timeline of a matter also at 暖心工作室 keeps its steps, not
    their notes, for a mediator outside that room."""
    from tests.services.test_mediation import neighbours, open_case

    jiedai = actor(db, "jiedai")
    with db.write() as s:
        data = make_input(db, category="心理服务", summary="来访者说想轻生，情绪低落。")
        data.unit_id = _unit(db, "暖心工作室")
        reg = intake.register_matter(s, jiedai, data, at=clock.now() - timedelta(hours=1))
    zixun = actor(db, "zixun")
    with db.write() as s:
        flow.accept(s, zixun, reg.id)
        flow.add_progress(s, zixun, reg.id, "来访者称有轻生念头，已联系家属")
    ref = open_case(db, actor(db, "zhuren"), neighbours(db), matter_id=reg.id, at=clock.now())
    with db.read() as s:
        d = mediation.case_detail(s, actor(db, "tiaojie"), ref.id)
    assert d.timeline and "轻生" not in repr(d.timeline)
    with db.read() as s:
        d = mediation.case_detail(s, actor(db, "zhuren"), ref.id)
    assert "轻生" in repr(d.timeline)


def test_the_seal_asks_the_cases_table_by_the_models_names():
    """sealed.py asks mediation's cases by their table (so that printing a matter's document
    need not map them): the same table and columns, the room stored as its value."""
    from sqlalchemy.dialects import sqlite

    from app.models import MediationCase
    from app.models.enums import CaseRoom
    from app.services.reception import sealed

    model = MediationCase.__table__
    assert sealed.CASES.name == model.name
    assert {c.name for c in sealed.CASES.c} <= set(model.c.keys())
    for name in ("matter_id", "accepted_at"):
        assert type(sealed.CASES.c[name].type) is type(model.c[name].type)
    stored = model.c.room.type.bind_processor(sqlite.dialect())
    assert stored(CaseRoom.FAMILY) == CaseRoom.FAMILY.value
