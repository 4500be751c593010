"""Demo data is realistic, idempotent in its accounts, and numbered like real registrations."""

from __future__ import annotations

import re
from collections import Counter
from datetime import date, datetime, timedelta

import pytest
from sqlalchemy import func, select

from app.db import open_database
from app.demo import grids as demo_grids
from app.demo.accounts import GRID_LOGIN
from app.demo.center import DEMO_ACCOUNTS, generate_demo
from app.models import (
    AuditEntry,
    Matter,
    MatterEvent,
    MatterPerson,
    MatterStatus,
    NumberCounter,
    Person,
    User,
)
from app.services.center.settings import load_settings
from app.services.reception import intake
from app.services.security import auth
from app.services.validation import validate_id_number


def test_demo_database(tmp_path):
    db = open_database(tmp_path / "demo.sqlite3")
    today = date(2026, 11, 25)
    first = generate_demo(db, 300, today=today)
    assert {u for u, _p, _r in first.created_accounts} == {u for u, *_ in DEMO_ACCOUNTS} | {
        GRID_LOGIN[0]
    }
    after_first = _extras(db)
    second = generate_demo(db, 300, today=today)
    # The demo mediation cases were opened directly, each registering its own matter, and the
    # showcase registered its matters (once), and the grid workers' reports (once).
    reports = len(demo_grids.REPORTS)
    assert second.created_accounts == [] and second.total_matters == 300 + 300 + 6 + 13 + reports
    with db.read() as s:  # every village has grids; a 网格员 account works in one of them
        from app.models import Channel, Grid, Village

        villages = set(s.scalars(select(Village.id).where(Village.active.is_(True))))
        assert villages == set(s.scalars(select(Grid.village_id)))
        assert s.scalar(select(func.count()).where(Grid.worker_user_id.is_not(None))) == 1
        grid_matters = select(func.count()).where(Matter.channel == Channel.GRID)
        assert s.scalar(grid_matters.where(Matter.grid_report_key.is_not(None))) == reports
    assert _extras(db) == after_first, "a second run adds only matters"
    with db.read() as s:
        from app.models import CaseRoom, CaseStatus
        from app.services.rooms import mediation

        mediator = auth.actor_for(s.scalar(select(User).where(User.username == "demo-mediator")))
        general = mediation.list_cases(s, mediator, CaseRoom.GENERAL, today=today)
        family = mediation.list_cases(s, mediator, CaseRoom.FAMILY, today=today)
        due = mediation.reminders(s, mediator, today=today)
    assert {r.status for r in general} == {
        CaseStatus.SUCCEEDED,
        CaseStatus.MEDIATING,
        CaseStatus.TRANSFERRED,
        CaseStatus.ARCHIVED,
    }
    assert len(family) == 2 and any(
        r.violence_risk and r.violence_risk.value == "high" for r in family
    )
    assert {r.kind for r in due} == {"回访", "履行期限"}

    with db.write() as s:
        assert load_settings(s).is_demo
        for username, password, role, _name in DEMO_ACCOUNTS:
            outcome = auth.login(s, username, password)
            assert outcome.actor is not None and outcome.actor.role == role
    with db.read() as s:
        matters = list(s.scalars(select(Matter)))
        seqs: dict[int, list[int]] = {}
        for m in matters:
            assert re.fullmatch(r"BS\d{4}-A-\d{6}", m.number)
            seqs.setdefault(m.year, []).append(m.seq)
        for year, values in seqs.items():
            assert sorted(values) == list(range(1, len(values) + 1)), f"gap in {year}"
            counter = s.get(NumberCounter, ("BS", year, "A"))
            assert counter.last_value == len(values)
        for id_number in s.scalars(select(Person.id_number).where(Person.id_number.is_not(None))):
            assert validate_id_number(id_number) == id_number
        visits = Counter(s.scalars(select(MatterPerson.person_id)))
        assert max(visits.values()) >= 2, "some people came more than once"
        assert any(any(ord(c) > 0xFFFF for c in n) for n in s.scalars(select(Person.name)))
        open_ = [m for m in matters if m.status.is_open]
        assert any(m.deadline < today for m in open_), "some open matters are overdue"
        answered = [m for m in matters if m.status == MatterStatus.ANSWERED]
        assert answered and all(m.answer for m in answered)
        assert (
            s.scalar(
                select(func.count())
                .select_from(AuditEntry)
                .where(AuditEntry.event == "demo_generate")
            )
            == 2
        )

    # A real registration afterwards continues the numbering.
    with db.write() as s:
        user = s.scalar(select(User).where(User.username == "demo-reception"))
        from tests.services.test_intake import make_input

        data = make_input(db)
        last = max(seqs[today.year])
        at = datetime(2026, 11, 25, 16, 0)
        result = intake.register_matter(s, auth.actor_for(user), data, at=at)
    assert result.number == f"BS2026-A-{last + 1:06d}"


