"""Every role against every service action, compared with the one permission table."""

from __future__ import annotations

import json
import tempfile
import uuid
from datetime import date, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from app.core import clock
from app.core.errors import PermissionDenied
from app.models import (
    BundleConflict,
    CaseRoom,
    ClientSource,
    DayKind,
    Decision,
    ExtensionRequest,
    ExtensionStatus,
    Matter,
    MatterStatus,
    Meeting,
    MeetingStatus,
    ReportKind,
    Role,
    TargetGroup,
    Unit,
    User,
)
from app.services.center import calendar_admin, grids, reference_admin, settings
from app.services.command import assessment as asm
from app.services.command import duty, importing, ledgers, registers, reports_upward, statistics
from app.services.data import exchange
from app.services.meetings import meetings
from app.services.reception import detail, flow, intake, posts, receipts, supervision
from app.services.reception.intake import MatterFilter
from app.services.rooms import counselling, mediation
from app.services.security import auth, notes_keys
from app.services.security.permissions import PERMISSIONS, Action, allowed
from tests.conftest import actor
from tests.services.test_intake import make_input
from tests.services.test_mediation import neighbours
from tests.services.test_meetings import joint

USERS = {
    Role.RECEPTIONIST: "jiedai",
    Role.MEDIATOR: "tiaojie",
    Role.COUNSELLOR: "zixun",
    Role.DIRECTOR: "zhuren",
    Role.DEPUTY_DIRECTOR: "fuzhuren",  # made by the test that needs it
    Role.ADMIN: "admin",
    Role.GRID_WORKER: "wangge",  # made by the test that needs it, without a grid yet
}


def role_actor(db, role: Role):
    if role == Role.DEPUTY_DIRECTOR:  # not in the shared center: made here
        with db.write() as s:
            auth.create_user(s, actor(db, "admin"), "fuzhuren", "吴副主任", role, "Deputy#2026pw")
    if role == Role.GRID_WORKER:
        with db.write() as s:
            auth.create_user(s, actor(db, "admin"), "wangge", "吴网格", role, "Grid#2026pwX")
    return actor(db, USERS[role])


def _matter_id(s):
    return s.scalar(select(Matter.id).order_by(Matter.seq))


def _conflict(s):
    mid = _matter_id(s)
    c = BundleConflict(
        table_name="matters",
        row_key=json.dumps([str(mid)]),
        terminal="B",
        bundle_id=uuid.uuid4(),
        matter_id=mid,
        center_row="{}",
        terminal_row="{}",
        terminal_hash="0" * 64,
    )
    s.add(c)
    s.flush()
    return c.id


def _meeting(s, status):
    return s.scalar(select(Meeting.id).where(Meeting.status == status))


def _open_decision(s):
    return s.scalar(select(Decision.id).join(Meeting).where(Meeting.status == MeetingStatus.ISSUED))


def _matter_in(s, status):
    return s.scalar(select(Matter.id).where(Matter.status == status))


def _later(s, mid):
    """A date an extension may ask for: after today and the deadline, within the 30 days."""
    return max(s.get(Matter, mid).deadline, clock.today()) + timedelta(days=5)


def _asked(s):
    """The routed matter, with an extension request waiting for the director."""
    mid = _matter_in(s, MatterStatus.ROUTED)
    s.add(
        ExtensionRequest(
            matter_id=mid,
            reason="需等待鉴定结果",
            proposed_deadline=_later(s, mid),
            old_deadline=clock.today(),
            requested_at=clock.now(),
            status=ExtensionStatus.PENDING,
        )
    )
    s.flush()
    return mid


def _unit(s):
    return s.scalar(select(Unit.id).where(Unit.name == "司法所"))


def _sheet(db):
    path = Path(tempfile.mkdtemp()) / "import.csv"
    path.write_text("受理时间,类别,姓名,事项摘要\n2026-03-05,投诉,王五,噪音\n", encoding="utf-8")
    return path


def _user_id(s):
    return s.scalar(select(User.id).where(User.username == "jiedai"))


def _unit_id(s) -> uuid.UUID:
    return s.scalar(select(Unit.id).where(Unit.name == "司法所"))


def _period(s, db) -> uuid.UUID:
    """A 2031 scheme and its first quarter, made by the director (rolled back with the probe)."""
    director = actor(db, "zhuren")
    return asm.open_period(s, director, asm.create_scheme(s, director, 2031), "2031Q1")


