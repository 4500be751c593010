"""Who may do what: one table, checked by every service (a hidden button is not a check)."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from enum import StrEnum

from app.core.errors import PermissionDenied
from app.models import Role
from app.services.context import Actor
from app.services.security import rights  # noqa: F401 — every operation re-reads its user


class Action(StrEnum):
    REGISTER_MATTER = "register_matter"
    VIEW_MATTERS = "view_matters"
    VIEW_PERSONAL_DATA = "view_personal_data"  # unmasked ID numbers and phones
    PRINT_RECEIPT = "print_receipt"
    MANAGE_USERS = "manage_users"
    MANAGE_SETTINGS = "manage_settings"
    MANAGE_CALENDAR = "manage_calendar"
    ROUTE_MATTER = "route_matter"
    HANDLE_MATTER = "handle_matter"
    APPROVE_MATTER = "approve_matter"
    CLOSE_MATTER = "close_matter"
    SUPERVISE = "supervise"
    MANAGE_POSTS = "manage_posts"
    VIEW_MEETINGS = "view_meetings"
    RECORD_MEETING = "record_meeting"
    ISSUE_MINUTES = "issue_minutes"
    CLOSE_DECISION = "close_decision"
    VIEW_CASES = "view_cases"
    MEDIATE_CASE = "mediate_case"
    EXCHANGE_BUNDLES = "exchange_bundles"
    RESOLVE_CONFLICTS = "resolve_conflicts"
    VIEW_COMMAND = "view_command"
    COUNSELLING_NOTES = "counselling_notes"
    COUNSELLING_OVERVIEW = "counselling_overview"
    SET_UP_COUNSELLING = "set_up_counselling"
    VIEW_LEDGERS = "view_ledgers"
    EDIT_REGISTERS = "edit_registers"
    EXPORT_LEDGERS = "export_ledgers"
    IMPORT_DATA = "import_data"
    VIEW_REFERENCE = "view_reference"
    MANAGE_REFERENCE = "manage_reference"
    KEEP_DUTY = "keep_duty"
    MANAGE_ROSTER = "manage_roster"
    WRITE_REPORTS = "write_reports"
    SIGN_REPORTS = "sign_reports"
    GRID_MATTERS = "grid_matters"  # a 网格员: its own grid's matters only (services check it)
    VIEW_ASSESSMENT = "view_assessment"
    MANAGE_ASSESSMENT = "manage_assessment"
    SCORE_ITEMS = "score_items"


_ALL_STAFF = {Role.RECEPTIONIST, Role.MEDIATOR, Role.COUNSELLOR, Role.DIRECTOR, Role.ADMIN}

# 主任 and 常务副主任: the deputy has the director's rights everywhere (the table below names
# the director; the deputy is added to every action the director has, after it).
DIRECTORS = frozenset({Role.DIRECTOR, Role.DEPUTY_DIRECTOR})

_TABLE: dict[Action, frozenset[Role]] = {
    Action.REGISTER_MATTER: frozenset({Role.RECEPTIONIST, Role.MEDIATOR, Role.DIRECTOR}),
    Action.VIEW_MATTERS: frozenset({Role.RECEPTIONIST, Role.MEDIATOR, Role.DIRECTOR}),
    Action.VIEW_PERSONAL_DATA: frozenset({Role.RECEPTIONIST, Role.MEDIATOR, Role.DIRECTOR}),
    Action.PRINT_RECEIPT: frozenset({Role.RECEPTIONIST, Role.MEDIATOR, Role.DIRECTOR}),
    Action.MANAGE_USERS: frozenset({Role.ADMIN}),
    Action.MANAGE_SETTINGS: frozenset({Role.ADMIN}),
    Action.MANAGE_CALENDAR: frozenset({Role.ADMIN, Role.DIRECTOR}),
    # The event flow: the window and the director route; handlers in rooms and units work
    # the matter and ask for an extension; only the director decides on extensions and
    # approves reopening.
    Action.ROUTE_MATTER: frozenset({Role.RECEPTIONIST, Role.DIRECTOR}),
    Action.HANDLE_MATTER: frozenset(
        {Role.RECEPTIONIST, Role.MEDIATOR, Role.COUNSELLOR, Role.DIRECTOR}
    ),
    Action.APPROVE_MATTER: frozenset({Role.DIRECTOR}),
    Action.CLOSE_MATTER: frozenset({Role.RECEPTIONIST, Role.DIRECTOR}),
    Action.SUPERVISE: frozenset({Role.DIRECTOR}),
    Action.MANAGE_POSTS: frozenset({Role.DIRECTOR, Role.ADMIN}),
    # Meetings: every member of staff attends and may keep the record; the director issues.
    Action.VIEW_MEETINGS: frozenset(_ALL_STAFF - {Role.ADMIN}),
    Action.RECORD_MEETING: frozenset(_ALL_STAFF - {Role.ADMIN}),
    Action.ISSUE_MINUTES: frozenset({Role.DIRECTOR}),
    Action.CLOSE_DECISION: frozenset({Role.RECEPTIONIST, Role.MEDIATOR, Role.DIRECTOR}),
    # The mediation rooms: mediators and the director only (parties' disputes and minors).
    # Changing a case also needs being one of its mediators, or the director (service check).
    Action.VIEW_CASES: frozenset({Role.MEDIATOR, Role.DIRECTOR}),
    Action.MEDIATE_CASE: frozenset({Role.MEDIATOR, Role.DIRECTOR}),
    # Command room and ledgers: the director analyses; the window and the mediators keep the
    # registers (流动人口, 特殊人群, 平安创建) and bring in the old sheets. Counsellors keep
    # their own confidential records and see no ledgers of other people.
    Action.VIEW_COMMAND: frozenset({Role.DIRECTOR}),
    # 暖心工作室: only counsellors see clients, sessions and notes; the director sees who is at
    # risk, since when and who is responsible, never the notes; the admin sets up the recovery key.
    Action.COUNSELLING_NOTES: frozenset({Role.COUNSELLOR}),
    Action.COUNSELLING_OVERVIEW: frozenset({Role.COUNSELLOR, Role.DIRECTOR}),
    Action.SET_UP_COUNSELLING: frozenset({Role.ADMIN}),
    Action.VIEW_LEDGERS: frozenset({Role.RECEPTIONIST, Role.MEDIATOR, Role.DIRECTOR}),
    Action.EDIT_REGISTERS: frozenset({Role.RECEPTIONIST, Role.MEDIATOR, Role.DIRECTOR}),
    Action.EXPORT_LEDGERS: frozenset({Role.RECEPTIONIST, Role.MEDIATOR, Role.DIRECTOR}),
    Action.IMPORT_DATA: frozenset({Role.RECEPTIONIST, Role.DIRECTOR}),
    # Exchange bundles between offline terminals and the center: the admin (or the director)
    # carries them; which version of a record changed on both sides wins is the director's call.
    Action.EXCHANGE_BUNDLES: frozenset({Role.ADMIN, Role.DIRECTOR}),
    Action.RESOLVE_CONFLICTS: frozenset({Role.DIRECTOR}),
    # 中心资料 (units, villages, categories, who signs documents): the admin keeps it.
    Action.VIEW_REFERENCE: frozenset({Role.ADMIN, Role.DIRECTOR}),
    Action.MANAGE_REFERENCE: frozenset({Role.ADMIN}),
    # 值班: whoever is on duty keeps the log; the director makes the roster. 信息报送: the
    # window and the mediators draft reports and 呈报 matters; the director signs (签发).
    Action.KEEP_DUTY: frozenset(_ALL_STAFF - {Role.ADMIN}),
    Action.MANAGE_ROSTER: frozenset({Role.DIRECTOR}),
    Action.WRITE_REPORTS: frozenset({Role.RECEPTIONIST, Role.MEDIATOR, Role.DIRECTOR}),
    Action.SIGN_REPORTS: frozenset({Role.DIRECTOR}),
    # 网格员: sees and reports (网格上报) only the matters of the grid it works in; the other
    # matter actions are not theirs (grid_scope in app/services/reception/grids.py).
    Action.GRID_MATTERS: frozenset({Role.GRID_WORKER}),
    # 考核评价: the director keeps schemes, periods and training records; the window and the
    # mediators see the scores; 加分/扣分 items are the director's alone. Not the admin: a
    # figure opens into the matters behind it, and the admin reads no casework.
    Action.VIEW_ASSESSMENT: frozenset({Role.RECEPTIONIST, Role.MEDIATOR, Role.DIRECTOR}),
    Action.MANAGE_ASSESSMENT: frozenset({Role.DIRECTOR}),
    Action.SCORE_ITEMS: frozenset({Role.DIRECTOR}),
}

PERMISSIONS: dict[Action, frozenset[Role]] = {
    action: roles | DIRECTORS if Role.DIRECTOR in roles else roles
    for action, roles in _TABLE.items()
}

ACTION_LABELS: dict[Action, str] = {
    Action.REGISTER_MATTER: "登记事项",
    Action.VIEW_MATTERS: "查看事项",
    Action.VIEW_PERSONAL_DATA: "查看完整身份证号和电话",
    Action.PRINT_RECEIPT: "打印受理回执",
    Action.MANAGE_USERS: "管理用户",
    Action.MANAGE_SETTINGS: "修改中心设置",
    Action.MANAGE_CALENDAR: "维护节假日",
    Action.ROUTE_MATTER: "分流交办、不予受理或移送事项",
    Action.HANDLE_MATTER: "承办事项（接收、退回、记录进展、申请延期、办结）",
    Action.APPROVE_MATTER: "审批延期申请或批准重新办理",
    Action.CLOSE_MATTER: "结果反馈和归档",
    Action.SUPERVISE: "督查督办",
    Action.MANAGE_POSTS: "设置AB岗和人员请假",
    Action.VIEW_MEETINGS: "查看会议记录",
    Action.RECORD_MEETING: "记录会议",
    Action.ISSUE_MINUTES: "印发会议纪要",
    Action.CLOSE_DECISION: "办结议定事项",
    Action.VIEW_CASES: "查看调解案件",
    Action.MEDIATE_CASE: "办理调解案件",
    Action.EXCHANGE_BUNDLES: "导出、导入交换包，登记终端公钥",
    Action.RESOLVE_CONFLICTS: "决定交换冲突采用哪个版本",
    Action.VIEW_COMMAND: "查看指挥研判",
    Action.COUNSELLING_NOTES: "查看和记录心理咨询内容",
    Action.COUNSELLING_OVERVIEW: "查看暖心工作室风险预警",
    Action.SET_UP_COUNSELLING: "设置咨询记录恢复密钥",
    Action.VIEW_LEDGERS: "查看工作台账",
    Action.EDIT_REGISTERS: "登记台账记录",
    Action.EXPORT_LEDGERS: "导出工作台账",
    Action.IMPORT_DATA: "导入表格",
    Action.VIEW_REFERENCE: "查看中心资料",
    Action.MANAGE_REFERENCE: "维护中心资料（单位、村社区、事项类别、文书署名）",
    Action.KEEP_DUTY: "值班（值班日志、交接班、突发事件）",
    Action.MANAGE_ROSTER: "排班（值班表）",
    Action.WRITE_REPORTS: "起草信息报送、呈报事项",
    Action.SIGN_REPORTS: "签发信息报送",
    Action.GRID_MATTERS: "查看和上报本网格的事项",
    Action.VIEW_ASSESSMENT: "查看考核评价",
    Action.MANAGE_ASSESSMENT: "管理考核方案、考核期和教育培训",
    Action.SCORE_ITEMS: "录入考核加分、扣分",
}


def allowed(actor: Actor, action: Action) -> bool:
    if actor.role is None:  # the program itself (set-up, demo data)
        return actor.username == "system"
    return actor.role in PERMISSIONS[action]


def require(actor: Actor, action: Action) -> None:
    if not allowed(actor, action):
        role = actor.role.label if actor.role else "未登录"
        raise PermissionDenied(f"{role}没有“{ACTION_LABELS[action]}”的权限，请联系系统管理员。")


def oversees_all(actor: Actor) -> bool:
    """The director (or the program itself, writing set-up and demo data) may act on a matter,
    a case or a 督办单 that otherwise belongs to its handler, its unit or its mediators."""
    return actor.role is None or actor.role in DIRECTORS


def may_change_case(actor: Actor, mediator_ids: Iterable[uuid.UUID]) -> bool:
    """Changing a mediation case: the director, or one of this case's mediators."""
    return oversees_all(actor) or (actor.user_id is not None and actor.user_id in set(mediator_ids))