def test_demo_refuses_a_real_centers_database(db):
    """Demo accounts have published passwords: a real center's database never gets them."""
    from app.demo.center import NotADemoDatabase

    with db.read() as s:
        users_before = set(s.scalars(select(User.username)))
        matters_before = s.scalar(select(func.count()).select_from(Matter))
    with pytest.raises(NotADemoDatabase, match="真实中心的数据库"):
        generate_demo(db, 3)
    with db.read() as s:
        assert set(s.scalars(select(User.username))) == users_before
        assert s.scalar(select(func.count()).select_from(Matter)) == matters_before
        assert not load_settings(s).is_demo


def _extras(db) -> dict[str, int]:
    """Rows of everything but the bulk matters (which each run adds)."""
    from app.models import (
        Absence,
        Arrangement,
        Attachment,
        CounsellingClient,
        Decision,
        LeaderDay,
        MediationCase,
        MediationRecord,
        Meeting,
        Migrant,
        Post,
        SafetyCreation,
        SpecialPerson,
        SupervisionOrder,
        Team,
    )

    models = (Absence, Arrangement, Attachment, MediationRecord, CounsellingClient, Decision,
              LeaderDay, MediationCase, Meeting, Migrant, Post, SafetyCreation, SpecialPerson,
              SupervisionOrder, Team, User)  # fmt: skip
    with db.read() as s:
        counts = {m.__name__: s.scalar(select(func.count()).select_from(m)) for m in models}
        counts["audit"] = s.scalar(
            select(func.count()).select_from(AuditEntry).where(AuditEntry.event != "demo_generate")
        )
    return counts


@pytest.fixture(scope="module")
def showcase(tmp_path_factory):
    """A demo database as `make run` makes it (300 matters, today a Wednesday)."""
    path = tmp_path_factory.mktemp("showcase") / "demo.sqlite3"
    db = open_database(path)
    today = date(2026, 11, 25)
    generate_demo(db, 300, today=today)
    with db.read() as s:
        actors = {
            u.username: auth.actor_for(u)
            for u in s.scalars(select(User).where(User.username.like("demo-%")))
        }
    return db, path, today, actors


def test_demo_work_views_are_populated(showcase):
    """督办单, 预约联动/陪访/代理, 领导接访, AB岗, 组团服务 and attachments all have rows."""
    from app.models import ArrangementKind, EventKind
    from app.services.reception import arrangements, attachments, posts, supervision, work_rules

    db, path, today, actors = showcase
    director, window = actors["demo-director"], actors["demo-reception"]
    with db.write() as s:
        orders = supervision.list_orders(s, director, only_open=False)
        assert any(not o.replied and o.late(today) for o in orders), "an open 督办单, overdue"
        assert any(not o.replied and not o.late(today) for o in orders), "one still in time"
        assert any(o.replied for o in orders), "one answered by its unit"
        kinds = {a.kind for a in arrangements.list_arrangements(s, window)}
        assert kinds == set(ArrangementKind)
        assert arrangements.list_arrangements(s, window, day=today), "今日预约"
        assert any(a.outcome for a in arrangements.list_arrangements(s, window)), (
            "an escort that took place"
        )
        days = work_rules.leader_days(s, window, today, today + timedelta(days=60))
        assert days and all(d.leader == "郑建华" for d in days)
        assert work_rules.matters_by_leader(s, window)["郑建华"]
        assert len(work_rules.list_teams(s, window)) >= 2
        assert {p.name for p in posts.list_posts(s, director)} >= {"矛盾纠纷调解员", "家事调解员"}
        assert posts.list_absences(s, director, today)
        covered = posts.waiting_on_absent(s, window, today)
        assert covered and all(c.absent == "李志明" and c.covered_by == "陈国平" for c in covered)
        # Routed to 李志明 while he is on leave: it went to his B, and the timeline says so.
        handed = s.scalars(
            select(MatterEvent.note).where(
                MatterEvent.kind == EventKind.ROUTED, MatterEvent.note.like("%B岗 陈国平%")
            )
        ).all()
        assert handed
        files = []
        for (mid,) in s.execute(
            select(MatterEvent.matter_id).where(MatterEvent.kind == EventKind.ATTACHMENT)
        ):
            files += attachments.list_attachments(s, window, mid)
        assert files
        folder = path.parent / "attachments"
        for f in files:  # stored under their hash, and they are PNG images
            stored = attachments.attachment_path(s, window, f.id, folder)
            assert f.file_name.endswith(".png") and stored.read_bytes()[:4] == b"\x89PNG"


