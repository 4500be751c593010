"""网格 (全科网格) in 中心资料: the grids of each village or community, with 网格长, 网格员
and what they cover; which grid a 网格员 account works in (``grid_scope``).

A village holds many grids; a grid's code is unique in the center. Grids are deactivated,
never deleted (matters and people keep theirs). A 网格员 account sees and reports only its own
grid's matters: the matter services ask ``grid_scope`` for the grid to hold them to.
"""

from __future__ import annotations

import re
import unicodedata
import uuid
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.core.errors import PermissionDenied, ValidationError
from app.core.ops import Change, read_op, write_op
from app.models import Grid, Role, User, Village
from app.services.context import Actor
from app.services.security import audit
from app.services.security.permissions import Action, require
from app.services.validation import validate_phone, validate_text

CODE_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]{0,31}$")


@dataclass(frozen=True)
class GridItem:
    id: uuid.UUID
    village_id: uuid.UUID
    village: str
    code: str
    name: str
    leader_name: str
    leader_phone: str
    worker_name: str
    worker_phone: str
    worker_user_id: uuid.UUID | None
    worker_username: str
    coverage: str
    active: bool

    @property
    def label(self) -> str:
        """How a form offers it: 名称（编码）."""
        return f"{self.name}（{self.code}）"


@dataclass(frozen=True)
class GridInput:
    village_id: uuid.UUID | None
    code: str
    name: str
    leader_name: str = ""
    leader_phone: str = ""
    worker_name: str = ""
    worker_phone: str = ""
    worker_user_id: uuid.UUID | None = None
    coverage: str = ""


# --- reading ---------------------------------------------------------------------------------


@read_op
def grid_items(session: Session, village_id: uuid.UUID | None = None) -> list[GridItem]:
    """Every grid (or a village's), active or not, by village and then their order."""
    villages = {v.id: (v.sort, v.name) for v in session.scalars(select(Village))}
    users = dict(session.execute(select(User.id, User.username)).all())
    q = select(Grid)
    if village_id is not None:
        q = q.where(Grid.village_id == village_id)
    grids = sorted(
        session.scalars(q), key=lambda g: (villages.get(g.village_id, (0, "")), g.sort, g.code)
    )
    return [
        GridItem(
            g.id,
            g.village_id,
            villages.get(g.village_id, (0, ""))[1],
            g.code,
            g.name,
            g.leader_name,
            g.leader_phone,
            g.worker_name,
            g.worker_phone,
            g.worker_user_id,
            users.get(g.worker_user_id, "") if g.worker_user_id else "",
            g.coverage,
            g.active,
        )
        for g in grids
    ]


@read_op
def load_grids(
    session: Session, actor: Actor, village_id: uuid.UUID | None = None
) -> list[GridItem]:
    """中心资料 → 网格: every grid with its people (phones whole: the admin keeps them)."""
    require(actor, Action.VIEW_REFERENCE)
    return grid_items(session, village_id)


@read_op
def grid_workers(session: Session, actor: Actor) -> list[tuple[uuid.UUID, str]]:
    """The active 网格员 accounts (id, "姓名（用户名）"), for the grid editor's choice."""
    require(actor, Action.VIEW_REFERENCE)
    users = session.scalars(
        select(User)
        .where(User.role == Role.GRID_WORKER, User.active.is_(True))
        .order_by(User.display_name)
    )
    return [(u.id, f"{u.display_name}（{u.username}）") for u in users]


@read_op
def grid_scope(session: Session, actor: Actor) -> uuid.UUID | None:
    """The one grid whose matters ``actor`` is held to: a 网格员's own grid; None for staff
    who see every matter (``VIEW_MATTERS``, required here). A 网格员 without a grid is refused."""
    if actor.role != Role.GRID_WORKER:
        require(actor, Action.VIEW_MATTERS)
        return None
    require(actor, Action.GRID_MATTERS)
    grid_id = session.scalar(
        select(Grid.id).where(Grid.worker_user_id == actor.user_id, Grid.active.is_(True))
    )
    if grid_id is None:
        raise PermissionDenied(
            "网格员账号还没有分配网格，暂无查看和登记事项的权限；"
            "请联系系统管理员在 中心资料 → 网格 中指定。"
        )
    return grid_id


@read_op
def my_grid(session: Session, actor: Actor) -> GridItem | None:
    """The grid a 网格员 account works in (None until the admin assigns one)."""
    require(actor, Action.GRID_MATTERS)
    grid_id = session.scalar(select(Grid.id).where(Grid.worker_user_id == actor.user_id))
    return next((g for g in grid_items(session) if g.id == grid_id), None)


# --- changing --------------------------------------------------------------------------------


def _code(value: str) -> str:
    return unicodedata.normalize("NFKC", value or "").strip().upper()


