"""Bad input on purpose, the event flow: every move's text (progress, reasons, results,
feedback, where a matter went), 督办 orders and replies, arranged services and their outcome,
leaders' reception days, service teams, A/B posts and absences.

Stored exactly (stripped) where the move keeps it, or refused in Chinese with nothing
written — the matter keeps its status."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from app.core import clock
from app.models import (
    Absence,
    Arrangement,
    ArrangementKind,
    LeaderDay,
    Matter,
    MatterEvent,
    MatterStatus,
    Post,
    Satisfaction,
    SupervisionOrder,
    Team,
    Unit,
    Village,
)
from app.models.base import now
from app.services.reception import arrangements, flow, intake, posts, supervision, work_rules
from app.services.reception.flow import MOVES, Move
from tests.conftest import actor
from tests.services.test_intake import make_input
from tests.strategies import FAIR, NAMES, SHORT_FAIR, attempt, center_database, mostly

S = MatterStatus
TEXT_OK = mostly(FAIR)
FAR = date(2099, 12, 31)


@pytest.fixture(scope="module")
def db(tmp_path_factory):
    yield from center_database(tmp_path_factory)


@pytest.fixture
def director(db):
    return actor(db, "zhuren")


def unit_id(db, name="司法所"):
    with db.read() as s:
        return s.scalar(select(Unit.id).where(Unit.name == name))


def matter_in(db, status: MatterStatus):
    """A new matter put straight into ``status``, routed to 司法所 (the moves' precondition)."""
    with db.write() as s:
        reg = intake.register_matter(s, actor(db, "jiedai"), make_input(db))
        m = s.get(Matter, reg.id)
        m.status, m.unit_id = status, s.scalar(select(Unit.id).where(Unit.name == "司法所"))
        m.satisfaction = Satisfaction.DISSATISFIED if status == S.FED_BACK else None
        return m.id


def move_note(db, mid, move: Move) -> str | None:
    with db.read() as s:
        return s.scalar(
            select(MatterEvent.note).where(
                MatterEvent.matter_id == mid, MatterEvent.kind == MOVES[move].event
            )
        )


MOVES_WITH_TEXT = [Move.RETURN, Move.PROGRESS, Move.REQUEST_EXTENSION, Move.COMPLETE, Move.FEEDBACK,
                   Move.REOPEN, Move.REJECT, Move.TRANSFER, Move.ROUTE]  # fmt: skip


@settings(max_examples=50)
@given(
    move=st.sampled_from(MOVES_WITH_TEXT),
    text=TEXT_OK,
    where=mostly(SHORT_FAIR),
    method=mostly(st.sampled_from(["电话", "当面", "短信"]) | SHORT_FAIR),
    handler=mostly(st.just("") | NAMES),
)
def test_every_move_with_words(db, director, move, text, where, method, handler):
    status = min(MOVES[move].sources, key=lambda s: s.value)
    mid = matter_in(db, status)
    values = {
        "text": text,
        "where": where,
        "method": method,
        "handler": handler,
        "unit_id": unit_id(db),
        "deadline": FAR,
        "satisfaction": Satisfaction.SATISFIED,
    }
    ok, _ = attempt(db, lambda s: flow.perform(s, director, mid, move, values))
    with db.read() as s:
        m = s.get(Matter, mid)
        got = (m.status, m.result, m.feedback_method, m.handler_name or "")
    if not ok:
        assert got[0] == status
        return
    assert got[0] == (MOVES[move].target or status)
    t, w = text.strip(), where.strip()
    note = {
        Move.RETURN: t,
        Move.PROGRESS: t,
        Move.COMPLETE: t,
        Move.REOPEN: t,
        Move.REJECT: f"{t}；已告知：{w}",
        Move.TRANSFER: f"移送{w}：{t}",
        Move.FEEDBACK: f"{method.strip()}反馈，满意" + (f"；{t}" if t else ""),
    }.get(move)
    if note is not None:
        assert move_note(db, mid, move) == note
    if move == Move.REQUEST_EXTENSION:
        assert move_note(db, mid, move).endswith(f"：{t}")
    if move == Move.COMPLETE:
        assert got[1] == t
    if move == Move.FEEDBACK:
        assert got[2] == method.strip()
    if move == Move.ROUTE:
        assert got[3] == handler.strip()


@pytest.fixture(scope="module")
def open_matter(db):
    return matter_in(db, S.IN_PROGRESS)


@settings(max_examples=30)
@given(requirement=TEXT_OK, reply=TEXT_OK)
def test_supervision_orders_and_replies(db, director, open_matter, requirement, reply):
    unit = unit_id(db, "综合行政执法队")
    ok, order = attempt(
        db,
        lambda s: (
            supervision.issue_order(
                s, director, open_matter, unit, requirement, clock.today() + timedelta(days=3)
            ).id
        ),
    )
    if not ok:
        return
    ok, _ = attempt(db, lambda s: supervision.record_reply(s, director, order, reply))
    with db.read() as s:
        o = s.get(SupervisionOrder, order)
        assert (o.requirement, o.reply) == (requirement.strip(), reply.strip() if ok else None)


@settings(max_examples=30)
@given(
    kind=st.sampled_from(list(ArrangementKind)),
    parties=mostly(SHORT_FAIR),
    staff=mostly(st.just("") | NAMES),
    outcome=TEXT_OK,
)
def test_arranged_services_and_their_outcome(
    db, director, open_matter, kind, parties, staff, outcome
):
    at = now().replace(second=0, microsecond=0) + timedelta(days=1)
    ok, aid = attempt(
        db,
        lambda s: (
            arrangements.arrange(
                s,
                director,
                open_matter,
                kind,
                at,
                parties,
                staff,
                clock.today() + timedelta(days=5),
            ).id
        ),
    )
    if not ok:
        return
    ok, _ = attempt(db, lambda s: arrangements.record_outcome(s, director, aid, outcome))
    with db.read() as s:
        a = s.get(Arrangement, aid)
        assert (a.parties, a.staff, a.outcome) == (
            parties.strip(),
            staff.strip(),
            outcome.strip() if ok else None,
        )


@settings(max_examples=30)
@given(
    place=mostly(st.just("") | SHORT_FAIR),
    team=mostly(SHORT_FAIR),
    members=TEXT_OK,
    post=mostly(SHORT_FAIR),
    reason=mostly(SHORT_FAIR),
)
def test_reception_days_teams_posts_and_absences(db, director, place, team, members, post, reason):
    admin, receptionist = actor(db, "admin"), actor(db, "jiedai")
    day = date(2026, 12, 2)
    ok, row = attempt(
        db, lambda s: work_rules.schedule_leader_day(s, director, director.user_id, day, place).id
    )
    if ok:
        with db.read() as s:
            assert s.get(LeaderDay, row).place == place.strip()
    with db.read() as s:
        village = s.scalar(select(Village.id).where(Village.name == "白石村"))
    ok, row = attempt(
        db, lambda s: work_rules.form_team(s, receptionist, team, members, village_id=village).id
    )
    if ok:
        with db.read() as s:
            t = s.get(Team, row)
            assert (t.name, t.members) == (team.strip(), members.strip())
    ok, row = attempt(
        db, lambda s: posts.set_post(s, admin, post, director.user_id, receptionist.user_id).id
    )
    if ok:
        with db.read() as s:
            assert s.get(Post, row).name == post.strip()
    ok, row = attempt(
        db,
        lambda s: (
            posts.add_absence(
                s, admin, receptionist.user_id, day, day + timedelta(days=1), reason
            ).id
        ),
    )
    if ok:
        with db.read() as s:
            assert s.get(Absence, row).reason == reason.strip()