def _director_id(s):
    return s.scalar(select(User.id).where(User.username == "zhuren"))


def _report_input():
    return reports_upward.ReportInput(ReportKind.BRIEF, "简报", "正文")


def _report(s, db):
    return reports_upward.create_report(s, actor(db, "jiedai"), _report_input()).id


# Each action, tried through every service function that performs it.
PROBES = {
    Action.REGISTER_MATTER: [lambda s, a, db: intake.register_matter(s, a, make_input(db))],
    Action.VIEW_MATTERS: [
        lambda s, a, db: intake.list_matter_ids(s, a, MatterFilter()),
        lambda s, a, db: intake.count_matters(s, a, MatterFilter()),
        lambda s, a, db: detail.matter_detail(s, a, _matter_id(s)),
        lambda s, a, db: intake.earlier_visits(s, a, name="王𠮷"),
        lambda s, a, db: intake.search(s, a, "王"),
        lambda s, a, db: detail.find_matter_id(s, a, f"BS{clock.today().year}-A-000001"),
    ],
    Action.PRINT_RECEIPT: [lambda s, a, db: receipts.receipt_pdf(s, a, _matter_id(s))],
    Action.MANAGE_USERS: [
        lambda s, a, db: auth.list_users(s, a),
        lambda s, a, db: auth.create_user(s, a, "newuser", "新人", Role.MEDIATOR, "Xinren#2026"),
        lambda s, a, db: auth.reset_password(s, a, _user_id(s), "Chongzhi#2026"),
        lambda s, a, db: auth.set_role(s, a, _user_id(s), Role.RECEPTIONIST),
        lambda s, a, db: auth.set_active(s, a, _user_id(s), True),
        lambda s, a, db: auth.unlock_user(s, a, _user_id(s)),
    ],
    Action.MANAGE_SETTINGS: [lambda s, a, db: settings.update_settings(s, a, idle_lock_minutes=3)],
    Action.MANAGE_CALENDAR: [
        lambda s, a, db: calendar_admin.year_view(s, a, 2031),
        lambda s, a, db: calendar_admin.set_day(s, a, date(2031, 1, 1), DayKind.HOLIDAY, "元旦"),
        lambda s, a, db: calendar_admin.clear_day(s, a, date(2031, 1, 1)),
        lambda s, a, db: calendar_admin.mark_year_entered(s, a, 2031),
    ],
    Action.ROUTE_MATTER: [
        lambda s, a, db: flow.route(s, a, _matter_in(s, MatterStatus.REGISTERED), _unit(s)),
        lambda s, a, db: flow.reject(s, a, _matter_in(s, MatterStatus.REGISTERED), "理由", "途径"),
        lambda s, a, db: flow.transfer(s, a, _matter_in(s, MatterStatus.ROUTED), "某局", "原件"),
    ],
    Action.HANDLE_MATTER: [
        lambda s, a, db: flow.accept(s, a, _matter_in(s, MatterStatus.ROUTED)),
        lambda s, a, db: flow.return_matter(s, a, _matter_in(s, MatterStatus.ROUTED), "理由"),
        lambda s, a, db: flow.request_extension(
            s, a, (m := _matter_in(s, MatterStatus.ROUTED)), _later(s, m), "需等待鉴定结果"
        ),
    ],
    Action.APPROVE_MATTER: [
        lambda s, a, db: flow.extend(s, a, _asked(s)),
        lambda s, a, db: flow.refuse_extension(s, a, _asked(s), "理由不充分"),
    ],
    Action.CLOSE_MATTER: [
        lambda s, a, db: flow.archive(s, a, _matter_in(s, MatterStatus.ANSWERED)),
    ],
    Action.MANAGE_POSTS: [
        lambda s, a, db: posts.set_post(s, a, "综合受理窗口", _user_id(s), None),
        lambda s, a, db: posts.add_absence(
            s, a, _user_id(s), date(2026, 12, 1), date(2026, 12, 3), "年假"
        ),
    ],
    Action.SUPERVISE: [
        lambda s, a, db: supervision.issue_order(
            s, a, _matter_id(s), _unit(s), "三日内答复", clock.today() + timedelta(days=3)
        ),
    ],
    Action.VIEW_MEETINGS: [
        lambda s, a, db: meetings.list_meetings(s, a),
        lambda s, a, db: meetings.decisions(s, a),
        lambda s, a, db: meetings.compliance(s, a, date(2026, 1, 1), date(2026, 3, 1)),
        lambda s, a, db: meetings.minutes_data(s, a, _meeting(s, MeetingStatus.ISSUED)),
        lambda s, a, db: meetings.meeting_input(s, a, _meeting(s, MeetingStatus.DRAFT)),
    ],
    Action.RECORD_MEETING: [
        lambda s, a, db: meetings.create_meeting(s, a, joint()),
        lambda s, a, db: meetings.save_meeting(s, a, _meeting(s, MeetingStatus.DRAFT), joint()),
        lambda s, a, db: meetings.correct_minutes(s, a, _meeting(s, MeetingStatus.ISSUED)),
        lambda s, a, db: meetings.figures_draft(s, a, date(2026, 1, 1), date(2026, 2, 1)),
    ],
    Action.ISSUE_MINUTES: [
        lambda s, a, db: meetings.issue_minutes(s, a, _meeting(s, MeetingStatus.DRAFT)),
    ],
    Action.VIEW_CASES: [
        lambda s, a, db: mediation.list_cases(s, a, CaseRoom.GENERAL),
        lambda s, a, db: mediation.reminders(s, a),
        lambda s, a, db: mediation.matters_waiting(s, a, CaseRoom.FAMILY),
    ],
    Action.MEDIATE_CASE: [
        lambda s, a, db: mediation.open_case(s, a, neighbours(db), at=datetime(2026, 11, 2, 9)),
    ],
    Action.CLOSE_DECISION: [
        lambda s, a, db: meetings.close_decision(s, a, _open_decision(s), "已办结"),
    ],
    Action.VIEW_LEDGERS: [
        lambda s, a, db: ledgers.build_ledger(s, a, "matters"),
        lambda s, a, db: ledgers.list_ledgers(a),
    ],
    Action.EDIT_REGISTERS: [
        lambda s, a, db: registers.add_record(
            s, a, "safety", {"kind": "平安村", "name": "白石村", "year": 2026, "status": "创建中"}
        ),
    ],
    Action.EXPORT_LEDGERS: [
        lambda s, a, db: ledgers.export_ledger(s, a, "safety", None, "xlsx"),
    ],
    Action.IMPORT_DATA: [
        lambda s, a, db: importing.import_sheet(s, a, "matters", _sheet(db)),
    ],
    Action.VIEW_REFERENCE: [lambda s, a, db: reference_admin.load_reference(s, a)],
    Action.MANAGE_REFERENCE: [
        lambda s, a, db: reference_admin.save_village(s, a, None, "探针村"),
        lambda s, a, db: reference_admin.set_document_roles(s, a, center_address="文化路1号"),
    ],
    Action.EXCHANGE_BUNDLES: [
        lambda s, a, db: exchange.registered_terminals(s, a),
        lambda s, a, db: exchange.list_conflicts(s, a),
    ],
    Action.RESOLVE_CONFLICTS: [
        lambda s, a, db: exchange.resolve_conflict(s, a, _conflict(s), "center"),
    ],
    Action.VIEW_COMMAND: [
        lambda s, a, db: statistics.dashboard(s, a),
        lambda s, a, db: statistics.matter_ids_for(s, a, ("overdue",)),
    ],
    Action.COUNSELLING_NOTES: [
        lambda s, a, db: counselling.list_clients(s, a),
        lambda s, a, db: counselling.due_follow_ups(s, a),
        lambda s, a, db: notes_keys.access_state(s, a),
        lambda s, a, db: counselling.register_client(
            s,
            a,
            counselling.ClientInput(
                TargetGroup.OTHER, ClientSource.SELF, pseudonym="小周", use_pseudonym=True
            ),
        ),
    ],
    Action.COUNSELLING_OVERVIEW: [
        lambda s, a, db: counselling.crisis_alerts(s, a),
        lambda s, a, db: counselling.client_overview(s, a),
        lambda s, a, db: counselling.list_activities(s, a),
    ],
    Action.KEEP_DUTY: [
        lambda s, a, db: duty.day_log(s, a, clock.today()),
        lambda s, a, db: duty.log_entry(s, a, duty.EntryInput(clock.now(), "来电", "停水")),
        lambda s, a, db: duty.pending_first_reports(s, a),
    ],
    Action.MANAGE_ROSTER: [
        lambda s, a, db: duty.build_roster(
            s, a, clock.today(), clock.today(), [_director_id(s)], [_user_id(s)]
        ),
    ],
    Action.WRITE_REPORTS: [
        lambda s, a, db: reports_upward.list_reports(s, a),
        lambda s, a, db: reports_upward.create_report(s, a, _report_input()),
        lambda s, a, db: reports_upward.escalate_matter(
            s, a, _matter_id(s), "县委政法委", "需县级协调", _report(s, db)
        ),
    ],
    Action.SIGN_REPORTS: [
        lambda s, a, db: reports_upward.sign_report(s, a, _report(s, db)),
    ],
    Action.SET_UP_COUNSELLING: [
        lambda s, a, db: notes_keys.create_recovery_key(s, a),
    ],
    Action.GRID_MATTERS: [lambda s, a, db: grids.my_grid(s, a)],
    Action.VIEW_ASSESSMENT: [
        lambda s, a, db: asm.schemes(s, a),
        lambda s, a, db: asm.scores(s, a, _period(s, db), "unit"),
    ],
    Action.MANAGE_ASSESSMENT: [
        lambda s, a, db: asm.create_scheme(s, a, 2031),
        lambda s, a, db: asm.open_period(
            s, a, asm.create_scheme(s, actor(db, "zhuren"), 2031), "2031Q2"
        ),
    ],
    Action.SCORE_ITEMS: [
        lambda s, a, db: asm.add_item(
            s, a, asm.ItemInput(_period(s, db), "unit", _unit_id(s), "bonus", 1, "表现突出")
        ),
    ],
}