def test_demo_closed_matters_have_results_and_satisfaction(showcase):
    from app.models import EventKind, Satisfaction
    from app.services.command import statistics

    db, _path, today, actors = showcase
    with db.read() as s:
        matters = list(s.scalars(select(Matter)))
        for m in matters:
            if m.status in (MatterStatus.DONE, MatterStatus.FED_BACK, MatterStatus.ARCHIVED):
                assert m.result and m.closed_at, m.number
            if m.status in (MatterStatus.FED_BACK, MatterStatus.ARCHIVED) and not m.answer:
                assert m.feedback_method and m.satisfaction, m.number
                assert m.closed_at <= m.feedback_at <= m.updated_at, m.number
        levels = Counter(m.satisfaction for m in matters if m.satisfaction)
        assert levels[Satisfaction.SATISFIED] > levels[Satisfaction.FAIRLY] > 0
        assert 0 < levels[Satisfaction.DISSATISFIED] < levels[Satisfaction.FAIRLY]
        # One 不满意 was reopened by the director, done again and archived.
        (reopened,) = [m for m in matters if m.reopened]
        kinds = [e.kind for e in reopened.events]
        assert kinds.count(EventKind.COMPLETED) == 2 and kinds[-1] == EventKind.ARCHIVED
        assert reopened.satisfaction == Satisfaction.FAIRLY
        # A bulk timeline reads like the services' one.
        archived = next(m for m in matters if m.status == MatterStatus.ARCHIVED and not m.reopened)
        assert [e.kind for e in archived.events][:3] == [
            EventKind.REGISTERED,
            EventKind.ROUTED,
            EventKind.ACCEPTED,
        ]
        dash = statistics.dashboard(s, actors["demo-director"], today=today)
    figures = {f.label: f for f in dash.figures}
    assert figures["本年满意率"].text != "—"
    assert float(figures["本年办结率"].text.rstrip("%")) > 85
    assert figures["督办中"].value >= 2


def test_demo_registers_cases_and_search(showcase):
    from app.models import CaseRoom, CaseStatus, MediationCase, MediationRecord
    from app.services.command import ledgers
    from app.services.rooms import mediation

    db, _path, today, actors = showcase
    window, mediator = actors["demo-reception"], actors["demo-mediator"]
    with db.read() as s:
        for code in ("migrants", "special", "safety"):
            table = ledgers.build_ledger(
                s, window, code, ledgers.LedgerFilter(date(today.year, 1, 1), today)
            )
            assert len(table.rows) >= 5, code
        for code in ("youth", "campus", "lines", "drugs", "social_aid"):
            table = ledgers.build_ledger(
                s, window, code, ledgers.LedgerFilter(date(today.year, 1, 1), today)
            )
            assert len(table.rows) >= 4, code
        assert sum(1 for r in table.rows if r[10]) >= 2, "aid records made from 求助 matters"
        assert table.totals[-1][0] == "合计"
        cases = list(s.scalars(select(MediationCase)))
        assert all(c.requests for c in cases), "每份人民调解申请书都有申请事项"
        family = mediation.list_cases(s, mediator, CaseRoom.FAMILY, today=today)
        (agreed,) = [c for c in family if c.status == CaseStatus.SUCCEEDED]
        records = select(func.count()).select_from(MediationRecord)
        assert s.scalar(records.where(MediationRecord.case_id == agreed.id)), "its 调解笔录"
        # Initials a user can try (README): zs → 张淑芬, 周顺利, 郑淑珍, 朱胜利.
        found = {r.persons for r in intake.search(s, window, "zs", limit=200)}
        assert {"张淑芬", "周顺利", "郑淑珍", "朱胜利"} <= found
        # Numbers follow the time of registration, the showcase's and the cases' included.
        rows = s.execute(
            select(Matter.year, Matter.received_at).order_by(Matter.year, Matter.seq)
        ).all()
        pairs = zip(rows, rows[1:], strict=False)
        assert all(a.received_at <= b.received_at for a, b in pairs if a.year == b.year)


