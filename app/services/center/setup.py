"""Setting up a center: settings, first admin, default units and categories, holidays."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.core.errors import ValidationError
from app.core.ops import Change, read_op, write_op
from app.models import Category, LimitKind, Role, Unit, UnitKind, User, Village
from app.services.center.calendar import seed_from_library
from app.services.center.settings import CenterSettings, save_settings, validate_settings
from app.services.context import Actor
from app.services.security import audit
from app.services.security.auth import check_password_rules, create_user
from app.services.validation import validate_text

# The center's own rooms and office (notice 2020-65) and the units stationed at its window.
DEFAULT_UNITS: list[tuple[str, UnitKind]] = [
    ("群众接待窗口", UnitKind.ROOM),
    ("矛盾纠纷调解室", UnitKind.ROOM),
    ("家事调解室", UnitKind.ROOM),
    ("暖心工作室", UnitKind.ROOM),
    ("综合信息指挥室", UnitKind.ROOM),
    ("政法办", UnitKind.ROOM),
    ("派出所", UnitKind.STATIONED),
    ("司法所", UnitKind.STATIONED),
    ("信访办", UnitKind.STATIONED),
    ("综合行政执法队", UnitKind.STATIONED),
    ("人力社保所", UnitKind.STATIONED),
    ("应急管理（安全生产）", UnitKind.STATIONED),
    ("禁毒办", UnitKind.STATIONED),
    ("流动人口服务管理站", UnitKind.STATIONED),
    ("妇联", UnitKind.STATIONED),
    ("人武部", UnitKind.STATIONED),
    ("防范处理邪教办", UnitKind.STATIONED),
    ("县级相关部门", UnitKind.EXTERNAL),
]

# docs/DOMAIN.md §2–3: category → time limit and the unit it usually goes to.
DEFAULT_CATEGORIES: list[tuple[str, LimitKind, int, str | None]] = [
    ("咨询", LimitKind.SAME_DAY, 0, "群众接待窗口"),
    ("求助", LimitKind.WORKING, 5, None),
    ("投诉", LimitKind.WORKING, 7, None),
    ("矛盾纠纷", LimitKind.CALENDAR, 30, "矛盾纠纷调解室"),
    ("家事纠纷", LimitKind.CALENDAR, 30, "家事调解室"),
    ("心理服务", LimitKind.WORKING, 5, "暖心工作室"),
    ("信访事项", LimitKind.CALENDAR, 60, "信访办"),
    ("安全隐患", LimitKind.WORKING, 5, "应急管理（安全生产）"),
    ("其他", LimitKind.WORKING, 7, None),
]


@read_op
def is_initialised(session: Session) -> bool:
    return bool(session.scalar(select(func.count()).select_from(User)))


@write_op(Change.REFERENCE)
def seed_reference_data(session: Session) -> None:
    """Default units and categories, only where none exist yet (idempotent)."""
    if not session.scalar(select(func.count()).select_from(Unit)):
        for i, (name, kind) in enumerate(DEFAULT_UNITS):
            session.add(Unit(name=name, kind=kind, sort=i, active=True))
        session.flush()
    if not session.scalar(select(func.count()).select_from(Category)):
        units = {u.name: u.id for u in session.scalars(select(Unit))}
        for i, (name, kind, days, unit) in enumerate(DEFAULT_CATEGORIES):
            session.add(
                Category(
                    name=name,
                    limit_kind=kind,
                    limit_days=days,
                    default_unit_id=units.get(unit) if unit else None,
                    is_xinfang=name == "信访事项",
                    sort=i,
                    active=True,
                )
            )
        session.flush()


@write_op(Change.REFERENCE)
def add_villages(session: Session, names: list[str]) -> int:
    existing = set(session.scalars(select(Village.name)))
    problems: dict[str, str] = {}
    clean = []
    for i, name in enumerate(names):
        try:
            clean.append(
                validate_text(name, f"villages[{i}]", f"第 {i + 1} 个村（社区）名称", max_len=64)
            )
        except ValidationError as err:
            if (name or "").strip():  # blank lines are skipped, as before
                problems.update(err.fields)
    if problems:
        raise ValidationError(problems)
    added = 0
    for i, name in enumerate(clean):
        if name and name not in existing:
            session.add(Village(name=name, sort=len(existing) + i))
            existing.add(name)
            added += 1
    session.flush()
    return added


@write_op(Change.SETTINGS, Change.REFERENCE, Change.CALENDAR, Change.USERS)
def init_center(
    session: Session,
    *,
    center_name: str,
    prefix: str,
    terminal: str,
    admin_username: str,
    admin_password: str,
    admin_display_name: str = "系统管理员",
    center_phone: str = "",
    villages: list[str] | None = None,
) -> User:
    """Create a center in an empty database; refused if it already has users."""
    if is_initialised(session):
        raise ValidationError("该数据库已经初始化过，不能重复初始化。")
    settings = CenterSettings(
        center_name=center_name.strip(),
        center_phone=center_phone.strip(),
        prefix=prefix.strip().upper(),
        terminal=terminal.strip().upper(),
    )
    validate_settings(settings)
    check_password_rules(admin_password, admin_username)
    system = Actor.system(settings.terminal)
    save_settings(
        session,
        center_name=settings.center_name,
        center_phone=settings.center_phone,
        prefix=settings.prefix,
        terminal=settings.terminal,
    )
    seed_reference_data(session)
    seed_from_library(session)
    if villages:
        add_villages(session, villages)
    admin = create_user(
        session, system, admin_username, admin_display_name, Role.ADMIN, admin_password
    )
    audit.record(session, system, "center_init", reason=settings.center_name)
    return admin