def _check(session: Session, data: GridInput, grid_id: uuid.UUID | None) -> GridInput:
    problems: dict[str, str] = {}
    village = session.get(Village, data.village_id) if data.village_id else None
    if village is None:
        problems["village"] = "请选择网格所属的村社区"
    elif not village.active and (
        grid_id is None or session.get(Grid, grid_id).village_id != village.id
    ):
        problems["village"] = f"“{village.name}”已停用或已合并，请选择在用的村社区"
    code = _code(data.code)
    if not code:
        problems["code"] = "请填写网格编码，如 XH-01"
    elif not CODE_RE.match(code):
        problems["code"] = "网格编码只能用字母、数字、- 和 _，最长 32 位，如 XH-01"
    else:
        other = session.scalar(
            select(Grid).where(Grid.code == code, Grid.id != grid_id)
            if grid_id
            else select(Grid).where(Grid.code == code)
        )
        if other is not None:
            problems["code"] = f"网格编码 {code} 已被“{other.name}”使用"
    clean: dict[str, str] = {}
    for key, label, most, required in (
        ("name", "网格名称", 64, True),
        ("leader_name", "网格长", 64, False),
        ("worker_name", "网格员", 64, False),
        ("coverage", "覆盖范围", 2000, False),
    ):
        try:
            clean[key] = validate_text(
                getattr(data, key) or "", key, label, required=required, max_len=most
            )
        except ValidationError as err:
            problems.update(err.fields or {key: err.message})
    for key, label in (("leader_phone", "网格长电话"), ("worker_phone", "网格员电话")):
        raw = (getattr(data, key) or "").strip()
        clean[key] = ""
        if raw:
            try:
                clean[key] = validate_phone(raw)
            except ValidationError as err:
                problems[key] = f"{label}：{next(iter(err.fields.values()), err.message)}"
    if data.worker_user_id is not None:
        user = session.get(User, data.worker_user_id)
        if user is None or user.role != Role.GRID_WORKER:
            problems["worker_user"] = "网格员账号应是角色为“网格员”的用户"
        else:
            held = session.scalar(
                select(Grid).where(Grid.worker_user_id == user.id, Grid.id != grid_id)
                if grid_id
                else select(Grid).where(Grid.worker_user_id == user.id)
            )
            if held is not None:
                problems["worker_user"] = f"账号 {user.username} 已是“{held.name}”的网格员"
    if problems:
        raise ValidationError(problems)
    return GridInput(
        village.id,
        code,
        clean["name"],
        clean["leader_name"],
        clean["leader_phone"],
        clean["worker_name"],
        clean["worker_phone"],
        data.worker_user_id,
        clean["coverage"],
    )


_LABELS = {
    "village_id": "所属村社区",
    "code": "编码",
    "name": "名称",
    "leader_name": "网格长",
    "leader_phone": "网格长电话",
    "worker_name": "网格员",
    "worker_phone": "网格员电话",
    "worker_user_id": "网格员账号",
    "coverage": "覆盖范围",
}


@write_op(Change.REFERENCE)
def save_grid(
    session: Session, actor: Actor, grid_id: uuid.UUID | None, data: GridInput
) -> uuid.UUID:
    """Add a grid (``grid_id`` None) or change one; its code must be new in the center."""
    require(actor, Action.MANAGE_REFERENCE)
    d = _check(session, data, grid_id)
    values = {k: getattr(d, k) for k in _LABELS}
    if grid_id is None:
        top = session.scalar(select(Grid.sort).order_by(Grid.sort.desc()).limit(1))
        grid = Grid(
            id=uuid.uuid4(), sort=(top + 1) if top is not None else 0, active=True, **values
        )
        session.add(grid)
        session.flush()
        what = f"新增“{d.name}”（{d.code}）"
    else:
        grid = session.get(Grid, grid_id)
        if grid is None:
            raise ValidationError("找不到这个网格，可能已被他人修改，请刷新后重试。")
        changed = [k for k, v in values.items() if getattr(grid, k) != v]
        if not changed:
            return grid.id
        for k in changed:
            setattr(grid, k, values[k])
        session.flush()
        what = f"“{d.name}”（{d.code}）修改" + "、".join(_LABELS[k] for k in changed)
    audit.record(
        session,
        actor,
        "reference_change",
        object_type="grid",
        object_id=grid.id,
        reason=f"网格：{what}",
    )
    return grid.id


@write_op(Change.REFERENCE)
def set_grid_active(session: Session, actor: Actor, grid_id: uuid.UUID, active: bool) -> None:
    """停用 / 启用 a grid: a deactivated grid is missing from new choices; history keeps it."""
    require(actor, Action.MANAGE_REFERENCE)
    grid = session.get(Grid, grid_id)
    if grid is None:
        raise ValidationError("找不到这个网格，可能已被他人修改，请刷新后重试。")
    if grid.active == active:
        return
    if active and not session.get(Village, grid.village_id).active:
        raise ValidationError(f"“{grid.name}”所属的村社区已停用，请先启用村社区。")
    grid.active = active
    session.flush()
    audit.record(
        session,
        actor,
        "reference_change",
        object_type="grid",
        object_id=grid.id,
        reason=f"网格：{'启用' if active else '停用'}“{grid.name}”",
    )