def test_demo_meetings_look_held(showcase):
    from app.models import DecisionStatus, MeetingKind, MeetingStatus
    from app.services.meetings import meetings

    db, _path, today, actors = showcase
    window = actors["demo-reception"]
    with db.read() as s:
        rows = meetings.list_meetings(s, window)
        comp = meetings.compliance(s, window, today - timedelta(weeks=12), today)
        open_ = meetings.decisions(s, window)
        every = meetings.decisions(s, window, only_open=False)
    assert {r.kind for r in rows} == set(MeetingKind)
    assert {r.status for r in rows} == set(MeetingStatus)  # a draft, issued, one corrected
    assert [r.status for r in rows].count(MeetingStatus.SUPERSEDED) == 1
    missed = [w for w, state in comp.weeks if state == meetings.MISSING]
    assert 1 <= len(missed) <= 3, "a week or two missed, not more"
    assert all(state == meetings.HELD for y, m, state in comp.months[:-1])
    assert comp.weeks[-1][1] in (meetings.HELD, meetings.NOT_DUE)  # this week is not over
    assert any(d.overdue(today) for d in open_) and any(not d.overdue(today) for d in open_)
    assert any(d.status == DecisionStatus.DONE and d.result for d in every)
    numbers = [r.number for r in sorted(rows, key=lambda r: r.starts_at)]
    assert numbers == sorted(numbers), "meetings numbered in the order held"


def test_demo_is_the_same_for_the_same_seed(tmp_path):
    from app.models import SupervisionOrder

    def content(name: str):
        db = open_database(tmp_path / name / "demo.sqlite3")
        generate_demo(db, 60, today=date(2026, 11, 25), seed=7)
        with db.read() as s:
            return (
                s.execute(
                    select(
                        Matter.number, Matter.summary, Matter.status, Matter.satisfaction
                    ).order_by(Matter.number)
                ).all(),
                sorted(s.scalars(select(Person.name))),
                s.execute(
                    select(SupervisionOrder.number, SupervisionOrder.requirement).order_by(
                        SupervisionOrder.number
                    )
                ).all(),
            )

    assert content("a") == content("b")


def test_the_demo_shows_the_loop_with_the_higher_level_and_a_petitions_procedure(tmp_path):
    """何建平's matter came back from 县住建局; 林玉梅's 信访 letter went through 受理, 暂停,
    延期 and 复查 — each with its document."""
    from sqlalchemy import select

    from app.models import Attachment, EventKind, Matter, MatterPerson, Person, PetitionReview, User
    from app.services.reception import documents
    from app.services.security.auth import actor_for

    db = open_database(tmp_path / "demo.sqlite3")
    generate_demo(db, 20, today=date(2026, 11, 25))
    with db.read() as s:
        director = actor_for(s.scalar(select(User).where(User.username == "demo-director")))

        def matter_of(name: str) -> Matter:
            return s.scalar(
                select(Matter)
                .join(MatterPerson, MatterPerson.matter_id == Matter.id)
                .join(Person, Person.id == MatterPerson.person_id)
                .where(Person.name == name)
            )

        up, petition = matter_of("何建平"), matter_of("林玉梅")
        kinds = [e.kind for e in up.events]
        assert EventKind.UPPER_RESULT in kinds and up.status.value == "fed_back"
        assert s.scalar(select(Attachment.file_name).where(Attachment.matter_id == up.id))
        kinds = [e.kind for e in petition.events]
        for k in (EventKind.ROUTED, EventKind.PAUSED, EventKind.RESUMED, EventKind.EXTENDED):
            assert k in kinds
        review = s.scalar(select(PetitionReview).where(PetitionReview.matter_id == petition.id))
        assert review.opinion and review.decided_on
        titles = {d.title for d in documents.list_documents(s, director, petition.id)}
    assert {"受理告知书", "延期办理告知书", "处理意见书", "复查意见书"} <= titles


def test_demo_assessment_has_a_closed_quarter_items_and_training(showcase):
    """考核评价: last quarter's scheme with the quarter closed and ranked, items, training."""
    from app.services.command import assessment

    db, _path, today, actors = showcase
    director = actors["demo-director"]
    with db.read() as s:
        (scheme,) = assessment.schemes(s, director)  # 2026Q3 closed, 2026Q4 open
        closed = [p for p in scheme.periods if p.closed]
        assert scheme.frozen and [p.label for p in closed] == ["2026Q3"]
        units = assessment.scores(s, director, closed[0].id, "unit")
        villages = assessment.scores(s, director, closed[0].id, "village")
        assert units.version == 1 and len(units.rows) >= 5 and villages.rows
        assert any(c.points > 0 for c in units.rows[0].cells if c.code == "on_time")
        assert assessment.items(s, director, closed[0].id, "village")
        assert assessment.trainings(s, director, date(2026, 7, 1), today)
