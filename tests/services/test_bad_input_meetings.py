"""Bad input on purpose, meetings: the record's fields, attendees, agenda, decisions and the
result a decision is closed with. Stored exactly (stripped) or refused in Chinese, nothing
written; a refused change leaves the draft as it was."""

from __future__ import annotations

from datetime import date, datetime

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from app.models import AttendanceKind, Decision, DecisionStatus, MeetingKind
from app.services.meetings import meetings
from app.services.meetings.meetings import AttendeeInput, DecisionInput, ItemInput, MeetingInput
from tests.conftest import actor
from tests.strategies import FAIR, NAMES, SHORT_FAIR, attempt, center_database, mostly

TEXT_OK = mostly(FAIR)
ATTENDEES = st.lists(
    st.builds(
        AttendeeInput,
        mostly(NAMES),
        mostly(st.just("") | SHORT_FAIR),
        st.sampled_from(list(AttendanceKind)),
        mostly(st.just("") | SHORT_FAIR),
    ),
    max_size=3,
)
ITEMS = st.lists(st.builds(ItemInput, mostly(SHORT_FAIR), TEXT_OK), max_size=3)
DECISIONS = st.lists(
    st.builds(
        DecisionInput,
        TEXT_OK,
        mostly(SHORT_FAIR),
        mostly(st.just(date(2026, 12, 31)), st.none()),
    ),
    max_size=3,
)
MEETINGS = st.builds(
    MeetingInput,
    kind=st.sampled_from(list(MeetingKind)),
    starts_at=st.just(datetime(2026, 11, 5, 9, 0)),
    place=mostly(st.just("") | SHORT_FAIR),
    chair=mostly(NAMES),
    recorder=mostly(NAMES),
    title=mostly(st.just("") | SHORT_FAIR),
    situation=TEXT_OK,
    distribution=mostly(st.just("") | SHORT_FAIR),
    attendees=ATTENDEES,
    items=ITEMS,
    decisions=DECISIONS,
)


@pytest.fixture(scope="module")
def db(tmp_path_factory):
    yield from center_database(tmp_path_factory)


@pytest.fixture
def recorder(db):
    return actor(db, "jiedai")


def expected(data: MeetingInput) -> MeetingInput:
    """What the service keeps of the input: every text stripped, and the default title."""
    return MeetingInput(
        kind=data.kind,
        starts_at=data.starts_at,
        place=data.place.strip(),
        chair=data.chair.strip(),
        recorder=data.recorder.strip(),
        title=data.title.strip() or meetings.default_title("白石街道综治工作中心", data.kind),
        situation=data.situation.strip(),
        distribution=data.distribution.strip(),
        attendees=[
            AttendeeInput(a.name.strip(), a.unit.strip(), a.attendance, a.reason.strip())
            for a in data.attendees
        ],
        items=[ItemInput(i.title.strip(), i.discussion.strip()) for i in data.items],
        decisions=[
            DecisionInput(d.content.strip(), d.responsible.strip(), d.deadline)
            for d in data.decisions
        ],
    )


def stored(db, meeting_id) -> MeetingInput:
    with db.read() as s:
        return meetings.meeting_input(s, actor(db, "jiedai"), meeting_id)


@settings(max_examples=40)
@given(data=MEETINGS)
def test_recording_a_meeting(db, recorder, data):
    ok, ref = attempt(db, lambda s: meetings.create_meeting(s, recorder, data))
    if ok:
        assert stored(db, ref.id) == expected(data)


@pytest.fixture(scope="module")
def draft(db):
    data = MeetingInput(
        MeetingKind.WEEKLY, datetime(2026, 11, 9, 9), chair="周主任", recorder="李接待"
    )
    with db.write() as s:
        return meetings.create_meeting(s, actor(db, "jiedai"), data)


@settings(max_examples=30)
@given(data=MEETINGS)
def test_changing_a_draft(db, recorder, draft, data):
    before = stored(db, draft.id)
    ok, _ = attempt(db, lambda s: meetings.save_meeting(s, recorder, draft.id, data))
    assert stored(db, draft.id) == (expected(data) if ok else before)


def an_open_decision(db):
    """A decision of issued minutes still open; new minutes when every one is closed."""
    director = actor(db, "zhuren")
    with db.read() as s:
        open_ = meetings.decisions(s, director)
    if open_:
        return open_[0].id
    data = MeetingInput(
        MeetingKind.JOINT,
        datetime(2026, 11, 10, 9),
        chair="周主任",
        recorder="李接待",
        attendees=[AttendeeInput("周主任", "综治中心")],
        items=[ItemInput("议定事项", "逐项研究。")],
        decisions=[DecisionInput(f"第{i}项", "司法所", date(2026, 12, 31)) for i in range(20)],
    )
    with db.write() as s:
        ref = meetings.create_meeting(s, actor(db, "jiedai"), data)
        meetings.issue_minutes(s, director, ref.id)
    return an_open_decision(db)


@settings(max_examples=30)
@given(result=TEXT_OK)
def test_closing_a_decision(db, result):
    director = actor(db, "zhuren")
    decision_id = an_open_decision(db)
    ok, _ = attempt(db, lambda s: meetings.close_decision(s, director, decision_id, result))
    with db.read() as s:
        d = s.get(Decision, decision_id)
        assert (d.status, d.result) == (
            (DecisionStatus.DONE, result.strip()) if ok else (DecisionStatus.OPEN, None)
        )