def test_every_action_has_probes():
    assert set(PROBES) | {Action.VIEW_PERSONAL_DATA} == set(Action)


@pytest.mark.parametrize("role", list(Role), ids=lambda r: r.value)
def test_role_against_every_action(db, role):
    with db.write() as s:  # matters, a draft meeting and issued minutes to work on
        intake.register_matter(s, actor(db, "jiedai"), make_input(db))
        routed = make_input(db)
        # 暖心工作室 has no accounts: its counsellors and the center's matter staff work it
        # (a unit such as 司法所 without accounts is no counsellor's: test_room_confidentiality).
        routed.unit_id = s.scalar(select(Unit.id).where(Unit.name == "暖心工作室"))
        intake.register_matter(s, actor(db, "jiedai"), routed)
        answered = make_input(db, category="咨询")
        answered.answer = "已解答"
        intake.register_matter(s, actor(db, "jiedai"), answered)
        meetings.create_meeting(s, actor(db, "jiedai"), joint())
        issued = meetings.create_meeting(s, actor(db, "jiedai"), joint())
        meetings.issue_minutes(s, actor(db, "zhuren"), issued.id)
    who = role_actor(db, role)
    for action, probes in PROBES.items():
        for probe in probes:
            expected = role in PERMISSIONS[action]
            try:
                with db.write() as s:
                    probe(s, who, db)
                    s.rollback()  # leave the database as it was for the next probe
                got = True
            except PermissionDenied as exc:
                assert "权限" in exc.message
                got = False
            assert got == expected, f"{role.value} / {action.value}: {got} != table {expected}"


