"""Demo 网格: two or three grids in every village with their 网格长 and 网格员, a 网格员
account (demo-grid, 白石村's first grid), the villages' people spread over their grids, and
some 网格上报 matters registered through intake, as an imported report sheet would be."""

from __future__ import annotations

import random
from datetime import date, datetime, time, timedelta

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from app.demo.accounts import GRID_LOGIN
from app.models import Category, Channel, Grid, Matter, MatterPerson, Person, Role, User, Village
from app.services.center import grids
from app.services.context import Actor
from app.services.pinyin import person_keys
from app.services.reception import intake
from app.services.security.auth import actor_for, create_user

GRID_ACCOUNT = (GRID_LOGIN[0], GRID_LOGIN[1], GRID_LOGIN[4])  # a 网格员 of 白石村's first grid
_SURNAMES = "王李张刘陈杨黄赵吴周徐孙朱胡林何郑谢"
_GIVEN = "建国志强秀英丽华晓明海燕春梅国庆红霞伟东玉兰"
REPORTS = [
    ("矛盾纠纷", "两户村民因宅基地边界争执，已初步劝解，请求中心调解"),
    ("矛盾纠纷", "出租房房东与租客因押金退还发生纠纷"),
    ("求助", "独居老人家中漏水，无力维修，请求帮助"),
    ("矛盾纠纷", "小区楼上漏水至楼下，两户协商未果"),
    ("求助", "困难家庭子女上学费用有困难，申请救助"),
    ("矛盾纠纷", "村道旁堆放建筑垃圾，村民意见较大"),
]


def _person(rng: random.Random) -> str:
    return rng.choice(_SURNAMES) + "".join(rng.sample(_GIVEN, 2))


def _code(name: str) -> str:
    return (person_keys(name)[1] or "cun").upper()[:4]


def missing(s: Session) -> bool:
    return not s.scalar(select(func.count()).select_from(Grid))


def report_times(today: date) -> list[datetime]:
    """When the demo 网格上报 matters are registered (numbered in turn with the others)."""
    return [datetime.combine(today - timedelta(days=1 + 2 * i), time(9 + i, 10)) for i in
            range(len(REPORTS))]  # fmt: skip


def add_grids(s: Session, today: date, numbers, *, seed: int = 2026) -> bool:
    """Once per database (nothing is added where grids exist); ``numbers`` keeps the 受理编号
    reserved for the reports at their times (``center._Numbers``). True when the 网格员
    account was made here (the demo command then lists it with the others)."""
    if not missing(s):
        return False
    rng = random.Random(seed + 20)
    system = Actor.system("A")
    account = None
    if not s.scalar(select(User.id).where(User.username == GRID_ACCOUNT[0])):
        username, password, display = GRID_ACCOUNT
        account = create_user(s, system, username, display, Role.GRID_WORKER, password)
    villages = list(
        s.scalars(select(Village).where(Village.active.is_(True)).order_by(Village.sort))
    )
    codes: set[str] = set()
    made: list[tuple[Village, list]] = []
    for v in villages:
        prefix = _code(v.name)
        while prefix in codes:
            prefix += "X"
        codes.add(prefix)
        ids = []
        for n in range(1, 2 + (len(v.name) % 2) + 1):
            worker = (
                GRID_ACCOUNT[2] if account is not None and not made and n == 1 else _person(rng)
            )
            data = grids.GridInput(
                v.id,
                f"{prefix}-{n:02d}",
                f"{v.name}第{'一二三'[n - 1]}网格",
                leader_name=_person(rng),
                leader_phone=f"138{rng.randrange(10**8):08d}",
                worker_name=worker,
                worker_phone=f"139{rng.randrange(10**8):08d}",
                worker_user_id=account.id if account is not None and not made and n == 1 else None,
                coverage=f"{v.name}{'一二三'[n - 1]}组、{'四五六'[n - 1]}组及沿街商铺",
            )
            ids.append(grids.save_grid(s, system, None, data))
        made.append((v, ids))
        # The village's people spread over its grids.
        people = list(s.scalars(select(Person.id).where(Person.village_id == v.id)))
        for i, gid in enumerate(ids):
            chunk = people[i :: len(ids)]
            for start in range(0, len(chunk), 500):
                s.execute(
                    update(Person)
                    .where(Person.id.in_(chunk[start : start + 500]))
                    .values(grid_id=gid)
                )
    # The matters so far are in their first visitor's grid (the 网格上报 below name theirs).
    first = (
        select(Person.grid_id)
        .join(MatterPerson, MatterPerson.person_id == Person.id)
        .where(MatterPerson.matter_id == Matter.id, MatterPerson.position == 0)
        .scalar_subquery()
    )
    s.execute(update(Matter).where(Matter.grid_id.is_(None)).values(grid_id=first))
    categories = {c.name: c.id for c in s.scalars(select(Category))}
    reception = s.scalar(select(User).where(User.username == "demo-reception"))
    if reception is None:
        return account is not None
    window = actor_for(reception, "A")
    worker = actor_for(account, "A") if account is not None else None
    for i, ((category, summary), when) in enumerate(zip(REPORTS, report_times(today), strict=True)):
        if category not in categories or not made:
            continue
        village, ids = made[i % min(len(made), 4)]
        gid = ids[i % len(ids)]
        grid = s.get(Grid, gid)
        day = when.date()
        data = intake.IntakeInput(
            channel=Channel.GRID,
            visitors=[intake.VisitorInput(_person(rng), village_id=village.id)],
            category_id=categories[category],
            summary=summary,
            grid_id=gid,
            # Mostly the 网格员; now and then the 网格长 reports himself.
            grid_reporter=grid.leader_name if i % 3 == 2 else grid.worker_name,
            grid_report_key=f"{grid.code}:WG-{day:%Y%m%d}-{i + 1}",
        )
        # The demo 网格员 reports its own grid's; the window registers the sheets of the rest.
        who = worker if worker is not None and grid.worker_user_id == account.id else window
        with numbers.at(s, when):
            intake.register_matter(s, who, data, at=when)
    return account is not None
