"""Center settings stored as rows of JSON (center name, prefix, terminal, limits, idle lock)."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, fields
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.core.errors import ValidationError
from app.core.ops import Change, read_op, write_op
from app.models import Setting
from app.services.validation import validate_text


@dataclass(frozen=True)
class CenterSettings:
    center_name: str = ""
    center_phone: str = ""
    prefix: str = "ZZ"
    terminal: str = "A"
    # 受理编号 layout: {prefix}{year}-{terminal}-{seq:06d} → BS2026-A-000123
    number_format: str = "{prefix}{year}-{terminal}-{seq:06d}"
    idle_lock_minutes: int = 5
    max_failed_logins: int = 5
    lockout_minutes: int = 15
    password_min_length: int = 8
    is_demo: bool = False  # demo databases list their accounts on the log-in screen
    # 重复来访 on the command room's risk list: this many matters within this many days.
    repeat_visit_days: int = 90
    repeat_visit_min: int = 3
    # 督办: the reply a 督办单 asks for is due this many working days after it is issued.
    supervision_reply_days: int = 3
    # 回执上的查询提示; empty: "凭受理编号到{the window's unit}或拨打中心电话查询办理进度。"
    query_hint: str = ""
    # Counselling records (ciphertext only) travel in exchange bundles only when this is on.
    exchange_counselling: bool = False
    # Cipher of the counselling notes: "AES-256-GCM" or "SM4-GCM" (国密, for 密评).
    notes_algorithm: str = "AES-256-GCM"
    # Automatic backups kept: the newest copy of each of the last N days, ISO weeks, months.
    backup_keep_daily: int = 7
    backup_keep_weekly: int = 4
    backup_keep_monthly: int = 12
    # 文书署名 (中心资料): who fills each role on documents; empty means the default
    # (the committee named after the center, its name as the seal text).
    mediation_committee: str = ""
    mediation_seal: str = ""
    family_committee: str = ""
    center_address: str = ""
    # 例会检查: a 联席会议 counts only if these stationed units attended (names from 中心资料);
    # none set: at least one stationed unit.
    joint_required_units: tuple[str, ...] = ()
    # 暖心工作室: the director is alerted at log-in while a 危机 client has had no contact
    # (session or follow-up) for more than this many days.
    crisis_contact_days: int = 3
    # 突发事件: the 首报 is due this many minutes after an event of 较大 or above is marked.
    emergency_first_report_minutes: int = 30
    # 上下联动: a matter sent up or across (转上级/移送) with no answer after this many days is
    # shown as a reminder (等待反馈 turns red).
    upper_reply_days: int = 15
    # 特殊人群走访周期: a person of each group is visited at least every this many days
    # (``VISIT_INTERVALS``: 严重精神障碍患者 monthly …); later, the visit shows on 待走访.
    visit_days_correction: int = 30
    visit_days_released: int = 90
    visit_days_drugs: int = 90
    visit_days_mental: int = 30
    visit_days_other: int = 90
    # 身份证照片: stored (sealed to the recovery key, like the counselling notes) only when on.
    store_card_photo: bool = False


@read_op
def load_settings(session: Session) -> CenterSettings:
    rows = dict(session.execute(select(Setting.key, Setting.value)).all())
    values: dict[str, Any] = {}
    for f in fields(CenterSettings):
        if f.name in rows:
            value = json.loads(rows[f.name])
            values[f.name] = tuple(value) if isinstance(value, list) else value
    return CenterSettings(**values)


@write_op(Change.SETTINGS)
def save_settings(session: Session, **changes: Any) -> CenterSettings:
    known = {f.name for f in fields(CenterSettings)}
    unknown = set(changes) - known
    if unknown:
        raise ValidationError(f"未知的设置项：{'、'.join(sorted(unknown))}")
    current = asdict(load_settings(session))
    current.update(changes)
    settings = CenterSettings(**current)
    validate_settings(settings)
    for key, value in changes.items():
        row = session.get(Setting, key)
        if row is None:
            session.add(Setting(key=key, value=json.dumps(value, ensure_ascii=False)))
        else:
            row.value = json.dumps(value, ensure_ascii=False)
    session.flush()
    return settings


# The rotation of automatic backups: setting, what it counts, the most a center may keep.
BACKUP_KEEP = (
    ("backup_keep_daily", "保留的天数", 366),
    ("backup_keep_weekly", "保留的周数", 260),
    ("backup_keep_monthly", "保留的月数", 240),
)


# Settings typed as text: key, label, required, most characters (the center's name also
# heads every document and, with the meeting's kind, a minutes title of at most 120).
TEXT_SETTINGS = (
    ("center_name", "中心名称", True, 64),
    ("center_phone", "中心电话", False, 32),
    ("query_hint", "回执上的查询提示", False, 200),
    ("mediation_committee", "人民调解委员会名称", False, 64),
    ("mediation_seal", "人民调解委员会印章文字", False, 64),
    ("family_committee", "家事调解委员会名称", False, 64),
    ("center_address", "中心地址", False, 120),
)
# Settings typed as whole numbers: key, label, least, most, what to say outside the range.
NUMBER_SETTINGS = (
    ("idle_lock_minutes", "自动锁屏时间", 1, 240, "自动锁屏时间应在 1–240 分钟之间"),
    ("max_failed_logins", "连续错误次数", 1, 20, "连续错误次数应在 1–20 之间"),
    ("lockout_minutes", "锁定时间", 1, 1440, "锁定时间应在 1–1440 分钟之间"),
    ("password_min_length", "密码最短位数", 8, 64, "密码最短不能少于 8 位，也不能多于 64 位"),
    (
        "emergency_first_report_minutes",
        "突发事件首报时限",
        5,
        720,
        "突发事件首报时限应在 5–720 分钟之间",
    ),
    ("upper_reply_days", "上级反馈提醒天数", 1, 365, "上级反馈提醒天数应在 1–365 天之间"),
)
# 走访周期 per 特殊人群 group: setting, group (SpecialCategory value), label.
VISIT_INTERVALS = (
    ("visit_days_correction", "correction", "社区矫正人员走访周期"),
    ("visit_days_released", "released", "刑满释放人员走访周期"),
    ("visit_days_drugs", "drugs", "吸毒人员走访周期"),
    ("visit_days_mental", "mental", "严重精神障碍患者走访周期"),
    ("visit_days_other", "other", "其他特殊人群走访周期"),
)
NUMBER_SETTINGS += tuple(
    (key, label, 1, 366, f"{label}应在 1–366 天之间") for key, _group, label in VISIT_INTERVALS
)


def visit_interval(settings: CenterSettings, group: str) -> int:
    """Days between visits for a 特殊人群 group (its SpecialCategory value)."""
    for key, value, _label in VISIT_INTERVALS:
        if value == group:
            return getattr(settings, key)
    return settings.visit_days_other


def validate_settings(s: CenterSettings) -> None:
    problems: dict[str, str] = {}
    if not s.center_name.strip():
        problems["center_name"] = "请填写中心名称，如“白石街道综治工作中心”"
    for key, label, required, most in TEXT_SETTINGS:
        try:
            validate_text(getattr(s, key), key, label, required=required, max_len=most)
        except ValidationError as err:
            problems.setdefault(key, err.fields[key])
    if not (s.prefix.isascii() and s.prefix.isalnum() and 1 <= len(s.prefix) <= 8):
        problems["prefix"] = "编号前缀应为 1–8 位字母或数字，如 BS"
    if not (s.terminal.isascii() and s.terminal.isalnum() and 1 <= len(s.terminal) <= 4):
        problems["terminal"] = "终端代码应为 1–4 位字母或数字，如 A"
    try:
        s.number_format.format(prefix="X", year=2026, terminal="A", seq=1)
    except (KeyError, IndexError, ValueError):
        problems["number_format"] = "编号格式只能使用 {prefix} {year} {terminal} {seq}"
    if s.notes_algorithm not in ("AES-256-GCM", "SM4-GCM"):
        problems["notes_algorithm"] = "咨询记录加密算法只能是 AES-256-GCM 或 SM4-GCM"
    if s.idle_lock_minutes < 1:
        problems["idle_lock_minutes"] = "自动锁屏时间至少 1 分钟"
    for key, what, most in BACKUP_KEEP:
        value = getattr(s, key)
        if not (isinstance(value, int) and not isinstance(value, bool) and 1 <= value <= most):
            problems[key] = f"自动备份{what}应在 1–{most} 之间"
    if problems:
        raise ValidationError(problems)


ADMIN_EDITABLE = {
    "center_name",
    "center_phone",
    "idle_lock_minutes",
    "max_failed_logins",
    "lockout_minutes",
    "password_min_length",
    "query_hint",
    "notes_algorithm",
    "exchange_counselling",
    "backup_keep_daily",
    "backup_keep_weekly",
    "backup_keep_monthly",
    "emergency_first_report_minutes",
    "upper_reply_days",
    *(key for key, _group, _label in VISIT_INTERVALS),
    "store_card_photo",
}


@write_op(Change.SETTINGS)
def update_settings(session: Session, actor, **changes: Any) -> CenterSettings:
    """The admin's edits (permission-checked, audited). Prefix and terminal are set once."""
    from app.models import NotesRecoveryKey  # counselling's tables: registered when named
    from app.services.security import audit
    from app.services.security.permissions import Action, require

    require(actor, Action.MANAGE_SETTINGS)
    fixed = set(changes) - ADMIN_EDITABLE
    if fixed:
        raise ValidationError(f"这些设置不能在这里修改：{'、'.join(sorted(fixed))}")
    if "exchange_counselling" in changes:
        changes["exchange_counselling"] = bool(changes["exchange_counselling"])
    # The photo is sealed to the recovery key: storing it needs one.
    has_recovery = select(NotesRecoveryKey.id).limit(1)
    if changes.get("store_card_photo") and session.scalar(has_recovery) is None:
        raise ValidationError(
            {
                "store_card_photo": "保存身份证照片需要先设置暖心工作室的恢复密钥"
                "（照片用它加密）：请运行 zongzhi counselling-recovery"
            }
        )
    if "store_card_photo" in changes:
        changes["store_card_photo"] = bool(changes["store_card_photo"])
    problems: dict[str, str] = {}
    for key, label, required, most in TEXT_SETTINGS:
        if key in changes:
            value = "" if changes[key] is None else str(changes[key])
            try:
                changes[key] = validate_text(value, key, label, required=required, max_len=most)
            except ValidationError as err:
                problems.update(err.fields)
    whole = list(NUMBER_SETTINGS)
    whole += [
        (key, f"自动备份{what}", 1, most, f"自动备份{what}应在 1–{most} 之间")
        for key, what, most in BACKUP_KEEP
    ]
    for key, label, least, most, outside in whole:
        if key not in changes:
            continue
        try:
            changes[key] = int(changes[key])
        except (TypeError, ValueError, OverflowError):
            problems[key] = f"{label}应填写整数"
            continue
        if not least <= changes[key] <= most:
            problems[key] = outside
    if problems:
        raise ValidationError(problems)
    settings = save_settings(session, **changes)
    audit.record(session, actor, "settings_change", reason="、".join(sorted(changes)))
    return settings