@pytest.mark.parametrize("role", list(Role), ids=lambda r: r.value)
def test_whole_id_numbers_only_for_roles_that_need_them(db, role):
    with db.write() as s:
        mid = intake.register_matter(s, actor(db, "jiedai"), make_input(db)).id
    who = role_actor(db, role)
    if not allowed(who, Action.VIEW_MATTERS):
        with db.read() as s, pytest.raises(PermissionDenied):
            detail.matter_detail(s, who, mid, masked=False)
        return
    with db.read() as s:
        shown = detail.matter_detail(s, who, mid, masked=False).persons[0].id_number
    whole = role in PERMISSIONS[Action.VIEW_PERSONAL_DATA]
    assert (shown == "11010519491231002X") == whole
    assert "*" in shown or whole


def test_the_admin_sets_the_password_rules_and_they_apply(db, admin):
    with db.write() as s:
        settings.update_settings(s, admin, password_min_length=12, idle_lock_minutes=3)
    with db.write() as s, pytest.raises(auth.ValidationError, match="至少要 12 位"):
        auth.create_user(s, admin, "short", "短", Role.MEDIATOR, "Short#2026")
    with db.read() as s:
        assert settings.load_settings(s).idle_lock_minutes == 3
    with db.write() as s, pytest.raises(auth.ValidationError, match="不能少于 8 位"):
        settings.update_settings(s, admin, password_min_length=4)
