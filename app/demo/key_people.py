"""Demo 重点人员、重点场所: the 特殊人群's visit histories (two people overdue, one visit that
finds 高 risk) and a few 重点场所 with their inspections, one problem still open."""

from __future__ import annotations

import random
from datetime import date, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.core.ops import Change, write_op
from app.models import Grid, KeyPlace, SpecialPerson, User, Village
from app.services.center.settings import load_settings, visit_interval
from app.services.security.auth import actor_for

# fmt: off
_OVERDUE = [
    # name, category, village, helper, listed and last visited days ago
    ("林小东", "社区矫正", "石坦村", "司法所 黄丽", 260, 41),
    ("郑美娟", "严重精神障碍患者", "塘下村", "村医 杨建华", 400, 52),
]
_VISITORS = ("网格员 陈思远", "网格员 周敏", "司法所 徐慧敏", "村治保主任 胡立新", "民警 吴建军")
_FINDINGS = (
    "本人在家，情绪稳定，近期无异常。",
    "电话联系本人及家属，生活正常，按时报到。",
    "视频查看居住情况，家属监护到位。",
    "在企业上班，收入稳定，与邻里关系良好。",
)
_PLACES = [
    # name, kind, village, address, responsible, unit, inspections: (days ago, inspector,
    # findings, problems, rectified, deadline days from inspection)
    ("白石村工业区3号出租房", "出租房", "白石村", "白石村工业区3号", "林德华", "派出所", [
        (70, "民警 吴建军", "住户 12 人，流动人口均已登记。", "", False, None),
        (10, "网格员 陈思远", "新入住 2 人，已补登记。", "楼道电动车充电", False, 15),
    ]),
    ("金港KTV", "娱乐场所", "金港社区", "金港路88号", "陈志明", "派出所", [
        (30, "派出所 治安组", "营业登记齐全，监控正常。", "", False, None),
    ]),
    ("中雁村顺达快递点", "寄递网点", "中雁村", "中雁村村口12号", "赵建军", "派出所", [
        (45, "寄递安全检查组", "实名收寄、开箱验视落实。", "X光机未开机", True, 7),
    ]),
    ("北岙村悦家旅馆", "旅馆", "北岙村", "北岙村北街5号", "王秀英", "派出所", []),
]
# fmt: on


@write_op(Change.REGISTERS)
def add_key_people(s: Session, today: date, *, seed: int) -> None:
    """Visit histories and key places (only while the 重点场所 register is empty)."""
    from app.services.command import places, registers, visits

    recorder = s.scalar(select(User).where(User.username == "demo-reception"))
    if recorder is None or s.scalar(select(func.count()).select_from(KeyPlace)):
        return
    actor = actor_for(recorder, "A")
    rng = random.Random(seed * 11 + 5)
    for name, category, village, helper, listed, seen in _OVERDUE:
        registers.add_record(
            s,
            actor,
            "special",
            {
                "name": name,
                "category": category,
                "village_id": village,
                "risk_level": "中",
                "helper": helper,
                "listed_on": today - timedelta(days=listed),
                "last_visit_on": today - timedelta(days=seen),
            },
        )
    s.flush()
    # Each person's earlier visits, one interval apart back to the listing (a few late).
    settings = load_settings(s)
    last = visits.last_visits(s)
    for person in s.scalars(select(SpecialPerson).order_by(SpecialPerson.name)):
        step = visit_interval(settings, person.category.value)
        on = last.get(person.id, today) - timedelta(days=step)
        while on > person.listed_on and on > today - timedelta(days=400):
            visits.add_visit(
                s,
                actor,
                person.id,
                {
                    "visited_on": on,
                    "visitor": rng.choice(_VISITORS),
                    "method": rng.choice(("走访", "走访", "电话", "视频")),
                    "findings": rng.choice(_FINDINGS),
                    "risk_level": person.risk_level,
                },
            )
            on -= timedelta(days=step + rng.choice((0, 0, 0, 6)))
    # A visit this week finds 高 risk: it shows on the command room's risk panel.
    drugs = s.scalar(select(SpecialPerson).where(SpecialPerson.name == "戴志勇"))
    if drugs is not None:
        visits.add_visit(
            s,
            actor,
            drugs.id,
            {
                "visited_on": today - timedelta(days=2),
                "visitor": "禁毒社工 钱晓红",
                "method": "走访",
                "findings": "近期与原吸毒人员有往来，尿检未按时参加，已报告禁毒办。",
                "risk_level": "高",
            },
        )
    grids = {}
    for vname, gid in s.execute(
        select(Village.name, Grid.id).join(Grid, Grid.village_id == Village.id).order_by(Grid.sort)
    ):
        grids.setdefault(vname, gid)
    codes = dict(s.execute(select(Grid.id, Grid.code)).all())
    names = dict(s.execute(select(Grid.id, Grid.name)).all())
    for name, kind, village, address, responsible, unit, checks in _PLACES:
        gid = grids.get(village)
        place = registers.add_record(
            s,
            actor,
            "places",
            {
                "name": name,
                "kind": kind,
                "village_id": village,
                "grid_id": f"{names[gid]}（{codes[gid]}）" if gid else "",
                "address": address,
                "responsible": responsible,
                "phone": f"1{rng.choice('3578')}{rng.randrange(10**8, 10**9)}",
                "unit_id": unit,
            },
        )
        for days, inspector, findings, problems, rectified, within in checks:
            on = today - timedelta(days=days)
            places.add_inspection(
                s,
                actor,
                place,
                {
                    "inspected_on": on,
                    "inspector": inspector,
                    "findings": findings,
                    "problems": problems,
                    "rectified": rectified,
                    "deadline": on + timedelta(days=within) if within else None,
                },
            )
